#include "gateway/upstream.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/security/credentials.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "shared/grpc/client.h"

namespace rathaus::gateway {
namespace {

const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::OK: return "OK";
    case grpc::CANCELLED: return "CANCELLED";
    case grpc::UNKNOWN: return "UNKNOWN";
    case grpc::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case grpc::DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case grpc::NOT_FOUND: return "NOT_FOUND";
    case grpc::ALREADY_EXISTS: return "ALREADY_EXISTS";
    case grpc::PERMISSION_DENIED: return "PERMISSION_DENIED";
    case grpc::RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case grpc::FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case grpc::ABORTED: return "ABORTED";
    case grpc::OUT_OF_RANGE: return "OUT_OF_RANGE";
    case grpc::UNIMPLEMENTED: return "UNIMPLEMENTED";
    case grpc::INTERNAL: return "INTERNAL";
    case grpc::UNAVAILABLE: return "UNAVAILABLE";
    case grpc::DATA_LOSS: return "DATA_LOSS";
    case grpc::UNAUTHENTICATED: return "UNAUTHENTICATED";
    default: return "UNKNOWN";
  }
}

grpc::ByteBuffer ToBuffer(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

// Takes the bytes over without copying them (a request carries up to 20 MiB): the slice owns the
// string and frees it when gRPC is done with it.
grpc::ByteBuffer ToBuffer(std::string&& bytes) {
  if (bytes.size() < 4096) return ToBuffer(static_cast<const std::string&>(bytes));
  auto* owned = new std::string(std::move(bytes));
  grpc::Slice slice(owned->data(), owned->size(),
                    [](void* p) { delete static_cast<std::string*>(p); }, owned);
  return grpc::ByteBuffer(&slice, 1);
}

std::string FromBuffer(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const auto& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

std::string TrailerValue(const grpc::ClientContext& ctx, const char* key) {
  const auto& trailers = ctx.GetServerTrailingMetadata();
  auto it = trailers.find(key);
  return it == trailers.end() ? std::string() : std::string(it->second.data(), it->second.size());
}

struct InFlight {
  grpc::ClientContext context;
  grpc::ByteBuffer request;
  grpc::ByteBuffer response;
  std::function<void(UpstreamResult)> done;
};

}  // namespace

namespace {
std::shared_ptr<grpc::ChannelCredentials> Credentials(const std::optional<Upstream::Tls>& tls) {
  if (!tls) return platform::ClientCredentials(std::nullopt);
  return platform::ClientCredentials(platform::ClientTls{
      .ca_pem = tls->ca_pem, .cert_pem = tls->cert_pem, .key_pem = tls->key_pem,
      .ca_file = tls->ca_file, .cert_file = tls->cert_file, .key_file = tls->key_file,
      .reload_interval = tls->reload_interval});
}

// Invoices travel up to 20 MiB (plus framing); answers such as an invoice's original as well.
grpc::ChannelArguments ChannelArgs() {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(Upstream::kMaxMessageBytes);
  args.SetMaxSendMessageSize(Upstream::kMaxMessageBytes);
  // Calls, not connections, spread over the replicas: with "dns:///<headless Service>" every
  // pod is an address, each with its own connection. (Behind one ClusterIP address the single
  // HTTP/2 connection pins every call to one pod.)
  args.SetLoadBalancingPolicyName("round_robin");
  return args;
}
}  // namespace

Upstream::Upstream(const std::string& address, absl::Duration timeout,
                   const std::optional<Tls>& tls)
    : channel_(grpc::CreateCustomChannel(address, Credentials(tls), ChannelArgs())),
      stub_(std::make_unique<grpc::GenericStub>(channel_)),
      timeout_(timeout) {}

Upstream::~Upstream() = default;

void Upstream::Call(UpstreamCall call, std::function<void(UpstreamResult)> done) {
  auto* state = new InFlight;
  state->done = std::move(done);
  state->request = ToBuffer(std::move(call.request));
  state->context.set_deadline(absl::ToChronoTime(absl::Now() + timeout_));
  for (auto& [k, v] : call.metadata) state->context.AddMetadata(k, v);
  stub_->UnaryCall(&state->context, call.method, grpc::StubOptions(), &state->request,
                   &state->response, [state](grpc::Status status) {
                     std::unique_ptr<InFlight> owned(state);
                     UpstreamResult r;
                     r.code = status.error_code();
                     r.code_name = CodeName(status.error_code());
                     r.message = status.error_message();
                     if (status.ok()) {
                       r.response = FromBuffer(state->response);
                     } else {
                       r.problem = TrailerValue(state->context, "rathaus-problem");
                       r.field = TrailerValue(state->context, "rathaus-field");
                       r.retry_after = TrailerValue(state->context, "retry-after");
                     }
                     owned->done(std::move(r));
                   });
}

absl::Status Upstream::CheckHealth(absl::Duration timeout) {
  // HealthCheckRequest{service: ""} serializes to no bytes; SERVING is field 1 = 1.
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  grpc::ByteBuffer request = ToBuffer(""), response;
  std::mutex mu;
  std::condition_variable cv;
  bool finished = false;
  grpc::Status result;
  stub_->UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request,
                   &response, [&](grpc::Status status) {
                     std::lock_guard lock(mu);
                     result = std::move(status);
                     finished = true;
                     cv.notify_one();
                   });
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return finished; });
  if (!result.ok()) {
    return absl::UnavailableError(absl::StrCat("health check: ", CodeName(result.error_code())));
  }
  if (FromBuffer(response) != std::string("\x08\x01", 2)) {
    return absl::UnavailableError("health check: not serving");
  }
  return absl::OkStatus();
}

}  // namespace rathaus::gateway
