// Cryptographic helpers on OpenSSL 3's EVP interface. Byte strings are std::string holding raw
// bytes; Hex/Base64Url convert for display and transport.
//
//   namespace crypto = rathaus::platform::crypto;
//   std::string tag = crypto::HmacSha256(server_key, booking_code);
//   if (!crypto::ConstantTimeEquals(tag, presented_tag)) return PermissionDenied(...);
//   std::string token = crypto::RandomToken(16);           // 128 bits, base64url
//   absl::StatusOr<std::string> sealed = crypto::Seal(key32, plaintext, "aad");
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace rathaus::platform::crypto {

std::string Sha256(std::string_view data);                              // 32 raw bytes
std::string Sha1(std::string_view data);                                // 20 raw bytes (Redis script ids)
std::string HmacSha256(std::string_view key, std::string_view data);    // 32 raw bytes
// Compares in time that depends only on the lengths, never on where the bytes differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// From the OS's CSPRNG (RAND_bytes); aborts if it fails, which only a broken system does.
std::string RandomBytes(size_t n);
// `bytes` random bytes, base64url without padding.
std::string RandomToken(size_t bytes);
// Random UUID version 4, lower-case canonical form.
std::string NewUuid();

// The parts, each as "<length>:<bytes>", so no two lists of parts give the same input to a hash
// by moving bytes from one part to the next.
std::string LengthPrefixed(std::initializer_list<std::string_view> parts);

std::string Hex(std::string_view bytes);                 // lower case
absl::StatusOr<std::string> FromHex(std::string_view hex);
std::string Base64Url(std::string_view bytes);           // RFC 4648 §5, no padding
absl::StatusOr<std::string> FromBase64Url(std::string_view text);

// AES-256-GCM. `key` is 32 bytes. Output: 12-byte random nonce || ciphertext || 16-byte tag.
absl::StatusOr<std::string> Seal(std::string_view key, std::string_view plaintext,
                                 std::string_view associated_data = {});
// Fails with InvalidArgument on a wrong key size or a short input, and with DataLoss when the
// tag does not verify (tampered data, wrong key or wrong associated data).
absl::StatusOr<std::string> Open(std::string_view key, std::string_view sealed,
                                 std::string_view associated_data = {});

namespace detail {
// Seal with a caller-chosen 12-byte nonce, for known-answer tests only: reusing a nonce under
// one key destroys GCM's confidentiality and authenticity, so production code calls Seal.
absl::StatusOr<std::string> SealWithNonce(std::string_view key, std::string_view nonce,
                                          std::string_view plaintext,
                                          std::string_view associated_data);
}  // namespace detail

}  // namespace rathaus::platform::crypto
