// The IdDocuments gRPC service: checks every input and who calls (clerks of the office, the
// Fachverfahren as integrator, anyone for the lookup), then asks the store. Errors become
// grpc::Status in one place (ToGrpcStatus) with the problem names the gateway maps to HTTP.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "domain/document.h"
#include "rathaus/id_documents/v1/id_documents.grpc.pb.h"
#include "shared/auth/caller.h"
#include "shared/grpc/callback.h"
#include "store.h"

namespace rathaus::id_documents {

namespace v1 = ::rathaus::id_documents::v1;

struct ServiceOptions {
  std::set<std::string> offices;  // RATHAUS_ID_DOCUMENTS_OFFICES
  std::vector<Estimate> estimates;  // RATHAUS_ID_DOCUMENTS_ESTIMATES
  absl::TimeZone time_zone;         // Europe/Berlin: dates and the answers' UTC offsets
  std::function<absl::Time()> now = [] { return absl::Now(); };
  // The threads that run the citizens' lookups (RATHAUS_ID_DOCUMENTS_LOOKUP_THREADS).
  int lookup_threads = 4;
};

// The scope an integrator's token needs for the status import.
inline constexpr std::string_view kStatusScope = "id-documents:status";

// LookupStatus, the citizens' hot path, runs on gRPC's callback API and on threads of the
// service's own (ServiceOptions::lookup_threads; shared/grpc/callback.h says why). The other
// methods stay synchronous.
class IdDocumentsService final
    : public v1::IdDocuments::WithCallbackMethod_LookupStatus<v1::IdDocuments::Service> {
 public:
  IdDocumentsService(Store& store, const platform::auth::CallerAuth& callers,
                     ServiceOptions options);

  grpc::Status RegisterApplication(grpc::ServerContext* ctx,
                                   const v1::RegisterApplicationRequest* req,
                                   v1::Application* resp) override;
  grpc::Status ImportStatusUpdates(grpc::ServerContext* ctx,
                                   const v1::ImportStatusUpdatesRequest* req,
                                   v1::ImportStatusUpdatesResponse* resp) override;
  grpc::Status StreamStatusUpdates(grpc::ServerContext* ctx,
                                   grpc::ServerReader<v1::StatusUpdate>* reader,
                                   v1::ImportStatusUpdatesResponse* resp) override;
  grpc::ServerUnaryReactor* LookupStatus(grpc::CallbackServerContext* ctx,
                                         const v1::LookupStatusRequest* req,
                                         v1::LookupStatusResponse* resp) override;
  grpc::Status ListOfficeApplications(grpc::ServerContext* ctx,
                                      const v1::ListOfficeApplicationsRequest* req,
                                      v1::ListOfficeApplicationsResponse* resp) override;
  grpc::Status HandOver(grpc::ServerContext* ctx, const v1::HandOverRequest* req,
                        v1::Application* resp) override;
  grpc::Status GetApplicationNotice(grpc::ServerContext* ctx,
                                    const v1::GetApplicationNoticeRequest* req,
                                    v1::ApplicationNotice* resp) override;
  grpc::Status ListAddressStickers(grpc::ServerContext* ctx,
                                   const v1::ListOfficeApplicationsRequest* req,
                                   v1::ListOfficeApplicationsResponse* resp) override;
  grpc::Status ConfirmAddressSticker(grpc::ServerContext* ctx,
                                     const v1::ConfirmAddressStickerRequest* req,
                                     v1::Application* resp) override;

 private:
  grpc::Status Lookup(grpc::ServerContextBase* ctx, const v1::LookupStatusRequest* req,
                      v1::LookupStatusResponse* resp);
  absl::Status Integrator(grpc::ServerContext* ctx) const;
  // The clerk, who must serve `office`.
  absl::StatusOr<platform::auth::Caller> ClerkOf(grpc::ServerContext* ctx,
                                                 const std::string& office) const;
  // Parses one import line ({"serial","status","at"}); its reason when it cannot be used.
  absl::StatusOr<ImportLine> ParseLine(const v1::StatusUpdate& update, int line) const;
  void ToProto(const ApplicationRecord& r, v1::Application* out) const;
  std::string Format(absl::Time t) const;

  Store& store_;
  const platform::auth::CallerAuth& callers_;
  ServiceOptions options_;
  platform::WorkQueue lookups_;  // last: its threads finish their calls before the rest goes
};

grpc::Status ToGrpcStatus(grpc::ServerContextBase* ctx, const absl::Status& status);

}  // namespace rathaus::id_documents
