// Money: an exact amount as int64 minor units plus an ISO 4217 currency.
// No floating point touches money. Arithmetic is checked: overflow and mixing
// currencies are errors, never a wrap or a silent conversion. Value type;
// thread-compatible. The currency table (currency.cc) is immutable.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace hub {

// An ISO 4217 currency: alphabetic code and minor-unit exponent.
// Stored as the 3-letter code packed into an int so that copies are free.
class Currency {
 public:
  constexpr Currency() = default;
  // Looks up an active ISO 4217 code ("USD"); case-sensitive, upper case.
  static Result<Currency> FromCode(std::string_view code);
  std::string_view code() const { return {code_, 3}; }
  int exponent() const { return exponent_; }  // JPY 0, USD 2, KWD 3
  bool valid() const { return code_[0] != 0; }
  friend bool operator==(const Currency& a, const Currency& b) {
    return a.code_[0] == b.code_[0] && a.code_[1] == b.code_[1] && a.code_[2] == b.code_[2];
  }
  friend bool operator<(const Currency& a, const Currency& b) { return a.code() < b.code(); }

 private:
  constexpr Currency(const char* c, int e) : code_{c[0], c[1], c[2], 0}, exponent_(e) {}
  char code_[4] = {0, 0, 0, 0};
  int exponent_ = 0;
  friend struct CurrencyTable;
};

// Every active ISO 4217 currency, in code order.
std::span<const Currency> AllCurrencies();

class Money {
 public:
  Money() = default;
  Money(std::int64_t minor_units, Currency currency) : minor_(minor_units), currency_(currency) {}

  // Parses an exact decimal string in the currency's units: "12.30", "-0.5",
  // "12". Rejects exponents ("1e3"), excess precision ("12.345" in USD),
  // empty, spaces, "+", leading "." and out-of-range values. The error names
  // the input.
  static Result<Money> Parse(std::string_view decimal, Currency currency);
  static Result<Money> Parse(std::string_view decimal, std::string_view currency_code);
  static Money Zero(Currency currency) { return Money(0, currency); }

  std::int64_t minor_units() const { return minor_; }
  Currency currency() const { return currency_; }
  bool is_zero() const { return minor_ == 0; }
  bool is_negative() const { return minor_ < 0; }

  // Checked arithmetic.
  Result<Money> Add(const Money& other) const;
  Result<Money> Sub(const Money& other) const;
  Result<Money> Multiply(std::int64_t quantity) const;
  Result<Money> Negate() const;

  // Decimal string with exactly exponent() decimals: "12.30", "-0.50", "1000" (JPY).
  std::string ToDecimal() const;
  // "12.30 USD"
  std::string ToString() const;

  // Splits this amount across weights by the largest-remainder method. The
  // parts always sum to the whole; each part is within one minor unit of its
  // exact share. Ties in remainder go to the earlier index. Weights must be
  // non-negative with a positive sum; negative amounts split symmetrically.
  Result<std::vector<Money>> Allocate(std::span<const std::int64_t> weights) const;

  friend bool operator==(const Money& a, const Money& b) = default;

 private:
  std::int64_t minor_ = 0;
  Currency currency_;
};

// Checked int64 helpers, usable outside Money (quantities, sums).
Result<std::int64_t> CheckedAdd(std::int64_t a, std::int64_t b);
Result<std::int64_t> CheckedMul(std::int64_t a, std::int64_t b);

}  // namespace hub
