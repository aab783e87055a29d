// Redis state of the appointments service. Every change of capacity or of a booking is ONE Lua
// script (lua/*.lua, with the outbox prelude and lua/lib.lua) that checks, changes and appends
// the event to the outbox; concurrent requests for the same slot serialize in Redis, so there
// is never a double booking. Inputs are validated before a script runs (Redis does not roll a
// script back), and every script that reads or changes an office day first purges that day's
// expired holds, so a reservation's capacity is free exactly at its expiry.
//
//   Store store(pool, outbox, {.key_prefix = "appt:", .hold = absl::Minutes(10)});
//   absl::StatusOr<ReservationRecord> r = store.Reserve(placement, traceparent);
//   absl::StatusOr<BookingRecord> b = store.Confirm(r->id, contact, traceparent);
//   // ABORTED + problem "slot-taken", FAILED_PRECONDITION + "reservation-expired" / "quota-reached"
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/appointments/domain/visit.h"
#include "shared/crypto/personal_data.h"
#include "shared/outbox/outbox.h"
#include "shared/redis/command.h"
#include "shared/redis/redis.h"

namespace rathaus::appointments {

struct StoreOptions {
  std::string key_prefix = "appt:";
  absl::Duration hold = absl::Minutes(10);                   // RATHAUS_RESERVATION_HOLD
  int quota = 2;                                             // RATHAUS_BOOKING_QUOTA
  std::set<std::string> quota_whitelist;                     // normalised e-mails
  absl::Duration cancel_cooldown = absl::ZeroDuration();     // RATHAUS_CANCEL_COOLDOWN
  // Personal data is kept this long after the appointment's end.
  absl::Duration retention = absl::Hours(24 * 30);
  // Seals name, e-mail and phone; names the quota keys by a keyed hash of the e-mail
  // (shared/crypto/personal_data.h). Required: the store keeps no personal data in clear.
  const platform::crypto::DataKeys* data_keys = nullptr;
  // How long a command's Idempotency-Key is remembered (the gateway keeps its records as long).
  absl::Duration command_ttl = absl::Hours(24);
};

// A command's Idempotency-Key as the service scoped it (Store::Command): a command that ran
// with this key before answers with what it made (as it is now) instead of running again, and
// the key with another request is refused. Empty: the command always runs.
using CommandKey = platform::redis::CommandKey;

// Where a visit sits: checked against the catalog and opening hours by the caller.
struct Placement {
  std::string office;
  absl::CivilDay day;
  int first_bucket = 0;
  int buckets = 0;
  int counters = 1;
  absl::Time start;
  absl::Time end;
  std::vector<VisitItem> items;
  // For a service that needs one (ausweis-abholen), or a rejected registration's code: the
  // entitlement this visit uses, and its kind ("document" or "registration").
  std::string pickup_code;
  std::string code_kind;
};

struct Contact {
  std::string name;
  std::string email;
  std::string phone;
  std::string language = "de";  // of the e-mails: "de" or "en" (not personal, kept in clear)
};

struct ReservationRecord {
  std::string id;
  std::string code;  // the booking code it will have (Kafka key of its events)
  std::string office;
  std::vector<VisitItem> items;
  absl::Time start;
  absl::Time end;
  absl::Time expires_at;
};

struct BookingRecord {
  std::string code;
  std::string office;
  absl::CivilDay day;
  int first_bucket = 0;
  int buckets = 0;
  std::vector<VisitItem> items;
  absl::Time start;
  absl::Time end;
  std::string status;  // booked, cancelled, checked-in, no-show
  Contact contact;
  int reschedule_count = 0;
  absl::Time created_at;
  std::string reservation_id;
  std::string registration_id;  // booked with a rejected registration's code
};

class Store {
 public:
  Store(platform::redis::Pool& pool, const platform::outbox::Outbox& outbox, StoreOptions options);

  const StoreOptions& options() const { return options_; }

  // The record of the caller's `idempotency_key` within `scope` (the method and who may repeat
  // it) for a request of these bytes. Names and hashes are keyed (Lookup), so Redis holds no
  // request data and no key that a guess could test.
  CommandKey Command(std::string_view scope, std::string_view idempotency_key,
                     std::string_view request) const;

