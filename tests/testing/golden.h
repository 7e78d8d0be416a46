// The golden-case harness shared by connectors/golden_test.cc (JSON payloads
// under tests/golden/<source>/) and app/csv_golden_test.cc (CSV files, whose
// profiles come from the shipped config): a case's delivery is built from
// its input file and optional <case>.meta.json ({"topic", "account", "url",
// "headers": {…}}); its translation is rendered one canonical event per
// line, or as {"error":{"code":…,"field":…}}. Header-only: the two test
// binaries link different libraries.
#pragma once

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/connector.h"
#include "core/error.h"
#include "core/event.h"
#include "testing/testing.h"

namespace hub::testing {

// <dir>/<case><input_suffix> → <dir>/<case><suffix>.
inline std::filesystem::path GoldenSibling(const std::filesystem::path& input,
                                           std::string_view input_suffix, std::string_view suffix) {
  std::string base = input.filename().string();
  base.resize(base.size() - input_suffix.size());
  return input.parent_path() / (base + std::string(suffix));
}

inline Delivery GoldenDelivery(std::string source, const std::filesystem::path& input,
                               std::string_view input_suffix) {
  Delivery d;
  d.source = std::move(source);
  d.body = ReadFile(input);
  const std::filesystem::path meta = GoldenSibling(input, input_suffix, ".meta.json");
  if (std::filesystem::exists(meta)) {
    const boost::json::object m = boost::json::parse(ReadFile(meta)).as_object();
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

inline std::string RenderGolden(const Result<std::vector<Event>>& r) {
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

// One case: `connector` translates the input's delivery to exactly the
// expected file (or, with `update`, rewrites it); every event re-serializes
// byte for byte; translating the same bytes again yields the same events.
inline void CheckGoldenCase(const Connector& connector, const std::string& source,
                            const std::filesystem::path& input, std::string_view input_suffix,
                            bool update) {
  SCOPED_TRACE(input.string());
  const Delivery d = GoldenDelivery(source, input, input_suffix);
  const auto result = connector.Translate(d);
  const std::string got = RenderGolden(result);
  const std::filesystem::path expected_path = GoldenSibling(input, input_suffix, ".expected.json");
  if (update) {
    std::ofstream(expected_path, std::ios::binary) << got;
    return;
  }
  ASSERT_TRUE(std::filesystem::exists(expected_path)) << "missing " << expected_path;
  EXPECT_EQ(got, ReadFile(expected_path));
  if (result) {
    for (const Event& e : *result) {
      const std::string line = EventToJson(e);
      auto back = EventFromJson(line);
      ASSERT_TRUE(back.has_value()) << back.error().ToString();
      EXPECT_EQ(EventToJson(*back), line);
    }
    const auto again = connector.Translate(d);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(RenderGolden(again), got);
  }
}

}  // namespace hub::testing
