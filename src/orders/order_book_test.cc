// OrderBook: ordering (stale updates, duplicates, missing predecessors), the
// state machine, the timeline and the JSON state round trip.
#include "orders/order_book.h"

#include <gtest/gtest.h>

#include "orders/test_util_internal.h"

namespace hub::orders {
namespace {

using testing::Capture;
using testing::Fulfil;
using testing::L;
using testing::Line;
using testing::M;
using testing::MakeOrder;

TEST(OrderBook, FulfilmentBeforeOrderNeedsPredecessor) {
  OrderBook book;
  auto r = book.ApplyFulfillment(Fulfil("F1", "o-missing", {{"L1", "JKT-01", 1}}));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(r.error().field, "predecessor");
  Refund refund;
  refund.refund_id = "RF1";
  refund.order_id = "o-missing";
  EXPECT_EQ(book.ApplyRefund(refund).error().field, "predecessor");
  EXPECT_EQ(book.Require("o-missing").error().field, "predecessor");
  EXPECT_EQ(book.size(), 0u);
}

TEST(OrderBook, StaleUpdateIgnoredAndCounted) {
  OrderBook book;
  Order v2 = MakeOrder("o1", {Line("L1", "JKT-01", 2, "100.00")}, "200.00");
  v2.updated_at = Instant::FromSeconds(2000);
  v2.lineage.source_version = "2";
  ASSERT_EQ(book.ApplyOrder(v2).value(), Applied::kApplied);
  Order v1 = MakeOrder("o1", {Line("L1", "JKT-01", 1, "100.00")}, "100.00");
  v1.updated_at = Instant::FromSeconds(1000);
  v1.lineage.source_version = "1";
  EXPECT_EQ(book.ApplyOrder(v1).value(), Applied::kStale);
  EXPECT_EQ(book.stale_ignored(), 1);
  EXPECT_EQ(book.Find("o1")->lines[0].quantity, 2);  // v2 stays
  // Same instant, lower numeric version ("9" < "10") is stale too.
  Order v10 = v2;
  v10.lineage.source_version = "10";
  EXPECT_EQ(book.ApplyOrder(v10).value(), Applied::kApplied);
  Order v9 = v2;
  v9.lineage.source_version = "9";
  EXPECT_EQ(book.ApplyOrder(v9).value(), Applied::kStale);
  EXPECT_EQ(book.stale_ignored(), 2);
  // The very same version again is a duplicate, not stale.
  EXPECT_EQ(book.ApplyOrder(v10).value(), Applied::kDuplicate);
  EXPECT_EQ(book.duplicates_ignored(), 1);
}

TEST(OrderBook, LifecycleAndTimeline) {
  OrderBook book;
  Order o = MakeOrder("o1", {Line("L1", "JKT-01", 2, "100.00")}, "200.00");
  ASSERT_TRUE(book.ApplyOrder(o).has_value());
  EXPECT_EQ(book.Find("o1")->status, OrderStatus::kPlaced);
  ASSERT_TRUE(book.ApplyTender("o1", Capture("T1", TenderKind::kCard, "stripe", "50.00"),
                               L("shopify", "T1"))
                  .has_value());
  EXPECT_EQ(book.Find("o1")->status, OrderStatus::kPartlyPaid);
  ASSERT_TRUE(book.ApplyTender("o1", Capture("T2", TenderKind::kCard, "stripe", "150.00"),
                               L("shopify", "T2"))
                  .has_value());
  EXPECT_EQ(book.Find("o1")->status, OrderStatus::kPaid);
  ASSERT_TRUE(book.ApplyFulfillment(Fulfil("F1", "o1", {{"L1", "JKT-01", 1}})).has_value());
  EXPECT_EQ(book.Find("o1")->status, OrderStatus::kPartlyFulfilled);
  EXPECT_EQ(book.ApplyFulfillment(Fulfil("F1", "o1", {{"L1", "JKT-01", 1}})).value(),
            Applied::kDuplicate);
  ASSERT_TRUE(book.ApplyFulfillment(Fulfil("F2", "o1", {{"", "JKT-01", 1}})).has_value());
  EXPECT_EQ(book.Find("o1")->status, OrderStatus::kFulfilled);
  ASSERT_TRUE(book.ApplyReturn(testing::MakeReturn("R1", "o1", {{"L1", "JKT-01", 1, true, ""}}))
                  .has_value());
  EXPECT_EQ(book.Find("o1")->status, OrderStatus::kPartlyReturned);
  ASSERT_TRUE(book.ApplyReturn(testing::MakeReturn("R2", "o1", {{"L1", "JKT-01", 1, true, ""}}))
                  .has_value());
  EXPECT_EQ(book.Find("o1")->status, OrderStatus::kReturned);
  ASSERT_TRUE(book.ApplyClose("o1", Instant::FromSeconds(1'800'000'000), L("hub", "close")));
  EXPECT_EQ(book.Find("o1")->status, OrderStatus::kClosed);

  const std::vector<TimelineEntry>& t = book.Find("o1")->timeline;
  ASSERT_EQ(t.size(), 8u);
  EXPECT_EQ(t[0].type, "order.created");
  EXPECT_EQ(t[1].type, "tender.captured");
  EXPECT_EQ(t[3].type, "fulfillment.created");
  EXPECT_EQ(t[3].source_id, "F1");
  EXPECT_EQ(t[3].correlation_id, "corr-F1");
  EXPECT_EQ(t[3].message_id, "msg-F1");
  EXPECT_EQ(t[3].source_system, "shopify");
  EXPECT_EQ(t[7].type, "order.closed");
}

TEST(OrderBook, JsonRoundTrip) {
  OrderBook book;
  Order o = MakeOrder("o1", {Line("L1", "JKT-01", 2, "100.00", "20.00")}, "195.00");
  o.order_discounts.push_back(DiscountAllocation{"X", M("25.00")});
  o.presentment_currency = *Currency::FromCode("EUR");
  o.shipping.push_back(ShippingLine{"Ground", M("5.00"), {}, {}});
  ASSERT_TRUE(book.ApplyOrder(o).has_value());
  Tender t = Capture("T1", TenderKind::kGiftCard, "gift_card", "195.00");
  t.presentment_amount = M("180.00", "EUR");
  ASSERT_TRUE(book.ApplyTender("o1", t, L("shopify", "T1")).has_value());
  ASSERT_TRUE(book.ApplyFulfillment(Fulfil("F1", "o1", {{"L1", "JKT-01", 1}})).has_value());
  ASSERT_TRUE(book.ApplyReturn(testing::MakeReturn("R0", "", {{"", "JKT-01", 1, true, ""}})));
  Order old = o;
  old.updated_at = Instant{0};
  ASSERT_EQ(book.ApplyOrder(old).value(), Applied::kStale);

  const std::string json = book.ToJson();
  auto back = OrderBook::FromJson(json);
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  EXPECT_EQ(*back->Find("o1"), *book.Find("o1"));
  EXPECT_EQ(back->stale_ignored(), 1);
  EXPECT_EQ(back->ToJson(), json);
  EXPECT_EQ(back->LowestRecentPrice("JKT-01", o.placed_at, 90), M("87.50"));
  EXPECT_EQ(back->ApplyReturn(testing::MakeReturn("R0", "", {{"", "JKT-01", 1, true, ""}})).value(),
            Applied::kDuplicate);

  EXPECT_EQ(OrderBook::FromJson("{").error().code, ErrorCode::kParse);
  EXPECT_EQ(OrderBook::FromJson(R"({"v":1,"orders":[{"id":3}]})").error().code, ErrorCode::kParse);
}

}  // namespace
}  // namespace hub::orders
