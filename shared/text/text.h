// Text that people type: UTF-8 checks and the rule for names that appear on answers, letters
// and clerks' screens.
//
//   auto name = CheckPersonName("  Erika Mustermann ", "name");   // "Erika Mustermann"
//   CheckPersonName("Eve\u202Egnp.exe", "name")   -> INVALID_ARGUMENT (field "name")
//
// A name is 1..max_characters code points of valid UTF-8 (trimmed of ASCII white space) without
// C0 or C1 control characters, DEL, or the invisible direction controls (U+061C, U+200E/F,
// U+202A..U+202E, U+2066..U+2069) that make a name read differently on screen than it is stored
// ("Trojan Source", CVE-2021-42574).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"

namespace rathaus::platform::text {

// Well-formed UTF-8: no overlong forms, surrogates or values beyond U+10FFFF.
bool IsValidUtf8(std::string_view s);

// Code points of valid UTF-8 ("Ä" is one).
size_t CountCharacters(std::string_view utf8);

// True for a code point that must not be part of a name (see above).
bool IsForbiddenInName(char32_t cp);

// INVALID_ARGUMENT naming `field` and saying why, or the trimmed name.
absl::StatusOr<std::string> CheckPersonName(std::string_view raw, std::string_view field,
                                            size_t max_characters = 200);

// Free text with lines (a clerk's question, a citizen's answer): trimmed, 1..max_characters,
// valid UTF-8, line feeds allowed, no other control character and no direction control.
absl::StatusOr<std::string> CheckMessage(std::string_view raw, std::string_view field,
                                         size_t max_characters = 2000);

// A date as the APIs take it: exactly YYYY-MM-DD, years 1900..2200; INVALID_ARGUMENT naming
// `field` otherwise.
absl::StatusOr<absl::CivilDay> ParseDate(std::string_view text, std::string_view field);

// A UUID in its canonical text form (8-4-4-4-12 hexadecimal digits).
bool IsUuid(std::string_view id);

}  // namespace rathaus::platform::text
