// bench_ingest: durable webhook ingest over HTTP on loopback (issue #3).
// An in-process hub (SQLite, WAL, synchronous=FULL: every acknowledged
// message is on disk) receives signed 2 KB bodies from many keep-alive
// connections. Four loads, each run --runs times, medians reported:
//   1. closed loop, group commit: accepted messages/s, p50/p99 ack latency;
//   2. open loop paced at --rate msg/s, group commit: p50/p99 latency
//      measured from the scheduled send time (no coordinated omission);
//   3. closed loop against the baseline committing one transaction per
//      message (group_commit_max = 1);
//   4. closed loop against the hub's HTTP server alone, a route answering
//      202 at once: what HTTP and the load generator cost by themselves.
// Each message has a fresh dedup key (X-Test-Id). By default it looks like
// real senders' ids (Shopify's X-Shopify-Webhook-Id and Square's event_id
// are UUIDs): 16 hex digits, scattered, so the unique dedup index takes
// every insert at a random place, as in production. --keys sequential sends
// "m1", "m2", ... instead, which the index appends almost in order.
// --prefill N stores N earlier messages (random keys, 100-byte bodies)
// before each run, so the dedup index is the size of a store in service
// rather than of an empty one.
// The load generator signs each run's requests before the run starts (wrk
// and h2load likewise prepare theirs): it shares the two cores with the hub,
// and signing in the loop took CPU the hub then lacked (at most 400,000 are
// prepared; a longer run signs the rest as it sends them, and says so).
// --sign inline signs each request as it is sent. Each run reports the
// process's CPU time per accepted message, hub and load generator together:
// on a shared machine it varies less than messages per second.
// The hub runs with the shipped bus defaults (config/retailhub.toml) but for
// the backlog limit, lifted so that no request is refused; --wait-us sets
// bus.group_commit_wait_us.
// Before the loads it times fdatasync of a 16 KiB append in the same
// directory: the floor of the baseline's serial path, whose every message
// waits for one, and so what the group/baseline ratio depends on.
// --dedup-batch sets bus.dedup_index_batch.
// Usage: bench_ingest [--seconds S] [--connections C] [--rate R] [--runs N]
//                     [--only group|paced|baseline|http] [--keys random|sequential]
//                     [--prefill N] [--sign presigned|inline] [--wait-us U] [--threads T]
//                     [--dedup-batch N]
#include <fmt/format.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "api/http.h"
#include "api/http_server.h"
#include "api/router.h"
#include "app/config.h"
#include "app/hub.h"
#include "bus/bus.h"
#include "connectors/connector.h"
#include "obs/log.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr char kSecret[] = "bench-secret";
constexpr std::int64_t kPreparedMax = 400'000;

struct RunResult {
  double msgs_per_s = 0;
  double cpu_us_per_msg = 0;  // the whole process (hub and load generator)
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

// User and system CPU of the whole process so far: on a shared machine,
// CPU per message varies less than messages per second.
double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto sec = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return sec(u.ru_utime) + sec(u.ru_stime);
}

