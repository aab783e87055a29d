// Redis state of the id-documents service. Every change is ONE Lua script (lua/*.lua, with the
// platform prelude and lua/lib.lua) that checks, changes and appends its events to the outbox.
// The status import reads what it needs first, decides per line here (duplicate, stale,
// illegal, accepted) and writes the accepted lines in one script per batch that re-checks what
// it read (a concurrent import makes a line 'changed': it is decided again).
//
//   Store store(pool, outbox, {.data_keys = &kit.data_keys()});
//   auto app = store.Register({.serial = "L01X00T47", .type = DocumentType::kPersonalausweis,
//                              .office = "kiel-mitte", .birth = day}, traceparent);
//   ImportResult r = *store.Import(lines, traceparent);
//   auto found = store.Lookup("L01X00T47", day);   // NOT_FOUND "document-unknown" alike
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "domain/document.h"
#include "shared/crypto/personal_data.h"
#include "shared/outbox/outbox.h"
#include "shared/redis/command.h"
#include "shared/redis/redis.h"

namespace rathaus::id_documents {

struct StoreOptions {
  std::string key_prefix = "idd:";
  const platform::crypto::DataKeys* data_keys = nullptr;  // required
  // The serial numbers' lookup key shared with registrations (RATHAUS_SERIAL_LOOKUP_KEY_FILE);
  // null: data_keys' lookup key.
  const platform::crypto::SharedLookup* serial_lookup = nullptr;
  absl::Duration pickup_reminder = absl::Hours(24 * 14);  // RATHAUS_ID_DOCUMENTS_PICKUP_REMINDER
  absl::Duration retention = absl::Hours(24 * 90);        // RATHAUS_ID_DOCUMENTS_RETENTION
  int lookup_failures = 5;                               // wrong birth dates before the lockout
  absl::Duration lookup_lockout = absl::Hours(1);
  absl::Duration command_ttl = absl::Hours(24);          // Idempotency-Key records
};

struct NewApplication {
  std::string serial;  // normalised (NormalizeSerial)
  DocumentType type = DocumentType::kPersonalausweis;
  std::string office;
  absl::CivilDay birth;
  Delivery delivery = Delivery::kPickup;
  std::string email;  // may be empty
  std::string language = "de";  // of the e-mails: de or en
};

struct ApplicationRecord {
  std::string id;
  DocumentType type = DocumentType::kPersonalausweis;
  std::string office;
  Delivery delivery = Delivery::kPickup;
  State status = State::kApplied;
  absl::Time status_at;
  absl::Time created_at;
  bool pin_letter_sent = false;
  std::string pickup_code;
  int fee_cents = 0;
  bool old_document_invalidated = false;
  bool handed_to_proxy = false;
  bool address_sticker_due = false;
  absl::Time address_sticker_since;
};

// One line of a status import, parsed: `status` a state's name or PIN_LETTER_SENT.
struct ImportLine {
  int line = 0;
  std::string serial;  // normalised
  std::string status;
  absl::Time at;
};

struct ImportResult {
  int accepted = 0;
  int duplicates = 0;
  int stale = 0;
  std::vector<std::pair<int, std::string>> rejected;  // line, reason
};

struct ProxyPerson {
  std::string name;
  absl::CivilDay birth;
};

// An Idempotency-Key as the service scoped it (shared/redis/command.h): empty: always runs.
using CommandKey = platform::redis::CommandKey;

class Store {
 public:
  Store(platform::redis::Pool& pool, const platform::outbox::Outbox& outbox, StoreOptions options);

  const StoreOptions& options() const { return options_; }
  CommandKey Command(std::string_view scope, std::string_view idempotency_key,
                     std::string_view request) const;

  // ALREADY_EXISTS "serial-in-use" while the serial has an open application.
  absl::StatusOr<ApplicationRecord> Register(const NewApplication& application,
                                             std::string_view traceparent,
                                             const CommandKey& command = {});
  // Lines in the order of the import; each is accepted, a duplicate, stale or rejected.
  absl::StatusOr<ImportResult> Import(const std::vector<ImportLine>& lines,
                                      std::string_view traceparent);
  // NOT_FOUND for an unknown id.
  absl::StatusOr<ApplicationRecord> Get(const std::string& id);
  // The citizen's optional notification address, opened; "" when none was given.
  absl::StatusOr<std::string> NotificationEmail(const std::string& id);
  // The language of the e-mails to the applicant ("de" unless "en" was given).
  absl::StatusOr<std::string> NotificationLanguage(const std::string& id);
  // NOT_FOUND "document-unknown" for an unknown serial, a wrong birth date and a locked serial
  // alike (the same message).
  absl::StatusOr<ApplicationRecord> Lookup(const std::string& serial, absl::CivilDay birth);
  // FAILED_PRECONDITION "document-not-ready" unless READY_FOR_PICKUP.
  absl::StatusOr<ApplicationRecord> HandOver(const std::string& id, bool old_document_invalidated,
                                             const std::optional<ProxyPerson>& proxy,
                                             std::string_view traceparent,
                                             const CommandKey& command = {});
  // Newest state first; `status` empty for all. *total: how many there are.
  absl::StatusOr<std::vector<ApplicationRecord>> List(const std::string& office,
                                                      const std::string& status, int offset,
                                                      int count, int64_t* total);

  // registrations' AddressChanged: an address sticker task for every document of `serial_hashes`
  // this service knows; applied once per event (inbox). *created / *unknown: what it did.
  absl::Status ApplyAddressChanged(const std::vector<std::string>& serial_hashes,
                                   const std::string& inbox_key, const std::string& inbox_ttl,
                                   int64_t* created, int64_t* unknown);
  // The sticker is on: FAILED_PRECONDITION "no-address-sticker-due" when none is due.
  absl::StatusOr<ApplicationRecord> ConfirmAddressSticker(const std::string& id);
  // The office's due stickers, oldest first. *total: how many.
  absl::StatusOr<std::vector<ApplicationRecord>> ListAddressStickers(const std::string& office,
                                                                     int offset, int count,
                                                                     int64_t* total);

  struct TimerResult {
    int64_t fired = 0;
    std::optional<absl::Time> next;  // Redis clock
    absl::Time now;
  };
  absl::StatusOr<TimerResult> FireDueTimers(int max = 500);
  // Called with the due time of every timer set (the timer loop wakes up earlier if needed).
  void SetTimerListener(std::function<void(absl::Time)> listener) {
    timer_listener_ = std::move(listener);
  }

 private:
  absl::StatusOr<platform::redis::Reply> Run(const platform::redis::Script& script,
                                             std::vector<std::string> argv,
                                             const CommandKey& command = {});
  static constexpr size_t kImportBatch = 500;  // lines decided and written per round trip
  // Import for one part of the lines (every line of a serial in the same part), in order.
  absl::StatusOr<ImportResult> ImportPart(const std::vector<ImportLine>& lines,
                                          std::string_view traceparent);
  // One round of the import over `lines` (indexes into `all`): decides and writes; the indexes
  // of lines to decide again (a concurrent change) go to *again.
  absl::Status ImportRound(const std::vector<ImportLine>& all, const std::vector<size_t>& lines,
                           std::string_view traceparent, ImportResult* result,
                           std::vector<size_t>* again);
  std::string SerialLookup(const std::string& serial) const;
  std::string BirthHash(const std::string& serial, absl::CivilDay birth) const;

  platform::redis::Pool& pool_;
  const platform::outbox::Outbox& outbox_;
  StoreOptions options_;
  std::function<void(absl::Time)> timer_listener_;
};

}  // namespace rathaus::id_documents
