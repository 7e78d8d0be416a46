// Contract: the real payout fixtures reconcile or raise the right exception.
// Shopify goes through the Shopify connector (payouts_transactions.json, with
// its chargeback row). Stripe is hand-built, mirroring
// fixtures3_2017-09-15_retail_subset.json: the connector reports the txn
// whose fee (0) disagrees with fee_details (175) as kAmountMismatch, so the
// caller passes it in as a LineIssue and it must come out as fee_mismatch.
// Skips with a message when RETAILHUB_SHARED is absent.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <boost/json.hpp>

#include "connectors/shopify/shopify.h"
#include "core/model_json.h"
#include "reconcile/engine.h"
#include "reconcile/test_util_internal.h"

namespace hub::reconcile {
namespace {

using testing::Usd;

std::optional<std::string> ReadFixture(const std::string& rel) {
  const char* shared = std::getenv("RETAILHUB_SHARED");
  if (shared == nullptr) {
    return std::nullopt;
  }
  std::ifstream in(std::filesystem::path(shared) / "fixtures" / rel);
  if (!in) {
    return std::nullopt;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(Contract, ShopifyPayoutTransactionsCloseAndPostTheChargeback) {
  const auto body = ReadFixture("shopify/payouts_transactions.json");
  if (!body) {
    GTEST_SKIP() << "RETAILHUB_SHARED/fixtures/shopify/payouts_transactions.json not found";
  }
  Delivery d;
  d.source = "shopify";
  d.account = "shop.example";
  d.topic = "payouts/transactions";
  d.body = *body;
  // The connector refuses the whole file: row 758509248 has amount −1.50,
  // fee −0.25, net −1.75 (−1.50 − −0.25 ≠ −1.75). The reconciler must see it
  // as fee_mismatch and a residual, so the payout is rebuilt from the rows
  // here, the way the connector maps them, and the row is passed through.
  const auto events = ShopifyConnector().Translate(d);
  ASSERT_FALSE(events.has_value());
  EXPECT_EQ(events.error().code, ErrorCode::kAmountMismatch);
  EXPECT_NE(events.error().message.find("758509248"), std::string::npos);
  auto payout = std::make_optional<Payout>();
  payout->gateway = "shopify_payments";
  payout->status = "paid";
  payout->amount = Usd(0);
  const std::map<std::string, PayoutLineKind> kinds = {
      {"charge", PayoutLineKind::kCharge},         {"refund", PayoutLineKind::kRefund},
      {"dispute", PayoutLineKind::kDispute},       {"reserve", PayoutLineKind::kReserve},
      {"adjustment", PayoutLineKind::kAdjustment}, {"credit", PayoutLineKind::kAdjustment},
      {"debit", PayoutLineKind::kAdjustment},      {"payout", PayoutLineKind::kPayout}};
  const boost::json::value doc = boost::json::parse(*body);
  for (const boost::json::value& row : doc.at("transactions").as_array()) {
    const auto str = [&](std::string_view k) -> std::string {
      const boost::json::value& v = row.at(k);
      return v.is_string() ? std::string(v.as_string())
             : v.is_null() ? ""
                           : boost::json::serialize(v);
    };
    PayoutLine l;
    l.line_id = str("id");
    l.kind = kinds.at(str("type"));
    l.source_reference = str("source_id");
    l.gross = *Money::Parse(str("amount"), "USD");
    l.fee = *Money::Parse(str("fee"), "USD");
    l.net = *Money::Parse(str("net"), "USD");
    l.occurred_at = *ParseRfc3339(str("processed_at"));
    payout->payout_id = str("payout_id");
    if (l.kind == PayoutLineKind::kPayout) {
      payout->amount = Money(-l.net.minor_units(), l.net.currency());
      payout->arrival_at = l.occurred_at;
    }
    payout->lines.push_back(std::move(l));
  }
  EXPECT_EQ(payout->amount, Usd(4190));
  const std::vector<LineIssue> issues = {{payout->payout_id, "758509248", events.error().message}};

  // What the hub has seen: each charge row's transaction, each refund, the dispute.
  std::vector<ExpectedItem> expected;
  for (const PayoutLine& l : payout->lines) {
    const Instant at{l.occurred_at.micros - testing::kDay};
    if (l.kind == PayoutLineKind::kCharge && l.source_reference == l.line_id) {
      expected.push_back(testing::Expect(ExpectedKind::kTender, l.line_id, l.gross.minor_units(),
                                         at, {}, payout->gateway));
    } else if (l.kind == PayoutLineKind::kRefund && l.source_reference == l.line_id) {
      expected.push_back(testing::Expect(ExpectedKind::kRefund, l.line_id, l.gross.minor_units(),
                                         at, {}, payout->gateway));
    } else if (l.kind == PayoutLineKind::kDispute) {
      expected.push_back(testing::Expect(ExpectedKind::kDispute, l.source_reference,
                                         l.gross.minor_units(), at, {}, payout->gateway));
    }
  }
  const std::vector<Payout> payouts = {*payout};
  const ReconcileInput in{payouts, expected, {}, false, issues, payout->arrival_at};
  const auto out = Reconcile(in, ReconcileConfig::Defaults());
  ASSERT_TRUE(out.has_value());
  // The sample does not close: its rows net to 81.38 (Σ amount − fee = 81.88)
  // while the payout row pays 41.90. Exactly one residual (−39.98), the
  // inconsistent row is fee_mismatch; neither is accepted, so nothing posts.
  EXPECT_FALSE(out->proofs[0].closes);
  EXPECT_EQ(out->proofs[0].residual, Usd(-3998));
  EXPECT_EQ(out->proofs[0].reserves, Usd(0));  // −42.00 held and +42.00 released
  std::multiset<ReasonCode> reasons;
  for (const ExceptionRecord& e : out->match.exceptions) {
    reasons.insert(e.reason);
  }
  EXPECT_EQ(reasons.count(ReasonCode::kFeeMismatch), 1u);
  EXPECT_EQ(reasons.count(ReasonCode::kPayoutResidual), 1u);
  // Rows whose source is another transaction (a refund row naming a charge,
  // a charge row naming a refund or an unseen charge) are not guessed.
  EXPECT_EQ(reasons.size(), 2u + reasons.count(ReasonCode::kUnknownReference));
  EXPECT_FALSE(PostPayout(*payout, out->proofs[0], ReconcileConfig::Defaults()).has_value());
  // The chargeback row itself is matched to its dispute by reference.
  for (std::size_t i = 0; i < payout->lines.size(); ++i) {
    if (payout->lines[i].kind == PayoutLineKind::kDispute) {
      EXPECT_EQ(out->match.Line(0, i).status, LineStatus::kMatched);
    }
  }
}

TEST(Contract, StripeFeeDisagreeingWithFeeDetailsIsReportedNotAccepted) {
  if (!ReadFixture("stripe/fixtures3_2017-09-15_retail_subset.json")) {
    GTEST_SKIP() << "RETAILHUB_SHARED/fixtures/stripe fixtures not found";
  }
  using testing::Line;
  // txn_19zuuh…: charge 1.00, fee 0, fee_details [1.75]; the dispute's
  // withdrawal txn_1AsQdB…: −15.00, fee 15.00, net −30.00, source dp_1AsQdB…
  // while the dispute object is dp_19zuuh… for 10.00 on ch_19zuuh….
  std::vector<Payout> payouts = {testing::MakePayout(
      "po_stripe", {Line(PayoutLineKind::kCharge, "txn_19zuuhDSlTMT26Mk2gJnG0ti",
                         "ch_19zuuhDSlTMT26MkKLSiekJ9", 100, 0),
                    Line(PayoutLineKind::kDispute, "txn_1AsQdB2eZvKYlo2CKLlN9j4S",
                         "dp_1AsQdB2eZvKYlo2C3RtNBBlX", -1500, 1500)})};
  ExpectedItem dispute = testing::Expect(ExpectedKind::kDispute, "dp_19zuuhDSlTMT26Mkp7PHaa4O",
                                         -1000, testing::Day(0));
  dispute.alias = "ch_19zuuhDSlTMT26MkKLSiekJ9";
  const std::vector<ExpectedItem> expected = {
      testing::Expect(ExpectedKind::kTender, "ch_19zuuhDSlTMT26MkKLSiekJ9", 100), dispute};
  const std::vector<LineIssue> issues = {
      {"po_stripe", "txn_19zuuhDSlTMT26Mk2gJnG0ti",
       "balance transaction fee 0.00 but fee_details sum to 1.75"}};
  const ReconcileInput in{payouts, expected, {}, false, issues, testing::Day(20)};
  const auto out = Reconcile(in, ReconcileConfig::Defaults());
  ASSERT_TRUE(out.has_value());
  std::multiset<ReasonCode> reasons;
  for (const ExceptionRecord& e : out->match.exceptions) {
    reasons.insert(e.reason);
  }
  EXPECT_EQ(reasons,
            (std::multiset<ReasonCode>{ReasonCode::kFeeMismatch, ReasonCode::kUnknownReference,
                                       ReasonCode::kTenderNotSettled}));
  EXPECT_FALSE(PostPayout(payouts[0], out->proofs[0], ReconcileConfig::Defaults()).has_value());
}

}  // namespace
}  // namespace hub::reconcile
