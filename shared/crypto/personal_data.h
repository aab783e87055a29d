// Personal data at rest (DESIGN.md "State"): names, e-mail addresses, phone numbers, birth
// dates and serial numbers are stored only sealed (AES-256-GCM, crypto.h) under a key that is
// named in the stored value, so keys can rotate: the newest key seals, every listed key opens.
// Lookups by a personal value (a quota per e-mail address) use a keyed hash, never the value in
// a key name.
//
//   auto keys = crypto::DataKeys::FromEnv(env);          // RATHAUS_DATA_KEYS_FILE
//   std::string stored = keys.Seal(email, "appt:bk:K7M2P9:email");   // "pd1.<kid>.<base64url>"
//   absl::StatusOr<std::string> email = keys.Open(stored, "appt:bk:K7M2P9:email");
//   std::string key = absl::StrCat("appt:quota:", keys.Lookup(normalized_email));  // 64 hex
//
// The context is authenticated (GCM associated data): a sealed value copied to another record
// or field does not open there. A value without the "pd1." prefix is a value written before
// encryption and is returned as it is, so old records stay readable (README: migration).
//
// The keys file (mode 600, from a Secret in production) has one key a line:
//   # comment
//   lookup  <64 hex characters>     the HMAC key of Lookup(); never rotated (it names keys)
//   k2      <64 hex characters>     the first data key line seals
//   k1      <64 hex characters>     older keys still open what they sealed
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "shared/config/config.h"

namespace rathaus::platform::crypto {

class DataKeys {
 public:
  // The file's contents as above.
  static absl::StatusOr<DataKeys> Parse(std::string_view text);
  // RATHAUS_DATA_KEYS_FILE; a missing or bad file is recorded in `env` when `required`.
  static DataKeys FromEnv(EnvConfig& env, bool required = true);

  bool usable() const { return !keys_.empty() && !lookup_key_.empty(); }
  const std::string& active_key_id() const { return keys_.front().first; }

  // "pd1.<key id>.<base64url(nonce || ciphertext || tag)>"; "" stays "" (nothing to hide).
  std::string Seal(std::string_view plaintext, std::string_view context) const;
  // Opens what Seal wrote with any listed key; a value without the prefix is returned as is.
  // DATA_LOSS when the value was tampered with, the context differs or the key is unknown.
  absl::StatusOr<std::string> Open(std::string_view stored, std::string_view context) const;
  static bool IsSealed(std::string_view stored);

  // HMAC-SHA256 of `normalized` under the lookup key, 64 lower-case hex characters.
  std::string Lookup(std::string_view normalized) const;

 private:
  std::vector<std::pair<std::string, std::string>> keys_;  // id -> 32 bytes, newest first
  std::string lookup_key_;
};

// A fresh keys file's contents (one lookup key, one data key "k1"), for `make up` and tests.
std::string NewDataKeysFile();

// A lookup key two services share, so that both hash one value alike without sharing their data
// keys: RATHAUS_SERIAL_LOOKUP_KEY_FILE holds the key for ID documents' serial numbers, which
// registrations hashes in its AddressChanged events and id-documents finds its applications by.
// The file: 64 hex characters (lines starting with # are comments). Without the file, the
// service's own data keys' lookup key (development: all services read one keys file).
class SharedLookup {
 public:
  static absl::StatusOr<SharedLookup> Parse(std::string_view text);
  // `variable` names the file; a bad file is recorded in `env`. `fallback` must outlive this.
  static SharedLookup FromEnv(EnvConfig& env, std::string_view variable, const DataKeys& fallback);

  // HMAC-SHA256 of `normalized`, 64 lower-case hex characters.
  std::string Lookup(std::string_view normalized) const;

 private:
  std::string key_;                     // 32 bytes, or empty: the fallback's
  const DataKeys* fallback_ = nullptr;
};

}  // namespace rathaus::platform::crypto
