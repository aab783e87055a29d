// The texts of the e-mails, in German and English (the booking's language): subject, plain
// text and HTML from one set of facts. Every value is escaped in the HTML; the subject says what
// happened, where and when.
//
//   Facts f{.kind = Kind::kBooked, .language = "de", .name = "Erika Mustermann", …};
//   Rendered r = Render(f);   // r.subject "Terminbestätigung: Bürgerbüro Mitte, Di 8. Dezember …"
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"

namespace rathaus::notifications {

enum class Kind {
  kBooked, kRescheduled, kCancelled, kReminder,  // appointments
  kDocumentReady, kDocumentOverdue,              // id-documents: ready for pickup, not collected
  // registrations: the office asked a question, accepted the case, rejected it
  kRegistrationInfo, kRegistrationAccepted, kRegistrationRejected,
};

// "booked", "rescheduled", "cancelled", "reminder", "document-ready", "document-overdue",
// "registration-info", "registration-accepted", "registration-rejected" (the store's job kinds).
std::string_view KindName(Kind kind);
bool ParseKind(std::string_view name, Kind* kind);

struct Facts {
  Kind kind = Kind::kBooked;
  std::string language = "de";  // "de" or "en"
  std::string name;             // the citizen's
  std::string code;             // the booking code
  std::string office_name;
  std::string office_address;
  std::vector<std::string> services;
  std::vector<std::string> what_to_bring;
  absl::Time start;
  absl::Time end;
  absl::TimeZone time_zone;
  // The cancel page with the cancel-only token ("" when the appointment can no longer be
  // cancelled); the booking page for a new appointment.
  std::string cancel_url;
  std::string booking_url;
  // Reminders: the page that ends the reminders for this booking ("" for none).
  std::string opt_out_url;
  std::string footer;  // the city's footer (RATHAUS_NOTIFY_FOOTER), plain text
  // ID documents: the document's type as id-documents names it (PERSONALAUSWEIS, …) and the
  // link that books its pickup (the pickup code in its fragment); start/end/code unused.
  std::string document_type;
  std::string pickup_url;
  // Registrations: the case's type as registrations names it (ANMELDUNG, …), the status page
  // (sign-in; the question, the reason and the certificates are there, never in the mail), the
  // number of Meldebestätigungen to download; booking_url is the counter appointment.
  std::string registration_type;
  std::string status_url;
  int certificates = 0;
};

// "Personalausweis", "Reisepass", … / "identity card", "passport", … for id-documents' type names.
std::string DocumentName(std::string_view type, std::string_view language);

// "Anmeldung", "Ummeldung", … / "registration", "change of address", … for registrations' types.
std::string RegistrationName(std::string_view type, std::string_view language);

struct Rendered {
  std::string subject;
  std::string text;
  std::string html;
};

Rendered Render(const Facts& facts);

// "Dienstag, 8. Dezember 2026, 09:30 Uhr" / "Tuesday, 8 December 2026, 09:30".
std::string FormatWhen(absl::Time t, absl::TimeZone tz, std::string_view language);

}  // namespace rathaus::notifications
