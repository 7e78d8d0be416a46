// Unit tests of API keys (format, hashed storage, revoke, no oracle), the
// token bucket (with an injected clock: no sleeps) and PII masking.
#include "api/v1/auth.h"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "api/v1/masking.h"
#include "bus/bus.h"
#include "testing/testing.h"

namespace hub::api::v1 {
namespace {

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto st = store::OpenSqliteStore({.path = (dir_.path() / "hub.db").string()});
    ASSERT_TRUE(st) << st.error().ToString();
    store_ = std::move(*st);
    ASSERT_TRUE(store_->Migrate(bus::Operations::Migrations()));
    ASSERT_TRUE(store_->Migrate(Migrations()));
  }
  // Every text value of api_keys, to prove the secret is not stored.
  std::string KeysTableText() {
    auto conn = store_->Connect().value();
    auto* s =
        conn->Prepare("SELECT id || hash || role || label || created_by FROM api_keys").value();
    std::string all;
    while (s->Step().value()) {
      all += s->Text(0);
    }
    return all;
  }

  hub::testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  FakeClock clock_{Instant::FromSeconds(1'800'000'000)};
};

TEST_F(AuthTest, UnknownMalformedAndRevokedKeysAreUnauthenticated) {
  Auth auth(*store_, clock_);
  for (const char* bad : {"", "rh_", "rh_short", "Bearer x", "rh_' OR '1'='1",
                          "rh_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}) {
    auto p = auth.Authenticate(bad);
    ASSERT_FALSE(p) << bad;
    EXPECT_EQ(p.error().code, ErrorCode::kUnauthenticated);
  }
  auto secret = auth.CreateKey(Role::kViewer, "ci", "test").value();
  std::string tampered = secret;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';  // same id, wrong secret
  EXPECT_FALSE(auth.Authenticate(tampered));
  ASSERT_TRUE(auth.Revoke(KeyIdOf(secret), "test"));
  EXPECT_FALSE(auth.Authenticate(secret));
  EXPECT_TRUE(auth.Revoke(KeyIdOf(secret), "test"));  // twice is fine
  EXPECT_EQ(auth.Revoke("nope", "test").error().code, ErrorCode::kNotFound);
}

TEST_F(AuthTest, CreateKeyReturnsTheSecretOnceAndStoresOnlyItsHash) {
  Auth auth(*store_, clock_);
  auto secret = auth.CreateKey(Role::kFinance, "books", "alice");
  ASSERT_TRUE(secret) << secret.error().ToString();
  EXPECT_TRUE(secret->starts_with("rh_"));
  EXPECT_EQ(secret->size(), 3u + 43u);  // 32 bytes, base64url without padding
  EXPECT_EQ(secret->find_first_of("+/="), std::string::npos);
  EXPECT_EQ(KeyIdOf(*secret), secret->substr(3, 8));
  EXPECT_EQ(KeysTableText().find(secret->substr(11)), std::string::npos);
  EXPECT_NE(KeysTableText().find(Sha256Hex(*secret)), std::string::npos);

  auto p = auth.Authenticate(*secret);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->role, Role::kFinance);
  EXPECT_EQ(p->Actor(), "key:" + KeyIdOf(*secret) + "(books)");
  auto keys = auth.List().value();
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].created_by, "alice");
  EXPECT_FALSE(keys[0].revoked_at);
  EXPECT_NE(*secret, auth.CreateKey(Role::kFinance, "books", "alice").value());
}

TEST_F(AuthTest, KeyCreateAndRevokeAreAudited) {
  Auth auth(*store_, clock_);
  auto secret = auth.CreateKey(Role::kAdmin, "", "root").value();
  ASSERT_TRUE(auth.Revoke(KeyIdOf(secret), "root"));
  auto conn = store_->Connect().value();
  auto* s =
      conn->Prepare("SELECT actor, action, object, after FROM audit_log ORDER BY seq").value();
  ASSERT_TRUE(s->Step().value());
  EXPECT_EQ(s->Text(1), "key.create");
  EXPECT_EQ(s->Text(2), "key:" + KeyIdOf(secret));
  EXPECT_EQ(s->Text(3).find(secret), std::string::npos);
  ASSERT_TRUE(s->Step().value());
  EXPECT_EQ(s->Text(0), "root");
  EXPECT_EQ(s->Text(1), "key.revoke");
}

TEST_F(AuthTest, ParseRoleNamesTheField) {
  EXPECT_EQ(ParseRole("steward").value(), Role::kSteward);
  auto bad = ParseRole("root");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "role");
}

TEST_F(AuthTest, TokenBucketAllowsBurstThenAsksToWait) {
  Auth auth(*store_, clock_, AuthOptions{.rate_per_s = 2, .burst = 3});
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(auth.RetryAfterSeconds("k1"), 0) << i;
  }
  EXPECT_EQ(auth.RetryAfterSeconds("k1"), 1);
  EXPECT_EQ(auth.RetryAfterSeconds("k2"), 0);  // buckets are per key
  clock_.AdvanceMicros(500'000);               // 2/s: one token back after 0.5 s
  EXPECT_EQ(auth.RetryAfterSeconds("k1"), 0);
  EXPECT_EQ(auth.RetryAfterSeconds("k1"), 1);
  clock_.AdvanceMicros(3600LL * 1'000'000);  // refill is capped at the burst
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(auth.RetryAfterSeconds("k1"), 0);
  }
  EXPECT_EQ(auth.RetryAfterSeconds("k1"), 1);
}

TEST(MaskingTest, MasksEveryPiiShapeForReadersAndCountsForStewards) {
  auto doc = boost::json::parse(R"({
    "id":"cus_1","name":"Ana",
    "email":"ana.souza@example.com","phones":["+14155550134"],
    "birth_date":"1990-01-02","address":{"line1":"1 Main St","city":"Lisbon"},
    "sources":[{"record":"shopify:1","emails":["ana.souza@example.com"]}],
    "lineage":{"phone":{"value":"+14155550134","source":"shopify"}}})");
  auto copy = doc;
  EXPECT_EQ(MaskPii(copy, false), 7);
  EXPECT_EQ(copy, doc);  // counting only
  EXPECT_EQ(MaskPii(doc, true), 7);
  const auto& o = doc.as_object();
  EXPECT_EQ(o.at("email"), "a***@example.com");
  EXPECT_EQ(o.at("phones").as_array()[0], "+1******0134");
  EXPECT_EQ(o.at("birth_date"), "***");
  EXPECT_EQ(o.at("address").as_object().at("line1"), "***");
  EXPECT_EQ(o.at("sources").as_array()[0].as_object().at("emails").as_array()[0],
            "a***@example.com");
  EXPECT_EQ(o.at("lineage").as_object().at("phone").as_object().at("value"), "+1******0134");
  EXPECT_EQ(o.at("lineage").as_object().at("phone").as_object().at("source"), "shopify");
  EXPECT_EQ(o.at("name"), "Ana");
  EXPECT_EQ(boost::json::serialize(doc).find("ana.souza"), std::string::npos);
}

}  // namespace
}  // namespace hub::api::v1
