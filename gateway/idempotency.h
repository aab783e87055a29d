// Idempotency-Key for POST routes (draft-ietf-httpapi-idempotency-key-header): a client that
// retries a booking after a lost answer gets the first answer again instead of a second booking.
//
//   IdempotencyStore store(&pool, "gw:", absl::Hours(24), absl::Seconds(30));
//   std::string hash = RequestFingerprint("POST", "/api/v1/bookings", credential, body);
//   auto begin = store.Begin("/api/v1/bookings", key, hash);
//   kNew      -> run the request, then Finish(...) (or Abandon(...) on a 5xx / upstream failure)
//   kReplay   -> send begin->stored
//   kMismatch -> 422 (same key, another request)
//   kInFlight -> 409 (the first request with this key has not answered yet; retry later)
//
// Records live in Redis under gw:idem:<sha256(route + key)> for 24 h. An in-flight claim holds
// only for the lease (longer than the upstream deadline), so a crashed gateway never blocks a
// key for a day. Answers with status >= 500 are not kept: the client may retry them.
// The fingerprint covers method, concrete path, body and the caller's credential, so nobody can
// read another caller's stored answer by reusing their key.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shared/redis/redis.h"

namespace rathaus::gateway {

struct StoredResponse {
  int status = 0;
  std::string content_type;
  std::string body;
};

struct IdempotencyBegin {
  enum class Kind { kNew, kReplay, kMismatch, kInFlight };
  Kind kind = Kind::kNew;
  StoredResponse stored;  // kReplay
};

// Idempotency-Key values: 1..255 visible ASCII characters.
bool IsValidIdempotencyKey(std::string_view key);

// Hex SHA-256 over the parts, length-prefixed so no two requests share a fingerprint by moving
// bytes between parts.
std::string RequestFingerprint(std::string_view method, std::string_view path,
                               std::string_view credential, std::string_view body);

class IdempotencyStore {
 public:
  IdempotencyStore(platform::redis::Pool* pool, std::string key_prefix, absl::Duration ttl,
                   absl::Duration lease);

  // Blocking. UNAVAILABLE when Redis is down (the request is then refused with 503: without the
  // record the gateway cannot promise at-most-once).
  absl::StatusOr<IdempotencyBegin> Begin(std::string_view scope, std::string_view key,
                                         const std::string& fingerprint);
  absl::Status Finish(std::string_view scope, std::string_view key, const StoredResponse& response);
  void Abandon(std::string_view scope, std::string_view key);

  std::string RecordKey(std::string_view scope, std::string_view key) const;

 private:
  platform::redis::Pool* pool_;
  std::string key_prefix_;
  absl::Duration ttl_;
  absl::Duration lease_;
};

}  // namespace rathaus::gateway
