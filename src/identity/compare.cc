// Similarity functions and per-field comparison levels. Cheap checks run
// first (exact, then edit distance); Jaro-Winkler only when needed.
#include "identity/compare.h"

#include <array>

#include <algorithm>
#include <vector>

namespace hub::identity {
namespace {

struct FieldLevels {
  std::string_view name;
  std::array<std::string_view, kMaxLevels> levels;
  std::size_t count;
};

// Weakest first; index 0 is always "missing".
constexpr std::array<FieldLevels, kCmpFieldCount> kFields = {{
    {"first_name",
     {"missing", "different", "swapped", "jw>=0.88", "jw>=0.94|nickname", "exact"},
     6},
    {"last_name", {"missing", "different", "swapped", "jw>=0.88", "jw>=0.94", "exact"}, 6},
    {"birth_date",
     {"missing", "different", "same_year", "edit<=1", "day_month_swapped", "exact"},
     6},
    {"email", {"missing", "different", "local_edit<=1", "same_local", "exact"}, 5},
    {"phone", {"missing", "different", "edit<=1", "same_last7", "exact"}, 5},
    {"street_number", {"missing", "different", "edit<=1", "exact"}, 4},
    {"street", {"missing", "different", "swapped_lines", "similar", "jw>=0.94", "exact"}, 6},
    {"address_line2", {"missing", "different", "swapped_lines", "jw>=0.88", "exact"}, 5},
    {"unit", {"missing", "different", "exact"}, 3},
    {"city", {"missing", "different", "jw>=0.88", "jw>=0.94", "exact"}, 5},
    {"postcode", {"missing", "different", "edit<=1", "exact"}, 4},
    {"region", {"missing", "different", "exact"}, 3},
    {"national_id", {"missing", "different", "edit<=1", "exact"}, 4},
    {"loyalty_id", {"missing", "different", "exact"}, 3},
}};

std::uint8_t NameLevel(std::string_view a, std::string_view b, std::string_view a_other,
                       std::string_view b_other, std::string_view a_canon,
                       std::string_view b_canon) {
  if (a.empty() || b.empty()) {
    return 0;
  }
  if (a == b) {
    return 5;
  }
  if (!a_canon.empty() && a_canon == b_canon) {
    return 4;
  }
  const double jw = JaroWinklerFloor(a, b, 0.88);
  if (jw >= 0.94) {
    return 4;
  }
  // Swapped given/surname, typos allowed on the crossed fields.
  if ((!b_other.empty() && JaroWinklerFloor(a, b_other, 0.88) >= 0.88) ||
      (!a_other.empty() && JaroWinklerFloor(a_other, b, 0.88) >= 0.88)) {
    if (jw < 0.88) {
      return 2;
    }
  }
  return jw >= 0.88 ? 3 : 1;
}

std::uint8_t DateLevel(const NormalizedRecord& a, const NormalizedRecord& b) {
  if (a.dob.empty() || b.dob.empty()) {
    return 0;
  }
  if (a.dob == b.dob) {
    return 5;
  }
  const std::string_view ya(a.dob.data(), 4);
  const std::string_view yb(b.dob.data(), 4);
  if (ya == yb && a.dob.compare(4, 2, b.dob, 6, 2) == 0 && a.dob.compare(6, 2, b.dob, 4, 2) == 0) {
    return 4;
  }
  if (DamerauLevenshtein(a.dob, b.dob, 1) <= 1) {
    return 3;
  }
  return ya == yb ? 2 : 1;
}

std::uint8_t ExactOrEdit(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) {
    return 0;
  }
  if (a == b) {
    return 3;
  }
  return DamerauLevenshtein(a, b, 1) <= 1 ? 2 : 1;
}

std::uint8_t ExactOnly(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) {
    return 0;
  }
  return a == b ? 2 : 1;
}

std::uint8_t EmailLevel(const NormalizedRecord& a, const NormalizedRecord& b) {
  if (a.email.empty() || b.email.empty()) {
    return 0;
  }
  if (a.email == b.email) {
    return 4;
  }
  if (a.email_local == b.email_local) {
    return 3;
  }
  // Edit distance, not Jaro-Winkler: name-derived addresses of different
  // people (ana.souza85@ vs ana.souza12@) share long prefixes; a typo is one edit.
  if (a.email_domain == b.email_domain || a.email_local.size() >= 6) {
    return DamerauLevenshtein(a.email_local, b.email_local, 1) <= 1 ? 2 : 1;
  }
  return 1;
}

