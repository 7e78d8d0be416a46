// Field normalisation. ASCII input takes a fast path that gives the same
// result as the ICU pipeline; only non-ASCII text pays for transliteration.
// ICU transliterators are not thread-safe, so each thread builds its own.
#include "identity/normalize.h"

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>
#include <unicode/bytestream.h>
#include <unicode/idna.h>
#include <unicode/normalizer2.h>
#include <unicode/translit.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

namespace hub::identity {
namespace {

constexpr std::array<std::string_view, kFieldCount> kFieldNames = {
    "first_name",    "last_name",     "email",      "phone",      "address_line1",
    "address_line2", "street_number", "city",       "postcode",   "region",
    "country",       "birth_date",    "loyalty_id", "national_id"};

bool IsAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) {
    s.remove_suffix(1);
  }
  return s;
}

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// Non-ASCII text to lowercase ASCII: NFKC, Any-Latin; Latin-ASCII, casefold.
std::string TransliterateToAscii(std::string_view text) {
  thread_local std::unique_ptr<icu::Transliterator> translit = [] {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::Transliterator> t(
        icu::Transliterator::createInstance("Any-Latin; Latin-ASCII", UTRANS_FORWARD, status));
    return U_SUCCESS(status) ? std::move(t) : nullptr;
  }();
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCInstance(status);
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<std::int32_t>(text.size())));
  if (nfkc != nullptr && U_SUCCESS(status)) {
    u = nfkc->normalize(u, status);
  }
  if (translit != nullptr) {
    translit->transliterate(u);
  }
  u.foldCase();
  std::string out;
  u.toUTF8String(out);
  // Anything Latin-ASCII could not map is dropped rather than guessed.
  out.erase(std::remove_if(out.begin(), out.end(),
                           [](char c) { return static_cast<unsigned char>(c) >= 0x80; }),
            out.end());
  return out;
}

// Lowercase ASCII; apostrophes join, other punctuation separates tokens.
std::string CleanTokens(std::string_view ascii_lower) {
  std::string out;
  out.reserve(ascii_lower.size());
  bool pending_space = false;
  for (char c : ascii_lower) {
    const auto uc = static_cast<unsigned char>(c);
    if (c == '\'' || c == '`') {
      continue;
    }
    if (std::isalnum(uc) != 0) {
      if (pending_space && !out.empty()) {
        out.push_back(' ');
      }
      pending_space = false;
      out.push_back(static_cast<char>(std::tolower(uc)));
    } else {
      pending_space = true;
    }
  }
  return out;
}

std::vector<std::string_view> SplitSpaces(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') {
      ++i;
    }
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ') {
      ++j;
    }
    if (j > i) {
      out.push_back(s.substr(i, j - i));
    }
    i = j;
  }
  return out;
}

