// The connector contract shared by every source: header lookup, registry,
// deterministic ids, dedup keys and topics, and errors that name the JSON path.
#include "connectors/connector.h"

#include <gtest/gtest.h>

#include "connectors/shopify/shopify.h"
#include "connectors/square/square.h"
#include "connectors/stripe/stripe.h"

namespace hub {
namespace {

Delivery ShopifyOrder(std::string body) {
  Delivery d;
  d.account = "acme.myshopify.com";
  d.body = std::move(body);
  d.headers = {{"X-Shopify-Topic", "orders/create"}, {"X-Shopify-Event-Id", "e1"}};
  return d;
}

TEST(ConnectorTest, HeadersAreCaseInsensitive) {
  Delivery d;
  d.headers = {{"X-Shopify-Topic", "orders/create"}};
  EXPECT_EQ(d.Header("x-shopify-topic").value_or(""), "orders/create");
  EXPECT_EQ(d.Header("X-SHOPIFY-TOPIC").value_or(""), "orders/create");
  EXPECT_FALSE(d.Header("X-Shopify-Topi").has_value());
}

TEST(ConnectorTest, RegistryHasEveryBuiltInAndRefusesDuplicates) {
  ConnectorRegistry r = ConnectorRegistry::Default();
  for (std::string_view name : {"shopify", "stripe", "square", "adyen", "amazon"}) {
    ASSERT_NE(r.Find(name), nullptr) << name;
    EXPECT_EQ(r.Find(name)->name(), name);
  }
  EXPECT_EQ(r.Find("paypal"), nullptr);
  auto dup = r.Add(std::make_unique<ShopifyConnector>());
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(dup.error().code, ErrorCode::kAlreadyExists);
}

TEST(ConnectorTest, EventIdsAreDeterministicAndDistinct) {
  EXPECT_EQ(DeriveEventId("shopify", "a", "e1", 0), DeriveEventId("shopify", "a", "e1", 0));
  EXPECT_NE(DeriveEventId("shopify", "a", "e1", 0), DeriveEventId("shopify", "a", "e1", 1));
  EXPECT_NE(DeriveEventId("shopify", "a", "e1", 0), DeriveEventId("shopify", "a", "e2", 0));
  EXPECT_NE(DeriveEventId("shopify", "ab", "c", 0), DeriveEventId("shopify", "a", "bc", 0));
  EXPECT_NE(DeriveEventId("shopify", "a", "e1", 0), DeriveEventId("stripe", "a", "e1", 0));
}

TEST(ConnectorTest, ShopifyDedupKeyPrefersEventIdThenWebhookId) {
  ShopifyConnector c;
  Delivery d;
  d.headers = {{"X-Shopify-Webhook-Id", "w1"}, {"X-Shopify-Event-Id", "e1"}};
  EXPECT_EQ(c.DedupKey(d).value(), "e1");
  d.headers = {{"x-shopify-webhook-id", "w1"}};
  EXPECT_EQ(c.DedupKey(d).value(), "w1");
  d.headers.clear();
  EXPECT_EQ(c.DedupKey(d).error().code, ErrorCode::kInvalidArgument);
  d.topic = "payouts/transactions";  // a file: content hash
  EXPECT_EQ(c.DedupKey(d).value().rfind("sha256:", 0), 0U);
  EXPECT_EQ(c.Topic(d).value(), "payouts/transactions");
}

TEST(ConnectorTest, StripeAndSquareReadDedupKeyAndTopicFromTheBody) {
  Delivery stripe;
  stripe.body = R"({"id":"evt_1","type":"charge.succeeded"})";
  EXPECT_EQ(StripeConnector().DedupKey(stripe).value(), "evt_1");
  EXPECT_EQ(StripeConnector().Topic(stripe).value(), "charge.succeeded");
  Delivery square;
  square.body = R"({"event_id":"ev1","type":"payment.updated","merchant_id":"M"})";
  EXPECT_EQ(SquareConnector().DedupKey(square).value(), "ev1");
  EXPECT_EQ(SquareConnector().Topic(square).value(), "payment.updated");
  square.body = "{";
  EXPECT_EQ(SquareConnector().DedupKey(square).error().code, ErrorCode::kParse);
}

TEST(ConnectorTest, ErrorsNameTheJsonPath) {
  ShopifyConnector c;
  struct Case {
    std::string body;
    ErrorCode code;
    std::string field;
  };
  const Case cases[] = {
      {R"({"id":1,"currency":"USD","line_items":[{"price":"1.00","quantity":1},)"
       R"({"price":"abc","quantity":1}],"total_price":"2.00"})",
       ErrorCode::kParse, "line_items[1].price"},
      {R"({"id":1,"currency":"USD","line_items":[{"price":"1.001","quantity":1}],"total_price":"1.00"})",
       ErrorCode::kPrecision, "line_items[0].price"},
      {R"({"id":1,"currency":"USD","line_items":[{"price":"1.00","quantity":"x"}],"total_price":"1.00"})",
       ErrorCode::kInvalidArgument, "line_items[0].quantity"},
      {R"({"id":1,"currency":"USD","line_items":[{"price":"1.00","quantity":1,"sku":5}],"total_price":"1.00"})",
       ErrorCode::kInvalidArgument, "line_items[0].sku"},
      {R"({"id":1,"currency":"ZZZ","total_price":"1.00"})", ErrorCode::kInvalidArgument,
       "currency"},
      {R"({"id":1,"line_items":[]})", ErrorCode::kInvalidArgument, "currency"},
      {R"({"id":1,"currency":"USD","line_items":[{"price":"1.00","quantity":1}])",
       ErrorCode::kParse, "$"},
      {R"([1,2])", ErrorCode::kInvalidArgument, "$"},
      {R"({"id":1,"currency":"USD","line_items":[{"price":"1.00","quantity":2}],"total_price":"1.00"})",
       ErrorCode::kAmountMismatch, "total_price"},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.body);
    auto r = c.Translate(ShopifyOrder(k.body));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, k.code) << r.error().ToString();
    EXPECT_EQ(r.error().field, k.field) << r.error().ToString();
  }
}

