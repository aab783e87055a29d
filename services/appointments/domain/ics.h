// RFC 5545 calendar entry for a booking: one VEVENT in UTC (no VTIMEZONE needed), CRLF lines
// folded at 75 octets without splitting a UTF-8 character, text escaped. The UID is derived
// from the booking code so that every download of the same booking updates one calendar entry,
// and SEQUENCE is the number of reschedules, so calendars take a moved time as newer.
//
//   std::string ics = RenderIcs({.code = "K7M3Q9XP", .start = s, .end = e, .sequence = 1,
//                                .summary = "Bürgerbüro Mitte: Reisepass beantragen", ...});
#pragma once

#include <string>
#include <string_view>

#include "absl/time/time.h"

namespace rathaus::appointments {

struct CalendarEntry {
  std::string code;
  absl::Time start;
  absl::Time end;
  int sequence = 0;
  bool cancelled = false;  // STATUS:CANCELLED and SEQUENCE one higher (RFC 5545 3.8.7.4)
  std::string summary;
  std::string location;
  std::string description;
  absl::Time stamp;  // DTSTAMP: when the entry was produced
};

std::string RenderIcs(const CalendarEntry& entry);
// Escapes TEXT values (RFC 5545 3.3.11): backslash, semicolon, comma, newline.
std::string EscapeIcsText(std::string_view text);
// Folds one content line (without CRLF) into lines of at most 75 octets.
std::string FoldIcsLine(std::string_view line);

}  // namespace rathaus::appointments
