// The demo story is the acceptance test of the order-to-cash path (issue #6):
// `retailhub demo` plays signed webhooks over HTTP into a real hub, then the
// trial balance read back by `retailhub ledger trial-balance --format json`
// must be exactly the one finance expects, revenue must appear only at
// pickup, and the two profiles of Ana Souza must be one golden customer.
#include <gtest/gtest.h>

#include <filesystem>

#include <boost/json.hpp>

#include <sys/wait.h>
#include <array>
#include <cstdio>
#include <map>
#include <thread>

#include "api/http_client.h"
#include "integration/child_process.h"
#include "testing/testing.h"

namespace hub {
namespace {

std::string Bin() {
  const char* b = std::getenv("RETAILHUB_BIN");
  return b != nullptr ? b : "";
}

// Runs a command, returns (exit code, stdout).
std::pair<int, std::string> Shell(const std::string& cmd) {
  std::string out;
  FILE* p = popen((cmd + " 2>/dev/null").c_str(), "r");
  if (p == nullptr) {
    return {-1, ""};
  }
  std::array<char, 4096> buf;
  while (std::fgets(buf.data(), buf.size(), p) != nullptr) {
    out += buf.data();
  }
  const int status = pclose(p);
  return {WEXITSTATUS(status), out};
}

class DemoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (Bin().empty()) {
      GTEST_SKIP() << "RETAILHUB_BIN not set (run through ctest)";
    }
    data_ = (dir_.path() / "demo").string();
    auto [rc, out] = Shell(Bin() + " demo --data " + data_);
    demo_out_ = out;
    ASSERT_EQ(rc, 0) << out;
  }
  testing::TempDir dir_;
  std::string data_;
  std::string demo_out_;
};

TEST_F(DemoTest, TrialBalanceIsExactlyTheStorysBooks) {
  auto [rc, out] = Shell(Bin() + " ledger trial-balance --format json --data " + data_);
  ASSERT_EQ(rc, 0) << out;
  const auto tb = boost::json::parse(out).as_object();
  std::map<std::string, std::string> balance;
  for (const auto& a : tb.at("accounts").as_array()) {
    const auto& o = a.as_object();
    EXPECT_EQ(o.at("currency").as_string(), "USD");
    balance[std::string(o.at("account").as_string())] = std::string(o.at("balance").as_string());
  }
  const std::map<std::string, std::string> want = {
      {"1000", "65.64"},  {"1010", "50.00"}, {"1100", "0.00"}, {"1300", "-60.00"},
      {"2100", "-10.80"}, {"2200", "0.00"},  {"2300", "0.00"}, {"4000", "-135.00"},
      {"4100", "27.00"},  {"5000", "60.00"}, {"6100", "3.16"}};
  EXPECT_EQ(balance, want) << out;
}

TEST_F(DemoTest, NothingPostedAtOrderTimeRevenueOnlyAtPickup) {
  auto [rc, out] = Shell(Bin() + " ledger entries --format json --account 4000 --data " + data_);
  ASSERT_EQ(rc, 0) << out;
  const auto entries = boost::json::parse(out).as_object().at("entries").as_array();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].as_object().at("event_type").as_string(), "fulfillment.created");
  // Every entry traces back to its source message and correlation id.
  auto [rc2, all] = Shell(Bin() + " ledger entries --format json --account 2300 --data " + data_);
  ASSERT_EQ(rc2, 0);
  const auto clearing = boost::json::parse(all);
  for (const auto& e : clearing.as_object().at("entries").as_array()) {
    const auto& o = e.as_object();
    EXPECT_FALSE(o.at("message_id").as_string().empty());
    EXPECT_FALSE(o.at("correlation_id").as_string().empty());
    EXPECT_NE(o.at("event_type").as_string(), "order.created");
  }
}

