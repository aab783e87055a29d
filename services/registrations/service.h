// The Registrations gRPC service: checks every input against the BMG rules (domain/rules.h) and
// who calls (the citizen who submitted a case, registration clerks of its office, anyone for the
// certificate check), then asks the store. Errors become grpc::Status in one place with the
// problem names the gateway maps to HTTP.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "absl/time/time.h"
#include "domain/certificate.h"
#include "rathaus/registrations/v1/registrations.grpc.pb.h"
#include "shared/auth/caller.h"
#include "store.h"

namespace rathaus::registrations {

namespace v1 = ::rathaus::registrations::v1;

struct ServiceOptions {
  std::set<std::string> offices;            // RATHAUS_REGISTRATIONS_OFFICES
  std::string authority = "Landeshauptstadt Kiel";  // RATHAUS_REGISTRATIONS_AUTHORITY
  std::string municipality_key = "01002000";  // RATHAUS_REGISTRATIONS_MUNICIPALITY_KEY (Kiel)
  std::string public_url = "http://127.0.0.1:8080";  // RATHAUS_PUBLIC_URL: links in answers/PDFs
  std::string booking_service = "wohnsitz-anmelden";  // RATHAUS_REGISTRATIONS_BOOKING_SERVICE
  absl::Duration retention = absl::Hours(24 * 180);   // RATHAUS_REGISTRATIONS_RETENTION
  // RATHAUS_REGISTRATIONS_EMAIL_RETENTION: the citizen's e-mail address is deleted this long
  // after the case ended (longer than the notifications service tries a message, 48 h).
  absl::Duration email_retention = absl::Hours(72);
  bool four_eyes_abroad = false;
  // RATHAUS_REGISTRATIONS_CITIZEN_ACR: the sign-in levels (OpenID Connect acr) a citizen's token
  // must carry, e.g. the eID's level "hoch"; empty: any.
  std::set<std::string> citizen_acr;  // RATHAUS_REGISTRATIONS_FOUR_EYES_ABROAD: two clerks accept
  const CertificateFont* font = nullptr;    // required
  absl::TimeZone time_zone;                 // Europe/Berlin
  std::function<absl::Time()> now = [] { return absl::Now(); };
};

// The scope an integrator's token needs for the Rückmeldung export.
inline constexpr std::string_view kExportScope = "registrations:export";

class RegistrationsService final : public v1::Registrations::Service {
 public:
  RegistrationsService(Store& store, const platform::auth::CallerAuth& callers,
                       ServiceOptions options);

  grpc::Status SubmitRegistration(grpc::ServerContext* ctx,
                                  const v1::SubmitRegistrationRequest* req,
                                  v1::Registration* resp) override;
  grpc::Status GetRegistration(grpc::ServerContext* ctx, const v1::GetRegistrationRequest* req,
                               v1::Registration* resp) override;
  grpc::Status AnswerRegistration(grpc::ServerContext* ctx,
                                  const v1::AnswerRegistrationRequest* req,
                                  v1::Registration* resp) override;
  grpc::Status ConfirmCode(grpc::ServerContext* ctx, const v1::ConfirmCodeRequest* req,
                           v1::Registration* resp) override;
  grpc::Status GetCertificate(grpc::ServerContext* ctx, const v1::GetCertificateRequest* req,
                              rathaus::common::v1::File* resp) override;
  grpc::Status GetCertificateForClerk(grpc::ServerContext* ctx,
                                      const v1::GetCertificateRequest* req,
                                      rathaus::common::v1::File* resp) override;
  grpc::Status VerifyCertificate(grpc::ServerContext* ctx,
                                 const v1::VerifyCertificateRequest* req,
                                 v1::VerifyCertificateResponse* resp) override;
  grpc::Status ListExports(grpc::ServerContext* ctx, const v1::ListExportsRequest* req,
                           v1::ListExportsResponse* resp) override;
  grpc::Status ListMyRegistrations(grpc::ServerContext* ctx,
                                   const v1::ListMyRegistrationsRequest* req,
                                   v1::ListMyRegistrationsResponse* resp) override;
  grpc::Status ListOfficeRegistrations(grpc::ServerContext* ctx,
                                       const v1::ListOfficeRegistrationsRequest* req,
                                       v1::ListOfficeRegistrationsResponse* resp) override;
  grpc::Status ClaimRegistration(grpc::ServerContext* ctx, const v1::ClerkActionRequest* req,
                                 v1::Registration* resp) override;
  grpc::Status AcceptRegistration(grpc::ServerContext* ctx, const v1::ClerkActionRequest* req,
                                  v1::Registration* resp) override;
  grpc::Status RequestInformation(grpc::ServerContext* ctx, const v1::ClerkActionRequest* req,
                                  v1::Registration* resp) override;
  grpc::Status SendCodeLetter(grpc::ServerContext* ctx, const v1::ClerkActionRequest* req,
                              v1::Registration* resp) override;
  grpc::Status RejectRegistration(grpc::ServerContext* ctx, const v1::ClerkActionRequest* req,
                                  v1::Registration* resp) override;
  grpc::Status GetRegistrationNotice(grpc::ServerContext* ctx,
                                     const v1::GetRegistrationNoticeRequest* req,
                                     v1::RegistrationNotice* resp) override;

 private:
  enum class Viewer { kCitizen, kClerk };
  // The citizen calling, signed in at one of citizen_acr's levels.
  absl::StatusOr<platform::auth::Caller> Citizen(grpc::ServerContext* ctx) const;
  // The citizen's case: NOT_FOUND for an unknown id and for another citizen's case alike.
  absl::StatusOr<CaseRecord> OwnCase(grpc::ServerContext* ctx, const std::string& id,
                                     std::string* owner) const;
  // The registration clerk and the case, which must belong to one of the clerk's offices
  // (another office's case answers NOT_FOUND like an unknown id).
  absl::StatusOr<CaseRecord> ClerkCase(grpc::ServerContext* ctx, const std::string& id,
                                       platform::auth::Caller* clerk) const;
  // A clerk step through the store with the request's Idempotency-Key.
  grpc::Status ClerkStep(grpc::ServerContext* ctx, const std::string& name,
                         const v1::ClerkActionRequest* req, const platform::auth::Caller& clerk,
                         Change change, v1::Registration* resp);
  absl::StatusOr<Change> AcceptChange(const CaseRecord& c, const std::string& traceparent) const;
  void ToProto(const CaseRecord& r, Viewer viewer, v1::Registration* out) const;
  std::string Format(absl::Time t) const;
  std::string BookingLink(const std::string& office, const std::string& counter_code) const;

  Store& store_;
  const platform::auth::CallerAuth& callers_;
  ServiceOptions options_;
};

grpc::Status ToGrpcStatus(grpc::ServerContext* ctx, const absl::Status& status);

}  // namespace rathaus::registrations
