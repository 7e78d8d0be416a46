// The reconciler keeps reconciliation current without anyone asking: a
// committed payout or tender signals it, it re-runs after a short quiet
// time, readers get the latest run, and a reader never sees a run older than
// what was committed before the read. Bank statement lines are matched to
// payouts once a statement has been seen.
#include "app/reconciler.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "app/store_test_base.h"
#include "core/model_json.h"
#include "testing/testing.h"

namespace hub::app {
namespace {

const Currency kUsd = *Currency::FromCode("USD");
Money Usd(std::int64_t minor) { return Money(minor, kUsd); }

class ReconcilerTest : public StoreTestBase {
 protected:
  void SetUp() override { OpenStore(/*with_domains=*/false); }

  // Appends one applied reconcile-domain event, as the bus would.
  void Apply(const std::string& type, boost::json::object data) {
    Event e;
    e.type = type;
    e.event_id = "evt_" + std::to_string(++seq_);
    e.key = "k";
    e.correlation_id = "cor_1";
    e.occurred_at = clock_.Now();
    e.source = {"stripe", "acct", "x"};
    e.data = std::move(data);
    InsertDoneWork("reconcile", e, seq_);
  }

  void Tender(const std::string& charge, std::int64_t minor) {
    hub::Tender t;
    t.tender_id = charge;
    t.gateway = "stripe";
    t.gateway_reference = charge;
    t.amount = Usd(minor);
    t.status = "captured";
    t.occurred_at = clock_.Now();
    Apply("tender.captured", ToJson(t));
  }

  void PayoutWithCharge(const std::string& id, const std::string& charge, std::int64_t gross,
                        std::int64_t fee) {
    Payout p;
    p.payout_id = id;
    p.gateway = "stripe";
    p.amount = Usd(gross - fee);
    p.status = "paid";
    p.arrival_at = clock_.Now();
    PayoutLine l;
    l.line_id = "txn_" + charge;
    l.kind = PayoutLineKind::kCharge;
    l.source_reference = charge;
    l.gross = Usd(gross);
    l.fee = Usd(fee);
    l.net = Usd(gross - fee);
    l.occurred_at = clock_.Now();
    p.lines.push_back(l);
    Apply("payout.paid", ToJson(p));
  }

  void BankCredit(const std::string& id, std::int64_t minor, const std::string& reference) {
    Apply("bank.transaction", boost::json::object{{"transaction_id", id},
                                                  {"bank_account", "main"},
                                                  {"amount", ToJson(Usd(minor))},
                                                  {"reference", reference},
                                                  {"description", "GATEWAY PAYOUT"},
                                                  {"booked_at", FormatRfc3339(clock_.Now())}});
  }