TEST_F(DemoTest, OrderTimelineAndOneGoldenCustomer) {
  auto [rc, out] = Shell(Bin() + " orders show --format json --data " + data_ +
                         " shopify:demo-shop.myshopify.com:5551001");
  ASSERT_EQ(rc, 0) << out;
  const auto o = boost::json::parse(out).as_object();
  EXPECT_EQ(o.at("status").as_string(), "partly_returned");
  EXPECT_EQ(o.at("fulfillment_method").as_string(), "pickup");
  std::vector<std::string> types;
  for (const auto& t : o.at("timeline").as_array()) {
    types.emplace_back(t.as_object().at("type").as_string());
  }
  EXPECT_EQ(types,
            (std::vector<std::string>{"order.created", "tender.captured", "tender.captured",
                                      "fulfillment.created", "return.created", "refund.created"}));
  EXPECT_NE(demo_out_.find("SQ-CUS-ANA are one person: cus_"), std::string::npos) << demo_out_;
  auto [rc2, inv] =
      Shell(Bin() + " inventory show SCF-02 --location SF-01 --format json --data " + data_);
  ASSERT_EQ(rc2, 0);
  const auto inv_doc = boost::json::parse(inv);
  const auto& loc = inv_doc.as_object().at("locations").as_array().at(0).as_object();
  EXPECT_EQ(loc.at("on_hand").as_int64(), 6);  // 6 counted, 1 picked up, 1 restocked
  EXPECT_EQ(loc.at("available").as_int64(), 6);
}

TEST_F(DemoTest, StripePayoutReconcilesToTheCentWithNoExceptions) {
  auto [rc, out] = Shell(Bin() + " reconcile run --format json --data " + data_);
  ASSERT_EQ(rc, 0) << out;
  const auto r = boost::json::parse(out).as_object();
  EXPECT_EQ(r.at("payouts").as_int64(), 1);
  EXPECT_EQ(r.at("payouts_closing").as_int64(), 1);
  EXPECT_EQ(r.at("exceptions").as_int64(), 0) << out;
}

// Nobody ran `reconcile run` during the demo: the hub's reconciler re-ran as
// the payout, its balance transactions and the bank statement (a CSV file in
// the drop folder, swept by the hub) were applied, and matched the payout to
// its deposit on line 3 of the statement.
TEST_F(DemoTest, ReconciliationIsContinuousAndFindsTheBankDeposit) {
  EXPECT_NE(demo_out_.find("✓ 6. Bank: statement dropped in inbox/csv/"), std::string::npos)
      << demo_out_;
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(data_) / "inbox" / "csv" / "done" /
                                      "bank_statement-2026-11.csv"));
  EXPECT_NE(demo_out_.find("payout po_demo_1 stripe 65.64: closes to the cent; bank deposit "
                           "bank_statement-2026-11.csv:3 on 2026-11-19"),
            std::string::npos)
      << demo_out_;
  EXPECT_NE(demo_out_.find("0 exception(s)"), std::string::npos) << demo_out_;
}

