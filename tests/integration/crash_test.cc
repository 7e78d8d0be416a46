// Crash test (issue #3): a real `retailhub serve` child receives a few
// thousand signed messages with duplicates and reordering over HTTP, is
// killed with SIGKILL at random points several times and restarted; at the
// end every acknowledged message must have been applied exactly once and in
// per-key business order. Senders behave like Shopify/Stripe: whatever was
// not acknowledged is sent again. Fixed seed; bounded in time.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "api/http_client.h"
#include "connectors/connector.h"
#include "integration/child_process.h"
#include "testing/testing.h"

namespace hub {
namespace {

constexpr int kKeys = 40;
constexpr int kSteps = 50;  // 2,000 distinct messages
constexpr int kKills = 4;
constexpr char kSecret[] = "crash-test-secret";

struct Msg {
  std::string id, key, body;
  int n = 0;
};

std::string Bin() {
  const char* b = std::getenv("RETAILHUB_BIN");
  return b != nullptr ? b : "";
}

TEST(CrashTest, EveryAcknowledgedMessageAppliedExactlyOnceInKeyOrder) {
  if (Bin().empty()) {
    GTEST_SKIP() << "RETAILHUB_BIN not set (run through ctest)";
  }
  testing::TempDir dir;
  const auto cfg = dir.path() / "hub.toml";
  {
    std::ofstream f(cfg);
    // Dedup keys go to the on-disk index in batches of 64, so kills also land
    // between a message's commit and its key's batch (keys read back at start).
    f << "[bus]\npredecessor_wait_s = 3600\ndedup_index_batch = 64\n[bus.retry]\nbase_delay_ms = "
         "5\nmax_delay_ms = 50\n"
         "[sources.test.accounts.crash]\nsecret = \""
      << kSecret << "\"\n";
  }
  const std::vector<std::string> args = {
      "serve",    "--config",   cfg.string(), "--data", (dir.path() / "data").string(),
      "--listen", "127.0.0.1:0"};
  std::mt19937 rng(20261126);
  // Build the messages, then a send order: keys interleaved, steps shuffled
  // within windows of 4 (reordering), and 15% of messages sent twice.
  std::vector<Msg> order;
  for (int k = 0; k < kKeys; ++k) {
    std::vector<Msg> steps;
    for (int n = 1; n <= kSteps; ++n) {
      Msg m;
      m.key = "order-" + std::to_string(k);
      m.n = n;
      m.id = m.key + "-step-" + std::to_string(n);
      m.body = "{\"key\":\"" + m.key + "\",\"n\":" + std::to_string(n) + "}";
      steps.push_back(m);
    }
    for (std::size_t w = 0; w < steps.size(); w += 4) {
      std::shuffle(steps.begin() + static_cast<std::ptrdiff_t>(w),
                   steps.begin() + static_cast<std::ptrdiff_t>(std::min(w + 4, steps.size())), rng);
    }
    for (auto& s : steps) {
      order.push_back(s);
      if (rng() % 100 < 15) {
        order.push_back(s);
      }
    }
  }
  // Interleave keys: stable sort by position within its key.
  std::vector<std::pair<int, Msg>> ranked;
  std::map<std::string, int> pos;
  for (auto& m : order) {
    ranked.emplace_back(pos[m.key]++, m);
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });

