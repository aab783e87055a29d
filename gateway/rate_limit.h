// Per-client rate limits for the route buckets named in the protos (rate_limit: "booking"),
// counted in Redis (key prefix gw:rl:) so every gateway replica shares one count.
//
//   auto spec = ParseRateSpec("60/1m");            // 60 requests per minute and client
//   RateLimiter limiter(&pool, "gw:", {{"booking", *spec}}, /*relax_loopback=*/false);
//   RateDecision d = limiter.Check("booking", "203.0.113.7");
//   if (!d.allowed) -> 429 with Retry-After: d.retry_after_seconds
//
// The window is fixed (INCR + PEXPIRE in one Lua script): at most 2x the limit can pass around a
// window boundary, which is fine for keeping bots off scarce slots. Clients are counted by
// address, IPv6 clients by their /64 (client_ip.h). If Redis is unreachable the limiter by default
// lets the request through and logs ("open": the service's own checks and quotas still hold, and
// a Redis outage should not take booking down with it); with fail_closed
// (RATHAUS_RATE_LIMIT_ON_ERROR=closed) it refuses: 503 with Retry-After.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shared/redis/redis.h"

namespace rathaus::gateway {

struct RateSpec {
  int64_t limit = 0;  // requests per window; 0 = unlimited
  absl::Duration window = absl::Minutes(1);
};

// "60/1m", "5/10s", "off".
absl::StatusOr<RateSpec> ParseRateSpec(std::string_view text);

struct RateDecision {
  bool allowed = true;
  int64_t retry_after_seconds = 0;
  bool unavailable = false;  // refused because Redis did not answer (fail_closed)
};

class RateLimiter {
 public:
  RateLimiter(platform::redis::Pool* pool, std::string key_prefix,
              std::map<std::string, RateSpec> buckets, bool relax_loopback,
              bool fail_closed = false);

  // Blocking (one Redis round trip).
  RateDecision Check(const std::string& bucket, const std::string& client_ip);
  // False when Check would not ask Redis (the bucket is off, or a relaxed loopback client), so
  // the caller can skip the hop to a blocking thread.
  bool Counts(const std::string& bucket, const std::string& client_ip) const;

 private:
  platform::redis::Pool* pool_;
  std::string key_prefix_;
  std::map<std::string, RateSpec> buckets_;
  bool relax_loopback_;
  bool fail_closed_;
};

bool IsLoopback(std::string_view ip);

}  // namespace rathaus::gateway
