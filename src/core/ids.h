// Strong identifier types, so an OrderId is never passed where a CustomerId
// is expected, and NewId for canonical ids ("ord_01JDX...": prefix, '_', 26
// Crockford base32 characters, time-ordered). Not here: validation of source
// ids (kept as given). StrongId is a value type, thread-compatible; NewId is
// thread-safe (per-thread generator state).
#pragma once

#include <cstddef>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

#include "core/time.h"

namespace hub {

template <typename Tag>
class StrongId {
 public:
  StrongId() = default;  // empty: "not assigned yet"
  explicit StrongId(std::string value) : value_(std::move(value)) {}
  explicit StrongId(std::string_view value) : value_(value) {}
  explicit StrongId(const char* value) : value_(value) {}

  const std::string& value() const { return value_; }
  bool empty() const { return value_.empty(); }

  friend bool operator==(const StrongId&, const StrongId&) = default;
  friend auto operator<=>(const StrongId&, const StrongId&) = default;
  friend std::ostream& operator<<(std::ostream& os, const StrongId& id) { return os << id.value_; }

 private:
  std::string value_;
};

using CustomerId = StrongId<struct CustomerIdTag>;
using OrderId = StrongId<struct OrderIdTag>;
using TenderId = StrongId<struct TenderIdTag>;
using PayoutId = StrongId<struct PayoutIdTag>;
using MessageId = StrongId<struct MessageIdTag>;
using EntryId = StrongId<struct EntryIdTag>;
using AccountCode = StrongId<struct AccountCodeTag>;
using Sku = StrongId<struct SkuTag>;
using LocationId = StrongId<struct LocationIdTag>;
using GiftCardId = StrongId<struct GiftCardIdTag>;
using RefundId = StrongId<struct RefundIdTag>;
using FulfillmentId = StrongId<struct FulfillmentIdTag>;
using ReturnId = StrongId<struct ReturnIdTag>;

// Length of the part after "<prefix>_": 10 characters of millisecond time
// (48 bits) then 16 of randomness (80 bits), ULID layout.
inline constexpr std::size_t kIdSuffixLength = 26;

// prefix + "_" + a ULID-like id from the system clock and a per-thread
// generator seeded from std::random_device. Ids made by one thread are
// strictly increasing (the random part is incremented within a millisecond);
// across threads they are ordered by millisecond only.
std::string NewId(std::string_view prefix);
// The same, with time from an injected clock (tests, replays).
std::string NewId(std::string_view prefix, const Clock& clock);

}  // namespace hub

template <typename Tag>
struct std::hash<hub::StrongId<Tag>> {
  std::size_t operator()(const hub::StrongId<Tag>& id) const noexcept {
    return std::hash<std::string>{}(id.value());
  }
};
