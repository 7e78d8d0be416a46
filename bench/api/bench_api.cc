// bench_api: API read latency on loopback. Customer lookup by id
// (GET /v1/customers/{id}) with 1,000,000 golden customers stored, and the
// trial balance (GET /v1/ledger/trial-balance) over a journal of retail
// entries. Target: p99 <= 5 ms at 5,000 requests/s for the customer lookup.
//
// Setup, the way the hub itself stores things:
//   - customers: the rows the bus leaves once a Shopify customers/create
//     webhook has been ingested, translated and applied by the identity
//     domain (bus_messages 'translated' + bus_work identity 'done' holding
//     the canonical customer.upserted event), written in 50,000-row
//     transactions instead of 1M webhooks. `Hub::Open` then rebuilds the
//     resolver from them exactly as `retailhub serve` does at start.
//   - journal: retail entries posted through the hub's own Journal.
//   - API keys: viewer keys made through api::v1::Auth. Each key has its own
//     token bucket (20/s, burst 40), so requests rotate over enough keys to
//     stay under it: the figures measure the read path, not the limiter.
// Load, on the same 2 cores as the server (in-process hub, HTTP/1.1
// keep-alive on 127.0.0.1):
//   - open loop at --rate requests/s: request i is due at start + i/rate and
//     its latency runs from that due time, so a stall is charged to every
//     request it delays (no coordinated omission);
//   - closed loop, as fast as the connections go: the maximum throughput;
//   - `wrk` (Debian's, closed loop) when installed, as a cross-check.
// Every load runs --runs times; the report gives the medians.
// Usage: bench_api [--customers N] [--rate R] [--seconds S] [--runs N]
//                  [--connections C] [--max-connections C] [--keys K] [--no-wrk]
#include <fmt/format.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "api/http_client.h"
#include "api/v1/auth.h"
#include "app/config.h"
#include "app/gauges.h"
#include "app/hub.h"
#include "connectors/connector.h"
#include "core/event.h"
#include "core/model_json.h"
#include "ledger/journal.h"
#include "obs/log.h"
#include "store/store.h"

