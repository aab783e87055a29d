// Redis state of the e-file service (key layout in lua/lib.lua). A filing is ONE Lua script
// (lua/file.lua): the Vorgang (opened on first sight of its source aggregate), its documents,
// the audit entries and the outbox events, with the consumed event's inbox record. Document
// bytes go to the content-addressed blob store first (fsync), so a filing never names a blob
// that is not on disk.
//
// The audit log: the filing scripts append entries to a Redis list (sequencing: an entry's index
// is fixed in the same atomic step as the change it records); Integrate() then hashes new entries
// into the Merkle tree (merkle.h) and stores the new perfect-subtree nodes and the integrated
// size (lua/integrate.lua). Nodes depend only on the entries, so two replicas integrating at the
// same time write the same nodes and the size moves forward once. Heads and proofs are served for
// the integrated size; nodes never change once written, so they are cached in the process.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/time/civil_time.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "domain/abgabe.h"
#include "domain/aktenplan.h"
#include "domain/merkle.h"
#include "rathaus/e_file/v1/audit.pb.h"
#include "rathaus/e_file/v1/e_file.pb.h"
#include "shared/blob/blob_store.h"
#include "shared/outbox/outbox.h"
#include "shared/redis/redis.h"

namespace rathaus::efile {

namespace v1 = ::rathaus::e_file::v1;

struct StoreOptions {
  std::string key_prefix = "efile:";
  int integrate_batch = 1000;  // entries hashed per integration step
  size_t node_cache = 1 << 20; // nodes kept in the process (immutable once written)
};

struct DocumentToFile {
  std::string title;
  std::string kind;        // event, original, report, certificate, statistics
  std::string media_type;
  std::string bytes;
  std::string source_event_id;
};

// What one consumed event files (lua/file.lua).
struct Filing {
  std::string service;     // the source service, e.g. "e-invoice"
  std::string source_id;   // its aggregate id
  const AktenplanItem* item = nullptr;
  std::string akte_group;  // the Akte's key within the item
  std::string akte_title;
  std::string subject;     // for a new Vorgang
  std::string department;  // "" keeps the Vorgang's
  std::string statistic;   // a type to count ("" none)
  bool close = false;      // the source's case ended
  std::string actor;       // who files: the source event ("rathaus.x.v1.Type#<ce_id>")
  std::string fetch;       // a document to fetch by reference (fetcher.h): "e-invoice|<id>|<sha>"
  std::vector<DocumentToFile> documents;
};

struct FileResult {
  bool applied = false;    // false: the event was applied before
  std::string vorgang;     // its Aktenzeichen
  int documents_added = 0;
  int versions_added = 0;
};

struct DocumentBytes {
  v1::Document document;
  std::string bytes;
};

struct AuditEntryRecord {
  uint64_t index = 0;
  std::string entry;
};

class Store {
 public:
  Store(platform::redis::Pool& pool, const platform::outbox::Outbox& outbox,
        const platform::BlobStore& blobs, const Aktenplan& plan, StoreOptions options = {});
  ~Store();

  // Files the documents (bytes to the blob store first) and applies the change once per inbox
  // key ("" without: a filing that is not a consumed event). `now` sets the closing day
  // (Europe/Berlin) and the entries' time.
  absl::StatusOr<FileResult> File(const Filing& filing, std::string_view inbox_key,
                                  std::string_view inbox_ttl, absl::Time now);

  // Many filings in one go (a consumed batch): the documents' blobs with two file-system syncs
  // in all (BlobStore::PutMany), the scripts pipelined in one round trip. One result per filing.
  struct Incoming {
    const Filing* filing = nullptr;
    std::string_view inbox_key;
    std::string_view inbox_ttl;
  };
  std::vector<absl::StatusOr<FileResult>> FileMany(const std::vector<Incoming>& batch,
                                                   absl::Time now);

  // A Vorgang with (or without) its documents; NOT_FOUND for an unknown one.
  absl::StatusOr<v1::Vorgang> GetVorgang(std::string_view aktenzeichen, bool with_documents);

  struct Query {
    std::string q, item;
    std::optional<absl::Time> from, to;  // opening time, [from, to)
    std::vector<std::string> departments;  // "*": all
    int page_size = 50;
    std::string page_token;
  };
  struct Page {
    std::vector<v1::Vorgang> files;
    std::string next_page_token;
  };
  absl::StatusOr<Page> List(const Query& query);

