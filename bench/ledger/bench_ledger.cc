// Ledger throughput: retail-shaped journal entries (4-6 postings) written
// durably (SQLite WAL, synchronous=FULL) with group commit, against one
// transaction per entry and a bare SQLite loop (row per posting, batches of
// 1,024, no balances, no checks) for calibration; the in-memory apply path;
// trial balance over 10M postings. Plain chrono timing, medians of runs.
// Usage: bench_ledger [--quick] [--dir PATH]   (PATH must be on a real disk)
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/assert.h"
#include "ledger/engine.h"
#include "ledger/journal.h"
#include "store/store.h"

namespace hub::ledger {
namespace {

using Clock = std::chrono::steady_clock;

struct Config {
  bool quick = false;
  std::string only;  // "durable", "memory" or "trial"; empty = all
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "bench_ledger";
  int runs = 3;
  std::size_t durable_entries = 200'000;
  std::size_t single_commit_entries = 2'000;
  std::size_t memory_entries = 1'000'000;
  std::size_t trial_postings = 10'000'000;
  std::size_t batch = 1'024;
};

Currency Usd() { return *Currency::FromCode("USD"); }

Posting P(const char* account, std::int64_t minor, const std::string& order, const char* memo) {
  Posting p;
  p.account = account;
  p.amount = Money(minor, Usd());
  p.dims.order_id = order;
  p.memo = memo;
  return p;
}

// Entry i of a retail day: a capture with fee (4 postings), a partial
// fulfillment (5) or a full fulfillment with COGS (6), round robin.
// order_mod bounds the number of distinct orders (memory of sub-ledgers).
EntryDraft RetailEntry(std::size_t i, std::size_t order_mod, std::string_view run) {
  EntryDraft d;
  const std::size_t order_n = (i / 3) % order_mod;
  const std::string order = fmt::format("ORD-{:08}", order_n);
  d.idempotency_key = fmt::format("{}-evt-{:010}", run, i);
  d.effective_at = Instant{1'793'000'000'000'000 + static_cast<std::int64_t>(i) * 1'000'000};
  d.source_system = "shopify";
  d.source_id = order;
  d.message_id = fmt::format("msg-{:010}", i);
  d.correlation_id = fmt::format("corr-{:08}", order_n);
  const std::int64_t gross = 1'000 + static_cast<std::int64_t>(i % 9'000);
  const std::int64_t tax = gross / 10;
  const std::int64_t ship = 500;
  switch (i % 3) {
    case 0:
      d.event_type = "payment.captured";
      d.description = "card captured";
      d.postings = {P("1100", gross, order, "capture"), P("2300", -gross, order, "capture"),
                    P("6100", 30, order, "fee"), P("1100", -30, order, "fee")};
      break;
    case 1:
      d.event_type = "fulfillment.created";
      d.description = "fulfillment";
      d.postings = {P("2300", gross, order, "gross"),
                    P("4000", -(gross - tax - ship), order, "revenue"),
                    P("4010", -ship, order, "shipping"), P("2100", -tax, order, "tax"),
                    P("5000", 0, order, "")};
      // Five legs: COGS against inventory replaces the zero leg.
      d.postings[4] = P("5000", gross / 2, order, "cogs");
      d.postings.push_back(P("1300", -gross / 2, order, "cogs"));
      d.postings.erase(d.postings.begin() + 2);  // no shipping: 2300/4000/2100/5000/1300
      d.postings[1].amount = Money(-(gross - tax), Usd());
      break;
    default:
      d.event_type = "fulfillment.created";
      d.description = "fulfillment with shipping";
      d.postings = {
          P("2300", gross, order, "gross"),    P("4000", -(gross - tax - ship), order, "revenue"),
          P("4010", -ship, order, "shipping"), P("2100", -tax, order, "tax"),
          P("5000", gross / 2, order, "cogs"), P("1300", -gross / 2, order, "cogs")};
      break;
  }
  return d;
}

std::vector<EntryDraft> MakeEntries(std::size_t n, std::string_view run) {
  std::vector<EntryDraft> v;
  v.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    v.push_back(RetailEntry(i, 1'000'000'000, run));
  }
  return v;
}

std::size_t CountPostings(const std::vector<EntryDraft>& v) {
  std::size_t n = 0;
  for (const auto& d : v) {
    n += d.postings.size();
  }
  return n;
}

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::unique_ptr<store::Store> FreshStore(const Config& c, std::string_view name) {
  std::filesystem::create_directories(c.dir);
  const auto path = c.dir / fmt::format("{}.db", name);
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(path.string() + suffix);
  }
  auto s = store::OpenSqliteStore({.path = path.string()});  // WAL, synchronous=FULL
  HUB_ASSERT(s);
  return std::move(*s);
}

double last_cpu_share = 0;

// Entries per second of one timed run (fn returns the seconds it took).
double MedianRate(const Config& c, std::size_t units, const std::function<double(int)>& fn) {
  std::vector<double> rates;
  std::vector<double> cpu_share;
  for (int r = 0; r < c.runs; ++r) {
    const std::clock_t cpu0 = std::clock();
    const double s = fn(r);
    rates.push_back(static_cast<double>(units) / s);
    cpu_share.push_back(static_cast<double>(std::clock() - cpu0) / CLOCKS_PER_SEC / s);
  }
  // CPU time / wall time: well below 1 means waiting on fsync or on other processes.
  last_cpu_share = Median(cpu_share);
  return Median(rates);
}

double DurableGroupCommit(const Config& c, const std::vector<EntryDraft>& entries) {
  return MedianRate(c, entries.size(), [&](int run) {
    auto store = FreshStore(c, fmt::format("group{}", run));
    auto j = Journal::Open(*store, DefaultChart());
    HUB_ASSERT(j);
    const auto t0 = Clock::now();
    for (std::size_t i = 0; i < entries.size(); i += c.batch) {
      const std::size_t n = std::min(c.batch, entries.size() - i);
      for (const auto& r : (*j)->PostBatch(std::span(entries).subspan(i, n))) {
        HUB_ASSERT(r && !r->existing);
      }
    }
    return Seconds(t0, Clock::now());
  });
}

double DurableOneCommitEach(const Config& c, const std::vector<EntryDraft>& entries) {
  return MedianRate(c, c.single_commit_entries, [&](int run) {
    auto store = FreshStore(c, fmt::format("single{}", run));
    auto j = Journal::Open(*store, DefaultChart());
    HUB_ASSERT(j);
    const auto t0 = Clock::now();
    for (std::size_t i = 0; i < c.single_commit_entries; ++i) {
      HUB_ASSERT((*j)->Post(entries[i]));
    }
    return Seconds(t0, Clock::now());
  });
}

// Row per posting, no index, no balance, no validation: the calibration ceiling.
double BareSqlite(const Config& c, const std::vector<EntryDraft>& entries) {
  return MedianRate(c, entries.size(), [&](int run) {
    auto store = FreshStore(c, fmt::format("bare{}", run));
    auto conn = store->Connect();
    HUB_ASSERT(conn);
    store::Connection& db = **conn;
    HUB_ASSERT(db.Execute(
        "CREATE TABLE e (id INTEGER PRIMARY KEY, idempotency_key TEXT NOT NULL, event_type TEXT "
        "NOT NULL, effective_at INTEGER NOT NULL, description TEXT NOT NULL, source_system TEXT "
        "NOT NULL, source_id TEXT NOT NULL, message_id TEXT NOT NULL, correlation_id TEXT NOT "
        "NULL);"
        "CREATE TABLE p (entry_id INTEGER NOT NULL, seq INTEGER NOT NULL, account TEXT NOT NULL, "
        "currency TEXT NOT NULL, amount INTEGER NOT NULL, order_id TEXT NOT NULL, memo TEXT NOT "
        "NULL)"));
    auto ins_e = db.Prepare("INSERT INTO e VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)");
    auto ins_p = db.Prepare("INSERT INTO p VALUES ($1, $2, $3, $4, $5, $6, $7)");
    HUB_ASSERT(ins_e && ins_p);
    const auto t0 = Clock::now();
    for (std::size_t i = 0; i < entries.size(); i += c.batch) {
      HUB_ASSERT(db.Begin());
      for (std::size_t k = i; k < std::min(entries.size(), i + c.batch); ++k) {
        const EntryDraft& d = entries[k];
        const auto id = static_cast<std::int64_t>(k + 1);
        store::Statement& e = **ins_e;
        e.Reset();
        e.Bind(1, id)
            .Bind(2, d.idempotency_key)
            .Bind(3, d.event_type)
            .Bind(4, d.effective_at.micros)
            .Bind(5, d.description)
            .Bind(6, d.source_system)
            .Bind(7, d.source_id)
            .Bind(8, d.message_id)
            .Bind(9, d.correlation_id);
        HUB_ASSERT(e.Run());
        for (std::size_t s = 0; s < d.postings.size(); ++s) {
          const Posting& p = d.postings[s];
          store::Statement& q = **ins_p;
          q.Reset();
          q.Bind(1, id)
              .Bind(2, static_cast<std::int64_t>(s))
              .Bind(3, p.account)
              .Bind(4, p.amount.currency().code())
              .Bind(5, p.amount.minor_units())
              .Bind(6, p.dims.order_id)
              .Bind(7, p.memo);
          HUB_ASSERT(q.Run());
        }
      }
      HUB_ASSERT(db.Commit());
    }
    return Seconds(t0, Clock::now());
  });
}

// Validation + idempotency + balance update, nothing stored.
double InMemoryPostings(const Config& c, const std::vector<EntryDraft>& entries) {
  const std::size_t postings = CountPostings(entries);
  return MedianRate(c, postings, [&](int) {
    EngineOptions o;
    o.track_dirty = false;
    Engine engine(DefaultChart(), o);
    const auto t0 = Clock::now();
    for (const EntryDraft& d : entries) {
      auto r = engine.Apply(d);
      HUB_ASSERT(r && !r->existing);
    }
    return Seconds(t0, Clock::now());
  });
}

struct TrialFigures {
  std::size_t postings = 0;
  double as_of_ms = 0;    // scan of every posting
  double current_ms = 0;  // from the running balances
};

TrialFigures TrialBalance10M(const Config& c) {
  EngineOptions o;
  o.track_dirty = false;
  Engine engine(DefaultChart(), o);
  for (std::size_t i = 0; engine.posting_count() < c.trial_postings; ++i) {
    auto r = engine.Apply(RetailEntry(i, 10'000, "tb"));
    HUB_ASSERT(r);
  }
  TrialFigures f;
  f.postings = engine.posting_count();
  std::vector<double> as_of;
  std::vector<double> current;
  const Instant cut{std::numeric_limits<std::int64_t>::max() - 1};
  for (int r = 0; r < std::max(c.runs, 5); ++r) {
    auto t0 = Clock::now();
    auto rows = engine.Balances(cut);
    as_of.push_back(Seconds(t0, Clock::now()) * 1e3);
    HUB_ASSERT(!rows.empty());
    t0 = Clock::now();
    rows = engine.Balances(std::nullopt);
    current.push_back(Seconds(t0, Clock::now()) * 1e3);
    HUB_ASSERT(!rows.empty());
  }
  f.as_of_ms = Median(as_of);
  f.current_ms = Median(current);
  return f;
}

int Main(int argc, char** argv) {
  Config c;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      c.quick = true;
    } else if (std::strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
      c.only = argv[++i];
    } else if (std::strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
      c.dir = argv[++i];
    } else {
      fmt::print(stderr,
                 "usage: bench_ledger [--quick] [--only durable|memory|trial] [--dir PATH]\n");
      return 2;
    }
  }
  if (c.quick) {
    c.durable_entries = 20'000;
    c.single_commit_entries = 200;
    c.memory_entries = 100'000;
    c.trial_postings = 1'000'000;
  }
  const auto entries = MakeEntries(std::max(c.durable_entries, c.memory_entries), "b");
  const std::vector<EntryDraft> durable(
      entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(c.durable_entries));
  const double per_entry =
      static_cast<double>(CountPostings(durable)) / static_cast<double>(durable.size());
  std::string load;
  if (std::FILE* f = std::fopen("/proc/loadavg", "r")) {
    char buf[64] = {};
    if (std::fgets(buf, sizeof buf, f) != nullptr) {
      load = buf;
      load.resize(load.find(' ', load.find(' ') + 1));
    }
    std::fclose(f);
  }
  fmt::print("bench_ledger: {} runs (median), {} entries, {:.2f} postings/entry, dir {}, load {}\n",
             c.runs, durable.size(), per_entry, c.dir.string(), load);

  auto want = [&](std::string_view s) { return c.only.empty() || c.only == s; };
  if (want("durable")) {
    const double group = DurableGroupCommit(c, durable);
    const double group_cpu = last_cpu_share;
    const double single = DurableOneCommitEach(c, durable);
    const double single_cpu = last_cpu_share;
    const double bare = BareSqlite(c, durable);
    const double bare_cpu = last_cpu_share;
    // cpu/wall < 1: the run waited (fsync, or other processes on the shared cores);
    // rate / (cpu/wall) is the rate per CPU-second, a load-independent ceiling.
    fmt::print(
        "cpu/wall: group {:.2f} ({:.0f} entries per CPU-s), one-per-entry {:.2f}, bare {:.2f} "
        "({:.0f} entries per CPU-s)\n",
        group_cpu, group / group_cpu, single_cpu, bare_cpu, bare / bare_cpu);
    fmt::print(
        "durable group commit (batch {:>5}): {:>10.0f} entries/s {:>11.0f} postings/s  "
        "(target >= 200000 entries/s, 1000000 postings/s)\n",
        c.batch, group, group * per_entry);
    fmt::print(
        "durable one commit per entry      : {:>10.0f} entries/s {:>11.0f} postings/s  "
        "(group commit is {:.0f}x)\n",
        single, single * per_entry, group / single);
    fmt::print(
        "bare SQLite row/posting (batch {}): {:>10.0f} entries/s {:>11.0f} postings/s  "
        "(journal is {:.2f}x of bare)\n",
        c.batch, bare, bare * per_entry, group / bare);
  }
  if (want("memory")) {
    const std::vector<EntryDraft> mem(
        entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(c.memory_entries));
    const double mem_rate = InMemoryPostings(c, mem);
    fmt::print(
        "in-memory apply                   : {:>10.0f} entries/s {:>11.0f} postings/s  "
        "(target >= 2000000 postings/s; cpu/wall {:.2f})\n",
        mem_rate / per_entry, mem_rate, last_cpu_share);
  }
  if (want("trial")) {
    const TrialFigures tb = TrialBalance10M(c);
    fmt::print(
        "trial balance over {} postings: as-of scan {:.1f} ms (target <= 100), current "
        "{:.3f} ms\n",
        tb.postings, tb.as_of_ms, tb.current_ms);
  }
  std::filesystem::remove_all(c.dir);
  return 0;
}

}  // namespace
}  // namespace hub::ledger

int main(int argc, char** argv) { return hub::ledger::Main(argc, argv); }
