// /metrics is read by Prometheus: every sample line must parse in the text
// exposition format (0.0.4), every family must carry HELP and TYPE before
// its samples, and the backbone's and webhook counters must be there after
// real traffic.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "api/http_client.h"
#include "app/hub.h"
#include "connectors/connector.h"
#include "testing/testing.h"

namespace hub {
namespace {

struct Family {
  std::string type, help;
  int samples = 0;
};

// A strict reader of the text format: comments, then samples
// `name{label="value",…} number`.
std::map<std::string, Family> ParsePrometheus(const std::string& text, std::string* error) {
  static const std::regex kHelp(R"(^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$)");
  static const std::regex kType(
      R"(^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$)");
  static const std::regex kSample(
      R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*"(,[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*")*)?\})? (-?[0-9.eE+-]+|\+Inf|-Inf|NaN)$)");
  std::map<std::string, Family> out;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    std::smatch m;
    if (std::regex_match(line, m, kHelp)) {
      out[m[1]].help = m[2];
    } else if (std::regex_match(line, m, kType)) {
      out[m[1]].type = m[2];
    } else if (std::regex_match(line, m, kSample)) {
      std::string name = m[1];
      for (const char* suffix : {"_bucket", "_sum", "_count"}) {
        const std::string s(suffix);
        if (out.count(name) == 0 && name.size() > s.size() &&
            name.compare(name.size() - s.size(), s.size(), s) == 0) {
          name = name.substr(0, name.size() - s.size());
        }
      }
      auto it = out.find(name);
      if (it == out.end() || it->second.type.empty()) {
        *error = "line " + std::to_string(n) + ": sample before its TYPE: " + line;
        return {};
      }
      ++it->second.samples;
    } else if (!line.empty()) {
      *error = "line " + std::to_string(n) + " does not parse: " + line;
      return {};
    }
  }
  return out;
}

TEST(MetricsTest, ExpositionParsesAndCarriesTheBackboneCounters) {
  testing::TempDir dir;
  app::Config cfg;
  cfg.server.listen = "127.0.0.1:0";
  cfg.store.data_dir = dir.path().string();
  cfg.sources["test"].accounts["m"].secret = "s";
  auto hub = app::Hub::Open(cfg, SystemClock::Get());
  ASSERT_TRUE(hub) << hub.error().ToString();
  ASSERT_TRUE((*hub)->Start());
  const std::string body = R"({"key":"k","n":1})";
  auto ok =
      api::HttpCall("127.0.0.1", (*hub)->port(), "POST", "/v1/webhooks/test/m", body,
                    {{"X-Test-Id", "m1"}, {"X-Test-Signature", HexEncode(HmacSha256("s", body))}});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 202);
  auto bad = api::HttpCall("127.0.0.1", (*hub)->port(), "POST", "/v1/webhooks/test/m", body,
                           {{"X-Test-Id", "m2"}, {"X-Test-Signature", "00"}});
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 401);
  auto r = api::HttpCall("127.0.0.1", (*hub)->port(), "GET", "/metrics", "", {});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  std::string error;
  auto families = ParsePrometheus(r->body, &error);
  ASSERT_TRUE(error.empty()) << error;
  for (const auto& [name, f] : families) {
    EXPECT_FALSE(f.help.empty()) << name << " has no HELP";
    EXPECT_FALSE(f.type.empty()) << name << " has no TYPE";
  }
  for (const char* want : {"retailhub_ingest_messages_total", "retailhub_ingest_ack_seconds",
                           "retailhub_backlog_messages", "retailhub_webhooks_total"}) {
    ASSERT_TRUE(families.count(want)) << want << " missing from /metrics";
    EXPECT_GT(families[want].samples, 0) << want;
  }
  EXPECT_NE(r->body.find("retailhub_webhooks_total{outcome=\"unauthenticated\",source=\"test\"} 1"),
            std::string::npos);
  (*hub)->Stop();
}

}  // namespace
}  // namespace hub
