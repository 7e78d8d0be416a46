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
  sampler_.Start(std::chrono::milliseconds(options_.interval_ms),
                 [this, take = std::move(take), &clock] { Add(clock.Now(), take()); });
}

void OverviewHistory::Stop() { sampler_.Stop(); }

}  // namespace hub::app