// The load generator: one thread, `connections` non-blocking keep-alive
// sockets on one epoll set, one request in flight per connection. A blocking
// client thread per connection would spend the 2 shared cores on context
// switches that the server then lacks. Closed loop (rate 0): a connection
// sends its next request when the answer arrives. Open loop: request k is due
// at start + k / rate on connection k % connections; a connection still busy
// when its next request falls due sends it as soon as the answer arrives, and
// the latency counts from the due time.
class LoadClient {
 public:
  LoadClient(std::uint16_t port, int connections, std::atomic<std::int64_t>& ids,
             bool sequential_keys)
      : ids_(ids), sequential_keys_(sequential_keys), epoll_(epoll_create1(0)) {
    for (int c = 0; c < connections; ++c) {
      const int fd = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(port);
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        fmt::print(stderr, "bench_ingest: cannot connect: {}\n", std::strerror(errno));
        std::exit(1);
      }
      const int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
      conns_.push_back(Conn{fd});
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u32 = static_cast<std::uint32_t>(c);
      epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
    }
  }
  ~LoadClient() {
    for (auto& c : conns_) {
      close(c.fd);
    }
    close(epoll_);
  }

  // Signs the requests of the run before it starts, as load generators
  // (wrk, h2load) prepare theirs: building and signing one costs the client
  // CPU that the server, on the same two cores, would otherwise lack. Each
  // request is still distinct (its own body, dedup key and signature), and
  // the server still verifies every signature.
  void Prepare(std::int64_t n) {
    pool_.clear();
    pool_.reserve(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
      pool_.push_back(Request(ids_.fetch_add(1)));
    }
    next_ = 0;
  }

  RunResult Run(double seconds, double rate) {
    const double cpu0 = CpuSeconds();
    const auto start = Clock::now();
    const auto end =
        start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    const auto n = static_cast<std::int64_t>(conns_.size());
    auto due = [&](std::int64_t k) {
      return start + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(static_cast<double>(k) / rate));
    };
    // Open loop: the next request number of each connection (k = c, c+n, ...).
    for (std::int64_t c = 0; c < n; ++c) {
      conns_[static_cast<std::size_t>(c)].next_k = c;
    }
    auto maybe_send = [&](Conn& conn, Clock::time_point now) {
      if (conn.busy || now >= end) {
        return;
      }
      if (rate <= 0) {
        Send(conn, now);
      } else if (due(conn.next_k) <= now) {
        const auto when = due(conn.next_k);
        conn.next_k += n;
        Send(conn, when);
      }
    };
    std::vector<epoll_event> events(conns_.size());
    for (;;) {
      auto now = Clock::now();
      bool any_busy = false;
      Clock::time_point next_due = end;
      for (auto& conn : conns_) {
        maybe_send(conn, now);
        any_busy = any_busy || conn.busy;
        if (rate > 0 && !conn.busy) {
          next_due = std::min(next_due, due(conn.next_k));
        }
      }
      if (now >= end && !any_busy) {
        break;
      }
      int timeout_ms = 100;
      if (rate > 0) {
        const auto wait = std::chrono::duration_cast<std::chrono::microseconds>(next_due - now);
        timeout_ms =
            static_cast<int>(std::clamp<std::int64_t>((wait.count() + 999) / 1000, 0, 100));
      }
      const int k = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), timeout_ms);
      now = Clock::now();
      for (int i = 0; i < k; ++i) {
        Conn& conn = conns_[events[static_cast<std::size_t>(i)].data.u32];
        if ((events[static_cast<std::size_t>(i)].events & EPOLLOUT) != 0) {
          Flush(conn);
        }
        if ((events[static_cast<std::size_t>(i)].events & EPOLLIN) != 0) {
          Read(conn, now);
        }
        maybe_send(conn, now);
      }
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    RunResult r;
    r.msgs_per_s = static_cast<double>(accepted_) / elapsed;
    r.p50_ms = Percentile(latencies_, 0.50);
    r.p99_ms = Percentile(latencies_, 0.99);
    r.errors = errors_;
    r.cpu_us_per_msg =
        accepted_ > 0 ? (CpuSeconds() - cpu0) * 1e6 / static_cast<double>(accepted_) : 0;
    if (signed_inline_ > 0) {
      fmt::print(stderr,
                 "bench_ingest: {} requests past the {} prepared ones were signed as they were "
                 "sent\n",
                 signed_inline_, pool_.size());
    }
    return r;
  }

 private:
  struct Conn {
    int fd;
    bool busy = false;
    Clock::time_point scheduled;
    std::int64_t next_k = 0;
    std::string out;
    std::size_t out_off = 0;
    std::string in;
  };

  std::string Request(std::int64_t id) const {
    const std::string body = Body(id);
    // Multiplying by an odd constant is a bijection on 64 bits: unique, scattered.
    const std::string key =
        sequential_keys_
            ? fmt::format("m{}", id)
            : fmt::format("{:016x}", static_cast<std::uint64_t>(id) * 0x9E3779B97F4A7C15ull);
    std::string out = fmt::format(
        "POST /v1/webhooks/test/bench HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/json\r\nX-Test-Id: {}\r\nX-Test-Signature: {}\r\n"
        "Content-Length: {}\r\n\r\n",
        key, hub::HexEncode(hub::HmacSha256(kSecret, body)), body.size());
    out += body;
    return out;
  }

  void Send(Conn& conn, Clock::time_point scheduled) {
    // Past the prepared ones (a faster server than foreseen), sign on the fly.
    if (next_ < pool_.size()) {
      conn.out = std::move(pool_[next_++]);
    } else {
      conn.out = Request(ids_.fetch_add(1));
      signed_inline_ += pool_.empty() ? 0 : 1;
    }
    conn.out_off = 0;
    conn.busy = true;
    conn.scheduled = scheduled;
    Flush(conn);
  }

  void Flush(Conn& conn) {
    while (conn.out_off < conn.out.size()) {
      const ssize_t w =
          write(conn.fd, conn.out.data() + conn.out_off, conn.out.size() - conn.out_off);
      if (w < 0) {
        if (errno == EAGAIN) {
          epoll_event ev{};
          ev.events = EPOLLIN | EPOLLOUT;
          ev.data.u32 = static_cast<std::uint32_t>(&conn - conns_.data());
          epoll_ctl(epoll_, EPOLL_CTL_MOD, conn.fd, &ev);
          return;
        }
        fmt::print(stderr, "bench_ingest: write: {}\n", std::strerror(errno));
        std::exit(1);
      }
      conn.out_off += static_cast<std::size_t>(w);
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<std::uint32_t>(&conn - conns_.data());
    epoll_ctl(epoll_, EPOLL_CTL_MOD, conn.fd, &ev);
  }

  // Reads what is there; completes the answer once its head and
  // Content-Length bytes of body have arrived.
  void Read(Conn& conn, Clock::time_point now) {
    char buf[8192];
    for (;;) {
      const ssize_t r = read(conn.fd, buf, sizeof buf);
      if (r > 0) {
        conn.in.append(buf, static_cast<std::size_t>(r));
        continue;
      }
      if (r < 0 && errno == EAGAIN) {
        break;
      }
      fmt::print(stderr, "bench_ingest: the server closed a connection\n");
      std::exit(1);
    }
    const std::size_t head_end = conn.in.find("\r\n\r\n");
    if (head_end == std::string::npos) {
      return;
    }
    std::size_t length = 0;
    const std::size_t cl = conn.in.find("Content-Length: ");
    if (cl != std::string::npos && cl < head_end) {
      length = std::strtoull(conn.in.c_str() + cl + 16, nullptr, 10);
    }
    if (conn.in.size() < head_end + 4 + length) {
      return;
    }
    if (conn.in.compare(0, 12, "HTTP/1.1 202") == 0) {
      ++accepted_;
      latencies_.push_back(
          std::chrono::duration_cast<std::chrono::microseconds>(now - conn.scheduled).count());
    } else {
      ++errors_;
    }
    conn.in.erase(0, head_end + 4 + length);
    conn.busy = false;
  }

  std::atomic<std::int64_t>& ids_;
  std::vector<std::string> pool_;
  std::size_t next_ = 0;
  std::int64_t signed_inline_ = 0;  // past the prepared requests
  bool sequential_keys_;
  int epoll_;
  std::vector<Conn> conns_;
  std::int64_t accepted_ = 0, errors_ = 0;
  std::vector<std::int64_t> latencies_;
};

