#include "service.h"

#include "domain/links.h"
#include "shared/grpc/status.h"
#include "shared/log/log.h"
#include "shared/status/problem.h"

namespace rathaus::notifications {

grpc::Status NotificationsService::OptOut(grpc::ServerContext* ctx, const v1::OptOutRequest* req,
                                          google::protobuf::Empty*) {
  auto code = VerifyOptOutLink(link_key_, req->link(), absl::ToUnixSeconds(now_()));
  if (!code.ok()) return platform::ToGrpcStatus(ctx, code.status(), "");
  if (!IsOneClickForm(req->content_type(), req->form())) {
    return platform::ToGrpcStatus(
        ctx,
        platform::InvalidField("form", "the body must be the form List-Unsubscribe=One-Click (RFC 8058)"),
        "");
  }
  // Remembered as long as any reminder of the booking could still come: until its start, which
  // the link's expiry is, plus a margin for a reschedule.
  if (absl::Status s = store_.OptOut(*code, absl::Hours(24 * 90)); !s.ok()) {
    return platform::ToGrpcStatus(ctx, s, "the opt-out could not be recorded");
  }
  platform::log::Info("reminders opted out", {{"code", *code}});
  return grpc::Status::OK;
}

}  // namespace rathaus::notifications