TEST(ConnectorTest, UnknownTopicIsUnmappedNotDropped) {
  Delivery d = ShopifyOrder("{}");
  d.headers[0].second = "app/uninstalled";
  EXPECT_EQ(ShopifyConnector().Translate(d).error().code, ErrorCode::kUnmapped);
  Delivery s;
  s.body = R"({"id":"evt_1","type":"invoice.paid"})";
  EXPECT_EQ(StripeConnector().Translate(s).error().code, ErrorCode::kUnmapped);
}

TEST(ConnectorTest, StripeMapsItsExponentsToIso) {
  auto run = [](const std::string& currency, std::int64_t amount) {
    Delivery d;
    d.account = "acct";
    d.body = R"({"id":"evt_1","type":"charge.succeeded","created":1,"data":{"object":{)"
             R"("id":"ch_1","amount":)" +
             std::to_string(amount) + R"(,"captured":true,"currency":")" + currency +
             R"(","status":"succeeded","created":1}}})";
    return StripeConnector().Translate(d);
  };
  auto isk = run("isk", 10000);  // Stripe: two decimals; ISO 4217: none
  ASSERT_TRUE(isk.has_value()) << isk.error().ToString();
  EXPECT_EQ(isk->front().data.at("amount").at("amount"), "100");
  EXPECT_EQ(run("isk", 10050).error().code, ErrorCode::kPrecision);
  auto jpy = run("jpy", 500);
  ASSERT_TRUE(jpy.has_value());
  EXPECT_EQ(jpy->front().data.at("amount").at("amount"), "500");
  auto kwd = run("kwd", 1230);  // three decimals at both
  ASSERT_TRUE(kwd.has_value());
  EXPECT_EQ(kwd->front().data.at("amount").at("amount"), "1.230");
}

}  // namespace
}  // namespace hub
