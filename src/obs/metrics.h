// Metrics: counters, gauges and latency histograms kept in process and
// exported in the Prometheus text format (exposition format 0.0.4).
// Thread-safe: every metric is updated with relaxed atomics; the registry
// takes a mutex only to create a metric or to render.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace hub::obs {

// Labels as sorted name=value pairs, e.g. {{"domain","orders"}}.
using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void Inc(std::int64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  std::int64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> v_{0};
};

class Gauge {
 public:
  void Set(std::int64_t v) { v_.store(v, std::memory_order_relaxed); }
  void Add(std::int64_t d) { v_.fetch_add(d, std::memory_order_relaxed); }
  std::int64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> v_{0};
};

// Fixed exponential buckets in microseconds (50us .. ~26s).
class Histogram {
 public:
  static constexpr int kBuckets = 20;
  void ObserveMicros(std::int64_t us);
  std::int64_t count() const { return count_.load(std::memory_order_relaxed); }
  std::int64_t sum_micros() const { return sum_.load(std::memory_order_relaxed); }
  std::int64_t bucket(int i) const { return buckets_[i].load(std::memory_order_relaxed); }
  static std::int64_t BucketBoundMicros(int i);  // upper bound of bucket i
  // Approximate quantile (upper bound of the bucket holding it), microseconds.
  std::int64_t QuantileMicros(double q) const;

 private:
  std::atomic<std::int64_t> buckets_[kBuckets] = {};
  std::atomic<std::int64_t> count_{0};
  std::atomic<std::int64_t> sum_{0};
};

class Registry {
 public:
  // Returns the metric of this name and labels, creating it on first use.
  // The same name must always be used with the same kind and help text.
  Counter& GetCounter(std::string_view name, std::string_view help, const Labels& labels = {});
  Gauge& GetGauge(std::string_view name, std::string_view help, const Labels& labels = {});
  Histogram& GetHistogram(std::string_view name, std::string_view help, const Labels& labels = {});
  // Prometheus text format, families sorted by name, each with HELP and TYPE.
  std::string RenderPrometheus() const;
  // The process-wide registry.
  static Registry& Default();

 private:
  enum class Kind { kCounter, kGauge, kHistogram };
  struct Family {
    Kind kind;
    std::string help;
    std::map<Labels, std::unique_ptr<Counter>> counters;
    std::map<Labels, std::unique_ptr<Gauge>> gauges;
    std::map<Labels, std::unique_ptr<Histogram>> histograms;
  };
  Family& GetFamily(std::string_view name, std::string_view help, Kind kind);
  mutable std::mutex mu_;
  std::map<std::string, Family, std::less<>> families_;
};

}  // namespace hub::obs
