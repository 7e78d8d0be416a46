// AppendJson writes the model's JSON text directly, for connectors' wire form,
// instead of serializing ToJson's tree; the two must never differ by a byte,
// or an event's stored form would depend on which path wrote it. These pin
// the equality on every record type, on the escaping of every byte value at
// every offset (the writer copies 16 and 8 bytes at a time), and on the edges
// of its own money and time formatting (exponents, signs, INT64 limits,
// microseconds, the years 0000 and 9999, and beyond them).
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "core/event.h"
#include "core/model_json.h"

namespace hub {
namespace {

template <typename T>
void ExpectSameText(const T& v) {
  std::string text = "prefix:";  // AppendJson appends
  AppendJson(v, &text);
  EXPECT_EQ(text, "prefix:" + boost::json::serialize(ToJson(v)));
}

std::string Serialized(std::string_view s) {
  return boost::json::serialize(boost::json::string(s));
}

std::string Appended(std::string_view s) {
  std::string out;
  AppendJsonString(s, &out);
  return out;
}

Currency Code(std::string_view code) { return *Currency::FromCode(code); }
Money Usd(std::int64_t minor) { return Money(minor, Code("USD")); }

Lineage SomeLineage() {
  return Lineage{"shopify",
                 "acme.myshopify.com",
                 "450789469",
                 "2026-03-01T10:00:00-05:00",
                 "cor_d919d1f6a235d423eb7c87de8a6b25e3",
                 ""};
}

TEST(ModelJsonTextTest, EveryByteValueIsEscapedAsBoostEscapesItAtEveryOffset) {
  for (int c = 0; c < 256; ++c) {
    for (std::size_t length = 1; length <= 40; ++length) {
      for (std::size_t at = 0; at < length; ++at) {
        std::string s(length, 'a');
        s[at] = static_cast<char>(c);
        ASSERT_EQ(Appended(s), Serialized(s)) << "byte " << c << " at " << at << " of " << length;
      }
    }
  }
}

TEST(ModelJsonTextTest, RandomStringsAreEscapedAsBoostEscapesThem) {
  std::mt19937 rng(20261127);  // fixed: reproducible
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> printable(0x20, 0x7e);
  std::uniform_int_distribution<std::size_t> length(0, 300);
  for (int i = 0; i < 2000; ++i) {
    std::string s(length(rng), ' ');
    for (char& ch : s) {
      // Mostly text, as payloads are, with a control or high byte now and then.
      ch = static_cast<char>(i % 3 == 0 ? byte(rng) : printable(rng));
    }
    ASSERT_EQ(Appended(s), Serialized(s)) << i;
  }
  EXPECT_EQ(Appended(""), R"("")");
  EXPECT_EQ(Appended("caf\xc3\xa9 \"q\" \\ \n\x01\x7f"), R"("café \"q\" \\ \n\u0001)"
                                                         "\x7f\"");
}

TEST(ModelJsonTextTest, MoneyInEveryExponentSignAndLimit) {
  const std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  const std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  for (std::string_view code : {"USD", "JPY", "KWD", "CLF", "EUR"}) {
    for (std::int64_t minor :
         {std::int64_t{0}, std::int64_t{1}, std::int64_t{-1}, std::int64_t{9}, std::int64_t{10},
          std::int64_t{-10}, std::int64_t{99}, std::int64_t{100}, std::int64_t{-12345},
          std::int64_t{1000000}, kMax, kMin, kMin + 1, kMax - 1}) {
      SCOPED_TRACE(std::string(code) + " " + std::to_string(minor));
      ExpectSameText(Money(minor, Code(code)));
    }
  }
  ExpectSameText(Money());  // no currency: null
}

TEST(ModelJsonTextTest, InstantsAcrossTheCalendarAndBeyondIt) {
  Tender t;
  t.amount = Usd(1);
  const std::int64_t kYear0 = -62'167'219'200;     // 0000-01-01T00:00:00Z
  const std::int64_t kYear9999 = 253'402'300'799;  // 9999-12-31T23:59:59Z
  std::vector<std::int64_t> micros = {0,
                                      1,
                                      -1,
                                      999,
                                      1000,
                                      123'000,
                                      123'456,
                                      1'000'000,
                                      -1'000'000,
                                      951'782'400'000'000,  // 2000-02-29
                                      kYear0 * 1'000'000,
                                      kYear0 * 1'000'000 - 1,  // before year 0: FormatRfc3339's own
                                      kYear0 * 1'000'000 + 59 * 86'400'000'000LL,  // 0000-02-29
                                      kYear9999 * 1'000'000 + 999'999,
                                      (kYear9999 + 1) * 1'000'000,  // year 10000
                                      std::numeric_limits<std::int64_t>::max(),
                                      std::numeric_limits<std::int64_t>::min()};
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::int64_t> any(kYear0 * 1'000'000, kYear9999 * 1'000'000);
  for (int i = 0; i < 5000; ++i) {
    micros.push_back(any(rng));
    micros.push_back(any(rng) / 1000 * 1000);  // whole milliseconds
  }
  for (std::int64_t m : micros) {
    t.occurred_at = Instant{m};
    SCOPED_TRACE(m);
    ExpectSameText(t);
    std::string text;
    AppendJson(Instant{m}, &text);
    EXPECT_EQ(text, boost::json::serialize(boost::json::string(FormatRfc3339(Instant{m}))));
  }
}

Order SomeOrder() {
  Order o;
  o.order_id = "shopify:acme.myshopify.com:450789469";
  o.order_number = "#1001 \"rush\"";
  o.channel = Channel::kPos;
  o.location_id = "905684977";
  o.fulfillment_method = FulfillmentMethod::kPickup;
  o.customer_source_id = "207119551";
  Customer c;
  c.first_name = "Zoë";
  c.last_name = "O'Brien\t\\";
  c.emails = {"bob@example.com", "b2@example.com"};
  c.phones = {"+1 555 0100"};
  c.addresses = {Address{"Chestnut Street 92", "Apt\n4", "Louisville", "KY", "40202", "US"}};
  c.accepts_marketing = true;
  c.lineage = SomeLineage();
  o.customer = c;
  o.currency = Code("USD");
  o.presentment_currency = Code("EUR");
  o.taxes_included = true;
  o.lines = {OrderLine{"466157049",
                       "IPOD2008GREEN",
                       "IPod Nano - 8gb",
                       -3,
                       Usd(19900),
                       {DiscountAllocation{"TENOFF", Usd(1000)}},
                       {TaxLine{"State Tax", 60000, Usd(1194)}, TaxLine{"", 0, Money()}},
                       true},
             OrderLine{}};
  o.shipping = {ShippingLine{"Pickup in store", Usd(0), {}, {}}};
  o.order_discounts = {DiscountAllocation{"X", Usd(5)}};
  Tender card;
  card.tender_id = "5002";
  card.kind = TenderKind::kStoreCredit;
  card.gateway = "shopify_payments";
  card.amount = Usd(11250);
  card.presentment_amount = Money(10300, Code("EUR"));
  card.status = "captured";
  card.occurred_at = Instant{1'700'000'000'123'000};
  o.tenders = {card, Tender{}};
  o.subtotal = Usd(59700);
  o.total_discounts = Usd(-1000);
  o.total_tax = Usd(1194);
  o.total_shipping = Usd(0);
  o.total = Usd(60894);
  o.status = "paid";
  o.placed_at = Instant{1'199'980'800'000'000};
  o.updated_at = Instant{1'199'980'800'000'001};
  o.lineage = SomeLineage();
  return o;
}

TEST(ModelJsonTextTest, EveryRecordTypeWritesWhatItsTreeSerializesTo) {
  ExpectSameText(SomeOrder());
  ExpectSameText(Order{});  // unset currencies, money and optionals are null
  ExpectSameText(*SomeOrder().customer);
  ExpectSameText(SomeOrder().lines[0]);
  ExpectSameText(SomeOrder().tenders[0]);
  ExpectSameText(SomeLineage());
  ExpectSameText(Fulfillment{"255858046",
                             "shopify:a:1",
                             FulfillmentMethod::kShip,
                             "905684977",
                             {FulfillmentLine{"1", "SKU", 2}},
                             false,
                             "success",
                             Instant::FromSeconds(5),
                             SomeLineage()});
  const Return ret{"r1",
                   "shopify:a:1",
                   "loc",
                   false,
                   {ReturnLine{"1", "SKU", 1, false, "damaged"}},
                   Instant::FromSeconds(6),
                   SomeLineage()};
  ExpectSameText(ret);
  ExpectSameText(Refund{"re1", "shopify:a:1", "r1", ret.lines, SomeOrder().tenders, Usd(5270),
                        Usd(500), Usd(270), "wrong size", Instant::FromSeconds(7), SomeLineage()});
  ExpectSameText(
      Payout{"po1",
             "stripe",
             Usd(8680),
             "paid",
             Instant::FromSeconds(8),
             {PayoutLine{"txn_1", PayoutLineKind::kDispute, "dp_1", "stripe:a:pi", Usd(-1000),
                         Usd(1500), Usd(-2500), "Chargeback", Instant::FromSeconds(9)}},
             SomeLineage()});
  ExpectSameText(
      InventoryAdjustment{"SKU", "LOC", -2, 10, "count", Instant::FromSeconds(10), SomeLineage()});
  ExpectSameText(
      InventoryAdjustment{"SKU", "LOC", 3, std::nullopt, "received", Instant{}, Lineage{}});
  ExpectSameText(GiftCard{"gftc:1", GiftCardActivityKind::kRedeem, Usd(300), Usd(700), "LOC",
                          "square:m:o", TenderKind::kOther, "square", Instant::FromSeconds(11),
                          SomeLineage()});
  ExpectSameText(Dispute{"dp_1", "stripe", "ch_1", "stripe:a:pi", Usd(1000), Usd(1500),
                         "needs_response", "fraudulent", Instant::FromSeconds(12), SomeLineage()});
}

// EventToJson writes the envelope by hand around the data's text; this is the
// Boost.JSON envelope it replaced, key order and all.
TEST(ModelJsonTextTest, EventToJsonWritesWhatTheBoostEnvelopeSerializesTo) {
  Event e;
  e.type = "order.\"created\"";
  e.version = 12;
  e.event_id = "evt_1_0";
  e.key =
      "shopify:a\x01"
      "b:1";
  e.correlation_id = "cor_\u00e9";
  e.occurred_at = Instant{-1};
  e.source = EventSource{"shopify", "acme\\shop", "450789469"};
  e.data = ToJson(SomeOrder());
  boost::json::object source;
  source.emplace("system", e.source.system);
  source.emplace("account", e.source.account);
  source.emplace("id", e.source.id);
  boost::json::object o;
  o.emplace("type", e.type);
  o.emplace("version", e.version);
  o.emplace("event_id", e.event_id);
  o.emplace("key", e.key);
  o.emplace("correlation_id", e.correlation_id);
  o.emplace("occurred_at", FormatRfc3339(e.occurred_at));
  o.emplace("source", std::move(source));
  o.emplace("data", e.data);
  const std::string expected = boost::json::serialize(o);
  EXPECT_EQ(EventToJson(e), expected);
  std::string data;
  AppendJson(SomeOrder(), &data);
  EXPECT_EQ(EventToJson(e, data), expected);
}

}  // namespace
}  // namespace hub
