#include "gateway/idempotency.h"

#include <initializer_list>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "rathaus_gateway_embedded.h"
#include "shared/crypto/crypto.h"
#include "shared/log/log.h"

namespace rathaus::gateway {

namespace crypto = rathaus::platform::crypto;
namespace redis = rathaus::platform::redis;

namespace {

// Labels that make the outputs of one root independent of each other.
constexpr std::string_view kRecordNameLabel = "record-name";
constexpr std::string_view kFingerprintLabel = "request-fingerprint";
constexpr std::string_view kAnswerLabel = "answer-key";
constexpr std::string_view kUpstreamLabel = "upstream-key";

// The stored answer before sealing: "<status>:<content type length>:<content type><body>".
std::string EncodeAnswer(const StoredResponse& response) {
  return absl::StrCat(response.status, ":", response.content_type.size(), ":",
                      response.content_type, response.body);
}

absl::StatusOr<StoredResponse> DecodeAnswer(absl::string_view text) {
  StoredResponse out;
  const size_t status_end = text.find(':');
  const size_t length_end =
      status_end == absl::string_view::npos ? status_end : text.find(':', status_end + 1);
  size_t length = 0;
  if (length_end == absl::string_view::npos ||
      !absl::SimpleAtoi(text.substr(0, status_end), &out.status) ||
      !absl::SimpleAtoi(text.substr(status_end + 1, length_end - status_end - 1), &length) ||
      length > text.size() - length_end - 1) {
    return absl::DataLossError("stored idempotent answer is malformed");
  }
  out.content_type = std::string(text.substr(length_end + 1, length));
  out.body = std::string(text.substr(length_end + 1 + length));
  return out;
}

}  // namespace

bool IsValidIdempotencyKey(std::string_view key) {
  if (key.empty() || key.size() > 255) return false;
  for (char c : key) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

std::string RequestFingerprint(std::string_view method, std::string_view path,
                               std::string_view credential, std::string_view body) {
  return crypto::Hex(crypto::Sha256(crypto::LengthPrefixed({method, path, credential, body})));
}

IdempotencyStore::IdempotencyStore(redis::Pool* pool, std::string key_prefix, absl::Duration ttl,
                                   absl::Duration lease, std::string server_secret)
    : pool_(pool),
      key_prefix_(std::move(key_prefix)),
      ttl_(ttl),
      lease_(lease),
      server_secret_(std::move(server_secret)) {}

// Records of the earlier format (the answer in clear under gw:idem:<sha256(route + key)>) live
// under names this derivation never produces, so they count as absent: a retry across the
// upgrade runs again, and those records expire within their 24 hours.
IdempotencyRecord IdempotencyStore::Locate(std::string_view scope, std::string_view credential,
                                           std::string_view key) const {
  const std::string root =
      crypto::HmacSha256(server_secret_, crypto::LengthPrefixed({scope, credential, key}));
  IdempotencyRecord record;
  record.redis_key = absl::StrCat(key_prefix_, "idem:",
                                  crypto::Hex(crypto::HmacSha256(root, kRecordNameLabel)));
  record.fingerprint_key = crypto::HmacSha256(root, kFingerprintLabel);
  record.answer_key = crypto::HmacSha256(root, kAnswerLabel);
  record.upstream_key = crypto::Hex(crypto::HmacSha256(root, kUpstreamLabel));
  return record;
}

absl::StatusOr<IdempotencyBegin> IdempotencyStore::Begin(const IdempotencyRecord& record,
                                                         const std::string& fingerprint) {
  static const redis::Script kScript("gateway_idempotency_begin",
                                     std::string(embedded::kIdempotencyBegin));
  // Stored keyed, as the fingerprint of a request to an anonymous route is a plain hash of its
  // body and could be tested against guesses of a name and an address.
  const std::string hash = crypto::Hex(crypto::HmacSha256(record.fingerprint_key, fingerprint));
  auto reply = pool_->Eval(kScript, {record.redis_key},
                           {hash, absl::StrCat(absl::ToInt64Milliseconds(lease_))});
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
  } else if (kind == "replay" && reply->elements.size() == 2) {
    auto answer = crypto::Open(record.answer_key, reply->elements[1].str, record.redis_key);
    if (!answer.ok()) return absl::DataLossError("stored idempotent answer does not open");
    auto stored = DecodeAnswer(*answer);
    if (!stored.ok()) return stored.status();
    out.kind = IdempotencyBegin::Kind::kReplay;
    out.stored = std::move(*stored);
  } else {
    return absl::InternalError("unexpected reply from the idempotency script");
  }
  return out;
}

absl::Status IdempotencyStore::Finish(const IdempotencyRecord& record,
                                      const StoredResponse& response) {
  auto sealed = crypto::Seal(record.answer_key, EncodeAnswer(response), record.redis_key);
  if (!sealed.ok()) return sealed.status();
  auto replies = pool_->Pipeline(
      {{"HSET", record.redis_key, "state", "done", "answer", *sealed},
       {"PEXPIRE", record.redis_key, absl::StrCat(absl::ToInt64Milliseconds(ttl_))}});
  if (!replies.ok()) return replies.status();
  for (const auto& r : *replies) {
    if (!r.ok()) return r.status();
  }
  return absl::OkStatus();
}

void IdempotencyStore::Abandon(const IdempotencyRecord& record) {
  auto reply = pool_->Command({"DEL", record.redis_key});
  if (!reply.ok()) {
    // The claim then ends with its lease.
    platform::log::Warn("idempotency: cannot drop a claim",
                        {{"error", std::string(reply.status().message())}});
  }
}

}  // namespace rathaus::gateway
