#include "gateway/rate_limit.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gateway/client_ip.h"
#include "rathaus_gateway_embedded.h"
#include "shared/log/log.h"

namespace rathaus::gateway {

namespace log = rathaus::platform::log;
namespace redis = rathaus::platform::redis;

absl::StatusOr<RateSpec> ParseRateSpec(std::string_view text) {
  if (text == "off") return RateSpec{0, absl::Minutes(1)};
  const size_t slash = text.find('/');
  RateSpec spec;
  if (slash == std::string_view::npos ||
      !absl::SimpleAtoi(absl::string_view(text.data(), slash), &spec.limit) || spec.limit < 1 ||
      !absl::ParseDuration(std::string(text.substr(slash + 1)), &spec.window) ||
      spec.window < absl::Seconds(1) || spec.window > absl::Hours(24)) {
    return absl::InvalidArgumentError("expected N/duration (e.g. 60/1m) or off");
  }
  return spec;
}

bool IsLoopback(std::string_view ip) {
  return ip.substr(0, 4) == "127." || ip == "::1" || ip.substr(0, 11) == "::ffff:127.";
}

RateLimiter::RateLimiter(redis::Pool* pool, std::string key_prefix,
                         std::map<std::string, RateSpec> buckets, bool relax_loopback,
                         bool fail_closed)
    : pool_(pool),
      key_prefix_(std::move(key_prefix)),
      buckets_(std::move(buckets)),
      relax_loopback_(relax_loopback),
      fail_closed_(fail_closed) {}

bool RateLimiter::Counts(const std::string& bucket, const std::string& client_ip) const {
  auto it = buckets_.find(bucket);
  if (it == buckets_.end() || it->second.limit == 0) return false;
  return !(relax_loopback_ && IsLoopback(client_ip));
}

RateDecision RateLimiter::Check(const std::string& bucket, const std::string& client_ip) {
  static const redis::Script kScript("gateway_rate_limit", std::string(embedded::kRateLimit));
  auto it = buckets_.find(bucket);
  if (it == buckets_.end() || it->second.limit == 0) return {};
  if (relax_loopback_ && IsLoopback(client_ip)) return {};
  const RateSpec& spec = it->second;
  const int64_t window_ms = absl::ToInt64Milliseconds(spec.window);
  auto reply = pool_->Eval(kScript,
                           {absl::StrCat(key_prefix_, "rl:", bucket, ":", RateLimitKey(client_ip))},
                           {absl::StrCat(window_ms)});
  if (!reply.ok() || !reply->is_array() || reply->elements.size() != 2) {
    if (fail_closed_) {
      log::Warn("rate limit unavailable, refusing the request (RATHAUS_RATE_LIMIT_ON_ERROR=closed)",
                {{"bucket", bucket}, {"error", std::string(reply.status().message())}});
      return {.allowed = false, .retry_after_seconds = 5, .unavailable = true};
    }
    log::Warn("rate limit unavailable, letting the request pass",
              {{"bucket", bucket}, {"error", std::string(reply.status().message())}});
    return {};
  }
  const int64_t count = reply->elements[0].integer;
  const int64_t ttl_ms = reply->elements[1].integer;
  if (count <= spec.limit) return {};
  return {false, std::max<int64_t>(1, (ttl_ms + 999) / 1000)};
}

}  // namespace rathaus::gateway