std::string Join(const std::vector<std::string_view>& parts) {
  std::string out;
  for (std::string_view p : parts) {
    if (!out.empty()) {
      out.push_back(' ');
    }
    out.append(p);
  }
  return out;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

const std::unordered_map<std::string_view, std::string_view>& Nicknames() {
  static const std::unordered_map<std::string_view, std::string_view> kTable = {
      {"bob", "robert"},          {"bobby", "robert"},      {"rob", "robert"},
      {"robbie", "robert"},       {"bert", "robert"},       {"bill", "william"},
      {"billy", "william"},       {"will", "william"},      {"willy", "william"},
      {"liam", "william"},        {"jim", "james"},         {"jimmy", "james"},
      {"jamie", "james"},         {"mike", "michael"},      {"mikey", "michael"},
      {"mick", "michael"},        {"dave", "david"},        {"davy", "david"},
      {"dick", "richard"},        {"rick", "richard"},      {"ricky", "richard"},
      {"rich", "richard"},        {"tom", "thomas"},        {"tommy", "thomas"},
      {"joe", "joseph"},          {"joey", "joseph"},       {"jack", "john"},
      {"johnny", "john"},         {"jon", "john"},          {"chris", "christopher"},
      {"kit", "christopher"},     {"dan", "daniel"},        {"danny", "daniel"},
      {"matt", "matthew"},        {"tony", "anthony"},      {"ant", "anthony"},
      {"steve", "stephen"},       {"steven", "stephen"},    {"ed", "edward"},
      {"eddie", "edward"},        {"ted", "edward"},        {"ned", "edward"},
      {"andy", "andrew"},         {"drew", "andrew"},       {"ben", "benjamin"},
      {"benny", "benjamin"},      {"sam", "samuel"},        {"alex", "alexander"},
      {"sandy", "alexander"},     {"greg", "gregory"},      {"pete", "peter"},
      {"nick", "nicholas"},       {"nicky", "nicholas"},    {"charlie", "charles"},
      {"chuck", "charles"},       {"harry", "henry"},       {"hank", "henry"},
      {"fred", "frederick"},      {"freddie", "frederick"}, {"larry", "lawrence"},
      {"jerry", "gerald"},        {"pat", "patrick"},       {"paddy", "patrick"},
      {"tim", "timothy"},         {"timmy", "timothy"},     {"ken", "kenneth"},
      {"kenny", "kenneth"},       {"ron", "ronald"},        {"ronnie", "ronald"},
      {"don", "donald"},          {"donnie", "donald"},     {"josh", "joshua"},
      {"zach", "zachary"},        {"zack", "zachary"},      {"nate", "nathan"},
      {"liz", "elizabeth"},       {"lizzie", "elizabeth"},  {"beth", "elizabeth"},
      {"betty", "elizabeth"},     {"eliza", "elizabeth"},   {"kate", "katherine"},
      {"katie", "katherine"},     {"kathy", "katherine"},   {"cathy", "katherine"},
      {"catherine", "katherine"}, {"kathryn", "katherine"}, {"peggy", "margaret"},
      {"maggie", "margaret"},     {"meg", "margaret"},      {"jenny", "jennifer"},
      {"jen", "jennifer"},        {"sue", "susan"},         {"susie", "susan"},
      {"suzy", "susan"},          {"debbie", "deborah"},    {"deb", "deborah"},
      {"patty", "patricia"},      {"trish", "patricia"},    {"becky", "rebecca"},
      {"vicky", "victoria"},      {"abby", "abigail"},      {"mandy", "amanda"},
      {"manda", "amanda"},        {"sandra", "alexandra"},  {"jess", "jessica"},
      {"jessie", "jessica"},      {"nell", "eleanor"},      {"ellie", "eleanor"},
      {"annie", "ann"},           {"anne", "ann"},          {"anna", "ann"},
      {"molly", "mary"},          {"polly", "mary"},        {"sally", "sarah"},
      {"sara", "sarah"},          {"tina", "christina"},    {"val", "valerie"},
      {"nat", "natalie"},         {"natasha", "natalia"},   {"sasha", "alexander"},
      {"misha", "mikhail"},       {"pepe", "jose"},         {"paco", "francisco"},
      {"pancho", "francisco"},    {"lupe", "guadalupe"},
  };
  return kTable;
}

const std::unordered_set<std::string_view>& NameNoise() {
  static const std::unordered_set<std::string_view> kNoise = {
      "mr",  "mrs", "ms", "miss", "mx",  "dr", "prof", "sir", "dame",
      "rev", "jr",  "sr", "ii",   "iii", "iv", "esq",  "phd", "md"};
  return kNoise;
}

const std::unordered_map<std::string_view, std::string_view>& StreetWords() {
  static const std::unordered_map<std::string_view, std::string_view> kTable = {
      {"street", "st"},      {"str", "st"},       {"avenue", "ave"},      {"av", "ave"},
      {"road", "rd"},        {"drive", "dr"},     {"court", "ct"},        {"place", "pl"},
      {"boulevard", "blvd"}, {"lane", "ln"},      {"crescent", "cres"},   {"terrace", "tce"},
      {"circuit", "cct"},    {"parade", "pde"},   {"close", "cl"},        {"highway", "hwy"},
      {"parkway", "pkwy"},   {"square", "sq"},    {"circle", "cir"},      {"grove", "gr"},
      {"esplanade", "esp"},  {"trail", "trl"},    {"expressway", "expy"}, {"freeway", "fwy"},
      {"mount", "mt"},       {"point", "pt"},     {"heights", "hts"},     {"gardens", "gdns"},
      {"north", "n"},        {"south", "s"},      {"east", "e"},          {"west", "w"},
      {"northeast", "ne"},   {"northwest", "nw"}, {"southeast", "se"},    {"southwest", "sw"},
      {"saint", "st"},       {"fort", "ft"},      {"center", "ctr"},      {"centre", "ctr"},
  };
  return kTable;
}

const std::unordered_set<std::string_view>& UnitWords() {
  static const std::unordered_set<std::string_view> kWords = {
      "apt",   "apartment", "unit",  "suite", "ste",  "flat", "no",       "lot",
      "level", "fl",        "floor", "rm",    "room", "bldg", "building", "shop"};
  return kWords;
}

}  // namespace

