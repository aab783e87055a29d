#include "shared/crypto/crypto.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace rathaus::platform::crypto {
namespace {

constexpr size_t kKeySize = 32;
constexpr size_t kNonceSize = 12;
constexpr size_t kTagSize = 16;
// OpenSSL counts bytes in int in several calls; longer inputs are fed in slices of this size.
constexpr size_t kMaxSlice = size_t{1} << 30;

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr char kBase64UrlAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// OpenSSL wants a valid pointer even for zero bytes; an empty string_view may hold nullptr.
const unsigned char* Bytes(std::string_view s) {
  static const unsigned char kNothing = 0;
  return s.empty() ? &kNothing : reinterpret_cast<const unsigned char*>(s.data());
}

unsigned char* MutableBytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

// Only a broken installation (no provider, no entropy, no memory) gets here.
[[noreturn]] void Fatal(const char* what) {
  std::fprintf(stderr, "crypto: %s failed\n", what);
  std::abort();
}

std::string Digest(const EVP_MD* md, std::string_view data, const char* name) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(Bytes(data), data.size(), out, &length, md, nullptr) != 1) Fatal(name);
  return std::string(reinterpret_cast<const char*>(out), length);
}

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

CipherCtx NewCipherCtx() {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (ctx == nullptr) Fatal("EVP_CIPHER_CTX_new");
  return ctx;
}

// AES-256-GCM fetched once: EVP_aes_256_gcm() makes OpenSSL 3 look the implementation up in its
// provider store on every Init (a lock and a hash lookup per personal field sealed).
const EVP_CIPHER* AesGcm() {
  static EVP_CIPHER* const cipher = [] {
    EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
    if (c == nullptr) Fatal("EVP_CIPHER_fetch AES-256-GCM");
    return c;
  }();
  return cipher;
}

// Runs `in` through EVP_EncryptUpdate/EVP_DecryptUpdate in int-sized slices. With `out` null
// the bytes are associated data. GCM is a stream mode, so each slice comes out whole.
bool GcmUpdate(EVP_CIPHER_CTX* ctx, bool encrypt, std::string_view in, unsigned char* out) {
  for (size_t offset = 0; offset < in.size();) {
    const int slice = static_cast<int>(std::min(in.size() - offset, kMaxSlice));
    unsigned char* slice_out = out != nullptr ? out + offset : nullptr;
    int written = 0;
    const int ok = encrypt ? EVP_EncryptUpdate(ctx, slice_out, &written, Bytes(in) + offset, slice)
                           : EVP_DecryptUpdate(ctx, slice_out, &written, Bytes(in) + offset, slice);
    if (ok != 1 || (out != nullptr && written != slice)) return false;
    offset += static_cast<size_t>(slice);
  }
  return true;
}

absl::Status CheckKey(std::string_view key) {
  if (key.size() == kKeySize) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("AES-256-GCM needs a 32-byte key, got ", key.size(), " bytes"));
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int Base64UrlValue(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

}  // namespace

std::string Sha256(std::string_view data) { return Digest(EVP_sha256(), data, "SHA-256"); }

std::string Sha1(std::string_view data) { return Digest(EVP_sha1(), data, "SHA-1"); }

std::string HmacSha256(std::string_view key, std::string_view data) {
  // HMAC itself replaces a key longer than the block with its hash, so doing that here for keys
  // beyond HMAC()'s int length gives the same result.
  std::string long_key_hash;
  if (key.size() > static_cast<size_t>(INT_MAX)) {
    long_key_hash = Sha256(key);
    key = long_key_hash;
  }
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), Bytes(key), static_cast<int>(key.size()), Bytes(data), data.size(), out,
           &length) == nullptr) {
    Fatal("HMAC-SHA256");
  }
  return std::string(reinterpret_cast<const char*>(out), length);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(Bytes(a), Bytes(b), a.size()) == 0;
}

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  for (size_t offset = 0; offset < n;) {
    const int slice = static_cast<int>(std::min(n - offset, kMaxSlice));
    if (RAND_bytes(MutableBytes(out) + offset, slice) != 1) Fatal("RAND_bytes");
    offset += static_cast<size_t>(slice);
  }
  return out;
}

std::string RandomToken(size_t bytes) { return Base64Url(RandomBytes(bytes)); }

std::string NewUuid() {
  std::string bytes = RandomBytes(16);
  bytes[6] = static_cast<char>((bytes[6] & 0x0f) | 0x40);  // version 4: random
  bytes[8] = static_cast<char>((bytes[8] & 0x3f) | 0x80);  // variant 10xx: RFC 4122
  const std::string hex = Hex(bytes);
  return absl::StrCat(hex.substr(0, 8), "-", hex.substr(8, 4), "-", hex.substr(12, 4), "-",
                      hex.substr(16, 4), "-", hex.substr(20));
}

std::string Hex(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out.push_back(kHexDigits[b >> 4]);
    out.push_back(kHexDigits[b & 0x0f]);
  }
  return out;
}

// Error messages give offsets, never the text: it may be a key or a token.
absl::StatusOr<std::string> FromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return absl::InvalidArgumentError("hex text has an odd length");
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int high = HexValue(hex[i]);
    const int low = HexValue(hex[i + 1]);
    if (high < 0 || low < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("not a hex digit at offset ", high < 0 ? i : i + 1));
    }
    out.push_back(static_cast<char>((high << 4) | low));
  }
  return out;
}

