// E-mail addresses that citizens type (bookings, ID applications, registrations): one check with
// a clear error for every service.
//
//   absl::StatusOr<std::string> email = CheckEmail(" Max@Example.org ");   // "Max@Example.org"
//   CheckEmail("info@straße.de")        -> "info@xn--strae-oqa.de"
//   CheckEmail("jörg@kiel.de", "email") -> INVALID_ARGUMENT (field "email", saying why)
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace rathaus::platform::text {

// Trims; INVALID_ARGUMENT (naming `field`, saying why) unless a practical RFC 5321 address:
// local part of ASCII atext and single dots, a domain of at least two LDH labels with an
// alphabetic TLD, at most 254 characters. An internationalised domain ("straße.de") is accepted
// and returned in its ASCII form ("xn--strae-oqa.de", IDNA2008/UTS #46 non-transitional,
// libidn2), which every mail server delivers to.
absl::StatusOr<std::string> CheckEmail(std::string_view raw, std::string_view field = "email");

}  // namespace rathaus::platform::text