std::string_view FieldName(Field f) { return kFieldNames[static_cast<std::size_t>(f)]; }

std::optional<Field> ParseField(std::string_view name) {
  for (std::size_t i = 0; i < kFieldCount; ++i) {
    if (kFieldNames[i] == name) {
      return static_cast<Field>(i);
    }
  }
  return std::nullopt;
}

Result<std::string> NormalizeEmail(std::string_view text, const EmailRules& rules) {
  std::string_view t = Trim(text);
  if (t.size() >= 7 && LowerAscii(t.substr(0, 7)) == "mailto:") {
    t.remove_prefix(7);
  }
  const std::size_t at = t.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= t.size()) {
    return Fail(ErrorCode::kInvalidArgument, "email has no local@domain form", "email");
  }
  std::string local = IsAscii(t.substr(0, at)) ? LowerAscii(t.substr(0, at)) : [&] {
    icu::UnicodeString u =
        icu::UnicodeString::fromUTF8(icu::StringPiece(t.data(), static_cast<std::int32_t>(at)));
    u.foldCase();
    std::string s;
    u.toUTF8String(s);
    return s;
  }();
  std::string domain;
  std::string_view raw_domain = t.substr(at + 1);
  if (IsAscii(raw_domain)) {
    domain = LowerAscii(raw_domain);
  } else {
    static const icu::IDNA* idna = [] {
      UErrorCode status = U_ZERO_ERROR;
      icu::IDNA* p = icu::IDNA::createUTS46Instance(UIDNA_NONTRANSITIONAL_TO_ASCII, status);
      return U_SUCCESS(status) ? p : nullptr;
    }();
    if (idna == nullptr) {
      return Fail(ErrorCode::kInternal, "ICU IDNA unavailable", "email");
    }
    UErrorCode status = U_ZERO_ERROR;
    icu::IDNAInfo info;
    icu::StringByteSink<std::string> sink(&domain);
    idna->nameToASCII_UTF8(
        icu::StringPiece(raw_domain.data(), static_cast<std::int32_t>(raw_domain.size())), sink,
        info, status);
    if (U_FAILURE(status) || info.hasErrors()) {
      return Fail(ErrorCode::kInvalidArgument, "email domain is not a valid IDN", "email");
    }
  }
  while (!domain.empty() && domain.back() == '.') {
    domain.pop_back();
  }
  if (domain.find('.') == std::string::npos ||
      std::any_of(domain.begin(), domain.end(),
                  [](char c) {
                    return !(std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' ||
                             c == '.');
                  }) ||
      local.find_first_of(" \t,;<>") != std::string::npos) {
    return Fail(ErrorCode::kInvalidArgument, "email domain or local part is malformed", "email");
  }
  if (auto it = rules.domain_aliases.find(domain); it != rules.domain_aliases.end()) {
    domain = it->second;
  }
  const auto listed = [&domain](const std::vector<std::string>& v) {
    return std::find(v.begin(), v.end(), domain) != v.end();
  };
  if (rules.strip_plus_everywhere || listed(rules.plus_tag_domains)) {
    if (const std::size_t plus = local.find('+'); plus != std::string::npos && plus > 0) {
      local.resize(plus);
    }
  }
  if (listed(rules.dot_insensitive_domains)) {
    local.erase(std::remove(local.begin(), local.end(), '.'), local.end());
  }
  if (local.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "email local part is empty", "email");
  }
  return local + "@" + domain;
}

