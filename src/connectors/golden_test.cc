// Golden cases: tests/golden/<source>/<case>.input.json (+ optional
// <case>.meta.json: {"topic", "account", "url", "headers": {…}}) translate to
// exactly <case>.expected.json, one canonical event per line, or to the error
// written there as {"error":{"code":…,"field":…}}. Why: the event wire form
// is a contract with every consumer; any change must show up in review.
// RETAILHUB_UPDATE_GOLDEN=1 rewrites the expected files (review the diff!).
// tests/golden/csv/*.input.csv need profiles from the config, so app/csv_golden_test.cc
// runs them with this same harness shape; csv is not a Default() connector.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "connectors/connector.h"
#include "core/error.h"
#include "testing/golden.h"
#include "testing/testing.h"

namespace hub {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kInputSuffix = ".input.json";

fs::path GoldenRoot() {
  if (const char* src = std::getenv("RETAILHUB_SOURCE"); src != nullptr && *src != '\0') {
    return fs::path(src) / "tests" / "golden";
  }
  return fs::path(__FILE__).parent_path() / ".." / ".." / "tests" / "golden";
}

struct Case {
  std::string source;
  fs::path input;
};

std::vector<Case> AllCases() {
  std::vector<Case> out;
  const fs::path root = GoldenRoot();
  if (!fs::is_directory(root)) {
    return out;
  }
  for (const auto& dir : fs::directory_iterator(root)) {
    if (!dir.is_directory()) {
      continue;
    }
    for (const auto& f : fs::directory_iterator(dir.path())) {
      const std::string name = f.path().filename().string();
      if (name.ends_with(".input.json")) {
        out.push_back({dir.path().filename().string(), f.path()});
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const Case& a, const Case& b) { return a.input < b.input; });
  return out;
}

TEST(GoldenTest, EveryCaseMatchesItsExpectedEvents) {
  const auto cases = AllCases();
  ASSERT_FALSE(cases.empty()) << "no golden cases under " << GoldenRoot();
  const ConnectorRegistry registry = ConnectorRegistry::Default();
  const bool update = std::getenv("RETAILHUB_UPDATE_GOLDEN") != nullptr;
  for (const Case& c : cases) {
    const Connector* conn = registry.Find(c.source);
    ASSERT_NE(conn, nullptr) << "no connector named " << c.source;
    testing::CheckGoldenCase(*conn, c.source, c.input, kInputSuffix, update);
  }
}

TEST(GoldenTest, EveryRegisteredConnectorHasAGoldenCase) {
  const auto cases = AllCases();
  for (const std::string& name : ConnectorRegistry::Default().Names()) {
    const bool found =
        std::any_of(cases.begin(), cases.end(), [&](const Case& c) { return c.source == name; });
    EXPECT_TRUE(found) << "connector \"" << name << "\" has no case under " << GoldenRoot() << "/"
                       << name;
  }
}

}  // namespace
}  // namespace hub
