#include "services/appointments/domain/secrets.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "shared/crypto/crypto.h"

namespace rathaus::appointments {

namespace crypto = ::rathaus::platform::crypto;

std::string NewBookingCode() {
  // Rejection sampling keeps every character equally likely: only bytes below the largest
  // multiple of the alphabet's size are used.
  const unsigned limit = 256 - 256 % kCodeAlphabet.size();
  std::string code;
  while (code.size() < kCodeLength) {
    for (char byte : crypto::RandomBytes(16)) {
      const unsigned v = static_cast<unsigned char>(byte);
      if (v >= limit) continue;
      code += kCodeAlphabet[v % kCodeAlphabet.size()];
      if (code.size() == kCodeLength) break;
    }
  }
  return code;
}

bool NormalizeBookingCode(std::string_view code, std::string* out) {
  if (code.size() != kCodeLength) return false;
  std::string upper = absl::AsciiStrToUpper(absl::string_view(code.data(), code.size()));
  if (!std::all_of(upper.begin(), upper.end(),
                   [](char c) { return kCodeAlphabet.find(c) != std::string_view::npos; })) {
    return false;
  }
  *out = std::move(upper);
  return true;
}

std::string BookingToken(std::string_view key, std::string_view code) {
  return crypto::Base64Url(crypto::HmacSha256(key, code));
}

bool TokenMatches(std::string_view key, std::string_view code, std::string_view presented) {
  return crypto::ConstantTimeEquals(BookingToken(key, code), presented);
}

namespace {
std::string CancelMac(std::string_view key, std::string_view code, std::string_view expires) {
  return crypto::Base64Url(crypto::HmacSha256(
      key, absl::StrCat("cancel\n", std::string(code), "\n", std::string(expires))));
}
}  // namespace

std::string CancelToken(std::string_view key, std::string_view code, int64_t expires_unix) {
  const std::string expires = absl::StrCat(expires_unix);
  return absl::StrCat("c", expires, ".", CancelMac(key, code, expires));
}

bool CancelTokenMatches(std::string_view key, std::string_view code, std::string_view presented,
                        int64_t now_unix) {
  if (presented.size() < 3 || presented.size() > 80 || presented[0] != 'c') return false;
  const size_t dot = presented.find('.');
  if (dot == std::string_view::npos) return false;
  const std::string_view expires = presented.substr(1, dot - 1);
  int64_t at = 0;
  if (expires.empty() || expires.size() > 12 ||
      !std::all_of(expires.begin(), expires.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      !absl::SimpleAtoi(absl::string_view(expires.data(), expires.size()), &at)) {
    return false;
  }
  const bool mac_ok =
      crypto::ConstantTimeEquals(CancelMac(key, code, expires), presented.substr(dot + 1));
  return mac_ok && now_unix < at;
}

std::string NewReservationId() { return crypto::RandomToken(16); }

bool IsReservationId(std::string_view id) {
  return id.size() == 22 && std::all_of(id.begin(), id.end(), [](char c) {
           return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
         });
}

}  // namespace rathaus::appointments
