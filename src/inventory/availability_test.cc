// Availability per SKU x location: oversell and negative stock are refused
// without changing anything; reservations are released on cancel and
// consumed on fulfilment; restockable returns go back on hand; every change
// reports the new figures; the snapshot round-trips.
#include "inventory/availability.h"

#include <gtest/gtest.h>

namespace hub::inventory {
namespace {

Order OrderOf(std::string id, std::string location, std::vector<std::pair<std::string, int>> q) {
  Order o;
  o.order_id = std::move(id);
  o.location_id = std::move(location);
  for (auto& [sku, n] : q) {
    OrderLine l;
    l.line_id = sku;
    l.sku = sku;
    l.quantity = n;
    o.lines.push_back(l);
  }
  return o;
}

InventoryAdjustment Count(std::string sku, std::string location, std::int64_t on_hand) {
  InventoryAdjustment a;
  a.sku = std::move(sku);
  a.location_id = std::move(location);
  a.on_hand = on_hand;
  a.reason = "count";
  return a;
}

class AvailabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(stock_.Adjust(Count("JKT-01", "SF-01", 3)).has_value());
    ASSERT_TRUE(stock_.Adjust(Count("SCF-02", "SF-01", 5)).has_value());
  }
  Availability stock_;
};

TEST_F(AvailabilityTest, OversellIsRefusedAndChangesNothing) {
  ASSERT_TRUE(stock_.Reserve(OrderOf("o1", "SF-01", {{"JKT-01", 2}})).has_value());
  const std::string before = stock_.ToJson();
  auto r = stock_.Reserve(OrderOf("o2", "SF-01", {{"SCF-02", 1}, {"JKT-01", 2}}));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(r.error().message,
            "order 'o2' would oversell sku 'JKT-01' at 'SF-01': available 1, requested 2");
  EXPECT_EQ(stock_.ToJson(), before);  // the scarf was not reserved either
}

TEST_F(AvailabilityTest, NegativeOnHandIsNeverSilent) {
  InventoryAdjustment damaged;
  damaged.sku = "JKT-01";
  damaged.location_id = "SF-01";
  damaged.delta = -4;
  auto r = stock_.Adjust(damaged);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(stock_.Level("JKT-01", "SF-01").on_hand, 3);
  damaged.delta = -1;
  EXPECT_EQ(stock_.Adjust(damaged).value(), (AvailabilityChanged{"JKT-01", "SF-01", 2, 0, 2}));

  Fulfillment f;
  f.fulfillment_id = "F1";
  f.order_id = "o9";
  f.location_id = "NY-01";
  f.lines.push_back(FulfillmentLine{"L1", "JKT-01", 1});
  auto c = stock_.Consume(f);
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().message,
            "fulfillment F1 takes 1 of sku 'JKT-01' at 'NY-01' but on hand is 0");
}

TEST_F(AvailabilityTest, ReserveReleaseConsumeRestock) {
  auto r = stock_.Reserve(OrderOf("o1", "SF-01", {{"JKT-01", 1}, {"SCF-02", 2}}));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, (std::vector<AvailabilityChanged>{{"JKT-01", "SF-01", 3, 1, 2},
                                                  {"SCF-02", "SF-01", 5, 2, 3}}));
  // An order edit re-reserves: 2 scarves -> 1.
  r = stock_.Reserve(OrderOf("o1", "SF-01", {{"JKT-01", 1}, {"SCF-02", 1}}));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(stock_.Snapshot("SCF-02", "SF-01"), (AvailabilityChanged{"SCF-02", "SF-01", 5, 1, 4}));

  // Cancel o2 releases its hold.
  ASSERT_TRUE(stock_.Reserve(OrderOf("o2", "SF-01", {{"JKT-01", 2}})).has_value());
  EXPECT_EQ(stock_.Snapshot("JKT-01", "SF-01").available, 0);
  r = stock_.Release("o2");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, (std::vector<AvailabilityChanged>{{"JKT-01", "SF-01", 3, 1, 2}}));

  // Pickup of o1 consumes the reservation and the stock.
  Fulfillment f;
  f.fulfillment_id = "F1";
  f.order_id = "o1";
  f.location_id = "SF-01";
  f.lines = {FulfillmentLine{"L1", "JKT-01", 1}, FulfillmentLine{"L2", "SCF-02", 1}};
  r = stock_.Consume(f);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, (std::vector<AvailabilityChanged>{{"JKT-01", "SF-01", 2, 0, 2},
                                                  {"SCF-02", "SF-01", 4, 0, 4}}));
  EXPECT_TRUE(stock_.Consume(f)->empty());  // a repeat changes nothing

  // The scarf comes back restockable; a damaged jacket does not.
  Return ret;
  ret.return_id = "R1";
  ret.order_id = "o1";
  ret.location_id = "SF-01";
  ret.lines = {ReturnLine{"L2", "SCF-02", 1, true, ""}, ReturnLine{"L1", "JKT-01", 1, false, ""}};
  r = stock_.Restock(ret);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, (std::vector<AvailabilityChanged>{{"SCF-02", "SF-01", 5, 0, 5}}));
}

TEST_F(AvailabilityTest, SnapshotRoundTrip) {
  EXPECT_FALSE(stock_.Reserve(OrderOf("o1", "", {{"JKT-01", 1}})).has_value());  // WH-01 empty
  ASSERT_TRUE(stock_.Adjust(Count("JKT-01", "WH-01", 10)).has_value());
  ASSERT_TRUE(stock_.Reserve(OrderOf("o1", "", {{"JKT-01", 4}})).has_value());
  const std::string json = stock_.ToJson();
  auto back = Availability::FromJson(json);
  ASSERT_TRUE(back.has_value()) << back.error().ToString();
  EXPECT_EQ(back->ToJson(), json);
  EXPECT_EQ(back->Snapshot("JKT-01", "WH-01"), (AvailabilityChanged{"JKT-01", "WH-01", 10, 4, 6}));
  EXPECT_EQ(back->Release("o1")->size(), 1u);
  EXPECT_EQ(Availability::FromJson("[]").error().code, ErrorCode::kParse);
}

}  // namespace
}  // namespace hub::inventory
