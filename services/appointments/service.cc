#include "services/appointments/service.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "services/appointments/domain/contact.h"
#include "services/appointments/domain/ics.h"
#include "shared/grpc/status.h"
#include "shared/status/problem.h"
#include "services/appointments/domain/secrets.h"
#include "services/appointments/domain/slots.h"
#include "services/appointments/domain/visit.h"
#include "shared/log/log.h"

namespace rathaus::appointments {
namespace {

namespace log = ::rathaus::platform::log;

constexpr int kMaxAvailabilityDays = 63;  // from .. from + 62

using platform::Traceparent;

std::vector<VisitItem> ItemsOf(const google::protobuf::RepeatedPtrField<v1::ServiceQuantity>& s) {
  std::vector<VisitItem> items;
  for (const v1::ServiceQuantity& q : s) items.push_back({q.id(), q.has_quantity() ? q.quantity() : 1});
  return items;
}

absl::Status UnknownOffice() { return absl::NotFoundError("office not found"); }

absl::Status PickupCodeInvalid(std::string_view why) {
  return platform::WithProblem(absl::FailedPreconditionError(std::string(why)),
                               "pickup-code-invalid");
}

}  // namespace

grpc::Status ToGrpcStatus(grpc::ServerContext* ctx, const absl::Status& status) {
  return platform::ToGrpcStatus(ctx, status, "the appointment store is unavailable");
}

AppointmentsService::AppointmentsService(const Catalog& catalog, Store& store,
                                         std::string token_key,
                                         const platform::auth::CallerAuth& callers,
                                         std::function<absl::Time()> now)
    : catalog_(catalog),
      store_(store),
      token_key_(std::move(token_key)),
      callers_(callers),
      now_(std::move(now)) {}

grpc::Status AppointmentsService::ListOffices(grpc::ServerContext*, const v1::ListOfficesRequest*,
                                              v1::ListOfficesResponse* resp) {
  for (const Office& o : catalog_.offices) {
    v1::Office* out = resp->add_offices();
    out->set_id(o.id);
    out->set_name(o.name);
    out->mutable_address()->set_street(o.street);
    out->mutable_address()->set_postal_code(o.postal_code);
    out->mutable_address()->set_city(o.city);
    out->set_time_zone(o.time_zone_name);
    out->set_hints(o.hints);
  }
  return grpc::Status::OK;
}

grpc::Status AppointmentsService::ListServices(grpc::ServerContext* ctx,
                                               const v1::ListServicesRequest* req,
                                               v1::ListServicesResponse* resp) {
  const Office* office = nullptr;
  if (!req->office().empty()) {
    office = catalog_.FindOffice(req->office());
    if (office == nullptr) return ToGrpcStatus(ctx, UnknownOffice());
  }
  for (const ::rathaus::appointments::Service& s : catalog_.services) {
    const int duration = office ? office->DurationOf(s.id) : s.default_duration_minutes;
    if (duration == 0) continue;
    v1::Service* out = resp->add_services();
    out->set_id(s.id);
    out->set_name(s.name);
    out->set_duration_minutes(duration);
    out->set_max_quantity(s.max_quantity);
    for (const std::string& other : s.combinable_with) {
      if (!office || office->DurationOf(other) != 0) out->add_combinable_with(other);
    }
    for (const std::string& item : s.what_to_bring) out->add_what_to_bring(item);
  }
  return grpc::Status::OK;
}

grpc::Status AppointmentsService::GetAvailability(grpc::ServerContext* ctx,
                                                  const v1::GetAvailabilityRequest* req,
                                                  v1::GetAvailabilityResponse* resp) {
  return ToGrpcStatus(ctx, DoGetAvailability(*req, resp));
}

absl::Status AppointmentsService::DoGetAvailability(const v1::GetAvailabilityRequest& req,
                                                    v1::GetAvailabilityResponse* resp) {
  if (req.office().empty()) return platform::InvalidField("office", "the office is required");
  const Office* office = catalog_.FindOffice(req.office());
  if (office == nullptr) return UnknownOffice();
  auto visit = PlanVisit(catalog_, *office, ItemsOf(req.services()));
  if (!visit.ok()) return visit.status();
  const absl::Time now = now_();
  absl::CivilDay from = TodayAt(*office, now) + 1;
  if (!req.from().empty()) {
    auto parsed = ParseDate(req.from(), "from");
    if (!parsed.ok()) return parsed.status();
    from = *parsed;
  }
  absl::CivilDay to = from + 6;
  if (!req.to().empty()) {
    auto parsed = ParseDate(req.to(), "to");
    if (!parsed.ok()) return parsed.status();
    to = *parsed;
  }
  if (to < from) return platform::InvalidField("to", "must not be before from");
  if (to - from >= kMaxAvailabilityDays) {
    return platform::InvalidField("to", "at most 62 days after from");
  }
  const int length = BucketsFor(visit->minutes, office->slot_minutes);
  std::vector<DayPlan> plans;
  std::vector<absl::CivilDay> days;
  for (absl::CivilDay day = from; day <= to; ++day) {
    DayPlan plan = PlanDay(*office, day, now);
    if (plan.open.empty()) continue;
    days.push_back(day);
    plans.push_back(std::move(plan));
  }
  auto used = store_.ReadDays(office->id, days);
  if (!used.ok()) return used.status();
  for (size_t d = 0; d < plans.size(); ++d) {
    for (const FreeStart& s : FreeStarts(plans[d], (*used)[d], office->counters, length)) {
      const absl::Time start = plans[d].StartOf(s.bucket);
      v1::Slot* slot = resp->add_slots();
      slot->set_start(FormatLocal(start, office->time_zone));
      slot->set_end(FormatLocal(start + absl::Minutes(visit->minutes), office->time_zone));
      slot->set_free(s.free);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Placement> AppointmentsService::Place(
    const std::string& office_id,
    const google::protobuf::RepeatedPtrField<v1::ServiceQuantity>& services,
    const std::string& start) {
  if (office_id.empty()) return platform::InvalidField("office", "the office is required");
  const Office* office = catalog_.FindOffice(office_id);
  if (office == nullptr) return UnknownOffice();
  return PlaceAt(*office, ItemsOf(services), start);
}

absl::StatusOr<Placement> AppointmentsService::PlaceAt(const Office& office,
                                                       std::vector<VisitItem> items,
                                                       const std::string& start_text) {
  auto visit = PlanVisit(catalog_, office, std::move(items));
  if (!visit.ok()) return visit.status();
  if (start_text.empty()) return platform::InvalidField("start", "the start time is required");
  auto start = ParseTimestamp(start_text, "start");
  if (!start.ok()) return start.status();
  const absl::CivilDay day = absl::ToCivilDay(*start, office.time_zone);
  if (!InBookingWindow(office, day, now_())) {
    return platform::InvalidField("start", absl::StrCat("bookable from tomorrow up to ",
                                              office.booking_window_days, " days ahead"));
  }
  const DayPlan plan = PlanDay(office, day, now_());
  const int length = BucketsFor(visit->minutes, office.slot_minutes);
  auto bucket = BucketOf(plan, *start, length);
  if (!bucket.ok()) return bucket.status();
  return Placement{.office = office.id, .day = day, .first_bucket = *bucket, .buckets = length,
                   .counters = office.counters, .start = *start,
                   .end = *start + absl::Minutes(visit->minutes), .items = visit->items};
}

absl::StatusOr<Contact> AppointmentsService::CheckContact(const std::string& name,
                                                          const std::string& email,
                                                          const std::string& phone,
                                                          const std::string& language) const {
  auto checked_name = CheckName(name);
  if (!checked_name.ok()) return checked_name.status();
  auto checked_email = CheckEmail(email);
  if (!checked_email.ok()) return checked_email.status();
  auto checked_phone = CheckPhone(phone);
  if (!checked_phone.ok()) return checked_phone.status();
  auto checked_language = CheckLanguage(language);
  if (!checked_language.ok()) return checked_language.status();
  return Contact{*checked_name, *checked_email, *checked_phone, *checked_language};
}

absl::StatusOr<CommandKey> AppointmentsService::CommandOf(
    grpc::ServerContext* ctx, std::string_view method, std::string_view who,
    const google::protobuf::Message& request) const {
  auto key = platform::IdempotencyKey(ctx);
  if (!key.ok()) return key.status();
  if (key->empty()) return CommandKey{};
  std::string scope(method);
  scope.append("|").append(who);
  return store_.Command(scope, *key, request.SerializeAsString());
}

absl::StatusOr<std::string> AppointmentsService::PickupCodeFor(const Placement& placement,
                                                              const std::string& given) const {
  bool needed = false;
  for (const VisitItem& item : placement.items) {
    const ::rathaus::appointments::Service* s = catalog_.FindService(item.service_id);
    needed = needed || (s != nullptr && s->requires_pickup_code);
  }
  if (!needed) return std::string();
  std::string code(absl::StripAsciiWhitespace(given));
  absl::AsciiStrToUpper(&code);
  if (code.empty()) {
    return PickupCodeInvalid("this service needs the pickup code from \"Ist mein Ausweis abholbereit?\"");
  }
  if (code.size() != 8 || code.find_first_not_of(kCodeAlphabet) != std::string::npos) {
    return PickupCodeInvalid("a pickup code has 8 letters and digits");
  }
  return code;
}

absl::Status AppointmentsService::UseEntitlement(Placement* placement,
                                                const std::string& pickup_code,
                                                const std::string& registration_code) const {
  auto pickup = PickupCodeFor(*placement, pickup_code);
  if (!pickup.ok()) return pickup.status();
  const std::string given(absl::StripAsciiWhitespace(registration_code));
  if (given.empty()) {
    placement->pickup_code = *pickup;
    placement->code_kind = pickup->empty() ? "" : "document";
    return absl::OkStatus();
  }
  if (!pickup->empty()) {
    return platform::InvalidField("registrationCode", "a visit with a pickup code takes no registration code");
  }
  std::string code;
  if (!NormalizeBookingCode(given, &code)) {
    return platform::InvalidField("registrationCode", "a registration code has 8 letters and digits");
  }
  placement->pickup_code = code;
  placement->code_kind = "registration";
  return absl::OkStatus();
}

grpc::Status AppointmentsService::Reserve(grpc::ServerContext* ctx, const v1::ReserveRequest* req,
                                          v1::Reservation* resp) {
  auto placement = Place(req->office(), req->services(), req->start());
  if (!placement.ok()) return ToGrpcStatus(ctx, placement.status());
  if (absl::Status s = UseEntitlement(&*placement, req->pickup_code(), req->registration_code());
      !s.ok()) {
    return ToGrpcStatus(ctx, s);
  }
  auto command = CommandOf(ctx, "Reserve", "", *req);
  if (!command.ok()) return ToGrpcStatus(ctx, command.status());
  auto r = store_.Reserve(*placement, Traceparent(ctx), *command);
  if (!r.ok()) return ToGrpcStatus(ctx, r.status());
  const absl::TimeZone& tz = catalog_.FindOffice(r->office)->time_zone;
  resp->set_reservation_id(r->id);
  resp->set_expires_at(FormatLocal(r->expires_at, tz));
  resp->set_start(FormatLocal(r->start, tz));
  resp->set_end(FormatLocal(r->end, tz));
  resp->set_office(r->office);
  for (const VisitItem& item : r->items) {
    v1::ServiceQuantity* q = resp->add_services();
    q->set_id(item.service_id);
    q->set_quantity(item.quantity);
  }
  log::Info("reserved", {{"office", r->office}, {"buckets", placement->buckets}});
  return grpc::Status::OK;
}

grpc::Status AppointmentsService::ReleaseReservation(grpc::ServerContext* ctx,
                                                     const v1::ReleaseReservationRequest* req,
                                                     google::protobuf::Empty*) {
  if (!IsReservationId(req->reservation_id())) {
    return ToGrpcStatus(ctx, absl::NotFoundError("reservation not found"));
  }
  auto command = CommandOf(ctx, "ReleaseReservation", "", *req);
  if (!command.ok()) return ToGrpcStatus(ctx, command.status());
  return ToGrpcStatus(ctx, store_.Release(req->reservation_id(), Traceparent(ctx), *command));
}

grpc::Status AppointmentsService::ConfirmReservation(grpc::ServerContext* ctx,
                                                     const v1::ConfirmReservationRequest* req,
                                                     v1::Booking* resp) {
  if (!IsReservationId(req->reservation_id())) {
    return ToGrpcStatus(ctx, absl::NotFoundError("reservation not found"));
  }
  auto contact = CheckContact(req->name(), req->email(), req->phone(), req->language());
  if (!contact.ok()) return ToGrpcStatus(ctx, contact.status());
  auto command = CommandOf(ctx, "ConfirmReservation", "", *req);
  if (!command.ok()) return ToGrpcStatus(ctx, command.status());
  auto booking = store_.Confirm(req->reservation_id(), *contact, Traceparent(ctx), *command);
  if (!booking.ok()) return ToGrpcStatus(ctx, booking.status());
  ToProto(*booking, /*with_token=*/true, resp);
  log::Info("booked", {{"code", booking->code}, {"office", booking->office}});
  return grpc::Status::OK;
}

grpc::Status AppointmentsService::Book(grpc::ServerContext* ctx, const v1::BookRequest* req,
                                       v1::Booking* resp) {
  auto placement = Place(req->office(), req->services(), req->start());
  if (!placement.ok()) return ToGrpcStatus(ctx, placement.status());
  if (absl::Status s = UseEntitlement(&*placement, req->pickup_code(), req->registration_code());
      !s.ok()) {
    return ToGrpcStatus(ctx, s);
  }
  auto contact = CheckContact(req->name(), req->email(), req->phone(), req->language());
  if (!contact.ok()) return ToGrpcStatus(ctx, contact.status());
  auto command = CommandOf(ctx, "Book", "", *req);
  if (!command.ok()) return ToGrpcStatus(ctx, command.status());
  auto booking = store_.Book(*placement, *contact, Traceparent(ctx), *command);
  if (!booking.ok()) return ToGrpcStatus(ctx, booking.status());
  ToProto(*booking, /*with_token=*/true, resp);
  log::Info("booked", {{"code", booking->code}, {"office", booking->office}});
  return grpc::Status::OK;
}

absl::StatusOr<BookingRecord> AppointmentsService::Authorized(const std::string& code_text,
                                                              const std::string& token) {
  // The token is checked before any lookup: a wrong token and an unknown code look the same.
  std::string code;
  if (!NormalizeBookingCode(code_text, &code) || !TokenMatches(token_key_, code, token)) {
    return absl::NotFoundError("booking not found");
  }
  return store_.GetBooking(code);
}

grpc::Status AppointmentsService::GetBooking(grpc::ServerContext* ctx,
                                             const v1::GetBookingRequest* req, v1::Booking* resp) {
  auto booking = Authorized(req->code(), req->token());
  if (!booking.ok()) return ToGrpcStatus(ctx, booking.status());
  ToProto(*booking, /*with_token=*/false, resp);
  return grpc::Status::OK;
}

grpc::Status AppointmentsService::CancelBooking(grpc::ServerContext* ctx,
                                                const v1::CancelBookingRequest* req,
                                                google::protobuf::Empty*) {
  // The booking's token, or the cancel-only token of an e-mail's link (GetBookingNotice).
  std::string code;
  auto booking =
      NormalizeBookingCode(req->code(), &code) &&
              CancelTokenMatches(token_key_, code, req->token(), absl::ToUnixSeconds(now_()))
          ? store_.GetBooking(code)
          : Authorized(req->code(), req->token());
  if (!booking.ok()) return ToGrpcStatus(ctx, booking.status());
  if (booking->status == "booked" && booking->start <= now_()) {
    return ToGrpcStatus(ctx, platform::WithProblem(absl::FailedPreconditionError(
                                             "the appointment has begun; it can no longer be cancelled"),
                                         "booking-started"));
  }
  auto command = CommandOf(ctx, "CancelBooking", booking->code, *req);
  if (!command.ok()) return ToGrpcStatus(ctx, command.status());
  absl::Status status = store_.Cancel(*booking, Traceparent(ctx), *command);
  if (status.ok()) log::Info("cancelled", {{"code", booking->code}});
  return ToGrpcStatus(ctx, status);
}

grpc::Status AppointmentsService::RescheduleBooking(grpc::ServerContext* ctx,
                                                    const v1::RescheduleBookingRequest* req,
                                                    v1::Booking* resp) {
  auto booking = Authorized(req->code(), req->token());
  if (!booking.ok()) return ToGrpcStatus(ctx, booking.status());
  if (booking->status != "booked") {
    return ToGrpcStatus(ctx, platform::WithProblem(absl::FailedPreconditionError(absl::StrCat(
                                             "the booking is ", booking->status)),
                                         "booking-" + booking->status));
  }
  if (booking->start <= now_()) {
    return ToGrpcStatus(ctx, platform::WithProblem(absl::FailedPreconditionError(
                                             "the appointment has begun; it can no longer be moved"),
                                         "booking-started"));
  }
  const Office* office = catalog_.FindOffice(booking->office);
  if (office == nullptr) return ToGrpcStatus(ctx, absl::NotFoundError("booking not found"));
  auto placement = PlaceAt(*office, booking->items, req->start());
  if (!placement.ok()) return ToGrpcStatus(ctx, placement.status());
  auto command = CommandOf(ctx, "RescheduleBooking", booking->code, *req);
  if (!command.ok()) return ToGrpcStatus(ctx, command.status());
  auto moved = store_.Reschedule(*booking, *placement, Traceparent(ctx), *command);
  if (!moved.ok()) return ToGrpcStatus(ctx, moved.status());
  ToProto(*moved, /*with_token=*/false, resp);
  log::Info("rescheduled", {{"code", moved->code}, {"sequence", moved->reschedule_count}});
  return grpc::Status::OK;
}

grpc::Status AppointmentsService::GetBookingCalendar(grpc::ServerContext* ctx,
                                                     const v1::GetBookingRequest* req,
                                                     rathaus::common::v1::File* resp) {
  auto booking = Authorized(req->code(), req->token());
  if (!booking.ok()) return ToGrpcStatus(ctx, booking.status());
  return ToGrpcStatus(ctx, Calendar(*booking, resp));
}

absl::Status AppointmentsService::Calendar(const BookingRecord& booking,
                                           rathaus::common::v1::File* resp) const {
  const Office* office = catalog_.FindOffice(booking.office);
  if (office == nullptr) return absl::NotFoundError("booking not found");
  std::vector<std::string> names;
  std::vector<std::string> bring;
  for (const VisitItem& item : booking.items) {
    const ::rathaus::appointments::Service* s = catalog_.FindService(item.service_id);
    const std::string name = s ? s->name : item.service_id;
    names.push_back(item.quantity > 1 ? absl::StrCat(item.quantity, " × ", name) : name);
    if (s) bring.insert(bring.end(), s->what_to_bring.begin(), s->what_to_bring.end());
  }
  CalendarEntry entry{
      .code = booking.code, .start = booking.start, .end = booking.end,
      .sequence = booking.reschedule_count, .cancelled = booking.status == "cancelled",
      .summary = absl::StrCat(office->name, ": ", absl::StrJoin(names, ", ")),
      .location = absl::StrCat(office->name, ", ", office->street, ", ", office->postal_code, " ",
                               office->city),
      .description = absl::StrCat("Buchungscode: ", booking.code,
                                  bring.empty() ? "" : "\nBitte mitbringen: ",
                                  absl::StrJoin(bring, ", "),
                                  office->hints.empty() ? "" : "\n", office->hints),
      .stamp = now_()};
  resp->set_content_type("text/calendar; charset=utf-8");
  resp->set_filename(absl::StrCat("termin-", booking.code, ".ics"));
  resp->set_content(RenderIcs(entry));
  return absl::OkStatus();
}

grpc::Status AppointmentsService::GetBookingNotice(grpc::ServerContext* ctx,
                                                   const v1::GetBookingNoticeRequest* req,
                                                   v1::BookingNotice* resp) {
  // The caller is verified before the request is looked at (a forged or missing credential
  // learns nothing, not even whether a code is well-formed).
  auto service = callers_.Require(ctx, "integrator");
  if (!service.ok()) return ToGrpcStatus(ctx, service.status());
  if (!service->MayAccess("appointments:notify")) {
    return ToGrpcStatus(ctx,
                        absl::PermissionDeniedError("this call needs the scope appointments:notify"));
  }
  std::string code;
  if (!NormalizeBookingCode(req->code(), &code)) {
    return ToGrpcStatus(ctx, absl::NotFoundError("booking not found"));
  }
  auto booking = store_.GetBooking(code);
  if (!booking.ok()) return ToGrpcStatus(ctx, booking.status());
  ToProto(*booking, /*with_token=*/false, resp->mutable_booking());
  if (const Office* office = catalog_.FindOffice(booking->office)) {
    resp->set_office_name(office->name);
    resp->set_office_address(
        absl::StrCat(office->street, ", ", office->postal_code, " ", office->city));
  }
  for (const VisitItem& item : booking->items) {
    const ::rathaus::appointments::Service* s = catalog_.FindService(item.service_id);
    const std::string name = s ? s->name : item.service_id;
    resp->add_service_names(item.quantity > 1 ? absl::StrCat(item.quantity, " × ", name) : name);
    if (s) {
      for (const std::string& b : s->what_to_bring) resp->add_what_to_bring(b);
    }
  }
  if (absl::Status s = Calendar(*booking, resp->mutable_calendar()); !s.ok()) {
    return ToGrpcStatus(ctx, s);
  }
  if (booking->status == "booked" && booking->start > now_()) {
    resp->set_cancel_token(
        CancelToken(token_key_, booking->code, absl::ToUnixSeconds(booking->start)));
  }
  return grpc::Status::OK;
}

absl::Status AppointmentsService::ClerkMayAccess(grpc::ServerContext* ctx,
                                                 const std::string& office) {
  absl::StatusOr<platform::auth::Caller> clerk = callers_.Require(ctx, "clerk");
  if (!clerk.ok()) return clerk.status();
  if (!clerk->MayAccess(office)) {
    return absl::PermissionDeniedError("the clerk may not access this office");
  }
  return absl::OkStatus();
}

grpc::Status AppointmentsService::ListOfficeBookings(grpc::ServerContext* ctx,
                                                     const v1::ListOfficeBookingsRequest* req,
                                                     v1::ListOfficeBookingsResponse* resp) {
  if (absl::Status s = ClerkMayAccess(ctx, req->office()); !s.ok()) return ToGrpcStatus(ctx, s);
  if (catalog_.FindOffice(req->office()) == nullptr) return ToGrpcStatus(ctx, UnknownOffice());
  auto day = ParseDate(req->date(), "date");
  if (!day.ok()) return ToGrpcStatus(ctx, day.status());
  auto bookings = store_.ListDay(req->office(), *day);
  if (!bookings.ok()) return ToGrpcStatus(ctx, bookings.status());
  for (const BookingRecord& b : *bookings) ToProto(b, /*with_token=*/false, resp->add_bookings());
  return grpc::Status::OK;
}

absl::StatusOr<BookingRecord> AppointmentsService::ClerkBooking(grpc::ServerContext* ctx,
                                                                const std::string& code_text,
                                                                std::string* clerk_subject) {
  // Authentication first, so an anonymous caller learns nothing about codes.
  auto clerk = callers_.Require(ctx, "clerk");
  if (!clerk.ok()) return clerk.status();
  if (clerk_subject != nullptr) *clerk_subject = clerk->subject;
  std::string code;
  if (!NormalizeBookingCode(code_text, &code)) return absl::NotFoundError("booking not found");
  auto booking = store_.GetBooking(code);
  if (!booking.ok()) return booking.status();
  // Another office's booking answers like an unknown code: a clerk learns nothing about codes
  // outside the offices of the token.
  if (!clerk->MayAccess(booking->office)) return absl::NotFoundError("booking not found");
  return booking;
}

grpc::Status AppointmentsService::ClerkStatus(grpc::ServerContext* ctx, const std::string& code,
                                              std::string_view status,
                                              const v1::ClerkBookingRequest& req,
                                              v1::Booking* resp) {
  std::string clerk;
  auto booking = ClerkBooking(ctx, code, &clerk);
  if (!booking.ok()) return ToGrpcStatus(ctx, booking.status());
  if (status == "no-show" && booking->status == "booked" && now_() < booking->start) {
    return ToGrpcStatus(ctx, platform::WithProblem(absl::FailedPreconditionError(
                                             "a no-show can be marked only after the start time"),
                                         "booking-not-started"));
  }
  if (status == "checked-in" && booking->status == "booked") {
    // A check-in frees the citizen's quota and ends cancel and reschedule: only on the day.
    const Office* office = catalog_.FindOffice(booking->office);
    const absl::TimeZone tz = office ? office->time_zone : absl::UTCTimeZone();
    const absl::CivilDay day = absl::ToCivilDay(booking->start, tz);
    if (absl::ToCivilDay(now_(), tz) != day) {
      return ToGrpcStatus(
          ctx, platform::WithProblem(
                   absl::FailedPreconditionError(absl::StrCat(
                       "a check-in is possible only on the day of the appointment (",
                       FormatDay(day), ", office time)")),
                   "booking-not-today"));
    }
  }
  auto command = CommandOf(ctx, status, clerk, req);
  if (!command.ok()) return ToGrpcStatus(ctx, command.status());
  auto changed = store_.SetStatus(*booking, status, Traceparent(ctx), *command);
  if (!changed.ok()) return ToGrpcStatus(ctx, changed.status());
  ToProto(*changed, /*with_token=*/false, resp);
  log::Info("status changed", {{"code", changed->code}, {"status", changed->status}});
  return grpc::Status::OK;
}

grpc::Status AppointmentsService::CheckIn(grpc::ServerContext* ctx,
                                          const v1::ClerkBookingRequest* req, v1::Booking* resp) {
  return ClerkStatus(ctx, req->code(), "checked-in", *req, resp);
}

grpc::Status AppointmentsService::MarkNoShow(grpc::ServerContext* ctx,
                                             const v1::ClerkBookingRequest* req,
                                             v1::Booking* resp) {
  return ClerkStatus(ctx, req->code(), "no-show", *req, resp);
}

void AppointmentsService::ToProto(const BookingRecord& b, bool with_token, v1::Booking* out) const {
  const Office* office = catalog_.FindOffice(b.office);
  const absl::TimeZone tz = office ? office->time_zone : absl::UTCTimeZone();
  out->set_code(b.code);
  if (with_token) out->set_token(BookingToken(token_key_, b.code));
  out->set_office(b.office);
  for (const VisitItem& item : b.items) {
    v1::ServiceQuantity* q = out->add_services();
    q->set_id(item.service_id);
    q->set_quantity(item.quantity);
  }
  out->set_start(FormatLocal(b.start, tz));
  out->set_end(FormatLocal(b.end, tz));
  out->set_status(b.status);
  out->set_name(b.contact.name);
  out->set_email(b.contact.email);
  out->set_phone(b.contact.phone);
  out->set_reschedule_count(b.reschedule_count);
  out->set_created_at(FormatLocal(b.created_at, tz));
  out->set_registration_id(b.registration_id);
  out->set_language(b.contact.language);
}

}  // namespace rathaus::appointments