// Median and p99 of fdatasync after a 16 KiB append (about one group's
// WAL frames), in the directory the hub's database goes to, in ms.
std::pair<double, double> FsyncLatency() {
  const auto path = std::filesystem::temp_directory_path() / "retailhub-bench-fsync";
  const int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0600);
  if (fd < 0) {
    return {0, 0};
  }
  const std::string block(16384, 'x');
  std::vector<std::int64_t> us;
  for (int i = 0; i < 300; ++i) {
    if (::write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size())) {
      break;
    }
    const auto t0 = Clock::now();
    ::fdatasync(fd);
    us.push_back(std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count());
  }
  ::close(fd);
  std::filesystem::remove(path);
  return {Percentile(us, 0.5), Percentile(us, 0.99)};
}

// N messages as the hub stores them, with scattered dedup keys, their keys in
// the dedup index (SQL only), written before the hub opens the store (it
// reads the index's keys into its filter then).
void Prefill(const std::filesystem::path& data_dir, std::int64_t n) {
  auto store =
      hub::store::OpenSqliteStore({.path = hub::app::DatabasePath(data_dir.string()).string()});
  if (!store || !(*store)->Migrate(hub::bus::Operations::Migrations())) {
    fmt::print(stderr, "bench_ingest: cannot create the store to prefill\n");
    std::exit(1);
  }
  auto conn = (*store)->Connect();
  if (!conn || !(*conn)->Execute(fmt::format(
                   "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < {}) "
                   "INSERT INTO bus_messages (seq, id, source, account, topic, dedup_key, "
                   "received_at, correlation_id, traceparent, headers, url, body, state) "
                   "SELECT i, printf('msg_prefill%010d', i), 'test', 'bench', 'bench', "
                   "lower(hex(randomblob(8))), i, lower(hex(randomblob(16))), '', '{{}}', '', "
                   "zeroblob(100), 'translated' FROM k; "
                   "INSERT INTO bus_dedup (source, account, dedup_key, seq) SELECT source, "
                   "account, dedup_key, seq FROM bus_messages ORDER BY source, account, "
                   "dedup_key; UPDATE bus_dedup_mark SET seq = {}",
                   n, n))) {
    fmt::print(stderr, "bench_ingest: prefill failed\n");
    std::exit(1);
  }
  // Into the database file: the timed run must not pay the prefill's checkpoint.
  if (!(*conn)->Execute("PRAGMA wal_checkpoint(TRUNCATE)")) {
    fmt::print(stderr, "bench_ingest: checkpoint after prefill failed\n");
    std::exit(1);
  }
}

