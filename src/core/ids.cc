// NewId: ULID-like canonical ids. Not here: parsing ids back into time (ids
// are opaque to every consumer). Invariant: within one thread, ids are
// strictly increasing as strings. Thread-safe: the generator state is
// thread_local.
#include "core/ids.h"

#include <array>
#include <cstdint>
#include <random>

#include "core/assert.h"

namespace hub {
namespace {

// Crockford base32: no I, L, O, U. Lexicographic order equals numeric order.
constexpr std::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr int kTimeChars = 10;    // 50 bits, of which the top 2 are zero
constexpr int kRandomChars = 16;  // 80 bits
constexpr std::uint64_t kTimeMask = (std::uint64_t{1} << 48) - 1;
constexpr std::uint64_t kRandomHighMask = (std::uint64_t{1} << 16) - 1;
static_assert(kTimeChars + kRandomChars == kIdSuffixLength);

struct Generator {
  std::mt19937_64 rng{[] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }()};
  std::uint64_t last_ms = 0;
  std::uint64_t random_high = 0;  // top 16 of the 80 random bits
  std::uint64_t random_low = 0;   // low 64
  bool started = false;
};

Generator& ThreadGenerator() {
  thread_local Generator generator;
  return generator;
}

std::string Encode(std::string_view prefix, std::uint64_t ms, std::uint64_t high,
                   std::uint64_t low) {
  std::string out;
  out.reserve(prefix.size() + 1 + kIdSuffixLength);
  out.append(prefix);
  out.push_back('_');
  for (int i = kTimeChars - 1; i >= 0; --i) {
    out.push_back(kCrockford[(ms >> (5 * i)) & 31]);
  }
  // 80 random bits = high (16) : low (64), emitted 5 bits at a time from the top.
  for (int i = kRandomChars - 1; i >= 0; --i) {
    const int shift = 5 * i;
    std::uint64_t bits = 0;
    if (shift >= 64) {
      bits = high >> (shift - 64);
    } else if (shift > 59) {
      bits = (low >> shift) | (high << (64 - shift));
    } else {
      bits = low >> shift;
    }
    out.push_back(kCrockford[bits & 31]);
  }
  return out;
}

std::string NewIdAt(std::string_view prefix, Instant now) {
  Generator& g = ThreadGenerator();
  const std::uint64_t now_ms = static_cast<std::uint64_t>(now.micros / 1000) & kTimeMask;
  if (!g.started || now_ms > g.last_ms) {
    g.started = true;
    g.last_ms = now_ms;
    g.random_low = g.rng();
    // Leave headroom so increments within a millisecond never wrap 80 bits.
    g.random_high = (g.rng() & kRandomHighMask) >> 1;
  } else {
    // Same millisecond or the clock stepped back: keep the last time and
    // increment, so this thread's ids stay strictly increasing.
    if (++g.random_low == 0) {
      ++g.random_high;
    }
    HUB_ASSERT(g.random_high <= kRandomHighMask);
  }
  return Encode(prefix, g.last_ms, g.random_high, g.random_low);
}

}  // namespace

std::string NewId(std::string_view prefix) { return NewIdAt(prefix, SystemClock::Get().Now()); }

std::string NewId(std::string_view prefix, const Clock& clock) {
  return NewIdAt(prefix, clock.Now());
}

}  // namespace hub
