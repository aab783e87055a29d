// The citizen's contact data on a booking: checks that give a clear error, and the e-mail
// normalisation that the quota counts by (so "Max.Muster+1@GoogleMail.com" and
// "maxmuster@gmail.com" share one quota).
//
//   absl::StatusOr<std::string> email = CheckEmail(" Max@Example.org ");   // "Max@Example.org"
//   std::string key = NormalizeEmailForQuota(*email);                   // "max@example.org"
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "shared/text/email.h"

namespace rathaus::appointments {

// The shared check of an e-mail address (shared/text/email.h), field "email".
using platform::text::CheckEmail;
// Lower case, without a "+tag" subaddress; for Gmail also without dots, googlemail.com ->
// gmail.com. Only for counting: the booking keeps the address as given.
std::string NormalizeEmailForQuota(std::string_view email);
// Trims; 1..200 characters of valid UTF-8 without control or text-direction characters
// (field "name"; shared/text/text.h).
absl::StatusOr<std::string> CheckName(std::string_view name);
// Optional; digits, spaces and + - / ( ), at most 32 (field "phone").
absl::StatusOr<std::string> CheckPhone(std::string_view phone);
bool IsValidUtf8(std::string_view text);
// The language of a booking's e-mails: "" -> "de"; "de" or "en", else INVALID_ARGUMENT (field
// "language").
absl::StatusOr<std::string> CheckLanguage(std::string_view language);

}  // namespace rathaus::appointments
