// Synthetic customer generator: Zipf-distributed names so common names
// collide as in real data, and duplicates carrying typical source errors.
#include "generator.h"

#include <array>
#include <cmath>
#include <random>
#include <string>
#include <unordered_set>

namespace hub::identity::bench {
namespace {

constexpr std::array<const char*, 100> kFirst = {
    "james",   "mary",      "robert",    "patricia", "john",      "jennifer", "michael",
    "linda",   "david",     "elizabeth", "william",  "barbara",   "richard",  "susan",
    "joseph",  "jessica",   "thomas",    "sarah",    "charles",   "karen",    "christopher",
    "lisa",    "daniel",    "nancy",     "matthew",  "betty",     "anthony",  "margaret",
    "mark",    "sandra",    "donald",    "ashley",   "steven",    "kimberly", "paul",
    "emily",   "andrew",    "donna",     "joshua",   "michelle",  "kenneth",  "carol",
    "kevin",   "amanda",    "brian",     "dorothy",  "george",    "melissa",  "timothy",
    "deborah", "ronald",    "stephanie", "edward",   "rebecca",   "jason",    "sharon",
    "jeffrey", "laura",     "ryan",      "cynthia",  "jacob",     "kathleen", "gary",
    "amy",     "nicholas",  "angela",    "eric",     "shirley",   "jonathan", "anna",
    "stephen", "brenda",    "larry",     "pamela",   "justin",    "emma",     "scott",
    "nicole",  "brandon",   "helen",     "benjamin", "samantha",  "samuel",   "katherine",
    "gregory", "christine", "alexander", "debra",    "frank",     "rachel",   "patrick",
    "carolyn", "raymond",   "janet",     "jack",     "catherine", "dennis",   "maria",
    "jerry",   "heather"};

constexpr std::array<std::pair<const char*, const char*>, 16> kNick = {{
    {"robert", "bob"},
    {"william", "bill"},
    {"james", "jim"},
    {"michael", "mike"},
    {"elizabeth", "liz"},
    {"richard", "rick"},
    {"thomas", "tom"},
    {"joseph", "joe"},
    {"christopher", "chris"},
    {"daniel", "dan"},
    {"katherine", "kate"},
    {"jennifer", "jenny"},
    {"margaret", "peggy"},
    {"anthony", "tony"},
    {"samuel", "sam"},
    {"patricia", "patty"},
}};

constexpr std::array<const char*, 40> kSyl = {
    "ber", "son", "man", "ley",  "ton",  "ford", "wood", "ham", "field", "well",
    "mar", "lin", "har", "ris",  "chen", "gar",  "cia",  "ro",  "dri",   "guez",
    "nov", "ak",  "sky", "ott",  "kow",  "ski",  "van",  "der", "berg",  "stein",
    "mc",  "don", "ald", "fitz", "pat",  "ri",   "o",    "bri", "en",    "dal"};

constexpr std::array<const char*, 10> kStreetType = {
    "Street", "Avenue", "Road", "Drive", "Lane", "Court", "Place", "Boulevard", "Way", "Terrace"};
constexpr std::array<const char*, 6> kDomains = {"gmail.com",   "yahoo.com",  "outlook.com",
                                                 "hotmail.com", "icloud.com", "example.org"};
constexpr std::array<const char*, 8> kSources = {"shopify", "square", "web",     "pos",
                                                 "app",     "crm",    "loyalty", "email"};
constexpr std::array<const char*, 12> kAreas = {"212", "415", "312", "617", "206", "303",
                                                "404", "512", "602", "713", "305", "718"};
constexpr std::array<const char*, 10> kStates = {"CA", "NY", "TX", "WA", "IL",
                                                 "MA", "CO", "GA", "AZ", "FL"};

struct Rng {
  std::mt19937_64 g;
  explicit Rng(std::uint64_t seed) : g(seed) {}
  double U() { return std::uniform_real_distribution<double>(0, 1)(g); }
  std::size_t N(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(g); }
  bool P(double p) { return U() < p; }
  // Zipf-ish index in [0, n): rank r with weight 1/(r+1).
  // Zipf-like rank in [0, n) with weight 1/(rank + 10): a head of common
  // values without one value taking several percent of everything.
  std::size_t Zipf(std::size_t n) {
    const double k = 10.0;
    const double x = k * std::exp(U() * std::log((static_cast<double>(n) + k) / k)) - k;
    return std::min(n - 1, static_cast<std::size_t>(x));
  }
};

std::string Surname(std::size_t k) {
  // Deterministic syllable surname for rank k: a large, Zipf-usable vocabulary.
  std::string s;
  std::size_t v = k * 2654435761u + 7;
  const std::size_t parts = 2 + (k % 3 == 0 ? 1 : 0);
  for (std::size_t i = 0; i < parts; ++i) {
    s += kSyl[v % kSyl.size()];
    v /= kSyl.size();
    v += k * 31 + i;
  }
  return s;
}

std::string Cap(std::string s) {
  if (!s.empty()) {
    s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  }
  return s;
}

std::string Typo(std::string s, Rng& r) {
  if (s.size() < 3) {
    return s;
  }
  const std::size_t i = 1 + r.N(s.size() - 1);
  switch (r.N(4)) {
    case 0:
      s[i] = static_cast<char>('a' + r.N(26));
      break;
    case 1:
      s.erase(i, 1);
      break;
    case 2:
      s.insert(i, 1, static_cast<char>('a' + r.N(26)));
      break;
    default:
      if (i + 1 < s.size()) {
        std::swap(s[i], s[i + 1]);
      }
      break;
  }
  return s;
}

struct Entity {
  std::string first, last, email, area, exchange, line, street, number, city, postcode, state, dob,
      loyalty;
};

Entity MakeEntity(std::size_t e, Rng& r) {
  Entity x;
  x.first = kFirst[r.Zipf(kFirst.size())];
  // Half the surnames from a heavy head (Smith, Garcia...), half from a long tail.
  x.last = Surname(r.P(0.5) ? r.Zipf(5000) : r.N(400000));
  x.email = x.first + (r.P(0.5) ? "." : "") + x.last + (r.P(0.6) ? std::to_string(r.N(1000)) : "") +
            "@" + kDomains[r.N(kDomains.size())];
  x.area = kAreas[r.N(kAreas.size())];
  x.exchange = std::to_string(200 + r.N(700));
  char line[8];
  std::snprintf(line, sizeof line, "%04zu", r.N(10000));
  x.line = line;
  x.street = Cap(Surname(r.Zipf(5000))) + " " + kStreetType[r.N(kStreetType.size())];
  x.number = std::to_string(1 + r.N(3000));
  const std::size_t city = r.Zipf(2000);
  x.city = Cap(Surname(city + 7777));
  // A city spans several postcodes.
  x.postcode = std::to_string(10000 + (city * 37 + r.N(8) * 7919) % 89999);
  x.state = kStates[city % kStates.size()];
  if (r.P(0.4)) {
    char d[16];
    std::snprintf(d, sizeof d, "%04zu-%02zu-%02zu", 1940 + r.N(65), 1 + r.N(12), 1 + r.N(28));
    x.dob = d;
  }
  if (r.P(0.25)) {
    x.loyalty = "L" + std::to_string(10000000 + e);
  }
  return x;
}

std::string PhoneText(const Entity& x, Rng& r) {
  const std::string a = x.area;
  const std::string b = x.exchange;
  const std::string c = x.line;
  switch (r.N(5)) {
    case 0:
      return "(" + a + ") " + b + "-" + c;
    case 1:
      return a + "-" + b + "-" + c;
    case 2:
      return "+1 " + a + " " + b + " " + c;
    case 3:
      return a + b + c;
    default:
      return a + "." + b + "." + c;
  }
}

SourceRecord Render(const Entity& x, bool clean, Rng& r) {
  SourceRecord s;
  s.key.source = kSources[r.N(kSources.size())];
  s.updated_at_us = static_cast<std::int64_t>(r.N(1'000'000'000)) * 1'000'000;
  std::string first = x.first;
  std::string last = x.last;
  std::string email = x.email;
  std::string street = x.street;
  std::string number = x.number;
  std::string city = x.city;
  std::string postcode = x.postcode;
  std::string area = x.area;
  if (!clean) {
    if (r.P(0.10)) {
      for (const auto& [full, nick] : kNick) {
        if (first == full) {
          first = nick;
        }
      }
    }
    if (r.P(0.12)) {
      first = Typo(first, r);
    }
    if (r.P(0.12)) {
      last = Typo(last, r);
    }
    if (r.P(0.04)) {
      std::swap(first, last);
    }
    if (r.P(0.10)) {
      // Moved house: a new address in another city.
      street = Cap(Surname(r.Zipf(5000))) + " " + kStreetType[r.N(kStreetType.size())];
      number = std::to_string(1 + r.N(3000));
      const std::size_t c = r.Zipf(2000);
      city = Cap(Surname(c + 7777));
      postcode = std::to_string(10000 + (c * 37 + r.N(8) * 7919) % 89999);
    } else if (r.P(0.08)) {
      street = Typo(street, r);
    }
    if (r.P(0.08)) {
      email = Typo(email.substr(0, email.find('@')), r) + email.substr(email.find('@'));
    } else if (r.P(0.08) && email.find("@gmail.com") != std::string::npos) {
      email = email.substr(0, email.find('@')) + "+shop@gmail.com";
    }
  }
  const bool upper = r.P(0.15);
  auto shout = [upper](std::string v) {
    if (upper) {
      for (char& ch : v) {
        ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      }
    }
    return v;
  };
  s.get(Field::kFirstName) = shout(Cap(first));
  s.get(Field::kLastName) = shout(Cap(last));
  if (clean || !r.P(0.25)) {
    s.get(Field::kEmail) = r.P(0.1) ? shout(email) : email;
  }
  if (clean || !r.P(0.25)) {
    Entity ph = x;
    ph.area = area;
    s.get(Field::kPhone) = PhoneText(ph, r);
  }
  if (clean || !r.P(0.2)) {
    s.get(Field::kAddressLine1) =
        number + " " + street + (r.P(0.1) ? " Apt " + std::to_string(1 + r.N(20)) : "");
    s.get(Field::kCity) = city;
    s.get(Field::kPostcode) = postcode;
    s.get(Field::kRegion) = x.state;
    s.get(Field::kCountry) = r.P(0.5) ? "US" : "";
  }
  if (!x.dob.empty() && (clean || !r.P(0.3))) {
    s.get(Field::kBirthDate) = x.dob;
  }
  if (!x.loyalty.empty() && (clean || r.P(0.5))) {
    s.get(Field::kLoyaltyId) = x.loyalty;
  }
  return s;
}

}  // namespace

SyntheticSet Generate(std::size_t n, std::uint64_t seed) {
  Rng r(seed);
  SyntheticSet set;
  set.records.reserve(n);
  std::uint32_t e = 0;
  // A mailbox belongs to one person: a taken address gets a number, as a
  // provider makes its new users pick one.
  std::unordered_set<std::string> taken;
  while (set.records.size() < n) {
    Entity x = MakeEntity(e, r);
    while (!taken.insert(x.email).second) {
      const auto at = x.email.find('@');
      x.email.insert(at, std::to_string(r.N(10)));
    }
    std::size_t copies = 1;
    if (r.P(0.3)) {
      copies += 1 + r.N(3);
    }
    for (std::size_t c = 0; c < copies && set.records.size() < n; ++c) {
      SourceRecord s = Render(x, c == 0, r);
      s.key.id = "s" + std::to_string(set.records.size());
      set.records.push_back(std::move(s));
      set.entity.push_back(e);
    }
    ++e;
  }
  // Shuffle so duplicates are not adjacent.
  for (std::size_t i = set.records.size(); i > 1; --i) {
    const std::size_t j = r.N(i);
    std::swap(set.records[i - 1], set.records[j]);
    std::swap(set.entity[i - 1], set.entity[j]);
  }
  for (std::size_t i = 0; i < set.records.size(); ++i) {
    set.records[i].key.id = "s" + std::to_string(i);
  }
  return set;
}

SourceRecord NoisyCopy(const SyntheticSet& set, std::size_t index, std::uint64_t seed,
                       const std::string& id) {
  Rng r(seed);
  SourceRecord s = set.records[index];
  s.key = {"incremental", id};
  if (r.P(0.3)) {
    s.get(Field::kFirstName) = Typo(s.get(Field::kFirstName), r);
  }
  if (r.P(0.3)) {
    s.get(Field::kEmail).clear();
  }
  return s;
}

}  // namespace hub::identity::bench