namespace {

namespace json = boost::json;
using SteadyClock = std::chrono::steady_clock;

constexpr char kAccount[] = "bench.myshopify.com";
constexpr std::size_t kRowsPerTransaction = 50'000;
constexpr std::size_t kJournalEntries = 100'000;
constexpr std::size_t kJournalBatch = 10'000;
constexpr std::int64_t kBaseMicros = 1'767'225'600'000'000;  // 2026-01-01T00:00:00Z
constexpr int kRequestTimeoutMs = 10'000;

struct Options {
  std::size_t customers = 1'000'000;
  double rate = 5'000;
  double seconds = 5;
  int runs = 3;
  int connections = 32;      // open loop: enough that one slow answer does not hold the rest
  int max_connections = 16;  // closed loop
  std::size_t keys = 2'000;  // 2,000 keys × 20/s covers 40,000 requests/s
  bool wrk = true;
};

[[noreturn]] void Die(const std::string& what) {
  fmt::print(stderr, "bench_api: {}\n", what);
  std::exit(1);
}

template <typename T>
T Must(hub::Result<T> r, std::string_view what) {
  if (!r) {
    Die(fmt::format("{}: {}", what, r.error().ToString()));
  }
  return std::move(*r);
}

void Must(const hub::Status& s, std::string_view what) {
  if (!s) {
    Die(fmt::format("{}: {}", what, s.error().ToString()));
  }
}

double SecondsSince(SteadyClock::time_point t) {
  return std::chrono::duration<double>(SteadyClock::now() - t).count();
}

// ------------------------------------------------------------------ the data

// Distinct people: syllable names (so blocking keys stay small and nobody
// merges), unique e-mail and phone, addresses spread over streets and cities.
constexpr std::array<const char*, 24> kSyllables = {"ka", "lo", "mi", "ra", "te", "vo", "sa", "ne",
                                                    "di", "po", "lu", "ge", "ba", "fi", "zo", "ha",
                                                    "ju", "ce", "ri", "mo", "ta", "we", "xi", "yu"};
constexpr std::array<const char*, 12> kStreets = {"Main",   "Oak",    "Pine",  "Cedar",
                                                  "Elm",    "Maple",  "Birch", "Walnut",
                                                  "Cherry", "Spruce", "Aspen", "Willow"};
constexpr std::array<const char*, 8> kCities = {"Springfield", "Riverton", "Lakeside", "Fairview",
                                                "Greenville",  "Franklin", "Clinton",  "Madison"};

std::string Syllables(std::size_t n, int count) {
  std::string out;
  for (int i = 0; i < count; ++i) {
    out += kSyllables[n % kSyllables.size()];
    n /= kSyllables.size();
  }
  out[0] = static_cast<char>(out[0] - 'a' + 'A');
  return out;
}

hub::Customer MakeCustomer(std::size_t i) {
  hub::Customer c;
  c.first_name = Syllables(i * 7919 % 331'776, 4);
  c.last_name = Syllables(i, 5);
  c.emails = {fmt::format("{}.{}.{}@example.com", c.first_name, c.last_name, i)};
  c.phones = {fmt::format("+1 415 {:03} {:04}", 200 + i / 10'000 % 800, i % 10'000)};
  c.addresses = {hub::Address{
      .line1 = fmt::format("{} {} St", 1 + i % 9'973, kStreets[i / 9'973 % kStreets.size()]),
      .city = kCities[i % kCities.size()],
      .region = "CA",
      .postcode = fmt::format("{:05}", 90'000 + i % 9'000),
      .country = "US"}};
  c.birth_date = fmt::format("{:04}-{:02}-{:02}", 1950 + i % 50, 1 + i % 12, 1 + i % 28);
  c.accepts_marketing = i % 3 == 0;
  return c;
}

// The Shopify payload the message row keeps as its raw body.
std::string ShopifyBody(const hub::Customer& c, std::size_t id, const std::string& updated_at) {
  const hub::Address& a = c.addresses.front();
  return json::serialize(
      json::object{{"id", static_cast<std::int64_t>(id)},
                   {"email", c.emails.front()},
                   {"first_name", c.first_name},
                   {"last_name", c.last_name},
                   {"phone", c.phones.front()},
                   {"updated_at", updated_at},
                   {"accepts_marketing", c.accepts_marketing},
                   {"default_address", json::object{{"address1", a.line1},
                                                    {"city", a.city},
                                                    {"province_code", a.region},
                                                    {"zip", a.postcode},
                                                    {"country_code", a.country}}}});
}

struct LoadStats {
  double seconds = 0;
  std::size_t rows = 0;
};

// Writes what ingest + translate + the identity handler leave for n customer
// webhooks, straight into the store through its own SQL.
LoadStats LoadCustomers(hub::store::Store& store, std::size_t n) {
  const auto begun = SteadyClock::now();
  auto conn = Must(store.Connect(), "connect");
  std::size_t i = 0;
  while (i < n) {
    hub::store::Transaction tx(*conn);
    Must(tx.Begin(), "begin");
    for (const std::size_t end = std::min(n, i + kRowsPerTransaction); i < end; ++i) {
      const std::size_t shopify_id = 7'000'000'000 + i;
      const std::string source_id = std::to_string(shopify_id);
      const hub::Instant at{kBaseMicros + static_cast<std::int64_t>(i) * 1'000};
      const std::string updated_at = hub::FormatRfc3339(at);
      const std::string webhook_id = fmt::format("bench-webhook-{}", i);
      const std::string correlation_id = hub::DeriveCorrelationId("shopify", kAccount, webhook_id);
      const std::string message_id = fmt::format("msg_bench{:010}", i);
      hub::Customer c = MakeCustomer(i);
      c.lineage = hub::Lineage{"shopify", kAccount, source_id, updated_at, correlation_id, ""};
      hub::Event e{"customer.upserted",
                   1,
                   hub::EventIdFromCorrelation(correlation_id, 0),
                   fmt::format("shopify:{}:customer:{}", kAccount, source_id),
                   correlation_id,
                   at,
                   hub::EventSource{"shopify", kAccount, source_id},
                   hub::ToJson(c)};
      const std::string headers =
          json::serialize(json::array{json::array{"X-Shopify-Topic", "customers/create"},
                                      json::array{"X-Shopify-Shop-Domain", kAccount},
                                      json::array{"X-Shopify-Webhook-Id", webhook_id}});
      const auto seq = static_cast<std::int64_t>(i + 1);
      auto* msg = Must(conn->Prepare("INSERT INTO bus_messages (seq, id, source, account, topic, "
                                     "dedup_key, received_at, correlation_id, traceparent, "
                                     "headers, url, body, state) VALUES ($1, $2, 'shopify', $3, "
                                     "'customers/create', $4, $5, $6, '', $7, '', $8, "
                                     "'translated')"),
                       "prepare bus_messages");
      msg->Bind(1, seq)
          .Bind(2, message_id)
          .Bind(3, kAccount)
          .Bind(4, webhook_id)
          .Bind(5, at.micros)
          .Bind(6, correlation_id)
          .Bind(7, headers)
          .BindBlob(8, ShopifyBody(c, shopify_id, updated_at));
      Must(msg->Run(), "insert bus_messages");
      auto* work = Must(conn->Prepare("INSERT INTO bus_work (domain, event_id, message_seq, idx, "
                                      "key, event, state, attempts, next_at, park_deadline, "
                                      "attempt_log) VALUES ('identity', $1, $2, 0, $3, $4, "
                                      "'done', 1, 0, 0, '[]')"),
                        "prepare bus_work");
      work->Bind(1, e.event_id).Bind(2, seq).Bind(3, e.key).Bind(4, hub::EventToJson(e));
      Must(work->Run(), "insert bus_work");
    }
    Must(tx.Commit(), "commit");
  }
  return LoadStats{SecondsSince(begun), n};
}

hub::Currency Usd() { return *hub::Currency::FromCode("USD"); }

hub::ledger::Posting P(const char* account, std::int64_t minor, const std::string& order) {
  hub::ledger::Posting p;
  p.account = account;
  p.amount = hub::Money(minor, Usd());
  p.dims.order_id = order;
  return p;
}

// A capture (card clearing against customer deposits) or a fulfillment
// (deposits into revenue, tax and COGS), alternating.
hub::ledger::EntryDraft RetailEntry(std::size_t i) {
  hub::ledger::EntryDraft d;
  const std::string order = fmt::format("ORD-{:08}", i / 2);
  d.idempotency_key = fmt::format("bench-api-{:010}", i);
  d.effective_at = hub::Instant{kBaseMicros + static_cast<std::int64_t>(i) * 1'000'000};
  d.source_system = "shopify";
  d.source_id = order;
  const std::int64_t gross = 1'000 + static_cast<std::int64_t>(i % 9'000);
  const std::int64_t tax = gross / 10;
  if (i % 2 == 0) {
    d.event_type = "payment.captured";
    d.postings = {P("1100", gross, order), P("2300", -gross, order)};
  } else {
    d.event_type = "fulfillment.created";
    d.postings = {P("2300", gross, order), P("4000", -(gross - tax), order), P("2100", -tax, order),
                  P("5000", gross / 2, order), P("1300", -gross / 2, order)};
  }
  return d;
}

void PostJournal(hub::app::FinanceDomain& finance, std::size_t n) {
  std::lock_guard lock(finance.mu);
  for (std::size_t i = 0; i < n; i += kJournalBatch) {
    std::vector<hub::ledger::EntryDraft> drafts;
    for (std::size_t k = i; k < std::min(n, i + kJournalBatch); ++k) {
      drafts.push_back(RetailEntry(k));
    }
    for (auto& r : finance.journal->PostBatch(drafts)) {
      Must(r.map([](auto&&) {}), "post journal entry");
    }
  }
}

// ------------------------------------------------------------------ the load

struct Target {
  std::string name;
  // The path of request i (a random customer, or the trial balance).
  std::function<std::string(std::mt19937_64&)> path;
};

struct RunResult {
  double requests_per_s = 0;
  double p50_ms = 0, p99_ms = 0, p999_ms = 0;
  std::int64_t errors = 0;
};

double Percentile(std::vector<std::int64_t>& v, double q) {
  if (v.empty()) {
    return 0;
  }
  const auto k = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return static_cast<double>(v[k]) / 1000.0;
}

// rate > 0: open loop (request i due at start + i/rate on connection i % C,
// latency from the due time); rate == 0: closed loop.
RunResult Drive(std::uint16_t port, const Target& target, const std::vector<std::string>& keys,
                double rate, int connections, double seconds) {
  std::vector<std::vector<std::int64_t>> latencies(static_cast<std::size_t>(connections));
  std::atomic<std::int64_t> ok{0}, errors{0};
  std::atomic<std::size_t> next_key{0};
  const auto start = SteadyClock::now() + std::chrono::milliseconds(50);
  const auto end = start + std::chrono::duration_cast<SteadyClock::duration>(
                               std::chrono::duration<double>(seconds));
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&, c] {
      prctl(PR_SET_TIMERSLACK, 1UL);  // wake on time: oversleeping would count as latency
      std::mt19937_64 rng(static_cast<std::uint64_t>(c) * 0x9E3779B97F4A7C15ULL + 1);
      hub::api::HttpConnection conn("127.0.0.1", port);
      auto& lat = latencies[static_cast<std::size_t>(c)];
      std::this_thread::sleep_until(start);
      for (std::int64_t j = 0;; ++j) {
        auto due = SteadyClock::now();
        if (rate > 0) {
          const double i = static_cast<double>(j * connections + c);
          due = start + std::chrono::duration_cast<SteadyClock::duration>(
                            std::chrono::duration<double>(i / rate));
          if (due >= end) {
            break;
          }
          std::this_thread::sleep_until(due);
        } else if (due >= end) {
          break;
        }
        const std::string& key = keys[next_key.fetch_add(1) % keys.size()];
        auto r = conn.Call("GET", target.path(rng), "", {{"Authorization", "Bearer " + key}},
                           kRequestTimeoutMs);
        const auto done = SteadyClock::now();
        if (r && r->status == 200) {
          ++ok;
        } else {
          if (errors.fetch_add(1) == 0) {
            fmt::print(stderr, "  first error: {}\n",
                       r ? fmt::format("status {} {}", r->status, r->body.substr(0, 200))
                         : r.error().ToString());
          }
        }
        lat.push_back(std::chrono::duration_cast<std::chrono::microseconds>(done - due).count());
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  const double elapsed = std::chrono::duration<double>(SteadyClock::now() - start).count();
  std::vector<std::int64_t> all;
  for (auto& v : latencies) {
    all.insert(all.end(), v.begin(), v.end());
  }
  RunResult r;
  r.requests_per_s = static_cast<double>(ok.load()) / elapsed;
  r.p50_ms = Percentile(all, 0.50);
  r.p99_ms = Percentile(all, 0.99);
  r.p999_ms = Percentile(all, 0.999);
  r.errors = errors.load();
  return r;
}

RunResult Median(const std::vector<RunResult>& v) {
  auto med = [&](double RunResult::*field) {
    std::vector<double> xs;
    for (const auto& r : v) {
      xs.push_back(r.*field);
    }
    std::sort(xs.begin(), xs.end());
    return xs[xs.size() / 2];
  };
  RunResult m;
  m.requests_per_s = med(&RunResult::requests_per_s);
  m.p50_ms = med(&RunResult::p50_ms);
  m.p99_ms = med(&RunResult::p99_ms);
  m.p999_ms = med(&RunResult::p999_ms);
  for (const auto& r : v) {
    m.errors += r.errors;
  }
  return m;
}

std::string Runs(const std::vector<RunResult>& v, double RunResult::*field, const char* format) {
  std::string out;
  for (const auto& r : v) {
    out += (out.empty() ? "" : " / ") + fmt::format(fmt::runtime(format), r.*field);
  }
  return out;
}

void PrintRow(const std::string& label, const std::vector<RunResult>& runs) {
  const RunResult m = Median(runs);
  fmt::print(
      "  {:<40} {:>8.0f} req/s  p50 {:6.2f} ms  p99 {:6.2f} ms  p99.9 {:6.2f} ms  errors {}\n",
      label, m.requests_per_s, m.p50_ms, m.p99_ms, m.p999_ms, m.errors);
  fmt::print("  {:<40} runs: {} req/s; p99 {} ms\n", "",
             Runs(runs, &RunResult::requests_per_s, "{:.0f}"),
             Runs(runs, &RunResult::p99_ms, "{:.2f}"));
}

// ------------------------------------------------------------------ wrk

struct WrkResult {
  double requests_per_s = 0;
  double p50_ms = 0, p99_ms = 0;
  std::int64_t non_2xx = 0;
  bool ok = false;
};

bool HaveWrk() { return std::system("command -v wrk >/dev/null 2>&1") == 0; }

double WrkMillis(const std::string& value, const std::string& unit) {
  const double v = std::stod(value);
  if (unit == "us") {
    return v / 1000.0;
  }
  if (unit == "s") {
    return v * 1000.0;
  }
  return v;
}

// The Lua script: random customer ids (or the trial balance) and the key
// rotation, with the Authorization header on every request.
// Up to kWrkIdsMax ids, spread evenly over all of them, go into the script.
constexpr std::size_t kWrkIdsMax = 100'000;

void WriteWrkScript(const std::filesystem::path& path, const std::vector<std::string>& keys,
                    const std::vector<std::uint64_t>& ids, bool customer_lookup) {
  std::ofstream out(path);
  out << "-- generated by bench_api\nlocal keys = {\n";
  for (const auto& k : keys) {
    out << "  \"" << k << "\",\n";
  }
  out << "}\nlocal ids = {";
  const std::size_t step = std::max<std::size_t>(1, ids.size() / kWrkIdsMax);
  for (std::size_t i = 0; customer_lookup && i < ids.size(); i += step) {
    out << ids[i] << ",";
  }
  out << "}\nlocal counter = 0\n"
      << "setup = function(thread) thread:set(\"seed\", math.random(1, 1000000)) end\n"
      << "init = function(args) math.randomseed(os.time() + (seed or 0)) end\n"
      << "request = function()\n"
      << "  counter = counter + 1\n"
      << "  local key = keys[(counter % #keys) + 1]\n"
      << (customer_lookup ? "  local path = \"/v1/customers/cus_\" .. ids[math.random(1, #ids)]\n"
                          : "  local path = \"/v1/ledger/trial-balance\"\n")
      << "  return wrk.format(\"GET\", path, { [\"Authorization\"] = \"Bearer \" .. key })\n"
      << "end\n";
}

WrkResult RunWrk(std::uint16_t port, const std::filesystem::path& script, double seconds,
                 int connections) {
  const std::string cmd =
      fmt::format("wrk -t2 -c{} -d{}s --latency -s {} http://127.0.0.1:{} 2>&1", connections,
                  static_cast<int>(seconds), script.string(), port);
  std::unique_ptr<FILE, decltype(&pclose)> pipe(popen(cmd.c_str(), "r"), &pclose);
  WrkResult r;
  if (!pipe) {
    return r;
  }
  std::string text;
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), static_cast<int>(buf.size()), pipe.get()) != nullptr) {
    text += buf.data();
  }
  std::smatch m;
  static const std::regex kRps(R"(Requests/sec:\s+([\d.]+))");
  static const std::regex kP50(R"(\n\s+50%\s+([\d.]+)(us|ms|s)\b)");
  static const std::regex kP99(R"(\n\s+99%\s+([\d.]+)(us|ms|s)\b)");
  static const std::regex kNon2xx(R"(Non-2xx or 3xx responses:\s+(\d+))");
  if (std::regex_search(text, m, kRps)) {
    r.requests_per_s = std::stod(m[1]);
    r.ok = true;
  }
  if (std::regex_search(text, m, kP50)) {
    r.p50_ms = WrkMillis(m[1], m[2]);
  }
  if (std::regex_search(text, m, kP99)) {
    r.p99_ms = WrkMillis(m[1], m[2]);
  }
  if (std::regex_search(text, m, kNon2xx)) {
    r.non_2xx = std::stoll(m[1]);
  }
  if (!r.ok) {
    fmt::print(stderr, "  wrk output not understood:\n{}\n", text);
  }
  return r;
}

