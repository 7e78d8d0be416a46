// Money and Currency: exact parsing, checked arithmetic at the int64 edges,
// currency mixing, formatting, and largest-remainder allocation (fixed cases
// plus a seeded property test). Failure paths first.
#include "core/money.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace hub {
namespace {

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();

Currency Cur(std::string_view code) {
  auto c = Currency::FromCode(code);
  EXPECT_TRUE(c.has_value()) << code;
  return c.value_or(Currency{});
}

Money M(std::int64_t minor, std::string_view code) { return Money(minor, Cur(code)); }

// ---- Currency table ---------------------------------------------------------

TEST(CurrencyTest, RejectsUnknownAndLowerCaseCodes) {
  const std::vector<std::string_view> codes = {
      "ABC", "usd", "Usd", "", "US", "USDX", "XAU", "XXX", "HRK", std::string_view("US\0", 3)};
  for (const std::string_view code : codes) {
    const auto c = Currency::FromCode(code);
    ASSERT_FALSE(c.has_value()) << code;
    EXPECT_EQ(c.error().code, ErrorCode::kInvalidArgument);
  }
  EXPECT_NE(Currency::FromCode("usd").error().message.find("\"usd\""), std::string::npos);
}

TEST(CurrencyTest, TableIsLargeSortedAndUnique) {
  const auto all = AllCurrencies();
  EXPECT_GE(all.size(), 150u);
  EXPECT_TRUE(std::adjacent_find(all.begin(), all.end(), [](const Currency& a, const Currency& b) {
                return !(a < b);
              }) == all.end());
  for (const Currency& c : all) {
    EXPECT_TRUE(c.valid());
    EXPECT_GE(c.exponent(), 0);
    EXPECT_LE(c.exponent(), 4);
    const auto found = Currency::FromCode(c.code());
    ASSERT_TRUE(found.has_value()) << c.code();
    EXPECT_EQ(*found, c);
    for (const char ch : c.code()) {
      EXPECT_TRUE(ch >= 'A' && ch <= 'Z') << c.code();
    }
  }
}

TEST(CurrencyTest, Exponents) {
  const std::vector<std::pair<std::string_view, int>> cases = {
      {"USD", 2}, {"EUR", 2}, {"GBP", 2}, {"JPY", 0}, {"KRW", 0}, {"ISK", 0}, {"VND", 0},
      {"XAF", 0}, {"XOF", 0}, {"XPF", 0}, {"CLP", 0}, {"PYG", 0}, {"UGX", 0}, {"RWF", 0},
      {"KMF", 0}, {"GNF", 0}, {"DJF", 0}, {"BIF", 0}, {"VUV", 0}, {"KWD", 3}, {"BHD", 3},
      {"JOD", 3}, {"OMR", 3}, {"TND", 3}, {"LYD", 3}, {"IQD", 3}, {"CLF", 4}, {"UYW", 4},
      {"AED", 2}, {"ZAR", 2}, {"AFN", 2}, {"ZWL", 2},
  };
  for (const auto& [code, exponent] : cases) {
    const auto c = Currency::FromCode(code);
    ASSERT_TRUE(c.has_value()) << code;
    EXPECT_EQ(c->code(), code);
    EXPECT_EQ(c->exponent(), exponent) << code;
  }
}

TEST(CurrencyTest, DefaultIsInvalid) { EXPECT_FALSE(Currency{}.valid()); }

// ---- Parsing ----------------------------------------------------------------

struct ParseCase {
  std::string_view input;
  std::string_view currency;
  std::int64_t minor;  // expected when code is nullopt
  std::optional<ErrorCode> code;
};

TEST(MoneyParseTest, Table) {
  const std::vector<ParseCase> cases = {
      // Rejections first.
      {"", "USD", 0, ErrorCode::kParse},
      {"-", "USD", 0, ErrorCode::kParse},
      {" 1", "USD", 0, ErrorCode::kParse},
      {"1 ", "USD", 0, ErrorCode::kParse},
      {"+1", "USD", 0, ErrorCode::kParse},
      {"--1", "USD", 0, ErrorCode::kParse},
      {"-+1", "USD", 0, ErrorCode::kParse},
      {".5", "USD", 0, ErrorCode::kParse},
      {"-.5", "USD", 0, ErrorCode::kParse},
      {"5.", "USD", 0, ErrorCode::kParse},
      {"1.2.3", "USD", 0, ErrorCode::kParse},
      {"1,000", "USD", 0, ErrorCode::kParse},
      {"1e3", "USD", 0, ErrorCode::kParse},
      {"1E3", "USD", 0, ErrorCode::kParse},
      {"0x10", "USD", 0, ErrorCode::kParse},
      {"NaN", "USD", 0, ErrorCode::kParse},
      {"inf", "USD", 0, ErrorCode::kParse},
      {"12.3a", "USD", 0, ErrorCode::kParse},
      {"１", "USD", 0, ErrorCode::kParse},  // full-width digit
      {"12.345", "USD", 0, ErrorCode::kPrecision},
      {"0.001", "USD", 0, ErrorCode::kPrecision},
      {"-0.001", "USD", 0, ErrorCode::kPrecision},
      {"12.3001", "USD", 0, ErrorCode::kPrecision},
      {"100.5", "JPY", 0, ErrorCode::kPrecision},
      {"1.0001", "KWD", 0, ErrorCode::kPrecision},
      {"92233720368547758.08", "USD", 0, ErrorCode::kOverflow},
      {"-92233720368547758.09", "USD", 0, ErrorCode::kOverflow},
      {"9223372036854775808", "JPY", 0, ErrorCode::kOverflow},
      {"99999999999999999999999999", "USD", 0, ErrorCode::kOverflow},
      {"9223372036854775.808", "KWD", 0, ErrorCode::kOverflow},
      // Accepted.
      {"0", "USD", 0, std::nullopt},
      {"-0", "USD", 0, std::nullopt},
      {"-0.00", "USD", 0, std::nullopt},
      {"12", "USD", 1200, std::nullopt},
      {"12.3", "USD", 1230, std::nullopt},
      {"12.30", "USD", 1230, std::nullopt},
      {"12.300", "USD", 1230, std::nullopt},
      {"12.30000000000000000000", "USD", 1230, std::nullopt},
      {"-0.5", "USD", -50, std::nullopt},
      {"-0.05", "USD", -5, std::nullopt},
      {"0.01", "USD", 1, std::nullopt},
      {"007.10", "USD", 710, std::nullopt},
      {"92233720368547758.07", "USD", kMax, std::nullopt},
      {"-92233720368547758.08", "USD", kMin, std::nullopt},
      {"1000", "JPY", 1000, std::nullopt},
      {"100.00", "JPY", 100, std::nullopt},
      {"-5", "JPY", -5, std::nullopt},
      {"9223372036854775807", "JPY", kMax, std::nullopt},
      {"-9223372036854775808", "JPY", kMin, std::nullopt},
      {"1", "KWD", 1000, std::nullopt},
      {"1.5", "KWD", 1500, std::nullopt},
      {"0.001", "KWD", 1, std::nullopt},
      {"-9223372036854775.808", "KWD", kMin, std::nullopt},
      {"1.2345", "CLF", 12345, std::nullopt},
  };
  ASSERT_GE(cases.size(), 30u);
  for (const ParseCase& c : cases) {
    SCOPED_TRACE(testing::Message() << "input \"" << c.input << "\" " << c.currency);
    const auto got = Money::Parse(c.input, c.currency);
    if (c.code) {
      ASSERT_FALSE(got.has_value()) << got->minor_units();
      EXPECT_EQ(got.error().code, *c.code) << got.error().ToString();
      EXPECT_NE(got.error().message.find(fmt::format("{:?}", c.input)), std::string::npos)
          << "message must name the input: " << got.error().message;
    } else {
      ASSERT_TRUE(got.has_value()) << got.error().ToString();
      EXPECT_EQ(got->minor_units(), c.minor);
      EXPECT_EQ(got->currency().code(), c.currency);
    }
  }
}

TEST(MoneyParseTest, PrecisionMessageNamesInputCurrencyAndExponent) {
  const auto got = Money::Parse("12.345", "USD");
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().message, "\"12.345\" has more decimals than USD allows (2)");
}

