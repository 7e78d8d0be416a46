// Signature checks are the only thing between the internet and the ledger.
// Vectors are computed here with OpenSSL's HMAC directly (not through the
// helpers under test), then every way to get them wrong is tried.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <filesystem>
#include <string>

#include "connectors/adyen/adyen.h"
#include "connectors/shopify/shopify.h"
#include "connectors/square/square.h"
#include "connectors/stripe/stripe.h"
#include "core/event.h"
#include "testing/testing.h"

namespace hub {
namespace {

std::string RawHmac(const std::string& key, const std::string& msg) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}
std::string B64(const std::string& raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(raw.data()),
                                static_cast<int>(raw.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}
std::string Hex(const std::string& raw) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}

void ExpectUnauthenticated(const Status& s, std::string_view mentions) {
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, ErrorCode::kUnauthenticated);
  EXPECT_NE(s.error().message.find(mentions), std::string::npos) << s.error().message;
}

const FakeClock kClock(Instant::FromSeconds(1'772'359'200));

// ---- Shopify ---------------------------------------------------------------

Delivery ShopifyDelivery(const std::string& secret, const std::string& body) {
  Delivery d;
  d.body = body;
  d.headers = {{"X-Shopify-Hmac-Sha256", B64(RawHmac(secret, body))}};
  return d;
}

TEST(ShopifySignatureTest, AcceptsTheRightSecretAnyHeaderCaseAndTheUnprefixedHeader) {
  ShopifyConnector c;
  Delivery d = ShopifyDelivery("shpss_current", R"({"id":1})");
  EXPECT_TRUE(c.Verify(d, Secrets{{"shpss_current"}}, kClock).has_value());
  d.headers[0].first = "x-shopify-hmac-sha256";
  EXPECT_TRUE(c.Verify(d, Secrets{{"shpss_current"}}, kClock).has_value());
  d.headers[0].first = "Shopify-Hmac-Sha256";
  EXPECT_TRUE(c.Verify(d, Secrets{{"shpss_current"}}, kClock).has_value());
}

TEST(ShopifySignatureTest, PreviousSecretWithinGraceStillVerifies) {
  ShopifyConnector c;
  Delivery d = ShopifyDelivery("shpss_old", R"({"id":1})");
  EXPECT_TRUE(c.Verify(d, Secrets{{"shpss_new", "shpss_old"}}, kClock).has_value());
}

TEST(ShopifySignatureTest, RejectsEveryWayOfGettingItWrong) {
  ShopifyConnector c;
  const Secrets secrets{{"shpss_current"}};
  ExpectUnauthenticated(c.Verify(ShopifyDelivery("wrong", "{}"), secrets, kClock),
                        "does not match");
  Delivery modified = ShopifyDelivery("shpss_current", R"({"total":"10.00"})");
  modified.body = R"({"total":"99.00"})";
  ExpectUnauthenticated(c.Verify(modified, secrets, kClock), "does not match");
  Delivery missing = ShopifyDelivery("shpss_current", "{}");
  missing.headers.clear();
  ExpectUnauthenticated(c.Verify(missing, secrets, kClock), "missing");
  Delivery malformed = ShopifyDelivery("shpss_current", "{}");
  malformed.headers[0].second = "not-base64";
  ExpectUnauthenticated(c.Verify(malformed, secrets, kClock), "malformed");
  Delivery hex = ShopifyDelivery("shpss_current", "{}");
  hex.headers[0].second = Hex(RawHmac("shpss_current", "{}"));  // right digest, wrong encoding
  ExpectUnauthenticated(c.Verify(hex, secrets, kClock), "malformed");
  ExpectUnauthenticated(c.Verify(ShopifyDelivery("shpss_current", "{}"), Secrets{}, kClock),
                        "no active");
}

// ---- Stripe ----------------------------------------------------------------

Delivery StripeDelivery(const std::string& header, const std::string& body) {
  Delivery d;
  d.body = body;
  d.headers = {{"Stripe-Signature", header}};
  return d;
}
std::string StripeSig(const std::string& secret, std::int64_t t, const std::string& body) {
  return Hex(RawHmac(secret, std::to_string(t) + "." + body));
}

TEST(StripeSignatureTest, AcceptsAValidSignatureWithinTolerance) {
  StripeConnector c;
  const std::string body = R"({"id":"evt_1","type":"charge.succeeded"})";
  const std::int64_t t = kClock.Now().seconds() - 299;
  const std::string header = "t=" + std::to_string(t) + ",v1=" + StripeSig("whsec_a", t, body) +
                             ",v0=" + std::string(64, '0');
  EXPECT_TRUE(c.Verify(StripeDelivery(header, body), Secrets{{"whsec_a"}}, kClock).has_value());
}

TEST(StripeSignatureTest, SecondV1AfterRotationIsAccepted) {
  StripeConnector c;
  const std::string body = R"({"id":"evt_1"})";
  const std::int64_t t = kClock.Now().seconds();
  const std::string header = "t=" + std::to_string(t) + ",v1=" + StripeSig("whsec_old", t, body) +
                             ",v1=" + StripeSig("whsec_new", t, body);
  EXPECT_TRUE(c.Verify(StripeDelivery(header, body), Secrets{{"whsec_new"}}, kClock).has_value());
}

TEST(StripeSignatureTest, RejectsEveryWayOfGettingItWrong) {
  StripeConnector c;
  const Secrets secrets{{"whsec_a"}};
  const std::string body = R"({"id":"evt_1"})";
  const std::int64_t now = kClock.Now().seconds();
  auto header = [&](std::int64_t t, const std::string& secret, const std::string& signed_body) {
    return "t=" + std::to_string(t) + ",v1=" + StripeSig(secret, t, signed_body);
  };
  ExpectUnauthenticated(
      c.Verify(StripeDelivery(header(now, "whsec_b", body), body), secrets, kClock), "no v1");
  ExpectUnauthenticated(
      c.Verify(StripeDelivery(header(now, "whsec_a", body), body + " "), secrets, kClock), "no v1");
  ExpectUnauthenticated(
      c.Verify(StripeDelivery(header(now - 301, "whsec_a", body), body), secrets, kClock),
      "tolerance");
  ExpectUnauthenticated(
      c.Verify(StripeDelivery(header(now + 301, "whsec_a", body), body), secrets, kClock),
      "tolerance");
  Delivery missing = StripeDelivery("", body);
  missing.headers.clear();
  ExpectUnauthenticated(c.Verify(missing, secrets, kClock), "missing");
  ExpectUnauthenticated(c.Verify(StripeDelivery("garbage", body), secrets, kClock), "malformed");
  ExpectUnauthenticated(c.Verify(StripeDelivery("v1=abc", body), secrets, kClock), "malformed");
  ExpectUnauthenticated(
      c.Verify(StripeDelivery("t=12x,v1=" + StripeSig("whsec_a", now, body), body), secrets,
               kClock),
      "malformed");
  ExpectUnauthenticated(c.Verify(StripeDelivery("t=" + std::to_string(now), body), secrets, kClock),
                        "no v1");
  // The timestamp is signed: moving it breaks the signature.
  const std::string moved =
      "t=" + std::to_string(now + 1) + ",v1=" + StripeSig("whsec_a", now, body);
  ExpectUnauthenticated(c.Verify(StripeDelivery(moved, body), secrets, kClock), "no v1");
}

// ---- Square ----------------------------------------------------------------

TEST(SquareSignatureTest, SignsUrlPlusBody) {
  SquareConnector c;
  Delivery d;
  d.url = "https://hub.example.com/webhooks/square";
  d.body = R"({"event_id":"e1"})";
  d.headers = {{"X-Square-HmacSha256-Signature", B64(RawHmac("sq_key", d.url + d.body))}};
  EXPECT_TRUE(c.Verify(d, Secrets{{"sq_old", "sq_key"}}, kClock).has_value());

  Delivery other_url = d;
  other_url.url = "https://hub.example.com/webhooks/square/";
  ExpectUnauthenticated(c.Verify(other_url, Secrets{{"sq_key"}}, kClock), "does not match");
  Delivery no_url = d;
  no_url.url.clear();
  ExpectUnauthenticated(c.Verify(no_url, Secrets{{"sq_key"}}, kClock), "URL");
  ExpectUnauthenticated(c.Verify(d, Secrets{{"wrong"}}, kClock), "does not match");
  Delivery body_changed = d;
  body_changed.body += " ";
  ExpectUnauthenticated(c.Verify(body_changed, Secrets{{"sq_key"}}, kClock), "does not match");
  Delivery missing = d;
  missing.headers.clear();
  ExpectUnauthenticated(c.Verify(missing, Secrets{{"sq_key"}}, kClock), "missing");
  Delivery malformed = d;
  malformed.headers[0].second = "abc";
  ExpectUnauthenticated(c.Verify(malformed, Secrets{{"sq_key"}}, kClock), "malformed");
}

// A return rung up at Square POS, read back from the Orders API with its
// refund beside it (tests/golden/square/return_cross_channel.input.json), is
// POSTed to the Square endpoint signed exactly like a notification: HMAC-SHA256
// of URL + body under the subscription's key, base64. Without an envelope
// `type` the body's top-level "order" makes it the `order` page.
TEST(SquareSignatureTest, ReturnOrderReadBackIsSignedAndTranslatedLikeANotification) {
  const std::filesystem::path input = std::filesystem::path(__FILE__).parent_path() / ".." / ".." /
                                      "tests" / "golden" / "square" /
                                      "return_cross_channel.input.json";
  SquareConnector c;
  Delivery d;
  d.account = "demo-merchant";
  d.url = "https://hub.example.com/v1/webhooks/square/demo-merchant";
  d.body = testing::ReadFile(input);
  ASSERT_FALSE(d.body.empty()) << input;
  d.headers = {{"x-square-hmacsha256-signature", B64(RawHmac("sq_key", d.url + d.body))}};
  ASSERT_TRUE(c.Verify(d, Secrets{{"sq_key"}}, kClock).has_value());
  ExpectUnauthenticated(c.Verify(d, Secrets{{"another_key"}}, kClock), "does not match");
  Delivery tampered = d;
  tampered.body.replace(tampered.body.find("2970"), 4, "9970");
  ExpectUnauthenticated(c.Verify(tampered, Secrets{{"sq_key"}}, kClock), "does not match");

  EXPECT_EQ(c.Topic(d).value(), "order");
  EXPECT_EQ(c.DedupKey(d).value(), "sha256:" + Sha256Hex(d.body));
  auto events = c.Translate(d);
  ASSERT_TRUE(events.has_value()) << events.error().ToString();
  ASSERT_EQ(events->size(), 2U);
  const Event& ret = (*events)[0];
  const Event& refund = (*events)[1];
  EXPECT_EQ(ret.type, "return.created");
  EXPECT_EQ(refund.type, "refund.created");
  // The web order's canonical id, as the Shopify connector keys it.
  EXPECT_EQ(ret.key, "shopify:demo-shop.myshopify.com:5551001");
  EXPECT_EQ(refund.key, ret.key);
  const auto& line = ret.data.at("lines").as_array().at(0).as_object();
  EXPECT_EQ(line.at("line_id").as_string(), "9002");
  EXPECT_EQ(line.at("sku").as_string(), "SCF-02");
  EXPECT_EQ(line.at("quantity").as_int64(), 1);
  EXPECT_TRUE(line.at("restock").as_bool());
  EXPECT_EQ(ret.data.at("location_id").as_string(), "SF-01");
  const auto& tender = refund.data.at("tenders").as_array().at(0).as_object();
  EXPECT_EQ(tender.at("gateway").as_string(), "stripe");
  EXPECT_EQ(tender.at("gateway_reference").as_string(), "re_demo_ana");
  EXPECT_EQ(tender.at("kind").as_string(), "card");
  EXPECT_EQ(tender.at("amount").as_object().at("amount").as_string(), "29.70");
  EXPECT_EQ(refund.data.at("return_id").as_string(), "sq-ord-return-scarf");
  // Deterministic: the same bytes give the same events.
  auto again = c.Translate(d);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(EventToJson((*again)[1]), EventToJson(refund));
  // A body that is neither an envelope nor an order page names what is missing.
  Delivery neither = d;
  neither.body = R"({"refunds":[]})";
  EXPECT_EQ(c.Topic(neither).error().field, "type");
  EXPECT_EQ(c.DedupKey(neither).error().field, "event_id");
}

// ---- Adyen -----------------------------------------------------------------

std::string AdyenBody(const std::string& signature, const std::string& value = "1000") {
  return R"({"live":"false","notificationItems":[{"NotificationRequestItem":{)"
         R"("additionalData":{"hmacSignature":")" +
         signature + R"("},"amount":{"currency":"EUR","value":)" + value +
         R"(},"eventCode":"AUTHORISATION","eventDate":"2026-01-01T00:00:00+01:00",)"
         R"("merchantAccountCode":"Acme","merchantReference":"r1","originalReference":"",)"
         R"("pspReference":"PSP1","success":"true"}}]})";
}

