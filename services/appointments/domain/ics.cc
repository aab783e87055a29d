#include "services/appointments/domain/ics.h"

#include "absl/strings/str_cat.h"
#include "shared/crypto/crypto.h"

namespace rathaus::appointments {
namespace {

std::string Utc(absl::Time t) { return absl::FormatTime("%Y%m%dT%H%M%SZ", t, absl::UTCTimeZone()); }

}  // namespace

std::string EscapeIcsText(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case ';': out += "\\;"; break;
      case ',': out += "\\,"; break;
      case '\n': out += "\\n"; break;
      case '\r': break;
      default: out += c;
    }
  }
  return out;
}

std::string FoldIcsLine(std::string_view line) {
  std::string out;
  size_t width = 0;  // octets on the current physical line
  for (size_t i = 0; i < line.size();) {
    size_t n = 1;  // octets of this UTF-8 character
    const unsigned char c = static_cast<unsigned char>(line[i]);
    if (c >= 0xF0) n = 4;
    else if (c >= 0xE0) n = 3;
    else if (c >= 0xC0) n = 2;
    n = std::min(n, line.size() - i);
    if (width + n > 75) {
      out += "\r\n ";
      width = 1;
    }
    out.append(line.substr(i, n));
    width += n;
    i += n;
  }
  out += "\r\n";
  return out;
}

std::string RenderIcs(const CalendarEntry& e) {
  // Hashing the code keeps it out of calendar servers that sync the UID.
  const std::string uid = absl::StrCat(
      platform::crypto::Hex(platform::crypto::Sha256(absl::StrCat("rathaus-appointment:", e.code)))
          .substr(0, 32),
      "@appointments.rathaus");
  std::string out;
  for (const std::string& line : {
           std::string("BEGIN:VCALENDAR"), std::string("VERSION:2.0"),
           std::string("PRODID:-//rathaus//appointments//DE"), std::string("CALSCALE:GREGORIAN"),
           std::string("METHOD:PUBLISH"), std::string("BEGIN:VEVENT"), absl::StrCat("UID:", uid),
           absl::StrCat("DTSTAMP:", Utc(e.stamp)), absl::StrCat("SEQUENCE:", e.sequence + (e.cancelled ? 1 : 0)),
           absl::StrCat("DTSTART:", Utc(e.start)), absl::StrCat("DTEND:", Utc(e.end)),
           absl::StrCat("SUMMARY:", EscapeIcsText(e.summary)),
           absl::StrCat("LOCATION:", EscapeIcsText(e.location)),
           absl::StrCat("DESCRIPTION:", EscapeIcsText(e.description)),
           absl::StrCat("STATUS:", e.cancelled ? "CANCELLED" : "CONFIRMED"),
           std::string("END:VEVENT"), std::string("END:VCALENDAR")}) {
    out += FoldIcsLine(line);
  }
  return out;
}

}  // namespace rathaus::appointments