Result<std::string> NormalizePhone(std::string_view text, std::string_view region) {
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberUtil;
  std::string_view t = Trim(text);
  if (t.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "phone is empty", "phone");
  }
  const PhoneNumberUtil* util = PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  std::string reg(region);
  for (char& c : reg) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  // Fast path for plain North American numbers ("(415) 555-0134",
  // "+1 415 555 0134"): skip Parse's regex work, still validate with
  // libphonenumber's metadata.
  if (std::all_of(t.begin(), t.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) != 0 || c == ' ' || c == '(' ||
               c == ')' || c == '-' || c == '.' || c == '+';
      })) {
    std::string digits;
    for (char c : t) {
      if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
        digits.push_back(c);
      }
    }
    const bool plus = t.front() == '+';
    const bool nanp_region = !plus && util->GetCountryCodeForRegion(reg) == 1;
    if ((plus || nanp_region) && digits.size() == 11 && digits[0] == '1') {
      digits.erase(0, 1);
    } else if (!(nanp_region && digits.size() == 10)) {
      digits.clear();
    }
    if (digits.size() == 10) {
      number.set_country_code(1);
      number.set_national_number(std::stoull(digits));
      if (!util->IsValidNumber(number)) {
        return Fail(ErrorCode::kInvalidArgument, "phone is not a valid number for its region",
                    "phone");
      }
      return "+1" + digits;
    }
    number.Clear();
  }
  if (util->Parse(std::string(t), reg.empty() ? "ZZ" : reg, &number) !=
      PhoneNumberUtil::NO_PARSING_ERROR) {
    return Fail(ErrorCode::kInvalidArgument, "phone could not be parsed", "phone");
  }
  if (!util->IsValidNumber(number)) {
    return Fail(ErrorCode::kInvalidArgument, "phone is not a valid number for its region", "phone");
  }
  std::string out;
  util->Format(number, PhoneNumberUtil::E164, &out);
  return out;
}

std::string NormalizeName(std::string_view text) {
  std::string_view t = Trim(text);
  if (IsAscii(t)) {
    return CleanTokens(t);
  }
  return CleanTokens(TransliterateToAscii(t));
}

std::string NormalizePersonName(std::string_view text) {
  const std::string n = NormalizeName(text);
  std::vector<std::string_view> tokens = SplitSpaces(n);
  if (tokens.size() <= 1) {
    return n;
  }
  std::vector<std::string_view> kept;
  for (std::string_view tok : tokens) {
    if (NameNoise().count(tok) == 0) {
      kept.push_back(tok);
    }
  }
  return kept.empty() ? n : Join(kept);
}

std::string_view CanonicalGivenName(std::string_view normalized) {
  const auto& table = Nicknames();
  if (auto it = table.find(normalized); it != table.end()) {
    return it->second;
  }
  return normalized;
}

