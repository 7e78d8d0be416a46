// Identity value types: the canonical customer fields, a source record as a
// connector hands it over, and the strong ids used by the resolver.
// Not here: normalisation (normalize.h) and matching (resolver.h).
// Plain value types, easy to serialise; thread-compatible.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hub::identity {

// Canonical customer fields. Values are frozen: they name columns in
// persisted state and `--map` targets, so only append.
enum class Field : std::uint8_t {
  kFirstName = 0,
  kLastName = 1,
  kEmail = 2,
  kPhone = 3,
  kAddressLine1 = 4,
  kAddressLine2 = 5,
  kStreetNumber = 6,
  kCity = 7,
  kPostcode = 8,
  kRegion = 9,
  kCountry = 10,
  kBirthDate = 11,
  kLoyaltyId = 12,
  kNationalId = 13,
};
inline constexpr std::size_t kFieldCount = 14;

// "first_name", "last_name", ... (the `--map` spelling).
std::string_view FieldName(Field f);
// Inverse of FieldName; nullopt for an unknown name.
std::optional<Field> ParseField(std::string_view name);

// Which source record: (source system, id in that system).
struct RecordKey {
  std::string source;
  std::string id;
  friend auto operator<=>(const RecordKey&, const RecordKey&) = default;
  std::string ToString() const { return source + ":" + id; }
};

// The hub's canonical customer id. Allocated increasing, so a smaller value is
// an older cluster; formatted "cus_<n>".
struct CustomerId {
  std::uint64_t value = 0;
  friend auto operator<=>(const CustomerId&, const CustomerId&) = default;
  std::string ToString() const { return "cus_" + std::to_string(value); }
  bool valid() const { return value != 0; }
};

// A customer record as one source system knows it, before normalisation.
struct SourceRecord {
  RecordKey key;
  std::int64_t updated_at_us = 0;  // source's last change, UTC micros; drives recency
  std::string
      phone_region;  // ISO 3166 region for phones of this record's store; empty: source/default
  bool email_verified = false;  // the source proved ownership (double opt-in, login)
  std::array<std::string, kFieldCount> fields;

  const std::string& get(Field f) const { return fields[static_cast<std::size_t>(f)]; }
  std::string& get(Field f) { return fields[static_cast<std::size_t>(f)]; }
};

}  // namespace hub::identity
