// A content-addressed store of large binary documents (invoice originals, e-file documents) on
// a local file system, per DESIGN.md "State": a blob's name is the SHA-256 of its bytes, and Put
// returns only after the bytes and the directory entry are on disk (fsync), so a caller may
// record the name in Redis right after.
//
//   BlobStore blobs("/var/lib/rathaus/blobs/e-invoice");
//   absl::StatusOr<std::string> sha = blobs.Put(xml_bytes);   // 64 hex characters
//   absl::StatusOr<std::string> back = blobs.Get(*sha);       // checked against its name
//
// Layout: <root>/<first two hex>/<all 64 hex>. Writing the same bytes twice stores them once.
// A blob is written to a temporary file in its folder and renamed into place, so a reader never
// sees half a blob, and a crash leaves at most a stray temporary file (removed by Collect).
//
// Collection: blobs that no record names are removed once they are older than a grace period
// (the time between Put and the record that names it is milliseconds; the grace is hours):
//
//   BlobCollector gc(blobs, {.interval = absl::Hours(1), .grace = absl::Hours(6)},
//                    [&] { return store.BlobsInUse(); });
//   gc.Start(); ... gc.Stop();
//
// Put of bytes already stored renews the blob's time (mtime), and Collect moves a blob aside
// before it deletes it and puts it back if a Put renewed it meanwhile — so a blob that a new
// record is about to name is never lost to a collection running at the same moment.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace rathaus::platform {

class BlobStore {
 public:
  explicit BlobStore(std::string root);

  // Creates the root folder if needed; FAILED_PRECONDITION when it cannot be written.
  absl::Status Open();

  // Stores `bytes` durably; returns its SHA-256 in lower-case hex.
  absl::StatusOr<std::string> Put(std::string_view bytes) const;

  // Put for many blobs with two file-system syncs in all instead of two fsyncs each: every new
  // blob is written to its temporary file, the file system is synced (syncfs), the files are
  // renamed into place, and it is synced again; a crash leaves whole blobs or stray temporary
  // files. The names in the order of `items`.
  absl::StatusOr<std::vector<std::string>> PutMany(const std::vector<std::string_view>& items) const;

  // The bytes named `sha256`; NOT_FOUND when absent, DATA_LOSS when the file's content does not
  // hash to its name; INVALID_ARGUMENT for a name that is not 64 lower-case hex characters.
  absl::StatusOr<std::string> Get(std::string_view sha256) const;

  // Deletes the blob now (a disposal: its content must go), unless a Put renewed it at or after
  // `renewed_after` (a record is about to name it again; the collector takes it later if not).
  // True when removed, false when renewed or absent.
  absl::StatusOr<bool> Remove(std::string_view sha256, absl::Time renewed_after) const;

  const std::string& root() const { return root_; }

  struct Collection {
    int64_t blobs = 0;        // blobs looked at
    int64_t removed = 0;      // unnamed blobs older than the grace, removed
    int64_t temporaries = 0;  // stray temporary files older than the grace, removed
  };
  // Removes every blob older than `grace` that `in_use` (asked once, after the blobs were
  // listed, and only when there is an old one) does not name, and stray temporary files older
  // than `grace`.
  absl::StatusOr<Collection> Collect(
      absl::Duration grace,
      const std::function<absl::StatusOr<absl::flat_hash_set<std::string>>()>& in_use) const;

 private:
  std::string PathOf(std::string_view sha256) const;
  std::string root_;
};

// Runs BlobStore::Collect every `interval` on a thread of its own and logs what it removed.
class BlobCollector {
 public:
  struct Options {
    absl::Duration interval = absl::Hours(1);
    absl::Duration grace = absl::Hours(6);
  };
  using InUse = std::function<absl::StatusOr<absl::flat_hash_set<std::string>>()>;
  BlobCollector(const BlobStore& blobs, Options options, InUse in_use);
  ~BlobCollector();
  void Start();
  void Stop();
  int64_t removed() const { return removed_.load(); }

 private:
  void Loop();
  const BlobStore& blobs_;
  Options options_;
  InUse in_use_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::atomic<int64_t> removed_{0};
  std::thread thread_;
};

}  // namespace rathaus::platform
