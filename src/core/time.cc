// RFC 3339 parsing and formatting, and the system clock. Deliberately not
// here: time zones other than numeric offsets, leap seconds (":60" is
// rejected: no source we integrate with emits one, and accepting it would
// need a policy), and years outside 0000-9999 on input.
// Invariant: ParseRfc3339 yields an exact UTC instant (fraction truncated to
// microseconds). Stateless; thread-safe.
#include "core/time.h"

#include <chrono>
#include <cstddef>

#include <fmt/format.h>

namespace hub {
namespace {

constexpr std::int64_t kMicrosPerSecond = 1'000'000;
constexpr std::int64_t kSecondsPerDay = 86'400;
constexpr std::size_t kFractionDigitsMax = 9;
constexpr std::size_t kEchoedInputBytesMax = 64;

// Howard Hinnant's days_from_civil (http://howardhinnant.github.io/date_algorithms.html):
// days since 1970-01-01 in the proleptic Gregorian calendar.
constexpr std::int64_t DaysFromCivil(std::int64_t y, std::int64_t m, std::int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;                                    // [0, 399]
  const std::int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365]
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            // [0, 146096]
  return era * 146097 + doe - 719468;
}

struct Civil {
  std::int64_t year;
  int month;
  int day;
};

// The inverse, civil_from_days, from the same paper.
constexpr Civil CivilFromDays(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;                                       // [0, 146096]
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                // [0, 365]
  const std::int64_t mp = (5 * doy + 2) / 153;                                     // [0, 11]
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;                             // [1, 31]
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;                                // [1, 12]
  return Civil{yoe + era * 400 + (m <= 2 ? 1 : 0), static_cast<int>(m), static_cast<int>(d)};
}
static_assert(DaysFromCivil(1970, 1, 1) == 0);
static_assert(DaysFromCivil(2000, 3, 1) == 11017);
static_assert(CivilFromDays(-1).year == 1969);

constexpr bool IsLeapYear(std::int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

constexpr int DaysInMonth(std::int64_t y, int m) {
  constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeapYear(y) ? 29 : kDays[m - 1];
}

constexpr std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0 && (a < 0) != (b < 0)) ? 1 : 0);
}

// A cursor over the input; every failure names the whole input.
class Rfc3339Parser {
 public:
  explicit Rfc3339Parser(std::string_view text) : text_(text) {}

  Result<Instant> Parse() {
    std::int64_t year = 0;
    std::int64_t month = 0;
    std::int64_t day = 0;
    std::int64_t hour = 0;
    std::int64_t minute = 0;
    std::int64_t second = 0;
    if (!Digits(4, year) || !Literal('-') || !Digits(2, month) || !Literal('-') ||
        !Digits(2, day)) {
      return Reject("expected a date YYYY-MM-DD");
    }
    if (month < 1 || month > 12) {
      return Reject(fmt::format("month {} is out of range", month));
    }
    if (day < 1 || day > DaysInMonth(year, static_cast<int>(month))) {
      return Reject(fmt::format("day {} is out of range for {:04}-{:02}", day, year, month));
    }
    if (!(Literal('T') || Literal('t') || Literal(' '))) {
      return Reject("expected 'T' between date and time");
    }
    if (!Digits(2, hour) || !Literal(':') || !Digits(2, minute) || !Literal(':') ||
        !Digits(2, second)) {
      return Reject("expected a time HH:MM:SS");
    }
    if (hour > 23 || minute > 59 || second > 59) {
      return Reject("time of day is out of range (leap second 60 is not accepted)");
    }
    std::int64_t frac_micros = 0;
    if (Literal('.')) {
      std::size_t digits = 0;
      while (pos_ < text_.size() && IsDigit(text_[pos_])) {
        if (digits < 6) {
          frac_micros = frac_micros * 10 + (text_[pos_] - '0');
        }
        ++digits;
        ++pos_;
      }
      if (digits == 0 || digits > kFractionDigitsMax) {
        return Reject("expected 1 to 9 fraction digits after '.'");
      }
      for (std::size_t i = digits; i < 6; ++i) {
        frac_micros *= 10;
      }
    }
    std::int64_t offset_seconds = 0;
    if (Literal('Z') || Literal('z')) {
      offset_seconds = 0;
    } else if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) {
      const bool west = text_[pos_] == '-';
      ++pos_;
      std::int64_t off_hour = 0;
      std::int64_t off_minute = 0;
      if (!Digits(2, off_hour) || !Literal(':') || !Digits(2, off_minute) || off_hour > 23 ||
          off_minute > 59) {
        return Reject("expected a UTC offset +HH:MM or -HH:MM");
      }
      offset_seconds = (off_hour * 3600 + off_minute * 60) * (west ? -1 : 1);
    } else {
      return Reject("expected a UTC offset ('Z' or +HH:MM)");
    }
    if (pos_ != text_.size()) {
      return Reject("unexpected text after the UTC offset");
    }
    const std::int64_t local_seconds =
        DaysFromCivil(year, month, day) * kSecondsPerDay + hour * 3600 + minute * 60 + second;
    return Instant{(local_seconds - offset_seconds) * kMicrosPerSecond + frac_micros};
  }

 private:
  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }

  bool Digits(std::size_t count, std::int64_t& out) {
    if (text_.size() - pos_ < count) {
      return false;
    }
    std::int64_t value = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const char c = text_[pos_ + i];
      if (!IsDigit(c)) {
        return false;
      }
      value = value * 10 + (c - '0');
    }
    pos_ += count;
    out = value;
    return true;
  }

  bool Literal(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  tl::unexpected<Error> Reject(std::string_view why) const {
    const std::string shown = text_.size() <= kEchoedInputBytesMax
                                  ? fmt::format("{:?}", text_)
                                  : fmt::format("{:?}...", text_.substr(0, kEchoedInputBytesMax));
    return hub::Fail(ErrorCode::kParse,
                     fmt::format("{} is not an RFC 3339 timestamp: {}", shown, why));
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

std::int64_t Instant::seconds() const { return FloorDiv(micros, kMicrosPerSecond); }

Result<Instant> ParseRfc3339(std::string_view text) { return Rfc3339Parser(text).Parse(); }

// Instants outside years 0000-9999 print a year that ParseRfc3339 will not
// accept (no source sends one; a record that far out is a bug upstream).
std::string FormatRfc3339(Instant t) {
  const std::int64_t total_seconds = t.seconds();
  // The remainder directly: seconds × 10^6 overflows near the int64 ends.
  const std::int64_t rem = t.micros % kMicrosPerSecond;
  const std::int64_t micros = rem < 0 ? rem + kMicrosPerSecond : rem;  // [0, 999999]
  const std::int64_t days = FloorDiv(total_seconds, kSecondsPerDay);
  const std::int64_t second_of_day = total_seconds - days * kSecondsPerDay;
  const Civil date = CivilFromDays(days);
  std::string out =
      fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", date.year, date.month, date.day,
                  second_of_day / 3600, second_of_day % 3600 / 60, second_of_day % 60);
  if (micros != 0) {
    if (micros % 1000 == 0) {
      out += fmt::format(".{:03}", micros / 1000);
    } else {
      out += fmt::format(".{:06}", micros);
    }
  }
  out += 'Z';
  return out;
}

Instant SystemClock::Now() const {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  return Instant{std::chrono::duration_cast<std::chrono::microseconds>(since_epoch).count()};
}

const SystemClock& SystemClock::Get() {
  static const SystemClock kClock;
  return kClock;
}

}  // namespace hub
