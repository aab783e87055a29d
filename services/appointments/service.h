// The gRPC API of proto/rathaus/appointments/v1/appointments.proto: every handler checks its
// input, asks the domain (catalog, slots, visit, contact, secrets) and then the store. Errors
// become grpc::Status in one place (ToGrpcStatus), with trailing metadata rathaus-field for
// the offending request field and rathaus-problem for the gateway's problem type.
//
//   AppointmentsService service(catalog, store, token_key);
//   platform::GrpcServer server("appointments", options);
//   server.AddService(&service);
//
// Clerk methods verify the caller themselves (shared/auth/caller.h): a clerk JWT with role
// "clerk", forwarded by the gateway as `authorization: Bearer ...`; its `offices` claim limits
// the offices the clerk sees ("*" for all). Metadata alone proves nothing.
#pragma once

#include <functional>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "rathaus/appointments/v1/appointments.grpc.pb.h"
#include "services/appointments/domain/catalog.h"
#include "services/appointments/store.h"
#include "shared/auth/caller.h"

namespace rathaus::appointments {

class AppointmentsService final : public v1::Appointments::Service {
 public:
  // `token_key` derives the booking tokens (>= 32 bytes); `now` is the clock (tests).
  AppointmentsService(const Catalog& catalog, Store& store, std::string token_key,
                      const platform::auth::CallerAuth& callers,
                      std::function<absl::Time()> now = absl::Now);

  grpc::Status ListOffices(grpc::ServerContext* ctx, const v1::ListOfficesRequest* req,
                           v1::ListOfficesResponse* resp) override;
  grpc::Status ListServices(grpc::ServerContext* ctx, const v1::ListServicesRequest* req,
                            v1::ListServicesResponse* resp) override;
  grpc::Status GetAvailability(grpc::ServerContext* ctx, const v1::GetAvailabilityRequest* req,
                               v1::GetAvailabilityResponse* resp) override;
  grpc::Status Reserve(grpc::ServerContext* ctx, const v1::ReserveRequest* req,
                       v1::Reservation* resp) override;
  grpc::Status ReleaseReservation(grpc::ServerContext* ctx,
                                  const v1::ReleaseReservationRequest* req,
                                  google::protobuf::Empty* resp) override;
  grpc::Status ConfirmReservation(grpc::ServerContext* ctx,
                                  const v1::ConfirmReservationRequest* req,
                                  v1::Booking* resp) override;
  grpc::Status Book(grpc::ServerContext* ctx, const v1::BookRequest* req,
                    v1::Booking* resp) override;
  grpc::Status GetBooking(grpc::ServerContext* ctx, const v1::GetBookingRequest* req,
                          v1::Booking* resp) override;
  grpc::Status CancelBooking(grpc::ServerContext* ctx, const v1::CancelBookingRequest* req,
                             google::protobuf::Empty* resp) override;
  grpc::Status RescheduleBooking(grpc::ServerContext* ctx,
                                 const v1::RescheduleBookingRequest* req,
                                 v1::Booking* resp) override;
  grpc::Status GetBookingNotice(grpc::ServerContext* ctx, const v1::GetBookingNoticeRequest* req,
                                v1::BookingNotice* resp) override;
  grpc::Status GetBookingCalendar(grpc::ServerContext* ctx, const v1::GetBookingRequest* req,
                                  rathaus::common::v1::File* resp) override;
  grpc::Status ListOfficeBookings(grpc::ServerContext* ctx,
                                  const v1::ListOfficeBookingsRequest* req,
                                  v1::ListOfficeBookingsResponse* resp) override;
  grpc::Status CheckIn(grpc::ServerContext* ctx, const v1::ClerkBookingRequest* req,
                       v1::Booking* resp) override;
  grpc::Status MarkNoShow(grpc::ServerContext* ctx, const v1::ClerkBookingRequest* req,
                          v1::Booking* resp) override;

 private:
  absl::Status DoGetAvailability(const v1::GetAvailabilityRequest& req,
                                 v1::GetAvailabilityResponse* resp);
  absl::StatusOr<Placement> Place(const std::string& office_id,
                                  const google::protobuf::RepeatedPtrField<v1::ServiceQuantity>& services,
                                  const std::string& start);
  absl::StatusOr<Placement> PlaceAt(const Office& office, std::vector<VisitItem> items,
                                    const std::string& start);
  // The booking, when the token fits; NOT_FOUND alike for an unknown code and a wrong token.
  absl::StatusOr<BookingRecord> Authorized(const std::string& code, const std::string& token);
  absl::StatusOr<BookingRecord> ClerkBooking(grpc::ServerContext* ctx, const std::string& code,
                                             std::string* clerk_subject = nullptr);
  absl::Status ClerkMayAccess(grpc::ServerContext* ctx, const std::string& office);
  void ToProto(const BookingRecord& b, bool with_token, v1::Booking* out) const;
  // The pickup code the visit needs (a service such as ausweis-abholen), normalised; "" when
  // none is needed. FAILED_PRECONDITION "pickup-code-invalid" when it is missing or malformed.
  absl::StatusOr<std::string> PickupCodeFor(const Placement& placement,
                                            const std::string& given) const;
  // The entitlement a visit uses: the pickup code it needs, or else the code of a rejected
  // registration when one is given (INVALID_ARGUMENT "registrationCode" for a malformed one or
  // one beside a pickup code). Sets placement->pickup_code and ->code_kind.
  absl::Status UseEntitlement(Placement* placement, const std::string& pickup_code,
                              const std::string& registration_code) const;
  absl::StatusOr<Contact> CheckContact(const std::string& name, const std::string& email,
                                       const std::string& phone,
                                       const std::string& language) const;
  // The booking's RFC 5545 entry (GetBookingCalendar, GetBookingNotice); NOT_FOUND when its
  // office left the catalog.
  absl::Status Calendar(const BookingRecord& booking, rathaus::common::v1::File* out) const;
  grpc::Status ClerkStatus(grpc::ServerContext* ctx, const std::string& code,
                           std::string_view status, const v1::ClerkBookingRequest& req,
                           v1::Booking* resp);
  // The record of this call's Idempotency-Key (Store::Command), scoped by the method and by
  // `who` may repeat it (the booking's code, the clerk; "" on the citizens' open routes).
  absl::StatusOr<CommandKey> CommandOf(grpc::ServerContext* ctx, std::string_view method,
                                       std::string_view who,
                                       const google::protobuf::Message& request) const;

  const Catalog& catalog_;
  Store& store_;
  std::string token_key_;
  const platform::auth::CallerAuth& callers_;
  std::function<absl::Time()> now_;
};

// The one conversion of absl::Status to grpc::Status (with trailing metadata from the
// status payloads). Internal errors are logged and answered without details.
grpc::Status ToGrpcStatus(grpc::ServerContext* ctx, const absl::Status& status);

}  // namespace rathaus::appointments
