// Runs `retailhub serve` as a child process for black-box tests: start,
// read the bound port from its first stdout line, kill -9 or SIGTERM, wait.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace hub::testing {

class ChildServer {
 public:
  ChildServer() = default;
  ~ChildServer();
  ChildServer(const ChildServer&) = delete;
  ChildServer& operator=(const ChildServer&) = delete;

  // Starts `bin args…`; waits (≤ timeout) for "http(s)://HOST:PORT/" on stdout.
  bool Start(const std::string& bin, const std::vector<std::string>& args, int timeout_ms = 20000);
  void Kill9();
  // SIGTERM and wait; returns the exit status (or -1).
  int Terminate();
  std::uint16_t port() const { return port_; }
  bool running() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace hub::testing
