// Prometheus metrics of the gateway, served as text at GET /metrics:
//
//   rathaus_gateway_http_requests_total{method="GET",route="/api/v1/offices",status="200"} 12
//   rathaus_gateway_http_request_duration_seconds_bucket{route="/api/v1/offices",le="0.005"} 11
//   ...  _sum, _count per route
//   rathaus_gateway_upstream_errors_total{code="UNAVAILABLE"} 1
//
// Routes are the templates ("/api/v1/bookings/{code}"), never the concrete path, so codes and ids
// never become label values; unknown paths count as route="unmatched". Methods are the seven
// of HTTP's that a client of ours sends, anything else is method="other": a client cannot add
// series.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

#include "absl/time/time.h"

namespace rathaus::gateway {

// "GET", "POST", ... or "other".
std::string_view MethodLabel(std::string_view method);

class Metrics {
 public:
  static constexpr std::array<double, 12> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,   0.25,   0.5,   1,    2.5,   5};

  void RecordRequest(std::string_view method, std::string_view route, int status,
                     absl::Duration duration);
  void RecordUpstreamError(std::string_view code);
  void RecordRateLimited(std::string_view bucket);
  void RecordCacheHit(std::string_view route);
  // The HTTP server's own counters (lock-free: they run on every accept).
  void RecordConnectionRefused() { ++connections_refused_; }
  void ConnectionOpened() { ++connections_open_; }
  void ConnectionClosed() { --connections_open_; }
  void RecordLargeBodyRefused() { ++large_bodies_refused_; }
  void RecordAcceptError() { ++accept_errors_; }

  // Prometheus text exposition format 0.0.4.
  std::string Text() const;

 private:
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};  // per bucket, not cumulative
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
  std::map<std::string, uint64_t> upstream_errors_;
  std::map<std::string, uint64_t> rate_limited_;
  std::map<std::string, uint64_t> cache_hits_;
  std::atomic<uint64_t> connections_refused_{0};
  std::atomic<int64_t> connections_open_{0};
  std::atomic<uint64_t> large_bodies_refused_{0};
  std::atomic<uint64_t> accept_errors_{0};
};

}  // namespace rathaus::gateway
