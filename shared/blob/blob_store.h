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
// sees half a blob, and a crash leaves at most a stray temporary file (removed by Put later).
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace rathaus::platform {

class BlobStore {
 public:
  explicit BlobStore(std::string root);

  // Creates the root folder if needed; FAILED_PRECONDITION when it cannot be written.
  absl::Status Open();

  // Stores `bytes` durably; returns its SHA-256 in lower-case hex.
  absl::StatusOr<std::string> Put(std::string_view bytes) const;

  // The bytes named `sha256`; NOT_FOUND when absent, DATA_LOSS when the file's content does not
  // hash to its name; INVALID_ARGUMENT for a name that is not 64 lower-case hex characters.
  absl::StatusOr<std::string> Get(std::string_view sha256) const;

  const std::string& root() const { return root_; }

 private:
  std::string PathOf(std::string_view sha256) const;
  std::string root_;
};

}  // namespace rathaus::platform
