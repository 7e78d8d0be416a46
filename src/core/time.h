// Time: UTC instants as int64 microseconds since the Unix epoch, an injected
// Clock, and RFC 3339 on the wire (offsets accepted on input, UTC "Z" out).
// SystemClock is thread-safe; FakeClock is for tests and is thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace hub {

struct Instant {
  std::int64_t micros = 0;  // since 1970-01-01T00:00:00Z
  friend auto operator<=>(const Instant&, const Instant&) = default;
  static Instant FromSeconds(std::int64_t s) { return Instant{s * 1'000'000}; }
  std::int64_t seconds() const;  // floor
};

// "2026-11-26T16:19:43Z", "2026-11-26T09:19:43.123-07:00", "2026-11-26 16:19:43Z".
// Rejects impossible dates (2026-02-30), missing offset, garbage; names the input.
Result<Instant> ParseRfc3339(std::string_view text);
// UTC with "Z"; fractional seconds only when non-zero (microsecond precision,
// trailing zeros trimmed to 3 or 6 digits).
std::string FormatRfc3339(Instant t);

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Instant Now() const override;
  static const SystemClock& Get();
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(Instant start = Instant{}) : now_(start.micros) {}
  Instant Now() const override { return Instant{now_.load()}; }
  void Set(Instant t) { now_.store(t.micros); }
  void AdvanceMicros(std::int64_t d) { now_.fetch_add(d); }

 private:
  std::atomic<std::int64_t> now_;
};

}  // namespace hub
