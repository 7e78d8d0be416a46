// Metrics render in the Prometheus text format with HELP and TYPE for every
// family; histograms are cumulative; masking never leaks the middle of PII.
#include <gtest/gtest.h>

#include <sstream>

#include "obs/log.h"
#include "obs/metrics.h"

namespace hub::obs {
namespace {

TEST(MetricsTest, RendersCountersGaugesWithHelpAndLabels) {
  Registry r;
  r.GetCounter("hub_ingest_total", "Messages accepted", {{"source", "shopify"}}).Inc(3);
  r.GetGauge("hub_backlog", "Unprocessed messages", {{"domain", "orders"}}).Set(7);
  const std::string text = r.RenderPrometheus();
  EXPECT_NE(text.find("# HELP hub_ingest_total Messages accepted\n# TYPE hub_ingest_total counter\n"
                      "hub_ingest_total{source=\"shopify\"} 3\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("hub_backlog{domain=\"orders\"} 7\n"), std::string::npos) << text;
}

TEST(MetricsTest, AFamilyFirstAskedForWithoutHelpGetsItFromTheOwner) {
  Registry r;
  r.GetCounter("c_total", "").Inc();  // a reader asks before the owner registers
  r.GetCounter("c_total", "Things counted").Inc();
  const std::string text = r.RenderPrometheus();
  EXPECT_NE(text.find("# HELP c_total Things counted\n"), std::string::npos) << text;
  EXPECT_NE(text.find("c_total 2\n"), std::string::npos) << text;
}

TEST(MetricsTest, HistogramIsCumulativeAndQuantilesAreBucketBounds) {
  Registry r;
  auto& h = r.GetHistogram("hub_ack_latency_seconds", "Ack latency");
  for (int i = 0; i < 99; ++i) {
    h.ObserveMicros(40);
  }
  h.ObserveMicros(10'000);
  EXPECT_EQ(h.count(), 100);
  EXPECT_EQ(h.QuantileMicros(0.5), 50);
  EXPECT_EQ(h.QuantileMicros(0.999), 12'800);
  const std::string text = r.RenderPrometheus();
  EXPECT_NE(text.find("hub_ack_latency_seconds_bucket{le=\"+Inf\"} 100"), std::string::npos);
  EXPECT_NE(text.find("hub_ack_latency_seconds_count 100"), std::string::npos);
}

TEST(MetricsTest, LabelValuesAreEscaped) {
  Registry r;
  r.GetCounter("x_total", "x", {{"reason", "a\"b\\c\nd"}}).Inc();
  EXPECT_NE(r.RenderPrometheus().find("x_total{reason=\"a\\\"b\\\\c\\nd\"} 1"), std::string::npos);
}

TEST(MaskTest, EmailAndPhone) {
  EXPECT_EQ(MaskEmail("ana.souza@example.com"), "a***@example.com");
  EXPECT_EQ(MaskEmail("nobody"), "***");
  EXPECT_EQ(MaskPhone("+14155550134"), "+1******0134");
}

}  // namespace
}  // namespace hub::obs