TEST(AdyenSignatureTest, SignsTheColonJoinedFieldsWithTheHexDecodedKey) {
  AdyenConnector c;
  const std::string hex_key = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056";
  std::string raw_key;
  for (std::size_t i = 0; i < hex_key.size(); i += 2) {
    raw_key += static_cast<char>(std::stoi(hex_key.substr(i, 2), nullptr, 16));
  }
  const std::string sig = B64(RawHmac(raw_key, "PSP1::Acme:r1:1000:EUR:AUTHORISATION:true"));
  Delivery d;
  d.body = AdyenBody(sig);
  EXPECT_TRUE(c.Verify(d, Secrets{{hex_key}}, kClock).has_value());

  ExpectUnauthenticated(c.Verify(d, Secrets{{std::string(64, 'A')}}, kClock), "does not match");
  Delivery tampered;
  tampered.body = AdyenBody(sig, "100000");
  ExpectUnauthenticated(c.Verify(tampered, Secrets{{hex_key}}, kClock), "does not match");
  Delivery unsigned_item;
  unsigned_item.body = AdyenBody("");
  ExpectUnauthenticated(c.Verify(unsigned_item, Secrets{{hex_key}}, kClock), "missing");
  ExpectUnauthenticated(c.Verify(d, Secrets{{"not hex"}}, kClock), "not hex");
  Delivery garbage;
  garbage.body = "{";
  ExpectUnauthenticated(c.Verify(garbage, Secrets{{hex_key}}, kClock), "cannot read");
}

// RFC 4231 test cases 2 and 6 (a key longer than the 64-byte block is
// hashed first), and agreement with OpenSSL's own HMAC on a webhook-sized
// body: HmacSha256 is our RFC 2104 over a cached SHA-256.
TEST(HmacSha256Test, MatchesRfc4231AndOpenSsl) {
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(HexEncode(HmacSha256(std::string(131, '\xaa'),
                                 "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  const std::string body(2048, 'x');
  EXPECT_EQ(HmacSha256("whsec_0123456789", body), RawHmac("whsec_0123456789", body));
  EXPECT_EQ(HmacSha256(std::string(64, 'k'), body), RawHmac(std::string(64, 'k'), body));
  EXPECT_EQ(HmacSha256("", ""), RawHmac("", ""));
}

}  // namespace
}  // namespace hub
