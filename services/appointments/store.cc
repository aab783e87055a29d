#include "services/appointments/store.h"

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <map>
#include <tuple>

#include <google/protobuf/timestamp.pb.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "rathaus_appointments_embedded.h"
#include "rathaus/appointments/v1/events.pb.h"
#include "services/appointments/domain/contact.h"
#include "shared/status/problem.h"
#include "services/appointments/domain/secrets.h"
#include "services/appointments/domain/slots.h"
#include "shared/crypto/crypto.h"
#include "shared/log/log.h"

namespace rathaus::appointments {
namespace {

namespace redis = ::rathaus::platform::redis;
using redis::ReplayOf;
using redis::Tag;
using redis::ToMap;
namespace v1 = ::rathaus::appointments::v1;
namespace lua = ::rathaus::appointments::embedded;

// The associated data of a sealed contact field: it opens only in its own booking and field.
std::string ContactContext(const std::string& prefix, const std::string& code, const char* field) {
  return absl::StrCat(prefix, "bk:", code, ":", field);
}

redis::Script Load(std::string name, std::string_view body) {
  return redis::Script::WithPrelude(std::move(name),
                                    absl::StrCat(std::string(lua::kLib), "\n", std::string(body)));
}

const redis::Script& AvailabilityScript() { static const redis::Script s = Load("appt_availability", lua::kAvailability); return s; }
const redis::Script& ReserveScript() { static const redis::Script s = Load("appt_reserve", lua::kReserve); return s; }
const redis::Script& ReleaseScript() { static const redis::Script s = Load("appt_release", lua::kRelease); return s; }
const redis::Script& ConfirmScript() { static const redis::Script s = Load("appt_confirm", lua::kConfirm); return s; }
const redis::Script& BookScript() { static const redis::Script s = Load("appt_book", lua::kBook); return s; }
const redis::Script& RescheduleScript() { static const redis::Script s = Load("appt_reschedule", lua::kReschedule); return s; }
const redis::Script& CancelScript() { static const redis::Script s = Load("appt_cancel", lua::kCancel); return s; }
const redis::Script& SetStatusScript() { static const redis::Script s = Load("appt_set_status", lua::kSetStatus); return s; }
const redis::Script& ExpireScript() { static const redis::Script s = Load("appt_expire", lua::kExpire); return s; }
const redis::Script& PickupReadyScript() { static const redis::Script s = Load("appt_pickup_ready", lua::kPickupReady); return s; }
const redis::Script& RegistrationRejectedScript() { static const redis::Script s = Load("appt_registration_rejected", lua::kRegistrationRejected); return s; }
const redis::Script& PickupDoneScript() { static const redis::Script s = Load("appt_pickup_done", lua::kPickupDone); return s; }

// How long an unused pickup entitlement is kept: documents not collected go back after months.
constexpr absl::Duration kPickupEntitlementLifetime = absl::Hours(24 * 180);

std::string Ms(absl::Time t) { return absl::StrCat(absl::ToUnixMillis(t)); }
int64_t Int(const std::string& s) {
  int64_t v = 0;
  return absl::SimpleAtoi(s, &v) ? v : 0;
}

void SetTimestamp(absl::Time t, google::protobuf::Timestamp* out) {
  const int64_t ns = absl::ToUnixNanos(t);
  out->set_seconds(ns / 1000000000);
  out->set_nanos(static_cast<int32_t>(ns % 1000000000));
}

template <typename Event>
void SetServices(const std::vector<VisitItem>& items, Event* e) {
  for (const VisitItem& item : items) {
    v1::ServiceQuantity* q = e->add_services();
    q->set_id(item.service_id);
    q->set_quantity(item.quantity);
  }
}

absl::Status SlotTaken() {
  return platform::WithProblem(absl::AbortedError("the requested time is no longer free"), "slot-taken");
}
absl::Status QuotaReached() {
  return platform::WithProblem(absl::FailedPreconditionError(
                         "this e-mail address has reached its number of active bookings"),
                     "quota-reached");
}
absl::Status ReservationExpired() {
  return platform::WithProblem(absl::FailedPreconditionError("the reservation has expired"),
                     "reservation-expired");
}
absl::Status ReservationNotFound() { return absl::NotFoundError("reservation not found"); }
absl::Status PickupCodeInvalid() {
  return platform::WithProblem(
      absl::FailedPreconditionError(
          "the pickup code is unknown, for another office or has a booking already"),
      "pickup-code-invalid");
}
absl::Status RegistrationCodeInvalid() {
  return platform::WithProblem(
      absl::FailedPreconditionError(
          "the registration code is unknown, for another office or has a booking already"),
      "registration-code-invalid");
}
absl::Status EntitlementInvalid(const Placement& p) {
  return p.code_kind == "registration" ? RegistrationCodeInvalid() : PickupCodeInvalid();
}
absl::Status BookingNotFound() { return absl::NotFoundError("booking not found"); }
absl::Status WrongStatus(const std::string& status) {
  return platform::WithProblem(absl::FailedPreconditionError(absl::StrCat("the booking is ", status)),
                     "booking-" + status);
}
absl::Status Changed() {
  return absl::AbortedError("the booking was changed at the same time; read it again");
}
absl::Status Unexpected(const redis::Script& script, const redis::Reply& reply) {
  return absl::InternalError(absl::StrCat(script.name(), ": unexpected reply ", Tag(reply)));
}

}  // namespace

std::string FormatDay(absl::CivilDay day) { return absl::FormatCivilTime(day); }

Store::Store(redis::Pool& pool, const platform::outbox::Outbox& outbox, StoreOptions options)
    : pool_(pool), outbox_(outbox), options_(std::move(options)) {
  if (options_.data_keys == nullptr || !options_.data_keys->usable()) {
    // The kit refuses to start without keys; only a wiring bug gets here.
    platform::log::Error("appointments store without personal-data keys", {});
    std::abort();
  }
}

absl::StatusOr<redis::Reply> Store::Run(const redis::Script& script,
                                        std::vector<std::string> argv,
                                        const CommandKey& command) {
  return redis::EvalCommand(pool_, script, options_.key_prefix, outbox_.stream_key(),
                            std::move(argv), command, options_.command_ttl);
}

CommandKey Store::Command(std::string_view scope, std::string_view idempotency_key,
                          std::string_view request) const {
  return redis::ScopedCommand(*options_.data_keys, options_.key_prefix, scope, idempotency_key,
                              request);
}

absl::StatusOr<ReservationRecord> Store::GetReservation(const std::string& id,
                                                        absl::Time expires_at) {
  auto fields = pool_.Command({"HGETALL", options_.key_prefix + "res:" + id});
  if (!fields.ok()) return fields.status();
  std::map<std::string, std::string> f = ToMap(*fields);
  if (f["kind"] != "reservation") return ReservationNotFound();
  return ReservationRecord{.id = id, .code = f["code"], .office = f["office"],
                           .items = DecodeItems(f["services"]),
                           .start = absl::FromUnixMillis(Int(f["start"])),
                           .end = absl::FromUnixMillis(Int(f["end"])), .expires_at = expires_at};
}

std::string Store::QuotaKeyFor(const std::string& email) const {
  std::string normalized = NormalizeEmailForQuota(email);
  if (options_.quota_whitelist.contains(normalized)) return std::string();
  return options_.data_keys->Lookup(absl::StrCat("quota-email:", normalized));
}

std::vector<std::string> Store::SealContact(const std::string& code,
                                            const Contact& contact) const {
  const platform::crypto::DataKeys& keys = *options_.data_keys;
  return {keys.Seal(contact.name, ContactContext(options_.key_prefix, code, "name")),
          keys.Seal(contact.email, ContactContext(options_.key_prefix, code, "email")),
          keys.Seal(contact.phone, ContactContext(options_.key_prefix, code, "phone"))};
}
absl::StatusOr<BookingRecord> Store::ParseBooking(const std::string& code,
                                                  std::map<std::string, std::string> f) const {
  if (f.empty()) return BookingNotFound();
  BookingRecord b;
  b.code = code;
  b.office = f["office"];
  if (!absl::ParseCivilTime(f["date"], &b.day)) {
    return absl::DataLossError(absl::StrCat("booking ", code, " has a bad date"));
  }
  b.first_bucket = static_cast<int>(Int(f["b0"]));
  b.buckets = static_cast<int>(Int(f["n"]));
  b.items = DecodeItems(f["services"]);
  b.start = absl::FromUnixMillis(Int(f["start"]));
  b.end = absl::FromUnixMillis(Int(f["end"]));
  b.status = f["status"];
  // Bookings written before personal data was sealed hold it in clear: Open returns those as
  // they are, so they stay readable until they expire (README "Personal data at rest").
  const platform::crypto::DataKeys& keys = *options_.data_keys;
  auto name = keys.Open(f["name"], ContactContext(options_.key_prefix, code, "name"));
  auto email = keys.Open(f["email"], ContactContext(options_.key_prefix, code, "email"));
  auto phone = keys.Open(f["phone"], ContactContext(options_.key_prefix, code, "phone"));
  if (!name.ok() || !email.ok() || !phone.ok()) {
    return absl::DataLossError(absl::StrCat("booking ", code, ": contact data does not open"));
  }
  b.contact = {std::move(*name), std::move(*email), std::move(*phone),
               f["lang"] == "en" ? "en" : "de"};
  b.reschedule_count = static_cast<int>(Int(f["rc"]));
  b.created_at = absl::FromUnixMillis(Int(f["created"]));
  b.reservation_id = f["reservation"];
  b.registration_id = f["regcase"];
  return b;
}



absl::StatusOr<std::vector<std::vector<int>>> Store::ReadDays(
    const std::string& office, const std::vector<absl::CivilDay>& days) {
  std::vector<std::vector<int>> result(days.size());
  if (days.empty()) return result;
  // One script run for the whole range (one round trip, one reply), not one per day.
  std::vector<std::string> argv = {options_.key_prefix, outbox_.stream_key(), office};
  argv.reserve(3 + days.size());
  for (absl::CivilDay day : days) argv.push_back(FormatDay(day));
  auto reply = pool_.Eval(AvailabilityScript(), {}, argv);
  if (!reply.ok()) return reply.status();
  if (!reply->is_array() || reply->elements.size() != 1 + 2 * days.size()) {
    return Unexpected(AvailabilityScript(), *reply);
  }
  for (size_t d = 0; d < days.size(); ++d) {
    std::vector<int>& used = result[d];
    auto add = [&used](int64_t bucket, int64_t delta) {
      if (bucket < 0 || bucket > 10000) return;
      if (used.size() <= static_cast<size_t>(bucket)) used.resize(bucket + 1, 0);
      used[bucket] += static_cast<int>(delta);
    };
    const auto& counts = reply->elements[1 + 2 * d].elements;
    for (size_t i = 0; i + 1 < counts.size(); i += 2) add(Int(counts[i].str), Int(counts[i + 1].str));
    // Holds that ended but were not purged yet are free already.
    for (const redis::Reply& member : reply->elements[2 + 2 * d].elements) {
      std::vector<absl::string_view> parts = absl::StrSplit(member.str, '|');
      int64_t first = 0, n = 0;
      if (parts.size() != 3 || !absl::SimpleAtoi(parts[1], &first) ||
          !absl::SimpleAtoi(parts[2], &n)) {
        continue;
      }
      for (int64_t b = first; b < first + n; ++b) add(b, -1);
    }
  }
  return result;
}

absl::StatusOr<ReservationRecord> Store::Reserve(const Placement& p, std::string_view traceparent,
                                                 const CommandKey& command) {
  ReservationRecord r{.id = NewReservationId(), .office = p.office, .items = p.items,
                      .start = p.start, .end = p.end};
  v1::AppointmentReserved reserved;
  reserved.set_reservation_id(r.id);
  reserved.set_office(p.office);
  SetServices(p.items, &reserved);
  SetTimestamp(p.start, reserved.mutable_start());
  SetTimestamp(p.end, reserved.mutable_end());
  v1::ReservationExpired expired;
  expired.set_reservation_id(r.id);
  expired.set_office(p.office);
  SetTimestamp(p.start, expired.mutable_start());
  SetTimestamp(p.end, expired.mutable_end());

  // The reservation's events are keyed by the booking code it will have, like the booking's
  // own: one key, one partition, one order for everything that happens to this visit.
  for (int attempt = 0; attempt < 5; ++attempt) {
    const std::string code = NewBookingCode();
    std::vector<std::string> argv = {p.office, FormatDay(p.day), absl::StrCat(p.first_bucket),
                                     absl::StrCat(p.buckets), absl::StrCat(p.counters),
                                     absl::StrCat(absl::ToInt64Milliseconds(options_.hold)), r.id,
                                     Ms(p.start), Ms(p.end), EncodeItems(p.items)};
    platform::outbox::Outbox::AppendArgs(outbox_.NewEvent(code, reserved, traceparent), &argv);
    platform::outbox::Outbox::AppendArgs(outbox_.NewEvent(code, expired, traceparent), &argv);
    argv.push_back(code);
    argv.push_back(p.pickup_code);
    argv.push_back(p.code_kind);
    auto reply = Run(ReserveScript(), std::move(argv), command);
    if (!reply.ok()) return reply.status();
    if (auto replay = ReplayOf(*reply)) {
      if (!replay->ok()) return replay->status();
      return GetReservation((*replay)->ref, absl::FromUnixMillis((*replay)->at));
    }
    const std::string& tag = Tag(*reply);
    if (tag == "code-collision") continue;
    if (tag == "taken") return SlotTaken();
    if (tag == "pickup-code") return EntitlementInvalid(p);
    if (tag != "ok" || reply->elements.size() != 2) return Unexpected(ReserveScript(), *reply);
    r.code = code;
    r.expires_at = absl::FromUnixMillis(reply->elements[1].integer);
    if (hold_listener_) hold_listener_(r.expires_at);
    return r;
  }
  return absl::InternalError("no free booking code after 5 attempts");
}

absl::Status Store::Release(const std::string& reservation_id, std::string_view traceparent,
                            const CommandKey& command) {
  auto fields = pool_.Command({"HMGET", options_.key_prefix + "res:" + reservation_id, "kind",
                               "office", "start", "end", "code"});
  if (!fields.ok()) return fields.status();
  if (fields->elements.size() != 5 || fields->elements[0].str != "reservation") {
    return ReservationNotFound();
  }
  v1::ReservationReleased released;
  released.set_reservation_id(reservation_id);
  released.set_office(fields->elements[1].str);
  SetTimestamp(absl::FromUnixMillis(Int(fields->elements[2].str)), released.mutable_start());
  SetTimestamp(absl::FromUnixMillis(Int(fields->elements[3].str)), released.mutable_end());
  std::vector<std::string> argv = {reservation_id};
  // Keyed like the reservation's other events (reservations made before codes were chosen at
  // reservation time have none: their id is their key).
  const std::string& code = fields->elements[4].str;
  platform::outbox::Outbox::AppendArgs(
      outbox_.NewEvent(code.empty() ? reservation_id : code, released, traceparent), &argv);
  auto reply = Run(ReleaseScript(), std::move(argv), command);
  if (!reply.ok()) return reply.status();
  if (auto replay = ReplayOf(*reply)) return replay->status();
  const std::string& tag = Tag(*reply);
  if (tag == "ok") return absl::OkStatus();
  if (tag == "expired") return ReservationExpired();
  if (tag == "unknown") return ReservationNotFound();
  return Unexpected(ReleaseScript(), *reply);
}

absl::StatusOr<BookingRecord> Store::Confirm(const std::string& reservation_id,
                                             const Contact& contact,
                                             std::string_view traceparent,
                                             const CommandKey& command) {
  auto fields = pool_.Command({"HGETALL", options_.key_prefix + "res:" + reservation_id});
  if (!fields.ok()) return fields.status();
  std::map<std::string, std::string> f = ToMap(*fields);
  if (f["kind"] != "reservation") return ReservationNotFound();
  if (f["status"] == "expired") return ReservationExpired();
  // A repeated command finds its record in the script (the reservation is confirmed by then).
  if (f["status"] == "confirmed" && command.record.empty()) {
    return platform::WithProblem(absl::AlreadyExistsError("the reservation is already confirmed"),
                       "reservation-confirmed");
  }
  if (f["status"] != "held" && f["status"] != "confirmed") return ReservationNotFound();

  BookingRecord b;
  b.office = f["office"];
  if (!absl::ParseCivilTime(f["date"], &b.day)) return absl::DataLossError("reservation date");
  b.first_bucket = static_cast<int>(Int(f["b0"]));
  b.buckets = static_cast<int>(Int(f["n"]));
  b.items = DecodeItems(f["services"]);
  b.start = absl::FromUnixMillis(Int(f["start"]));
  b.end = absl::FromUnixMillis(Int(f["end"]));
  b.status = "booked";
  b.contact = contact;
  b.reservation_id = reservation_id;

  // The code chosen when the reservation was made (older reservations have none yet).
  const std::string reserved_code = f["code"];
  for (int attempt = 0; attempt < 5; ++attempt) {
    b.code = reserved_code.empty() ? NewBookingCode() : reserved_code;
    v1::AppointmentBooked booked;
    booked.set_code(b.code);
    booked.set_office(b.office);
    SetServices(b.items, &booked);
    SetTimestamp(b.start, booked.mutable_start());
    SetTimestamp(b.end, booked.mutable_end());
    booked.set_reservation_id(reservation_id);
    std::vector<std::string> sealed = SealContact(b.code, contact);
    std::vector<std::string> argv = {reservation_id, b.code, QuotaKeyFor(contact.email),
                                     absl::StrCat(options_.quota), sealed[0], sealed[1], sealed[2],
                                     absl::StrCat(absl::ToInt64Milliseconds(options_.retention))};
    platform::outbox::Outbox::AppendArgs(outbox_.NewEvent(b.code, booked, traceparent), &argv);
    argv.push_back(contact.language);
    auto reply = Run(ConfirmScript(), std::move(argv), command);
    if (!reply.ok()) return reply.status();
    if (auto replay = ReplayOf(*reply)) {
      if (!replay->ok()) return replay->status();
      return GetBooking((*replay)->ref);
    }
    const std::string& tag = Tag(*reply);
    if (tag == "code-collision" && reserved_code.empty()) continue;
    if (tag == "code-collision") {
      return absl::InternalError("the reservation's booking code is taken");
    }
    if (tag == "expired") return ReservationExpired();
    if (tag == "quota") return QuotaReached();
    if (tag == "pickup-code") {
      auto kind = pool_.Command({"HGET", absl::StrCat(options_.key_prefix, "pickup:", f["pickup"]), "kind"});
      return kind.ok() && kind->str == "registration" ? RegistrationCodeInvalid() : PickupCodeInvalid();
    }
    if (tag == "unknown") return ReservationNotFound();
    if (tag == "confirmed") {
      return platform::WithProblem(absl::AlreadyExistsError("the reservation is already confirmed"),
                         "reservation-confirmed");
    }
    if (tag != "ok" || reply->elements.size() != 2) return Unexpected(ConfirmScript(), *reply);
    b.created_at = absl::FromUnixMillis(reply->elements[1].integer);
    if (!f["pickup"].empty()) {
      auto regcase = pool_.Command({"HGET", absl::StrCat(options_.key_prefix, "bk:", b.code), "regcase"});
      if (regcase.ok() && !regcase->is_nil()) b.registration_id = regcase->str;
    }
    return b;
  }
  return absl::InternalError("no free booking code after 5 attempts");
}

absl::StatusOr<BookingRecord> Store::Book(const Placement& p, const Contact& contact,
                                          std::string_view traceparent,
                                          const CommandKey& command) {
  BookingRecord b{.office = p.office, .day = p.day, .first_bucket = p.first_bucket,
                  .buckets = p.buckets, .items = p.items, .start = p.start, .end = p.end,
                  .status = "booked", .contact = contact};
  for (int attempt = 0; attempt < 5; ++attempt) {
    b.code = NewBookingCode();
    v1::AppointmentBooked booked;
    booked.set_code(b.code);
    booked.set_office(b.office);
    SetServices(b.items, &booked);
    SetTimestamp(b.start, booked.mutable_start());
    SetTimestamp(b.end, booked.mutable_end());
    std::vector<std::string> sealed = SealContact(b.code, contact);
    std::vector<std::string> argv = {
        p.office, FormatDay(p.day), absl::StrCat(p.first_bucket), absl::StrCat(p.buckets),
        absl::StrCat(p.counters), b.code, QuotaKeyFor(contact.email),
        absl::StrCat(options_.quota), Ms(p.start), Ms(p.end), EncodeItems(p.items),
        sealed[0], sealed[1], sealed[2],
        absl::StrCat(absl::ToInt64Milliseconds(options_.retention))};
    platform::outbox::Outbox::AppendArgs(outbox_.NewEvent(b.code, booked, traceparent), &argv);
    argv.push_back(p.pickup_code);
    argv.push_back(p.code_kind);
    argv.push_back(contact.language);
    auto reply = Run(BookScript(), std::move(argv), command);
    if (!reply.ok()) return reply.status();
    if (auto replay = ReplayOf(*reply)) {
      if (!replay->ok()) return replay->status();
      return GetBooking((*replay)->ref);
    }
    const std::string& tag = Tag(*reply);
    if (tag == "code-collision") continue;
    if (tag == "taken") return SlotTaken();
    if (tag == "quota") return QuotaReached();
    if (tag == "pickup-code") return EntitlementInvalid(p);
    if (tag != "ok" || reply->elements.size() != 2) return Unexpected(BookScript(), *reply);
    b.created_at = absl::FromUnixMillis(reply->elements[1].integer);
    if (p.code_kind == "registration") {
      auto regcase = pool_.Command({"HGET", absl::StrCat(options_.key_prefix, "bk:", b.code), "regcase"});
      if (regcase.ok() && !regcase->is_nil()) b.registration_id = regcase->str;
    }
    return b;
  }
  return absl::InternalError("no free booking code after 5 attempts");
}

absl::StatusOr<BookingRecord> Store::GetBooking(const std::string& code) {
  auto reply = pool_.Command({"HGETALL", options_.key_prefix + "bk:" + code});
  if (!reply.ok()) return reply.status();
  return ParseBooking(code, ToMap(*reply));
}

absl::StatusOr<BookingRecord> Store::Reschedule(const BookingRecord& current, const Placement& to,
                                                std::string_view traceparent,
                                                const CommandKey& command) {
  v1::AppointmentRescheduled event;
  event.set_code(current.code);
  event.set_office(current.office);
  SetServices(current.items, &event);
  SetTimestamp(current.start, event.mutable_previous_start());
  SetTimestamp(current.end, event.mutable_previous_end());
  SetTimestamp(to.start, event.mutable_start());
  SetTimestamp(to.end, event.mutable_end());
  event.set_sequence(current.reschedule_count + 1);
  std::vector<std::string> argv = {
      current.code, absl::StrCat(current.reschedule_count), FormatDay(to.day),
      absl::StrCat(to.first_bucket), absl::StrCat(to.buckets), absl::StrCat(to.counters),
      Ms(to.start), Ms(to.end), absl::StrCat(absl::ToInt64Milliseconds(options_.retention)),
      absl::StrCat(absl::ToInt64Milliseconds(options_.cancel_cooldown))};
  platform::outbox::Outbox::AppendArgs(outbox_.NewEvent(current.code, event, traceparent), &argv);
  auto reply = Run(RescheduleScript(), std::move(argv), command);
  if (!reply.ok()) return reply.status();
  if (auto replay = ReplayOf(*reply)) {
    if (!replay->ok()) return replay->status();
    return GetBooking((*replay)->ref);
  }
  const std::string& tag = Tag(*reply);
  if (tag == "unknown") return BookingNotFound();
  if (tag == "status" && reply->elements.size() == 2) return WrongStatus(reply->elements[1].str);
  if (tag == "changed") return Changed();
  if (tag == "taken") return SlotTaken();
  if (tag != "ok" || reply->elements.size() != 2) return Unexpected(RescheduleScript(), *reply);
  BookingRecord b = current;
  b.day = to.day;
  b.first_bucket = to.first_bucket;
  b.buckets = to.buckets;
  b.start = to.start;
  b.end = to.end;
  b.reschedule_count = static_cast<int>(reply->elements[1].integer);
  return b;
}

absl::Status Store::Cancel(const BookingRecord& current, std::string_view traceparent,
                           const CommandKey& command) {
  v1::AppointmentCancelled event;
  event.set_code(current.code);
  event.set_office(current.office);
  SetServices(current.items, &event);
  SetTimestamp(current.start, event.mutable_start());
  SetTimestamp(current.end, event.mutable_end());
  std::vector<std::string> argv = {
      current.code, absl::StrCat(current.reschedule_count),
      absl::StrCat(absl::ToInt64Milliseconds(options_.cancel_cooldown))};
  platform::outbox::Outbox::AppendArgs(outbox_.NewEvent(current.code, event, traceparent), &argv);
  auto reply = Run(CancelScript(), std::move(argv), command);
  if (!reply.ok()) return reply.status();
  if (auto replay = ReplayOf(*reply)) return replay->status();
  const std::string& tag = Tag(*reply);
  if (tag == "ok") return absl::OkStatus();
  if (tag == "unknown") return BookingNotFound();
  if (tag == "status" && reply->elements.size() == 2) return WrongStatus(reply->elements[1].str);
  if (tag == "changed") return Changed();
  return Unexpected(CancelScript(), *reply);
}

absl::StatusOr<BookingRecord> Store::SetStatus(const BookingRecord& current,
                                               std::string_view status,
                                               std::string_view traceparent,
                                               const CommandKey& command) {
  std::vector<std::string> argv = {current.code, std::string(status)};
  const absl::Time now = absl::Now();
  if (status == "checked-in") {
    v1::AppointmentCheckedIn event;
    event.set_code(current.code);
    event.set_office(current.office);
    SetServices(current.items, &event);
    SetTimestamp(current.start, event.mutable_start());
    SetTimestamp(now, event.mutable_checked_in_at());
    platform::outbox::Outbox::AppendArgs(outbox_.NewEvent(current.code, event, traceparent), &argv);
  } else if (status == "no-show") {
    v1::AppointmentNoShow event;
    event.set_code(current.code);
    event.set_office(current.office);
    SetServices(current.items, &event);
    SetTimestamp(current.start, event.mutable_start());
    platform::outbox::Outbox::AppendArgs(outbox_.NewEvent(current.code, event, traceparent), &argv);
  } else {
    return absl::InternalError(absl::StrCat("SetStatus: unsupported status ",
                                            absl::string_view(status.data(), status.size())));
  }
  auto reply = Run(SetStatusScript(), std::move(argv), command);
  if (!reply.ok()) return reply.status();
  if (auto replay = ReplayOf(*reply)) {
    if (!replay->ok()) return replay->status();
    return GetBooking((*replay)->ref);
  }
  const std::string& tag = Tag(*reply);
  if (tag == "unknown") return BookingNotFound();
  if (tag == "status" && reply->elements.size() == 2) return WrongStatus(reply->elements[1].str);
  if (tag != "ok") return Unexpected(SetStatusScript(), *reply);
  BookingRecord b = current;
  b.status = std::string(status);
  return b;
}

absl::StatusOr<std::vector<BookingRecord>> Store::ListDay(const std::string& office,
                                                          absl::CivilDay day) {
  auto codes = pool_.Command({"SMEMBERS", absl::StrCat(options_.key_prefix, "day:", office, ":",
                                                       FormatDay(day))});
  if (!codes.ok()) return codes.status();
  std::vector<BookingRecord> bookings;
  if (codes->elements.empty()) return bookings;
  std::vector<std::vector<std::string>> commands;
  for (const redis::Reply& code : codes->elements) {
    commands.push_back({"HGETALL", options_.key_prefix + "bk:" + code.str});
  }
  auto replies = pool_.Pipeline(commands);
  if (!replies.ok()) return replies.status();
  for (size_t i = 0; i < replies->size(); ++i) {
    if (!(*replies)[i].ok()) return (*replies)[i].status();
    auto booking = ParseBooking(codes->elements[i].str, ToMap(*(*replies)[i]));
    if (booking.ok()) bookings.push_back(std::move(*booking));  // gone: retention ended
  }
  std::sort(bookings.begin(), bookings.end(), [](const BookingRecord& a, const BookingRecord& b) {
    return std::tie(a.start, a.code) < std::tie(b.start, b.code);
  });
  return bookings;
}

absl::StatusOr<Store::ExpireResult> Store::ExpireDue(int max_days) {
  auto reply = Run(ExpireScript(), {absl::StrCat(max_days)});
  if (!reply.ok()) return reply.status();
  if (!reply->is_array() || reply->elements.size() != 3) return Unexpected(ExpireScript(), *reply);
  ExpireResult result;
  result.freed = reply->elements[0].integer;
  if (reply->elements[1].integer >= 0) result.next = absl::FromUnixMillis(reply->elements[1].integer);
  result.now = absl::FromUnixMillis(reply->elements[2].integer);
  return result;
}

absl::Status Store::ApplyPickupReady(const std::string& code, const std::string& office,
                                     const std::string& application, const std::string& inbox_key,
                                     const std::string& inbox_ttl) {
  std::vector<std::string> argv = {options_.key_prefix, outbox_.stream_key(), code, office,
                                   application,
                                   absl::StrCat(absl::ToInt64Milliseconds(kPickupEntitlementLifetime)),
                                   inbox_ttl};
  auto reply = pool_.Eval(PickupReadyScript(), {inbox_key}, argv);
  return reply.ok() ? absl::OkStatus() : reply.status();
}

absl::Status Store::ApplyRegistrationRejected(const std::string& code, const std::string& office,
                                              const std::string& registration_id,
                                              const std::string& inbox_key,
                                              const std::string& inbox_ttl) {
  std::vector<std::string> argv = {options_.key_prefix, outbox_.stream_key(), code, office,
                                   registration_id,
                                   absl::StrCat(absl::ToInt64Milliseconds(kPickupEntitlementLifetime)),
                                   inbox_ttl};
  auto reply = pool_.Eval(RegistrationRejectedScript(), {inbox_key}, argv);
  return reply.ok() ? absl::OkStatus() : reply.status();
}

absl::Status Store::ApplyPickupHandedOver(const std::string& code, const std::string& inbox_key,
                                          const std::string& inbox_ttl,
                                          std::string_view traceparent) {
  // Read the booking to announce; the script checks that it is still the same (else again).
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto booking = pool_.Command({"HGET", absl::StrCat(options_.key_prefix, "pickup:", code), "booking"});
    if (!booking.ok()) return booking.status();
    const std::string booked = booking->is_nil() ? "" : booking->str;
    std::vector<std::string> argv = {options_.key_prefix, outbox_.stream_key(), code, booked};
    if (booked.empty()) {
      argv.push_back("0");
      argv.push_back(inbox_ttl);
      for (int i = 0; i < 8; ++i) argv.push_back("");
    } else {
      auto current = GetBooking(booked);
      if (!current.ok()) return current.status();
      argv.push_back(absl::StrCat(current->reschedule_count));
      argv.push_back(inbox_ttl);
      v1::AppointmentCompleted event;
      event.set_code(current->code);
      event.set_office(current->office);
      SetServices(current->items, &event);
      SetTimestamp(current->start, event.mutable_start());
      SetTimestamp(current->end, event.mutable_end());
      platform::outbox::Outbox::AppendArgs(outbox_.NewEvent(current->code, event, traceparent),
                                           &argv);
    }
    auto reply = pool_.Eval(PickupDoneScript(), {inbox_key}, argv);
    if (!reply.ok()) return reply.status();
    if (Tag(*reply) != "changed") return absl::OkStatus();
  }
  return absl::AbortedError("the pickup booking kept changing; the event is tried again");
}

}  // namespace rathaus::appointments