// What every load of one invocation shares (the command line).
struct LoadOptions {
  int connections = 64;
  double seconds = 3;
  bool sequential_keys = false;
  std::int64_t prefill = 0;
  bool presign = true;
  std::int64_t wait_us = -1;      // bus.group_commit_wait_us; < 0: the shipped default
  std::int64_t dedup_batch = -1;  // bus.dedup_index_batch; < 0: the shipped default
  // The webhook route answers asynchronously (the I/O thread does not wait
  // for the fsync), so one I/O thread per core serves every connection.
  int threads = 2;
};

// Drives one load against a listener on `port`.
// Closed loop (rate 0): `expected` msg/s, at most, is what it prepares for.
RunResult Drive(std::uint16_t port, double rate, double expected, std::atomic<std::int64_t>& ids,
                const LoadOptions& o) {
  LoadClient client(port, o.connections, ids, o.sequential_keys);
  // Enough for the closed loop's expected rate or the paced one; at most
  // 400,000 requests (about 1 GB), so a long run signs the rest as it sends
  // them (and says so).
  if (o.presign) {
    client.Prepare(std::min<std::int64_t>(
        kPreparedMax, static_cast<std::int64_t>(o.seconds * (rate > 0 ? rate * 1.01 : expected)) +
                          o.connections));
  }
  return client.Run(o.seconds, rate);
}

