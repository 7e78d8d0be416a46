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
  std::cout << fmt::format("RetailHub serving on http://{}:{}/ (data in {})", host, (*hub)->port(),
                           config.store.data_dir)
            << std::endl;
  obs::Info("server.started", "",
            {{"listen", fmt::format("{}:{}", host, (*hub)->port())},
             {"data_dir", config.store.data_dir}});
  (*hub)->RunUntilSignal();
  obs::Info("server.stopped", "");
  return 0;
}

}  // namespace hub::app
