// RFC 3339 parsing and formatting, Instant arithmetic and the clocks.
// Failure paths first. Every expected instant is written as epoch seconds
// computed independently (date -u -d ... +%s).
#include "core/time.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hub {
namespace {

TEST(ParseRfc3339Test, RejectsMalformedAndImpossible) {
  const std::vector<std::string_view> bad = {
      "",
      "garbage",
      "2026-11-26",                       // date only
      "2026-11-26T16:19:43",              // missing offset
      "2026-11-26T16:19Z",                // seconds required
      "2026-11-26T16:19:43+0700",         // offset needs a colon
      "2026-11-26T16:19:43+07",           // offset needs minutes
      "2026-11-26T16:19:43 Z",            // space before offset
      "2026-11-26T16:19:43ZZ",            // trailing text
      "2026-11-26T16:19:43Z ",            // trailing space
      " 2026-11-26T16:19:43Z",            // leading space
      "2026-11-26X16:19:43Z",             // bad separator
      "2026/11/26T16:19:43Z",             // bad date separator
      "26-11-26T16:19:43Z",               // two-digit year
      "2026-1-26T16:19:43Z",              // one-digit month
      "2026-11-26T16:19:43.Z",            // empty fraction
      "2026-11-26T16:19:43.1234567890Z",  // 10 fraction digits
      "2026-02-29T00:00:00Z",             // not a leap year
      "2026-02-30T00:00:00Z",
      "2026-04-31T00:00:00Z",
      "2026-13-01T00:00:00Z",
      "2026-00-10T00:00:00Z",
      "2026-01-00T00:00:00Z",
      "2026-01-32T00:00:00Z",
      "1900-02-29T00:00:00Z",  // century, not a leap year
      "2026-11-26T24:00:00Z",
      "2026-11-26T23:60:00Z",
      "2026-11-26T23:59:60Z",  // leap seconds are rejected by design
      "2026-11-26T16:19:43+24:00",
      "2026-11-26T16:19:43+07:60",
      "2026-11-26T16:19:43-0a:00",
      "+2026-11-26T16:19:43Z",
      "2026-11-26T16:19:43.12a3Z",
  };
  for (const std::string_view text : bad) {
    const auto got = ParseRfc3339(text);
    ASSERT_FALSE(got.has_value()) << text << " parsed as " << got->micros;
    EXPECT_EQ(got.error().code, ErrorCode::kParse) << text;
    EXPECT_NE(got.error().message.find(fmt::format("{:?}", text)), std::string::npos)
        << "message must name the input: " << got.error().message;
  }
}

TEST(ParseRfc3339Test, AcceptsAndNormalises) {
  struct Case {
    std::string_view text;
    std::int64_t micros;
  };
  const std::vector<Case> cases = {
      {"1970-01-01T00:00:00Z", 0},
      {"2026-11-26T16:19:43Z", 1'795'709'983'000'000},
      {"2026-11-26t16:19:43z", 1'795'709'983'000'000},
      {"2026-11-26 16:19:43Z", 1'795'709'983'000'000},
      {"2026-11-26T09:19:43-07:00", 1'795'709'983'000'000},
      {"2026-11-27T01:49:43+09:30", 1'795'709'983'000'000},
      {"2026-11-26T16:19:43+00:00", 1'795'709'983'000'000},
      {"2026-11-26T16:19:43-00:00", 1'795'709'983'000'000},
      {"2026-11-26T16:19:43.5Z", 1'795'709'983'500'000},
      {"2026-11-26T16:19:43.123Z", 1'795'709'983'123'000},
      {"2026-11-26T16:19:43.123456Z", 1'795'709'983'123'456},
      {"2026-11-26T16:19:43.123456789Z", 1'795'709'983'123'456},  // truncated
      {"2026-11-26T16:19:43.000000999Z", 1'795'709'983'000'000},
      {"2024-02-29T12:00:00Z", 1'709'208'000'000'000},
      {"2000-02-29T00:00:00Z", 951'782'400'000'000},
      {"1969-12-31T23:59:59Z", -1'000'000},
      {"1969-12-31T23:59:59.5Z", -500'000},
      {"1900-01-01T00:00:00Z", -2'208'988'800'000'000},
      {"0001-01-01T00:00:00Z", -62'135'596'800'000'000},
      {"9999-12-31T23:59:59Z", 253'402'300'799'000'000},
      {"1970-01-01T00:00:00+14:00", -50'400'000'000},
  };
  for (const Case& c : cases) {
    const auto got = ParseRfc3339(c.text);
    ASSERT_TRUE(got.has_value()) << got.error().ToString();
    EXPECT_EQ(got->micros, c.micros) << c.text;
  }
}

TEST(FormatRfc3339Test, Table) {
  struct Case {
    std::int64_t micros;
    std::string_view text;
  };
  const std::vector<Case> cases = {
      {0, "1970-01-01T00:00:00Z"},
      {1'795'709'983'000'000, "2026-11-26T16:19:43Z"},
      {1'795'709'983'500'000, "2026-11-26T16:19:43.500Z"},
      {1'795'709'983'123'000, "2026-11-26T16:19:43.123Z"},
      {1'795'709'983'123'456, "2026-11-26T16:19:43.123456Z"},
      {1'795'709'983'000'010, "2026-11-26T16:19:43.000010Z"},
      {1'795'709'983'001'000, "2026-11-26T16:19:43.001Z"},
      {-1, "1969-12-31T23:59:59.999999Z"},
      {-1'000, "1969-12-31T23:59:59.999Z"},
      {-1'000'000, "1969-12-31T23:59:59Z"},
      {-2'208'988'800'000'000, "1900-01-01T00:00:00Z"},
      {951'782'400'000'000, "2000-02-29T00:00:00Z"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(FormatRfc3339(Instant{c.micros}), c.text) << c.micros;
  }
}

TEST(Rfc3339Test, RoundTripsUtcInputs) {
  for (const std::string_view text :
       {"1970-01-01T00:00:00Z", "2026-11-26T16:19:43Z", "2026-11-26T16:19:43.123Z",
        "2026-11-26T16:19:43.123456Z", "2024-02-29T23:59:59.999999Z", "1969-07-20T20:17:40Z",
        "1600-03-01T00:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z"}) {
    const auto parsed = ParseRfc3339(text);
    ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
    EXPECT_EQ(FormatRfc3339(*parsed), text);
  }
}

TEST(Rfc3339Test, OffsetsNormaliseToZ) {
  const auto got = ParseRfc3339("2026-11-26T09:19:43-07:00");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(FormatRfc3339(*got), "2026-11-26T16:19:43Z");
  const auto day_change = ParseRfc3339("2026-12-31T23:30:00.25-01:00");
  ASSERT_TRUE(day_change.has_value());
  EXPECT_EQ(FormatRfc3339(*day_change), "2027-01-01T00:30:00.250Z");
}

// Every day from 1600 to 2400, stepping ~1 day plus an odd number of
// seconds, formats and parses back to the same instant.
TEST(Rfc3339Test, RoundTripsEveryDayAcrossCenturies) {
  const std::int64_t start = ParseRfc3339("1600-01-01T00:00:00Z")->micros;
  const std::int64_t end = ParseRfc3339("2400-12-31T00:00:00Z")->micros;
  constexpr std::int64_t kStepMicros = 86'400'000'000 + 1'234'567;
  for (std::int64_t t = start; t < end; t += kStepMicros) {
    const std::string text = FormatRfc3339(Instant{t});
    const auto back = ParseRfc3339(text);
    ASSERT_TRUE(back.has_value()) << text;
    ASSERT_EQ(back->micros, t) << text;
  }
}

TEST(InstantTest, SecondsFloorsTowardNegativeInfinity) {
  EXPECT_EQ(Instant{0}.seconds(), 0);
  EXPECT_EQ(Instant{999'999}.seconds(), 0);
  EXPECT_EQ(Instant{1'000'000}.seconds(), 1);
  EXPECT_EQ(Instant{-1}.seconds(), -1);
  EXPECT_EQ(Instant{-1'000'000}.seconds(), -1);
  EXPECT_EQ(Instant{-1'000'001}.seconds(), -2);
  EXPECT_EQ(Instant::FromSeconds(-5).seconds(), -5);
  EXPECT_LT(Instant{-1}, Instant{0});
}

TEST(ClockTest, FakeClockIsSetAndAdvanced) {
  FakeClock clock(*ParseRfc3339("2026-11-26T16:19:43Z"));
  const Clock& as_clock = clock;
  EXPECT_EQ(FormatRfc3339(as_clock.Now()), "2026-11-26T16:19:43Z");
  clock.AdvanceMicros(1'500'000);
  EXPECT_EQ(FormatRfc3339(as_clock.Now()), "2026-11-26T16:19:44.500Z");
  clock.Set(Instant{0});
  EXPECT_EQ(as_clock.Now(), Instant{});
  EXPECT_EQ(FakeClock().Now(), Instant{});
}

TEST(ClockTest, SystemClockIsAfter2024AndMonotoneEnough) {
  const Instant a = SystemClock::Get().Now();
  const Instant b = SystemClock::Get().Now();
  EXPECT_GT(a, *ParseRfc3339("2024-01-01T00:00:00Z"));
  EXPECT_LE(a.micros, b.micros + 1'000'000);  // tolerate a small step back
}

}  // namespace
}  // namespace hub
