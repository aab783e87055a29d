// What every service's gRPC handlers share: the one conversion of absl::Status into
// grpc::Status (with the payloads of shared/status/problem.h as trailing metadata rathaus-field
// and rathaus-problem for the gateway), and reading the gateway's request metadata.
//
//   grpc::Status Get(ServerContext* ctx, const Req* req, Resp* resp) {
//     absl::Status s = DoGet(*req, resp, platform::ClientMetadata(ctx, "rathaus-clerk-subject"));
//     return platform::ToGrpcStatus(ctx, s, "the invoice store is unavailable");
//   }
#pragma once

#include <string>
#include <string_view>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace rathaus::platform {

// Internal errors are logged and answered without details; UNAVAILABLE and DEADLINE_EXCEEDED
// are logged as warnings and answered with `unavailable_message`.
grpc::Status ToGrpcStatus(grpc::ServerContextBase* ctx, const absl::Status& status,
                          std::string_view unavailable_message);

// The value of request metadata `key`, "" when absent.
std::string ClientMetadata(grpc::ServerContext* ctx, std::string_view key);

// The request's W3C traceparent when it is well formed (for the events it causes), else "".
std::string Traceparent(grpc::ServerContext* ctx);

// The caller's Idempotency-Key for a command (metadata "idempotency-key"; the gateway sends a
// value derived from the HTTP header, the route and the caller's credential): "" when absent,
// INVALID_ARGUMENT when it is not 1 to 255 visible ASCII characters. A service scopes it by the
// method and by who may repeat the command before it looks the key up.
absl::StatusOr<std::string> IdempotencyKey(grpc::ServerContext* ctx);

}  // namespace rathaus::platform