RunResult RunLoad(int group_commit_max, double rate, std::atomic<std::int64_t>& ids,
                  const LoadOptions& o) {
  const auto dir =
      std::filesystem::temp_directory_path() / fmt::format("retailhub-bench-ingest-{}", ids.load());
  std::filesystem::remove_all(dir);
  hub::app::Config cfg;
  cfg.server.listen = "127.0.0.1:0";
  cfg.server.threads = o.threads;
  cfg.store.data_dir = dir.string();
  cfg.bus.group_commit_max = group_commit_max;
  if (o.wait_us >= 0) {
    cfg.bus.group_commit_wait_us = o.wait_us;
  }
  if (o.dedup_batch > 0) {
    cfg.bus.dedup_index_batch = o.dedup_batch;
  }
  cfg.bus.backlog_max = 10'000'000;
  cfg.sources["test"].accounts["bench"].secret = kSecret;
  if (o.prefill > 0) {
    std::filesystem::create_directories(dir);
    Prefill(dir, o.prefill);
  }
  auto hub = hub::app::Hub::Open(cfg, hub::SystemClock::Get());
  if (hub) {
    (*hub)->DisableTestHandlerForBenchmarks();
  }
  if (!hub || !(*hub)->Start()) {
    fmt::print(stderr, "cannot start hub\n");
    std::exit(1);
  }
  // Twice the target, for the closed loop.
  const RunResult r = Drive((*hub)->port(), rate, 40'000, ids, o);
  (*hub)->Stop();
  hub->reset();
  std::filesystem::remove_all(dir);
  return r;
}

// The same requests against the hub's HTTP server alone, with the same
// threads: a route that answers 202 at once, without verifying, storing or
// translating. What the HTTP layer (and the load generator) cost by
// themselves, out of the whole path's CPU per message.
RunResult RunHttpAlone(std::atomic<std::int64_t>& ids, const LoadOptions& o) {
  hub::api::Router router;
  router.Add("POST", "/v1/webhooks/test/bench", [](hub::api::HttpRequest&) {
    return hub::api::Json(202, boost::json::object{{"status", "accepted"}});
  });
  hub::api::HttpServerOptions so;
  so.host = "127.0.0.1";
  so.port = 0;
  so.threads = o.threads;
  hub::api::HttpServer server(so, router);
  if (!server.Start()) {
    fmt::print(stderr, "cannot start the HTTP server\n");
    std::exit(1);
  }
  const RunResult r = Drive(server.port(), 0, 80'000, ids, o);
  server.Stop();
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
  m.cpu_us_per_msg = med(&RunResult::cpu_us_per_msg);
  for (auto& r : v) {
    m.errors += r.errors;
  }
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  LoadOptions o;
  double rate = 10'000;
  int runs = 3;
  std::string only;  // --only group|paced|baseline|http: one load, for profiling
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--seconds") == 0) {
      o.seconds = std::atof(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--connections") == 0) {
      o.connections = std::atoi(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--threads") == 0) {
      o.threads = std::atoi(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--rate") == 0) {
      rate = std::atof(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--runs") == 0) {
      runs = std::atoi(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--only") == 0) {
      only = argv[i + 1];
    } else if (std::strcmp(argv[i], "--prefill") == 0) {
      o.prefill = std::atoll(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--wait-us") == 0) {
      o.wait_us = std::atoll(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--dedup-batch") == 0) {
      o.dedup_batch = std::atoll(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--sign") == 0) {
      o.presign = std::strcmp(argv[i + 1], "inline") != 0;
    } else if (std::strcmp(argv[i], "--keys") == 0) {
      o.sequential_keys = std::strcmp(argv[i + 1], "sequential") == 0;
    }
  }
  hub::obs::SetLogLevel(hub::obs::Level::kError);
  std::atomic<std::int64_t> ids{1};
  auto wanted = [&](std::string_view load) { return only.empty() || only == load; };
  const auto [fsync_p50, fsync_p99] = FsyncLatency();
  std::vector<RunResult> group, paced, baseline, http;
  for (int r = 0; r < runs; ++r) {
    group.push_back(wanted("group") ? RunLoad(512, 0, ids, o) : RunResult{});
    paced.push_back(wanted("paced") ? RunLoad(512, rate, ids, o) : RunResult{});
    baseline.push_back(wanted("baseline") ? RunLoad(1, 0, ids, o) : RunResult{});
    http.push_back(wanted("http") ? RunHttpAlone(ids, o) : RunResult{});
  }
  const RunResult g = Median(group), p = Median(paced), b = Median(baseline), h = Median(http);
  fmt::print(
      "bench_ingest: 2 KB signed bodies over HTTP/1.1 keep-alive, {} connections, {} I/O "
      "threads, {} dedup keys, requests signed {}, {} messages stored before each run, SQLite "
      "WAL synchronous=FULL, median of {} runs of {:.0f} s\n",
      o.connections, o.threads, o.sequential_keys ? "sequential" : "random",
      o.presign ? "before the run" : "inline", o.prefill, runs, o.seconds);
  auto line = [](std::string_view label, const RunResult& x) {
    fmt::print(
        "  {:<26}: {:>9.0f} msg/s  p50 {:6.2f} ms  p99 {:6.2f} ms  errors {}  cpu {:.0f} "
        "us/msg\n",
        label, x.msgs_per_s, x.p50_ms, x.p99_ms, x.errors, x.cpu_us_per_msg);
  };
  line("group commit, closed loop", g);
  line(fmt::format("group commit, {:>6.0f}/s", rate), p);
  line("baseline 1 tx/message", b);
  line("HTTP alone (answers 202)", h);
  fmt::print("  group commit / baseline   : {:.1f}x\n",
             b.msgs_per_s > 0 ? g.msgs_per_s / b.msgs_per_s : 0.0);
  fmt::print(
      "  fdatasync, 16 KiB append  : p50 {:.3f} ms  p99 {:.3f} ms (the baseline waits for "
      "one per message)\n",
      fsync_p50, fsync_p99);
  return 0;
}
