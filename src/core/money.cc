// Money: exact decimal parsing, checked arithmetic and largest-remainder
// allocation. Deliberately not here: rounding of inexact values (there are
// none: every operation is exact or fails) and currency conversion.
// Invariant: a Money result is always the exact mathematical value, or an
// Error. Stateless functions; thread-safe.
#include "core/money.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <numeric>
#include <string>

#include <fmt/format.h>

#include "core/assert.h"

namespace hub {
namespace {

// Inputs echoed in error messages are escaped and cut to this many bytes:
// they come from untrusted payloads.
constexpr std::size_t kEchoedInputBytesMax = 64;

std::string Quote(std::string_view input) {
  if (input.size() <= kEchoedInputBytesMax) {
    return fmt::format("{:?}", input);
  }
  return fmt::format("{:?}...", input.substr(0, kEchoedInputBytesMax));
}

// -Wpedantic rejects __int128 without __extension__; g++ and clang both have it.
__extension__ typedef unsigned __int128 U128;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The largest exponent in the ISO table is 4 (CLF, UYW).
constexpr std::array<std::int64_t, 5> kPow10 = {1, 10, 100, 1000, 10000};

Error ParseError(std::string_view input, std::string_view why) {
  return Error(ErrorCode::kParse, fmt::format("{} is not a decimal amount: {}", Quote(input), why));
}

Error OverflowError(std::string_view what) {
  return Error(ErrorCode::kOverflow, fmt::format("{} does not fit in a 64-bit amount", what));
}

// Appends one decimal digit to an accumulator that holds the value with the
// sign already applied, so INT64_MIN ("-92233720368547758.08" USD) parses.
bool AppendDigit(std::int64_t& acc, int digit, bool negative) {
  const std::int64_t signed_digit = negative ? -digit : digit;
  return !__builtin_mul_overflow(acc, std::int64_t{10}, &acc) &&
         !__builtin_add_overflow(acc, signed_digit, &acc);
}

}  // namespace

Result<std::int64_t> CheckedAdd(std::int64_t a, std::int64_t b) {
  std::int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) {
    return Fail(OverflowError(fmt::format("{} + {}", a, b)));
  }
  return out;
}

Result<std::int64_t> CheckedMul(std::int64_t a, std::int64_t b) {
  std::int64_t out = 0;
  if (__builtin_mul_overflow(a, b, &out)) {
    return Fail(OverflowError(fmt::format("{} * {}", a, b)));
  }
  return out;
}

// Grammar: "-"? digit+ ("." digit+)?. Digits past the currency's exponent
// must be zeros ("12.300" USD is 12.30); a non-zero one is kPrecision.
Result<Money> Money::Parse(std::string_view decimal, Currency currency) {
  if (!currency.valid()) {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("cannot parse {} without a currency", Quote(decimal)));
  }
  const int exponent = currency.exponent();
  std::size_t pos = 0;
  const bool negative = !decimal.empty() && decimal[0] == '-';
  if (negative) {
    pos = 1;
  }
  const std::size_t int_begin = pos;
  while (pos < decimal.size() && IsDigit(decimal[pos])) {
    ++pos;
  }
  const std::size_t int_end = pos;
  if (int_end == int_begin) {
    return Fail(ParseError(decimal, "expected a digit"));
  }
  std::size_t frac_begin = pos;
  std::size_t frac_end = pos;
  if (pos < decimal.size() && decimal[pos] == '.') {
    frac_begin = ++pos;
    while (pos < decimal.size() && IsDigit(decimal[pos])) {
      ++pos;
    }
    frac_end = pos;
    if (frac_end == frac_begin) {
      return Fail(ParseError(decimal, "expected a digit after '.'"));
    }
  }
  if (pos != decimal.size()) {
    return Fail(ParseError(
        decimal, fmt::format("unexpected {:?} at offset {}", decimal.substr(pos, 1), pos)));
  }
  const std::string_view frac = decimal.substr(frac_begin, frac_end - frac_begin);
  const std::size_t kept = std::min(frac.size(), static_cast<std::size_t>(exponent));
  if (frac.find_first_not_of('0', kept) != std::string_view::npos) {
    return Fail(ErrorCode::kPrecision, fmt::format("{} has more decimals than {} allows ({})",
                                                   Quote(decimal), currency.code(), exponent));
  }
  std::int64_t acc = 0;
  bool ok = true;
  for (std::size_t i = int_begin; ok && i < int_end; ++i) {
    ok = AppendDigit(acc, decimal[i] - '0', negative);
  }
  for (int i = 0; ok && i < exponent; ++i) {
    const std::size_t idx = static_cast<std::size_t>(i);
    ok = AppendDigit(acc, idx < frac.size() ? frac[idx] - '0' : 0, negative);
  }
  if (!ok) {
    return Fail(OverflowError(fmt::format("{} {}", Quote(decimal), currency.code())));
  }
  return Money(acc, currency);
}

