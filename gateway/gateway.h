// The gateway's request pipeline, independent of the HTTP library: server.cc parses HTTP with
// Beast and hands each request here; the answer comes back through a callback, possibly on
// another thread (gRPC's or the blocking work queue's).
//
//   Gateway gateway(options, std::move(routes), {{"rathaus.appointments.v1.Appointments",
//                                                 &appointments}}, &pool, &metrics);
//   gateway.Handle(std::move(request), [](HttpResponse r) { /* write it */ });
//
// Per request: request id and trace context -> operational endpoints (/healthz, /readyz,
// /api/openapi.yaml; /metrics only on its own port, main.cc) -> route match (404/405/400 for a bad path id) -> auth (clerk JWT
// or booking token) -> content type and body -> binding to the gRPC request (400) -> rate limit
// (429) -> Idempotency-Key (replay/422/409) -> gRPC call with deadline and metadata
// (x-request-id, traceparent, clerk claims) -> JSON / file / problem+json -> metrics, access log.
#pragma once

#include <atomic>
#include <map>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "gateway/static/static_files.h"
#include "absl/time/time.h"
#include "gateway/client_ip.h"
#include "gateway/idempotency.h"
#include "gateway/jwt.h"
#include "gateway/metrics.h"
#include "gateway/problem.h"
#include "gateway/rate_limit.h"
#include "gateway/routes.h"
#include "gateway/upstream.h"
#include "shared/service/work_queue.h"
#include "shared/redis/redis.h"

namespace rathaus::gateway {

inline constexpr size_t kMaxBodyBytes = 64 * 1024;

struct HttpRequest {
  std::string method;
  std::string target;  // path and query as sent
  absl::flat_hash_map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string client_ip;
  // Admit() already ran the rate limit before the body was read: Handle does not count it again.
  bool admitted = false;

