#include "shared/text/email.h"

#include <algorithm>
#include <vector>

#include <idn2.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "shared/status/problem.h"
#include "shared/text/text.h"

namespace rathaus::platform::text {
namespace {

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

absl::StatusOr<std::string> CheckEmail(std::string_view raw, std::string_view field) {
  std::string email(absl::StripAsciiWhitespace(absl::string_view(raw.data(), raw.size())));
  const auto bad = [field](std::string_view why) {
    return InvalidField(
        field, absl::StrCat("not a valid e-mail address: ", absl::string_view(why.data(), why.size())));
  };
  if (email.empty()) return bad("it is empty");
  const size_t at = email.rfind('@');
  if (at == std::string::npos) return bad("it has no @");
  const std::string local = email.substr(0, at);
  std::string domain = email.substr(at + 1);
  if (local.empty()) return bad("nothing before the @");
  if (local.size() > 64) return bad("more than 64 characters before the @ (RFC 5321)");
  if (local.front() == '.' || local.back() == '.' || absl::StrContains(local, "..")) {
    return bad("a dot before the @ may not come first, last or twice in a row");
  }
  for (char c : local) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      return bad("umlauts and other non-ASCII letters are not possible before the @ (many mail "
                 "servers cannot deliver to them)");
    }
    if (c != '.' && !IsAtext(c)) {
      return bad(absl::StrCat("the character '", std::string(1, c),
                              "' is not possible before the @ (letters a-z, digits, dots and "
                              "!#$%&'*+-/=?^_`{|}~ are)"));
    }
  }
  const auto bad_domain = [&] {
    return bad(absl::StrCat("\"", domain, "\" after the @ is not a domain name"));
  };
  if (domain.empty()) return bad("nothing after the @");
  if (!IsValidUtf8(domain)) return bad_domain();
  if (std::any_of(domain.begin(), domain.end(),
                  [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
    // IDNA2008 with the UTS #46 mapping, non-transitional ("ß" stays "ß", as at DENIC): the
    // address keeps the ASCII form that every mail server delivers to.
    char* ascii = nullptr;
    const int rc = idn2_to_ascii_8z(domain.c_str(), &ascii, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
    if (rc != IDN2_OK || ascii == nullptr) {
      idn2_free(ascii);
      return bad_domain();
    }
    domain = ascii;
    idn2_free(ascii);
  }
  std::vector<absl::string_view> labels = absl::StrSplit(domain, '.');
  if (labels.size() < 2) return bad_domain();
  for (absl::string_view label : labels) {
    if (!IsLabel(label)) return bad_domain();
  }
  const absl::string_view tld = labels.back();
  if (tld.size() < 2 || !(std::all_of(tld.begin(), tld.end(), [](char c) {
        return absl::ascii_isalpha(static_cast<unsigned char>(c));
      }) || absl::StartsWith(tld, "xn--"))) {
    return bad_domain();
  }
  std::string out = absl::StrCat(local, "@", domain);
  if (out.size() > 254) return bad("longer than 254 characters (RFC 5321)");
  return out;
}

}  // namespace rathaus::platform::text
