// Periodic: runs one function on its own thread every `interval`, the first
// time at once, until Stop(). Stop() wakes the sleeping thread and joins it,
// so a hub stops without waiting out an interval. Start/Stop from one thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace hub::app {

class Periodic {
 public:
  Periodic() = default;
  Periodic(const Periodic&) = delete;
  Periodic& operator=(const Periodic&) = delete;
  ~Periodic() { Stop(); }

  void Start(std::chrono::milliseconds interval, std::function<void()> run) {
    std::lock_guard l(mu_);
    if (thread_.joinable()) {
      return;
    }
    stop_ = false;
    thread_ = std::thread([this, interval, run = std::move(run)] {
      std::unique_lock lk(mu_);
      while (!stop_) {
        lk.unlock();
        run();
        lk.lock();
        cv_.wait_for(lk, interval, [this] { return stop_; });
      }
    });
  }

  void Stop() {
    {
      std::lock_guard l(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) {
      thread_.join();
    }
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace hub::app
