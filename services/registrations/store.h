// Redis state of the registrations service. Every change is ONE Lua script (lua/*.lua, with the
// platform prelude and lua/lib.lua) that checks, changes and appends its events to the outbox;
// personal data (the submitted form, the clerk's questions, the answers, the PDFs) is sealed
// with the kit's personal-data keys; the citizen is known by a keyed hash of their subject.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shared/crypto/personal_data.h"
#include "shared/outbox/outbox.h"
#include "shared/redis/command.h"
#include "shared/redis/redis.h"

namespace rathaus::registrations {

struct StoreOptions {
  std::string key_prefix = "reg:";
  const platform::crypto::DataKeys* data_keys = nullptr;  // required
  // The serial numbers' lookup key shared with id-documents (RATHAUS_SERIAL_LOOKUP_KEY_FILE);
  // null: data_keys' lookup key.
  const platform::crypto::SharedLookup* serial_lookup = nullptr;
  absl::Duration claim_ttl = absl::Minutes(30);            // RATHAUS_REGISTRATIONS_CLAIM_TTL
  int code_attempts = 5;                                   // wrong letter codes before it is void
  absl::Duration command_ttl = absl::Hours(24);            // Idempotency-Key records
  absl::Duration export_retention = absl::Hours(24 * 30);  // RATHAUS_REGISTRATIONS_EXPORT_RETENTION
  absl::Duration retention = absl::Hours(24 * 180);        // RATHAUS_REGISTRATIONS_RETENTION
};

struct CaseRecord {
  std::string id;
  std::string type;
  std::string status;
  std::string office;
  std::string owner;          // keyed hash of the citizen's subject
  std::string move;           // YYYY-MM-DD
  std::string due;
  bool overdue = false;
  absl::Time submitted;
  absl::Time updated;
  int64_t version = 0;
  std::string claimed_by;     // "" when no claim lasts
  absl::Time claim_until;
  std::string confirmation;   // LANDLORD, LANDLORD_CODE, CODE_LETTER or ""
  bool letter_sent = false;
  bool code_confirmed = false;
  std::string data;           // the SubmitRegistrationRequest as submitted (opened), without email
  // The citizen's address for messages about the case (opened; "" for none). Kept apart from
  // the form: it is deleted EMAIL_RETENTION after the case ended, the form only after RETENTION.
  std::string email;
  std::string info_request;   // opened
  std::string answer;
  std::string rejection_reason;
  std::string counter_code;   // rejected: the code for the counter appointment
  bool code_letter_void = false;  // the letter's code was typed wrong too often
  std::string rueckmeldung_due;
  std::string first_approval;  // four eyes: the clerk who approved first
  std::vector<std::string> certificate_codes;  // per person, once accepted
};

// A change of one case (change.lua).
struct Change {
  enum class Mode { kClaim, kClerk, kOwner };
  Mode mode = Mode::kClerk;
  std::string actor;                        // the clerk's subject or the owner hash
  std::vector<std::string> allowed;         // statuses the case may be in
  std::string new_status;                   // "" keeps it
  std::optional<int64_t> expected_version;  // the version the caller read
  std::vector<std::pair<std::string, std::string>> fields;  // set as they are
  struct Certificate {
    std::string code;
    int person = 0;
    std::string sha256;
    std::string pdf;  // sealed by the store
  };
  std::vector<Certificate> certificates;
  std::vector<platform::outbox::OutgoingEvent> events;
  struct Export {
    std::string previous_municipality_key;
    std::string due;
    std::string xml;  // sealed by the store
  };
  std::optional<Export> rueckmeldung;
  // Timers set with the change: "purge|<id>", "email|<id>", "rueck|<id>" and when they are due.
  std::vector<std::pair<std::string, absl::Time>> timers;
};

struct ExportMessage {
  std::string cursor;
  std::string registration_id;
  std::string previous_municipality_key;
  std::string due;
  std::string xml;
  std::string error;  // the XML cannot be opened: xml stays empty
};

struct VerifiedCertificate {
  std::string sha256;
  std::string office;
  absl::Time issued;
};

using CommandKey = platform::redis::CommandKey;

class Store {
 public:
  Store(platform::redis::Pool& pool, const platform::outbox::Outbox& outbox, StoreOptions options);