  const std::string* Header(const std::string& lower_name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

using Respond = std::function<void(HttpResponse)>;

class WebSignIn;  // web_session.h

// The gRPC upstream of each fronted service, by the service's full protobuf name.
using Upstreams = std::map<std::string, Upstream*>;

struct GatewayOptions {
  std::optional<JwtVerifier> clerk_verifier;  // unset: clerk routes answer 401
  std::map<std::string, RateSpec> rate_limits;
  bool relax_loopback_rate_limits = false;    // RATHAUS_GATEWAY_PROFILE=bench
  bool trust_forwarded_for = false;           // client IP from X-Forwarded-For's last entry
  // Peers whose X-Forwarded-For is believed (the Ingress controller's addresses,
  // RATHAUS_GATEWAY_TRUSTED_PROXIES); see client_ip.h.
  std::vector<Cidr> trusted_proxies;
  bool rate_limit_fail_closed = false;        // RATHAUS_RATE_LIMIT_ON_ERROR=closed
  // Routes with anonymous_allowed (invoice upload) take requests without a token
  // (RATHAUS_GATEWAY_ANONYMOUS_INVOICE_UPLOAD=on; development only).
  bool anonymous_upload = false;
  std::string redis_prefix = "gw:";
  absl::Duration idempotency_ttl = absl::Hours(24);
  // Keys Idempotency-Key records with what Redis never sees (idempotency.h); the same on every
  // replica. Empty: the records rest on the key and the caller's credential alone.
  std::string idempotency_secret;
  absl::Duration upstream_timeout = absl::Seconds(5);
  int blocking_threads = 4;
  // How long answers of cacheable GET routes may be reused (RATHAUS_GATEWAY_CACHE_TTL); zero
  // turns the micro-cache off. Changes through this gateway clear it at once; changes through
  // another replica (or a reservation's expiry) show after at most this long.
  absl::Duration cache_ttl = absl::Seconds(1);
  // The citizen web pages (RATHAUS_WEB_ROOT), answered for GET/HEAD outside /api/; unset: 404.
  std::shared_ptr<const StaticFiles> web;
  // The pages' sign-in (web_session.h): /auth/* and API requests with its session cookie.
  // Unset: /auth/session says {"available": false}, the other /auth/ routes answer 503.
  std::shared_ptr<WebSignIn> sign_in;
};

class Gateway {
 public:
  // Every route's service must have an upstream (checked: a missing one aborts at start).
  Gateway(GatewayOptions options, RouteTable routes, Upstreams upstreams,
          platform::redis::Pool* redis, Metrics* metrics);
  ~Gateway();

  // Calls `respond` exactly once.
  void Handle(HttpRequest request, Respond respond);

  // Answers a request the HTTP layer refused before it was complete (413, 400), so it is
  // counted and logged like any other.
  void Reject(HttpRequest request, Problem problem, Respond respond);

  // Before a large body is read (invoices, status imports): the checks that need only the
  // header — route, credential, rate limit — so a refused client costs no body. `done` gets
  // nullopt to go on (then Handle with request.admitted = true) or the problem to answer; it
  // may run on another thread.
  void Admit(const HttpRequest& head, std::function<void(std::optional<Problem>)> done);

  // How large the body of this request may be (the HTTP layer asks after the header).
  size_t MaxBodyBytes(std::string_view method, std::string_view target) const {
    return routes_.MaxBodyBytes(method, target);
  }

  size_t LargestBodyBytes() const { return routes_.LargestBodyBytes(); }

  // Requests accepted and not yet answered (for a graceful stop).
  int in_flight() const { return in_flight_.load(); }

 private:
  struct Exchange;

  void Dispatch(std::shared_ptr<Exchange> ex);
  // The client's address for rate limits (client_ip.h).
  std::string ResolveClientIp(const HttpRequest& request) const;
  // 404/405/400 for a request no route takes; nullopt when one does.
  static std::optional<Problem> UnmatchedProblem(const RouteMatch& match);
  // The route's credential check: nullopt when the caller may go on; `token` gets the bearer
  // token that is forwarded.
  std::optional<Problem> Authenticate(const Route& route, const HttpRequest& request,
                                      const std::string& request_id, std::string* token) const;
  // The rate limit's answer as a problem (429 or, failing closed, 503); nullopt: allowed.
  std::optional<Problem> CheckRateLimit(const Route& route, const std::string& client_ip);
  void RunBlockingSteps(std::shared_ptr<Exchange> ex);
  // /auth/* (on the work queue: Redis and the provider block).
  void HandleSignIn(std::shared_ptr<Exchange> ex);
  void CallUpstream(std::shared_ptr<Exchange> ex);
  void OnUpstream(std::shared_ptr<Exchange> ex, UpstreamResult result);
  void Reply(const std::shared_ptr<Exchange>& ex, HttpResponse response);
  void ReplyProblem(const std::shared_ptr<Exchange>& ex, Problem problem);
  void Ready(std::shared_ptr<Exchange> ex);
  // The micro-cache of cacheable GET answers, keyed by request target. A generation counter
  // keeps an answer fetched before a change from being stored after it.
  bool FromCache(const std::shared_ptr<Exchange>& ex);
  void ToCache(const std::shared_ptr<Exchange>& ex, const HttpResponse& response);
  void ClearCache();

  GatewayOptions options_;
  RouteTable routes_;
  Upstreams upstreams_;
  platform::redis::Pool* redis_;
  Metrics* metrics_;
  RateLimiter limiter_;
  IdempotencyStore idempotency_;
  std::atomic<int> in_flight_{0};
  struct CacheEntry {
    HttpResponse response;
    absl::Time expires;
  };
  std::mutex cache_mu_;
  absl::flat_hash_map<std::string, CacheEntry> cache_;  // guarded by cache_mu_
  // Cacheable GETs waiting for the same target's call in flight (one upstream call per target
  // at a time, so a cache refresh does not send every waiting connection upstream).
  absl::flat_hash_map<std::string, std::vector<std::shared_ptr<Exchange>>> pending_;
  uint64_t cache_generation_ = 0;                        // guarded by cache_mu_
  platform::WorkQueue blocking_;  // last: its threads stop before the members they use
};

// X-Request-Id values we pass on: 1..128 of [A-Za-z0-9._:-]; anything else gets a new UUID.
bool IsValidRequestId(std::string_view id);

// A W3C traceparent for the upstream call: the caller's trace id when it sent a valid
// traceparent, else a new one; always a new span id. Returns the header value.
std::string NextTraceparent(const std::string* incoming, std::string* trace_id);

}  // namespace rathaus::gateway
