// CSV files reach the hub three ways, all with the profiles of the config file:
// `retailhub translate` (prints events, exit 1 naming line and column on a bad row),
// `retailhub ingest --source csv` (stores the file; a bad one is quarantined, exit 1) and
// the drop folder <data>/inbox/csv/, where the file name picks the profile.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/cli.h"
#include "app/config.h"
#include "app/connectors.h"
#include "app/file_ingest.h"
#include "bus/bus.h"
#include "store/store.h"
#include "testing/testing.h"

namespace hub::app {
namespace {

namespace fs = std::filesystem;

const fs::path kShippedConfig = fs::path(__FILE__).parent_path() / "../../config/retailhub.toml";

constexpr std::string_view kStatement =
    "Date,Description,Reference,Debit,Credit\n"
    "2026-03-04,\"ADYEN BV, AMSTERDAM\",TX4100,,\"1,321.15\"\n"
    "2026-03-05,Office rent,RENT-0326,\"2,450.00\",\n";
constexpr std::string_view kBadStatement =
    "Date,Description,Reference,Debit,Credit\n"
    "2026-03-05,Office rent,RENT-0326,\"2,450.00\",\n"
    "2026-03-06,Card fee,,\"12,50\",\n";

struct CliRun {
  int code = -1;
  std::string out;
  std::string err;
};

class CsvIngestTest : public ::testing::Test {
 protected:
  CliRun Run(std::vector<std::string> args) {
    args.insert(args.begin(), "retailhub");
    std::vector<char*> argv;
    for (std::string& arg : args) {
      argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    std::ostringstream out;
    std::ostringstream err;
    CliContext ctx(out, err, {});
    ctx.default_config_file = kShippedConfig;
    ctx.run_serve = [](const Config&) { return 0; };
    CliRun run;
    run.code = RunCli(static_cast<int>(args.size()), argv.data(), ctx);
    run.out = out.str();
    run.err = err.str();
    return run;
  }

  fs::path Write(const fs::path& path, std::string_view text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  hub::testing::TempDir dir_;
};

TEST_F(CsvIngestTest, TranslateRefusesABadRowNamingLineAndColumn) {
  const fs::path file = Write(dir_.path() / "statement.csv", kBadStatement);
  const CliRun run = Run({"translate", "--source", "csv", "--topic", "bank_statement", file});
  EXPECT_EQ(run.code, 1);
  EXPECT_TRUE(run.out.empty()) << run.out;  // nothing printed for a file that is refused
  EXPECT_NE(run.err.find("line 3, column 4 (Debit)"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("\"12,50\""), std::string::npos) << run.err;
}

TEST_F(CsvIngestTest, TranslatePrintsOneEventPerRowWithTheShippedProfile) {
  const fs::path file = Write(dir_.path() / "statement.csv", kStatement);
  const CliRun run =
      Run({"translate", "--source", "csv", "--topic", "bank_statement", "--account", "acme", file});
  ASSERT_EQ(run.code, 0) << run.err;
  std::istringstream lines(run.out);
  std::vector<std::string> events;
  for (std::string line; std::getline(lines, line);) {
    events.push_back(line);
  }
  ASSERT_EQ(events.size(), 2u) << run.out;
  EXPECT_NE(events[0].find(R"("type":"bank.transaction")"), std::string::npos);
  EXPECT_NE(events[0].find(R"("key":"csv:acme:bank:operating")"), std::string::npos);
  EXPECT_NE(events[0].find(R"("amount":{"amount":"1321.15","currency":"USD"})"), std::string::npos)
      << events[0];
  EXPECT_NE(events[1].find(R"("amount":{"amount":"-2450.00","currency":"USD"})"), std::string::npos)
      << events[1];
  EXPECT_NE(events[1].find(R"("source_id":"statement.csv:3")"), std::string::npos);
}

TEST_F(CsvIngestTest, IngestStoresAGoodFileAndQuarantinesABadOne) {
  const fs::path data = dir_.path() / "data";
  const fs::path good = Write(dir_.path() / "good.csv", kStatement);
  const fs::path bad = Write(dir_.path() / "bad.csv", kBadStatement);
  CliRun run = Run(
      {"ingest", "--source", "csv", "--topic", "bank_statement", "--data", data.string(), good});
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_NE(run.out.find("stored as"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("(2 events)"), std::string::npos) << run.out;
  run = Run(
      {"ingest", "--source", "csv", "--topic", "bank_statement", "--data", data.string(), good});
  EXPECT_NE(run.out.find("duplicate of"), std::string::npos) << run.out;  // same bytes
  run =
      Run({"ingest", "--source", "csv", "--topic", "bank_statement", "--data", data.string(), bad});
  EXPECT_EQ(run.code, 1);
  EXPECT_NE(run.out.find("line 3, column 4 (Debit)"), std::string::npos) << run.out;
}

TEST_F(CsvIngestTest, DropFolderPicksTheProfileFromTheFileName) {
  auto config = LoadConfig(kShippedConfig);
  ASSERT_TRUE(config.has_value()) << config.error().message;
  const ConnectorRegistry registry = ConnectorRegistryFor(*config);
  const fs::path data = dir_.path() / "data";
  fs::create_directories(data);
  auto store = store::OpenSqliteStore({.path = DatabasePath(data.string()).string()});
  ASSERT_TRUE(store.has_value()) << store.error().ToString();
  ASSERT_TRUE((*store)->Migrate(bus::Operations::Migrations()).has_value());
  auto conn = (*store)->Connect();
  ASSERT_TRUE(conn.has_value());
  const FakeClock clock(Instant::FromSeconds(1'772'000'000));
  bus::Operations ops(**conn, clock);
  const AppendFn append = [&ops](bus::RawMessage m) { return ops.Append(std::move(m)); };

  const fs::path inbox = data / "inbox" / "csv";
  Write(inbox / "bank_statement_2026-03.csv", kStatement);
  Write(inbox / "statement_2026-03.csv", kStatement);  // no profile starts this name
  // A file written this instant waits for the next sweep (it may be half written).
  EXPECT_EQ(SweepDropFolder(append, registry, data, clock, std::chrono::hours(1)), 0);
  EXPECT_TRUE(fs::exists(inbox / "bank_statement_2026-03.csv"));
  // A transient refusal (the hub's backlog over its limit) leaves the file
  // for the next sweep rather than failing it.
  int refused = 0;
  const AppendFn busy = [&refused](bus::RawMessage) -> Result<bus::IngestResult> {
    ++refused;
    return Fail(ErrorCode::kUnavailable, "backlog over the limit; retry later");
  };
  EXPECT_EQ(SweepDropFolder(busy, registry, data, clock), 1);  // only the unprofiled name
  EXPECT_EQ(refused, 1);
  EXPECT_TRUE(fs::exists(inbox / "bank_statement_2026-03.csv"));
  EXPECT_FALSE(fs::exists(inbox / "failed" / "bank_statement_2026-03.csv.error"));
  Write(inbox / "statement_2026-03.csv", kStatement);  // back for the next assertions
  fs::remove(inbox / "failed" / "statement_2026-03.csv");
  fs::remove(inbox / "failed" / "statement_2026-03.csv.error");
  EXPECT_EQ(SweepDropFolder(append, registry, data, clock), 2);
  EXPECT_TRUE(fs::exists(inbox / "done" / "bank_statement_2026-03.csv"));
  ASSERT_TRUE(fs::exists(inbox / "failed" / "statement_2026-03.csv.error"));
  const std::string note = hub::testing::ReadFile(inbox / "failed" / "statement_2026-03.csv.error");
  EXPECT_NE(note.find("--topic"), std::string::npos) << note;
  EXPECT_NE(note.find("bank_statement"), std::string::npos) << note;  // the profiles it knows
}

}  // namespace
}  // namespace hub::app
