// ShopifyConnector has two output forms of one mapping: Translate builds
// Events (data a Boost.JSON tree), TranslateToJson writes their wire form
// directly. A consumer must never be able to tell which one ran, so these
// pin, on every golden input, every shared Shopify fixture under every topic,
// and inputs made to reach the writer's and the reader's edges, that
// TranslateToJson(d)[i] == EventToJson(Translate(d)[i]) byte for byte and that
// both fail with the same code, message and field.
#include "connectors/shopify/shopify.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "testing/testing.h"

namespace hub {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string>& AllTopics() {
  static const std::vector<std::string> kTopics = {
      "orders/create",
      "orders/updated",
      "orders/edited",
      "orders/paid",
      "orders/cancelled",
      "orders/fulfilled",
      "orders/partially_fulfilled",
      "order_transactions/create",
      "fulfillments/create",
      "fulfillments/update",
      "refunds/create",
      "customers/create",
      "customers/update",
      "inventory_levels/update",
      "disputes/create",
      "disputes/update",
      "payouts",
      "payouts/transactions",
      "shop/update"};  // not translated: kUnmapped from both
  return kTopics;
}

Delivery MakeDelivery(std::string topic, std::string body) {
  Delivery d;
  d.source = "shopify";
  d.account = "acme.myshopify.com";
  d.topic = std::move(topic);
  d.body = std::move(body);
  d.headers = {{"X-Shopify-Event-Id", "evt-1"}};
  return d;
}

// Returns whether Translate succeeded, after checking the two forms agree.
bool ExpectSameOutput(const Delivery& d) {
  const ShopifyConnector shopify;
  const auto events = shopify.Translate(d);
  const auto json = shopify.TranslateToJson(d);
  EXPECT_EQ(events.has_value(), json.has_value());
  if (!events || !json) {
    if (!events && !json) {
      EXPECT_EQ(events.error().code, json.error().code);
      EXPECT_EQ(events.error().message, json.error().message);
      EXPECT_EQ(events.error().field, json.error().field);
    }
    return false;
  }
  EXPECT_EQ(events->size(), json->size());
  for (std::size_t i = 0; i < std::min(events->size(), json->size()); ++i) {
    EXPECT_EQ((*json)[i], EventToJson((*events)[i])) << "event " << i;
  }
  return true;
}

fs::path GoldenDir() {
  return fs::path(__FILE__).parent_path() / ".." / ".." / ".." / "tests" / "golden" / "shopify";
}

TEST(ShopifyWireFormTest, EveryGoldenInputUnderEveryTopic) {
  ASSERT_TRUE(fs::is_directory(GoldenDir())) << GoldenDir();
  int translated = 0;
  for (const auto& f : fs::directory_iterator(GoldenDir())) {
    if (!f.path().filename().string().ends_with(".input.json")) {
      continue;
    }
    const std::string body = testing::ReadFile(f.path());
    for (const std::string& topic : AllTopics()) {
      SCOPED_TRACE(f.path().filename().string() + " as " + topic);
      translated += ExpectSameOutput(MakeDelivery(topic, body)) ? 1 : 0;
    }
  }
  EXPECT_GT(translated, 10);  // the comparison saw events, not only errors
}

TEST(ShopifyWireFormTest, EverySharedFixtureUnderEveryTopic) {
  HUB_REQUIRE_SHARED(shared);
  int translated = 0;
  for (const auto& f : fs::directory_iterator(shared / "fixtures" / "shopify")) {
    const std::string text = testing::ReadFile(f.path());
    std::vector<std::string> bodies = {text};
    // API responses wrap the object ({"order": {…}}); webhooks send it bare.
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(text, ec);
    if (!ec && v.is_object()) {
      for (const auto& kv : v.get_object()) {
        if (kv.value().is_object()) {
          bodies.push_back(boost::json::serialize(kv.value()));
        } else if (kv.value().is_array()) {
          for (const auto& e : kv.value().get_array()) {
            bodies.push_back(boost::json::serialize(e));
          }
        }
      }
    }
    for (const std::string& body : bodies) {
      for (const std::string& topic : AllTopics()) {
        SCOPED_TRACE(f.path().filename().string() + " as " + topic);
        translated += ExpectSameOutput(MakeDelivery(topic, body)) ? 1 : 0;
      }
    }
  }
  EXPECT_GT(translated, 10);
}

// The golden split-tender order, edited so that every string the writer
// escapes, every key the reader must unescape, and numbers where amounts are
// usually strings, all reach both forms.
TEST(ShopifyWireFormTest, EscapesUnicodeAndNumericAmounts) {
  const std::string order = testing::ReadFile(GoldenDir() / "order_split_tender.input.json");
  auto replace = [](std::string s, std::string_view from, std::string_view to) {
    const std::size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) {
      s.replace(at, from.size(), to);
    }
    return s;
  };
  const std::vector<std::string> variants = {
      order,
      replace(order, R"("Tee")", R"("T\"e\\e\n\t\u0001\u001f \u00e9\ud83d\ude00 /")"),
      replace(order, R"("Ada")", "\"Zo\xc3\xab \\\" \\\\ \\/\""),
      replace(order, R"("name")", R"("n\u0061me")"),    // an escaped key still matches
      replace(order, R"("price")", R"("pr\u0069ce")"),  // in a line item
      replace(order, R"("50.00")", "50.00"),            // a number, kept exact
      replace(order, R"("50.00")", "50.000000"),
      replace(order, R"("50.00")", "5e1"),          // exponent: rejected by both
      replace(order, R"("50.00")", R"("50.001")"),  // excess precision
      replace(order, R"("USD")", R"("usd")"),
      replace(order, R"("USD")", R"("XXY")"),
      replace(order, R"("2026-03-01T10:00:00-05:00")", R"("2026-03-01T10:00:00.000001-05:00")"),
      replace(order, R"("2026-03-01T10:00:00-05:00")", R"("not a time")"),
      replace(order, "{", "{\"id\":1,"),  // duplicate key: the last one wins in both
      order.substr(0, order.size() / 2),  // truncated
      "",
      "[]",
      "null",
  };
  for (std::size_t i = 0; i < variants.size(); ++i) {
    for (const std::string& topic : {std::string("orders/create"), std::string("orders/paid")}) {
      SCOPED_TRACE("variant " + std::to_string(i) + " as " + topic);
      ExpectSameOutput(MakeDelivery(topic, variants[i]));
    }
  }
  // Headers feed the envelope and the lineage of both forms.
  Delivery d = MakeDelivery("", order);
  d.headers = {{"X-Shopify-Topic", "orders/updated"},
               {"X-Shopify-Webhook-Id", "wh \"1\""},
               {"X-Shopify-Triggered-At", "2026-03-01T15:00:01.5Z"},
               {"X-Shopify-Shop-Domain", "shop\\x"}};
  d.account.clear();
  EXPECT_TRUE(ExpectSameOutput(d));
}

