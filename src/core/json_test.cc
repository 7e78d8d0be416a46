// JSON helpers: Money round trip, path-naming errors, typed getters, lenient
// and strict optional lookups, parse failures. Failure paths first.
#include "core/json.h"

#include <gtest/gtest.h>

#include <fmt/format.h>
#include <boost/json.hpp>

#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace hub {
namespace {

namespace json = boost::json;

json::value Doc(std::string_view text) {
  auto v = ParseJson(text);
  EXPECT_TRUE(v.has_value()) << text;
  return v.value_or(json::value());
}

TEST(MoneyJsonTest, ErrorsNameThePath) {
  struct Case {
    std::string_view doc;
    ErrorCode code;
    std::string_view field;
    std::string_view message_part;
  };
  const std::vector<Case> cases = {
      {R"("12.30")", ErrorCode::kInvalidArgument, "$.total", "expected object at $.total"},
      {R"({"currency":"USD"})", ErrorCode::kInvalidArgument, "$.total.amount",
       "missing required field $.total.amount"},
      {R"({"amount":null,"currency":"USD"})", ErrorCode::kInvalidArgument, "$.total.amount",
       "missing required field $.total.amount"},
      {R"({"amount":"1.00"})", ErrorCode::kInvalidArgument, "$.total.currency",
       "missing required field $.total.currency"},
      {R"({"amount":12.3,"currency":"USD"})", ErrorCode::kInvalidArgument, "$.total.amount",
       "expected string at $.total.amount"},
      {R"({"amount":1230,"currency":"USD"})", ErrorCode::kInvalidArgument, "$.total.amount",
       "expected string at $.total.amount"},
      {R"({"amount":"1.00","currency":840})", ErrorCode::kInvalidArgument, "$.total.currency",
       "expected string at $.total.currency"},
      {R"({"amount":"1.00","currency":"usd"})", ErrorCode::kInvalidArgument, "$.total.currency",
       "\"usd\""},
      {R"({"amount":"12.345","currency":"USD"})", ErrorCode::kPrecision, "$.total.amount",
       "\"12.345\" has more decimals than USD allows (2)"},
      {R"({"amount":"1e3","currency":"USD"})", ErrorCode::kParse, "$.total.amount", "\"1e3\""},
      {R"({"amount":"99999999999999999999","currency":"USD"})", ErrorCode::kOverflow,
       "$.total.amount", "99999999999999999999"},
  };
  for (const Case& c : cases) {
    const auto got = MoneyFromJson(Doc(c.doc), "$.total");
    ASSERT_FALSE(got.has_value()) << c.doc;
    EXPECT_EQ(got.error().code, c.code) << c.doc << ": " << got.error().ToString();
    EXPECT_EQ(got.error().field, c.field) << c.doc;
    EXPECT_NE(got.error().message.find(c.message_part), std::string::npos)
        << c.doc << ": " << got.error().message;
  }
}

TEST(MoneyJsonTest, RoundTrip) {
  for (const auto& [amount, code] : std::vector<std::pair<std::string_view, std::string_view>>{
           {"12.30", "USD"},
           {"-0.50", "USD"},
           {"1000", "JPY"},
           {"1.000", "KWD"},
           {"-92233720368547758.08", "USD"}}) {
    const Money m = Money::Parse(amount, code).value();
    const json::value j = MoneyToJson(m);
    EXPECT_EQ(ToJsonString(j), fmt::format(R"({{"amount":"{}","currency":"{}"}})", amount, code));
    const auto back = MoneyFromJson(Doc(ToJsonString(j)), "$");
    ASSERT_TRUE(back.has_value()) << back.error().ToString();
    EXPECT_EQ(*back, m);
  }
  // Extra fields are ignored; trailing zeros are accepted.
  const auto lenient = MoneyFromJson(Doc(R"({"amount":"5.500","currency":"EUR","x":1})"), "$");
  ASSERT_TRUE(lenient.has_value());
  EXPECT_EQ(lenient->ToString(), "5.50 EUR");
}

TEST(JsonGetTest, MissingAndWrongType) {
  const json::object o =
      Doc(R"({"s":"x","i":42,"b":true,"n":null,"d":1.5,"big":18446744073709551615,
                                "neg":-7,"o":{"k":1},"a":[1,2]})")
          .as_object();
  auto missing = GetString(o, "nope", "$.a");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(missing.error().field, "$.a.nope");
  EXPECT_EQ(missing.error().message, "missing required field $.a.nope");

