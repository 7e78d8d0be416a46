// Over HTTP: when the unprocessed backlog reaches bus.backlog_max, ingest
// answers 503 with Retry-After and stores nothing (the sender retries);
// a W3C traceparent on ingest becomes the correlation id of the stored
// message and of every event derived from it.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "api/http_client.h"
#include "app/hub.h"
#include "connectors/connector.h"
#include "testing/testing.h"

namespace hub {
namespace {

std::vector<std::pair<std::string, std::string>> Signed(const std::string& id,
                                                        const std::string& body) {
  return {{"X-Test-Id", id}, {"X-Test-Signature", HexEncode(HmacSha256("s", body))}};
}

std::int64_t Count(const std::filesystem::path& db, const char* sql) {
  sqlite3* h = nullptr;
  sqlite3_open(db.string().c_str(), &h);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(h, sql, -1, &st, nullptr);
  std::int64_t n = -1;
  if (sqlite3_step(st) == SQLITE_ROW) {
    n = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  sqlite3_close(h);
  return n;
}

class HubFixture : public ::testing::Test {
 protected:
  void Start(std::int64_t backlog_max) {
    app::Config cfg;
    cfg.server.listen = "127.0.0.1:0";
    cfg.store.data_dir = dir_.path().string();
    cfg.bus.backlog_max = backlog_max;
    cfg.bus.retry.base_delay_ms = 60'000;  // failed work stays queued for the test
    cfg.bus.retry.max_delay_ms = 60'000;
    cfg.sources["test"].accounts["a"].secret = "s";
    auto hub = app::Hub::Open(cfg, SystemClock::Get());
    ASSERT_TRUE(hub) << hub.error().ToString();
    hub_ = std::move(*hub);
    ASSERT_TRUE(hub_->Start());
  }
  Result<api::HttpResponse> Post(const std::string& id, const std::string& body,
                                 std::vector<std::pair<std::string, std::string>> extra = {}) {
    auto h = Signed(id, body);
    h.insert(h.end(), extra.begin(), extra.end());
    return api::HttpCall("127.0.0.1", hub_->port(), "POST", "/v1/webhooks/test/a", body, h);
  }
  void TearDown() override {
    if (hub_) {
      hub_->Stop();
    }
  }
  testing::TempDir dir_;
  std::unique_ptr<app::Hub> hub_;
};

TEST_F(HubFixture, BacklogOverLimitAnswers503WithRetryAfterAndStoresNothing) {
  Start(2);
  for (int i = 0; i < 2; ++i) {
    auto r = Post("held-" + std::to_string(i),
                  R"({"key":"k)" + std::to_string(i) + R"(","n":1,"mode":"transient"})");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 202) << r->body;
  }
  auto refused = Post("one-too-many", R"({"key":"k9","n":1})");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503) << refused->body;
  bool retry_after = false;
  for (const auto& [k, v] : refused->headers) {
    retry_after = retry_after || (api::EqualsIgnoreCase(k, "Retry-After") && !v.empty());
  }
  EXPECT_TRUE(retry_after);
  EXPECT_NE(refused->body.find("backlog"), std::string::npos) << refused->body;
  hub_->Stop();
  EXPECT_EQ(Count(dir_.path() / "retailhub.db",
                  "SELECT COUNT(*) FROM bus_messages WHERE dedup_key = 'one-too-many'"),
            0);
  EXPECT_EQ(Count(dir_.path() / "retailhub.db", "SELECT COUNT(*) FROM bus_messages"), 2);
}

TEST_F(HubFixture, TraceparentBecomesTheCorrelationIdOfMessageAndEvents) {
  Start(1000);
  const std::string trace = "4bf92f3577b34da6a3ce929d0e0e4736";
  auto r = Post("traced", R"({"key":"t","n":1})",
                {{"traceparent", "00-" + trace + "-00f067aa0ba902b7-01"}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 202) << r->body;
  ASSERT_TRUE(hub_->bus().WaitIdle(5000));
  hub_->Stop();
  const auto db = dir_.path() / "retailhub.db";
  EXPECT_EQ(Count(db, ("SELECT COUNT(*) FROM bus_messages WHERE correlation_id = '" + trace +
                       "' AND traceparent LIKE '00-" + trace + "%'")
                          .c_str()),
            1);
  EXPECT_EQ(Count(db, ("SELECT COUNT(*) FROM bus_work WHERE state = 'done' AND event LIKE "
                       "'%\"correlation_id\":\"" +
                       trace + "\"%'")
                          .c_str()),
            1);
}

}  // namespace
}  // namespace hub

namespace hub {
namespace {

std::int64_t RssKib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      return std::stoll(line.substr(6));
    }
  }
  return -1;
}

// A flood far over the limit: 8 senders offer 20,000 deliveries of 8 KB
// (160 MB) while the held work cannot drain. The hub keeps at most
// backlog_max messages (plus those in flight) and refuses the rest with 503,
// so neither its queues nor its memory grow with what was offered.
TEST_F(HubFixture, AFloodOverTheLimitKeepsTheBacklogAndMemoryBounded) {
  constexpr std::int64_t kBacklogMax = 200;
  constexpr int kSenders = 8;
  constexpr int kPerSender = 2500;
  Start(kBacklogMax);
  const std::string pad(8 * 1024 - 64, 'x');
  const std::int64_t rss_before = RssKib();
  std::atomic<int> accepted{0}, refused{0}, other{0};
  std::atomic<std::int64_t> max_backlog{0};
  std::vector<std::thread> senders;
  for (int t = 0; t < kSenders; ++t) {
    senders.emplace_back([&, t] {
      api::HttpConnection conn("127.0.0.1", hub_->port());
      for (int i = 0; i < kPerSender; ++i) {
        const std::string id = "flood-" + std::to_string(t) + "-" + std::to_string(i);
        const std::string body =
            R"({"key":")" + id + R"(","n":1,"mode":"transient","pad":")" + pad + R"("})";
        auto r = conn.Call("POST", "/v1/webhooks/test/a", body, Signed(id, body));
        if (r && r->status == 202) {
          ++accepted;
        } else if (r && r->status == 503) {
          ++refused;
        } else {
          ++other;
        }
        if (i % 100 == 0) {
          const auto s = hub_->bus().Stats();
          std::int64_t b = s.translate_backlog;
          for (const auto& [d, n] : s.domain_backlog) {
            b += n;
          }
          std::int64_t m = max_backlog.load();
          while (b > m && !max_backlog.compare_exchange_weak(m, b)) {
          }
        }
      }
    });
  }
  for (auto& s : senders) {
    s.join();
  }
  const std::int64_t rss_after = RssKib();
  RecordProperty("rss_growth_kib", std::to_string(rss_after - rss_before));
  RecordProperty("accepted", accepted.load());
  EXPECT_EQ(other.load(), 0);
  EXPECT_LE(accepted.load(), kBacklogMax + kSenders) << "only what fits under the limit";
  EXPECT_GE(refused.load(), kSenders * kPerSender - kBacklogMax - kSenders);
  EXPECT_LE(max_backlog.load(), kBacklogMax + kSenders);
  // 160 MB were offered; what the hub holds is bounded by the limit (200 x
  // 8 KB plus its events), so the process grows by far less.
  EXPECT_LT(rss_after - rss_before, 48 * 1024)
      << "RSS grew from " << rss_before << " to " << rss_after << " KiB";
}

}  // namespace
}  // namespace hub
