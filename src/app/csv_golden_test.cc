// Golden cases of the csv connector: tests/golden/csv/<case>.input.csv (+ optional
// <case>.meta.json: {"topic", "account", "headers": {…}}) translate to exactly
// <case>.expected.json, one canonical event per line, or to the error written there as
// {"error":{"code":…,"field":…}}: the harness of connectors/golden_test.cc for CSV bodies.
// Here in app because the profiles are the shipped config/retailhub.toml's, read by the
// config parser: a change to a profile we ship shows up in these files.
// RETAILHUB_UPDATE_GOLDEN=1 rewrites the expected files (review the diff!).
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "app/config.h"
#include "app/connectors.h"
#include "core/error.h"
#include "testing/golden.h"
#include "testing/testing.h"

namespace hub::app {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kInputSuffix = ".input.csv";

fs::path SourceRoot() {
  if (const char* src = std::getenv("RETAILHUB_SOURCE"); src != nullptr && *src != '\0') {
    return fs::path(src);
  }
  return fs::path(__FILE__).parent_path() / ".." / "..";
}

std::vector<fs::path> AllCases() {
  std::vector<fs::path> out;
  const fs::path dir = SourceRoot() / "tests" / "golden" / "csv";
  if (!fs::is_directory(dir)) {
    return out;
  }
  for (const auto& f : fs::directory_iterator(dir)) {
    if (f.path().filename().string().ends_with(kInputSuffix)) {
      out.push_back(f.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(CsvGoldenTest, EveryCaseMatchesItsExpectedEventsUnderTheShippedProfiles) {
  const auto cases = AllCases();
  ASSERT_GE(cases.size(), 4u) << "csv golden cases missing under " << SourceRoot();
  Result<Config> config = LoadConfig(SourceRoot() / "config" / "retailhub.toml");
  ASSERT_TRUE(config.has_value()) << config.error().message;
  const ConnectorRegistry registry = ConnectorRegistryFor(*config);
  const Connector* csv = registry.Find("csv");
  ASSERT_NE(csv, nullptr);
  const bool update = std::getenv("RETAILHUB_UPDATE_GOLDEN") != nullptr;
  for (const fs::path& input : cases) {
    testing::CheckGoldenCase(*csv, "csv", input, kInputSuffix, update);
  }
}

}  // namespace
}  // namespace hub::app
