#include "gateway/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gateway/rate_limit.h"

namespace rathaus::gateway {
namespace {

using ::testing::HasSubstr;

TEST(MetricsTest, CountsRequestsByRouteAndStatus) {
  Metrics m;
  m.RecordRequest("GET", "/api/v1/bookings/{code}", 200, absl::Milliseconds(3));
  m.RecordRequest("GET", "/api/v1/bookings/{code}", 200, absl::Milliseconds(30));
  m.RecordRequest("GET", "/api/v1/bookings/{code}", 404, absl::Seconds(10));
  const std::string text = m.Text();
  EXPECT_THAT(text, HasSubstr("# TYPE rathaus_gateway_http_requests_total counter\n"));
  EXPECT_THAT(text, HasSubstr(R"(rathaus_gateway_http_requests_total{method="GET",route="/api/v1/bookings/{code}",status="200"} 2)"));
  EXPECT_THAT(text, HasSubstr(R"(rathaus_gateway_http_requests_total{method="GET",route="/api/v1/bookings/{code}",status="404"} 1)"));
}

// A client picks the method: 4 KB of random letters must not become a new series each.
TEST(MetricsTest, MethodsAreAFixedSet) {
  Metrics m;
  for (int i = 0; i < 20; ++i) {
    m.RecordRequest(std::string(4096, static_cast<char>('A' + i)), "unmatched", 400, absl::Milliseconds(1));
  }
  m.RecordRequest("GET", "unmatched", 404, absl::Milliseconds(1));
  m.RecordRequest("get", "unmatched", 404, absl::Milliseconds(1));
  const std::string text = m.Text();
  EXPECT_THAT(text, HasSubstr(R"(rathaus_gateway_http_requests_total{method="other",route="unmatched",status="400"} 20)"));
  EXPECT_THAT(text, HasSubstr(R"(rathaus_gateway_http_requests_total{method="GET",route="unmatched",status="404"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"(rathaus_gateway_http_requests_total{method="other",route="unmatched",status="404"} 1)"));
  EXPECT_LT(text.size(), 4096u);
  EXPECT_EQ(MethodLabel("PATCH"), "PATCH");
  EXPECT_EQ(MethodLabel("TRACE"), "other");
}

TEST(MetricsTest, HistogramBucketsAreCumulative) {
  Metrics m;
  m.RecordRequest("GET", "/r", 200, absl::Milliseconds(3));
  m.RecordRequest("GET", "/r", 200, absl::Milliseconds(30));
  m.RecordRequest("GET", "/r", 200, absl::Seconds(10));
  const std::string text = m.Text();
  EXPECT_THAT(text, HasSubstr("# TYPE rathaus_gateway_http_request_duration_seconds histogram\n"));
  EXPECT_THAT(text, HasSubstr(R"(_bucket{route="/r",le="0.001"} 0)"));
  EXPECT_THAT(text, HasSubstr(R"(_bucket{route="/r",le="0.005"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"(_bucket{route="/r",le="0.05"} 2)"));
  EXPECT_THAT(text, HasSubstr(R"(_bucket{route="/r",le="5"} 2)"));
  EXPECT_THAT(text, HasSubstr(R"(_bucket{route="/r",le="+Inf"} 3)"));
  EXPECT_THAT(text, HasSubstr(R"(rathaus_gateway_http_request_duration_seconds_count{route="/r"} 3)"));
  EXPECT_THAT(text, HasSubstr(R"(rathaus_gateway_http_request_duration_seconds_sum{route="/r"} 10.033)"));
}

TEST(MetricsTest, UpstreamErrorsAndRateLimits) {
  Metrics m;
  m.RecordUpstreamError("UNAVAILABLE");
  m.RecordRateLimited("booking");
  m.RecordRateLimited("booking");
  EXPECT_THAT(m.Text(), HasSubstr(R"(rathaus_gateway_upstream_errors_total{code="UNAVAILABLE"} 1)"));
  EXPECT_THAT(m.Text(), HasSubstr(R"(rathaus_gateway_rate_limited_total{bucket="booking"} 2)"));
}

TEST(MetricsTest, LabelsAreEscaped) {
  Metrics m;
  m.RecordRequest("GET", "a\"b\\c", 200, absl::Milliseconds(1));
  EXPECT_THAT(m.Text(), HasSubstr(R"(route="a\"b\\c")"));
}

TEST(RateSpecTest, Parse) {
  auto s = ParseRateSpec("60/1m");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->limit, 60);
  EXPECT_EQ(s->window, absl::Minutes(1));
  EXPECT_EQ(ParseRateSpec("5/10s")->window, absl::Seconds(10));
  EXPECT_EQ(ParseRateSpec("off")->limit, 0);
  for (const char* bad : {"", "60", "60/", "/1m", "0/1m", "x/1m", "60/1ms", "60/48h", "-1/1m"}) {
    EXPECT_FALSE(ParseRateSpec(bad).ok()) << bad;
  }
}

TEST(RateSpecTest, Loopback) {
  EXPECT_TRUE(IsLoopback("127.0.0.1"));
  EXPECT_TRUE(IsLoopback("127.1.2.3"));
  EXPECT_TRUE(IsLoopback("::1"));
  EXPECT_FALSE(IsLoopback("10.0.0.1"));
  EXPECT_FALSE(IsLoopback("1127.0.0.1"));
}

}  // namespace
}  // namespace rathaus::gateway