  // The use per bucket of each day (expired holds already subtracted), in one round trip.
  absl::StatusOr<std::vector<std::vector<int>>> ReadDays(const std::string& office,
                                                         const std::vector<absl::CivilDay>& days);

  absl::StatusOr<ReservationRecord> Reserve(const Placement& placement,
                                            std::string_view traceparent,
                                            const CommandKey& command = {});
  // NOT_FOUND when unknown or no longer held; FAILED_PRECONDITION "reservation-expired".
  absl::Status Release(const std::string& reservation_id, std::string_view traceparent,
                       const CommandKey& command = {});
  absl::StatusOr<BookingRecord> Confirm(const std::string& reservation_id, const Contact& contact,
                                        std::string_view traceparent,
                                        const CommandKey& command = {});
  absl::StatusOr<BookingRecord> Book(const Placement& placement, const Contact& contact,
                                     std::string_view traceparent,
                                     const CommandKey& command = {});

  // NOT_FOUND when unknown.
  absl::StatusOr<BookingRecord> GetBooking(const std::string& code);
  // `current` as read by GetBooking; ABORTED if it changed since.
  absl::StatusOr<BookingRecord> Reschedule(const BookingRecord& current, const Placement& to,
                                           std::string_view traceparent,
                                           const CommandKey& command = {});
  absl::Status Cancel(const BookingRecord& current, std::string_view traceparent,
                      const CommandKey& command = {});
  // "checked-in" or "no-show"; FAILED_PRECONDITION unless the booking is "booked".
  absl::StatusOr<BookingRecord> SetStatus(const BookingRecord& current, std::string_view status,
                                          std::string_view traceparent,
                                          const CommandKey& command = {});
  // Bookings of an office day, by start time.
  absl::StatusOr<std::vector<BookingRecord>> ListDay(const std::string& office,
                                                     absl::CivilDay day);

  struct ExpireResult {
    int64_t freed = 0;
    std::optional<absl::Time> next;  // earliest remaining hold (Redis clock)
    absl::Time now;                  // Redis clock
  };
  // Purges the office days whose earliest hold is due (at most `max_days` of them).
  absl::StatusOr<ExpireResult> ExpireDue(int max_days = 100);

  // Consumed from id-documents (inbox-guarded, one script each): a pickup entitlement for
  // `code` at `office`; the document handed over (its entitlement used up, an open pickup
  // booking done and its time free).
  absl::Status ApplyPickupReady(const std::string& code, const std::string& office,
                                const std::string& application, const std::string& inbox_key,
                                const std::string& inbox_ttl);
  // Consumed from registrations: a rejected case's code lets its holder book a counter visit
  // at `office` once; the booking names the case.
  absl::Status ApplyRegistrationRejected(const std::string& code, const std::string& office,
                                         const std::string& registration_id,
                                         const std::string& inbox_key, const std::string& inbox_ttl);
  absl::Status ApplyPickupHandedOver(const std::string& code, const std::string& inbox_key,
                                     const std::string& inbox_ttl, std::string_view traceparent);

  // Called after a new hold was made, with its expiry (the expirer wakes up earlier).
  void SetHoldListener(std::function<void(absl::Time)> listener) {
    hold_listener_ = std::move(listener);
  }

 private:
  absl::StatusOr<platform::redis::Reply> Run(const platform::redis::Script& script,
                                             std::vector<std::string> argv,
                                             const CommandKey& command = {});
  absl::StatusOr<ReservationRecord> GetReservation(const std::string& id, absl::Time expires_at);
  std::string QuotaKeyFor(const std::string& email) const;
  // name, email, phone as stored for booking `code`.
  std::vector<std::string> SealContact(const std::string& code, const Contact& contact) const;
  absl::StatusOr<BookingRecord> ParseBooking(const std::string& code,
                                             std::map<std::string, std::string> fields) const;

  platform::redis::Pool& pool_;
  const platform::outbox::Outbox& outbox_;
  StoreOptions options_;
  std::function<void(absl::Time)> hold_listener_;
};

// "YYYY-MM-DD".
std::string FormatDay(absl::CivilDay day);

}  // namespace rathaus::appointments
