#include "obs/metrics.h"

#include <fmt/format.h>

#include "core/assert.h"

namespace hub::obs {

std::int64_t Histogram::BucketBoundMicros(int i) {
  // 50us * 2^i: 50us, 100us, 200us, ... ~26s at i = 19.
  return std::int64_t{50} << i;
}

void Histogram::ObserveMicros(std::int64_t us) {
  int i = 0;
  while (i < kBuckets - 1 && us > BucketBoundMicros(i)) {
    ++i;
  }
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(us, std::memory_order_relaxed);
}

std::int64_t Histogram::QuantileMicros(double q) const {
  const std::int64_t n = count();
  if (n == 0) {
    return 0;
  }
  // Rank of the quantile, computed in integers per mille to stay exact.
  const auto permille = static_cast<std::int64_t>(q * 1000.0);
  const std::int64_t rank = (n * permille + 999) / 1000;
  std::int64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += bucket(i);
    if (seen >= rank) {
      return BucketBoundMicros(i);
    }
  }
  return BucketBoundMicros(kBuckets - 1);
}

Registry& Registry::Default() {
  static Registry* r = new Registry();
  return *r;
}

Registry::Family& Registry::GetFamily(std::string_view name, std::string_view help, Kind kind) {
  auto it = families_.find(name);
  if (it == families_.end()) {
    it = families_.emplace(std::string(name), Family{kind, std::string(help), {}, {}, {}}).first;
  } else if (it->second.help.empty() && !help.empty()) {
    // A reader that only wants the value (the overview) may ask first.
    it->second.help = std::string(help);
  }
  HUB_ASSERT(it->second.kind == kind);
  return it->second;
}

Counter& Registry::GetCounter(std::string_view name, std::string_view help, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = GetFamily(name, help, Kind::kCounter).counters[labels];
  if (!slot) {
    slot = std::make_unique<Counter>();
  }
  return *slot;
}

Gauge& Registry::GetGauge(std::string_view name, std::string_view help, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = GetFamily(name, help, Kind::kGauge).gauges[labels];
  if (!slot) {
    slot = std::make_unique<Gauge>();
  }
  return *slot;
}

Histogram& Registry::GetHistogram(std::string_view name, std::string_view help,
                                  const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& slot = GetFamily(name, help, Kind::kHistogram).histograms[labels];
  if (!slot) {
    slot = std::make_unique<Histogram>();
  }
  return *slot;
}

namespace {

std::string EscapeLabel(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string RenderLabels(const Labels& labels, std::string_view extra = {}) {
  if (labels.empty() && extra.empty()) {
    return {};
  }
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) {
      out += ",";
    }
    first = false;
    out += fmt::format("{}=\"{}\"", k, EscapeLabel(v));
  }
  if (!extra.empty()) {
    if (!first) {
      out += ",";
    }
    out += extra;
  }
  out += "}";
  return out;
}

std::string EscapeHelp(std::string_view h) {
  std::string out;
  for (char c : h) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

std::string Registry::RenderPrometheus() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [name, fam] : families_) {
    const char* type = fam.kind == Kind::kCounter ? "counter"
                       : fam.kind == Kind::kGauge ? "gauge"
                                                  : "histogram";
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, EscapeHelp(fam.help), name, type);
    for (const auto& [labels, c] : fam.counters) {
      out += fmt::format("{}{} {}\n", name, RenderLabels(labels), c->value());
    }
    for (const auto& [labels, g] : fam.gauges) {
      out += fmt::format("{}{} {}\n", name, RenderLabels(labels), g->value());
    }
    for (const auto& [labels, h] : fam.histograms) {
      // Exported in seconds, as Prometheus expects.
      std::int64_t cum = 0;
      for (int i = 0; i < Histogram::kBuckets; ++i) {
        cum += h->bucket(i);
        const std::string le =
            fmt::format("le=\"{}\"", static_cast<double>(Histogram::BucketBoundMicros(i)) / 1e6);
        out += fmt::format("{}_bucket{} {}\n", name, RenderLabels(labels, le), cum);
      }
      out += fmt::format("{}_bucket{} {}\n", name, RenderLabels(labels, "le=\"+Inf\""), h->count());
      out += fmt::format("{}_sum{} {}\n", name, RenderLabels(labels),
                         static_cast<double>(h->sum_micros()) / 1e6);
      out += fmt::format("{}_count{} {}\n", name, RenderLabels(labels), h->count());
    }
  }
  return out;
}

}  // namespace hub::obs
