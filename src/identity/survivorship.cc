// Survivorship: the golden record of a cluster, attribute by attribute, each
// surviving value with its lineage. Address fields survive together from one
// record so a golden address is never stitched from several.
#include <algorithm>
#include <cstdio>

#include "identity/resolver.h"

namespace hub::identity {
namespace {

constexpr std::array<Field, 7> kAddressGroup = {
    Field::kAddressLine1, Field::kAddressLine2, Field::kStreetNumber, Field::kCity,
    Field::kPostcode,     Field::kRegion,       Field::kCountry};

bool InAddressGroup(Field f) {
  return std::find(kAddressGroup.begin(), kAddressGroup.end(), f) != kAddressGroup.end();
}

std::string Trimmed(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) {
    return {};
  }
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

// The value used for frequency counting: normalised where we have one.
std::string MatchKey(const StoredRecord& s, Field f) {
  const NormalizedRecord& n = s.norm;
  switch (f) {
    case Field::kFirstName:
      return n.first;
    case Field::kLastName:
      return n.last;
    case Field::kEmail:
      return n.email;
    case Field::kPhone:
      return n.phone;
    case Field::kBirthDate:
      return n.dob;
    case Field::kLoyaltyId:
      return n.loyalty_id;
    case Field::kNationalId:
      return n.national_id;
    case Field::kAddressLine1:
      return n.street_number + "|" + n.street + "|" + n.unit + "|" + n.postcode;
    default:
      return Trimmed(s.raw.get(f));
  }
}

// Phones in E.164 and dates in ISO form; everything else as the source wrote it.
std::string Display(const StoredRecord& s, Field f) {
  if (f == Field::kPhone && !s.norm.phone.empty()) {
    return s.norm.phone;
  }
  if (f == Field::kBirthDate && s.norm.dob_valid) {
    return s.norm.dob.substr(0, 4) + "-" + s.norm.dob.substr(4, 2) + "-" + s.norm.dob.substr(6, 2);
  }
  return Trimmed(s.raw.get(f));
}

bool Present(const StoredRecord& s, Field f) {
  if (f == Field::kAddressLine1) {
    return std::any_of(kAddressGroup.begin(), kAddressGroup.end(),
                       [&s](Field g) { return !Trimmed(s.raw.get(g)).empty(); });
  }
  return !Trimmed(s.raw.get(f)).empty();
}

// Validated first: a value that failed normalisation loses to one that passed.
bool Valid(const StoredRecord& s, Field f) {
  switch (f) {
    case Field::kEmail:
      return !s.norm.email.empty();
    case Field::kPhone:
      return !s.norm.phone.empty();
    case Field::kBirthDate:
      return s.norm.dob_valid;
    default:
      return true;
  }
}

std::size_t Completeness(const StoredRecord& s, Field f) {
  if (f == Field::kAddressLine1) {
    return static_cast<std::size_t>(
        std::count_if(kAddressGroup.begin(), kAddressGroup.end(),
                      [&s](Field g) { return !Trimmed(s.raw.get(g)).empty(); }));
  }
  return Trimmed(s.raw.get(f)).size();
}

}  // namespace

Result<GoldenRecord> Resolver::Golden(CustomerId id) const {
  auto it = state_.clusters.find(id.value);
  if (it == state_.clusters.end()) {
    return Fail(ErrorCode::kNotFound, "unknown customer " + id.ToString(), "customer_id");
  }
  const ClusterState& c = it->second;
  GoldenRecord g;
  g.id = c.id;
  g.erased = c.erased;
  for (std::uint32_t r : c.members) {
    g.members.push_back(state_.records[r].raw.key);
  }
  if (c.erased) {
    return g;
  }
  const SurvivorshipConfig& cfg = config_.survivorship;
  auto source_rank = [&cfg](const std::string& source) {
    auto p = std::find(cfg.source_priority.begin(), cfg.source_priority.end(), source);
    return static_cast<std::size_t>(p - cfg.source_priority.begin());
  };
  for (std::size_t fi = 0; fi < kFieldCount; ++fi) {
    const auto f = static_cast<Field>(fi);
    if (InAddressGroup(f) && f != Field::kAddressLine1) {
      continue;  // filled with the address group below
    }
    std::vector<std::uint32_t> cands;
    bool any_valid = false;
    for (std::uint32_t r : c.members) {
      if (Present(state_.records[r], f)) {
        cands.push_back(r);
        any_valid = any_valid || Valid(state_.records[r], f);
      }
    }
    if (any_valid) {
      std::erase_if(cands, [&](std::uint32_t r) { return !Valid(state_.records[r], f); });
    }
    if (cands.empty()) {
      continue;
    }
    std::map<std::string, std::size_t> freq;
    for (std::uint32_t r : cands) {
      ++freq[MatchKey(state_.records[r], f)];
    }
    auto pf = cfg.per_field.find(f);
    const std::vector<SurvivorRule>& rules = pf != cfg.per_field.end() ? pf->second : cfg.rules;
    // a beats b under the first rule that tells them apart; then older record.
    auto better = [&](std::uint32_t a, std::uint32_t b) {
      const StoredRecord& x = state_.records[a];
      const StoredRecord& y = state_.records[b];
      for (SurvivorRule rule : rules) {
        switch (rule) {
          case SurvivorRule::kSourcePriority: {
            const std::size_t rx = source_rank(x.raw.key.source);
            const std::size_t ry = source_rank(y.raw.key.source);
            if (rx != ry) {
              return rx < ry;
            }
            break;
          }
          case SurvivorRule::kRecency:
            if (x.raw.updated_at_us != y.raw.updated_at_us) {
              return x.raw.updated_at_us > y.raw.updated_at_us;
            }
            break;
          case SurvivorRule::kCompleteness: {
            const std::size_t cx = Completeness(x, f);
            const std::size_t cy = Completeness(y, f);
            if (cx != cy) {
              return cx > cy;
            }
            break;
          }
          case SurvivorRule::kFrequency: {
            const std::size_t fx = freq[MatchKey(x, f)];
            const std::size_t fy = freq[MatchKey(y, f)];
            if (fx != fy) {
              return fx > fy;
            }
            break;
          }
        }
      }
      return a < b;
    };
    const std::uint32_t win = *std::min_element(cands.begin(), cands.end(), better);
    const StoredRecord& w = state_.records[win];
    const Lineage lineage{w.raw.key.source, w.raw.key.id, w.raw.updated_at_us};
    if (f == Field::kAddressLine1) {
      for (Field af : kAddressGroup) {
        std::string v = Display(w, af);
        if (!v.empty()) {
          g.values[static_cast<std::size_t>(af)] = SurvivingValue{std::move(v), lineage};
        }
      }
    } else {
      g.values[fi] = SurvivingValue{Display(w, f), lineage};
    }
  }
  return g;
}

}  // namespace hub::identity