  testing::ChildServer server;
  ASSERT_TRUE(server.Start(Bin(), args)) << "retailhub serve did not start";
  std::atomic<std::uint16_t> port{server.port()};
  std::atomic<std::size_t> acked{0}, duplicates{0}, resent{0}, sent_total{0};
  std::atomic<bool> failed{false};
  // Four senders, each owning a quarter of the keys (so each key's send
  // order is the shuffled order above), run while the server is killed
  // under them; unacknowledged deliveries are sent again, like Shopify does.
  constexpr int kSenders = 4;
  std::vector<std::thread> senders;
  for (int t = 0; t < kSenders; ++t) {
    senders.emplace_back([&, t] {
      for (const auto& [rank, m] : ranked) {
        if (std::hash<std::string>{}(m.key) % kSenders != static_cast<std::size_t>(t)) {
          continue;
        }
        const std::vector<std::pair<std::string, std::string>> headers = {
            {"Content-Type", "application/json"},
            {"X-Test-Id", m.id},
            {"X-Test-Signature", HexEncode(HmacSha256(kSecret, m.body))}};
        for (int attempt = 0;; ++attempt) {
          if (attempt > 400) {
            failed = true;
            return;
          }
          auto r = api::HttpCall("127.0.0.1", port.load(), "POST", "/v1/webhooks/test/crash",
                                 m.body, headers, 5000);
          if (r && (r->status == 202 || r->status == 200)) {
            ++acked;
            duplicates += r->status == 200 ? 1 : 0;
            break;
          }
          if (r && r->status != 503) {
            failed = true;  // anything but "retry later" is a bug here
            return;
          }
          ++resent;
          std::this_thread::sleep_for(std::chrono::milliseconds(25));
        }
        ++sent_total;
      }
    });
  }
  std::mt19937 kill_rng(7);
  for (int k = 0; k < kKills; ++k) {
    // Kill at a random point while deliveries and processing are in flight.
    const std::size_t target = (k + 1) * ranked.size() / (kKills + 2) + kill_rng() % 200;
    while (sent_total.load() < target && !failed) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(kill_rng() % 40));
    server.Kill9();
    ASSERT_TRUE(server.Start(Bin(), args)) << "restart " << k << " failed";
    port = server.port();
  }
  for (auto& s : senders) {
    s.join();
  }
  ASSERT_FALSE(failed) << "a delivery got an unexpected answer or was never acknowledged";

  // Wait until everything is applied: nothing runnable and nothing parked.
  bool idle = false;
  for (int i = 0; i < 600 && !idle; ++i) {
    auto r = api::HttpCall("127.0.0.1", server.port(), "GET", "/readyz", "", {}, 2000);
    idle = r && r->status == 200 && r->body.find("\"parked\":0") != std::string::npos &&
           r->body.find("\"translate_backlog\":0") != std::string::npos &&
           r->body.find("\"test\":0") != std::string::npos;
    if (!idle) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  EXPECT_TRUE(idle) << "the hub did not drain";
  EXPECT_EQ(server.Terminate(), 0) << "graceful shutdown failed";

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path() / "data" / "retailhub.db").string().c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(
      sqlite3_prepare_v2(db, "SELECT key, n FROM test_applied ORDER BY seq", -1, &st, nullptr),
      SQLITE_OK);
  std::map<std::string, std::vector<int>> applied;
  while (sqlite3_step(st) == SQLITE_ROW) {
    applied[reinterpret_cast<const char*>(sqlite3_column_text(st, 0))].push_back(
        sqlite3_column_int(st, 1));
  }
  sqlite3_finalize(st);
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM bus_failures", -1, &st, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 0) << "nothing may end in the DLQ or exceptions";
  sqlite3_finalize(st);
  // Each delivery stored once, and after the graceful stop every key is in
  // the dedup index.
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "SELECT COUNT(*), COUNT(DISTINCT dedup_key), (SELECT COUNT(*) FROM "
                               "bus_dedup), (SELECT seq FROM bus_dedup_mark), MAX(seq) FROM "
                               "bus_messages",
                               -1, &st, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), kKeys * kSteps);
  EXPECT_EQ(sqlite3_column_int(st, 1), kKeys * kSteps);
  EXPECT_EQ(sqlite3_column_int(st, 2), kKeys * kSteps);
  EXPECT_EQ(sqlite3_column_int(st, 3), sqlite3_column_int(st, 4));
  sqlite3_finalize(st);
  sqlite3_close(db);

  std::vector<int> want(kSteps);
  for (int n = 1; n <= kSteps; ++n) {
    want[static_cast<std::size_t>(n - 1)] = n;
  }
  ASSERT_EQ(applied.size(), static_cast<std::size_t>(kKeys));
  for (const auto& [key, ns] : applied) {
    EXPECT_EQ(ns, want) << "key " << key << " was not applied exactly once, in order";
  }
  EXPECT_EQ(acked.load(), ranked.size());
  std::cout << "crash test: " << ranked.size() << " deliveries, " << duplicates.load()
            << " answered as duplicates, " << resent.load() << " resent after kills, " << kKills
            << " kill -9 restarts\n";
}

}  // namespace
}  // namespace hub
