#include "domain/links.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "shared/crypto/crypto.h"

namespace rathaus::notifications {
namespace {

namespace crypto = ::rathaus::platform::crypto;

std::string Mac(std::string_view key, std::string_view code, std::string_view expires) {
  return crypto::Base64Url(crypto::HmacSha256(
      key, absl::StrCat("opt-out\n", std::string(code), "\n", std::string(expires))));
}

}  // namespace

std::string OptOutLink(std::string_view key, std::string_view code, int64_t expires_unix) {
  const std::string expires = absl::StrCat(expires_unix);
  return absl::StrCat(std::string(code), ".", expires, ".", Mac(key, code, expires));
}

absl::StatusOr<std::string> VerifyOptOutLink(std::string_view key, std::string_view link,
                                             int64_t now_unix) {
  const absl::Status invalid = absl::NotFoundError("this link is not valid (any more)");
  if (link.size() > 128) return invalid;
  const std::vector<absl::string_view> parts =
      absl::StrSplit(absl::string_view(link.data(), link.size()), '.');
  if (parts.size() != 3 || parts[0].empty() || parts[0].size() > 16 || parts[1].empty() ||
      parts[1].size() > 12) {
    return invalid;
  }
  const auto alnum = [](absl::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
      return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    });
  };
  int64_t expires = 0;
  if (!alnum(parts[0]) ||
      !std::all_of(parts[1].begin(), parts[1].end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      !absl::SimpleAtoi(parts[1], &expires)) {
    return invalid;
  }
  const auto sv = [](absl::string_view s) { return std::string_view(s.data(), s.size()); };
  const bool mac_ok =
      crypto::ConstantTimeEquals(Mac(key, sv(parts[0]), sv(parts[1])), sv(parts[2]));
  if (!mac_ok || now_unix >= expires) return invalid;
  return std::string(parts[0]);
}

bool IsOneClickForm(std::string_view media_type, std::string_view body) {
  if (media_type == "application/x-www-form-urlencoded") {
    for (absl::string_view pair : absl::StrSplit(absl::string_view(body.data(), body.size()), '&')) {
      if (pair == "List-Unsubscribe=One-Click") return true;
    }
    return false;
  }
  if (media_type == "multipart/form-data") {
    const size_t field = body.find("name=\"List-Unsubscribe\"");
    return field != std::string_view::npos &&
           body.find("One-Click", field) != std::string_view::npos;
  }
  return false;
}

}  // namespace rathaus::notifications
