#include "shared/crypto/personal_data.h"

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "shared/crypto/crypto.h"
#include "shared/log/log.h"

namespace rathaus::platform::crypto {

namespace {
constexpr absl::string_view kPrefix = "pd1.";

// Abseil's string_view is its own type in Debian's build.
absl::string_view A(std::string_view s) { return absl::string_view(s.data(), s.size()); }
std::string_view S(absl::string_view s) { return std::string_view(s.data(), s.size()); }

bool ValidKeyId(std::string_view id) {
  if (id.empty() || id.size() > 16) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}
}  // namespace

absl::StatusOr<DataKeys> DataKeys::Parse(std::string_view text) {
  DataKeys out;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(A(text), '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    std::vector<absl::string_view> parts = absl::StrSplit(line, ' ', absl::SkipWhitespace());
    if (parts.size() != 2) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", line_number, ": expected \"<key id> <64 hex characters>\""));
    }
    absl::StatusOr<std::string> key = FromHex(S(parts[1]));
    if (!key.ok() || key->size() != 32) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", line_number, ": the key must be 64 hex characters (32 bytes)"));
    }
    const std::string id(parts[0]);
    if (id == "lookup") {
      if (!out.lookup_key_.empty()) {
        return absl::InvalidArgumentError(absl::StrCat("line ", line_number,
                                                       ": a second lookup key"));
      }
      out.lookup_key_ = std::move(*key);
      continue;
    }
    if (!ValidKeyId(id)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "line ", line_number, ": a key id is 1 to 16 characters of A-Z, a-z, 0-9, - and _"));
    }
    for (const auto& [known, unused] : out.keys_) {
      if (known == id) {
        return absl::InvalidArgumentError(
            absl::StrCat("line ", line_number, ": key id ", id, " appears twice"));
      }
    }
    out.keys_.emplace_back(id, std::move(*key));
  }
  if (out.lookup_key_.empty()) return absl::InvalidArgumentError("no \"lookup\" key");
  if (out.keys_.empty()) return absl::InvalidArgumentError("no data key");
  return out;
}

DataKeys DataKeys::FromEnv(EnvConfig& env, bool required) {
  const std::string text = env.SecretFile("RATHAUS_DATA_KEYS_FILE", required);
  if (text.empty()) return DataKeys();
  absl::StatusOr<DataKeys> keys = Parse(text);
  if (!keys.ok()) {
    env.Reject("RATHAUS_DATA_KEYS_FILE", "a keys file (shared/crypto/personal_data.h)",
               std::string(keys.status().message()));
    return DataKeys();
  }
  return std::move(*keys);
}

bool DataKeys::IsSealed(std::string_view stored) { return absl::StartsWith(A(stored), kPrefix); }

std::string DataKeys::Seal(std::string_view plaintext, std::string_view context) const {
  if (plaintext.empty()) return "";
  if (!usable()) {
    // Only a wiring bug gets here: FromEnv refuses to start without keys.
    log::Error("personal data sealed without keys", {});
    std::abort();
  }
  const auto& [id, key] = keys_.front();
  absl::StatusOr<std::string> sealed = crypto::Seal(key, plaintext, context);
  if (!sealed.ok()) {
    log::Error("sealing failed", {{"error", sealed.status().ToString()}});
    std::abort();
  }
  return absl::StrCat(kPrefix, id, ".", Base64Url(*sealed));
}

absl::StatusOr<std::string> DataKeys::Open(std::string_view stored,
                                           std::string_view context) const {
  if (!IsSealed(stored)) return std::string(stored);
  absl::string_view rest = A(stored).substr(kPrefix.size());
  const size_t dot = rest.find('.');
  if (dot == absl::string_view::npos) return absl::DataLossError("malformed sealed value");
  const absl::string_view id = rest.substr(0, dot);
  for (const auto& [known, key] : keys_) {
    if (known != id) continue;
    absl::StatusOr<std::string> raw = FromBase64Url(S(rest.substr(dot + 1)));
    if (!raw.ok()) return absl::DataLossError("malformed sealed value");
    absl::StatusOr<std::string> plain = crypto::Open(key, *raw, context);
    if (!plain.ok()) return absl::DataLossError("sealed value does not open");
    return plain;
  }
  return absl::DataLossError(absl::StrCat("sealed with key ", id, ", which is not configured"));
}

std::string DataKeys::Lookup(std::string_view normalized) const {
  return Hex(HmacSha256(lookup_key_, normalized));
}

std::string NewDataKeysFile() {
  return absl::StrCat(
      "# rathaus personal-data keys (shared/crypto/personal_data.h): the first data key seals\n",
      "lookup ", Hex(RandomBytes(32)), "\n", "k1 ", Hex(RandomBytes(32)), "\n");
}

absl::StatusOr<SharedLookup> SharedLookup::Parse(std::string_view text) {
  SharedLookup out;
  for (absl::string_view line : absl::StrSplit(A(text), '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    if (!out.key_.empty()) return absl::InvalidArgumentError("more than one key");
    auto key = FromHex(std::string_view(line.data(), line.size()));
    if (!key.ok() || key->size() != 32) {
      return absl::InvalidArgumentError("expected 64 hex characters");
    }
    out.key_ = *std::move(key);
  }
  if (out.key_.empty()) return absl::InvalidArgumentError("no key");
  return out;
}

SharedLookup SharedLookup::FromEnv(EnvConfig& env, std::string_view variable,
                                   const DataKeys& fallback) {
  SharedLookup out;
  out.fallback_ = &fallback;
  const std::string text = env.SecretFile(variable, /*required=*/false);
  if (text.empty()) return out;
  auto parsed = Parse(text);
  if (!parsed.ok()) {
    env.Reject(std::string(variable), "64 hex characters (a shared lookup key)",
               std::string(parsed.status().message()));
    return out;
  }
  parsed->fallback_ = &fallback;
  return *std::move(parsed);
}

std::string SharedLookup::Lookup(std::string_view normalized) const {
  if (key_.empty()) return fallback_ == nullptr ? "" : fallback_->Lookup(normalized);
  return Hex(HmacSha256(key_, normalized));
}

}  // namespace rathaus::platform::crypto
