// bench_ingest: durable webhook ingest over HTTP on loopback (issue #3).
// An in-process hub (SQLite, WAL, synchronous=FULL: every acknowledged
// message is on disk) receives signed 2 KB bodies from many keep-alive
// connections. Three loads, each run --runs times, medians reported:
//   1. closed loop, group commit: accepted messages/s, p50/p99 ack latency;
//   2. open loop paced at --rate msg/s, group commit: p50/p99 latency
//      measured from the scheduled send time (no coordinated omission);
//   3. closed loop against the baseline committing one transaction per
//      message (group_commit_max = 1).
// Usage: bench_ingest [--seconds S] [--connections C] [--rate R] [--runs N]
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

#include "api/http_client.h"
#include "app/config.h"
#include "app/hub.h"
#include "connectors/connector.h"
#include "obs/log.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr char kSecret[] = "bench-secret";

struct RunResult {
  double msgs_per_s = 0;
  double p50_ms = 0, p99_ms = 0;
  std::int64_t errors = 0;
};

std::string Body(std::int64_t i) {
  std::string b = fmt::format("{{\"key\":\"k{}\",\"n\":1,\"pad\":\"", i);
  b.append(2048 - b.size() - 2, 'x');
  b += "\"}";
  return b;
}

double Percentile(std::vector<std::int64_t>& v, double q) {
  if (v.empty()) {
    return 0;
  }
  const auto k = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return static_cast<double>(v[k]) / 1000.0;
}

RunResult RunLoad(int group_commit_max, int connections, double seconds, double rate,
                  std::atomic<std::int64_t>& id_base) {
  const auto dir = std::filesystem::temp_directory_path() /
                   fmt::format("retailhub-bench-ingest-{}", id_base.load());
  std::filesystem::remove_all(dir);
  hub::app::Config cfg;
  cfg.server.listen = "127.0.0.1:0";
  // Handlers run on the I/O threads and wait for their group commit, so the
  // number of threads bounds how many acknowledgements share one fsync.
  cfg.server.threads = 64;
  cfg.store.data_dir = dir.string();
  cfg.bus.group_commit_max = group_commit_max;
  cfg.bus.group_commit_wait_us = 0;
  cfg.bus.backlog_max = 10'000'000;
  cfg.sources["test"].accounts["bench"].secret = kSecret;
  auto hub = hub::app::Hub::Open(cfg, hub::SystemClock::Get());
  if (hub) {
    (*hub)->DisableTestHandlerForBenchmarks();
  }
  if (!hub || !(*hub)->Start()) {
    fmt::print(stderr, "cannot start hub\n");
    std::exit(1);
  }
  const std::uint16_t port = (*hub)->port();
  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> accepted{0}, errors{0};
  std::vector<std::vector<std::int64_t>> lat(static_cast<std::size_t>(connections));
  const auto start = Clock::now();
  const auto end =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  std::vector<std::thread> ts;
  for (int c = 0; c < connections; ++c) {
    ts.emplace_back([&, c] {
      hub::api::HttpConnection conn("127.0.0.1", port);
      const double per_conn_interval_s = rate > 0 ? connections / rate : 0;
      std::int64_t sent = 0;
      while (!stop) {
        auto scheduled = Clock::now();
        if (rate > 0) {
          scheduled =
              start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                          per_conn_interval_s * static_cast<double>(sent) +
                          per_conn_interval_s * c / connections));
          if (scheduled >= end) {
            break;
          }
          std::this_thread::sleep_until(scheduled);
        } else if (scheduled >= end) {
          break;
        }
        const std::int64_t id = id_base.fetch_add(1);
        const std::string body = Body(id);
        auto r = conn.Call("POST", "/v1/webhooks/test/bench", body,
                           {{"Content-Type", "application/json"},
                            {"X-Test-Id", fmt::format("m{}", id)},
                            {"X-Test-Signature", hub::HexEncode(hub::HmacSha256(kSecret, body))}});
        const auto done = Clock::now();
        ++sent;
        if (r && r->status == 202) {
          ++accepted;
          lat[static_cast<std::size_t>(c)].push_back(
              std::chrono::duration_cast<std::chrono::microseconds>(done - scheduled).count());
        } else {
          ++errors;
        }
      }
    });
  }
  for (auto& t : ts) {
    t.join();
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  (*hub)->Stop();
  hub->reset();
  std::filesystem::remove_all(dir);
  std::vector<std::int64_t> all;
  for (auto& v : lat) {
    all.insert(all.end(), v.begin(), v.end());
  }
  RunResult r;
  r.msgs_per_s = static_cast<double>(accepted.load()) / elapsed;
  r.p50_ms = Percentile(all, 0.50);
  r.p99_ms = Percentile(all, 0.99);
  r.errors = errors.load();
  return r;
}

RunResult Median(std::vector<RunResult> v) {
  auto med = [&](auto field) {
    std::vector<double> xs;
    for (auto& r : v) {
      xs.push_back(r.*field);
    }
    std::sort(xs.begin(), xs.end());
    return xs[xs.size() / 2];
  };
  RunResult m;
  m.msgs_per_s = med(&RunResult::msgs_per_s);
  m.p50_ms = med(&RunResult::p50_ms);
  m.p99_ms = med(&RunResult::p99_ms);
  for (auto& r : v) {
    m.errors += r.errors;
  }
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 3;
  int connections = 64;
  double rate = 10'000;
  int runs = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--seconds") == 0) {
      seconds = std::atof(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--connections") == 0) {
      connections = std::atoi(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--rate") == 0) {
      rate = std::atof(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--runs") == 0) {
      runs = std::atoi(argv[i + 1]);
    }
  }
  hub::obs::SetLogLevel(hub::obs::Level::kError);
  std::atomic<std::int64_t> ids{1};
  std::vector<RunResult> group, paced, baseline;
  for (int r = 0; r < runs; ++r) {
    group.push_back(RunLoad(512, connections, seconds, 0, ids));
    paced.push_back(RunLoad(512, connections, seconds, rate, ids));
    baseline.push_back(RunLoad(1, connections, seconds, 0, ids));
  }
  const RunResult g = Median(group), p = Median(paced), b = Median(baseline);
  fmt::print(
      "bench_ingest: 2 KB signed bodies over HTTP/1.1 keep-alive, {} connections, "
      "SQLite WAL synchronous=FULL, median of {} runs of {:.0f} s\n",
      connections, runs, seconds);
  fmt::print(
      "  group commit, closed loop : {:>9.0f} msg/s  p50 {:6.2f} ms  p99 {:6.2f} ms  "
      "errors {}\n",
      g.msgs_per_s, g.p50_ms, g.p99_ms, g.errors);
  fmt::print(
      "  group commit, {:>6.0f}/s   : {:>9.0f} msg/s  p50 {:6.2f} ms  p99 {:6.2f} ms  "
      "errors {}\n",
      rate, p.msgs_per_s, p.p50_ms, p.p99_ms, p.errors);
  fmt::print(
      "  baseline 1 tx/message     : {:>9.0f} msg/s  p50 {:6.2f} ms  p99 {:6.2f} ms  "
      "errors {}\n",
      b.msgs_per_s, b.p50_ms, b.p99_ms, b.errors);
  fmt::print("  group commit / baseline   : {:.1f}x\n",
             b.msgs_per_s > 0 ? g.msgs_per_s / b.msgs_per_s : 0.0);
  return 0;
}