TEST(MoneyParseTest, UnknownCurrencyCodeIsInvalidArgument) {
  const auto got = Money::Parse("1.00", "ABC");
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(got.error().message.find("ABC"), std::string::npos);
}

TEST(MoneyParseTest, InvalidCurrencyIsInvalidArgument) {
  const auto got = Money::Parse("1.00", Currency{});
  ASSERT_FALSE(got.has_value());
  EXPECT_EQ(got.error().code, ErrorCode::kInvalidArgument);
}

TEST(MoneyParseTest, EchoedInputIsEscapedAndBounded) {
  const std::string long_input = std::string(1000, '7') + "x";
  const auto got = Money::Parse(long_input, "USD");
  ASSERT_FALSE(got.has_value());
  EXPECT_LT(got.error().message.size(), 200u);
  const auto ctrl = Money::Parse("1\n2", "USD");
  ASSERT_FALSE(ctrl.has_value());
  EXPECT_EQ(ctrl.error().message.find('\n'), std::string::npos);
}

TEST(MoneyParseTest, RoundTripsThroughToDecimal) {
  for (const std::string_view code : {"USD", "JPY", "KWD", "CLF"}) {
    for (const std::int64_t v : {kMin, kMin + 1, std::int64_t{-1}, std::int64_t{0}, std::int64_t{1},
                                 std::int64_t{123456789}, kMax}) {
      const Money m = M(v, code);
      const auto back = Money::Parse(m.ToDecimal(), code);
      ASSERT_TRUE(back.has_value()) << m.ToString();
      EXPECT_EQ(*back, m);
    }
  }
}

