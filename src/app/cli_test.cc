// The command frame, run in-process: exit codes are an interface (scripts test for 2 = usage),
// help goes to stdout and usage errors to stderr, and `serve` resolves its config as
// file < environment < flags. RunServe is replaced by a fake that records the config.
#include "app/cli.h"

#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <sstream>

#include "testing/testing.h"

namespace hub::app {
namespace {

const std::filesystem::path kDefaultFile =
    std::filesystem::path(__FILE__).parent_path() / "../../config/retailhub.toml";

struct CliRun {
  int code = -1;
  std::string out;
  std::string err;
};

class CliTest : public ::testing::Test {
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
    CliContext ctx(out, err, env_);
    ctx.default_config_file = default_file_;
    ctx.run_serve = [this](const Config& config) {
      served_ = config;
      return 0;
    };
    CliRun run;
    run.code = RunCli(static_cast<int>(args.size()), argv.data(), ctx);
    run.out = out.str();
    run.err = err.str();
    return run;
  }

  std::filesystem::path WriteFile(const std::string& name, std::string_view text) {
    const std::filesystem::path path = dir_.path() / name;
    std::ofstream(path) << text;
    return path;
  }

  hub::testing::TempDir dir_;
  std::map<std::string, std::string> env_;
  std::filesystem::path default_file_ = "/nonexistent/retailhub.toml";
  std::optional<Config> served_;
};

TEST_F(CliTest, UnknownSubcommandIsUsageError) {
  const CliRun run = Run({"frobnicate"});
  EXPECT_EQ(run.code, 2);
  EXPECT_NE(run.err.find("unknown subcommand or argument: frobnicate"), std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("Usage"), std::string::npos) << run.err;
  EXPECT_EQ(run.out, "");
}

TEST_F(CliTest, UnknownFlagIsUsageError) {
  const CliRun run = Run({"version", "--bogus"});
  EXPECT_EQ(run.code, 2);
  EXPECT_NE(run.err.find("--bogus"), std::string::npos) << run.err;
}

TEST_F(CliTest, MissingSubcommandIsUsageError) {
  EXPECT_EQ(Run({}).code, 2);
  EXPECT_EQ(Run({"config"}).code, 2);
}

TEST_F(CliTest, BadFormatIsUsageError) { EXPECT_EQ(Run({"version", "--format", "xml"}).code, 2); }

TEST_F(CliTest, HelpExitsZeroOnEveryLevelAndRunsNothing) {
  const CliRun top = Run({"--help"});
  EXPECT_EQ(top.code, 0);
  EXPECT_NE(top.out.find("serve"), std::string::npos);
  EXPECT_NE(top.out.find("config"), std::string::npos);
  EXPECT_NE(top.out.find("version"), std::string::npos);
  EXPECT_EQ(top.err, "");

  const CliRun serve = Run({"serve", "--help"});
  EXPECT_EQ(serve.code, 0);
  EXPECT_NE(serve.out.find("--listen"), std::string::npos) << serve.out;
  EXPECT_FALSE(served_.has_value());

  EXPECT_EQ(Run({"config", "check", "--help"}).code, 0);
  EXPECT_EQ(Run({"version", "--help"}).code, 0);
}

TEST_F(CliTest, Version) {
  EXPECT_EQ(Version(), "0.1.0");
  const CliRun text = Run({"version"});
  EXPECT_EQ(text.code, 0);
  EXPECT_EQ(text.out, "retailhub 0.1.0\n");
  const CliRun json = Run({"version", "--format", "json"});
  EXPECT_EQ(json.code, 0);
  EXPECT_EQ(json.out, "{\"version\":\"0.1.0\"}\n");
}

TEST_F(CliTest, ConfigCheckBadFileNamesLineAndKey) {
  const std::filesystem::path bad =
      WriteFile("bad.toml", "[server]\nlisten = \"127.0.0.1:1\"\nthreads = \"two\"\n");
  const CliRun run = Run({"config", "check", bad.string()});
  EXPECT_EQ(run.code, 1);
  EXPECT_EQ(run.err,
            "error: " + bad.string() + ":3: server.threads: expected integer, got string\n");
  EXPECT_EQ(run.out, "");
}

TEST_F(CliTest, ConfigCheckMissingFileFails) {
  const CliRun run = Run({"config", "check", (dir_.path() / "absent.toml").string()});
  EXPECT_EQ(run.code, 1);
  EXPECT_NE(run.err.find("absent.toml"), std::string::npos);
}

TEST_F(CliTest, ConfigCheckGoodFile) {
  const CliRun run = Run({"config", "check", kDefaultFile.string()});
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.out, "config OK: " + kDefaultFile.string() + "\n");
}

