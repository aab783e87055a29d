#include "shared/metrics/metrics.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"

namespace rathaus::platform::metrics {
namespace {

TEST(RegistryTest, CountersHistogramsAndGaugesInTextFormat) {
  Registry r;
  r.Describe("rathaus_calls_total", "counter", "Calls.");
  r.Describe("rathaus_latency_seconds", "histogram", "Latency.");
  r.Describe("rathaus_unused_total", "counter", "Never incremented.");
  r.Increment("rathaus_calls_total", {{"method", "Book"}, {"code", "OK"}});
  r.Increment("rathaus_calls_total", {{"method", "Book"}, {"code", "OK"}});
  r.Increment("rathaus_calls_total", {{"method", "a\"b"}});
  r.Observe("rathaus_latency_seconds", {{"method", "Book"}}, 0.003);
  r.Observe("rathaus_latency_seconds", {{"method", "Book"}}, 20);
  r.AddCollector([](Gauges& g) { g.Set("rathaus_depth", {}, 7); });
  const std::string text = r.Text();
  EXPECT_TRUE(absl::StrContains(text, "# TYPE rathaus_calls_total counter\n"));
  EXPECT_TRUE(absl::StrContains(text, "rathaus_calls_total{method=\"Book\",code=\"OK\"} 2\n"));
  EXPECT_TRUE(absl::StrContains(text, "rathaus_calls_total{method=\"a\\\"b\"} 1\n"));
  EXPECT_TRUE(absl::StrContains(text, "rathaus_latency_seconds_bucket{method=\"Book\",le=\"0.0025\"} 0\n"));
  EXPECT_TRUE(absl::StrContains(text, "rathaus_latency_seconds_bucket{method=\"Book\",le=\"0.005\"} 1\n"));
  EXPECT_TRUE(absl::StrContains(text, "rathaus_latency_seconds_bucket{method=\"Book\",le=\"+Inf\"} 2\n"));
  EXPECT_TRUE(absl::StrContains(text, "rathaus_latency_seconds_count{method=\"Book\"} 2\n"));
  EXPECT_TRUE(absl::StrContains(text, "# TYPE rathaus_depth gauge\nrathaus_depth 7\n"));
  EXPECT_TRUE(absl::StrContains(text, "rathaus_unused_total 0\n"));
}

TEST(MetricsServerTest, ServesMetricsOnItsOwnPort) {
  Registry r;
  r.Increment("rathaus_x_total", {});
  MetricsServer server(r);
  ASSERT_TRUE(server.Start("127.0.0.1:0").ok());
  ASSERT_GT(server.port(), 0);
  EXPECT_FALSE(MetricsServer(r).Start("not-an-address").ok());
  server.Stop();
}

}  // namespace
}  // namespace rathaus::platform::metrics