std::uint8_t PhoneLevel(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) {
    return 0;
  }
  if (a == b) {
    return 4;
  }
  if (a.size() >= 7 && b.size() >= 7 && a.substr(a.size() - 7) == b.substr(b.size() - 7)) {
    return 3;
  }
  return DamerauLevenshtein(a, b, 1) <= 1 ? 2 : 1;
}

std::uint8_t StreetLevel(const NormalizedRecord& a, const NormalizedRecord& b) {
  if (a.street.empty() || b.street.empty()) {
    return 0;
  }
  if (a.street == b.street) {
    return 5;
  }
  const double jw = JaroWinklerFloor(a.street, b.street, 0.88);
  if (jw >= 0.94) {
    return 4;
  }
  if (jw >= 0.88 || TokenSetJaccard(a.street, b.street) >= 0.5) {
    return 3;
  }
  if ((!b.line2.empty() && JaroWinklerFloor(a.street, b.line2, 0.9) >= 0.9) ||
      (!a.line2.empty() && JaroWinklerFloor(a.line2, b.street, 0.9) >= 0.9)) {
    return 2;
  }
  return 1;
}

std::uint8_t Line2Level(const NormalizedRecord& a, const NormalizedRecord& b) {
  if (a.line2.empty() || b.line2.empty()) {
    return 0;
  }
  if (a.line2 == b.line2) {
    return 4;
  }
  const double jw = JaroWinklerFloor(a.line2, b.line2, 0.88);
  if (jw >= 0.88) {
    return 3;
  }
  if ((!b.street.empty() && JaroWinklerFloor(a.line2, b.street, 0.9) >= 0.9) ||
      (!a.street.empty() && JaroWinklerFloor(a.street, b.line2, 0.9) >= 0.9)) {
    return 2;
  }
  return 1;
}

std::uint8_t CityLevel(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) {
    return 0;
  }
  if (a == b) {
    return 4;
  }
  const double jw = JaroWinklerFloor(a, b, 0.88);
  return jw >= 0.94 ? 3 : (jw >= 0.88 ? 2 : 1);
}

}  // namespace

namespace {

// Jaro with match flags in two 64-bit masks; strings up to 64 bytes.
double JaroSmall(std::string_view a, std::string_view b) {
  const std::size_t la = a.size();
  const std::size_t lb = b.size();
  const std::size_t longer = std::max(la, lb);
  const std::size_t window = longer / 2 == 0 ? 0 : longer / 2 - 1;
  std::uint64_t ma = 0;
  std::uint64_t mb = 0;
  std::size_t matches = 0;
  for (std::size_t i = 0; i < la; ++i) {
    const std::size_t lo = i > window ? i - window : 0;
    const std::size_t hi = std::min(lb, i + window + 1);
    for (std::size_t j = lo; j < hi; ++j) {
      if ((mb >> j & 1u) == 0 && a[i] == b[j]) {
        ma |= std::uint64_t{1} << i;
        mb |= std::uint64_t{1} << j;
        ++matches;
        break;
      }
    }
  }
  if (matches == 0) {
    return 0.0;
  }
  std::size_t transpositions = 0;
  std::size_t k = 0;
  for (std::size_t i = 0; i < la; ++i) {
    if ((ma >> i & 1u) == 0) {
      continue;
    }
    while ((mb >> k & 1u) == 0) {
      ++k;
    }
    if (a[i] != b[k]) {
      ++transpositions;
    }
    ++k;
  }
  const double m = static_cast<double>(matches);
  return (m / static_cast<double>(la) + m / static_cast<double>(lb) +
          (m - static_cast<double>(transpositions) / 2.0) / m) /
         3.0;
}

double JaroLarge(std::string_view a, std::string_view b) {
  const std::size_t la = a.size();
  const std::size_t lb = b.size();
  const std::size_t longer = std::max(la, lb);
  const std::size_t window = longer / 2 == 0 ? 0 : longer / 2 - 1;
  std::vector<char> ma(la, 0);
  std::vector<char> mb(lb, 0);
  std::size_t matches = 0;
  for (std::size_t i = 0; i < la; ++i) {
    const std::size_t lo = i > window ? i - window : 0;
    const std::size_t hi = std::min(lb, i + window + 1);
    for (std::size_t j = lo; j < hi; ++j) {
      if (mb[j] == 0 && a[i] == b[j]) {
        ma[i] = 1;
        mb[j] = 1;
        ++matches;
        break;
      }
    }
  }
  if (matches == 0) {
    return 0.0;
  }
  std::size_t transpositions = 0;
  std::size_t k = 0;
  for (std::size_t i = 0; i < la; ++i) {
    if (ma[i] == 0) {
      continue;
    }
    while (mb[k] == 0) {
      ++k;
    }
    if (a[i] != b[k]) {
      ++transpositions;
    }
    ++k;
  }
  const double m = static_cast<double>(matches);
  return (m / static_cast<double>(la) + m / static_cast<double>(lb) +
          (m - static_cast<double>(transpositions) / 2.0) / m) /
         3.0;
}

}  // namespace

