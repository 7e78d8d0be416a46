#pragma once

namespace hub::app {
struct Config;
int RunServe(const Config& config);
}  // namespace hub::app
