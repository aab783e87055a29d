#include "services/appointments/domain/contact.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "shared/status/problem.h"

namespace rathaus::appointments {
namespace {

std::string Trim(std::string_view s) {
  return std::string(absl::StripAsciiWhitespace(absl::string_view(s.data(), s.size())));
}

bool IsAtext(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

bool IsLabel(absl::string_view label) {
  if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
    return false;
  }
  return std::all_of(label.begin(), label.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-';
  });
}

}  // namespace

absl::StatusOr<std::string> CheckEmail(std::string_view raw) {
  std::string email = Trim(raw);
  const auto bad = [] { return platform::InvalidField("email", "not a valid e-mail address"); };
  if (email.size() < 6 || email.size() > 254) return bad();
  const size_t at = email.rfind('@');
  if (at == std::string::npos || at == 0 || at > 64) return bad();
  const absl::string_view local(email.data(), at);
  const absl::string_view domain(email.data() + at + 1, email.size() - at - 1);
  if (local.front() == '.' || local.back() == '.' || absl::StrContains(local, "..")) return bad();
  if (!std::all_of(local.begin(), local.end(), [](char c) { return c == '.' || IsAtext(c); })) {
    return bad();
  }
  std::vector<absl::string_view> labels = absl::StrSplit(domain, '.');
  if (labels.size() < 2) return bad();
  for (absl::string_view label : labels) {
    if (!IsLabel(label)) return bad();
  }
  const absl::string_view tld = labels.back();
  if (tld.size() < 2 || !(std::all_of(tld.begin(), tld.end(), [](char c) {
        return absl::ascii_isalpha(static_cast<unsigned char>(c));
      }) || absl::StartsWith(tld, "xn--"))) {
    return bad();
  }
  return email;
}

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

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if (c < 0x80) { ++i; continue; }
    if ((c & 0xE0) == 0xC0) { n = 1; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { n = 2; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { n = 3; cp = c & 0x07; }
    else return false;
    for (size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      const unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values beyond Unicode.
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

absl::StatusOr<std::string> CheckName(std::string_view raw) {
  std::string name = Trim(raw);
  if (name.empty()) return platform::InvalidField("name", "the name is required");
  if (!IsValidUtf8(name) || std::any_of(name.begin(), name.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20 || c == 0x7F;
      })) {
    return platform::InvalidField("name", "the name contains invalid characters");
  }
  // Characters (code points), not bytes: "Ä" is one character in two bytes.
  const size_t characters = std::count_if(name.begin(), name.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  });
  if (characters > 200) return platform::InvalidField("name", "the name is longer than 200 characters");
  return name;
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

}  // namespace rathaus::appointments
