// The business figures behind /metrics and the overview, from a running hub:
// a financial event that cannot post (a refund for an order the hub has not
// seen, parked waiting for it) counts as a delayed posting once it is older
// than bus.posting_sla_s, and not before.
#include "app/gauges.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "api/http_client.h"
#include "app/test_hub.h"
#include "connectors/connector.h"
#include "testing/testing.h"

namespace hub::app {
namespace {

constexpr char kShop[] = "gauge-shop.myshopify.com";
constexpr char kSecret[] = "gauge-secret";

TEST(GaugesTest, AParkedRefundIsADelayedPostingOnceOlderThanTheSla) {
  testing::TempDir dir;
  auto hub = StartTestHub(dir.path(), [](Config& config) {
    config.bus.posting_sla_s = 1;
    config.sources["shopify"].accounts[kShop].secret = kSecret;
  });
  ASSERT_TRUE(hub);
  const std::string body =
      R"({"id":8098,"order_id":5559999,"created_at":"2026-11-20T10:00:00Z","restock":false,)"
      R"("refund_line_items":[],"transactions":[{"id":6096,"kind":"refund","status":"success",)"
      R"("gateway":"stripe","amount":"12.30","currency":"USD",)"
      R"("processed_at":"2026-11-20T10:00:00Z"}],"order_adjustments":[]})";
  auto r = api::HttpCall("127.0.0.1", hub->port(), "POST",
                         std::string("/v1/webhooks/shopify/") + kShop, body,
                         {{"Content-Type", "application/json"},
                          {"X-Shopify-Topic", "refunds/create"},
                          {"X-Shopify-Hmac-Sha256", Base64Encode(HmacSha256(kSecret, body))},
                          {"X-Shopify-Shop-Domain", kShop},
                          {"X-Shopify-Event-Id", "gauge-refund-1"}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 202) << r->body;
  ASSERT_TRUE(hub->bus().WaitIdle(10000));  // idle: the refund is parked, not applied
  ASSERT_GE(hub->bus().Stats().parked, 1);

  auto fresh = ComputeBusinessFigures(*hub);
  ASSERT_TRUE(fresh) << fresh.error().ToString();
  EXPECT_EQ(fresh->postings_delayed, 0) << "younger than the SLA";

  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  auto late = ComputeBusinessFigures(*hub);
  ASSERT_TRUE(late) << late.error().ToString();
  EXPECT_EQ(late->postings_delayed, 1);
  EXPECT_EQ(late->posting_sla_s, 1);
  hub->Stop();
}

}  // namespace
}  // namespace hub::app
