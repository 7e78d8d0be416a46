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

fs::path Sibling(const fs::path& input, std::string_view suffix) {
  std::string base = input.filename().string();
  base.resize(base.size() - kInputSuffix.size());
  return input.parent_path() / (base + std::string(suffix));
}

Delivery MakeDelivery(const fs::path& input) {
  Delivery d;
  d.source = "csv";
  d.body = testing::ReadFile(input);
  const fs::path meta = Sibling(input, ".meta.json");
  if (fs::exists(meta)) {
    const boost::json::object m = boost::json::parse(testing::ReadFile(meta)).as_object();
    if (const auto* t = m.if_contains("topic")) {
      d.topic = std::string(t->as_string());
    }
    if (const auto* a = m.if_contains("account")) {
      d.account = std::string(a->as_string());
    }
    if (const auto* h = m.if_contains("headers")) {
      for (const auto& kv : h->as_object()) {
        d.headers.emplace_back(std::string(kv.key()), std::string(kv.value().as_string()));
      }
    }
  }
  return d;
}

std::string Render(const Result<std::vector<Event>>& r) {
  if (!r) {
    boost::json::object e{{"code", ErrorCodeName(r.error().code)}, {"field", r.error().field}};
    return boost::json::serialize(boost::json::object{{"error", e}}) + "\n";
  }
  std::string out;
  for (const Event& e : *r) {
    out += EventToJson(e);
    out += '\n';
  }
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
    SCOPED_TRACE(input.string());
    const Delivery d = MakeDelivery(input);
    const auto result = csv->Translate(d);
    const std::string got = Render(result);
    const fs::path expected_path = Sibling(input, ".expected.json");
    if (update) {
      std::ofstream(expected_path, std::ios::binary) << got;
      continue;
    }
    ASSERT_TRUE(fs::exists(expected_path)) << "missing " << expected_path;
    EXPECT_EQ(got, testing::ReadFile(expected_path));
    if (result) {
      // Every line is a canonical envelope: it parses and re-serializes byte for byte.
      for (const Event& e : *result) {
        const std::string line = EventToJson(e);
        auto back = EventFromJson(line);
        ASSERT_TRUE(back.has_value()) << back.error().ToString();
        EXPECT_EQ(EventToJson(*back), line);
      }
      // A re-ingest of the same bytes yields the same event ids.
      const auto again = csv->Translate(d);
      ASSERT_TRUE(again.has_value());
      EXPECT_EQ(Render(again), got);
    }
  }
}

}  // namespace
}  // namespace hub::app