double JaroWinkler(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) {
    return 0.0;
  }
  if (a == b) {
    return 1.0;
  }
  const double jaro = a.size() <= 64 && b.size() <= 64 ? JaroSmall(a, b) : JaroLarge(a, b);
  std::size_t prefix = 0;
  while (prefix < 4 && prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) {
    ++prefix;
  }
  return jaro + static_cast<double>(prefix) * 0.1 * (1.0 - jaro);
}

double JaroWinklerFloor(std::string_view a, std::string_view b, double floor) {
  if (a.empty() || b.empty()) {
    return 0.0;
  }
  if (a == b) {
    return 1.0;
  }
  // Jaro matches pair equal characters, so their number is at most the size
  // of the multiset intersection; folding bytes into 64 buckets can only
  // raise that count, so the bound stays an upper bound.
  std::array<std::uint8_t, 64> count{};
  for (char c : a) {
    auto& n = count[static_cast<unsigned char>(c) & 63u];
    n = static_cast<std::uint8_t>(std::min(255, n + 1));
  }
  std::size_t common = 0;
  for (char c : b) {
    auto& n = count[static_cast<unsigned char>(c) & 63u];
    if (n > 0) {
      --n;
      ++common;
    }
  }
  const double m = static_cast<double>(common);
  const double jaro_max =
      common == 0
          ? 0.0
          : (m / static_cast<double>(a.size()) + m / static_cast<double>(b.size()) + 1.0) / 3.0;
  std::size_t prefix = 0;
  while (prefix < 4 && prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) {
    ++prefix;
  }
  const double jw_max = jaro_max + static_cast<double>(prefix) * 0.1 * (1.0 - jaro_max);
  if (jw_max < floor) {
    return 0.0;
  }
  return JaroWinkler(a, b);
}

int DamerauLevenshtein(std::string_view a, std::string_view b, int cap) {
  const int la = static_cast<int>(a.size());
  const int lb = static_cast<int>(b.size());
  if (std::abs(la - lb) > cap) {
    return cap + 1;
  }
  if (la == 0 || lb == 0) {
    return std::max(la, lb);
  }
  const auto w = static_cast<std::size_t>(lb + 1);
  thread_local std::vector<int> rows;
  rows.assign(3 * w, 0);
  int* prev2 = rows.data();
  int* prev = prev2 + w;
  int* cur = prev + w;
  for (int j = 0; j <= lb; ++j) {
    prev[static_cast<std::size_t>(j)] = j;
  }
  for (int i = 1; i <= la; ++i) {
    cur[0] = i;
    int row_min = i;
    for (int j = 1; j <= lb; ++j) {
      const auto uj = static_cast<std::size_t>(j);
      const int cost = a[static_cast<std::size_t>(i - 1)] == b[uj - 1] ? 0 : 1;
      int v = std::min({prev[uj] + 1, cur[uj - 1] + 1, prev[uj - 1] + cost});
      if (i > 1 && j > 1 && a[static_cast<std::size_t>(i - 1)] == b[uj - 2] &&
          a[static_cast<std::size_t>(i - 2)] == b[uj - 1]) {
        v = std::min(v, prev2[uj - 2] + 1);
      }
      cur[uj] = v;
      row_min = std::min(row_min, v);
    }
    if (row_min > cap) {
      return cap + 1;
    }
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return std::min(prev[static_cast<std::size_t>(lb)], cap + 1);
}

double TokenSetJaccard(std::string_view a, std::string_view b) {
  auto split = [](std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
      std::size_t j = s.find(' ', i);
      if (j == std::string_view::npos) {
        j = s.size();
      }
      if (j > i) {
        out.push_back(s.substr(i, j - i));
      }
      i = j + 1;
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  };
  const auto ta = split(a);
  const auto tb = split(b);
  if (ta.empty() || tb.empty()) {
    return 0.0;
  }
  std::size_t common = 0;
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < ta.size() && j < tb.size()) {
    if (ta[i] == tb[j]) {
      ++common;
      ++i;
      ++j;
    } else if (ta[i] < tb[j]) {
      ++i;
    } else {
      ++j;
    }
  }
  return static_cast<double>(common) / static_cast<double>(ta.size() + tb.size() - common);
}