TEST_F(CliTest, ConfigCheckDefaultsToDefaultFile) {
  default_file_ = kDefaultFile;
  const CliRun run = Run({"config", "check"});
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(run.out, "config OK: " + kDefaultFile.string() + "\n");
}

TEST_F(CliTest, ServeWithoutAnyFileUsesBuiltInDefaults) {
  const CliRun run = Run({"serve"});
  EXPECT_EQ(run.code, 0) << run.err;
  ASSERT_TRUE(served_.has_value());
  EXPECT_EQ(*served_, Config{});
}

TEST_F(CliTest, ServeUsesDefaultFileWhenPresent) {
  default_file_ = kDefaultFile;
  EXPECT_EQ(Run({"serve"}).code, 0);
  ASSERT_TRUE(served_.has_value());
  const Result<Config> file = LoadConfig(kDefaultFile);
  ASSERT_TRUE(file.has_value()) << file.error().message;
  EXPECT_FALSE(served_->sources.empty());
  EXPECT_EQ(served_->sources, file->sources);  // the shipped file's sources, however many
}

TEST_F(CliTest, ServeLayersFileThenEnvironmentThenFlags) {
  const std::filesystem::path file = WriteFile(
      "hub.toml",
      "[server]\nlisten = \"127.0.0.1:9000\"\nthreads = 3\n[store]\ndata_dir = \"file-dir\"\n");
  env_ = {{"RETAILHUB_STORE_DATA_DIR", "env-dir"}, {"RETAILHUB_SERVER_THREADS", "5"}};

  ASSERT_EQ(Run({"serve", "--config", file.string()}).code, 0);
  ASSERT_TRUE(served_.has_value());
  EXPECT_EQ(served_->server.listen, "127.0.0.1:9000");  // file
  EXPECT_EQ(served_->server.threads, 5);                // environment over file
  EXPECT_EQ(served_->store.data_dir, "env-dir");

  served_.reset();
  ASSERT_EQ(
      Run({"serve", "--config", file.string(), "--data", "flag-dir", "--listen", "0.0.0.0:1"}).code,
      0);
  ASSERT_TRUE(served_.has_value());
  EXPECT_EQ(served_->server.listen, "0.0.0.0:1");  // flags over everything
  EXPECT_EQ(served_->store.data_dir, "flag-dir");
  EXPECT_EQ(served_->server.threads, 5);
}

TEST_F(CliTest, ServeFailsBeforeStartingOnBadConfig) {
  env_ = {{"RETAILHUB_BUS_BACKLOG_MAX", "lots"}};
  CliRun run = Run({"serve"});
  EXPECT_EQ(run.code, 1);
  EXPECT_NE(run.err.find("RETAILHUB_BUS_BACKLOG_MAX"), std::string::npos) << run.err;

  env_.clear();
  run = Run({"serve", "--config", (dir_.path() / "absent.toml").string()});
  EXPECT_EQ(run.code, 1);

  run = Run({"serve", "--listen", "nowhere"});
  EXPECT_EQ(run.code, 2);
  EXPECT_NE(run.err.find("--listen"), std::string::npos) << run.err;
  EXPECT_FALSE(served_.has_value());
}

}  // namespace
}  // namespace hub::app
