// The notifications service's gRPC API: the opt-out of a booking's reminders (the one public
// route, rathaus/notifications/v1/notifications.proto). The signed link is the credential: it
// names one booking and does nothing but stop that booking's reminders.
#pragma once

#include <functional>
#include <string>

#include "absl/time/time.h"
#include "rathaus/notifications/v1/notifications.grpc.pb.h"
#include "store.h"

namespace rathaus::notifications {

class NotificationsService final : public v1::Notifications::Service {
 public:
  NotificationsService(Store& store, std::string link_key,
                       std::function<absl::Time()> now = [] { return absl::Now(); })
      : store_(store), link_key_(std::move(link_key)), now_(std::move(now)) {}

  grpc::Status OptOut(grpc::ServerContext* ctx, const v1::OptOutRequest* req,
                      google::protobuf::Empty* resp) override;

 private:
  Store& store_;
  std::string link_key_;
  std::function<absl::Time()> now_;
};

}  // namespace rathaus::notifications
