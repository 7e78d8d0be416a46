// Names the calling thread for `top -H`, `ps -L`, gdb and perf (`--sort
// comm`). Linux keeps 15 bytes; longer names are cut.
#pragma once

#include <pthread.h>

#include <string>
#include <string_view>

namespace hub {

inline void SetThreadName(std::string_view name) {
  const std::string n(name.substr(0, 15));
  pthread_setname_np(pthread_self(), n.c_str());
}

}  // namespace hub