// ---- Arithmetic -------------------------------------------------------------

TEST(MoneyArithmeticTest, MixedCurrenciesAreRefusedNamingBoth) {
  const Money usd = M(1230, "USD");
  const Money eur = M(500, "EUR");
  for (const auto& got : {usd.Add(eur), usd.Sub(eur)}) {
    ASSERT_FALSE(got.has_value());
    EXPECT_EQ(got.error().code, ErrorCode::kCurrencyMismatch);
    EXPECT_NE(got.error().message.find("USD"), std::string::npos) << got.error().message;
    EXPECT_NE(got.error().message.find("EUR"), std::string::npos) << got.error().message;
  }
  // Same minor-unit count, different currencies: not equal either.
  EXPECT_NE(M(100, "USD"), M(100, "EUR"));
}

TEST(MoneyArithmeticTest, OverflowAtTheEdges) {
  const Money max = M(kMax, "USD");
  const Money min = M(kMin, "USD");
  const Money one = M(1, "USD");
  EXPECT_EQ(max.Add(one).error().code, ErrorCode::kOverflow);
  EXPECT_EQ(min.Add(M(-1, "USD")).error().code, ErrorCode::kOverflow);
  EXPECT_EQ(min.Sub(one).error().code, ErrorCode::kOverflow);
  EXPECT_EQ(max.Sub(M(-1, "USD")).error().code, ErrorCode::kOverflow);
  EXPECT_EQ(M(0, "USD").Sub(min).error().code, ErrorCode::kOverflow);
  EXPECT_EQ(max.Multiply(2).error().code, ErrorCode::kOverflow);
  EXPECT_EQ(min.Multiply(-1).error().code, ErrorCode::kOverflow);
  EXPECT_EQ(M(kMax / 2 + 1, "USD").Multiply(2).error().code, ErrorCode::kOverflow);
  EXPECT_EQ(min.Negate().error().code, ErrorCode::kOverflow);
  EXPECT_EQ(CheckedAdd(kMax, 1).error().code, ErrorCode::kOverflow);
  EXPECT_EQ(CheckedMul(kMin, -1).error().code, ErrorCode::kOverflow);
  EXPECT_NE(max.Add(one).error().message.find("92233720368547758.07 USD"), std::string::npos);
  // Just inside the edges.
  EXPECT_EQ(max.Sub(one)->Add(one).value(), max);
  EXPECT_EQ(min.Add(one)->Sub(one).value(), min);
  EXPECT_EQ(M(kMax / 2, "USD").Multiply(2)->minor_units(), kMax - 1);
  EXPECT_EQ(M(kMin / 2, "USD").Multiply(2)->minor_units(), kMin);
  EXPECT_EQ(max.Multiply(-1)->minor_units(), -kMax);
  EXPECT_EQ(max.Negate()->minor_units(), -kMax);
  EXPECT_EQ(M(-kMax, "USD").Negate()->minor_units(), kMax);
  EXPECT_EQ(CheckedAdd(kMax, kMin).value(), -1);
  EXPECT_EQ(CheckedMul(-1, kMax).value(), -kMax);
}

