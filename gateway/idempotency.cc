#include "gateway/idempotency.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "rathaus_gateway_embedded.h"
#include "shared/crypto/crypto.h"
#include "shared/log/log.h"

namespace rathaus::gateway {

namespace crypto = rathaus::platform::crypto;
namespace redis = rathaus::platform::redis;

bool IsValidIdempotencyKey(std::string_view key) {
  if (key.empty() || key.size() > 255) return false;
  for (char c : key) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

std::string RequestFingerprint(std::string_view method, std::string_view path,
                               std::string_view credential, std::string_view body) {
  std::string data;
  for (std::string_view part : {method, path, credential, body}) {
    absl::StrAppend(&data, part.size(), ":");
    data.append(part);
  }
  return crypto::Hex(crypto::Sha256(data));
}

IdempotencyStore::IdempotencyStore(redis::Pool* pool, std::string key_prefix, absl::Duration ttl,
                                   absl::Duration lease)
    : pool_(pool), key_prefix_(std::move(key_prefix)), ttl_(ttl), lease_(lease) {}

std::string IdempotencyStore::RecordKey(std::string_view scope, std::string_view key) const {
  std::string data;
  absl::StrAppend(&data, scope.size(), ":");
  data.append(scope);
  data.append(key);
  return absl::StrCat(key_prefix_, "idem:", crypto::Hex(crypto::Sha256(data)));
}

absl::StatusOr<IdempotencyBegin> IdempotencyStore::Begin(std::string_view scope,
                                                         std::string_view key,
                                                         const std::string& fingerprint) {
  static const redis::Script kScript("gateway_idempotency_begin",
                                     std::string(embedded::kIdempotencyBegin));
  auto reply = pool_->Eval(kScript, {RecordKey(scope, key)},
                           {fingerprint, absl::StrCat(absl::ToInt64Milliseconds(lease_))});
  if (!reply.ok()) return reply.status();
  if (!reply->is_array() || reply->elements.empty()) {
    return absl::InternalError("unexpected reply from the idempotency script");
  }
  const std::string& kind = reply->elements[0].str;
  IdempotencyBegin out;
  if (kind == "new") {
    out.kind = IdempotencyBegin::Kind::kNew;
  } else if (kind == "mismatch") {
    out.kind = IdempotencyBegin::Kind::kMismatch;
  } else if (kind == "in-flight") {
    out.kind = IdempotencyBegin::Kind::kInFlight;
  } else if (kind == "replay" && reply->elements.size() == 4 &&
             absl::SimpleAtoi(reply->elements[1].str, &out.stored.status)) {
    out.kind = IdempotencyBegin::Kind::kReplay;
    out.stored.content_type = reply->elements[2].str;
    out.stored.body = reply->elements[3].str;
  } else {
    return absl::InternalError("unexpected reply from the idempotency script");
  }
  return out;
}

absl::Status IdempotencyStore::Finish(std::string_view scope, std::string_view key,
                                      const StoredResponse& response) {
  const std::string record = RecordKey(scope, key);
  auto replies = pool_->Pipeline(
      {{"HSET", record, "state", "done", "status", absl::StrCat(response.status), "content_type",
        response.content_type, "body", response.body},
       {"PEXPIRE", record, absl::StrCat(absl::ToInt64Milliseconds(ttl_))}});
  if (!replies.ok()) return replies.status();
  for (const auto& r : *replies) {
    if (!r.ok()) return r.status();
  }
  return absl::OkStatus();
}

void IdempotencyStore::Abandon(std::string_view scope, std::string_view key) {
  auto reply = pool_->Command({"DEL", RecordKey(scope, key)});
  if (!reply.ok()) {
    // The claim then ends with its lease.
    platform::log::Warn("idempotency: cannot drop a claim",
                        {{"error", std::string(reply.status().message())}});
  }
}

}  // namespace rathaus::gateway
