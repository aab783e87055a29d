#include "shared/grpc/status.h"

#include "shared/log/log.h"
#include "shared/status/problem.h"

namespace rathaus::platform {

grpc::Status ToGrpcStatus(grpc::ServerContextBase* ctx, const absl::Status& status,
                          std::string_view unavailable_message) {
  if (status.ok()) return grpc::Status::OK;
  if (std::string field = FieldOf(status); !field.empty()) {
    ctx->AddTrailingMetadata("rathaus-field", field);
  }
  if (std::string problem = ProblemOf(status); !problem.empty()) {
    ctx->AddTrailingMetadata("rathaus-problem", problem);
  }
  const auto code = static_cast<grpc::StatusCode>(static_cast<int>(status.code()));
  switch (status.code()) {
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kDataLoss:
      log::Error("request failed", {{"error", status.ToString()}});
      return grpc::Status(grpc::StatusCode::INTERNAL, "internal error");
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      log::Warn("storage unavailable", {{"error", status.ToString()}});
      return grpc::Status(code, std::string(unavailable_message));
    default:
      return grpc::Status(code, std::string(status.message()));
  }
}

std::string ClientMetadata(grpc::ServerContext* ctx, std::string_view key) {
  const auto& md = ctx->client_metadata();
  auto it = md.find(grpc::string_ref(key.data(), key.size()));
  return it == md.end() ? std::string() : std::string(it->second.data(), it->second.size());
}

std::string Traceparent(grpc::ServerContext* ctx) {
  std::string tp = ClientMetadata(ctx, "traceparent");
  // Only a well-formed W3C value goes into an event: 00-<32 hex>-<16 hex>-<2 hex>.
  if (tp.size() != 55 || tp[2] != '-' || tp[35] != '-' || tp[52] != '-') return {};
  return tp;
}

absl::StatusOr<std::string> IdempotencyKey(grpc::ServerContext* ctx) {
  std::string key = ClientMetadata(ctx, "idempotency-key");
  if (key.size() > 255) {
    return InvalidField("idempotency-key", "must be 1 to 255 visible ASCII characters");
  }
  for (char c : key) {
    if (c < 0x21 || c > 0x7e) {
      return InvalidField("idempotency-key", "must be 1 to 255 visible ASCII characters");
    }
  }
  return key;
}

}  // namespace rathaus::platform
