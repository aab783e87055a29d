// The signed link that ends a booking's reminders (RFC 8058 one-click, List-Unsubscribe):
// "<booking code>.<expiry, unix seconds>.<base64url HMAC-SHA256 of 'opt-out', code, expiry>"
// under the notifications service's link key (RATHAUS_NOTIFY_LINK_KEY_FILE). Whoever holds the
// message may use it; it does nothing but stop reminders of that one booking.
//
//   std::string link = OptOutLink(key, "K7M3Q9XP", absl::ToUnixSeconds(start));
//   absl::StatusOr<std::string> code = VerifyOptOutLink(key, link, absl::ToUnixSeconds(now));
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace rathaus::notifications {

std::string OptOutLink(std::string_view key, std::string_view code, int64_t expires_unix);
// The booking code of a valid link; NOT_FOUND for a malformed, forged or expired one (they look
// the same to the caller).
absl::StatusOr<std::string> VerifyOptOutLink(std::string_view key, std::string_view link,
                                             int64_t now_unix);
// RFC 8058 §3.1: the POST body holds List-Unsubscribe=One-Click, as
// application/x-www-form-urlencoded or as a multipart/form-data field.
bool IsOneClickForm(std::string_view media_type, std::string_view body);

}  // namespace rathaus::notifications