  static bool WaitFor(const std::function<bool()>& done) {
    for (int i = 0; i < 500; ++i) {
      if (done()) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return done();
  }

  FakeClock clock_{*ParseRfc3339("2026-03-10T12:00:00Z")};
  std::int64_t seq_ = 0;
};

TEST_F(ReconcilerTest, ASignalledPayoutIsReconciledWithoutAnyoneAsking) {
  Reconciler r(*store_, reconcile::ReconcileConfig::Defaults(), clock_, {.debounce_ms = 20});
  r.Start();
  ASSERT_TRUE(WaitFor([&] { return r.runs() >= 1; }));  // the start-up run
  Tender("ch_1", 10000);
  PayoutWithCharge("po_1", "ch_1", 10000, 320);
  const std::int64_t before = r.runs();
  r.Notify();
  r.Notify();  // a burst costs one run, not two
  ASSERT_TRUE(WaitFor([&] { return r.runs() == before + 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(r.runs(), before + 1);
  auto latest = r.Latest();
  ASSERT_TRUE(latest) << latest.error().ToString();
  ASSERT_EQ((*latest)->payouts.size(), 1u);
  EXPECT_TRUE((*latest)->output.proofs[0].closes);
  EXPECT_TRUE((*latest)->output.match.exceptions.empty());
  EXPECT_EQ(r.runs(), before + 1) << "Latest() re-ran although nothing changed";
  r.Stop();
}

TEST_F(ReconcilerTest, AReadAfterACommitNeverSeesAnOlderRun) {
  // A long debounce: the background run cannot have happened yet.
  Reconciler r(*store_, reconcile::ReconcileConfig::Defaults(), clock_,
               {.debounce_ms = 60'000, .interval_ms = 60'000});
  auto first = r.Latest();
  ASSERT_TRUE(first);
  EXPECT_TRUE((*first)->payouts.empty());
  Tender("ch_2", 5000);
  PayoutWithCharge("po_2", "ch_2", 5000, 175);
  r.Notify();
  auto second = r.Latest();
  ASSERT_TRUE(second);
  EXPECT_EQ((*second)->payouts.size(), 1u);
}

TEST_F(ReconcilerTest, TheIntervalRunsEvenWithoutSignals) {
  Reconciler r(*store_, reconcile::ReconcileConfig::Defaults(), clock_,
               {.debounce_ms = 10, .interval_ms = 30});
  r.Start();
  EXPECT_TRUE(WaitFor([&] { return r.runs() >= 3; }));
  r.Stop();
}

TEST_F(ReconcilerTest, BankDepositsAreMatchedOnceAStatementIsSeen) {
  Tender("ch_3", 10000);
  PayoutWithCharge("po_3", "ch_3", 10000, 320);
  Reconciler r(*store_, reconcile::ReconcileConfig::Defaults(), clock_);
  auto no_statement = r.RunNow();
  ASSERT_TRUE(no_statement);
  EXPECT_TRUE((*no_statement)->output.match.exceptions.empty())
      << "without any bank statement no payout may be called missing";

  BankCredit("bank_1", 9680, "STRIPE PAYOUT po_3");
  auto matched = r.RunNow();
  ASSERT_TRUE(matched);
  ASSERT_EQ((*matched)->output.bank_row_for_payout.size(), 1u);
  EXPECT_EQ((*matched)->output.bank_row_for_payout[0], 0u);
  EXPECT_TRUE((*matched)->output.match.exceptions.empty());

  // A second payout with no deposit, past the bank window: missing_payout.
  Tender("ch_4", 2000);
  PayoutWithCharge("po_4", "ch_4", 2000, 88);
  clock_.Set(*ParseRfc3339("2026-03-20T12:00:00Z"));
  auto missing = r.RunNow();
  ASSERT_TRUE(missing);
  bool found = false;
  for (const auto& x : (*missing)->output.match.exceptions) {
    found |= x.reason == reconcile::ReasonCode::kMissingPayout && x.payout_id == "po_4";
  }
  EXPECT_TRUE(found) << "payout po_4 has no deposit and must be reported";
}

TEST_F(ReconcilerTest, TheHandlerSignalsOnlyOnCommitAndWantsWhatReconciliationReads) {
  Reconciler r(*store_, reconcile::ReconcileConfig::Defaults(), clock_);
  auto h = MakeReconcileHandler(r);
  EXPECT_EQ(h->domain(), "reconcile");
  Event e;
  for (const char* t : {"tender.captured", "refund.created", "dispute.created", "dispute.closed",
                        "payout.paid", "bank.transaction"}) {
    e.type = t;
    EXPECT_TRUE(h->Wants(e)) << t;
  }
  for (const char* t : {"order.created", "fulfillment.created", "customer.upserted",
                        "payout.updated", "tender.authorized"}) {
    e.type = t;
    EXPECT_FALSE(h->Wants(e)) << t;
  }
  EXPECT_EQ(r.signals(), 0);
  h->OnCommitted(e);
  EXPECT_EQ(r.signals(), 1);
}

TEST(ReconcileConfigFile, TheShippedFileIsTheBuiltInDefault) {
  const auto file = std::filesystem::path(__FILE__).parent_path() / "../../config/reconcile.toml";
  auto parsed = reconcile::ReconcileConfig::Parse(testing::ReadFile(file), file.string());
  ASSERT_TRUE(parsed) << parsed.error().ToString();
  const auto d = reconcile::ReconcileConfig::Defaults();
  EXPECT_EQ(parsed->aging_days, d.aging_days);
  EXPECT_EQ(parsed->partial_window_days, d.partial_window_days);
  EXPECT_EQ(parsed->late_days, d.late_days);
  EXPECT_EQ(parsed->bank_window_days, d.bank_window_days);
  EXPECT_EQ(parsed->group_size_max, d.group_size_max);
  EXPECT_EQ(parsed->candidates_scanned_max, d.candidates_scanned_max);
  EXPECT_EQ(parsed->post_chargebacks, d.post_chargebacks);
  ASSERT_EQ(parsed->rules.size(), d.rules.size());
  for (std::size_t i = 0; i < d.rules.size(); ++i) {
    EXPECT_EQ(parsed->rules[i].name, d.rules[i].name);
    EXPECT_EQ(parsed->rules[i].amount_tolerance_minor, d.rules[i].amount_tolerance_minor);
    EXPECT_EQ(parsed->rules[i].amount_tolerance_ppm, d.rules[i].amount_tolerance_ppm);
    EXPECT_EQ(parsed->rules[i].date_window_days, d.rules[i].date_window_days);
    EXPECT_EQ(parsed->rules[i].require_order_reference, d.rules[i].require_order_reference);
    EXPECT_EQ(parsed->rules[i].include_unknown_references, d.rules[i].include_unknown_references);
  }
  EXPECT_EQ(parsed->bank_account, d.bank_account);
  EXPECT_EQ(parsed->default_clearing_account, d.default_clearing_account);
  EXPECT_EQ(parsed->fees_account, d.fees_account);
  EXPECT_EQ(parsed->commissions_account, d.commissions_account);
  EXPECT_EQ(parsed->chargeback_account, d.chargeback_account);
  EXPECT_EQ(parsed->write_off_account, d.write_off_account);
}

}  // namespace
}  // namespace hub::app
