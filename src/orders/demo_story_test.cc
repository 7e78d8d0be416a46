// The demo story (issue #6, acceptance): a gift card sold for cash, a Shopify
// pickup order with a discount code paid by gift card and Stripe card, the
// pickup, a scarf returned with receipt, and the Stripe payout. Asserts each
// entry's exact lines and the resulting trial balance, through the same
// OrderProcessor the bus handler uses.
#include <gtest/gtest.h>

#include "orders/test_util_internal.h"

namespace hub::orders {
namespace {

using testing::Capture;
using testing::JournalLines;
using testing::L;
using testing::Lines;
using testing::M;

class DemoStory : public ::testing::Test {
 protected:
  DemoStory() : engine_(testing::ShippedConfig()), processor_(book_, engine_) {}

  std::vector<ledger::EntryDraft> Take(Result<Processed> p) {
    EXPECT_TRUE(p.has_value()) << (p ? "" : p.error().ToString());
    if (!p) {
      return {};
    }
    EXPECT_EQ(p->outcome, Applied::kApplied);
    testing::Accumulate(p->posted.entries, balance_);
    return p->posted.entries;
  }

  OrderBook book_;
  PostingEngine engine_;
  OrderProcessor processor_;
  std::map<std::string, std::int64_t> balance_;
};

TEST_F(DemoStory, FromGiftCardSaleToPayout) {
  // (1) Gift card 50.00 sold for cash at SF-01.
  GiftCard gc;
  gc.gift_card_id = "GC-5000";
  gc.activity = GiftCardActivityKind::kActivate;
  gc.amount = M("50.00");
  gc.location_id = "SF-01";
  gc.paid_with = TenderKind::kCash;
  gc.gateway = "cash";
  gc.occurred_at = Instant::FromSeconds(1'789'900'000);
  gc.lineage = L("square", "gca-1");
  auto sold = engine_.PostGiftCard(gc);
  ASSERT_TRUE(sold.has_value()) << sold.error().ToString();
  ASSERT_EQ(sold->entries.size(), 1u);
  EXPECT_EQ(Lines(sold->entries[0]), (JournalLines{{"1010", "50.00"}, {"2200", "-50.00"}}));
  testing::Accumulate(sold->entries, balance_);

  // (2) Shopify order for pickup at SF-01; 10% code allocated 12.00 / 3.00.
  Order order = testing::MakeOrder("shopify:demo:1001",
                                   {testing::Line("L1", "JKT-01", 1, "120.00", "10.80"),
                                    testing::Line("L2", "SCF-02", 1, "30.00", "2.70")},
                                   "148.50");
  order.location_id = "SF-01";
  order.fulfillment_method = FulfillmentMethod::kPickup;
  order.customer_source_id = "shopify-cust-77";
  order.order_discounts.push_back(DiscountAllocation{"WELCOME10", M("15.00")});
  EXPECT_TRUE(Take(processor_.Handle(order)).empty());  // placing posts nothing
  const OrderRecord* rec = book_.Find(order.order_id);
  ASSERT_NE(rec, nullptr);
  EXPECT_EQ(rec->lines[0].net, M("108.00"));
  EXPECT_EQ(rec->lines[1].net, M("27.00"));
  EXPECT_EQ(rec->status, OrderStatus::kPlaced);

  Tender gift = Capture("T-GC", TenderKind::kGiftCard, "gift_card", "50.00");
  gift.gift_card_id = "GC-5000";
  auto e = Take(processor_.Handle(order.order_id, gift, L("shopify", "T-GC")));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(Lines(e[0]), (JournalLines{{"2200", "50.00"}, {"2300", "-50.00"}}));
  EXPECT_EQ(book_.Find(order.order_id)->status, OrderStatus::kPartlyPaid);

  const Tender card = Capture("T-CARD", TenderKind::kCard, "stripe", "98.50");
  e = Take(processor_.Handle(order.order_id, card, L("shopify", "T-CARD")));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(Lines(e[0]), (JournalLines{{"1100", "98.50"}, {"2300", "-98.50"}}));
  EXPECT_EQ(e[0].idempotency_key, "capture:T-CARD");
  EXPECT_EQ(book_.Find(order.order_id)->status, OrderStatus::kPaid);

  // (3) Pickup of both at SF-01.
  Fulfillment pickup =
      testing::Fulfil("F-1", order.order_id, {{"L1", "JKT-01", 1}, {"L2", "SCF-02", 1}}, "SF-01");
  pickup.kind = FulfillmentMethod::kPickup;
  e = Take(processor_.Handle(pickup));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(Lines(e[0]), (JournalLines{{"2300", "148.50"},
                                       {"4000", "-135.00"},
                                       {"2100", "-13.50"},
                                       {"5000", "72.00"},
                                       {"1300", "-72.00"}}));
  EXPECT_EQ(e[0].idempotency_key, "fulfillment:F-1");
  EXPECT_EQ(e[0].source_system, "shopify");
  EXPECT_EQ(e[0].message_id, "msg-F-1");
  EXPECT_EQ(e[0].correlation_id, "corr-F-1");
  const ledger::Dimensions& dims = e[0].postings[0].dims;
  EXPECT_EQ(dims.order_id, order.order_id);
  EXPECT_EQ(dims.channel, "web");
  EXPECT_EQ(dims.location, "SF-01");
  EXPECT_EQ(dims.customer, "shopify-cust-77");
  EXPECT_EQ(book_.Find(order.order_id)->status, OrderStatus::kFulfilled);

  // (4) The scarf comes back with receipt, restocked; 29.70 to the card.
  e = Take(processor_.Handle(
      testing::MakeReturn("R-1", order.order_id, {{"L2", "SCF-02", 1, true, "too small"}})));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(Lines(e[0]), (JournalLines{{"4100", "27.00"},
                                       {"2100", "2.70"},
                                       {"1100", "-29.70"},
                                       {"1300", "12.00"},
                                       {"5000", "-12.00"}}));
  EXPECT_EQ(book_.Find(order.order_id)->status, OrderStatus::kPartlyReturned);
  // Shopify's refund for that return posts nothing more.
  Refund refund;
  refund.refund_id = "RF-1";
  refund.order_id = order.order_id;
  refund.return_id = "R-1";
  refund.amount = M("29.70");
  refund.lineage = L("shopify", "RF-1");
  EXPECT_TRUE(Take(processor_.Handle(refund)).empty());

  // (5) Stripe payout: charge 98.50 fee 3.16, refund -29.70, net 65.64.
  Payout payout;
  payout.payout_id = "po_1";
  payout.gateway = "stripe";
  payout.amount = M("65.64");
  payout.lines.push_back(PayoutLine{"txn_1",
                                    PayoutLineKind::kCharge,
                                    "ch_1",
                                    order.order_id,
                                    M("98.50"),
                                    M("3.16"),
                                    M("95.34"),
                                    "charge",
                                    {}});
  payout.lines.push_back(PayoutLine{"txn_2",
                                    PayoutLineKind::kRefund,
                                    "re_1",
                                    order.order_id,
                                    M("-29.70"),
                                    M("0.00"),
                                    M("-29.70"),
                                    "refund",
                                    {}});
  payout.lineage = L("stripe", "po_1");
  auto paid = engine_.PostPayout(payout);
  ASSERT_TRUE(paid.has_value()) << paid.error().ToString();
  ASSERT_EQ(paid->entries.size(), 1u);
  EXPECT_EQ(Lines(paid->entries[0]),
            (JournalLines{{"1000", "65.64"}, {"6100", "3.16"}, {"1100", "-68.80"}}));
  testing::Accumulate(paid->entries, balance_);

  // Trial balance (debit - credit).
  const std::map<std::string, std::int64_t> expected = {
      {"1000", 6564},  {"1010", 5000}, {"1100", 0},  {"1300", -6000},
      {"2100", -1080}, {"2200", 0},    {"2300", 0},  {"4000", -13500},
      {"4100", 2700},  {"5000", 6000}, {"6100", 316}};
  EXPECT_EQ(balance_, expected);
}

}  // namespace
}  // namespace hub::orders
