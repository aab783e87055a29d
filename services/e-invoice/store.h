// Redis access of the e-invoice service: every change is one Lua script (lua/*.lua) that also
// appends the change's events to the outbox. Invoices are hashes of strings (fields below);
// the original XML is not here but in the blob store, named by its SHA-256.
//
//   Store store(pool, outbox);
//   auto first = store.Submit(invoice, dup_key, history, events);   // ALREADY_EXISTS: duplicate
//   auto inv = store.Get(id);
//   store.Transition({.id = id, .expected = "ROUTED", .next = "FACTUALLY_APPROVED", ...});
//
// Fields: id status syntax verdict number issue_date type_code currency payable seller_name
// seller_vat_id buyer_name leitweg_id department sha256 size filename channel received_at
// received_ms factual_by arithmetic_by released_by released_at rejected_by rejection_reason errors
// warnings dup report (a serialized ValidationReport) submission_token_sha256 (hex; the token is
// the supplier's, never kept) original_until_ms original_deleted_ms (rejected invoices: the
// original's retention; once given up, sha256 is gone).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "shared/outbox/outbox.h"
#include "shared/redis/redis.h"

namespace rathaus::einvoice {

using Fields = std::map<std::string, std::string>;

struct StoredInvoice {
  Fields fields;
  std::vector<std::string> history;  // JSON entries, oldest first
  const std::string& Field(const std::string& name) const;
};

// ALREADY_EXISTS, problem "duplicate-invoice", naming the first invoice.
absl::Status DuplicateInvoice(const std::string& first_id);

struct TransitionStep {
  std::string id;
  std::string expected;       // the status the caller saw
  std::string next;
  std::string actor;          // clerk subject
  bool four_eyes = false;     // the factual approver may not take this step
  std::string department;     // new department ("" keeps it)
  bool release_duplicate_key = false;
  std::string history;        // JSON entry
  Fields set;                 // fields to set besides status
};

class Store {
 public:
  Store(platform::redis::Pool& pool, const platform::outbox::Outbox& outbox,
        std::string key_prefix = "inv:");

  // Writes the invoice, its history and events in one script. `dup_key` (hashed here) makes a
  // second invoice with the same key ALREADY_EXISTS, problem "duplicate-invoice", with the first
  // invoice's id in the message and in *first_id.
  absl::Status Submit(const Fields& invoice, const std::string& dup_key,
                      const std::vector<std::string>& history,
                      const std::vector<platform::outbox::OutgoingEvent>& events,
                      std::string* first_id);

  // The id of the accepted invoice `dup_key` names, or "" (a cheap look before the original is
  // written; Submit decides atomically).
  absl::StatusOr<std::string> FindDuplicate(const std::string& dup_key);

  // NOT_FOUND for an unknown id.
  absl::StatusOr<StoredInvoice> Get(const std::string& id);

  // ABORTED when the invoice moved on meanwhile (the caller reads again), PERMISSION_DENIED
  // "four-eyes", NOT_FOUND.
  absl::Status Transition(const TransitionStep& step,
                          const platform::outbox::OutgoingEvent& event);

  // Newest first; `department` "*" for all. *total is the size of the whole index.
  absl::StatusOr<std::vector<StoredInvoice>> List(const std::string& status,
                                                  const std::string& department, int offset,
                                                  int count, int64_t* total);

  // Gives up the originals of up to `max` rejected invoices whose retention ended (the record
  // keeps everything else, with original_deleted_ms). `next`: the earliest retention left.
  struct ExpiryRun {
    int64_t fired = 0;
    std::optional<absl::Time> next;
    absl::Time now;
  };
  absl::StatusOr<ExpiryRun> ExpireRejectedOriginals(int max = 500);

  // The SHA-256 of every original an invoice record names (for the blob collection): invoice
  // records are kept without a TTL, so this is every original still needed.
  absl::StatusOr<absl::flat_hash_set<std::string>> BlobsInUse();

 private:
  std::string DupHash(const std::string& dup_key) const;
  absl::StatusOr<platform::redis::Reply> Run(const platform::redis::Script& script,
                                             std::vector<std::string> argv);

  platform::redis::Pool& pool_;
  const platform::outbox::Outbox& outbox_;
  std::string prefix_;
};

}  // namespace rathaus::einvoice
