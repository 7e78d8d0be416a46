// Config parsing must fail loudly and precisely: every rejected document names the file, the
// line and the key, because a config error is usually read at 3 a.m. during a deploy. Also
// pins that config/retailhub.toml is exactly the built-in defaults plus demo sources.
#include "app/config.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace hub::app {
namespace {

const std::filesystem::path kDefaultFile =
    std::filesystem::path(__FILE__).parent_path() / "../../config/retailhub.toml";

struct BadDocument {
  std::string_view what;
  std::string_view toml;
  std::string_view message;  // exact
  std::string_view field;
};

// Failure paths first: one row per way a document is rejected.
const BadDocument kBadDocuments[] = {
    {"wrong type", "[server]\nlisten = \"127.0.0.1:1\"\nthreads = \"two\"\n",
     "t.toml:3: server.threads: expected integer, got string", "server.threads"},
    {"bool as string", "[store]\nsynchronous_full = \"yes\"\n",
     "t.toml:2: store.synchronous_full: expected boolean, got string", "store.synchronous_full"},
    {"out of range", "[server]\nthreads = 0\n", "t.toml:2: server.threads must be 1..64, got 0",
     "server.threads"},
    {"out of range nested", "[bus.workers]\norders = 65\n",
     "t.toml:2: bus.workers.orders must be 1..64, got 65", "bus.workers.orders"},
    {"unknown key suggested", "[server]\nthreads = 2\nthread = 4\n",
     "t.toml:3: unknown key server.thread (did you mean server.threads?)", "server.thread"},
    {"unknown table suggested", "\n[sever]\nthreads = 2\n",
     "t.toml:2: unknown key sever (did you mean server?)", "sever"},
    {"unknown key far from all", "[bus]\nflux_capacitor = 1\n",
     "t.toml:2: unknown key bus.flux_capacitor", "bus.flux_capacitor"},
    {"dotted unknown key", "bus.retry.attempt_max = 3\n",
     "t.toml:1: unknown key bus.retry.attempt_max (did you mean bus.retry.attempts_max?)",
     "bus.retry.attempt_max"},
    {"scalar where table", "server = 3\n", "t.toml:1: server: expected table, got integer",
     "server"},
    {"bad listen", "[server]\nlisten = \"localhost\"\n",
     "t.toml:2: server.listen must be HOST:PORT with PORT 0..65535, got \"localhost\"",
     "server.listen"},
    {"bad log level", "[log]\nlevel = \"verbose\"\n",
     "t.toml:2: log.level must be one of debug, info, warn, error, got \"verbose\"", "log.level"},
    {"unknown source", "[sources.shopfy.accounts.a]\nsecret = \"s\"\n",
     "t.toml:1: unknown key sources.shopfy (did you mean sources.shopify?)", "sources.shopfy"},
    {"unknown account key", "[sources.stripe.accounts.a]\nsecret = \"s\"\nsecrte = \"t\"\n",
     "t.toml:3: unknown key sources.stripe.accounts.a.secrte (did you mean "
     "sources.stripe.accounts.a.secret?)",
     "sources.stripe.accounts.a.secrte"},
    {"missing secret", "\n[sources.stripe.accounts.a]\ndefault_region = \"US\"\n",
     "t.toml:2: sources.stripe.accounts.a.secret is required", "sources.stripe.accounts.a"},
    {"square without url", "[sources.square.accounts.m]\nsecret = \"s\"\n",
     "t.toml:1: sources.square.accounts.m.url is required for square (it signs the notification "
     "URL)",
     "sources.square.accounts.m"},
    {"rotation without deadline",
     "[sources.stripe.accounts.a]\nsecret = \"s\"\nprevious_secret = \"p\"\n",
     "t.toml:1: sources.stripe.accounts.a.previous_secret and "
     "sources.stripe.accounts.a.previous_valid_until must be set together",
     "sources.stripe.accounts.a"},
    {"bad region", "[sources.stripe.accounts.a]\nsecret = \"s\"\ndefault_region = \"usa\"\n",
     "t.toml:1: sources.stripe.accounts.a.default_region must be an ISO 3166 code like \"US\", got "
     "\"usa\"",
     "sources.stripe.accounts.a"},
    {"bad account id", "[sources.stripe.accounts.\"a b\"]\nsecret = \"s\"\n",
     "t.toml:1: sources.stripe.accounts.a b: account id may contain only letters, digits, '-', "
     "'_' and '.'",
     "sources.stripe.accounts.a b"},
    {"tls half set", "[server]\ntls_cert_file = \"cert.pem\"\n",
     "t.toml: server.tls_cert_file and server.tls_key_file must be set together",
     "server.tls_cert_file"},
    {"base delay above max", "[bus.retry]\nbase_delay_ms = 5000\nmax_delay_ms = 1000\n",
     "t.toml: bus.retry.base_delay_ms (5000) must not exceed bus.retry.max_delay_ms (1000)",
     "bus.retry.base_delay_ms"},
};

TEST(ParseConfig, RejectsBadDocumentsNamingKeyAndLine) {
  for (const BadDocument& bad : kBadDocuments) {
    SCOPED_TRACE(bad.what);
    const Result<Config> config = ParseConfig(bad.toml, "t.toml");
    ASSERT_FALSE(config.has_value());
    EXPECT_EQ(config.error().message, bad.message);
    EXPECT_EQ(config.error().field, bad.field);
    EXPECT_EQ(config.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST(ParseConfig, SyntaxErrorNamesLineAndColumn) {
  const Result<Config> config = ParseConfig("[server]\nthreads = 2\nlisten = \n", "t.toml");
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().code, ErrorCode::kParse);
  EXPECT_EQ(config.error().message.rfind("t.toml:3:", 0), 0u) << config.error().message;
  EXPECT_GT(config.error().message.size(), std::string_view("t.toml:3:9: ").size());
}

TEST(ParseConfig, BadRotationDeadlineNamesKey) {
  const Result<Config> config = ParseConfig(
      "[sources.stripe.accounts.a]\nsecret = \"s\"\nprevious_secret = \"p\"\n"
      "previous_valid_until = \"next tuesday\"\n",
      "t.toml");
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(
      config.error().message.rfind("t.toml:4: sources.stripe.accounts.a.previous_valid_until: ", 0),
      0u)
      << config.error().message;
}

TEST(LoadConfig, MissingFileIsIoErrorNamingPath) {
  const Result<Config> config = LoadConfig("/nonexistent/retailhub.toml");
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().code, ErrorCode::kIo);
  EXPECT_NE(config.error().message.find("/nonexistent/retailhub.toml"), std::string::npos);
}

TEST(ParseConfig, EmptyDocumentIsDefaults) {
  const Result<Config> config = ParseConfig("", "t.toml");
  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_EQ(*config, Config{});
}

TEST(ParseConfig, ReadsAccountsAndBothDateTimeForms) {
  const Result<Config> config = ParseConfig(
      "[sources.stripe.accounts.a]\nsecret = \"s1\"\nprevious_secret = \"p1\"\n"
      "previous_valid_until = \"2026-12-01T00:00:00Z\"\n"
      "[sources.stripe.accounts.b]\nsecret = \"s2\"\nprevious_secret = \"p2\"\n"
      "previous_valid_until = 2026-12-01T01:00:00+01:00\n",
      "t.toml");
  ASSERT_TRUE(config.has_value()) << config.error().message;
  const auto& accounts = config->sources.at("stripe").accounts;
  const Instant expected = *ParseRfc3339("2026-12-01T00:00:00Z");
  EXPECT_EQ(accounts.at("a").secret, "s1");
  EXPECT_EQ(accounts.at("a").previous_valid_until, expected);
  EXPECT_EQ(accounts.at("b").previous_valid_until, expected);
}

// The shipped file documents the defaults; if they drift apart, one of them is lying.
TEST(DefaultConfigFile, ParsesToBuiltInDefaultsPlusDemoSources) {
  Result<Config> config = LoadConfig(kDefaultFile);
  ASSERT_TRUE(config.has_value()) << config.error().message;
  const Config defaults;
  EXPECT_EQ(config->server, defaults.server);
  EXPECT_EQ(config->store, defaults.store);
  EXPECT_EQ(config->bus, defaults.bus);
  EXPECT_EQ(config->approvals, defaults.approvals);
  EXPECT_EQ(config->log, defaults.log);

  ASSERT_EQ(config->sources.size(), 5u);
  // The shipped csv profiles (their translations are pinned by app/csv_golden_test.cc).
  const auto& profiles = config->sources.at("csv").profiles;
  ASSERT_EQ(profiles.size(), 3u);
  EXPECT_EQ(profiles.at("adyen_settlement").record, CsvRecordType::kPayoutLine);
  EXPECT_EQ(profiles.at("adyen_settlement").gateway, "adyen");
  EXPECT_EQ(profiles.at("adyen_settlement").types.at("MerchantPayout"), "payout");
  EXPECT_EQ(profiles.at("bank_statement").record, CsvRecordType::kBankTransaction);
  EXPECT_EQ(profiles.at("stock_count").record, CsvRecordType::kInventoryCount);
  EXPECT_TRUE(config->sources.at("csv").accounts.empty());
  EXPECT_FALSE(config->sources.at("shopify").accounts.at("demo-shop").secret.empty());
  EXPECT_EQ(config->sources.at("shopify").accounts.at("demo-shop").default_region, "US");
  EXPECT_EQ(config->sources.at("square").accounts.at("demo-merchant").url,
            "https://hub.example.com/v1/webhooks/square/demo-merchant");
  EXPECT_FALSE(config->sources.at("stripe").accounts.at("demo-acct").secret.empty());
  EXPECT_FALSE(config->sources.at("adyen").accounts.at("demo-merchant").secret.empty());
  config->sources.clear();
  EXPECT_EQ(*config, defaults);
}

// [sources.csv.profiles.<name>] is as strict as the rest: one row per way a profile is refused,
// each naming the line and the key.
const BadDocument kBadCsvProfiles[] = {
    {"unknown profile key",
     "[sources.csv.profiles.p]\nrecord = \"bank_transaction\"\ncurency = \"USD\"\n",
     "t.toml:3: unknown key sources.csv.profiles.p.curency (did you mean "
     "sources.csv.profiles.p.currency?)",
     "sources.csv.profiles.p.curency"},
    {"unknown column key for the record",
     "[sources.csv.profiles.p]\nrecord = \"inventory_count\"\n[sources.csv.profiles.p.columns]\n"
     "sku = \"SKU\"\nlocaton = \"Store\"\n",
     "t.toml:5: unknown key sources.csv.profiles.p.columns.locaton (did you mean "
     "sources.csv.profiles.p.columns.location?)",
     "sources.csv.profiles.p.columns.locaton"},
    {"missing required column mapping",
     "[sources.csv.profiles.p]\nrecord = \"inventory_count\"\n[sources.csv.profiles.p.columns]\n"
     "sku = \"SKU\"\non_hand = \"Qty\"\n",
     "t.toml:3: sources.csv.profiles.p: columns.location is required for record inventory_count",
     "sources.csv.profiles.p.columns.location"},
    {"missing record", "[sources.csv.profiles.p]\ncurrency = \"USD\"\n",
     "t.toml:1: sources.csv.profiles.p.record is required (payout_line, bank_transaction or "
     "inventory_count)",
     "sources.csv.profiles.p.record"},
    {"unknown record", "[sources.csv.profiles.p]\nrecord = \"payout\"\n",
     "t.toml:2: sources.csv.profiles.p.record must be payout_line, bank_transaction or "
     "inventory_count, got \"payout\"",
     "sources.csv.profiles.p.record"},
    {"unknown payout kind",
     "[sources.csv.profiles.p]\nrecord = \"payout_line\"\ngateway = \"adyen\"\n"
     "currency = \"EUR\"\ndate_column = \"Date\"\n[sources.csv.profiles.p.columns]\n"
     "payout_id = \"Batch\"\ntype = \"Type\"\nnet = \"Net\"\n[sources.csv.profiles.p.types]\n"
     "Settled = \"sale\"\n",
     "t.toml:11: sources.csv.profiles.p: types.Settled = \"sale\" is not a payout line kind "
     "(charge, refund, fee, adjustment, dispute, commission, tax, reserve, payout, other)",
     "sources.csv.profiles.p.types.Settled"},
    {"debit without credit",
     "[sources.csv.profiles.p]\nrecord = \"bank_transaction\"\nbank_account = \"ops\"\n"
     "currency = \"EUR\"\ndate_column = \"Date\"\n[sources.csv.profiles.p.columns]\n"
     "amount_debit = \"Debit\"\n",
     "t.toml:6: sources.csv.profiles.p: columns.amount_debit and columns.amount_credit must be set "
     "together (missing columns.amount_credit)",
     "sources.csv.profiles.p.columns.amount_credit"},
    {"both currency forms",
     "[sources.csv.profiles.p]\nrecord = \"bank_transaction\"\nbank_account = \"ops\"\n"
     "currency = \"EUR\"\ncurrency_column = \"Cur\"\ndate_column = \"Date\"\n"
     "[sources.csv.profiles.p.columns]\namount = \"Amount\"\n",
     "t.toml:4: sources.csv.profiles.p: record bank_transaction needs exactly one of currency (a "
     "fixed ISO 4217 code) and currency_column",
     "sources.csv.profiles.p.currency"},
    {"two-character delimiter",
     "[sources.csv.profiles.p]\nrecord = \"inventory_count\"\n"
     "delimiter = \";;\"\n",
     "t.toml:3: sources.csv.profiles.p.delimiter must be one character, got \";;\"",
     "sources.csv.profiles.p.delimiter"},
    {"column mapped to a number",
     "[sources.csv.profiles.p]\nrecord = \"inventory_count\"\n[sources.csv.profiles.p.columns]\n"
     "sku = 3\n",
     "t.toml:4: sources.csv.profiles.p.columns.sku: expected a header name or an array of them, "
     "got integer",
     "sources.csv.profiles.p.columns.sku"},
    {"bad date format",
     "[sources.csv.profiles.p]\nrecord = \"inventory_count\"\ndate_column = \"When\"\n"
     "date_format = \"%d/%m\"\n[sources.csv.profiles.p.columns]\nsku = \"S\"\nlocation = \"L\"\n"
     "on_hand = \"Q\"\n",
     "t.toml:4: sources.csv.profiles.p: date_format \"%d/%m\" must name the year (%Y), the month "
     "(%m or %b) and the day (%d) once each",
     "sources.csv.profiles.p.date_format"},
    {"profiles are csv only", "[sources.stripe.profiles.p]\nrecord = \"inventory_count\"\n",
     "t.toml:1: unknown key sources.stripe.profiles", "sources.stripe.profiles"},
};

TEST(ParseConfig, RejectsBadCsvProfilesNamingKeyAndLine) {
  for (const BadDocument& bad : kBadCsvProfiles) {
    SCOPED_TRACE(bad.what);
    const Result<Config> config = ParseConfig(bad.toml, "t.toml");
    ASSERT_FALSE(config.has_value());
    EXPECT_EQ(config.error().message, bad.message);
    EXPECT_EQ(config.error().field, bad.field);
    EXPECT_EQ(config.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST(ParseConfig, ReadsACsvProfileIntoEveryField) {
  const Result<Config> config = ParseConfig(
      "[sources.csv.profiles.eu_bank]\n"
      "record = \"bank_transaction\"\ndelimiter = \";\"\ndecimal_separator = \",\"\n"
      "thousands_separator = \".\"\nminor_units = false\ncurrency_column = \"Währung\"\n"
      "date_column = \"Buchungstag\"\ndate_format = \"%d.%m.%Y\"\ntimezone = \"CET\"\n"
      "bank_account = \"DE89\"\n"
      "[sources.csv.profiles.eu_bank.columns]\n"
      "amount = \"Betrag\"\ntype = \"S/H\"\ndescription = [\"Empfänger\", \"Zweck\"]\n"
      "[sources.csv.profiles.eu_bank.types]\nS = \"debit\"\nH = \"credit\"\n",
      "t.toml");
  ASSERT_TRUE(config.has_value()) << config.error().message;
  CsvProfile expected;
  expected.record = CsvRecordType::kBankTransaction;
  expected.delimiter = ';';
  expected.decimal_separator = ',';
  expected.thousands_separator = '.';
  expected.currency_column = "Währung";
  expected.date_column = "Buchungstag";
  expected.date_format = "%d.%m.%Y";
  expected.timezone = "CET";
  expected.bank_account = "DE89";
  expected.columns = {
      {"amount", {"Betrag"}}, {"type", {"S/H"}}, {"description", {"Empfänger", "Zweck"}}};
  expected.types = {{"S", "debit"}, {"H", "credit"}};
  EXPECT_EQ(config->sources.at("csv").profiles.at("eu_bank"), expected);
}

TEST(ValidateConfig, RefusesABrokenCsvProfileBuiltInCode) {
  Config config;
  CsvProfile profile;  // bank_transaction without amount, currency or date
  config.sources["csv"].profiles.emplace("p", profile);
  const Status valid = ValidateConfig(config);
  ASSERT_FALSE(valid.has_value());
  EXPECT_EQ(valid.error().field, "sources.csv.profiles.p.currency");
}

TEST(EnvVarName, UpperCasesDottedPath) {
  EXPECT_EQ(EnvVarName("server.listen"), "RETAILHUB_SERVER_LISTEN");
  EXPECT_EQ(EnvVarName("bus.retry.attempts_max"), "RETAILHUB_BUS_RETRY_ATTEMPTS_MAX");
}

struct BadEnv {
  std::string_view variable;
  std::string_view value;
  std::string_view message;  // exact
};

const BadEnv kBadEnvs[] = {
    {"RETAILHUB_SERVER_THREADS", "abc", "RETAILHUB_SERVER_THREADS: expected integer, got \"abc\""},
    {"RETAILHUB_SERVER_THREADS", "4x", "RETAILHUB_SERVER_THREADS: expected integer, got \"4x\""},
    {"RETAILHUB_BUS_BACKLOG_MAX", "0",
     "RETAILHUB_BUS_BACKLOG_MAX: bus.backlog_max must be "
     "1..100000000, got 0"},
    {"RETAILHUB_STORE_SYNCHRONOUS_FULL", "yes",
     "RETAILHUB_STORE_SYNCHRONOUS_FULL: expected boolean (true, false, 1, 0), got \"yes\""},
    {"RETAILHUB_SERVER_LISTEN", "8080",
     "RETAILHUB_SERVER_LISTEN: server.listen must be HOST:PORT with PORT 0..65535, got \"8080\""},
    {"RETAILHUB_SERVER_THREAD", "4",
     "unknown environment variable RETAILHUB_SERVER_THREAD (did you mean "
     "RETAILHUB_SERVER_THREADS?)"},
    {"RETAILHUB_APPROVALS_FINANCE_REPLAY_REQUIRES_SECOND_USER", "false",
     "RETAILHUB_APPROVALS_FINANCE_REPLAY_REQUIRES_SECOND_USER: approvals and sources can only be "
     "set in the config file"},
};

TEST(ApplyEnvOverrides, RejectsBadValuesNamingVariable) {
  for (const BadEnv& bad : kBadEnvs) {
    SCOPED_TRACE(bad.variable);
    Config config;
    const Status status =
        ApplyEnvOverrides(config, {{std::string(bad.variable), std::string(bad.value)}});
    ASSERT_FALSE(status.has_value());
    EXPECT_EQ(status.error().message, bad.message);
    EXPECT_EQ(status.error().field, bad.variable);
  }
}

TEST(ApplyEnvOverrides, SetsScalarsAndIgnoresOtherVariables) {
  Config config;
  const Status status = ApplyEnvOverrides(config, {
                                                      {"RETAILHUB_SERVER_LISTEN", "0.0.0.0:9000"},
                                                      {"RETAILHUB_STORE_DATA_DIR", "/srv/hub"},
                                                      {"RETAILHUB_STORE_SYNCHRONOUS_FULL", "false"},
                                                      {"RETAILHUB_BUS_BACKLOG_MAX", "500"},
                                                      {"RETAILHUB_BUS_RETRY_ATTEMPTS_MAX", "3"},
                                                      {"RETAILHUB_BUS_WORKERS_ORDERS", "8"},
                                                      {"RETAILHUB_LOG_LEVEL", "debug"},
                                                      {"RETAILHUB_SHARED", "/srv/shared"},
                                                      {"PATH", "/usr/bin"},
                                                  });
  ASSERT_TRUE(status.has_value()) << status.error().message;
  EXPECT_EQ(config.server.listen, "0.0.0.0:9000");
  EXPECT_EQ(config.store.data_dir, "/srv/hub");
  EXPECT_FALSE(config.store.synchronous_full);
  EXPECT_EQ(config.bus.backlog_max, 500);
  EXPECT_EQ(config.bus.retry.attempts_max, 3);
  EXPECT_EQ(config.bus.workers.orders, 8);
  EXPECT_EQ(config.log.level, "debug");
}

TEST(ApplyEnvOverrides, ValidatesCrossFieldRulesAfterwards) {
  Config config;
  const Status status = ApplyEnvOverrides(config, {{"RETAILHUB_SERVER_TLS_KEY_FILE", "k.pem"}});
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().message,
            "server.tls_cert_file and server.tls_key_file must be set together");
}

}  // namespace
}  // namespace hub::app