  auto wrong = GetString(o, "i", "$.a");
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().field, "$.a.i");
  EXPECT_EQ(wrong.error().message, "expected string at $.a.i");

  EXPECT_EQ(GetString(o, "n", "$").error().message, "missing required field $.n");
  EXPECT_EQ(GetInt64(o, "s", "$").error().field, "$.s");
  EXPECT_EQ(GetInt64(o, "d", "$").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(GetInt64(o, "big", "$").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(GetInt64(o, "b", "$").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(GetBool(o, "i", "$").error().message, "expected boolean at $.i");
  EXPECT_EQ(GetBool(o, "nope", "$").error().field, "$.nope");
  EXPECT_EQ(GetObject(o, "a", "$").error().message, "expected object at $.a");
  EXPECT_EQ(GetArray(o, "o", "$").error().message, "expected array at $.o");
}

TEST(JsonGetTest, Values) {
  const json::object o =
      Doc(R"({"s":"x","i":42,"b":false,"neg":-7,"u":9223372036854775807,"o":{"k":1},"a":[1,2]})")
          .as_object();
  EXPECT_EQ(GetString(o, "s", "$").value(), "x");
  EXPECT_EQ(GetInt64(o, "i", "$").value(), 42);
  EXPECT_EQ(GetInt64(o, "neg", "$").value(), -7);
  EXPECT_EQ(GetInt64(o, "u", "$").value(), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(GetBool(o, "b", "$").value(), false);
  EXPECT_EQ(GetObject(o, "o", "$").value()->size(), 1u);
  EXPECT_EQ(GetArray(o, "a", "$").value()->size(), 2u);
}

TEST(JsonFindTest, LenientAndStrictOptionals) {
  const json::object o = Doc(R"({"s":"x","i":42,"b":true,"n":null})").as_object();
  EXPECT_EQ(FindString(o, "s"), "x");
  EXPECT_EQ(FindString(o, "i"), std::nullopt);
  EXPECT_EQ(FindString(o, "n"), std::nullopt);
  EXPECT_EQ(FindString(o, "nope"), std::nullopt);
  EXPECT_EQ(FindInt64(o, "i"), 42);
  EXPECT_EQ(FindInt64(o, "s"), std::nullopt);
  EXPECT_EQ(FindBool(o, "b"), true);
  EXPECT_EQ(FindBool(o, "i"), std::nullopt);

  EXPECT_EQ(GetOptionalString(o, "s", "$").value(), "x");
  EXPECT_EQ(GetOptionalString(o, "n", "$").value(), std::nullopt);
  EXPECT_EQ(GetOptionalString(o, "nope", "$").value(), std::nullopt);
  EXPECT_EQ(GetOptionalString(o, "i", "$").error().message, "expected string at $.i");
  EXPECT_EQ(GetOptionalInt64(o, "i", "$").value(), 42);
  EXPECT_EQ(GetOptionalInt64(o, "nope", "$").value(), std::nullopt);
  EXPECT_EQ(GetOptionalInt64(o, "s", "$").error().field, "$.s");
}

TEST(ParseJsonTest, RejectsBadDocumentsWithoutThrowing) {
  for (const std::string_view text :
       {"", "{", "{\"a\":}", "[1,]", "nul", "{} x", "'a'", "{\"a\":1,}", "/* c */ {}"}) {
    const auto got = ParseJson(text);
    ASSERT_FALSE(got.has_value()) << text;
    EXPECT_EQ(got.error().code, ErrorCode::kParse);
    EXPECT_NE(got.error().message.find("invalid JSON"), std::string::npos);
  }
  EXPECT_FALSE(ParseJson(std::string(100, '[') + std::string(100, ']')).has_value());  // depth
}

TEST(ParseJsonTest, SerializesCompactly) {
  EXPECT_EQ(ToJsonString(Doc(R"( { "a" : [ 1 , "x" ] } )")), R"({"a":[1,"x"]})");
  EXPECT_EQ(JoinPath("$.lines[0]", "sku"), "$.lines[0].sku");
}

}  // namespace
}  // namespace hub