TEST(MoneyArithmeticTest, Basics) {
  const Money a = M(1230, "USD");
  EXPECT_EQ(a.Add(M(70, "USD"))->minor_units(), 1300);
  EXPECT_EQ(a.Sub(M(1300, "USD"))->minor_units(), -70);
  EXPECT_EQ(a.Multiply(3)->minor_units(), 3690);
  EXPECT_EQ(a.Multiply(0)->minor_units(), 0);
  EXPECT_EQ(a.Negate()->minor_units(), -1230);
  EXPECT_EQ(a.Add(M(0, "USD"))->currency().code(), "USD");
  EXPECT_TRUE(Money::Zero(Cur("EUR")).is_zero());
  EXPECT_TRUE(M(-1, "EUR").is_negative());
}

// ---- Formatting -------------------------------------------------------------

TEST(MoneyFormatTest, ToDecimalTable) {
  const std::vector<std::tuple<std::int64_t, std::string_view, std::string_view>> cases = {
      {1230, "USD", "12.30"},
      {-50, "USD", "-0.50"},
      {5, "USD", "0.05"},
      {-5, "USD", "-0.05"},
      {0, "USD", "0.00"},
      {100, "USD", "1.00"},
      {kMax, "USD", "92233720368547758.07"},
      {kMin, "USD", "-92233720368547758.08"},
      {1000, "JPY", "1000"},
      {-7, "JPY", "-7"},
      {0, "JPY", "0"},
      {kMin, "JPY", "-9223372036854775808"},
      {1000, "KWD", "1.000"},
      {1, "KWD", "0.001"},
      {-1234, "KWD", "-1.234"},
      {12345, "CLF", "1.2345"},
  };
  for (const auto& [minor, code, want] : cases) {
    EXPECT_EQ(M(minor, code).ToDecimal(), want) << minor << " " << code;
  }
  EXPECT_EQ(M(1230, "USD").ToString(), "12.30 USD");
  EXPECT_EQ(M(1000, "JPY").ToString(), "1000 JPY");
}

// ---- Allocation -------------------------------------------------------------

std::vector<std::int64_t> Parts(const std::vector<Money>& parts) {
  std::vector<std::int64_t> out;
  for (const Money& m : parts) {
    out.push_back(m.minor_units());
  }
  return out;
}

TEST(MoneyAllocateTest, RejectsBadWeights) {
  const Money m = M(100, "USD");
  EXPECT_EQ(m.Allocate({}).error().code, ErrorCode::kInvalidArgument);
  const std::vector<std::int64_t> negative = {1, -1, 2};
  EXPECT_EQ(m.Allocate(negative).error().code, ErrorCode::kInvalidArgument);
  const std::vector<std::int64_t> zeros = {0, 0};
  EXPECT_EQ(m.Allocate(zeros).error().code, ErrorCode::kInvalidArgument);
}

TEST(MoneyAllocateTest, FixedCases) {
  using W = std::vector<std::int64_t>;
  struct Case {
    std::int64_t amount;
    W weights;
    W want;
  };
  const std::vector<Case> cases = {
      {100, {1, 1, 1}, {34, 33, 33}},
      {-100, {1, 1, 1}, {-34, -33, -33}},
      {1500, {120, 30}, {1200, 300}},
      {0, {1, 2}, {0, 0}},
      {5, {0, 1, 0}, {0, 5, 0}},
      {1, {1, 1}, {1, 0}},  // tie: earlier index wins
      {2, {1, 1, 1}, {1, 1, 0}},
      {10, {1, 2}, {3, 7}},  // 3.33 / 6.67: larger remainder gets the unit
      {kMax, {1, 1}, {kMax / 2 + 1, kMax / 2}},
      {kMin, {1, 1}, {kMin / 2, kMin / 2}},
      {kMin, {1}, {kMin}},
      {kMax, {kMax, kMax, 1}, {kMax / 2, kMax / 2, 1}},
  };
  for (const Case& c : cases) {
    const auto got = M(c.amount, "USD").Allocate(c.weights);
    ASSERT_TRUE(got.has_value()) << got.error().ToString();
    EXPECT_EQ(Parts(*got), c.want) << c.amount;
    for (const Money& part : *got) {
      EXPECT_EQ(part.currency().code(), "USD");
    }
  }
  // 15.00 split 120:30.
  const auto parts = Money::Parse("15.00", "USD")->Allocate(std::vector<std::int64_t>{120, 30});
  ASSERT_TRUE(parts.has_value());
  EXPECT_EQ((*parts)[0].ToDecimal(), "12.00");
  EXPECT_EQ((*parts)[1].ToDecimal(), "3.00");
}

