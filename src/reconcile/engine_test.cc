// Reconciliation engine: one case per reason code first (failure paths),
// then the settlement shapes (partial, split across days, refund in a later
// payout, chargeback with fee) and the demo payout's journal.
#include "reconcile/engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "reconcile/report_json.h"
#include "reconcile/test_util_internal.h"

namespace hub::reconcile {
namespace {

using namespace testing;  // NOLINT: builders
using K = PayoutLineKind;
using E = ExpectedKind;

struct Fixture {
  std::vector<Payout> payouts;
  std::vector<ExpectedItem> expected;
  std::vector<BankRow> bank;
  std::vector<LineIssue> issues;
  bool check_bank = false;
  Instant as_of = Day(20);
  ReconcileConfig config = ReconcileConfig::Defaults();

  ReconcileInput Input() const {
    return ReconcileInput{payouts, expected, bank, check_bank, issues, as_of};
  }
  ReconcileOutput Run() const {
    auto out = Reconcile(Input(), config);
    EXPECT_TRUE(out.has_value()) << out.error().ToString();
    return *out;
  }
};

std::vector<ReasonCode> Reasons(const ReconcileOutput& o) {
  std::vector<ReasonCode> r;
  for (const ExceptionRecord& e : o.match.exceptions) {
    r.push_back(e.reason);
  }
  return r;
}

const ExceptionRecord* Find(const ReconcileOutput& o, ReasonCode reason) {
  for (const ExceptionRecord& e : o.match.exceptions) {
    if (e.reason == reason) {
      return &e;
    }
  }
  return nullptr;
}

std::map<std::string, std::int64_t> ByAccount(const ledger::EntryDraft& d) {
  std::map<std::string, std::int64_t> m;
  for (const ledger::Posting& p : d.postings) {
    m[p.account] += p.amount.minor_units();
  }
  return m;
}

std::int64_t Total(const ledger::EntryDraft& d) {
  std::int64_t t = 0;
  for (const ledger::Posting& p : d.postings) {
    t += p.amount.minor_units();
  }
  return t;
}

// ---- one case per reason code ------------------------------------------------

TEST(ReasonCodes, UnmatchedPayoutLineWhenNoReferenceAndNothingFits) {
  Fixture f;
  f.payouts = {MakePayout("po_1", {Line(K::kCharge, "txn_1", "", 1000)})};
  const auto o = f.Run();
  EXPECT_EQ(Reasons(o), std::vector{ReasonCode::kUnmatchedPayoutLine});
  EXPECT_EQ(o.match.Line(0, 0).status, LineStatus::kException);
}

TEST(ReasonCodes, TenderNotSettledAfterAgingDays) {
  Fixture f;
  f.expected = {Expect(E::kTender, "ch_old", 5000, Day(10)),
                Expect(E::kTender, "ch_new", 700, Day(19))};
  const auto o = f.Run();
  ASSERT_EQ(Reasons(o), std::vector{ReasonCode::kTenderNotSettled});
  EXPECT_EQ(o.match.exceptions[0].reference, "ch_old");
  EXPECT_EQ(o.match.exceptions[0].amount, Usd(5000));
  EXPECT_EQ(o.match.exceptions[0].id, "tender_not_settled:stripe:ch_old");
}

TEST(ReasonCodes, AmountMismatchBeyondToleranceAndPartialWindow) {
  Fixture f;
  f.expected = {Expect(E::kTender, "ch_1", 10000, Day(0))};
  f.payouts = {MakePayout("po_1", {Line(K::kCharge, "txn_1", "ch_1", 9000, 300)})};
  const auto o = f.Run();
  ASSERT_EQ(Reasons(o), std::vector{ReasonCode::kAmountMismatch});
  EXPECT_EQ(o.match.exceptions[0].amount, Usd(1000));
  EXPECT_EQ(o.match.exceptions[0].payout_id, "po_1");
}

TEST(ReasonCodes, OverSettlementIsAmountMismatch) {
  Fixture f;
  f.expected = {Expect(E::kTender, "ch_1", 10000, Day(19))};
  f.payouts = {MakePayout("po_1", {Line(K::kCharge, "txn_1", "ch_1", 12000, 300)})};
  EXPECT_EQ(Reasons(f.Run()), std::vector{ReasonCode::kAmountMismatch});
}

TEST(ReasonCodes, FeeMismatchFromConnectorIsReportedAndBlocksPosting) {
  // Stripe txn whose fee (0) disagrees with fee_details (175): the connector
  // reports it; the engine must not accept the line.
  Fixture f;
  f.expected = {Expect(E::kTender, "ch_1", 100)};
  f.payouts = {MakePayout("po_1", {Line(K::kCharge, "txn_1", "ch_1", 100, 0)})};
  f.issues = {{"po_1", "txn_1", "fee 0 disagrees with fee_details 1.75"}};
  const auto o = f.Run();
  ASSERT_EQ(Reasons(o), std::vector{ReasonCode::kFeeMismatch});
  EXPECT_EQ(o.proofs[0].blocked_by, std::vector{ReasonCode::kFeeMismatch});
  const auto posted = PostPayout(f.payouts[0], o.proofs[0], f.config);
  ASSERT_FALSE(posted.has_value());
  EXPECT_EQ(posted.error().code, ErrorCode::kFailedPrecondition);
}

TEST(ReasonCodes, FeeMismatchWhenGrossMinusFeeIsNotNet) {
  Fixture f;
  f.expected = {Expect(E::kTender, "ch_1", 1000)};
  PayoutLine l = Line(K::kCharge, "txn_1", "ch_1", 1000, 30);
  l.net = Usd(980);
  Payout p = MakePayout("po_1", {l});
  p.amount = Usd(970);
  f.payouts = {p};
  EXPECT_EQ(Reasons(f.Run()), std::vector{ReasonCode::kFeeMismatch});
}

TEST(ReasonCodes, CurrencyMismatch) {
  Fixture f;
  f.expected = {Expect(E::kTender, "ch_1", 1000)};
  f.expected[0].amount = Money(1000, *Currency::FromCode("EUR"));
  f.payouts = {MakePayout("po_1", {Line(K::kCharge, "txn_1", "ch_1", 1000)})};
  EXPECT_EQ(Reasons(f.Run()), std::vector{ReasonCode::kCurrencyMismatch});
}

TEST(ReasonCodes, DuplicateLineIdAcrossPayouts) {
  Fixture f;
  f.expected = {Expect(E::kTender, "ch_1", 1000)};
  f.payouts = {MakePayout("po_1", {Line(K::kCharge, "txn_1", "ch_1", 1000, 30)}),
               MakePayout("po_2", {Line(K::kCharge, "txn_1", "ch_1", 1000, 30)})};
  const auto o = f.Run();
  ASSERT_EQ(Reasons(o), std::vector{ReasonCode::kDuplicateLine});
  EXPECT_EQ(o.match.Line(0, 0).status, LineStatus::kMatched);
  EXPECT_EQ(o.match.exceptions[0].payout_id, "po_2");
}

TEST(ReasonCodes, DuplicatedSettlementUnderAnotherLineId) {
  Fixture f;
  f.expected = {Expect(E::kTender, "ch_1", 1000)};
  f.payouts = {MakePayout("po_1", {Line(K::kCharge, "txn_1", "ch_1", 1000, 30),
                                   Line(K::kCharge, "txn_9", "ch_1", 1000, 30)})};
  const auto o = f.Run();
  ASSERT_EQ(Reasons(o), std::vector{ReasonCode::kDuplicateLine});
  EXPECT_EQ(o.match.exceptions[0].line_id, "txn_9");
}

TEST(ReasonCodes, UnknownReference) {
  Fixture f;
  f.payouts = {MakePayout("po_1", {Line(K::kCharge, "txn_1", "ch_nobody", 1000)})};
  EXPECT_EQ(Reasons(f.Run()), std::vector{ReasonCode::kUnknownReference});
}

TEST(ReasonCodes, UnknownCategory) {
  Fixture f;
  f.payouts = {MakePayout("po_1", {Line(K::kOther, "txn_1", "", 500)})};
  const auto o = f.Run();
  EXPECT_EQ(Reasons(o), std::vector{ReasonCode::kUnknownCategory});
  EXPECT_TRUE(o.proofs[0].closes);
}

TEST(ReasonCodes, PayoutResidualIsExactlyOneLabelledException) {
  Fixture f;
  f.expected = {Expect(E::kTender, "ch_1", 1000), Expect(E::kTender, "ch_2", 2000)};
  Payout p = MakePayout("po_1", {Line(K::kCharge, "txn_1", "ch_1", 1000, 30),
                                 Line(K::kCharge, "txn_2", "ch_2", 2000, 60)});
  p.amount = Usd(2905);  // lines net to 2910
  f.payouts = {p};
  const auto o = f.Run();
  ASSERT_EQ(Reasons(o), std::vector{ReasonCode::kPayoutResidual});
  EXPECT_EQ(o.proofs[0].residual, Usd(-5));
  EXPECT_EQ(o.match.exceptions[0].id, "payout_residual:stripe:po_1");
  EXPECT_FALSE(PostPayout(p, o.proofs[0], f.config).has_value());
}

TEST(ReasonCodes, MissingPayoutBothWays) {
  Fixture f;
  f.check_bank = true;
  f.expected = {Expect(E::kTender, "ch_1", 1000), Expect(E::kTender, "ch_2", 2000)};
  f.payouts = {MakePayout("po_1", {Line(K::kCharge, "txn_1", "ch_1", 1000, 30)}, Day(2)),
               MakePayout("po_2", {Line(K::kCharge, "txn_2", "ch_2", 2000, 60)}, Day(2))};
  f.bank = {{"bank_1", Day(3), Usd(970), "STRIPE po_1"},  // by amount and date
            {"bank_2", Day(5), Usd(123), "STRIPE TRANSFER"}};
  const auto o = f.Run();
  EXPECT_EQ(Reasons(o), (std::vector{ReasonCode::kMissingPayout, ReasonCode::kMissingPayout}));
  EXPECT_EQ(o.bank_row_for_payout[0], 0u);
  EXPECT_EQ(o.match.exceptions[0].payout_id, "po_2");
  EXPECT_EQ(o.match.exceptions[1].id, "missing_payout::bank/bank_2");
}

// ---- settlement shapes ---------------------------------------------------------

TEST(Settlement, DemoPayoutPostsBankFeesAndClearing) {
  // charge 98.50 fee 3.16, refund −29.70 -> net 65.64:
  // Dr 1000 65.64, Dr 6100 3.16 / Cr 1100 68.80.
  Fixture f;
  f.expected = {Expect(E::kTender, "ch_demo", 9850), Expect(E::kRefund, "re_demo", -2970)};
  f.payouts = {MakePayout("po_demo", {Line(K::kCharge, "txn_c", "ch_demo", 9850, 316),
                                      Line(K::kRefund, "txn_r", "re_demo", -2970, 0),
                                      Line(K::kPayout, "txn_p", "po_demo", -6564)})};
  const auto o = f.Run();
  EXPECT_TRUE(o.match.exceptions.empty());
  EXPECT_EQ(f.payouts[0].amount, Usd(6564));
  EXPECT_TRUE(o.proofs[0].closes);
  EXPECT_EQ(o.match.stats.matched_pass1, 2);
  const auto drafts = PostPayout(f.payouts[0], o.proofs[0], f.config);
  ASSERT_TRUE(drafts.has_value()) << drafts.error().ToString();
  ASSERT_EQ(drafts->size(), 1u);
  const ledger::EntryDraft& d = (*drafts)[0];
  EXPECT_EQ(d.idempotency_key, "payout:po_demo");
  EXPECT_EQ(ByAccount(d),
            (std::map<std::string, std::int64_t>{{"1000", 6564}, {"6100", 316}, {"1100", -6880}}));
  EXPECT_EQ(Total(d), 0);
  EXPECT_EQ(d.postings.back().memo, "refund txn_r re_demo");  // lineage per line
  EXPECT_EQ(d.postings.back().dims.payout, "po_demo");
  const PayoutReport r = BuildPayoutReport(f.Input(), o, 0);
  EXPECT_EQ(r.lines_matched, 2);
  EXPECT_EQ(r.lines[0].rule, "exact_reference");
  EXPECT_EQ(boost::json::serialize(ToJson(r).at("residual")),
            R"({"amount":"0.00","currency":"USD"})");
}

TEST(Settlement, ChargebackWithFeePostsLossAndDisputeFee) {
  Fixture f;
  f.expected = {Expect(E::kDispute, "dp_1", -1150)};
  f.payouts = {MakePayout("po_1", {Line(K::kDispute, "txn_d", "dp_1", -1150, 1500)})};
  ASSERT_EQ(f.payouts[0].amount, Usd(-2650));
  const auto o = f.Run();
  EXPECT_TRUE(o.match.exceptions.empty());
  const auto drafts = PostPayout(f.payouts[0], o.proofs[0], f.config);
  ASSERT_TRUE(drafts.has_value()) << drafts.error().ToString();
  ASSERT_EQ(drafts->size(), 2u);
  EXPECT_EQ(ByAccount((*drafts)[0]),
            (std::map<std::string, std::int64_t>{{"1000", -2650}, {"1100", 2650}}));
  EXPECT_EQ((*drafts)[1].idempotency_key, "payout:po_1:dispute:txn_d");
  EXPECT_EQ(ByAccount((*drafts)[1]),
            (std::map<std::string, std::int64_t>{{"6120", 1150}, {"6100", 1500}, {"1100", -2650}}));
  EXPECT_EQ(Total((*drafts)[1]), 0);
}

TEST(Settlement, DisputeLineMayNameTheCharge) {
  Fixture f;
  ExpectedItem d = Expect(E::kDispute, "dp_1", -1000);
  d.alias = "ch_1";
  f.expected = {d};
  f.payouts = {MakePayout("po_1", {Line(K::kDispute, "txn_d", "ch_1", -1000, 1500)})};
  EXPECT_TRUE(f.Run().match.exceptions.empty());
}

TEST(Settlement, PartialSettlementWaitsInsideItsWindow) {
  Fixture f;
  f.expected = {Expect(E::kTender, "ch_1", 10000, Day(18))};
  f.payouts = {MakePayout("po_1", {Line(K::kCharge, "txn_1", "ch_1", 6000, 180, Day(19))})};
  const auto o = f.Run();
  EXPECT_TRUE(o.match.exceptions.empty());
  EXPECT_EQ(o.match.Line(0, 0).status, LineStatus::kPartial);
  EXPECT_EQ(o.match.expected[0].status, ExpectedStatus::kPartial);
  const auto aging = BuildAgingReports(f.expected, o.match, f.as_of);
  ASSERT_EQ(aging.size(), 1u);
  EXPECT_EQ(aging[0].buckets[0].amount, Usd(4000));
}

TEST(Settlement, TenderSplitAcrossDaysInOneRunIsAGroup) {
  Fixture f;
  f.expected = {Expect(E::kTender, "ch_1", 10000)};
  f.payouts = {
      MakePayout("po_mon", {Line(K::kCharge, "txn_1a", "ch_1", 6000, 180, Day(1))}, Day(1)),
      MakePayout("po_tue", {Line(K::kCharge, "txn_1b", "ch_1", 4000, 120, Day(2))}, Day(2))};
  const auto o = f.Run();
  EXPECT_TRUE(o.match.exceptions.empty());
  EXPECT_EQ(o.match.Line(0, 0).pass, 3);
  EXPECT_EQ(o.match.rule_names[static_cast<std::size_t>(o.match.Line(1, 0).rule)],
            "group_reference");
  EXPECT_EQ(o.match.expected[0].status, ExpectedStatus::kSettled);
}

TEST(Settlement, TenderSplitAcrossRunsCarriesSettledBefore) {
  Fixture f;
  f.expected = {Expect(E::kTender, "ch_1", 10000, Day(18))};
  f.as_of = Day(19);
  f.payouts = {MakePayout("po_mon", {Line(K::kCharge, "txn_1a", "ch_1", 6000, 180, Day(19))})};
  const auto first = f.Run();
  EXPECT_EQ(first.match.expected[0].status, ExpectedStatus::kPartial);
  f.expected[0].settled_before_minor = first.match.expected[0].settled_minor;
  f.as_of = Day(20);
  f.payouts = {MakePayout("po_tue", {Line(K::kCharge, "txn_1b", "ch_1", 4000, 120, Day(20))})};
  const auto second = f.Run();
  EXPECT_TRUE(second.match.exceptions.empty());
  EXPECT_EQ(second.match.expected[0].status, ExpectedStatus::kSettled);
}

TEST(Settlement, RefundInALaterPayoutThanItsCharge) {
  Fixture f;
  f.expected = {Expect(E::kTender, "ch_1", 5000, Day(0)),
                Expect(E::kRefund, "re_1", -2000, Day(5))};
  f.payouts = {MakePayout("po_1", {Line(K::kCharge, "txn_1", "ch_1", 5000, 150, Day(1))}, Day(2)),
               MakePayout("po_2", {Line(K::kRefund, "txn_2", "re_1", -2000, 0, Day(6))}, Day(7))};
  const auto o = f.Run();
  EXPECT_TRUE(o.match.exceptions.empty());
  EXPECT_EQ(o.match.stats.matched_pass1, 2);
  const auto d2 = PostPayout(f.payouts[1], o.proofs[1], f.config);
  ASSERT_TRUE(d2.has_value());
  EXPECT_EQ(ByAccount((*d2)[0]),
            (std::map<std::string, std::int64_t>{{"1000", -2000}, {"1100", 2000}}));
}

TEST(Settlement, ReservesAndAdjustmentsAreTheirOwnLines) {
  Fixture f;
  f.expected = {Expect(E::kTender, "ch_1", 10000)};
  f.payouts = {MakePayout(
      "po_1", {Line(K::kCharge, "txn_1", "ch_1", 10000, 300), Line(K::kReserve, "txn_r", "", -2500),
               Line(K::kAdjustment, "txn_a", "", -100)})};
  const auto o = f.Run();
  EXPECT_TRUE(o.match.exceptions.empty());
  EXPECT_EQ(o.proofs[0].reserves, Usd(-2500));
  EXPECT_EQ(o.proofs[0].paid, Usd(7100));
  const auto d = PostPayout(f.payouts[0], o.proofs[0], f.config);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(Total((*d)[0]), 0);
}

TEST(Passes, ToleranceRuleMatchesWithoutReferenceAndRecordsTheRule) {
  Fixture f;
  f.config.rules = {MatchRule{.name = "cents", .amount_tolerance_minor = 2, .date_window_days = 3}};
  f.expected = {Expect(E::kTender, "ch_1", 1001, Day(0))};
  f.payouts = {MakePayout("po_1", {Line(K::kCharge, "txn_1", "", 1000, 30, Day(1))})};
  const auto o = f.Run();
  EXPECT_TRUE(o.match.exceptions.empty());
  EXPECT_EQ(o.match.Line(0, 0).pass, 2);
  EXPECT_EQ(o.match.rule_names[static_cast<std::size_t>(o.match.Line(0, 0).rule)], "cents");
}

TEST(Passes, AmbiguousToleranceMatchIsRaisedWithCandidates) {
  Fixture f;
  f.expected = {Expect(E::kTender, "ch_1", 1000, Day(0)), Expect(E::kTender, "ch_2", 1000, Day(0))};
  f.payouts = {MakePayout("po_1", {Line(K::kCharge, "txn_1", "", 1000, 30, Day(1))})};
  f.as_of = Day(2);
  const auto o = f.Run();
  const ExceptionRecord* e = Find(o, ReasonCode::kUnmatchedPayoutLine);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->candidates.size(), 2u);
}

TEST(Passes, OneLineSettlesTwoTendersOfAnOrder) {
  Fixture f;
  f.expected = {Expect(E::kTender, "ch_1", 700, Day(0), "ord_1"),
                Expect(E::kTender, "ch_2", 300, Day(0), "ord_1")};
  PayoutLine l = Line(K::kCharge, "txn_1", "", 1000, 30);
  l.order_reference = "ord_1";
  f.payouts = {MakePayout("po_1", {l})};
  f.config.rules.clear();
  const auto o = f.Run();
  EXPECT_TRUE(o.match.exceptions.empty());
  EXPECT_EQ(o.match.Line(0, 0).pass, 3);
  EXPECT_EQ(o.match.expected[1].status, ExpectedStatus::kSettled);
}

TEST(Reports, ClearingTiesOrShowsTheDifference) {
  Fixture f;
  f.expected = {Expect(E::kTender, "ch_1", 5000), Expect(E::kTender, "ch_2", 3000, Day(19)),
                Expect(E::kRefund, "re_1", -1000, Day(19))};
  f.payouts = {MakePayout("po_1", {Line(K::kCharge, "txn_1", "ch_1", 5000, 150)})};
  const auto o = f.Run();
  const std::vector<GatewayBalance> balances = {{"stripe", Usd(2000)}, {"square", Usd(10)}};
  const auto rep = BuildClearingReports(f.expected, o.match, balances, f.config);
  ASSERT_EQ(rep.size(), 2u);
  EXPECT_TRUE(rep[0].ties);
  EXPECT_EQ(rep[0].expected_balance, Usd(2000));
  EXPECT_FALSE(rep[1].ties);
  EXPECT_EQ(rep[1].difference, Usd(10));
}

TEST(Config, ParsesRulesAndAccounts) {
  const auto c = ReconcileConfig::Parse(R"(
[reconcile]
aging_days = 5
[[reconcile.rules]]
name = "cents"
amount_tolerance_minor = 2
amount_tolerance_ppm = 1000
date_window_days = 4
[reconcile.clearing]
square = "1102"
)");
  ASSERT_TRUE(c.has_value()) << c.error().ToString();
  EXPECT_EQ(c->aging_days, 5);
  ASSERT_EQ(c->rules.size(), 1u);
  EXPECT_EQ(c->rules[0].ToleranceFor(100000), 102);
  EXPECT_EQ(c->ClearingAccount("square"), "1102");
  EXPECT_EQ(c->ClearingAccount("stripe"), "1100");
  const auto bad = ReconcileConfig::Parse("[[reconcile.rules]]\namount_tolerance_minor = -1\n");
  EXPECT_FALSE(bad.has_value());
}

}  // namespace
}  // namespace hub::reconcile
