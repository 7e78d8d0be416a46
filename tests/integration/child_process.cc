#include "integration/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <regex>

namespace hub::testing {

ChildServer::~ChildServer() {
  if (pid_ > 0) {
    Kill9();
  }
}

bool ChildServer::Start(const std::string& bin, const std::vector<std::string>& args,
                        int timeout_ms) {
  int fds[2];
  if (pipe(fds) != 0) {
    return false;
  }
  pid_ = fork();
  if (pid_ == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(bin.c_str()));
    for (const auto& a : args) {
      argv.push_back(const_cast<char*>(a.c_str()));
    }
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  close(fds[1]);
  out_fd_ = fds[0];
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  static const std::regex kUrl(R"(https?://[^:/\s]+:(\d+)/)");
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{out_fd_, POLLIN, 0};
    if (poll(&p, 1, 100) > 0) {
      char buf[512];
      const ssize_t n = read(out_fd_, buf, sizeof buf);
      if (n <= 0) {
        break;
      }
      out.append(buf, static_cast<std::size_t>(n));
      std::smatch m;
      if (std::regex_search(out, m, kUrl)) {
        port_ = static_cast<std::uint16_t>(std::stoi(m[1].str()));
        return true;
      }
    }
  }
  Kill9();
  return false;
}

void ChildServer::Kill9() {
  if (pid_ <= 0) {
    return;
  }
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  if (out_fd_ >= 0) {
    close(out_fd_);
    out_fd_ = -1;
  }
}

int ChildServer::Terminate() {
  if (pid_ <= 0) {
    return -1;
  }
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  if (out_fd_ >= 0) {
    close(out_fd_);
    out_fd_ = -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace hub::testing