void PrintWrk(const std::string& label, std::vector<WrkResult> runs) {
  auto med = [&](double WrkResult::*field) {
    std::vector<double> xs;
    for (const auto& r : runs) {
      xs.push_back(r.*field);
    }
    std::sort(xs.begin(), xs.end());
    return xs.empty() ? 0.0 : xs[xs.size() / 2];
  };
  std::int64_t non_2xx = 0;
  for (const auto& r : runs) {
    non_2xx += r.non_2xx;
  }
  fmt::print("  {:<40} {:>8.0f} req/s  p50 {:6.2f} ms  p99 {:6.2f} ms  non-2xx {}\n", label,
             med(&WrkResult::requests_per_s), med(&WrkResult::p50_ms), med(&WrkResult::p99_ms),
             non_2xx);
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--no-wrk") {
      o.wrk = false;
      continue;
    }
    if (i + 1 >= argc) {
      Die("missing value for " + flag);
    }
    const char* v = argv[++i];
    if (flag == "--customers") {
      o.customers = std::stoull(v);
    } else if (flag == "--rate") {
      o.rate = std::atof(v);
    } else if (flag == "--seconds") {
      o.seconds = std::atof(v);
    } else if (flag == "--runs") {
      o.runs = std::atoi(v);
    } else if (flag == "--connections") {
      o.connections = std::atoi(v);
    } else if (flag == "--max-connections") {
      o.max_connections = std::atoi(v);
    } else if (flag == "--keys") {
      o.keys = std::stoull(v);
    } else {
      Die("unknown flag " + flag);
    }
  }
  if (o.customers == 0 || o.runs < 1 || o.connections < 1 || o.max_connections < 1 || o.keys == 0 ||
      o.seconds <= 0 || o.rate <= 0) {
    Die("--customers, --runs, --connections, --keys, --seconds and --rate must be positive");
  }
  return o;
}