  // A document's bytes (newest version when version is 0), read from the blob store and checked
  // against the filed SHA-256; the read is appended to the audit log as done by `actor`.
  absl::StatusOr<DocumentBytes> ReadDocument(std::string_view aktenzeichen, int version,
                                             std::string_view actor, absl::Time now);

  // Files the statistics document of every day-statistics Vorgang whose day is over (before
  // `now`'s day in Europe/Berlin) and closes it; how many. Idempotent: a repeated run files the
  // same bytes again, which adds nothing.
  absl::StatusOr<int> CloseDays(absl::Time now);

  // --- retention
  // Closed Vorgänge due on or before `until`, not held, by disposal date (offset pages).
  absl::StatusOr<Page> ListDue(absl::CivilDay until, int offset, int page_size);
  // Sets (hold) or releases a legal hold; FAILED_PRECONDITION vorgang-disposed.
  absl::Status SetHold(std::string_view aktenzeichen, bool hold, std::string_view reason,
                       std::string_view actor, absl::Time now);
  // Disposes of a closed Vorgang whose date has come (lua/dispose.lua), then deletes the blobs
  // no other document names. FAILED_PRECONDITION with the problem (vorgang-open, legal-hold,
  // retention-not-over, decision-required, export-required, vorgang-disposed).
  absl::Status Dispose(std::string_view aktenzeichen, std::string_view decision,
                       std::string_view actor, absl::Time now);
  // Builds the export package of closed Vorgänge (domain/abgabe.h), stores its zip in the blob
  // store and marks them exported (lua/export.lua). FAILED_PRECONDITION vorgang-open /
  // vorgang-disposed naming the Vorgang; RESOURCE_EXHAUSTED above `max_bytes` of documents.
  absl::StatusOr<v1::Export> CreateExport(const std::vector<std::string>& aktenzeichen,
                                          std::string_view authority, std::string_view actor,
                                          int64_t max_bytes, absl::Time now);
  // The package's zip; NOT_FOUND for an unknown id.
  absl::StatusOr<std::string> ExportZip(std::string_view id);
  // References whose fetch is due (fetcher.h), at most `limit`.
  absl::StatusOr<std::vector<std::string>> DueFetches(absl::Time now, int limit);
  absl::Status FetchDone(const std::string& reference);
  // The next attempt: 5 s doubling to 1 h (`permanent`: 1 h at once).
  absl::Status FetchLater(const std::string& reference, absl::Time now, bool permanent);
  // Every blob a document names (the blob collector's list).
  absl::StatusOr<absl::flat_hash_set<std::string>> BlobsInUse();

  // --- audit log
  // Hashes up to options.integrate_batch new entries into the tree; how many.
  absl::StatusOr<int64_t> Integrate();
  absl::StatusOr<uint64_t> IntegratedSize();
  absl::StatusOr<uint64_t> SequencedSize();
  absl::StatusOr<std::string> Root(uint64_t size);
  absl::StatusOr<std::vector<std::string>> InclusionProof(uint64_t index, uint64_t size);
  absl::StatusOr<std::vector<std::string>> ConsistencyProof(uint64_t first, uint64_t second);
  absl::StatusOr<AuditEntryRecord> Entry(uint64_t index);
  // The index of the entry with this leaf hash (32 raw bytes), once integrated.
  absl::StatusOr<uint64_t> IndexOfLeaf(std::string_view leaf_hash);
  absl::Status SaveTreeHead(const v1::SignedTreeHead& sth);
  // NOT_FOUND before the first head was signed.
  absl::StatusOr<v1::SignedTreeHead> LatestTreeHead();

  const Aktenplan& plan() const { return plan_; }
  platform::redis::Pool& pool() { return pool_; }

 private:
  class Nodes;
  // lua/file.lua's arguments for `filing` whose documents are stored under `shas`.
  std::vector<std::string> FileArgs(const Filing& filing, const std::vector<std::string>& shas,
                                    std::string_view inbox_ttl, absl::Time now) const;
  static absl::StatusOr<FileResult> FileReply(const platform::redis::Reply& reply);
  std::string Key(std::string_view suffix) const;
  v1::Vorgang ToVorgang(std::string_view az, std::map<std::string, std::string> f) const;

  platform::redis::Pool& pool_;
  const platform::outbox::Outbox& outbox_;
  const platform::BlobStore& blobs_;
  const Aktenplan& plan_;
  StoreOptions options_;
  absl::TimeZone berlin_;
  std::unique_ptr<Nodes> nodes_;
  std::mutex integrate_mu_;  // one integration at a time in this process
};

}  // namespace rathaus::efile
