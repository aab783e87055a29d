#include "domain/templates.h"

#include "absl/strings/str_cat.h"
#include "shared/calendar/holidays.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "domain/mail.h"

namespace rathaus::notifications {
namespace {

using platform::calendar::WeekdayIndex;

constexpr const char* kWeekdaysDe[] = {"Montag", "Dienstag", "Mittwoch", "Donnerstag",
                                       "Freitag", "Samstag", "Sonntag"};
constexpr const char* kWeekdaysEn[] = {"Monday", "Tuesday", "Wednesday", "Thursday",
                                       "Friday", "Saturday", "Sunday"};
constexpr const char* kMonthsDe[] = {"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli",
                                     "August", "September", "Oktober", "November", "Dezember"};
constexpr const char* kMonthsEn[] = {"January", "February", "March", "April", "May", "June",
                                     "July", "August", "September", "October", "November",
                                     "December"};

// The texts that differ by language; {placeholders} are filled in by Render.
struct Texts {
  const char* subject_booked;
  const char* subject_rescheduled;
  const char* subject_cancelled;
  const char* subject_reminder;
  const char* greeting;           // "Guten Tag {name},"
  const char* lead_booked;
  const char* lead_rescheduled;
  const char* lead_cancelled;
  const char* lead_reminder;
  const char* when;
  const char* where;
  const char* services;
  const char* code;
  const char* bring;
  const char* calendar;           // the attachment
  const char* cancel;             // the cancel link's line
  const char* rebook;             // after a cancellation
  const char* opt_out;
  const char* closing;
  const char* subject_ready;      // {document} {office}
  const char* subject_overdue;
  const char* lead_ready;
  const char* lead_overdue;
  const char* pickup;             // the booking link's line
  const char* walk_in;
  const char* bring_document;
};

constexpr Texts kDe = {
    "Terminbestätigung: {office}, {when}",
    "Termin verschoben: {office}, jetzt {when}",
    "Termin abgesagt: {office}, {when}",
    "Erinnerung an Ihren Termin: {office}, {when}",
    "Guten Tag {name},",
    "Ihr Termin ist gebucht.",
    "Ihr Termin wurde verschoben. Der neue Termin:",
    "Ihr Termin wurde abgesagt.",
    "wir erinnern Sie an Ihren Termin.",
    "Wann",
    "Wo",
    "Anliegen",
    "Buchungscode",
    "Bitte mitbringen",
    "Den Termin für Ihren Kalender finden Sie im Anhang.",
    "Sie können den Termin nicht wahrnehmen? Bitte sagen Sie ihn ab, damit andere ihn "
    "bekommen:",
    "Einen neuen Termin buchen:",
    "Keine Erinnerungen mehr zu diesem Termin:",
    "Mit freundlichen Grüßen",
    "{Document} ist abholbereit: {office}",
    "Erinnerung: {Document} liegt zur Abholung bereit: {office}",
    "{Document} ist im {office} eingetroffen und liegt zur Abholung für Sie bereit.",
    "{Document} liegt seit einiger Zeit im {office} zur Abholung bereit. Bitte holen Sie das "
    "Dokument bald ab.",
    "Termin zur Abholung buchen:",
    "Sie können das Dokument auch ohne Termin zu den Öffnungszeiten abholen.",
    "Bitte bringen Sie Ihr bisheriges Dokument und, falls vorhanden, den PIN-Brief mit.",
};

constexpr Texts kEn = {
    "Appointment confirmed: {office}, {when}",
    "Appointment moved: {office}, now {when}",
    "Appointment cancelled: {office}, {when}",
    "Reminder of your appointment: {office}, {when}",
    "Dear {name},",
    "your appointment is booked.",
    "your appointment has been moved. The new appointment:",
    "your appointment has been cancelled.",
    "this is a reminder of your appointment.",
    "When",
    "Where",
    "Services",
    "Booking code",
    "Please bring",
    "The appointment for your calendar is attached.",
    "Cannot come? Please cancel the appointment so that someone else can have it:",
    "Book a new appointment:",
    "No more reminders for this appointment:",
    "Kind regards",
    "{Document} is ready for pickup: {office}",
    "Reminder: {document} is waiting for pickup: {office}",
    "{document} has arrived at {office} and is ready for pickup.",
    "{document} has been waiting for pickup at {office} for a while. Please collect it soon.",
    "Book a pickup appointment:",
    "You can also collect it without an appointment during opening hours.",
    "Please bring your previous document and, if you have it, the PIN letter.",
};

std::string Fill(std::string_view pattern, const std::vector<std::pair<std::string, std::string>>& values) {
  std::vector<std::pair<absl::string_view, absl::string_view>> pairs;
  for (const auto& [k, v] : values) pairs.emplace_back(k, v);
  return absl::StrReplaceAll(absl::string_view(pattern.data(), pattern.size()), pairs);
}

// The subject's short date: "Di 8.12.2026, 09:30 Uhr" / "Tue 8 Dec 2026, 09:30".
std::string ShortWhen(absl::Time t, absl::TimeZone tz, std::string_view language) {
  const absl::CivilSecond c = absl::ToCivilSecond(t, tz);
  const int wd = WeekdayIndex(absl::CivilDay(c));
  if (language == "en") {
    return absl::StrCat(std::string(kWeekdaysEn[wd]).substr(0, 3), " ", c.day(), " ",
                        std::string(kMonthsEn[c.month() - 1]).substr(0, 3), " ", c.year(), ", ",
                        absl::FormatTime("%H:%M", t, tz));
  }
  return absl::StrCat(std::string(kWeekdaysDe[wd]).substr(0, 2), " ", c.day(), ".", c.month(), ".",
                      c.year(), ", ", absl::FormatTime("%H:%M", t, tz), " Uhr");
}

}  // namespace

std::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kBooked: return "booked";
    case Kind::kRescheduled: return "rescheduled";
    case Kind::kCancelled: return "cancelled";
    case Kind::kReminder: return "reminder";
    case Kind::kDocumentReady: return "document-ready";
    case Kind::kDocumentOverdue: return "document-overdue";
    case Kind::kRegistrationInfo: return "registration-info";
    case Kind::kRegistrationAccepted: return "registration-accepted";
    case Kind::kRegistrationRejected: return "registration-rejected";
  }
  return "booked";
}

