// Idempotency-Key for POST routes (draft-ietf-httpapi-idempotency-key-header): a client that
// retries a booking after a lost answer gets the first answer again instead of a second booking.
//
//   IdempotencyStore store(&pool, "gw:", absl::Hours(24), absl::Seconds(30), server_secret);
//   IdempotencyRecord record = store.Locate("/api/v1/bookings", credential, key);
//   std::string hash = RequestFingerprint("POST", "/api/v1/bookings", credential, body);
//   auto begin = store.Begin(record, hash);
//   kNew      -> run the request, then Finish(record, ...) (or Abandon(record) on a 5xx or an
//                upstream failure)
//   kReplay   -> send begin->stored
//   kMismatch -> 422 (same key, another request)
//   kInFlight -> 409 (the first request with this key has not answered yet; retry later)
//
// A record belongs to one route, one credential (the caller's X-Booking-Token and Authorization
// headers; empty on anonymous routes) and one key: the same key under another credential is
// another record, and nobody reads another caller's answer by reusing their key. Stored answers
// hold booking tokens, names and e-mail addresses, so Redis holds nothing readable without the
// key and the credential of the request (and the server secret, when one is set):
//
//   root         HMAC-SHA256(server secret or "", route | credential | key, length-prefixed)
//   Redis key    gw:idem:<hex HMAC-SHA256(root, "record-name")>
//   hash         hex HMAC-SHA256(HMAC-SHA256(root, "request-fingerprint"), fingerprint)
//   answer       AES-256-GCM under HMAC-SHA256(root, "answer-key") of status, content type and
//                body, bound to the Redis key
//   upstream key hex HMAC-SHA256(root, "upstream-key"): what the service sees of the key
//
// The Redis key and the answer's key are two outputs of one PRF, so the name does not give away
// the key. The server secret (RATHAUS_GATEWAY_IDEMPOTENCY_SECRET_FILE) is what Redis never sees:
// with it, a guessable Idempotency-Key on an anonymous route is no way in; every gateway replica
// needs the same one.
//
// Records live in Redis for 24 h. An in-flight claim holds only for the lease (longer than the
// upstream deadline), so a crashed gateway never blocks a key for a day. Answers with status
// >= 500 are not kept: the client may retry them, and as the service remembers the upstream key
// with its change, a retry after a 504 whose command did go through gets that command's result. The fingerprint covers method, concrete path,
// body and the caller's credential.
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

// Where one request's record lives and the keys of its contents (see the top of the file).
struct IdempotencyRecord {
  std::string redis_key;
  std::string fingerprint_key;  // HMAC-SHA256 key of the stored request fingerprint
  std::string answer_key;       // AES-256-GCM key of the stored answer
  // Sent to the service as gRPC metadata "idempotency-key": the service records it with the
  // change it makes (same Lua script), so a retry after an answer that never came (504, a
  // gateway that died) is answered by the service with the first result, not run twice.
  std::string upstream_key;
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
  // `server_secret` may be empty (then the records rest on the key and the credential alone).
  IdempotencyStore(platform::redis::Pool* pool, std::string key_prefix, absl::Duration ttl,
                   absl::Duration lease, std::string server_secret = "");

  // No I/O: derives the record of this route, credential and Idempotency-Key.
  IdempotencyRecord Locate(std::string_view scope, std::string_view credential,
                           std::string_view key) const;

  // Blocking. UNAVAILABLE when Redis is down (the request is then refused with 503: without the
  // record the gateway cannot promise at-most-once); DATA_LOSS when a stored answer does not
  // open (altered in Redis).
  absl::StatusOr<IdempotencyBegin> Begin(const IdempotencyRecord& record,
                                         const std::string& fingerprint);
  absl::Status Finish(const IdempotencyRecord& record, const StoredResponse& response);
  void Abandon(const IdempotencyRecord& record);

 private:
  platform::redis::Pool* pool_;
  std::string key_prefix_;
  absl::Duration ttl_;
  absl::Duration lease_;
  std::string server_secret_;
};

}  // namespace rathaus::gateway
