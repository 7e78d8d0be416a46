// Square's order.created / order.updated notifications name the order and
// its state but carry no lines or amounts (docs/events.md, order.changed).
// They are Square's most frequent webhook: a hub that dead-letters each one
// buries the real failures. Delivered signed, over HTTP, into a running hub,
// such a notification is accepted and applied with nothing to post.
#include <gtest/gtest.h>

#include "api/http_client.h"
#include "app/test_hub.h"
#include "bus/bus.h"
#include "connectors/connector.h"
#include "testing/testing.h"

namespace hub::app {
namespace {

constexpr char kMerchant[] = "MLACME";
constexpr char kSecret[] = "square-notification-secret";
constexpr char kUrl[] = "https://hub.example.com/webhooks/square";

TEST(SquareNotificationTest, AnOrderNotificationIsAppliedWithoutAFailure) {
  testing::TempDir dir;
  auto hub = StartTestHub(dir.path(), [](Config& config) {
    auto& account = config.sources["square"].accounts[kMerchant];
    account.secret = kSecret;
    account.url = kUrl;
  });
  ASSERT_TRUE(hub);
  for (const char* type : {"order.created", "order.updated"}) {
    const std::string body = std::string(R"({"merchant_id":"MLACME","type":")") + type +
                             R"(","event_id":"ev-)" + type +
                             R"(","created_at":"2026-03-04T18:00:00Z","data":{"type":"order",)"
                             R"("id":"ORD1","object":{"order_updated":{"order_id":"ORD1",)"
                             R"("location_id":"LOC1","state":"OPEN","version":2,)"
                             R"("created_at":"2026-03-04T17:58:00Z",)"
                             R"("updated_at":"2026-03-04T18:00:00Z"}}}})";
    auto r = api::HttpCall(
        "127.0.0.1", hub->port(), "POST", std::string("/v1/webhooks/square/") + kMerchant, body,
        {{"Content-Type", "application/json"},
         {"x-square-hmacsha256-signature", Base64Encode(HmacSha256(kSecret, kUrl + body))}});
    ASSERT_TRUE(r) << r.error().ToString();
    ASSERT_EQ(r->status, 202) << r->body;
  }
  ASSERT_TRUE(hub->bus().WaitIdle(10000));
  auto conn = hub->store().Connect();
  ASSERT_TRUE(conn);
  bus::Operations ops(**conn, SystemClock::Get());
  auto failures = ops.ListFailures({});
  ASSERT_TRUE(failures) << failures.error().ToString();
  for (const auto& f : *failures) {
    ADD_FAILURE() << f.kind << " " << f.reason_code << ": " << f.message;
  }
  auto done = (*conn)->Prepare(
      "SELECT COUNT(*) FROM bus_work WHERE state = 'done' AND event LIKE '%order.changed%'");
  ASSERT_TRUE(done && *(*done)->Step());
  EXPECT_GE((*done)->Int(0), 2) << "both notifications applied";
  (*done)->Reset();
  hub->Stop();
}

}  // namespace
}  // namespace hub::app