// Orders are read into per-thread storage that is recycled from one delivery
// to the next (OrderScratch in shopify.cc): nothing of one order may show in
// the next, whether the first one translated or failed half-way. Each input
// translated second on a thread must give what it gives first on a new one.
TEST(ShopifyWireFormTest, NothingOfOneOrderShowsInTheNext) {
  std::vector<std::string> bodies;
  for (const auto& f : fs::directory_iterator(GoldenDir())) {
    if (f.path().filename().string().ends_with(".input.json")) {
      const std::string body = testing::ReadFile(f.path());
      bodies.push_back(body);
      bodies.push_back(body.substr(0, body.size() / 2));  // fails half-way
    }
  }
  bodies.push_back(R"({"id":7,"currency":"EUR","total_price":"0.00"})");  // nothing but totals
  struct Output {
    Result<std::vector<Event>> events;
    Result<std::vector<std::string>> json;
  };
  const ShopifyConnector shopify;
  const auto translate = [&](const std::string& body) {
    const Delivery d = MakeDelivery("orders/create", body);
    return Output{shopify.Translate(d), shopify.TranslateToJson(d)};
  };
  const auto expect_same = [](const Output& got, const Output& want) {
    ASSERT_EQ(got.events.has_value(), want.events.has_value());
    ASSERT_EQ(got.json.has_value(), want.json.has_value());
    if (want.events) {
      EXPECT_TRUE(*got.events == *want.events);
      EXPECT_EQ(*got.json, *want.json);
    } else {
      EXPECT_EQ(got.events.error().ToString(), want.events.error().ToString());
      EXPECT_EQ(got.json.error().ToString(), want.json.error().ToString());
    }
  };
  std::vector<Output> alone;
  for (const std::string& body : bodies) {
    std::thread([&] { alone.push_back(translate(body)); }).join();
  }
  int translated = 0;
  for (std::size_t first = 0; first < bodies.size(); ++first) {
    for (std::size_t second = 0; second < bodies.size(); ++second) {
      SCOPED_TRACE("input " + std::to_string(second) + " after " + std::to_string(first));
      std::optional<Output> after;
      std::thread([&] {
        (void)translate(bodies[first]);
        after = translate(bodies[second]);
      }).join();
      expect_same(*after, alone[second]);
      translated += alone[second].events ? 1 : 0;
    }
  }
  EXPECT_GT(translated, 10);
}

}  // namespace
}  // namespace hub
