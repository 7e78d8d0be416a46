#include "app/overview_history.h"

#include <chrono>

namespace hub::app {

void OverviewHistory::Add(Instant at, boost::json::object figures) {
  std::lock_guard l(mu_);
  samples_.emplace_back(at, std::move(figures));
  while (samples_.size() > options_.samples_max) {
    samples_.pop_front();
  }
}

boost::json::array OverviewHistory::ToJson() const {
  std::lock_guard l(mu_);
  boost::json::array out;
  out.reserve(samples_.size());
  for (const auto& [at, figures] : samples_) {
    boost::json::object o;
    o["at"] = FormatRfc3339(at);
    for (const auto& [k, v] : figures) {
      o[k] = v;
    }
    out.push_back(std::move(o));
  }
  return out;
}

std::size_t OverviewHistory::size() const {
  std::lock_guard l(mu_);
  return samples_.size();
}

void OverviewHistory::Start(std::function<boost::json::object()> take, const Clock& clock) {
  std::lock_guard l(mu_);
  if (thread_.joinable()) {
    return;
  }
  stop_ = false;
  thread_ = std::thread([this, take = std::move(take), &clock] {
    std::unique_lock lk(mu_);
    while (!stop_) {
      lk.unlock();
      boost::json::object figures = take();
      Add(clock.Now(), std::move(figures));
      lk.lock();
      cv_.wait_for(lk, std::chrono::milliseconds(options_.interval_ms), [this] { return stop_; });
    }
  });
}

void OverviewHistory::Stop() {
  {
    std::lock_guard l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

}  // namespace hub::app