  const StoreOptions& options() const { return options_; }
  const platform::outbox::Outbox& outbox() const { return outbox_; }
  CommandKey Command(std::string_view scope, std::string_view idempotency_key,
                     std::string_view request) const;
  // The keyed hash a citizen's subject is stored as.
  std::string OwnerOf(std::string_view subject) const;
  // The keyed hash of an ID document's serial number, as id-documents finds it.
  std::string SerialHash(std::string_view normalized_serial) const;

  // `record` carries id, type, office, owner, move, due, overdue, confirmation and data; the
  // store seals the data. Returns the stored case (an earlier one on a replayed command).
  absl::StatusOr<CaseRecord> Submit(const CaseRecord& record,
                                    const platform::outbox::OutgoingEvent& event,
                                    const CommandKey& command = {});
  // NOT_FOUND for an unknown id; DATA_LOSS when a sealed field cannot be opened, unless not
  // `strict` (lists): then the field stays empty and the error is logged.
  absl::StatusOr<CaseRecord> Get(const std::string& id, bool strict = true);
  // One step; the statuses and problems of change.lua become errors with problem names:
  // NOT_FOUND, FAILED_PRECONDITION "registration-not-in-this-state", ALREADY_EXISTS
  // "registration-claimed", FAILED_PRECONDITION "registration-not-claimed", ABORTED (changed
  // since read: read again).
  absl::StatusOr<CaseRecord> Apply(const std::string& id, const Change& change,
                                   const CommandKey& command = {});
  // The citizen's letter code: OK, NOT_FOUND, FAILED_PRECONDITION, or INVALID_ARGUMENT
  // "code-invalid" (with the attempts left in the message).
  absl::StatusOr<CaseRecord> ConfirmCode(const std::string& id, const std::string& owner,
                                         const std::string& code);
  // Oldest submission first; `status` empty for all. *total: how many there are.
  absl::StatusOr<std::vector<CaseRecord>> List(const std::string& office,
                                               const std::string& status, int offset, int count,
                                               int64_t* total);
  // The cases of one citizen (OwnerOf), newest submission first.
  absl::StatusOr<std::vector<CaseRecord>> ListOwn(const std::string& owner, int offset, int count,
                                                  int64_t* total);
  // The PDF of person `person` (1-based) of an accepted case; NOT_FOUND otherwise.
  absl::StatusOr<std::string> Certificate(const std::string& id, int person);
  // The Rückmeldungen after the cursor `after` (empty: from the oldest), at most `count`;
  // INVALID_ARGUMENT for a cursor that is none.
  absl::StatusOr<std::vector<ExportMessage>> Exports(const std::string& after, int count);
  // The Rückmeldungen past due that no integrator has fetched yet, of `office`, oldest first.
  absl::StatusOr<std::vector<CaseRecord>> ListRueckmeldungOverdue(const std::string& office,
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
  // NOT_FOUND for a code that was never issued.
  absl::StatusOr<VerifiedCertificate> Verify(const std::string& code);

 private:
  absl::StatusOr<platform::redis::Reply> Run(const platform::redis::Script& script,
                                             std::vector<std::string> argv,
                                             const CommandKey& command = {});
  std::string Context(const std::string& id, std::string_view field) const;
  // The cases an index (a zset of ids by submission time) names, one page; *total its size.
  absl::StatusOr<std::vector<CaseRecord>> ListIndex(const std::string& index, bool newest_first,
                                                    int offset, int count, int64_t* total);

  platform::redis::Pool& pool_;
  const platform::outbox::Outbox& outbox_;
  StoreOptions options_;
  std::function<void(absl::Time)> timer_listener_;
};

}  // namespace rathaus::registrations