Result<Money> Money::Parse(std::string_view decimal, std::string_view currency_code) {
  HUB_TRY(const Currency currency, Currency::FromCode(currency_code));
  return Parse(decimal, currency);
}

Result<Money> Money::Add(const Money& other) const {
  if (currency_ != other.currency_) {
    return Fail(ErrorCode::kCurrencyMismatch, fmt::format("cannot add {} to {}: currencies differ",
                                                          other.ToString(), ToString()));
  }
  std::int64_t out = 0;
  if (__builtin_add_overflow(minor_, other.minor_, &out)) {
    return Fail(OverflowError(fmt::format("{} + {}", ToString(), other.ToString())));
  }
  return Money(out, currency_);
}

Result<Money> Money::Sub(const Money& other) const {
  if (currency_ != other.currency_) {
    return Fail(
        ErrorCode::kCurrencyMismatch,
        fmt::format("cannot subtract {} from {}: currencies differ", other.ToString(), ToString()));
  }
  std::int64_t out = 0;
  if (__builtin_sub_overflow(minor_, other.minor_, &out)) {
    return Fail(OverflowError(fmt::format("{} - {}", ToString(), other.ToString())));
  }
  return Money(out, currency_);
}

Result<Money> Money::Multiply(std::int64_t quantity) const {
  std::int64_t out = 0;
  if (__builtin_mul_overflow(minor_, quantity, &out)) {
    return Fail(OverflowError(fmt::format("{} * {}", ToString(), quantity)));
  }
  return Money(out, currency_);
}

Result<Money> Money::Negate() const {
  std::int64_t out = 0;
  if (__builtin_sub_overflow(std::int64_t{0}, minor_, &out)) {
    return Fail(OverflowError(fmt::format("-({})", ToString())));
  }
  return Money(out, currency_);
}

std::string Money::ToDecimal() const {
  // Magnitude as unsigned so that INT64_MIN prints without overflow.
  const std::uint64_t magnitude = minor_ < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(minor_)
                                             : static_cast<std::uint64_t>(minor_);
  const int exponent = currency_.exponent();
  const char* sign = minor_ < 0 ? "-" : "";
  if (exponent == 0) {
    return fmt::format("{}{}", sign, magnitude);
  }
  const auto scale = static_cast<std::uint64_t>(kPow10[static_cast<std::size_t>(exponent)]);
  return fmt::format("{}{}.{:0{}}", sign, magnitude / scale, magnitude % scale, exponent);
}

std::string Money::ToString() const {
  if (!currency_.valid()) {
    return fmt::format("{} (no currency)", ToDecimal());
  }
  return fmt::format("{} {}", ToDecimal(), currency_.code());
}

// Largest remainder: part_i = floor(|A| * w_i / S), then the |A| - sum(part)
// leftover units go one each to the largest remainders (earlier index on a
// tie). |A| * w_i < 2^127 and S < 2^127, so unsigned __int128 is exact. The
// leftover is below the count of non-zero remainders, so a zero weight never
// receives a unit.
Result<std::vector<Money>> Money::Allocate(std::span<const std::int64_t> weights) const {
  if (weights.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "cannot allocate across an empty list of weights");
  }
  U128 sum = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (weights[i] < 0) {
      return Fail(ErrorCode::kInvalidArgument,
                  fmt::format("allocation weight {} at index {} is negative", weights[i], i));
    }
    sum += static_cast<U128>(weights[i]);
  }
  if (sum == 0) {
    return Fail(ErrorCode::kInvalidArgument, "allocation weights sum to zero");
  }
  const std::uint64_t magnitude = minor_ < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(minor_)
                                             : static_cast<std::uint64_t>(minor_);
  std::vector<std::uint64_t> parts(weights.size());
  std::vector<U128> remainders(weights.size());
  std::uint64_t allocated = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    const U128 product = static_cast<U128>(magnitude) * static_cast<U128>(weights[i]);
    parts[i] = static_cast<std::uint64_t>(product / sum);  // <= magnitude
    remainders[i] = product % sum;
    allocated += parts[i];
  }
  std::uint64_t leftover = magnitude - allocated;
  HUB_ASSERT(leftover < weights.size());
  std::vector<std::size_t> order(weights.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return remainders[a] > remainders[b]; });
  for (std::size_t k = 0; leftover > 0; ++k, --leftover) {
    HUB_ASSERT(remainders[order[k]] != 0);
    ++parts[order[k]];
  }
  std::vector<Money> out;
  out.reserve(parts.size());
  for (const std::uint64_t part : parts) {
    // part <= 2^63 when negative, < 2^63 otherwise; the conversion is modular.
    const std::uint64_t bits = minor_ < 0 ? std::uint64_t{0} - part : part;
    out.emplace_back(static_cast<std::int64_t>(bits), currency_);
  }
  return out;
}

}  // namespace hub