bool ParseKind(std::string_view name, Kind* kind) {
  for (Kind k : {Kind::kBooked, Kind::kRescheduled, Kind::kCancelled, Kind::kReminder,
                 Kind::kDocumentReady, Kind::kDocumentOverdue, Kind::kRegistrationInfo,
                 Kind::kRegistrationAccepted, Kind::kRegistrationRejected}) {
    if (KindName(k) == name) {
      *kind = k;
      return true;
    }
  }
  return false;
}

std::string FormatWhen(absl::Time t, absl::TimeZone tz, std::string_view language) {
  const absl::CivilSecond c = absl::ToCivilSecond(t, tz);
  const int wd = WeekdayIndex(absl::CivilDay(c));
  if (language == "en") {
    return absl::StrCat(kWeekdaysEn[wd], ", ", c.day(), " ", kMonthsEn[c.month() - 1], " ",
                        c.year(), ", ", absl::FormatTime("%H:%M", t, tz));
  }
  return absl::StrCat(kWeekdaysDe[wd], ", ", c.day(), ". ", kMonthsDe[c.month() - 1], " ",
                      c.year(), ", ", absl::FormatTime("%H:%M", t, tz), " Uhr");
}

std::string DocumentName(std::string_view type, std::string_view language) {
  const bool en = language == "en";
  if (type == "PERSONALAUSWEIS") return en ? "identity card" : "Personalausweis";
  if (type == "REISEPASS") return en ? "passport" : "Reisepass";
  if (type == "EXPRESS_REISEPASS") return en ? "express passport" : "Express-Reisepass";
  if (type == "KINDERREISEPASS") return en ? "child passport" : "Kinderreisepass";
  if (type == "EID_KARTE") return en ? "eID card" : "eID-Karte";
  return en ? "document" : "Dokument";
}

std::string RegistrationName(std::string_view type, std::string_view language) {
  const bool en = language == "en";
  if (type == "ANMELDUNG") return en ? "registration" : "Anmeldung";
  if (type == "UMMELDUNG") return en ? "change of address" : "Ummeldung";
  if (type == "ABMELDUNG") return en ? "deregistration" : "Abmeldung";
  if (type == "NEBENWOHNUNG") return en ? "secondary residence registration" : "Meldung der Nebenwohnung";
  if (type == "HAUPTWOHNUNG") return en ? "main residence registration" : "Meldung der Hauptwohnung";
  return en ? "registration" : "Meldung";
}