// Removes the data directory however the bench ends (normally or by Die).
struct DataDir {
  std::filesystem::path path;
  ~DataDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

std::uintmax_t DirBytes(const std::filesystem::path& dir) {
  std::uintmax_t bytes = 0;
  for (const auto& f : std::filesystem::recursive_directory_iterator(dir)) {
    if (f.is_regular_file()) {
      bytes += f.file_size();
    }
  }
  return bytes;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = ParseOptions(argc, argv);
  hub::obs::SetLogLevel(hub::obs::Level::kError);
  // Static, so that std::exit (Die) removes it too.
  static DataDir dir{std::filesystem::temp_directory_path() /
                     fmt::format("retailhub-bench-api-{}", ::getpid())};
  std::filesystem::remove_all(dir.path);

  hub::app::Config cfg;
  cfg.server.listen = "127.0.0.1:0";
  cfg.store.data_dir = dir.path.string();
  const hub::Clock& clock = hub::SystemClock::Get();

  // 1. Schema, customers and keys, written while no hub runs.
  { Must(hub::app::Hub::Open(cfg, clock), "create the data directory"); }
  std::vector<std::string> keys;
  LoadStats load;
  {
    auto store = Must(
        hub::store::OpenSqliteStore({.path = hub::app::DatabasePath(cfg.store.data_dir).string(),
                                     .synchronous_full = false}),
        "open store");
    load = LoadCustomers(*store, o.customers);
    hub::api::v1::Auth auth(*store, clock);
    for (std::size_t k = 0; k < o.keys; ++k) {
      keys.push_back(
          Must(auth.CreateKey(hub::api::v1::Role::kViewer, fmt::format("bench-{}", k), "bench_api"),
               "create key"));
    }
  }

  // 2. The hub, as `retailhub serve` starts it: the resolver is rebuilt from
  //    the stored identity events.
  const auto open_begun = SteadyClock::now();
  auto hub = Must(hub::app::Hub::Open(cfg, clock), "open the hub");
  const double open_s = SecondsSince(open_begun);
  std::vector<std::uint64_t> ids;
  {
    auto& identity = hub->identity();
    std::lock_guard lock(identity.mu);
    for (const auto& [id, cluster] : identity.resolver->state().clusters) {
      ids.push_back(id);
    }
  }
  // The dashboard's overview sampler (at start, then every 10 s) scans the
  // resolver under the identity lock that every customer lookup takes: its
  // cost bounds the stall a lookup can meet.
  const auto overview_begun = SteadyClock::now();
  Must(hub::app::OverviewFigures(*hub), "overview figures");
  const double overview_ms = SecondsSince(overview_begun) * 1000.0;
  double identity_scan_ms = 0;
  std::int64_t scanned_live = 0;
  {
    // The same walk as the sampler's identity part (app/gauges.cc), timed.
    const auto scan_begun = SteadyClock::now();
    auto& identity = hub->identity();
    std::lock_guard lock(identity.mu);
    std::int64_t live = 0;
    for (const auto& r : identity.resolver->state().records) {
      live += r.erased ? 0 : 1;
    }
    for (const auto& [id, c] : identity.resolver->state().clusters) {
      live += (c.erased || c.members.empty()) ? 0 : 1;
    }
    identity_scan_ms = SecondsSince(scan_begun) * 1000.0;
    scanned_live = live;  // printed below, so the walk is not optimised away
  }
  const auto journal_begun = SteadyClock::now();
  PostJournal(hub->finance(), kJournalEntries);
  const double journal_s = SecondsSince(journal_begun);
  Must(hub->Start(), "start the hub");
  const std::uint16_t port = hub->port();

  fmt::print(
      "bench_api: GET /v1/customers/{{id}} and GET /v1/ledger/trial-balance over HTTP/1.1 "
      "keep-alive on 127.0.0.1, in-process hub ({} server threads), viewer keys; medians of {} "
      "runs of {:.0f} s\n",
      cfg.server.threads, o.runs, o.seconds);
  fmt::print(
      "  data: {} customers loaded in {:.1f} s as the bus stores applied Shopify "
      "customers/create webhooks (bus_messages + bus_work identity rows, {}-row "
      "transactions, no HTTP); {} golden customers after the hub rebuilt the resolver "
      "at open in {:.1f} s; {} journal entries posted in {:.1f} s; {} keys; {:.0f} MB on disk\n",
      load.rows, load.seconds, kRowsPerTransaction, ids.size(), open_s, kJournalEntries, journal_s,
      keys.size(), static_cast<double>(DirBytes(dir.path)) / 1e6);
  fmt::print(
      "  one overview sample (taken at start, then every 10 s): {:.1f} ms, of which {:.1f} ms "
      "walking every record and cluster ({} live) under the identity lock that lookups wait "
      "for\n",
      overview_ms, identity_scan_ms, scanned_live);
  if (ids.empty()) {
    Die("no customers after the rebuild");
  }

  // A sanity check of both routes before measuring.
  for (const std::string& path : {fmt::format("/v1/customers/cus_{}", ids[ids.size() / 2]),
                                  std::string("/v1/ledger/trial-balance")}) {
    auto r = hub::api::HttpCall("127.0.0.1", port, "GET", path, "",
                                {{"Authorization", "Bearer " + keys.front()}});
    if (!r || r->status != 200) {
      Die(fmt::format("GET {}: {}", path,
                      r ? fmt::format("status {} {}", r->status, r->body) : r.error().ToString()));
    }
    fmt::print("  GET {} -> 200, {} bytes\n", path, r->body.size());
  }

  const Target customer{"customer lookup by id", [&ids](std::mt19937_64& rng) {
                          return fmt::format("/v1/customers/cus_{}", ids[rng() % ids.size()]);
                        }};
  const Target trial{"trial balance",
                     [](std::mt19937_64&) { return std::string("/v1/ledger/trial-balance"); }};
  for (const Target* t : {&customer, &trial}) {
    std::vector<RunResult> paced, max;
    for (int r = 0; r < o.runs; ++r) {
      paced.push_back(Drive(port, *t, keys, o.rate, o.connections, o.seconds));
      max.push_back(Drive(port, *t, keys, 0, o.max_connections, o.seconds));
    }
    PrintRow(fmt::format("{}, open loop {:.0f}/s", t->name, o.rate), paced);
    PrintRow(fmt::format("{}, max ({} conns)", t->name, o.max_connections), max);
  }

  if (o.wrk && HaveWrk()) {
    for (const bool lookup : {true, false}) {
      const auto script = dir.path / (lookup ? "customers.lua" : "trial.lua");
      WriteWrkScript(script, keys, ids, lookup);
      std::vector<WrkResult> runs;
      for (int r = 0; r < o.runs; ++r) {
        runs.push_back(RunWrk(port, script, o.seconds, o.max_connections));
      }
      PrintWrk(fmt::format("wrk {}, closed loop ({} conns)",
                           lookup ? "customer lookup" : "trial balance", o.max_connections),
               runs);
    }
  } else if (o.wrk) {
    fmt::print("  wrk: not installed (scripts/install-deps adds it); skipped\n");
  }
  fmt::print("  target: customer lookup p99 <= 5 ms at 5,000 req/s\n");
  hub->Stop();
  return 0;
}
