// String similarity (Jaro-Winkler, Damerau-Levenshtein, token-set) and the
// graded comparison of two normalised records into one level per field.
// Level 0 of every field is "missing" (weight 0); higher levels are stronger
// agreement. Not here: weights (model.h). Pure functions; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "identity/normalize.h"

namespace hub::identity {

double JaroWinkler(std::string_view a, std::string_view b);
// JaroWinkler(a, b) when it can reach `floor`, else 0. An upper bound from
// the characters the two share (whatever their positions) and the common
// prefix rules most unrelated pairs out before the exact computation: the
// comparison levels only ask "at least 0.88?", and random pairs (EM's u
// sample, blocks of strangers) mostly fall far below.
double JaroWinklerFloor(std::string_view a, std::string_view b, double floor);
// Optimal string alignment distance, stopping early above `cap`.
int DamerauLevenshtein(std::string_view a, std::string_view b, int cap = 3);
// |tokens(a) ∩ tokens(b)| / |tokens(a) ∪ tokens(b)|.
double TokenSetJaccard(std::string_view a, std::string_view b);

// Compared fields. Values are frozen: they index persisted m/u tables.
enum class CmpField : std::uint8_t {
  kFirstName = 0,
  kLastName,
  kBirthDate,
  kEmail,
  kPhone,
  kStreetNumber,
  kStreet,
  kLine2,
  kUnit,
  kCity,
  kPostcode,
  kRegion,
  kNationalId,
  kLoyaltyId,
};
inline constexpr std::size_t kCmpFieldCount = 14;
inline constexpr std::size_t kMaxLevels = 8;

// One level per compared field; packs into 4 bits each.
using Pattern = std::array<std::uint8_t, kCmpFieldCount>;

std::string_view CmpFieldName(CmpField f);
// Number of levels (including "missing") and their names, weakest first.
std::size_t LevelCount(CmpField f);
std::string_view LevelName(CmpField f, std::size_t level);
// Index of the "exact" level (the highest); term-frequency adjustment applies there.
std::size_t ExactLevel(CmpField f);

Pattern Compare(const NormalizedRecord& a, const NormalizedRecord& b);
std::uint64_t PackPattern(const Pattern& p);
Pattern UnpackPattern(std::uint64_t code);

}  // namespace hub::identity