namespace {

// The messages about a registration case. They say what happened and where to read it; the
// clerk's question, the reason of a rejection and the certificates stay behind the sign-in of
// the status page (e-mail is not a confidential channel).
struct RegistrationTexts {
  const char* subject_info;      // {registration} {office}
  const char* subject_accepted;
  const char* subject_rejected;
  const char* greeting;
  const char* lead_info;
  const char* lead_accepted;     // {n}: the certificates
  const char* lead_rejected;
  const char* status_link;       // the status page's line
  const char* booking_link;      // rejected: the counter appointment
  const char* closing;
};

constexpr RegistrationTexts kRegDe = {
    "Rückfrage zu Ihrer {registration}: {office}",
    "Ihre {registration} ist bearbeitet: Meldebestätigung abrufbar",
    "Ihre {registration} konnte online nicht abgeschlossen werden: {office}",
    "Guten Tag,",
    "das {office} hat eine Rückfrage zu Ihrer {registration}. Bitte melden Sie sich an und "
    "beantworten Sie sie auf der Seite „Meine Meldevorgänge“. Die Frage steht aus Gründen des "
    "Datenschutzes nicht in dieser E-Mail.",
    "Ihre {registration} ist bearbeitet. Ihre Meldebestätigung ({n}) können Sie nach der "
    "Anmeldung auf der Seite „Meine Meldevorgänge“ herunterladen.",
    "Ihre {registration} konnte online nicht abgeschlossen werden. Den Grund finden Sie nach "
    "der Anmeldung auf der Seite „Meine Meldevorgänge“. Bitte kommen Sie mit einem Termin ins "
    "{office}.",
    "Meine Meldevorgänge:",
    "Termin im Bürgerbüro buchen:",
    "Mit freundlichen Grüßen",
};

constexpr RegistrationTexts kRegEn = {
    "A question about your {registration}: {office}",
    "Your {registration} is complete: your registration certificate is ready",
    "Your {registration} could not be completed online: {office}",
    "Hello,",
    "{office} has a question about your {registration}. Please sign in and answer it on the page "
    "\"My registrations\". For data protection, the question is not part of this e-mail.",
    "your {registration} is complete. Sign in to download your registration certificate ({n}) "
    "on the page \"My registrations\".",
    "your {registration} could not be completed online. Sign in to read why on the page \"My "
    "registrations\". Please come to {office} with an appointment.",
    "My registrations:",
    "Book an appointment at the office:",
    "Kind regards",
};

Rendered RenderRegistration(const Facts& f) {
  const RegistrationTexts& t = f.language == "en" ? kRegEn : kRegDe;
  const std::vector<std::pair<std::string, std::string>> values = {
      {"{office}", f.office_name},
      {"{registration}", RegistrationName(f.registration_type, f.language)},
      {"{n}", absl::StrCat(f.certificates)}};
  const char* subject = t.subject_info;
  const char* lead = t.lead_info;
  if (f.kind == Kind::kRegistrationAccepted) {
    subject = t.subject_accepted;
    lead = t.lead_accepted;
  } else if (f.kind == Kind::kRegistrationRejected) {
    subject = t.subject_rejected;
    lead = t.lead_rejected;
  }
  Rendered r;
  r.subject = Fill(subject, values);
  const std::string text = Fill(lead, values);
  const bool offer_booking = f.kind == Kind::kRegistrationRejected && !f.booking_url.empty();
  std::string& x = r.text;
  absl::StrAppend(&x, t.greeting, "\n\n", text, "\n");
  if (!f.status_url.empty()) absl::StrAppend(&x, "\n", t.status_link, "\n", f.status_url, "\n");
  if (offer_booking) absl::StrAppend(&x, "\n", t.booking_link, "\n", f.booking_url, "\n");
  absl::StrAppend(&x, "\n", t.closing, "\n", f.office_name, "\n");
  if (!f.footer.empty()) absl::StrAppend(&x, "\n-- \n", f.footer, "\n");
  const auto e = [](std::string_view v) { return HtmlEscape(v); };
  const auto link = [&](const std::string& url) {
    return absl::StrCat("<a href=\"", e(url), "\">", e(url), "</a>");
  };
  std::string& h = r.html;
  absl::StrAppend(&h, "<!DOCTYPE html>\n<html lang=\"", f.language == "en" ? "en" : "de",
                  "\"><head><meta charset=\"utf-8\"><title>", e(r.subject),
                  "</title></head>\n<body>\n<p>", e(t.greeting), "</p>\n<p>", e(text), "</p>\n");
  if (!f.status_url.empty()) {
    absl::StrAppend(&h, "<p>", e(t.status_link), "<br>", link(f.status_url), "</p>\n");
  }
  if (offer_booking) {
    absl::StrAppend(&h, "<p>", e(t.booking_link), "<br>", link(f.booking_url), "</p>\n");
  }
  absl::StrAppend(&h, "<p>", e(t.closing), "<br>", e(f.office_name), "</p>\n");
  if (!f.footer.empty()) absl::StrAppend(&h, "<hr>\n<p><small>", e(f.footer), "</small></p>\n");
  absl::StrAppend(&h, "</body></html>\n");
  return r;
}

// The messages about an ID document: no appointment, a pickup link instead.
Rendered RenderDocument(const Facts& f, const Texts& t) {
  // "Ihr Personalausweis" / "Ihre eID-Karte"; "Your identity card" at the start of a subject,
  // "your identity card" inside a sentence.
  const std::string name = DocumentName(f.document_type, f.language);
  const bool en = f.language == "en";
  const std::string possessive =
      en ? "your" : (f.document_type == "EID_KARTE" ? "Ihre" : "Ihr");
  const std::string document = absl::StrCat(possessive, " ", name);
  const std::string capitalised = absl::StrCat(en ? "Your" : possessive, " ", name);
  const std::vector<std::pair<std::string, std::string>> values = {
      {"{office}", f.office_name}, {"{document}", document}, {"{Document}", capitalised}};
  const bool ready = f.kind == Kind::kDocumentReady;
  Rendered r;
  r.subject = Fill(ready ? t.subject_ready : t.subject_overdue, values);
  const std::string greeting = f.name.empty()
                                   ? (f.language == "en" ? "Hello," : "Guten Tag,")
                                   : Fill(t.greeting, {{"{name}", f.name}});
  const std::string lead = Fill(ready ? t.lead_ready : t.lead_overdue, values);
  std::string& x = r.text;
  absl::StrAppend(&x, greeting, "\n\n", lead, "\n\n", t.where, ": ", f.office_name, ", ",
                  f.office_address, "\n");
  if (!f.pickup_url.empty()) absl::StrAppend(&x, "\n", t.pickup, "\n", f.pickup_url, "\n");
  absl::StrAppend(&x, "\n", t.walk_in, "\n", t.bring_document, "\n");
  absl::StrAppend(&x, "\n", t.closing, "\n", f.office_name, "\n");
  if (!f.footer.empty()) absl::StrAppend(&x, "\n-- \n", f.footer, "\n");
  const auto e = [](std::string_view s) { return HtmlEscape(s); };
  std::string& h = r.html;
  absl::StrAppend(&h, "<!DOCTYPE html>\n<html lang=\"", f.language == "en" ? "en" : "de",
                  "\"><head><meta charset=\"utf-8\"><title>", e(r.subject),
                  "</title></head>\n<body>\n<p>", e(greeting), "</p>\n<p>", e(lead), "</p>\n",
                  "<p>", e(t.where), ": ", e(f.office_name), ", ", e(f.office_address), "</p>\n");
  if (!f.pickup_url.empty()) {
    absl::StrAppend(&h, "<p>", e(t.pickup), "<br><a href=\"", e(f.pickup_url), "\">",
                    e(f.pickup_url), "</a></p>\n");
  }
  absl::StrAppend(&h, "<p>", e(t.walk_in), " ", e(t.bring_document), "</p>\n<p>", e(t.closing),
                  "<br>", e(f.office_name), "</p>\n");
  if (!f.footer.empty()) absl::StrAppend(&h, "<hr>\n<p><small>", e(f.footer), "</small></p>\n");
  absl::StrAppend(&h, "</body></html>\n");
  return r;
}

}  // namespace