std::string Base64Url(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  const auto at = [&](size_t i) -> uint32_t { return static_cast<unsigned char>(bytes[i]); };
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t group = at(i) << 16 | at(i + 1) << 8 | at(i + 2);
    out.push_back(kBase64UrlAlphabet[(group >> 18) & 0x3f]);
    out.push_back(kBase64UrlAlphabet[(group >> 12) & 0x3f]);
    out.push_back(kBase64UrlAlphabet[(group >> 6) & 0x3f]);
    out.push_back(kBase64UrlAlphabet[group & 0x3f]);
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    const uint32_t group = at(i) << 16 | (rest == 2 ? at(i + 1) << 8 : 0);
    out.push_back(kBase64UrlAlphabet[(group >> 18) & 0x3f]);
    out.push_back(kBase64UrlAlphabet[(group >> 12) & 0x3f]);
    if (rest == 2) out.push_back(kBase64UrlAlphabet[(group >> 6) & 0x3f]);
  }
  return out;
}

// Strict: no padding, no whitespace, and unused trailing bits must be zero, so every byte
// string has exactly one accepted spelling.
absl::StatusOr<std::string> FromBase64Url(std::string_view text) {
  if (text.size() % 4 == 1) {
    return absl::InvalidArgumentError("base64url text has an impossible length");
  }
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t bits = 0;
  int bit_count = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const int value = Base64UrlValue(text[i]);
    if (value < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("not a base64url character (A-Z a-z 0-9 - _) at offset ", i));
    }
    bits = (bits << 6 | static_cast<uint32_t>(value)) & 0xffff;
    bit_count += 6;
    if (bit_count >= 8) {
      bit_count -= 8;
      out.push_back(static_cast<char>((bits >> bit_count) & 0xff));
    }
  }
  if ((bits & ((1u << bit_count) - 1)) != 0) {
    return absl::InvalidArgumentError("base64url text has non-zero trailing bits");
  }
  return out;
}

absl::StatusOr<std::string> Seal(std::string_view key, std::string_view plaintext,
                                 std::string_view associated_data) {
  if (absl::Status status = CheckKey(key); !status.ok()) return status;
  return detail::SealWithNonce(key, RandomBytes(kNonceSize), plaintext, associated_data);
}

absl::StatusOr<std::string> Open(std::string_view key, std::string_view sealed,
                                 std::string_view associated_data) {
  if (absl::Status status = CheckKey(key); !status.ok()) return status;
  if (sealed.size() < kNonceSize + kTagSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sealed data must hold at least a 12-byte nonce and a 16-byte tag, got ", sealed.size(),
        " bytes"));
  }
  const std::string_view nonce = sealed.substr(0, kNonceSize);
  const std::string_view ciphertext =
      sealed.substr(kNonceSize, sealed.size() - kNonceSize - kTagSize);
  unsigned char tag[kTagSize];
  std::memcpy(tag, sealed.data() + sealed.size() - kTagSize, kTagSize);

  std::string plaintext(ciphertext.size(), '\0');
  CipherCtx ctx = NewCipherCtx();
  int final_length = 0;
  // The default IV length of AES-GCM in OpenSSL is 12 bytes, the nonce size used here.
  const bool ok =
      EVP_DecryptInit_ex(ctx.get(), AesGcm(), nullptr, Bytes(key), Bytes(nonce)) == 1 &&
      GcmUpdate(ctx.get(), /*encrypt=*/false, associated_data, nullptr) &&
      GcmUpdate(ctx.get(), /*encrypt=*/false, ciphertext, MutableBytes(plaintext)) &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, kTagSize, tag) == 1 &&
      EVP_DecryptFinal_ex(ctx.get(), MutableBytes(plaintext) + plaintext.size(),
                          &final_length) == 1;
  if (!ok) {
    // Leave no unauthenticated plaintext in memory and no stale error for other OpenSSL users.
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    ERR_clear_error();
    return absl::DataLossError(
        "sealed data does not verify (tampered, wrong key or wrong associated data)");
  }
  return plaintext;
}

namespace detail {

absl::StatusOr<std::string> SealWithNonce(std::string_view key, std::string_view nonce,
                                          std::string_view plaintext,
                                          std::string_view associated_data) {
  if (absl::Status status = CheckKey(key); !status.ok()) return status;
  if (nonce.size() != kNonceSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("AES-256-GCM needs a 12-byte nonce, got ", nonce.size(), " bytes"));
  }
  std::string sealed(kNonceSize + plaintext.size() + kTagSize, '\0');
  std::memcpy(sealed.data(), nonce.data(), kNonceSize);
  unsigned char* ciphertext = MutableBytes(sealed) + kNonceSize;
  unsigned char* tag = ciphertext + plaintext.size();

  CipherCtx ctx = NewCipherCtx();
  int final_length = 0;
  const bool ok =
      EVP_EncryptInit_ex(ctx.get(), AesGcm(), nullptr, Bytes(key), Bytes(nonce)) == 1 &&
      GcmUpdate(ctx.get(), /*encrypt=*/true, associated_data, nullptr) &&
      GcmUpdate(ctx.get(), /*encrypt=*/true, plaintext, ciphertext) &&
      EVP_EncryptFinal_ex(ctx.get(), tag, &final_length) == 1 && final_length == 0 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, kTagSize, tag) == 1;
  if (!ok) {
    ERR_clear_error();
    return absl::InternalError("AES-256-GCM encryption failed");
  }
  return sealed;
}

}  // namespace detail
std::string LengthPrefixed(std::initializer_list<std::string_view> parts) {
  std::string data;
  for (std::string_view part : parts) {
    absl::StrAppend(&data, part.size(), ":");
    data.append(part);
  }
  return data;
}

}  // namespace rathaus::platform::crypto
