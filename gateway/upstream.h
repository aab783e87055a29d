// The gateway's gRPC client: calls any method of a service by name with serialized bytes
// (grpc::GenericStub, callback API), so one client serves every route of the table.
//
//   Upstream appointments("127.0.0.1:50051", absl::Seconds(5));
//   appointments.Call({.method = "/rathaus.appointments.v1.Appointments/GetBooking",
//                      .request = bytes, .metadata = {{"x-request-id", id}}},
//                     [](UpstreamResult r) { ... });   // on a gRPC thread
//
// Each call gets a deadline (RATHAUS_GATEWAY_UPSTREAM_TIMEOUT). The result carries the
// service's trailing metadata rathaus-problem / rathaus-field / retry-after for problem.h.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace grpc {
class Channel;
template <class R, class W>
class TemplatedGenericStub;
class ByteBuffer;
}  // namespace grpc

namespace rathaus::gateway {

struct UpstreamCall {
  std::string method;   // "/package.Service/Method"
  std::string request;  // serialized request message
  std::vector<std::pair<std::string, std::string>> metadata;
};

struct UpstreamResult {
  int code = 0;          // grpc::StatusCode
  std::string code_name; // "OK", "NOT_FOUND", ... for logs and metrics
  std::string message;   // the service's status message (never shown for 5xx)
  std::string response;  // serialized response message when code == OK
  std::string problem;   // trailing metadata rathaus-problem
  std::string field;     // trailing metadata rathaus-field
  std::string retry_after;  // trailing metadata retry-after (seconds)
};

class Upstream {
 public:
  static constexpr int kMaxMessageBytes = 24 << 20;

  // Plaintext, or TLS when `tls` is set: the services' CA (and, for mTLS, the gateway's client
  // certificate and key), all PEM.
  struct Tls {
    std::string ca_pem;
    std::string cert_pem;
    std::string key_pem;
    // Where they came from: when set, renewed files are taken without a restart (checked every
    // reload_interval), like the services' own certificates.
    std::string ca_file;
    std::string cert_file;
    std::string key_file;
    absl::Duration reload_interval = absl::Seconds(30);
  };
  Upstream(const std::string& address, absl::Duration timeout,
           const std::optional<Tls>& tls = std::nullopt);
  ~Upstream();
  Upstream(const Upstream&) = delete;
  Upstream& operator=(const Upstream&) = delete;

  // `done` runs exactly once, on a gRPC thread.
  void Call(UpstreamCall call, std::function<void(UpstreamResult)> done);

  // grpc.health.v1.Health/Check for the whole server (""), blocking up to `timeout`.
  absl::Status CheckHealth(absl::Duration timeout);

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::TemplatedGenericStub<grpc::ByteBuffer, grpc::ByteBuffer>> stub_;
  absl::Duration timeout_;
};

}  // namespace rathaus::gateway
