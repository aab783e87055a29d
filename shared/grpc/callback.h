// Unary methods on gRPC's callback API whose handlers wait (on Redis): the call is handed to a
// WorkQueue of the service's own, which runs the handler and finishes the call.
//
//   class Service final : public v1::Foo::WithCallbackMethod_Get<v1::Foo::Service> {
//     grpc::ServerUnaryReactor* Get(grpc::CallbackServerContext* ctx, const Req* req,
//                                   Resp* resp) override {
//       return platform::RunOn(calls_, ctx, [this, ctx, req, resp] { return DoGet(ctx, req, resp); });
//     }
//     platform::WorkQueue calls_{4};  // last member: its threads finish before the rest goes
//   };
//
// Why: gRPC 1.51's synchronous server hands every call between its pool's threads several times
// (perf: most of a busy service's CPU in the kernel's scheduler), while a callback method is
// called on the thread that read the request; one hand-over to the queue costs less. Measured:
// id-documents' lookup 8,400-9,300 -> 11,100-11,800 req/s (issue 13). Not everywhere: the same
// change to appointments' booking methods gave 4,120-4,330 bookings/s against 4,090-4,370
// before (same box, runs alternated): a booking's cost lies elsewhere (Redis, the gateway).
// Running the handler on gRPC's own callback thread instead would be faster still but must not be
// done: those few threads (two on a 2-core machine) also answer grpc.health.v1, and a stalled
// Redis would stall the kubelet's liveness probe behind the waiting calls
// (tests/fault/lookup_stall_test.cc).
//
// A server with a callback method is what gRPC calls "hybrid"; GrpcServer keeps a poll thread
// for it (server.h, poll_cq_), without which its synchronous calls wait up to 100 ms at times.
#pragma once

#include <utility>

#include <grpcpp/grpcpp.h>

#include "shared/service/work_queue.h"

namespace rathaus::platform {

// Runs `handler` on `queue` and finishes the call with the status it returns. The context, the
// request and the response stay valid until the call is finished.
template <typename Handler>  // grpc::Status()
grpc::ServerUnaryReactor* RunOn(WorkQueue& queue, grpc::CallbackServerContext* ctx,
                                Handler handler) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  queue.Post([reactor, handler = std::move(handler)] { reactor->Finish(handler()); });
  return reactor;
}

}  // namespace rathaus::platform
