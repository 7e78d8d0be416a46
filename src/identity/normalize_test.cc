// Normalisation tables: what each field becomes, and that invalid input is
// flagged rather than guessed.
#include "identity/normalize.h"

#include <gtest/gtest.h>

namespace hub::identity {
namespace {

TEST(NormalizeEmail, RejectsWhatIsNotAnAddress) {
  for (const char* bad :
       {"", "plainaddress", "@example.com", "ana@", "ana@localhost", "ana souza@example.com"}) {
    auto r = NormalizeEmail(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST(NormalizeEmail, Table) {
  const std::pair<const char*, const char*> cases[] = {
      {"  Ana.Souza@Example.COM ", "ana.souza@example.com"},
      {"A.N.A.Souza+promo@gmail.com", "anasouza@gmail.com"},
      {"ana.souza@googlemail.com", "anasouza@gmail.com"},
      {"ana+tag@outlook.com", "ana@outlook.com"},
      {"ana+tag@example.com", "ana+tag@example.com"},      // + is real outside listed providers
      {"ana.souza@example.com", "ana.souza@example.com"},  // dots matter outside gmail
      {"mailto:Bob@Example.org", "bob@example.org"},
      {"josé@bücher.de", "josé@xn--bcher-kva.de"},  // IDN domain to ASCII
      {"info@MÜNCHEN.de", "info@xn--mnchen-3ya.de"},
  };
  for (const auto& [in, want] : cases) {
    auto r = NormalizeEmail(in);
    ASSERT_TRUE(r) << in << ": " << r.error().message;
    EXPECT_EQ(*r, want) << in;
  }
}

TEST(NormalizeEmail, RulesAreConfigurable) {
  EmailRules rules;
  rules.dot_insensitive_domains.clear();
  rules.plus_tag_domains.clear();
  EXPECT_EQ(*NormalizeEmail("a.b+x@gmail.com", rules), "a.b+x@gmail.com");
  rules.strip_plus_everywhere = true;
  EXPECT_EQ(*NormalizeEmail("a.b+x@corp.example", rules), "a.b@corp.example");
}

TEST(NormalizePhone, InvalidIsFlaggedNotGuessed) {
  for (const char* bad : {"", "12", "555-0134", "+1 000 000 0000", "not a phone"}) {
    auto r = NormalizePhone(bad, "US");
    EXPECT_FALSE(r) << bad;
  }
}

TEST(NormalizePhone, Table) {
  const std::tuple<const char*, const char*, const char*> cases[] = {
      {"(415) 555-0134", "US", "+14155550134"},  {"415.555.0134", "US", "+14155550134"},
      {"+1 415 555 0134", "GB", "+14155550134"},  // explicit country code wins
      {"020 7946 0958", "GB", "+442079460958"},  {"(11) 98765-4321", "BR", "+5511987654321"},
      {"0412 345 678", "AU", "+61412345678"},
  };
  for (const auto& [in, region, want] : cases) {
    auto r = NormalizePhone(in, region);
    ASSERT_TRUE(r) << in << ": " << r.error().message;
    EXPECT_EQ(*r, want) << in;
  }
}

TEST(NormalizeName, Table) {
  const std::pair<const char*, const char*> cases[] = {
      {"José ÁLVAREZ", "jose alvarez"},
      {"  O'Brien ", "obrien"},
      {"Mary-Jane", "mary jane"},
      {"Владимир Путин", "vladimir putin"},  // Cyrillic transliterated
      {"Straße", "strasse"},
      {"ＡＮＡ", "ana"},  // full-width folded by NFKC
      {"Zoë", "zoe"},
      {"", ""},
  };
  for (const auto& [in, want] : cases) {
    EXPECT_EQ(NormalizeName(in), want) << in;
  }
  EXPECT_EQ(NormalizePersonName("Dr. John Smith Jr."), "john smith");
  EXPECT_EQ(NormalizePersonName("Dr"), "dr");  // a lone token is kept
  EXPECT_EQ(CanonicalGivenName("bob"), "robert");
  EXPECT_EQ(CanonicalGivenName("zebulon"), "zebulon");
}

TEST(NormalizeAddress, Table) {
  struct Case {
    const char* line;
    const char* number_field;
    const char* number;
    const char* street;
    const char* unit;
  };
  const Case cases[] = {
      {"123 North Main Street Apt 4", "", "123", "n main st", "4"},
      {"123 N. Main St., #4", "", "123", "n main st", "4"},
      {"4/12 Smith Street", "", "12", "smith st", "4"},
      {"500 Fifth Avenue Suite 200", "", "500", "fifth ave", "200"},
      {"tullaroop street", "6", "6", "tullaroop st", ""},
      {"77 Sunset Boulevard Unit 3B", "", "77", "sunset blvd", "3b"},
      {"", "", "", "", ""},
  };
  for (const Case& c : cases) {
    const Address a = NormalizeAddress(c.line, c.number_field);
    EXPECT_EQ(a.number, c.number) << c.line;
    EXPECT_EQ(a.street, c.street) << c.line;
    EXPECT_EQ(a.unit, c.unit) << c.line;
  }
}

TEST(NormalizePostcode, PerCountry) {
  bool suspect = false;
  EXPECT_EQ(NormalizePostcode("94105-1234", "us", &suspect), "94105");
  EXPECT_FALSE(suspect);
  EXPECT_EQ(NormalizePostcode("9410", "us", &suspect), "9410");
  EXPECT_TRUE(suspect);
  EXPECT_EQ(NormalizePostcode("sw1a 1aa", "gb", &suspect), "sw1a1aa");
  EXPECT_FALSE(suspect);
  EXPECT_EQ(NormalizePostcode("K1A 0B1", "ca", &suspect), "k1a0b1");
  EXPECT_FALSE(suspect);
  EXPECT_EQ(NormalizeCountry("United States"), "us");
}

TEST(ParseDate, ImpossibleDatesAreFlagged) {
  for (const char* bad :
       {"2023-02-30", "2023-13-01", "19990229", "31/04/2020", "soon", "", "1990"}) {
    auto r = ParseDate(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST(ParseDate, Formats) {
  const std::pair<const char*, Date> cases[] = {
      {"1990-03-15", {1990, 3, 15}},    {"19900315", {1990, 3, 15}},
      {"1990/3/5", {1990, 3, 5}},       {"03/15/1990", {1990, 3, 15}},
      {"15/03/1990", {1990, 3, 15}},    {"15.03.1990", {1990, 3, 15}},
      {"15 March 1990", {1990, 3, 15}}, {"March 15, 1990", {1990, 3, 15}},
      {"15-Mar-1990", {1990, 3, 15}},   {"1990-03-15T10:00:00Z", {1990, 3, 15}},
      {"2000-02-29", {2000, 2, 29}},
  };
  for (const auto& [in, want] : cases) {
    auto r = ParseDate(in);
    ASSERT_TRUE(r) << in << ": " << r.error().message;
    EXPECT_EQ(*r, want) << in;
  }
  // Ambiguous day/month follows the option.
  EXPECT_EQ(*ParseDate("03/04/1990", false), (Date{1990, 3, 4}));
  EXPECT_EQ(*ParseDate("03/04/1990", true), (Date{1990, 4, 3}));
}

TEST(Normalize, RecordFlagsInvalidValues) {
  SourceRecord r;
  r.key = {"shopify", "1"};
  r.get(Field::kEmail) = "not-an-email";
  r.get(Field::kPhone) = "12";
  r.get(Field::kBirthDate) = "2023-02-30";
  r.get(Field::kFirstName) = "Bob";
  const NormalizedRecord n = Normalize(r, {});
  EXPECT_TRUE(n.email.empty());
  EXPECT_TRUE(n.phone.empty());
  EXPECT_FALSE(n.dob_valid);
  EXPECT_EQ(n.dob, "20230230");  // raw digits kept for fuzzy comparison only
  EXPECT_EQ(n.flags & (kFlagEmailInvalid | kFlagPhoneInvalid | kFlagDateInvalid),
            kFlagEmailInvalid | kFlagPhoneInvalid | kFlagDateInvalid);
  EXPECT_EQ(n.first_canon, "robert");
}

TEST(Normalize, PhoneRegionPerSource) {
  NormalizeOptions opt;
  opt.source_regions["uk_store"] = "GB";
  SourceRecord r;
  r.key = {"uk_store", "1"};
  r.get(Field::kPhone) = "020 7946 0958";
  EXPECT_EQ(Normalize(r, opt).phone, "+442079460958");
  r.key.source = "us_store";
  EXPECT_TRUE(Normalize(r, opt).phone.empty());  // not a valid US number: flagged
}

}  // namespace
}  // namespace hub::identity