Address NormalizeAddress(std::string_view line, std::string_view street_number) {
  Address out;
  std::string clean;
  {
    // '#' and '/' carry meaning for units; keep them as separate tokens.
    std::string spaced;
    for (char c : Trim(line)) {
      if (c == '#' || c == '/') {
        spaced.push_back(' ');
        spaced.push_back(c);
        spaced.push_back(' ');
      } else {
        spaced.push_back(c);
      }
    }
    std::string ascii = IsAscii(spaced) ? LowerAscii(spaced) : TransliterateToAscii(spaced);
    for (char& c : ascii) {
      if (c == ',' || c == '.' || c == '-') {
        c = ' ';
      }
    }
    clean = ascii;
  }
  std::vector<std::string_view> raw = SplitSpaces(clean);
  std::vector<std::string> tokens;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    std::string_view tok = raw[i];
    if (tok == "#" && i + 1 < raw.size()) {
      out.unit = CleanTokens(raw[i + 1]);
      ++i;
      continue;
    }
    if (UnitWords().count(tok) != 0 && i + 1 < raw.size() && !tokens.empty()) {
      std::string_view next = raw[i + 1];
      if (next == "#" && i + 2 < raw.size()) {
        next = raw[i + 2];
        ++i;
      }
      out.unit = CleanTokens(next);
      ++i;
      continue;
    }
    if (tok == "/" && !tokens.empty() && i + 1 < raw.size() && out.unit.empty()) {
      // "4/12 smith st": unit 4 at number 12.
      out.unit = tokens.back();
      tokens.pop_back();
      continue;
    }
    std::string cleaned = CleanTokens(tok);
    if (cleaned.empty()) {
      continue;
    }
    tokens.push_back(cleaned);
  }
  // Leading house number ("123", "12a"), unless the source gave one apart.
  if (!tokens.empty() && std::isdigit(static_cast<unsigned char>(tokens.front()[0])) != 0) {
    if (street_number.empty()) {
      out.number = tokens.front();
      tokens.erase(tokens.begin());
    } else if (tokens.size() > 1 && tokens.front() == CleanTokens(street_number)) {
      tokens.erase(tokens.begin());
    }
  }
  if (!street_number.empty()) {
    out.number = CleanTokens(street_number);
    out.number.erase(std::remove(out.number.begin(), out.number.end(), ' '), out.number.end());
  }
  std::string street;
  for (const std::string& tok : tokens) {
    auto it = StreetWords().find(tok);
    if (!street.empty()) {
      street.push_back(' ');
    }
    street.append(it != StreetWords().end() ? std::string(it->second) : tok);
  }
  out.street = std::move(street);
  return out;
}

std::string NormalizeCountry(std::string_view text) {
  std::string c = NormalizeName(text);
  static const std::unordered_map<std::string_view, std::string_view> kNames = {
      {"usa", "us"},
      {"united states", "us"},
      {"united states of america", "us"},
      {"america", "us"},
      {"uk", "gb"},
      {"united kingdom", "gb"},
      {"great britain", "gb"},
      {"england", "gb"},
      {"australia", "au"},
      {"canada", "ca"},
      {"germany", "de"},
      {"deutschland", "de"},
      {"france", "fr"},
      {"brazil", "br"},
      {"brasil", "br"},
      {"mexico", "mx"},
      {"spain", "es"},
      {"espana", "es"},
      {"italy", "it"},
      {"netherlands", "nl"},
      {"new zealand", "nz"},
      {"ireland", "ie"},
      {"india", "in"},
      {"japan", "jp"}};
  if (auto it = kNames.find(c); it != kNames.end()) {
    return std::string(it->second);
  }
  return c;
}

std::string NormalizePostcode(std::string_view text, std::string_view country, bool* suspect) {
  std::string code;
  for (char c : Trim(text)) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0) {
      code.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  bool bad = false;
  if (country == "us") {
    if (code.size() == 9 && AllDigits(code)) {
      code.resize(5);  // ZIP+4: the +4 is delivery detail, not identity
    }
    bad = !(code.size() == 5 && AllDigits(code));
  } else if (country == "au" || country == "nz" || country == "at" || country == "ch" ||
             country == "dk" || country == "no" || country == "be") {
    bad = !(code.size() == 4 && AllDigits(code));
  } else if (country == "de" || country == "fr" || country == "es" || country == "it" ||
             country == "mx" || country == "fi") {
    bad = !(code.size() == 5 && AllDigits(code));
  } else if (country == "br") {
    bad = !(code.size() == 8 && AllDigits(code));
  } else if (country == "ca") {
    bad = code.size() != 6;
  } else if (country == "gb") {
    bad = code.size() < 5 || code.size() > 7;
  } else if (country == "nl") {
    bad = !(code.size() == 6 && AllDigits(code.substr(0, 4)));
  }
  if (suspect != nullptr) {
    *suspect = bad && !code.empty();
  }
  return code;
}

