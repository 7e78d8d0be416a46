// Field normalisation for identity matching: email, phone (E.164 through
// libphonenumber), names (ICU NFKC + Any-Latin; Latin-ASCII + casefold),
// addresses (abbreviations, unit parsing), postcodes and dates. Invalid input
// is flagged, never guessed. Not here: comparison (compare.h).
// All functions are thread-safe (ICU transliterators are per thread).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "identity/record.h"

namespace hub::identity {

struct EmailRules {
  // Domains whose local part ignores dots (Gmail delivers a.b@ and ab@ alike).
  std::vector<std::string> dot_insensitive_domains = {"gmail.com"};
  // Domains where "local+tag@" reaches "local@".
  std::vector<std::string> plus_tag_domains = {
      "gmail.com", "outlook.com",  "hotmail.com",    "live.com",  "icloud.com", "me.com",
      "mac.com",   "fastmail.com", "protonmail.com", "proton.me", "yahoo.com"};
  // Strip "+tag" for every domain (off: some providers treat + as a real character).
  bool strip_plus_everywhere = false;
  // Domain aliases applied first (googlemail.com is gmail.com).
  std::map<std::string, std::string> domain_aliases = {{"googlemail.com", "gmail.com"}};
};

struct NormalizeOptions {
  // Phone region when neither the record nor its source names one.
  std::string default_region = "US";
  // Per source system phone region ("shopify" -> "GB"); a record's own
  // phone_region wins over this.
  std::map<std::string, std::string> source_regions;
  EmailRules email;
  // Map nicknames to a canonical given name (Bob -> robert) for the
  // nickname comparison level.
  bool use_nicknames = true;
  // Ambiguous "03/04/1990": false reads month first (US), true day first.
  bool day_first = false;
};

// Issues found while normalising; the value is dropped, the flag kept.
enum NormFlag : std::uint32_t {
  kFlagEmailInvalid = 1u << 0,
  kFlagPhoneInvalid = 1u << 1,
  kFlagDateInvalid = 1u << 2,
  kFlagPostcodeSuspect = 1u << 3,
};

struct Date {
  int year = 0;
  int month = 0;
  int day = 0;
  friend bool operator==(const Date&, const Date&) = default;
};

struct Address {
  std::string number;  // house number, "12a"
  std::string street;  // "n main st"
  std::string unit;    // "4"
};

// A record after normalisation: every string ASCII lowercase, empty when
// missing or invalid. Derived keys (phonetic codes) are computed once here.
struct NormalizedRecord {
  std::string first, last;            // "jose", "alvarez"
  std::string first_canon;            // nickname-resolved given name
  std::string first_code, last_code;  // phonetic codes
  std::string email, email_local, email_domain;
  std::string phone;  // E.164 "+14155550134"
  std::string street_number, street, unit, line2, city, city_code, postcode, region, country;
  std::string dob;  // "YYYYMMDD"; 8 raw digits even when flagged impossible
  bool dob_valid = false;
  std::string loyalty_id, national_id;
  bool email_verified = false;
  std::uint32_t flags = 0;
};

// Trim, casefold, IDN domain to ASCII (UTS #46), provider rules. Fails with
// kInvalidArgument on anything that is not local@domain.
Result<std::string> NormalizeEmail(std::string_view text, const EmailRules& rules = {});
// E.164 ("+14155550134"). `region` is the ISO 3166 default for national
// numbers. Fails with kInvalidArgument when libphonenumber rejects it.
Result<std::string> NormalizePhone(std::string_view text, std::string_view region);
// NFKC, Any-Latin; Latin-ASCII, casefold; punctuation dropped (apostrophes
// joined, other marks split tokens); single spaces. "José ÁLVAREZ" -> "jose alvarez".
std::string NormalizeName(std::string_view text);
// As NormalizeName, then drops honorifics and generational suffixes.
std::string NormalizePersonName(std::string_view text);
// Canonical given name for a normalised nickname ("bob" -> "robert"); the
// input when unknown.
std::string_view CanonicalGivenName(std::string_view normalized);
// Street-type and directional abbreviations, unit parsing ("apt 4", "#4",
// "4/12 ..."), house number from the line unless `street_number` is given.
Address NormalizeAddress(std::string_view line, std::string_view street_number = {});
// Postcode per country (US ZIP5, CA/GB without spaces, AU 4 digits...);
// *suspect is set when the value does not fit the country's format.
std::string NormalizePostcode(std::string_view text, std::string_view country, bool* suspect);
// ISO 3166 alpha-2 lowercase for a country name or code ("USA" -> "us").
std::string NormalizeCountry(std::string_view text);
// YYYYMMDD, YYYY-MM-DD, YYYY/MM/DD, DD.MM.YYYY, MM/DD/YYYY (or day first),
// "15 March 1990", "March 15, 1990", "15-Mar-1990", ISO date-times.
// Impossible dates (2023-02-30) fail with kInvalidArgument.
Result<Date> ParseDate(std::string_view text, bool day_first = false);
// Phonetic code for blocking (a Metaphone variant); empty for empty input.
std::string PhoneticCode(std::string_view normalized);

NormalizedRecord Normalize(const SourceRecord& r, const NormalizeOptions& options);

}  // namespace hub::identity
