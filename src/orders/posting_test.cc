// Posting rules, one test per row of DESIGN.md §3 and issue #6: the exact
// journal lines (account, amount) each event produces, failure paths first.
// Every entry produced here is checked to balance per currency (Accumulate).
#include "orders/posting.h"

#include <gtest/gtest.h>

#include "orders/test_util_internal.h"

namespace hub::orders {
namespace {

using testing::Capture;
using testing::Fulfil;
using testing::JournalLines;
using testing::L;
using testing::Line;
using testing::Lines;
using testing::M;
using testing::MakeOrder;
using testing::MakeReturn;

class Posting : public ::testing::Test {
 protected:
  Posting() : engine_(testing::ShippedConfig()), processor_(book_, engine_) {}

  // Handles an event and returns the entries it posted (expects success).
  template <typename... Args>
  std::vector<ledger::EntryDraft> Post(const Args&... args) {
    auto p = processor_.Handle(args...);
    EXPECT_TRUE(p.has_value()) << (p ? "" : p.error().ToString());
    if (!p) {
      return {};
    }
    testing::Accumulate(p->posted.entries, balance_);
    last_flags_ = p->posted.flags;
    return p->posted.entries;
  }
  std::vector<ledger::EntryDraft> Pay(const std::string& order_id, const Tender& t) {
    return Post(order_id, t, L("shopify", t.tender_id));
  }
  static JournalLines Only(const std::vector<ledger::EntryDraft>& entries) {
    EXPECT_EQ(entries.size(), 1u);
    return entries.empty() ? JournalLines{} : Lines(entries[0]);
  }

