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
#include "testing/testing.h"

namespace hub {
namespace {

namespace fs = std::filesystem;

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

fs::path Sibling(const fs::path& input, std::string_view suffix) {
  std::string base = input.filename().string();
  base.resize(base.size() - std::string_view(".input.json").size());
  return input.parent_path() / (base + std::string(suffix));
}

Delivery MakeDelivery(const Case& c) {
  Delivery d;
  d.source = c.source;
  d.body = testing::ReadFile(c.input);
  const fs::path meta = Sibling(c.input, ".meta.json");
  if (fs::exists(meta)) {
    const boost::json::object m = boost::json::parse(testing::ReadFile(meta)).as_object();
    if (const auto* t = m.if_contains("topic")) {
      d.topic = std::string(t->as_string());
    }
    if (const auto* a = m.if_contains("account")) {
      d.account = std::string(a->as_string());
    }
    if (const auto* u = m.if_contains("url")) {
      d.url = std::string(u->as_string());
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

TEST(GoldenTest, EveryCaseMatchesItsExpectedEvents) {
  const auto cases = AllCases();
  ASSERT_FALSE(cases.empty()) << "no golden cases under " << GoldenRoot();
  const ConnectorRegistry registry = ConnectorRegistry::Default();
  const bool update = std::getenv("RETAILHUB_UPDATE_GOLDEN") != nullptr;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.input.string());
    const Connector* conn = registry.Find(c.source);
    ASSERT_NE(conn, nullptr) << "no connector named " << c.source;
    const Delivery d = MakeDelivery(c);
    const auto result = conn->Translate(d);
    const std::string got = Render(result);
    const fs::path expected_path = Sibling(c.input, ".expected.json");
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
      // Replay yields the same event ids.
      const auto again = conn->Translate(d);
      ASSERT_TRUE(again.has_value());
      EXPECT_EQ(Render(again), got);
    }
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