__extension__ typedef __int128 I128;
__extension__ typedef unsigned __int128 U128;

// Property: for random amounts (including negatives and the int64 edges) and
// 1-20 random weights (including zeros and huge ones), the parts sum to the
// whole, each part is floor or ceil of its exact share |A|*w/S (compared
// exactly in 128-bit), the units above floor go to the largest remainders
// with ties to the earlier index, and the sign follows the amount.
TEST(MoneyAllocateTest, PropertyPartsSumToWholeAndStayWithinOneUnit) {
  std::mt19937_64 rng(20261126);
  const Currency usd = Cur("USD");
  auto amount_of = [&]() -> std::int64_t {
    switch (rng() % 5) {
      case 0:
        return static_cast<std::int64_t>(rng() % 2001) - 1000;
      case 1:
        return kMax - static_cast<std::int64_t>(rng() % 1000);
      case 2:
        return kMin + static_cast<std::int64_t>(rng() % 1000);
      case 3:
        return static_cast<std::int64_t>(rng());  // any int64
      default:
        return static_cast<std::int64_t>(rng() % 10'000'000) - 5'000'000;
    }
  };
  auto weight_of = [&]() -> std::int64_t {
    switch (rng() % 4) {
      case 0:
        return 0;
      case 1:
        return static_cast<std::int64_t>(rng() % 10);
      case 2:
        return static_cast<std::int64_t>(rng() >> 1);  // up to INT64_MAX
      default:
        return static_cast<std::int64_t>(rng() % 1'000'000);
    }
  };
  for (int iteration = 0; iteration < 5000; ++iteration) {
    const std::int64_t amount = amount_of();
    std::vector<std::int64_t> weights(1 + rng() % 20);
    for (auto& w : weights) {
      w = weight_of();
    }
    if (std::all_of(weights.begin(), weights.end(), [](std::int64_t w) { return w == 0; })) {
      weights.back() = 1;
    }
    SCOPED_TRACE(testing::Message() << "iteration " << iteration << " amount " << amount);
    const auto got = Money(amount, usd).Allocate(weights);
    ASSERT_TRUE(got.has_value()) << got.error().ToString();
    ASSERT_EQ(got->size(), weights.size());

    U128 sum_weights = 0;
    for (const std::int64_t w : weights) {
      sum_weights += static_cast<U128>(w);
    }
    const U128 magnitude = static_cast<U128>(amount < 0 ? -static_cast<I128>(amount) : amount);
    I128 total = 0;
    std::vector<U128> remainders(weights.size());
    std::vector<bool> rounded_up(weights.size());
    for (std::size_t i = 0; i < weights.size(); ++i) {
      const Money& part = (*got)[i];
      ASSERT_EQ(part.currency(), usd);
      total += part.minor_units();
      if (amount > 0) {
        ASSERT_GE(part.minor_units(), 0);
      } else if (amount < 0) {
        ASSERT_LE(part.minor_units(), 0);
      }
      const I128 signed_part = part.minor_units();
      const U128 abs_part = static_cast<U128>(signed_part < 0 ? -signed_part : signed_part);
      const U128 product = magnitude * static_cast<U128>(weights[i]);
      const U128 floor_share = product / sum_weights;
      remainders[i] = product % sum_weights;
      // Within one unit of the exact share: floor, or ceil when inexact.
      ASSERT_TRUE(abs_part == floor_share || (remainders[i] != 0 && abs_part == floor_share + 1))
          << "index " << i << " weight " << weights[i];
      rounded_up[i] = abs_part != floor_share;
    }
    ASSERT_TRUE(total == static_cast<I128>(amount));
    // Largest remainders win; on a tie the earlier index wins.
    for (std::size_t i = 0; i < weights.size(); ++i) {
      for (std::size_t j = 0; j < weights.size(); ++j) {
        if (rounded_up[i] && !rounded_up[j]) {
          ASSERT_TRUE(remainders[i] > remainders[j] || (remainders[i] == remainders[j] && i < j))
              << "index " << i << " got a unit ahead of index " << j;
        }
      }
    }
  }
}

}  // namespace
}  // namespace hub