Rendered Render(const Facts& f) {
  const Texts& t = f.language == "en" ? kEn : kDe;
  if (f.kind == Kind::kDocumentReady || f.kind == Kind::kDocumentOverdue) {
    return RenderDocument(f, t);
  }
  if (f.kind == Kind::kRegistrationInfo || f.kind == Kind::kRegistrationAccepted ||
      f.kind == Kind::kRegistrationRejected) {
    return RenderRegistration(f);
  }
  const std::string when_short = ShortWhen(f.start, f.time_zone, f.language);
  const std::vector<std::pair<std::string, std::string>> subject_values = {
      {"{office}", f.office_name}, {"{when}", when_short}};
  const char* subject = t.subject_booked;
  const char* lead = t.lead_booked;
  switch (f.kind) {
    case Kind::kBooked:
    case Kind::kDocumentReady:
    case Kind::kDocumentOverdue:
    case Kind::kRegistrationInfo:
    case Kind::kRegistrationAccepted:
    case Kind::kRegistrationRejected:
      break;
    case Kind::kRescheduled: subject = t.subject_rescheduled; lead = t.lead_rescheduled; break;
    case Kind::kCancelled: subject = t.subject_cancelled; lead = t.lead_cancelled; break;
    case Kind::kReminder: subject = t.subject_reminder; lead = t.lead_reminder; break;
  }
  Rendered r;
  r.subject = Fill(subject, subject_values);
  const std::string greeting = Fill(t.greeting, {{"{name}", f.name}});
  const std::string when = absl::StrCat(FormatWhen(f.start, f.time_zone, f.language), " – ",
                                        absl::FormatTime("%H:%M", f.end, f.time_zone),
                                        f.language == "en" ? "" : " Uhr");
  const bool attached = f.kind != Kind::kReminder;
  const bool offer_cancel = f.kind != Kind::kCancelled && !f.cancel_url.empty();

  // Plain text.
  std::string& x = r.text;
  absl::StrAppend(&x, greeting, "\n\n", lead, "\n\n");
  absl::StrAppend(&x, t.when, ": ", when, "\n");
  absl::StrAppend(&x, t.where, ": ", f.office_name, ", ", f.office_address, "\n");
  if (!f.services.empty()) absl::StrAppend(&x, t.services, ": ", absl::StrJoin(f.services, ", "), "\n");
  absl::StrAppend(&x, t.code, ": ", f.code, "\n");
  if (f.kind != Kind::kCancelled && !f.what_to_bring.empty()) {
    absl::StrAppend(&x, t.bring, ": ", absl::StrJoin(f.what_to_bring, ", "), "\n");
  }
  if (attached) absl::StrAppend(&x, "\n", t.calendar, "\n");
  if (offer_cancel) absl::StrAppend(&x, "\n", t.cancel, "\n", f.cancel_url, "\n");
  if (f.kind == Kind::kCancelled && !f.booking_url.empty()) {
    absl::StrAppend(&x, "\n", t.rebook, "\n", f.booking_url, "\n");
  }
  if (f.kind == Kind::kReminder && !f.opt_out_url.empty()) {
    absl::StrAppend(&x, "\n", t.opt_out, "\n", f.opt_out_url, "\n");
  }
  absl::StrAppend(&x, "\n", t.closing, "\n", f.office_name, "\n");
  if (!f.footer.empty()) absl::StrAppend(&x, "\n-- \n", f.footer, "\n");

  // HTML: the same, every value escaped.
  const auto e = [](std::string_view s) { return HtmlEscape(s); };
  const auto link = [&](const std::string& url) {
    return absl::StrCat("<a href=\"", e(url), "\">", e(url), "</a>");
  };
  std::string& h = r.html;
  absl::StrAppend(&h, "<!DOCTYPE html>\n<html lang=\"", f.language == "en" ? "en" : "de",
                  "\"><head><meta charset=\"utf-8\"><title>", e(r.subject),
                  "</title></head>\n<body>\n");
  absl::StrAppend(&h, "<p>", e(greeting), "</p>\n<p>", e(lead), "</p>\n<table>\n");
  const auto row = [&](const char* label, const std::string& value) {
    absl::StrAppend(&h, "<tr><th scope=\"row\" align=\"left\">", e(label), "</th><td>", e(value),
                    "</td></tr>\n");
  };
  row(t.when, when);
  row(t.where, absl::StrCat(f.office_name, ", ", f.office_address));
  if (!f.services.empty()) row(t.services, absl::StrJoin(f.services, ", "));
  row(t.code, f.code);
  if (f.kind != Kind::kCancelled && !f.what_to_bring.empty()) {
    row(t.bring, absl::StrJoin(f.what_to_bring, ", "));
  }
  absl::StrAppend(&h, "</table>\n");
  if (attached) absl::StrAppend(&h, "<p>", e(t.calendar), "</p>\n");
  if (offer_cancel) absl::StrAppend(&h, "<p>", e(t.cancel), "<br>", link(f.cancel_url), "</p>\n");
  if (f.kind == Kind::kCancelled && !f.booking_url.empty()) {
    absl::StrAppend(&h, "<p>", e(t.rebook), "<br>", link(f.booking_url), "</p>\n");
  }
  if (f.kind == Kind::kReminder && !f.opt_out_url.empty()) {
    absl::StrAppend(&h, "<p>", e(t.opt_out), "<br>", link(f.opt_out_url), "</p>\n");
  }
  absl::StrAppend(&h, "<p>", e(t.closing), "<br>", e(f.office_name), "</p>\n");
  if (!f.footer.empty()) absl::StrAppend(&h, "<hr>\n<p><small>", e(f.footer), "</small></p>\n");
  absl::StrAppend(&h, "</body></html>\n");
  return r;
}

}  // namespace rathaus::notifications