std::string_view CmpFieldName(CmpField f) { return kFields[static_cast<std::size_t>(f)].name; }
std::size_t LevelCount(CmpField f) { return kFields[static_cast<std::size_t>(f)].count; }
std::string_view LevelName(CmpField f, std::size_t level) {
  const auto& spec = kFields[static_cast<std::size_t>(f)];
  return level < spec.count ? spec.levels[level] : std::string_view("?");
}
std::size_t ExactLevel(CmpField f) { return LevelCount(f) - 1; }

Pattern Compare(const NormalizedRecord& a, const NormalizedRecord& b) {
  Pattern p{};
  auto set = [&p](CmpField f, std::uint8_t level) { p[static_cast<std::size_t>(f)] = level; };
  set(CmpField::kFirstName,
      NameLevel(a.first, b.first, a.last, b.last, a.first_canon, b.first_canon));
  set(CmpField::kLastName, NameLevel(a.last, b.last, a.first, b.first, {}, {}));
  set(CmpField::kBirthDate, DateLevel(a, b));
  set(CmpField::kEmail, EmailLevel(a, b));
  set(CmpField::kPhone, PhoneLevel(a.phone, b.phone));
  set(CmpField::kStreetNumber, ExactOrEdit(a.street_number, b.street_number));
  set(CmpField::kStreet, StreetLevel(a, b));
  set(CmpField::kLine2, Line2Level(a, b));
  set(CmpField::kUnit, ExactOnly(a.unit, b.unit));
  set(CmpField::kCity, CityLevel(a.city, b.city));
  set(CmpField::kPostcode, ExactOrEdit(a.postcode, b.postcode));
  set(CmpField::kRegion, ExactOnly(a.region, b.region));
  set(CmpField::kNationalId, ExactOrEdit(a.national_id, b.national_id));
  set(CmpField::kLoyaltyId, ExactOnly(a.loyalty_id, b.loyalty_id));
  // A move changes every address field at once. Counting each disagreement
  // would weigh one fact (a different address) five times, so when street,
  // postcode and city all differ the street alone carries it.
  auto at = [&p](CmpField f) { return p[static_cast<std::size_t>(f)]; };
  if (at(CmpField::kStreet) == 1 && at(CmpField::kPostcode) == 1 && at(CmpField::kCity) == 1) {
    for (CmpField f : {CmpField::kStreetNumber, CmpField::kLine2, CmpField::kUnit, CmpField::kCity,
                       CmpField::kPostcode, CmpField::kRegion}) {
      set(f, 0);
    }
  }
  return p;
}

std::uint64_t PackPattern(const Pattern& p) {
  std::uint64_t code = 0;
  for (std::size_t i = 0; i < kCmpFieldCount; ++i) {
    code |= static_cast<std::uint64_t>(p[i] & 0xF) << (4 * i);
  }
  return code;
}

Pattern UnpackPattern(std::uint64_t code) {
  Pattern p{};
  for (std::size_t i = 0; i < kCmpFieldCount; ++i) {
    p[i] = static_cast<std::uint8_t>((code >> (4 * i)) & 0xF);
  }
  return p;
}

}  // namespace hub::identity
