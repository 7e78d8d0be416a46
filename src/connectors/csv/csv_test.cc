// The csv connector reads files people export by hand or by schedule: every
// rejection must say where (line, column, header), money must be exact to the
// minor unit whatever the separators, and a re-ingest must yield the same
// event ids. Failure paths first.
#include "connectors/csv/csv.h"

#include <gtest/gtest.h>

#include "connectors/csv/csv_internal.h"
#include "core/model_json.h"

namespace hub {
namespace {

using csv_internal::AmountFormat;
using csv_internal::ParseAmount;
using csv_internal::ParseCsvDate;
using csv_internal::ParseZoneOffsetMinutes;
using csv_internal::ReadCsvRows;

Currency Cur(std::string_view code) { return *Currency::FromCode(code); }
Instant At(std::string_view rfc3339) { return *ParseRfc3339(rfc3339); }

// ---- RFC 4180 reader --------------------------------------------------------

struct BadCsv {
  std::string_view what;
  std::string_view text;
  ErrorCode code;
  std::string_view field;
};

TEST(CsvReaderTest, RefusesBrokenQuotingNamingLineAndColumn) {
  const BadCsv cases[] = {
      {"unterminated quote names where it opened", "a,b\n1,\"open\nstill open\n", ErrorCode::kParse,
       "line 2, column 2"},
      {"quote inside an unquoted field", "a,b\n1,5\" screen\n", ErrorCode::kParse,
       "line 2, column 2"},
      {"text after a closing quote", "a,b,c\nx,\"q\"y,z\n", ErrorCode::kParse, "line 2, column 2"},
      {"after a multi-line field the line is the physical one", "a,b\n\"1\n2\",\"x\"y\n",
       ErrorCode::kParse, "line 3, column 2"},
      {"Latin-1, not UTF-8 (found by csv_fuzz)",
       "a,b\nok,\"AMSTER\xE5"
       "DAM\"\n",
       ErrorCode::kParse, "line 2, column 2"},
      {"truncated UTF-8 sequence", "a,b\nok,caf\xC3\n", ErrorCode::kParse, "line 2, column 2"},
      {"UTF-8 surrogate", "a,b\nok,\xED\xA0\x80\n", ErrorCode::kParse, "line 2, column 2"},
      {"overlong UTF-8", "a,b\n\xC0\xAF,x\n", ErrorCode::kParse, "line 2, column 1"},
  };
  for (const BadCsv& c : cases) {
    SCOPED_TRACE(c.what);
    auto rows = ReadCsvRows(c.text, ',');
    ASSERT_FALSE(rows.has_value());
    EXPECT_EQ(rows.error().code, c.code);
    EXPECT_EQ(rows.error().field, c.field);
    EXPECT_FALSE(rows.error().message.empty());
  }
}

TEST(CsvReaderTest, RefusesRowsWiderThanTheLimit) {
  const std::string wide(kCsvColumnsMax, ',');  // kCsvColumnsMax + 1 fields
  auto rows = ReadCsvRows(wide, ',');
  ASSERT_FALSE(rows.has_value());
  EXPECT_EQ(rows.error().code, ErrorCode::kTooLarge);
  EXPECT_EQ(rows.error().field, "line 1");
  EXPECT_TRUE(ReadCsvRows(std::string(kCsvColumnsMax - 1, ','), ',').has_value());
}

TEST(CsvReaderTest, QuotedFieldsKeepDelimitersDoubledQuotesAndLineBreaks) {
  auto rows =
      ReadCsvRows("a;b;c\r\n\"x;y\";\"say \"\"hi\"\"\";\"two\r\nlines\"\r\nlast;;\r\n", ';');
  ASSERT_TRUE(rows.has_value()) << rows.error().ToString();
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[1].fields, (std::vector<std::string>{"x;y", "say \"hi\"", "two\r\nlines"}));
  EXPECT_EQ((*rows)[1].line, 2u);
  EXPECT_EQ((*rows)[2].fields, (std::vector<std::string>{"last", "", ""}));
  EXPECT_EQ((*rows)[2].line, 4u);  // the embedded line break is a physical line
}

TEST(CsvReaderTest, BomBlankLinesAndEveryLineEnding) {
  // BOM first; LF, CRLF and CR all end records; blank lines skipped but counted; no final break.
  auto rows = ReadCsvRows("\xEF\xBB\xBFh1,h2\n1,2\r\n\n3,4\r5,6", ',');
  ASSERT_TRUE(rows.has_value()) << rows.error().ToString();
  ASSERT_EQ(rows->size(), 4u);
  EXPECT_EQ((*rows)[0].fields, (std::vector<std::string>{"h1", "h2"}));  // no BOM in the name
  EXPECT_EQ((*rows)[1].line, 2u);
  EXPECT_EQ((*rows)[2].line, 4u);
  EXPECT_EQ((*rows)[3].fields, (std::vector<std::string>{"5", "6"}));
  EXPECT_EQ((*rows)[3].line, 5u);
  // A quoted empty field is a value, not a blank line.
  rows = ReadCsvRows("h\n\"\"\n", ',');
  ASSERT_TRUE(rows.has_value());
  EXPECT_EQ(rows->size(), 2u);
  // Valid UTF-8 of every length passes as it is.
  rows = ReadCsvRows("h\nCaf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\n", ',');
  ASSERT_TRUE(rows.has_value()) << rows.error().ToString();
  EXPECT_EQ((*rows)[1].fields[0], "Caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  // A BOM-like sequence later in the file is data.
  rows = ReadCsvRows("h\n\xEF\xBB\xBFx\n", ',');
  ASSERT_TRUE(rows.has_value());
  EXPECT_EQ((*rows)[1].fields[0], "\xEF\xBB\xBFx");
}

// ---- amounts, counts, dates, zones -----------------------------------------

struct GoodAmount {
  std::string_view text;
  AmountFormat format;
  std::string_view currency;
  std::int64_t minor;
};

TEST(CsvAmountTest, RefusesWhatIsNotAnExactAmount) {
  struct Bad {
    std::string_view text;
    AmountFormat format;
    ErrorCode code;
  };
  const AmountFormat dot{'.', ',', false};
  const Bad cases[] = {
      {"12.345", dot, ErrorCode::kPrecision},  // USD has two decimals
      {"1,23", dot, ErrorCode::kParse},        // not a group of three
      {"12,3456.00", dot, ErrorCode::kParse},
      {"1234,567.00", dot, ErrorCode::kParse},
      {"12a", dot, ErrorCode::kParse},
      {"1e3", dot, ErrorCode::kParse},
      {"--1", dot, ErrorCode::kParse},
      {"(-1)", dot, ErrorCode::kParse},
      {".5", dot, ErrorCode::kParse},
      {"5.", dot, ErrorCode::kParse},
      {"1.2.3", dot, ErrorCode::kParse},
      {"12.30", {'.', '\0', true}, ErrorCode::kParse},  // minor units are whole numbers
      {"99999999999999999999", {'.', '\0', true}, ErrorCode::kOverflow},
      {"99999999999999999999", dot, ErrorCode::kOverflow},
      {"$12", dot, ErrorCode::kParse},
  };
  for (const Bad& c : cases) {
    SCOPED_TRACE(c.text);
    auto m = ParseAmount(c.text, Cur("USD"), c.format);
    ASSERT_FALSE(m.has_value()) << m->ToString();
    EXPECT_EQ(m.error().code, c.code) << m.error().message;
    EXPECT_NE(m.error().message.find(c.text), std::string::npos) << m.error().message;
  }
}

TEST(CsvAmountTest, ParsesExactlyToMinorUnits) {
  const AmountFormat dot{'.', '\0', false};
  const GoodAmount cases[] = {
      {"12.30", dot, "USD", 1230},
      {"-0.5", dot, "USD", -50},
      {"+7", dot, "USD", 700},
      {"(12.30)", dot, "USD", -1230},
      {" 12.30 ", dot, "USD", 1230},
      {"12.300", dot, "USD", 1230},  // trailing zeros past the exponent are exact
      {"0.10", dot, "USD", 10},
      {"1,234,567.89", {'.', ',', false}, "USD", 123456789},
      {"1.234,56", {',', '.', false}, "EUR", 123456},
      {"-1 234,56", {',', ' ', false}, "EUR", -123456},
      {"1'234.50", {'.', '\'', false}, "CHF", 123450},
      {"5000", dot, "JPY", 5000},
      {"1.230", dot, "KWD", 1230},
      {"1230", {'.', '\0', true}, "USD", 1230},
      {"-1230", {'.', '\0', true}, "JPY", -1230},
      {"92233720368547758.07", dot, "USD", 9223372036854775807},
  };
  for (const GoodAmount& c : cases) {
    SCOPED_TRACE(c.text);
    auto m = ParseAmount(c.text, Cur(c.currency), c.format);
    ASSERT_TRUE(m.has_value()) << m.error().ToString();
    EXPECT_EQ(m->minor_units(), c.minor);
    EXPECT_EQ(m->currency(), Cur(c.currency));
  }
}

TEST(CsvDateTest, FormatsZonesAndImpossibleDates) {
  EXPECT_EQ(*ParseCsvDate("2026-03-07", "%Y-%m-%d", 0), At("2026-03-07T00:00:00Z"));
  EXPECT_EQ(*ParseCsvDate("7/3/2026 9:05", "%d/%m/%Y %H:%M", 60), At("2026-03-07T08:05:00Z"));
  EXPECT_EQ(*ParseCsvDate("07 mar 2026", "%d %b %Y", 0), At("2026-03-07T00:00:00Z"));
  EXPECT_EQ(*ParseCsvDate("2026-03-07T10:00:00+02:00", "%Y-%m-%dT%H:%M:%S%z", 60),
            At("2026-03-07T08:00:00Z"));  // %z wins over the profile's zone
  EXPECT_EQ(*ParseCsvDate("2026-03-07T10:00:00Z", "%Y-%m-%dT%H:%M:%S%z", 60),
            At("2026-03-07T10:00:00Z"));
  EXPECT_EQ(*ParseCsvDate("100% 2026.03.07", "100%% %Y.%m.%d", 0), At("2026-03-07T00:00:00Z"));
  for (std::string_view bad : {"2026-02-30", "2026-3-7x", "26-03-07", "2026-03-07 10:00", ""}) {
    SCOPED_TRACE(bad);
    auto t = ParseCsvDate(bad, "%Y-%m-%d", 0);
    ASSERT_FALSE(t.has_value());
    EXPECT_EQ(t.error().code, ErrorCode::kParse);
  }
  EXPECT_FALSE(ParseCsvDate("2026-03-07 24:00", "%Y-%m-%d %H:%M", 0).has_value());

  EXPECT_FALSE(csv_internal::CheckDateFormat("%d/%m").has_value());
  EXPECT_FALSE(csv_internal::CheckDateFormat("%Y-%m-%d %I").has_value());
  EXPECT_FALSE(csv_internal::CheckDateFormat("%Y-%m-%d %").has_value());
  EXPECT_FALSE(csv_internal::CheckDateFormat("%Y-%m-%d-%d").has_value());
  EXPECT_TRUE(csv_internal::CheckDateFormat("%d %b %Y %H:%M:%S%z").has_value());

  EXPECT_EQ(*ParseZoneOffsetMinutes("CET"), 60);
  EXPECT_EQ(*ParseZoneOffsetMinutes("CEST"), 120);
  EXPECT_EQ(*ParseZoneOffsetMinutes("+05:30"), 330);
  EXPECT_EQ(*ParseZoneOffsetMinutes("-0800"), -480);
  EXPECT_EQ(*ParseZoneOffsetMinutes("UTC"), 0);
  EXPECT_FALSE(ParseZoneOffsetMinutes("Mars/Olympus").has_value());
  EXPECT_FALSE(ParseZoneOffsetMinutes("+25:00").has_value());
}

// ---- profiles ---------------------------------------------------------------

CsvProfile PayoutProfile() {
  CsvProfile p;
  p.record = CsvRecordType::kPayoutLine;
  p.gateway = "adyen";
  p.currency_column = "Currency";
  p.date_column = "Date";
  p.date_format = "%Y-%m-%d %H:%M";
  p.timezone = "CET";
  p.columns = {{"payout_id", {"Batch"}},           {"type", {"Type"}},
               {"net_debit", {"Net Debit"}},       {"net_credit", {"Net Credit"}},
               {"fee", {"Markup", "Interchange"}}, {"reference", {"Psp"}}};
  p.types = {{"Settled", "charge"},
             {"Refunded", "refund"},
             {"Chargeback", "dispute"},
             {"Fee", "fee"},
             {"MerchantPayout", "payout"}};
  return p;
}

CsvProfile BankProfile() {
  CsvProfile p;
  p.record = CsvRecordType::kBankTransaction;
  p.bank_account = "DE89";
  p.currency = "EUR";
  p.date_column = "Date";
  p.columns = {{"amount", {"Amount"}}, {"reference", {"Ref"}}, {"description", {"Text"}}};
  return p;
}

CsvProfile InventoryProfile() {
  CsvProfile p;
  p.record = CsvRecordType::kInventoryCount;
  p.columns = {{"sku", {"SKU"}}, {"location", {"Store"}}, {"on_hand", {"Qty"}}};
  return p;
}

TEST(CsvProfileTest, RefusalsNameTheKey) {
  struct Bad {
    std::string_view what;
    CsvProfile profile;
    std::string_view field;
  };
  std::vector<Bad> cases;
  CsvProfile p = PayoutProfile();
  p.columns.erase("net_credit");
  cases.push_back({"half a pair", p, "columns.net_credit"});
  p = PayoutProfile();
  p.columns["net"] = {"Net"};
  cases.push_back({"single and pair", p, "columns.net"});
  p = PayoutProfile();
  p.columns["type"] = {"Type", "Kind"};
  cases.push_back({"type takes one header", p, "columns.type"});
  p = PayoutProfile();
  p.columns["on_hand"] = {"Qty"};
  cases.push_back({"a field of another record", p, "columns.on_hand"});
  p = PayoutProfile();
  p.gateway.clear();
  cases.push_back({"gateway required", p, "gateway"});
  p = PayoutProfile();
  p.timezone = "Europe/Paris";
  cases.push_back({"zone", p, "timezone"});
  p = PayoutProfile();
  p.delimiter = '"';
  cases.push_back({"delimiter", p, "delimiter"});
  p = PayoutProfile();
  p.thousands_separator = '.';
  cases.push_back({"thousands equals decimal", p, "thousands_separator"});
  p = BankProfile();
  p.currency = "EURO";
  cases.push_back({"currency", p, "currency"});
  p = BankProfile();
  p.columns["type"] = {"D/C"};
  cases.push_back({"type without types", p, "types"});
  p.types = {{"D", "minus"}};
  cases.push_back({"bank types are debit or credit", p, "types.D"});
  p = BankProfile();
  p.bank_account.clear();
  cases.push_back({"bank account", p, "bank_account"});
  p = InventoryProfile();
  p.currency = "USD";
  cases.push_back({"inventory has no money", p, "currency"});
  p = InventoryProfile();
  p.columns.erase("on_hand");
  cases.push_back({"inventory needs on_hand", p, "columns.on_hand"});
  for (const Bad& c : cases) {
    SCOPED_TRACE(c.what);
    const Status st = ValidateCsvProfile(c.profile);
    ASSERT_FALSE(st.has_value());
    EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(st.error().field, c.field) << st.error().message;
  }
  EXPECT_TRUE(ValidateCsvProfile(PayoutProfile()).has_value());
  EXPECT_TRUE(ValidateCsvProfile(BankProfile()).has_value());
  EXPECT_TRUE(ValidateCsvProfile(InventoryProfile()).has_value());
}

// ---- translation ------------------------------------------------------------

const CsvConnector& Connector() {
  static const CsvConnector c({{"payouts", PayoutProfile()},
                               {"bank", BankProfile()},
                               {"bank_dc",
                                [] {
                                  CsvProfile p = BankProfile();
                                  p.columns.erase("amount");
                                  p.columns["amount_debit"] = {"Debit"};
                                  p.columns["amount_credit"] = {"Credit"};
                                  return p;
                                }()},
                               {"bank_typed",
                                [] {
                                  CsvProfile p = BankProfile();
                                  p.columns["type"] = {"D/C"};
                                  p.types = {{"D", "debit"}, {"C", "credit"}};
                                  return p;
                                }()},
                               {"stock", InventoryProfile()}});
  return c;
}

Delivery File(std::string topic, std::string body, std::string file = "export.csv") {
  Delivery d;
  d.source = "csv";
  d.account = "acme";
  d.topic = std::move(topic);
  d.body = std::move(body);
  d.headers = {{"X-RetailHub-File", std::move(file)}};
  d.received_at = At("2026-03-08T12:00:00Z");
  return d;
}

struct BadFile {
  std::string_view what;
  std::string topic;
  std::string body;
  ErrorCode code;
  std::string_view field;
};

TEST(CsvConnectorTest, EveryRejectionNamesLineColumnAndHeader) {
  const std::string bank_header = "Date,Amount,Ref,Text\n";
  const std::string payout_header =
      "Batch,Type,Date,Currency,Net Debit,Net Credit,Markup,Interchange,Psp\n";
  const BadFile cases[] = {
      {"unparsable amount", "bank", bank_header + "2026-03-01,12.30,a,b\n2026-03-02,12.3x,c,d\n",
       ErrorCode::kParse, "line 3, column 2 (Amount)"},
      {"too many decimals", "bank", bank_header + "2026-03-01,12.305,a,b\n", ErrorCode::kPrecision,
       "line 2, column 2 (Amount)"},
      {"bad date", "bank", bank_header + "2026-02-30,12.30,a,b\n", ErrorCode::kParse,
       "line 2, column 1 (Date)"},
      {"empty date", "bank", bank_header + ",12.30,a,b\n", ErrorCode::kInvalidArgument,
       "line 2, column 1 (Date)"},
      {"empty signed amount", "bank", bank_header + "2026-03-01,,a,b\n",
       ErrorCode::kInvalidArgument, "line 2, column 2 (Amount)"},
      {"too few fields", "bank", bank_header + "2026-03-01,12.30,a\n", ErrorCode::kParse,
       "line 2, column 4"},
      {"too many fields", "bank", bank_header + "2026-03-01,12.30,a,b,c\n", ErrorCode::kParse,
       "line 2, column 5"},
      {"missing header column", "bank", "Date,Sum,Ref,Text\n2026-03-01,1,a,b\n",
       ErrorCode::kInvalidArgument, "line 1"},
      {"duplicate mapped header", "bank", "Date,Amount,Ref,Text,Amount\n2026-03-01,1,a,b,2\n",
       ErrorCode::kInvalidArgument, "line 1, column 5"},
      {"empty file", "bank", "", ErrorCode::kParse, "line 1"},
      {"broken quoting", "bank", bank_header + "2026-03-01,1,\"a,b\n", ErrorCode::kParse,
       "line 2, column 3"},
      {"unknown profile", "nope", bank_header, ErrorCode::kInvalidArgument, "topic"},
      {"unknown bank type", "bank_typed",
       "Date,Amount,Ref,Text,D/C\n2026-03-01,1.00,a,b,D\n2026-03-01,1.00,a,b,X\n",
       ErrorCode::kUnmapped, "line 3, column 5 (D/C)"},
      {"bad currency", "payouts",
       payout_header + "41,Settled,2026-03-01 10:00,EUX,,9.00,0.50,0.50,p1\n",
       ErrorCode::kInvalidArgument, "line 2, column 4 (Currency)"},
      {"unmapped payout type", "payouts",
       payout_header + "41,Settled,2026-03-01 10:00,EUR,,9.00,0.50,0.50,p1\n"
                       "41,Bonus,2026-03-01 10:00,EUR,,1.00,,,p2\n",
       ErrorCode::kUnmapped, "line 3, column 2 (Type)"},
      {"empty payout id", "payouts",
       payout_header + ",Settled,2026-03-01 10:00,EUR,,9.00,0.50,0.50,p1\n",
       ErrorCode::kInvalidArgument, "line 2, column 1 (Batch)"},
      {"payout row disagrees with its rows", "payouts",
       payout_header + "41,Settled,2026-03-01 10:00,EUR,,9.00,0.50,0.50,p1\n"
                       "41,MerchantPayout,2026-03-02 06:00,EUR,9.01,,,,\n",
       ErrorCode::kAmountMismatch, "line 3, column 5 (Net Debit)"},
      {"currencies mixed in one payout", "payouts",
       payout_header + "41,Settled,2026-03-01 10:00,EUR,,9.00,0.50,0.50,p1\n"
                       "41,Settled,2026-03-01 10:00,USD,,9.00,0.50,0.50,p2\n",
       ErrorCode::kCurrencyMismatch, "line 3, column 4 (Currency)"},
      {"non-integer count", "stock", "SKU,Store,Qty\nA,s1,1.5\n", ErrorCode::kParse,
       "line 2, column 3 (Qty)"},
      {"empty sku", "stock", "SKU,Store,Qty\n,s1,1\n", ErrorCode::kInvalidArgument,
       "line 2, column 1 (SKU)"},
  };
  for (const BadFile& c : cases) {
    SCOPED_TRACE(c.what);
    auto r = Connector().Translate(File(c.topic, c.body));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, c.code) << r.error().ToString();
    EXPECT_EQ(r.error().field, c.field) << r.error().ToString();
    EXPECT_FALSE(r.error().message.empty());
  }
}

TEST(CsvConnectorTest, GrossFeeNetThatDisagreeAreReportedWithBothFigures) {
  CsvProfile p = PayoutProfile();
  p.columns["gross"] = {"Gross"};
  const CsvConnector c({{"p", p}});
  auto r = c.Translate(File("p",
                            "Batch,Type,Date,Currency,Gross,Net Debit,Net Credit,Markup,"
                            "Interchange,Psp\n"
                            "7,Settled,2026-03-01 10:00,EUR,10.00,,9.10,0.50,0.50,p1\n"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kAmountMismatch);
  EXPECT_EQ(r.error().field, "line 2, column 7 (Net Credit)");
  EXPECT_NE(r.error().message.find("9.00"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("9.10"), std::string::npos) << r.error().message;
}

Payout PayoutOf(const Event& e) {
  auto p = FromJson<Payout>(e.data);
  EXPECT_TRUE(p.has_value()) << p.error().ToString();
  return p.value_or(Payout{});
}

TEST(CsvConnectorTest, RowsGroupIntoOnePayoutPerIdWithExactAmounts) {
  // Batch 41 has a payout row; batch 42 has none, so it pays the net of its rows.
  // Rows of the two batches interleave; extra columns ("Note") are ignored.
  const std::string body =
      "Note,Batch,Type,Date,Currency,Net Debit,Net Credit,Markup,Interchange,Psp\n"
      "x,41,Settled,2026-03-01 10:00,EUR,,10.10,0.05,0.05,p1\n"
      "x,42,Settled,2026-03-01 11:00,EUR,,0.20,,,p2\n"
      "x,41,Settled,2026-03-01 12:00,eur,,20.20,0.01,,p3\n"
      "x,41,Refunded,2026-03-02 09:00,EUR,5.05,,,,r1\n"
      "x,41,Chargeback,2026-03-02 10:00,EUR,17.50,,,,c1\n"
      "x,41,Fee,2026-03-02 23:00,EUR,0.01,,,,\n"
      "x,41,MerchantPayout,2026-03-03 06:00,EUR,7.74,,,,\n"
      "x,42,Settled,2026-03-04 08:00,EUR,,0.70,0.30,,p4\n";
  auto r = Connector().Translate(File("payouts", body, "batches.csv"));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  ASSERT_EQ(r->size(), 2u);
  const Event& e41 = (*r)[0];
  EXPECT_EQ(e41.type, "payout.paid");
  EXPECT_EQ(e41.key, "csv:acme:payout:41");
  EXPECT_EQ(e41.source.system, "csv");
  EXPECT_EQ(e41.source.id, "41");
  const Payout p41 = PayoutOf(e41);
  EXPECT_EQ(p41.gateway, "adyen");
  EXPECT_EQ(p41.status, "paid");
  // 10.10 + 20.20 − 5.05 − 17.50 − 0.01 = 7.74, which the payout row pays out (a debit).
  EXPECT_EQ(p41.amount, Money(774, Cur("EUR")));
  EXPECT_EQ(p41.arrival_at, At("2026-03-03T05:00:00Z"));  // CET
  ASSERT_EQ(p41.lines.size(), 5u);  // the payout row is the transfer, not a line
  const PayoutLine& first = p41.lines[0];
  EXPECT_EQ(first.kind, PayoutLineKind::kCharge);
  EXPECT_EQ(first.line_id, "batches.csv:2");
  EXPECT_EQ(first.source_reference, "p1");
  EXPECT_EQ(first.description, "Settled");
  EXPECT_EQ(first.gross, Money(1020, Cur("EUR")));  // net + Σ fee columns
  EXPECT_EQ(first.fee, Money(10, Cur("EUR")));
  EXPECT_EQ(first.net, Money(1010, Cur("EUR")));
  EXPECT_EQ(first.occurred_at, At("2026-03-01T09:00:00Z"));
  EXPECT_EQ(p41.lines[2].kind, PayoutLineKind::kRefund);
  EXPECT_EQ(p41.lines[2].net, Money(-505, Cur("EUR")));
  EXPECT_EQ(p41.lines[3].kind, PayoutLineKind::kDispute);
  EXPECT_EQ(p41.lines[3].gross, Money(-1750, Cur("EUR")));
  EXPECT_EQ(p41.lines[4].kind, PayoutLineKind::kFee);
  EXPECT_EQ(p41.lineage.source_id, "batches.csv:8");  // the payout row
  EXPECT_EQ(p41.lineage.source_system, "csv");
  EXPECT_EQ(p41.lineage.source_account, "acme");

  const Payout p42 = PayoutOf((*r)[1]);
  EXPECT_EQ(p42.amount, Money(90, Cur("EUR")));           // Σ net: 0.20 + 0.70
  EXPECT_EQ(p42.arrival_at, At("2026-03-04T07:00:00Z"));  // its latest row
  EXPECT_EQ(p42.lines.size(), 2u);
  EXPECT_EQ(p42.lineage.source_id, "batches.csv:3");  // no payout row: its first row

  // Ids: the content hash and the index of the payout's first row.
  const std::string correlation = DeriveCorrelationId("csv", "acme", "sha256:" + Sha256Hex(body));
  EXPECT_EQ(e41.correlation_id, correlation);
  EXPECT_EQ(e41.event_id, EventIdFromCorrelation(correlation, 0));
  EXPECT_EQ((*r)[1].event_id, EventIdFromCorrelation(correlation, 1));
}

TEST(CsvConnectorTest, SignConventions) {
  struct Case {
    std::string_view what;
    std::string topic;
    std::string body;
    std::vector<std::int64_t> minor;
  };
  const Case cases[] = {
      {"signed column",
       "bank",
       "Date,Amount,Ref,Text\n2026-03-01,-12.30,a,b\n2026-03-01,(1.00),a,b\n"
       "2026-03-01,7,a,b\n",
       {-1230, -100, 700}},
      {"debit and credit columns, read as magnitudes",
       "bank_dc",
       "Date,Debit,Credit,Ref,Text\n2026-03-01,12.30,,a,b\n2026-03-01,,5.00,a,b\n"
       "2026-03-01,-2.00,,a,b\n2026-03-01,1.00,3.00,a,b\n2026-03-01,,,a,b\n",
       {-1230, 500, -200, 200, 0}},
      {"type column signs an unsigned amount",
       "bank_typed",
       "Date,Amount,Ref,Text,D/C\n2026-03-01,12.30,a,b,D\n2026-03-01,5.00,a,b,C\n"
       "2026-03-01,-4.00,a,b,C\n",
       {-1230, 500, 400}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    auto r = Connector().Translate(File(c.topic, c.body));
    ASSERT_TRUE(r.has_value()) << r.error().ToString();
    ASSERT_EQ(r->size(), c.minor.size());
    for (std::size_t i = 0; i < c.minor.size(); ++i) {
      auto t = FromJson<BankTransaction>((*r)[i].data);
      ASSERT_TRUE(t.has_value()) << t.error().ToString();
      EXPECT_EQ(t->amount, Money(c.minor[i], Cur("EUR"))) << "row " << i;
    }
  }
}

TEST(CsvConnectorTest, BankRowsCarryTheirLineAsLineageAndId) {
  const std::string body =
      "\xEF\xBB\xBF"
      "Date,Amount,Ref,Text\r\n"
      "2026-03-01,100.00,PAYOUT 41,\"Adyen, batch\r\n41\"\r\n"
      "2026-03-02,-5.00,,Fee\r\n";
  auto r = Connector().Translate(File("bank", body, "march.csv"));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  ASSERT_EQ(r->size(), 2u);
  auto t = FromJson<BankTransaction>((*r)[0].data);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->transaction_id, "march.csv:2");
  EXPECT_EQ(t->bank_account, "DE89");
  EXPECT_EQ(t->amount, Money(10000, Cur("EUR")));
  EXPECT_EQ(t->reference, "PAYOUT 41");
  EXPECT_EQ(t->description, "Adyen, batch\r\n41");
  EXPECT_EQ(t->booked_at, At("2026-03-01T00:00:00Z"));
  EXPECT_EQ(t->lineage.source_id, "march.csv:2");
  EXPECT_EQ((*r)[0].type, "bank.transaction");
  EXPECT_EQ((*r)[0].key, "csv:acme:bank:DE89");
  auto second = FromJson<BankTransaction>((*r)[1].data);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->lineage.source_id, "march.csv:4");  // line 3 continued the quoted text

  // The same bytes under another name: same event ids (dedup is by content), new lineage.
  auto renamed = Connector().Translate(File("bank", body, "copy.csv"));
  ASSERT_TRUE(renamed.has_value());
  EXPECT_EQ((*renamed)[1].event_id, (*r)[1].event_id);
  EXPECT_NE((*renamed)[1].event_id, (*r)[0].event_id);
}

TEST(CsvConnectorTest, InventoryCountsAreAbsolute) {
  auto r = Connector().Translate(File("stock", "Qty,SKU,Store\n12,MUG,s1\n-2,CUP,s2\n"));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].type, "inventory.adjusted");
  EXPECT_EQ((*r)[0].key, "MUG@s1");
  auto a = FromJson<InventoryAdjustment>((*r)[1].data);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->on_hand, -2);
  EXPECT_EQ(a->delta, 0);
  EXPECT_EQ(a->reason, "count");
  EXPECT_EQ(a->occurred_at, At("2026-03-08T12:00:00Z"));  // no date column: when it arrived
  EXPECT_EQ(a->lineage.source_id, "export.csv:3");
}