  OrderBook book_;
  PostingEngine engine_;
  OrderProcessor processor_;
  std::map<std::string, std::int64_t> balance_;
  std::vector<std::string> last_flags_;
};

TEST_F(Posting, UnmappedGatewayIsNamedAndReplayableOnceMapped) {
  const Order o = MakeOrder("o1", {Line("L1", "JKT-01", 1, "100.00")}, "100.00");
  Post(o);
  const Tender klarna = Capture("T1", TenderKind::kCard, "klarna", "100.00");
  auto r = processor_.Handle(o.order_id, klarna, L("shopify", "T1"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnmapped);
  EXPECT_EQ(r.error().message, "no clearing account for gateway 'klarna'");
  EXPECT_EQ(r.error().field, "clearing.klarna");
  // The book did not move: the replay after mapping posts normally.
  EXPECT_TRUE(book_.Find("o1")->tenders.empty());
  PostingConfig mapped = testing::ShippedConfig();
  mapped.clearing["klarna"] = "1120";
  const PostingEngine engine(std::move(mapped));
  OrderProcessor replay(book_, engine);
  auto ok = replay.Handle(o.order_id, klarna, L("shopify", "T1"));
  ASSERT_TRUE(ok.has_value()) << ok.error().ToString();
  EXPECT_EQ(Only(ok->posted.entries), (JournalLines{{"1120", "100.00"}, {"2300", "-100.00"}}));
}

TEST_F(Posting, UnmappedCostLocationAndTaxCode) {
  Order o = MakeOrder("o1", {Line("L1", "HAT-09", 1, "10.00")}, "10.00");
  Post(o);
  auto r = processor_.Handle(Fulfil("F1", "o1", {{"L1", "HAT-09", 1}}));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnmapped);
  EXPECT_EQ(r.error().message, "no unit cost for sku 'HAT-09'");
  EXPECT_EQ(book_.Find("o1")->lines[0].fulfilled, 0);  // rolled back

  r = processor_.Handle(Fulfil("F2", "o1", {{"L1", "HAT-09", 1}}, "LA-09"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "unknown location 'LA-09'");

  PostingConfig strict = testing::ShippedConfig();
  strict.tax_default_account.clear();
  EXPECT_EQ(strict.TaxAccount("NY City Tax").error().message,
            "no account for tax code 'NY City Tax'");
}

TEST_F(Posting, SplitTenderCardGiftCardStoreCredit) {
  const Order o = MakeOrder("o1", {Line("L1", "JKT-01", 1, "100.00")}, "100.00");
  Post(o);
  EXPECT_EQ(Only(Pay("o1", Capture("T1", TenderKind::kCard, "shopify_payments", "50.00"))),
            (JournalLines{{"1100", "50.00"}, {"2300", "-50.00"}}));
  EXPECT_EQ(Only(Pay("o1", Capture("T2", TenderKind::kGiftCard, "shopify", "30.00"))),
            (JournalLines{{"2200", "30.00"}, {"2300", "-30.00"}}));
  EXPECT_EQ(Only(Pay("o1", Capture("T3", TenderKind::kStoreCredit, "", "20.00"))),
            (JournalLines{{"2400", "20.00"}, {"2300", "-20.00"}}));
  EXPECT_EQ(Only(Post(Fulfil("F1", "o1", {{"L1", "JKT-01", 1}}))),
            (JournalLines{
                {"2300", "100.00"}, {"4000", "-100.00"}, {"5000", "60.00"}, {"1300", "-60.00"}}));
  EXPECT_EQ(balance_["2300"], 0);
}

TEST_F(Posting, PartialShipmentsRecogniseRevenueProRata) {
  Order o = MakeOrder("o1", {Line("L1", "SCF-02", 3, "10.00", "2.90")}, "37.40");
  o.order_discounts.push_back(DiscountAllocation{"SALE", M("1.00")});
  ShippingLine ship{"Ground", M("5.00"), {}, {TaxLine{"US Sales Tax", 100000, M("0.50")}}};
  o.shipping.push_back(ship);
  Post(o);
  Pay("o1", Capture("T1", TenderKind::kCard, "stripe", "37.40"));
  // 1 of 3: net 29.00 x 1/3 = 9.67, tax 2.90 x 1/3 = 0.97; shipping with the first.
  EXPECT_EQ(Only(Post(Fulfil("F1", "o1", {{"L1", "SCF-02", 1}}))),
            (JournalLines{{"2300", "16.14"},
                          {"4000", "-9.67"},
                          {"4010", "-5.00"},
                          {"2100", "-1.47"},
                          {"5000", "12.00"},
                          {"1300", "-12.00"}}));
  EXPECT_EQ(book_.Find("o1")->status, OrderStatus::kPartlyFulfilled);
  // The remaining 2 of 3 take the rest, so the shipments sum to the order.
  EXPECT_EQ(Only(Post(Fulfil("F2", "o1", {{"L1", "SCF-02", 2}}))),
            (JournalLines{{"2300", "21.26"},
                          {"4000", "-19.33"},
                          {"2100", "-1.93"},
                          {"5000", "24.00"},
                          {"1300", "-24.00"}}));
  EXPECT_EQ(balance_["2300"], 0);
  EXPECT_EQ(balance_["4000"], -2900);
  EXPECT_EQ(book_.Find("o1")->status, OrderStatus::kFulfilled);
  // Shipping more than ordered is refused and changes nothing.
  auto over = processor_.Handle(Fulfil("F3", "o1", {{"L1", "SCF-02", 1}}));
  ASSERT_FALSE(over.has_value());
  EXPECT_EQ(over.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(over.error().field, "lines");
}

TEST_F(Posting, StorePickupCarriesTheStore) {
  Order o = MakeOrder("o1", {Line("L1", "JKT-01", 1, "120.00", "12.00")}, "132.00");
  o.fulfillment_method = FulfillmentMethod::kPickup;
  o.location_id = "NY-01";
  Post(o);
  Pay("o1", Capture("T1", TenderKind::kCard, "stripe", "132.00"));
  Fulfillment f = Fulfil("F1", "o1", {{"L1", "JKT-01", 1}}, "NY-01");
  f.kind = FulfillmentMethod::kPickup;
  const auto e = Post(f);
  EXPECT_EQ(Only(e), (JournalLines{{"2300", "132.00"},
                                   {"4000", "-120.00"},
                                   {"2100", "-12.00"},
                                   {"5000", "60.00"},
                                   {"1300", "-60.00"}}));
  for (const ledger::Posting& p : e[0].postings) {
    EXPECT_EQ(p.dims.location, "NY-01");
    EXPECT_EQ(p.dims.order_id, "o1");
  }
}

TEST_F(Posting, TaxExemptOrderPostsNoTax) {
  Post(MakeOrder("o1", {Line("L1", "JKT-01", 2, "120.00")}, "240.00"));
  Pay("o1", Capture("T1", TenderKind::kCard, "stripe", "240.00"));
  EXPECT_EQ(Only(Post(Fulfil("F1", "o1", {{"L1", "JKT-01", 2}}))),
            (JournalLines{
                {"2300", "240.00"}, {"4000", "-240.00"}, {"5000", "120.00"}, {"1300", "-120.00"}}));
}

TEST_F(Posting, OrderPromotionAllocatedAndHonouredOnPartialReturn) {
  // 25.00 off the order: weights 200.00 / 50.00 -> 20.00 / 5.00.
  Order o = MakeOrder("o1", {Line("L1", "JKT-01", 2, "100.00"), Line("L2", "SCF-02", 1, "50.00")},
                      "225.00");
  o.order_discounts.push_back(DiscountAllocation{"SPRING", M("25.00")});
  Post(o);
  EXPECT_EQ(book_.Find("o1")->lines[0].net, M("180.00"));
  EXPECT_EQ(book_.Find("o1")->lines[1].net, M("45.00"));
  Pay("o1", Capture("T1", TenderKind::kCard, "stripe", "225.00"));
  EXPECT_EQ(Only(Post(Fulfil("F1", "o1", {{"L1", "JKT-01", 2}, {"L2", "SCF-02", 1}}))),
            (JournalLines{
                {"2300", "225.00"}, {"4000", "-225.00"}, {"5000", "132.00"}, {"1300", "-132.00"}}));
  // One jacket back: half of the discounted 180.00, not 100.00.
  EXPECT_EQ(
      Only(Post(MakeReturn("R1", "o1", {{"L1", "JKT-01", 1, true, "fit"}}))),
      (JournalLines{{"4100", "90.00"}, {"1100", "-90.00"}, {"1300", "60.00"}, {"5000", "-60.00"}}));
}

TEST_F(Posting, ReturnWithReceiptRefundsCardFirstThenGiftCard) {
  Post(MakeOrder("o1", {Line("L1", "JKT-01", 1, "100.00", "10.00")}, "110.00"));
  Pay("o1", Capture("T-GC", TenderKind::kGiftCard, "gift_card", "70.00"));
  Pay("o1", Capture("T-CARD", TenderKind::kCard, "stripe", "40.00"));
  Post(Fulfil("F1", "o1", {{"L1", "JKT-01", 1}}));
  const auto e = Post(MakeReturn("R1", "o1", {{"L1", "JKT-01", 1, false, "damaged"}}));
  EXPECT_EQ(Only(e), (JournalLines{{"4100", "100.00"},
                                   {"2100", "10.00"},
                                   {"2200", "-70.00"},
                                   {"1100", "-40.00"},
                                   {"6200", "60.00"},
                                   {"5000", "-60.00"}}));
  // Card first: the gift card line is the second tender but gets the rest.
  const OrderRecord* r = book_.Find("o1");
  EXPECT_EQ(r->FindTender("T-CARD")->refunded, M("40.00"));
  EXPECT_EQ(r->FindTender("T-GC")->refunded, M("70.00"));
  EXPECT_EQ(r->status, OrderStatus::kReturned);
  // Nothing fulfilled is left to return.
  auto again = processor_.Handle(MakeReturn("R2", "o1", {{"L1", "JKT-01", 1, true, ""}}));
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(Posting, ReturnWithoutReceiptGivesStoreCreditAtLowestRecentPriceFlagged) {
  Order full = MakeOrder("o1", {Line("L1", "SCF-02", 1, "30.00")}, "30.00");
  Post(full);
  Order discounted = MakeOrder("o2", {Line("L1", "SCF-02", 1, "30.00")}, "27.00");
  discounted.order_discounts.push_back(DiscountAllocation{"TENOFF", M("3.00")});
  Post(discounted);
  Return r = MakeReturn("R9", "", {{"", "SCF-02", 1, true, "no receipt"}});
  const auto e = Post(r);
  EXPECT_EQ(
      Only(e),
      (JournalLines{{"4100", "27.00"}, {"2400", "-27.00"}, {"1300", "12.00"}, {"5000", "-12.00"}}));
  EXPECT_EQ(last_flags_, std::vector<std::string>{"no_receipt_lowest_price"});
  EXPECT_NE(e[0].description.find("[flagged]"), std::string::npos);
  // Out of the look-back window there is no price: a business exception.
  r.return_id = "R10";
  r.occurred_at = Instant::FromSeconds(1'790'000'000 + 91 * 86'400);
  auto late = processor_.Handle(r);
  ASSERT_FALSE(late.has_value());
  EXPECT_EQ(late.error().code, ErrorCode::kUnmapped);
  EXPECT_EQ(late.error().field, "prices.SCF-02");
  // ... and the failed attempt left no trace: the same return can be replayed.
  r.occurred_at = Instant::FromSeconds(1'790'500'000);
  EXPECT_EQ(Post(r).size(), 1u);
}

TEST_F(Posting, CancellationBeforeFulfilmentReturnsTheDeposit) {
  Post(MakeOrder("o1", {Line("L1", "JKT-01", 1, "100.00")}, "100.00"));
  Pay("o1", Capture("T1", TenderKind::kCard, "stripe", "60.00"));
  Pay("o1", Capture("T2", TenderKind::kCash, "cash", "40.00"));
  const auto e = Post(Cancellation{"o1", "customer request", Instant::FromSeconds(1'790'001'000),
                                   L("shopify", "cx-1")});
  EXPECT_EQ(
      Only(e),
      (JournalLines{{"2300", "60.00"}, {"1100", "-60.00"}, {"2300", "40.00"}, {"1010", "-40.00"}}));
  EXPECT_EQ(e[0].idempotency_key, "cancellation:o1");
  EXPECT_EQ(balance_["2300"], 0);
  EXPECT_EQ(book_.Find("o1")->status, OrderStatus::kCancelled);
  auto f = processor_.Handle(Fulfil("F1", "o1", {{"L1", "JKT-01", 1}}));
  ASSERT_FALSE(f.has_value());
  EXPECT_EQ(f.error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(Posting, GiftCardSoldThenRedeemed) {
  GiftCard gc;
  gc.gift_card_id = "GC-1";
  gc.activity = GiftCardActivityKind::kActivate;
  gc.amount = M("25.00");
  gc.location_id = "SF-01";
  gc.paid_with = TenderKind::kCard;
  gc.gateway = "stripe";
  gc.lineage = L("square", "gca-9");
  auto sold = engine_.PostGiftCard(gc);
  ASSERT_TRUE(sold.has_value()) << sold.error().ToString();
  EXPECT_EQ(Only(sold->entries), (JournalLines{{"1100", "25.00"}, {"2200", "-25.00"}}));
  EXPECT_EQ(sold->entries[0].idempotency_key, "gift_card:gca-9:activate");
  testing::Accumulate(sold->entries, balance_);
  // A redemption activity posts nothing: the order's tender does.
  gc.activity = GiftCardActivityKind::kRedeem;
  EXPECT_TRUE(engine_.PostGiftCard(gc)->entries.empty());

  Post(MakeOrder("o1", {Line("L1", "SCF-02", 1, "25.00")}, "25.00"));
  Tender redeem = Capture("T1", TenderKind::kGiftCard, "gift_card", "25.00");
  redeem.gift_card_id = "GC-1";
  EXPECT_EQ(Only(Pay("o1", redeem)), (JournalLines{{"2200", "25.00"}, {"2300", "-25.00"}}));
  EXPECT_EQ(balance_["2200"], 0);

  // A gift card sold as an order line is a liability at hand-over, no revenue, no cost.
  Order web = MakeOrder("o2", {Line("L1", "GIFT-50", 1, "50.00")}, "50.00");
  web.lines[0].gift_card = true;
  Post(web);
  Pay("o2", Capture("T2", TenderKind::kCard, "stripe", "50.00"));
  EXPECT_EQ(Only(Post(Fulfil("F1", "o2", {{"L1", "GIFT-50", 1}}))),
            (JournalLines{{"2300", "50.00"}, {"2200", "-50.00"}}));
}

// A payout notice without its settlement lines (Stripe's payout.paid
// webhook) posts nothing: the fee split arrives with the lines.
TEST_F(Posting, PayoutWithoutLinesWaitsForItsLines) {
  Payout notice;
  notice.payout_id = "po_1";
  notice.gateway = "stripe";
  notice.amount = M("65.64");
  auto paid = engine_.PostPayout(notice);
  ASSERT_TRUE(paid.has_value()) << paid.error().ToString();
  EXPECT_TRUE(paid->entries.empty());
}

TEST_F(Posting, MarketplaceOrderWithCommissionAndMarketplaceCollectedTax) {
  Order o = MakeOrder("amz-1", {Line("L1", "JKT-01", 1, "100.00", "8.00")}, "108.00");
  o.channel = Channel::kMarketplace;
  o.marketplace_collects_tax = true;
  Post(o);
  EXPECT_TRUE(Pay("amz-1", Capture("T1", TenderKind::kMarketplace, "amazon", "108.00")).empty());
  EXPECT_EQ(Only(Post(Fulfil("F1", "amz-1", {{"L1", "JKT-01", 1}}))),
            (JournalLines{
                {"1150", "100.00"}, {"4000", "-100.00"}, {"5000", "60.00"}, {"1300", "-60.00"}}));
  Payout settlement;
  settlement.payout_id = "amz-settle-1";
  settlement.gateway = "amazon";
  settlement.amount = M("85.00");
  settlement.lines.push_back(PayoutLine{"r1",
                                        PayoutLineKind::kCharge,
                                        "amz-1",
                                        "amz-1",
                                        M("100.00"),
                                        M("0.00"),
                                        M("100.00"),
                                        "principal",
                                        {}});
  settlement.lines.push_back(PayoutLine{"r2",
                                        PayoutLineKind::kCommission,
                                        "amz-1",
                                        "amz-1",
                                        M("-15.00"),
                                        M("0.00"),
                                        M("-15.00"),
                                        "referral fee",
                                        {}});
  auto paid = engine_.PostPayout(settlement);
  ASSERT_TRUE(paid.has_value()) << paid.error().ToString();
  EXPECT_EQ(Only(paid->entries),
            (JournalLines{{"1000", "85.00"}, {"6110", "15.00"}, {"1150", "-100.00"}}));
  testing::Accumulate(paid->entries, balance_);
  EXPECT_EQ(balance_["1150"], 0);

  // When the seller remits the tax, the receivable includes it.
  Order own_tax = MakeOrder("amz-2", {Line("L1", "JKT-01", 1, "100.00", "8.00")}, "108.00");
  own_tax.channel = Channel::kMarketplace;
  Post(own_tax);
  EXPECT_EQ(Only(Post(Fulfil("F2", "amz-2", {{"L1", "JKT-01", 1}}))),
            (JournalLines{{"1150", "108.00"},
                          {"4000", "-100.00"},
                          {"2100", "-8.00"},
                          {"5000", "60.00"},
                          {"1300", "-60.00"}}));
  // A settlement whose lines do not add up is refused.
  settlement.amount = M("86.00");
  EXPECT_EQ(engine_.PostPayout(settlement).error().code, ErrorCode::kAmountMismatch);
}

TEST_F(Posting, ChargebackLostAndWonWithDisputeFee) {
  Dispute d;
  d.dispute_id = "dp_1";
  d.gateway = "stripe";
  d.charge_reference = "ch_1";
  d.amount = M("98.50");
  d.fee = M("15.00");
  d.status = "needs_response";
  d.lineage = L("stripe", "dp_1");
  const JournalLines opened = {{"6120", "98.50"}, {"6100", "15.00"}, {"1100", "-113.50"}};
  const auto first = Post(d);
  EXPECT_EQ(Only(first), opened);
  EXPECT_EQ(first[0].idempotency_key, "dispute:dp_1");
  // Lost: the loss is already booked; the same key and content is an idempotent repeat.
  d.status = "lost";
  auto lost = engine_.PostDispute(d, nullptr);
  ASSERT_TRUE(lost.has_value());
  EXPECT_EQ(lost->entries[0].idempotency_key, "dispute:dp_1");
  EXPECT_EQ(Lines(lost->entries[0]), opened);

  // Won (another dispute): the exact reversal.
  d.dispute_id = "dp_2";
  d.status = "needs_response";
  Post(d);
  d.status = "won";
  const auto won = Post(d);
  EXPECT_EQ(Only(won), (JournalLines{{"1100", "113.50"}, {"6120", "-98.50"}, {"6100", "-15.00"}}));
  EXPECT_EQ(won[0].reverses_entry_id, "dispute:dp_2");
  EXPECT_EQ(balance_["6120"], 9850);  // dp_1 lost, dp_2 won
  EXPECT_EQ(balance_["6100"], 1500);
}

TEST_F(Posting, MultiCurrencyPresentmentPostsShopCurrencyWithPresentmentMemo) {
  Order o = MakeOrder("o1", {Line("L1", "JKT-01", 1, "108.00")}, "108.00");
  o.presentment_currency = *Currency::FromCode("EUR");
  Post(o);
  Tender t = Capture("T1", TenderKind::kCard, "stripe", "108.00");
  t.presentment_amount = M("100.00", "EUR");
  const auto e = Pay("o1", t);
  EXPECT_EQ(Only(e), (JournalLines{{"1100", "108.00"}, {"2300", "-108.00"}}));
  for (const ledger::Posting& p : e[0].postings) {
    EXPECT_EQ(p.amount.currency().code(), "USD");
    EXPECT_NE(p.memo.find("presentment 100.00 EUR"), std::string::npos) << p.memo;
  }
  // A tender in another currency than the order's is refused.
  Tender eur = Capture("T2", TenderKind::kCard, "stripe", "1.00");
  eur.amount = M("1.00", "EUR");
  auto bad = processor_.Handle("o1", eur, L("shopify", "T2"));
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kCurrencyMismatch);
}

TEST_F(Posting, RefundWithoutLinesBeforeFulfilmentAndVoidAfterCapture) {
  Post(MakeOrder("o1", {Line("L1", "JKT-01", 1, "100.00")}, "100.00"));
  Pay("o1", Capture("T1", TenderKind::kCard, "stripe", "100.00"));
  Refund r;
  r.refund_id = "RF1";
  r.order_id = "o1";
  r.amount = M("10.00");
  r.lineage = L("shopify", "RF1");
  EXPECT_EQ(Only(Post(r)), (JournalLines{{"2300", "10.00"}, {"1100", "-10.00"}}));
  Tender v = Capture("T1", TenderKind::kCard, "stripe", "100.00");
  v.status = "voided";
  EXPECT_EQ(Only(Pay("o1", v)), (JournalLines{{"2300", "90.00"}, {"1100", "-90.00"}}));
  EXPECT_EQ(balance_["2300"], 0);
}

TEST(PostingConfigLoad, ErrorsNameKeyAndLine) {
  const std::string_view bad_cost = R"(
[accounts]
bank = "1000"
)";
  auto r = PostingConfig::Parse(bad_cost, "t.toml");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kParse);
  EXPECT_NE(r.error().message.find("accounts.marketplace_receivable"), std::string::npos)
      << r.error().message;

  auto text = testing::ReadAll(testing::PostingTomlPath());
  const std::string duplicate = text + "\n[costs.unit]\n";  // a TOML syntax error
  r = PostingConfig::Parse(duplicate, "t.toml");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("line"), std::string::npos) << r.error().message;

  std::string float_cost = text;
  const std::string jacket = "\"JKT-01\" = \"60.00\"";
  float_cost.replace(float_cost.find(jacket), jacket.size(), "\"JKT-01\" = 60.0");
  r = PostingConfig::Parse(float_cost, "t.toml");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("costs.unit.JKT-01 (line "), std::string::npos)
      << r.error().message;

  std::string bad_rule = text + "\n[[rules]]\nevent = \"fulfilment\"\ndebit = \"2300\"\n";
  r = PostingConfig::Parse(bad_rule, "t.toml");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("unknown event 'fulfilment'"), std::string::npos)
      << r.error().message;
}

}  // namespace
}  // namespace hub::orders
