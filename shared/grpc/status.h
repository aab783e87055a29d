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

namespace rathaus::platform {

// Internal errors are logged and answered without details; UNAVAILABLE and DEADLINE_EXCEEDED
// are logged as warnings and answered with `unavailable_message`.
grpc::Status ToGrpcStatus(grpc::ServerContext* ctx, const absl::Status& status,
                          std::string_view unavailable_message);

// The value of request metadata `key`, "" when absent.
std::string ClientMetadata(grpc::ServerContext* ctx, std::string_view key);

// The request's W3C traceparent when it is well formed (for the events it causes), else "".
std::string Traceparent(grpc::ServerContext* ctx);

}  // namespace rathaus::platform