TEST(CsvConnectorTest, TopicComesFromTheFileNameWhenNotGiven) {
  const CsvConnector c({{"bank", BankProfile()}, {"bank_dc", [] {
                                                    CsvProfile p = BankProfile();
                                                    p.columns.erase("amount");
                                                    p.columns["amount_debit"] = {"Debit"};
                                                    p.columns["amount_credit"] = {"Credit"};
                                                    return p;
                                                  }()}});
  EXPECT_EQ(*c.Topic(File("bank", "", "bank_dc_2026.csv")), "bank");  // given wins
  EXPECT_EQ(*c.Topic(File("", "", "bank_dc_2026.csv")), "bank_dc");   // longest name
  EXPECT_EQ(*c.Topic(File("", "", "bank-march.csv")), "bank");
  EXPECT_EQ(*c.Topic(File("", "", "bank.csv")), "bank");
  EXPECT_EQ(*c.Topic(File("", "", "bank")), "bank");
  for (std::string_view name : {"bankstatement.csv", "my_bank.csv", ""}) {
    SCOPED_TRACE(name);
    auto t = c.Topic(File("", "", std::string(name)));
    ASSERT_FALSE(t.has_value());
    EXPECT_EQ(t.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(t.error().field, "topic");
  }
}

TEST(CsvConnectorTest, FilesAreNeverWebhooksAndDedupByContent) {
  const Delivery d = File("bank", "Date,Amount,Ref,Text\n");
  const FakeClock clock;
  const Status verified = Connector().Verify(d, Secrets{{"anything"}}, clock);
  ASSERT_FALSE(verified.has_value());
  EXPECT_EQ(verified.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(*Connector().DedupKey(d), "sha256:" + Sha256Hex(d.body));
  auto none = Connector().Translate(d);  // a header and no rows: nothing to say
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
}

}  // namespace
}  // namespace hub
