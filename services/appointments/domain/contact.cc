#include "services/appointments/domain/contact.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "shared/status/problem.h"
#include "shared/text/text.h"

namespace rathaus::appointments {
namespace {

std::string Trim(std::string_view s) {
  return std::string(absl::StripAsciiWhitespace(absl::string_view(s.data(), s.size())));
}

}  // namespace

std::string NormalizeEmailForQuota(std::string_view email) {
  std::string lower = absl::AsciiStrToLower(absl::string_view(email.data(), email.size()));
  const size_t at = lower.rfind('@');
  if (at == std::string::npos) return lower;
  std::string local = lower.substr(0, at);
  std::string domain = lower.substr(at + 1);
  if (const size_t plus = local.find('+'); plus != std::string::npos && plus > 0) {
    local.resize(plus);
  }
  if (domain == "googlemail.com") domain = "gmail.com";
  if (domain == "gmail.com") local.erase(std::remove(local.begin(), local.end(), '.'), local.end());
  return local + "@" + domain;
}

bool IsValidUtf8(std::string_view s) { return platform::text::IsValidUtf8(s); }

absl::StatusOr<std::string> CheckName(std::string_view raw) {
  return platform::text::CheckPersonName(raw, "name", 200);
}

absl::StatusOr<std::string> CheckPhone(std::string_view raw) {
  std::string phone = Trim(raw);
  if (phone.empty()) return phone;  // optional
  if (phone.size() > 32 || !std::all_of(phone.begin(), phone.end(), [](char c) {
        return absl::ascii_isdigit(static_cast<unsigned char>(c)) ||
               std::string_view(" +-/()").find(c) != std::string_view::npos;
      })) {
    return platform::InvalidField("phone", "expected digits, spaces and + - / ( ), at most 32");
  }
  // E.164 (at most 15 digits) or DIN 5008 ("0431 901-0"): digits, and a + only in front.
  const auto digits = std::count_if(phone.begin(), phone.end(),
                                    [](char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); });
  if (digits < 4 || digits > 15 || phone.find('+', 1) != std::string::npos) {
    return platform::InvalidField(
        "phone", "expected a phone number of 4 to 15 digits, e.g. +49 431 9010 or 0431 901-0");
  }
  return phone;
}

absl::StatusOr<std::string> CheckLanguage(std::string_view language) {
  if (language.empty() || language == "de") return std::string("de");
  if (language == "en") return std::string("en");
  return platform::InvalidField("language", "must be \"de\" or \"en\"");
}

}  // namespace rathaus::appointments