namespace {

int MonthFromName(std::string_view s) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  if (s.size() < 3) {
    return 0;
  }
  const std::string p = LowerAscii(s.substr(0, 3));
  for (std::size_t i = 0; i < kMonths.size(); ++i) {
    if (kMonths[i] == p) {
      return static_cast<int>(i) + 1;
    }
  }
  return 0;
}

bool ValidDate(int y, int m, int d) {
  if (y < 1800 || y > 2200 || m < 1 || m > 12 || d < 1) {
    return false;
  }
  static constexpr std::array<int, 12> kDays = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (d > kDays[static_cast<std::size_t>(m - 1)]) {
    return false;
  }
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return !(m == 2 && d == 29 && !leap);
}

int ToInt(std::string_view s) {
  int v = 0;
  for (char c : s) {
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

Result<Date> ParseDate(std::string_view text, bool day_first) {
  std::string_view t = Trim(text);
  if (const std::size_t tpos = t.find('T'); tpos == 10) {
    t = t.substr(0, 10);  // ISO date-time: the date part
  }
  // Tokenise into digit runs and letter runs.
  std::vector<std::string_view> nums;
  int month_name = 0;
  std::size_t i = 0;
  while (i < t.size()) {
    const auto c = static_cast<unsigned char>(t[i]);
    std::size_t j = i;
    if (std::isdigit(c) != 0) {
      while (j < t.size() && std::isdigit(static_cast<unsigned char>(t[j])) != 0) {
        ++j;
      }
      nums.push_back(t.substr(i, j - i));
    } else if (std::isalpha(c) != 0) {
      while (j < t.size() && std::isalpha(static_cast<unsigned char>(t[j])) != 0) {
        ++j;
      }
      const int m = MonthFromName(t.substr(i, j - i));
      if (m == 0 && j - i > 2) {
        return Fail(ErrorCode::kInvalidArgument, "date has an unknown word", "birth_date");
      }
      if (m != 0) {
        month_name = m;
      }
    } else {
      j = i + 1;
    }
    i = j;
  }
  int y = 0;
  int m = 0;
  int d = 0;
  if (month_name != 0 && nums.size() == 2) {
    const bool year_first = nums[0].size() == 4;
    y = ToInt(year_first ? nums[0] : nums[1]);
    d = ToInt(year_first ? nums[1] : nums[0]);
    m = month_name;
    if (nums[year_first ? 0 : 1].size() != 4) {
      return Fail(ErrorCode::kInvalidArgument, "date needs a four-digit year", "birth_date");
    }
  } else if (nums.size() == 1 && nums[0].size() == 8) {
    y = ToInt(nums[0].substr(0, 4));
    m = ToInt(nums[0].substr(4, 2));
    d = ToInt(nums[0].substr(6, 2));
  } else if (nums.size() == 3 && nums[0].size() == 4) {
    y = ToInt(nums[0]);
    m = ToInt(nums[1]);
    d = ToInt(nums[2]);
  } else if (nums.size() == 3 && nums[2].size() == 4 && nums[0].size() <= 2 &&
             nums[1].size() <= 2) {
    y = ToInt(nums[2]);
    int a = ToInt(nums[0]);
    int b = ToInt(nums[1]);
    const bool dotted = t.find('.') != std::string_view::npos;
    bool a_is_day = day_first || dotted;
    if (a > 12 && b <= 12) {
      a_is_day = true;
    } else if (b > 12 && a <= 12) {
      a_is_day = false;
    }
    d = a_is_day ? a : b;
    m = a_is_day ? b : a;
  } else {
    return Fail(ErrorCode::kInvalidArgument, "date format not recognised", "birth_date");
  }
  if (!ValidDate(y, m, d)) {
    return Fail(ErrorCode::kInvalidArgument, "impossible date", "birth_date");
  }
  return Date{y, m, d};
}

std::string PhoneticCode(std::string_view normalized) {
  // A compact Metaphone: enough to group spelling variants for blocking.
  std::string w;
  for (char c : normalized) {
    if (c >= 'a' && c <= 'z') {
      w.push_back(c);
    } else if (c == ' ') {
      break;  // first token only
    }
  }
  if (w.empty()) {
    return {};
  }
  auto is_vowel = [](char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; };
  std::size_t start = 0;
  std::string out;
  if (w.size() > 1) {
    const std::string_view two(w.data(), 2);
    if (two == "kn" || two == "gn" || two == "pn" || two == "wr" || two == "ae") {
      start = 1;
    } else if (w[0] == 'x') {
      out.push_back('s');
      start = 1;
    } else if (two == "wh") {
      out.push_back('w');
      start = 2;
    }
  }
  const auto at = [&w](std::size_t k) { return k < w.size() ? w[k] : '\0'; };
  for (std::size_t k = start; k < w.size() && out.size() < 6; ++k) {
    const char c = w[k];
    if (c == at(k - 1) && k > 0 && c != 'c') {
      continue;
    }
    const char n = at(k + 1);
    switch (c) {
      case 'a':
      case 'e':
      case 'i':
      case 'o':
      case 'u':
        if (k == start) {
          out.push_back('a');
        }
        break;
      case 'b':
        if (!(k + 1 == w.size() && at(k - 1) == 'm')) {
          out.push_back('p');
        }
        break;
      case 'c':
        if (n == 'h' || (n == 'i' && at(k + 2) == 'a')) {
          out.push_back('x');
        } else if (n == 'i' || n == 'e' || n == 'y') {
          out.push_back('s');
        } else {
          out.push_back('k');
        }
        break;
      case 'd':
        out.push_back(n == 'g' && (at(k + 2) == 'e' || at(k + 2) == 'i' || at(k + 2) == 'y') ? 'j'
                                                                                             : 't');
        break;
      case 'g':
        if (n == 'h' && !(k + 2 >= w.size() || is_vowel(at(k + 2)))) {
          break;
        }
        if (n == 'n' && k + 2 >= w.size()) {
          break;
        }
        out.push_back(n == 'i' || n == 'e' || n == 'y' ? 'j' : 'k');
        break;
      case 'h':
        if (is_vowel(n) &&
            !(k > 0 && std::string_view("csptg").find(at(k - 1)) != std::string_view::npos)) {
          out.push_back('h');
        }
        break;
      case 'k':
        if (at(k - 1) != 'c') {
          out.push_back('k');
        }
        break;
      case 'p':
        out.push_back(n == 'h' ? 'f' : 'p');
        break;
      case 'q':
        out.push_back('k');
        break;
      case 's':
        out.push_back(n == 'h' || (n == 'i' && (at(k + 2) == 'o' || at(k + 2) == 'a')) ? 'x' : 's');
        break;
      case 't':
        if (n == 'h') {
          out.push_back('0');
        } else if (!(n == 'c' && at(k + 2) == 'h')) {
          out.push_back(n == 'i' && (at(k + 2) == 'o' || at(k + 2) == 'a') ? 'x' : 't');
        }
        break;
      case 'v':
        out.push_back('f');
        break;
      case 'w':
      case 'y':
        if (is_vowel(n)) {
          out.push_back(c);
        }
        break;
      case 'x':
        out.append("ks");
        break;
      case 'z':
        out.push_back('s');
        break;
      default:
        out.push_back(c);
        break;
    }
  }
  return out;
}

NormalizedRecord Normalize(const SourceRecord& r, const NormalizeOptions& options) {
  NormalizedRecord n;
  n.first = NormalizePersonName(r.get(Field::kFirstName));
  n.last = NormalizePersonName(r.get(Field::kLastName));
  if (!n.first.empty()) {
    // The first token carries the given name; nicknames map token-wise.
    const std::string_view head = std::string_view(n.first).substr(0, n.first.find(' '));
    n.first_canon =
        options.use_nicknames ? std::string(CanonicalGivenName(head)) : std::string(head);
  }
  n.first_code = PhoneticCode(n.first);
  n.last_code = PhoneticCode(n.last);
  if (const std::string& e = r.get(Field::kEmail); !Trim(e).empty()) {
    if (auto email = NormalizeEmail(e, options.email)) {
      n.email = std::move(*email);
      const std::size_t at = n.email.rfind('@');
      n.email_local = n.email.substr(0, at);
      n.email_domain = n.email.substr(at + 1);
      n.email_verified = r.email_verified;
    } else {
      n.flags |= kFlagEmailInvalid;
    }
  }
  n.country = NormalizeCountry(r.get(Field::kCountry));
  if (const std::string& p = r.get(Field::kPhone); !Trim(p).empty()) {
    std::string region = r.phone_region;
    if (region.empty()) {
      auto it = options.source_regions.find(r.key.source);
      region = it != options.source_regions.end() ? it->second : options.default_region;
    }
    if (auto phone = NormalizePhone(p, region)) {
      n.phone = std::move(*phone);
    } else {
      n.flags |= kFlagPhoneInvalid;
    }
  }
  Address a = NormalizeAddress(r.get(Field::kAddressLine1), Trim(r.get(Field::kStreetNumber)));
  n.street_number = std::move(a.number);
  n.street = std::move(a.street);
  n.unit = std::move(a.unit);
  n.line2 = NormalizeAddress(r.get(Field::kAddressLine2)).street;
  if (n.unit.empty() && !n.line2.empty()) {
    // "Apt 4" on line 2 is a unit, not a second address line.
    Address l2 = NormalizeAddress("x " + r.get(Field::kAddressLine2));
    if (!l2.unit.empty() && (l2.street == "x" || l2.street.empty())) {
      n.unit = l2.unit;
      n.line2.clear();
    }
  }
  n.city = NormalizeName(r.get(Field::kCity));
  n.city_code = PhoneticCode(n.city);
  bool suspect = false;
  n.postcode = NormalizePostcode(r.get(Field::kPostcode), n.country, &suspect);
  if (suspect) {
    n.flags |= kFlagPostcodeSuspect;
  }
  n.region = NormalizeName(r.get(Field::kRegion));
  if (const std::string& dob = r.get(Field::kBirthDate); !Trim(dob).empty()) {
    if (auto d = ParseDate(dob, options.day_first)) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "%04d%02d%02d", d->year, d->month, d->day);
      n.dob = buf;
      n.dob_valid = true;
    } else {
      n.flags |= kFlagDateInvalid;
      // Keep the raw digits of an 8-digit date so a typo can still be compared.
      std::string digits;
      for (char c : dob) {
        if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
          digits.push_back(c);
        }
      }
      if (digits.size() == 8) {
        n.dob = digits;
      }
    }
  }
  n.loyalty_id = CleanTokens(LowerAscii(Trim(r.get(Field::kLoyaltyId))));
  n.loyalty_id.erase(std::remove(n.loyalty_id.begin(), n.loyalty_id.end(), ' '),
                     n.loyalty_id.end());
  n.national_id = CleanTokens(LowerAscii(Trim(r.get(Field::kNationalId))));
  n.national_id.erase(std::remove(n.national_id.begin(), n.national_id.end(), ' '),
                      n.national_id.end());
  return n;
}

}  // namespace hub::identity
