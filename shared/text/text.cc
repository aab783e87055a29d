#include "shared/text/text.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "shared/status/problem.h"

namespace rathaus::platform::text {
namespace {

// Decodes the code point at s[*i] (valid UTF-8 assumed) and advances *i.
char32_t Next(std::string_view s, size_t* i) {
  const unsigned char c = static_cast<unsigned char>(s[*i]);
  size_t n = 0;
  char32_t cp = c;
  if (c >= 0xF0) { n = 3; cp = c & 0x07; }
  else if (c >= 0xE0) { n = 2; cp = c & 0x0F; }
  else if (c >= 0xC0) { n = 1; cp = c & 0x1F; }
  for (size_t k = 1; k <= n && *i + k < s.size(); ++k) {
    cp = (cp << 6) | (static_cast<unsigned char>(s[*i + k]) & 0x3F);
  }
  *i += n + 1;
  return cp;
}

}  // namespace

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

size_t CountCharacters(std::string_view utf8) {
  size_t n = 0;
  for (char c : utf8) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

bool IsForbiddenInName(char32_t cp) {
  return cp < 0x20 || cp == 0x7F ||                 // C0 controls, DEL
         (cp >= 0x80 && cp <= 0x9F) ||              // C1 controls
         cp == 0x061C ||                            // ARABIC LETTER MARK
         cp == 0x200E || cp == 0x200F ||            // LRM, RLM
         (cp >= 0x202A && cp <= 0x202E) ||          // LRE, RLE, PDF, LRO, RLO
         (cp >= 0x2066 && cp <= 0x2069);            // LRI, RLI, FSI, PDI
}

absl::StatusOr<std::string> CheckPersonName(std::string_view raw, std::string_view field,
                                            size_t max_characters) {
  const std::string name(absl::StripAsciiWhitespace(absl::string_view(raw.data(), raw.size())));
  if (name.empty()) return InvalidField(field, "the name is required");
  if (!IsValidUtf8(name)) return InvalidField(field, "the name is not valid UTF-8");
  for (size_t i = 0; i < name.size();) {
    if (IsForbiddenInName(Next(name, &i))) {
      return InvalidField(field, "the name contains control or text-direction characters");
    }
  }
  if (CountCharacters(name) > max_characters) {
    return InvalidField(field, absl::StrCat("the name is longer than ", max_characters, " characters"));
  }
  return name;
}

absl::StatusOr<std::string> CheckMessage(std::string_view raw, std::string_view field,
                                         size_t max_characters) {
  const std::string text(absl::StripAsciiWhitespace(absl::string_view(raw.data(), raw.size())));
  if (text.empty()) return InvalidField(field, "must not be empty");
  if (!IsValidUtf8(text)) return InvalidField(field, "is not valid UTF-8");
  if (CountCharacters(text) > max_characters) {
    return InvalidField(field, absl::StrCat("at most ", max_characters, " characters"));
  }
  for (size_t i = 0; i < text.size();) {
    const char32_t cp = Next(text, &i);
    if (cp != U'\n' && IsForbiddenInName(cp)) {
      return InvalidField(field, "must not contain control or direction characters");
    }
  }
  return text;
}

absl::StatusOr<absl::CivilDay> ParseDate(std::string_view text, std::string_view field) {
  absl::CivilDay day;
  if (text.size() != 10 || !absl::ParseCivilTime(absl::string_view(text.data(), text.size()), &day) ||
      day.year() < 1900 || day.year() > 2200) {
    return InvalidField(field, "expected a date YYYY-MM-DD");
  }
  return day;
}

bool IsUuid(std::string_view id) {
  if (id.size() != 36) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? id[i] != '-' : !absl::ascii_isxdigit(static_cast<unsigned char>(id[i]))) return false;
  }
  return true;
}

}  // namespace rathaus::platform::text
