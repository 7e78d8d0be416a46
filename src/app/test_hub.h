// For the app tests only: a hub on a loopback port of its own, its store in
// `data_dir`, started. Header-only, so the hub library carries no test code.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <memory>

#include "app/hub.h"

namespace hub::app {

// `configure` adds the sources, accounts and settings a test needs. A
// failure to open or start is reported to the test, which gets nullptr.
inline std::unique_ptr<Hub> StartTestHub(const std::filesystem::path& data_dir,
                                         const std::function<void(Config&)>& configure) {
  Config config;
  config.server.listen = "127.0.0.1:0";
  config.store.data_dir = data_dir.string();
  configure(config);
  auto hub = Hub::Open(config, SystemClock::Get());
  if (!hub) {
    ADD_FAILURE() << "Hub::Open: " << hub.error().ToString();
    return nullptr;
  }
  if (auto started = (*hub)->Start(); !started) {
    ADD_FAILURE() << "Hub::Start: " << started.error().ToString();
    return nullptr;
  }
  return std::move(*hub);
}

}  // namespace hub::app
