#include "app/serve.h"

#include <fmt/format.h>

#include <iostream>

#include "app/config.h"
#include "app/hub.h"
#include "obs/log.h"

namespace hub::app {

int RunServe(const Config& config) {
  auto hub = Hub::Open(config, SystemClock::Get());
  if (!hub) {
    std::cerr << "retailhub serve: " << hub.error().ToString() << "\n";
    return 1;
  }
  if (auto st = (*hub)->Start(); !st) {
    std::cerr << "retailhub serve: " << st.error().ToString() << "\n";
    return 1;
  }
  auto hp = ParseListen(config.server.listen);
  const std::string host = hp ? hp->first : "127.0.0.1";
  const std::string_view scheme = config.server.tls_cert_file.empty() ? "http" : "https";
  std::cout << fmt::format("RetailHub serving on {}://{}:{}/ (data in {})", scheme, host,
                           (*hub)->port(), config.store.data_dir)
            << std::endl;
  obs::Info("server.started", "",
            {{"listen", fmt::format("{}:{}", host, (*hub)->port())},
             {"tls", config.server.tls_cert_file.empty() ? "off" : "on"},
             {"data_dir", config.store.data_dir}});
  (*hub)->RunUntilSignal();
  obs::Info("server.stopped", "");
  return 0;
}

}  // namespace hub::app
