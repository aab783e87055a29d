#include "gateway/metrics.h"

#include "absl/strings/str_cat.h"

namespace rathaus::gateway {
namespace {

// Label values are route templates and fixed words, but escape anyway (exposition format).
std::string Label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

std::string_view MethodLabel(std::string_view method) {
  static constexpr std::string_view kKnown[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  for (std::string_view known : kKnown) {
    if (method == known) return known;
  }
  return "other";
}

void Metrics::RecordRequest(std::string_view method, std::string_view route, int status,
                            absl::Duration duration) {
  const double seconds = absl::ToDoubleSeconds(duration);
  std::lock_guard lock(mu_);
  ++requests_[{std::string(MethodLabel(method)), std::string(route), status}];
  Histogram& h = latency_[std::string(route)];
  size_t i = 0;
  while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
  if (i < kBuckets.size()) ++h.counts[i];
  ++h.count;
  h.sum += seconds;
}

void Metrics::RecordUpstreamError(std::string_view code) {
  std::lock_guard lock(mu_);
  ++upstream_errors_[std::string(code)];
}

void Metrics::RecordCacheHit(std::string_view route) {
  std::lock_guard lock(mu_);
  ++cache_hits_[std::string(route)];
}

void Metrics::RecordRateLimited(std::string_view bucket) {
  std::lock_guard lock(mu_);
  ++rate_limited_[std::string(bucket)];
}

std::string Metrics::Text() const {
  std::lock_guard lock(mu_);
  std::string out =
      "# HELP rathaus_gateway_http_requests_total HTTP requests by route template and status.\n"
      "# TYPE rathaus_gateway_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    const auto& [method, route, status] = key;
    absl::StrAppend(&out, "rathaus_gateway_http_requests_total{method=\"", Label(method),
                    "\",route=\"", Label(route), "\",status=\"", status, "\"} ", n, "\n");
  }
  out +=
      "# HELP rathaus_gateway_http_request_duration_seconds Time from request read to response "
      "ready.\n"
      "# TYPE rathaus_gateway_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += h.counts[i];
      absl::StrAppend(&out, "rathaus_gateway_http_request_duration_seconds_bucket{route=\"",
                      Label(route), "\",le=\"", kBuckets[i], "\"} ", cumulative, "\n");
    }
    absl::StrAppend(&out, "rathaus_gateway_http_request_duration_seconds_bucket{route=\"",
                    Label(route), "\",le=\"+Inf\"} ", h.count, "\n");
    absl::StrAppend(&out, "rathaus_gateway_http_request_duration_seconds_sum{route=\"",
                    Label(route), "\"} ", h.sum, "\n");
    absl::StrAppend(&out, "rathaus_gateway_http_request_duration_seconds_count{route=\"",
                    Label(route), "\"} ", h.count, "\n");
  }
  out +=
      "# HELP rathaus_gateway_upstream_errors_total gRPC calls that failed, by status code.\n"
      "# TYPE rathaus_gateway_upstream_errors_total counter\n";
  for (const auto& [code, n] : upstream_errors_) {
    absl::StrAppend(&out, "rathaus_gateway_upstream_errors_total{code=\"", Label(code), "\"} ", n,
                    "\n");
  }
  out +=
      "# HELP rathaus_gateway_cache_hits_total Answers served from the micro-cache, by route.\n"
      "# TYPE rathaus_gateway_cache_hits_total counter\n";
  for (const auto& [route, n] : cache_hits_) {
    absl::StrAppend(&out, "rathaus_gateway_cache_hits_total{route=\"", Label(route), "\"} ", n,
                    "\n");
  }
  out +=
      "# HELP rathaus_gateway_rate_limited_total Requests refused by a rate limit, by bucket.\n"
      "# TYPE rathaus_gateway_rate_limited_total counter\n";
  for (const auto& [bucket, n] : rate_limited_) {
    absl::StrAppend(&out, "rathaus_gateway_rate_limited_total{bucket=\"", Label(bucket), "\"} ", n,
                    "\n");
  }
  absl::StrAppend(
      &out,
      "# HELP rathaus_gateway_connections_refused_total Connections closed at once because "
      "RATHAUS_HTTP_MAX_CONNECTIONS were open.\n"
      "# TYPE rathaus_gateway_connections_refused_total counter\n"
      "rathaus_gateway_connections_refused_total ", connections_refused_.load(), "\n",
      "# HELP rathaus_gateway_connections_open HTTP connections open now.\n"
      "# TYPE rathaus_gateway_connections_open gauge\n"
      "rathaus_gateway_connections_open ", connections_open_.load(), "\n",
      "# HELP rathaus_gateway_large_bodies_refused_total Large uploads answered 503 because "
      "RATHAUS_GATEWAY_MAX_LARGE_BODIES were being read.\n"
      "# TYPE rathaus_gateway_large_bodies_refused_total counter\n"
      "rathaus_gateway_large_bodies_refused_total ", large_bodies_refused_.load(), "\n",
      "# HELP rathaus_gateway_accept_errors_total Failed accept() calls (e.g. out of file "
      "descriptors); the server backs off after each.\n"
      "# TYPE rathaus_gateway_accept_errors_total counter\n"
      "rathaus_gateway_accept_errors_total ", accept_errors_.load(), "\n");
  return out;
}

}  // namespace rathaus::gateway
