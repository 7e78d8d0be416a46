// OverviewHistory: the server-side time series behind the dashboard's
// overview charts (ingest total, backlog per domain, errors by class, the
// business figures), one sample every interval, the newest samples_max kept
// in memory (an hour at the defaults). A browser that opens the dashboard
// sees the last hour at once instead of starting from an empty chart; the
// history starts again when the hub restarts (Prometheus keeps the long one).
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>

#include "app/periodic.h"
#include "core/time.h"

namespace hub::app {

class OverviewHistory {
 public:
  struct Options {
    std::int64_t interval_ms = 10'000;
    std::size_t samples_max = 360;
  };
  explicit OverviewHistory(Options options) : options_(options) {}
  ~OverviewHistory() { Stop(); }
  OverviewHistory(const OverviewHistory&) = delete;
  OverviewHistory& operator=(const OverviewHistory&) = delete;

  void Add(Instant at, boost::json::object figures);
  // [{"at": RFC 3339, …figures}], oldest first.
  boost::json::array ToJson() const;
  std::size_t size() const;

  // Samples `take()` now and then every interval until Stop().
  void Start(std::function<boost::json::object()> take, const Clock& clock);
  void Stop();

 private:
  const Options options_;
  mutable std::mutex mu_;
  std::deque<std::pair<Instant, boost::json::object>> samples_;
  Periodic sampler_;
};

}  // namespace hub::app