// The business figures the dashboard and Prometheus show, over the demo's
// books: Ana's two profiles are one golden customer (duplicate rate 50 %),
// one payout that closes, nothing unmatched; the overview carries the
// samples the hub took since it started.
TEST_F(DemoTest, OverviewAndMetricsCarryTheBusinessFigures) {
  auto [rc, key_out] = Shell(Bin() + " keys create --role viewer --label v --data " + data_);
  ASSERT_EQ(rc, 0) << key_out;
  std::string key = key_out.substr(0, key_out.find_last_not_of("\n") + 1);
  key = key.substr(key.find_last_of('\n') + 1);
  testing::ChildServer server;
  ASSERT_TRUE(server.Start(Bin(), {"serve", "--data", data_, "--listen", "127.0.0.1:0"}));
  // The first sample is taken as the hub starts, concurrently with serving.
  Result<api::HttpResponse> r = tl::unexpected(Error(ErrorCode::kUnavailable, "not asked"));
  boost::json::object o;
  for (int i = 0; i < 100; ++i) {
    r = api::HttpCall("127.0.0.1", server.port(), "GET", "/v1/overview", "",
                      {{"Authorization", "Bearer " + key}});
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << r->body;
    o = boost::json::parse(r->body).as_object();
    if (!o.at("series").as_array().empty()) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const auto& b = o.at("business").as_object();
  EXPECT_EQ(b.at("source_customers").as_int64(), 2) << r->body;
  EXPECT_EQ(b.at("golden_customers").as_int64(), 1);
  EXPECT_DOUBLE_EQ(b.at("duplicate_customer_rate").as_double(), 0.5);
  EXPECT_EQ(b.at("payouts").as_int64(), 1);
  EXPECT_EQ(b.at("payouts_not_closing").as_int64(), 0);
  const auto& unmatched = b.at("unmatched_settlements").as_array();
  ASSERT_EQ(unmatched.size(), 1u) << r->body;
  EXPECT_EQ(unmatched[0].as_object().at("count").as_int64(), 0);
  EXPECT_EQ(unmatched[0].as_object().at("amount").as_string(), "0.00");
  EXPECT_EQ(b.at("postings_delayed").as_int64(), 0);
  ASSERT_GE(o.at("series").as_array().size(), 1u);
  EXPECT_TRUE(o.at("series").as_array()[0].as_object().contains("at"));

  auto m = api::HttpCall("127.0.0.1", server.port(), "GET", "/metrics", "", {});
  ASSERT_TRUE(m);
  ASSERT_EQ(m->status, 200);
  for (const char* line :
       {"retailhub_golden_customers 1\n", "retailhub_customer_source_records 2\n",
        "retailhub_duplicate_customer_rate_ppm 500000\n", "retailhub_payouts 1\n",
        "retailhub_payouts_not_closing 0\n",
        "retailhub_unmatched_settlements{currency=\"USD\"} 0\n",
        "retailhub_unmatched_settlement_amount_minor{currency=\"USD\"} 0\n"}) {
    EXPECT_NE(m->body.find(line), std::string::npos) << line << " missing:\n" << m->body;
  }
  EXPECT_EQ(server.Terminate(), 0);
}

// A steward's unmerge through the API survives a restart of the hub: the
// resolver is rebuilt from the applied log and the recorded steward actions.
TEST_F(DemoTest, StewardUnmergeThroughTheApiSurvivesRestart) {
  auto [rc, key_out] = Shell(Bin() + " keys create --role steward --label sam --data " + data_);
  ASSERT_EQ(rc, 0) << key_out;
  std::string key = key_out.substr(0, key_out.find_last_not_of("\n") + 1);
  key = key.substr(key.find_last_of('\n') + 1);
  const std::vector<std::string> args = {"serve", "--data", data_, "--listen", "127.0.0.1:0"};
  const std::vector<std::pair<std::string, std::string>> auth = {
      {"Authorization", "Bearer " + key}, {"Content-Type", "application/json"}};
  auto customer_sources = [&](std::uint16_t port) {
    auto r = api::HttpCall("127.0.0.1", port, "GET", "/v1/customers/cus_1", "", auth);
    return r && r->status == 200
               ? boost::json::parse(r->body).as_object().at("sources").as_array().size()
               : std::size_t{0};
  };
  {
    testing::ChildServer server;
    ASSERT_TRUE(server.Start(Bin(), args));
    ASSERT_EQ(customer_sources(server.port()), 2u);  // Ana's two profiles, one person
    auto headers = auth;
    headers.emplace_back("Idempotency-Key", "unmerge-ana-pos");
    auto r = api::HttpCall("127.0.0.1", server.port(), "POST", "/v1/customers/unmerges",
                           R"({"record":"square:SQ-CUS-ANA"})", headers);
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 201) << r->body;
    EXPECT_EQ(customer_sources(server.port()), 1u);
    // The unmerge is in the audit log (its write once failed with a stale
    // read snapshot on the API's shared connection).
    auto [arc, admin_out] = Shell(Bin() + " keys create --role admin --label ada --data " + data_);
    ASSERT_EQ(arc, 0) << admin_out;
    std::string admin = admin_out.substr(0, admin_out.find_last_not_of("\n") + 1);
    admin = admin.substr(admin.find_last_of('\n') + 1);
    auto audit =
        api::HttpCall("127.0.0.1", server.port(), "GET", "/v1/audit?action=customer.unmerge", "",
                      {{"Authorization", "Bearer " + admin}});
    ASSERT_TRUE(audit);
    ASSERT_EQ(audit->status, 200) << audit->body;
    const auto items = boost::json::parse(audit->body).as_object().at("items").as_array();
    ASSERT_EQ(items.size(), 1u) << audit->body;
    EXPECT_NE(boost::json::serialize(items[0]).find("sam"), std::string::npos) << audit->body;
    EXPECT_EQ(server.Terminate(), 0);
  }
  testing::ChildServer again;
  ASSERT_TRUE(again.Start(Bin(), args));
  EXPECT_EQ(customer_sources(again.port()), 1u) << "the unmerge was lost on restart";
  again.Terminate();
}

TEST_F(DemoTest, RefusesADirectoryThatAlreadyHoldsData) {
  auto [rc, out] = Shell(Bin() + " demo --data " + data_);
  EXPECT_EQ(rc, 1);
}

}  // namespace
}  // namespace hub
