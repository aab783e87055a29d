#include "domain/templates.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"

namespace rathaus::notifications {
namespace {

Facts Sample(Kind kind, const std::string& language) {
  absl::TimeZone berlin;
  EXPECT_TRUE(absl::LoadTimeZone("Europe/Berlin", &berlin));
  return Facts{.kind = kind,
               .language = language,
               .name = "Erika <b>Mustermann</b>",
               .code = "K7M3Q9XP",
               .office_name = "Bürgerbüro Mitte",
               .office_address = "Fleethörn 9, 24103 Kiel",
               .services = {"Personalausweis beantragen"},
               .what_to_bring = {"Biometrisches Passfoto"},
               .start = absl::FromCivil(absl::CivilMinute(2026, 12, 8, 9, 30), berlin),
               .end = absl::FromCivil(absl::CivilMinute(2026, 12, 8, 9, 45), berlin),
               .time_zone = berlin,
               .cancel_url = "https://kiel.example/termin/absagen#code=K7M3Q9XP&token=c1.x",
               .booking_url = "https://kiel.example/",
               .opt_out_url = "",
               .footer = "Landeshauptstadt Kiel, Fleethörn 9, 24103 Kiel"};
}

TEST(TemplatesTest, SubjectsSayWhatHappenedWhereAndWhen) {
  EXPECT_EQ(Render(Sample(Kind::kBooked, "de")).subject,
            "Terminbestätigung: Bürgerbüro Mitte, Di 8.12.2026, 09:30 Uhr");
  EXPECT_EQ(Render(Sample(Kind::kRescheduled, "de")).subject,
            "Termin verschoben: Bürgerbüro Mitte, jetzt Di 8.12.2026, 09:30 Uhr");
  EXPECT_EQ(Render(Sample(Kind::kCancelled, "de")).subject,
            "Termin abgesagt: Bürgerbüro Mitte, Di 8.12.2026, 09:30 Uhr");
  EXPECT_EQ(Render(Sample(Kind::kReminder, "de")).subject,
            "Erinnerung an Ihren Termin: Bürgerbüro Mitte, Di 8.12.2026, 09:30 Uhr");
  EXPECT_EQ(Render(Sample(Kind::kBooked, "en")).subject,
            "Appointment confirmed: Bürgerbüro Mitte, Tue 8 Dec 2026, 09:30");
  EXPECT_EQ(Render(Sample(Kind::kReminder, "en")).subject,
            "Reminder of your appointment: Bürgerbüro Mitte, Tue 8 Dec 2026, 09:30");
}

TEST(TemplatesTest, TextHasTheFactsInTheBookingsLanguage) {
  const Rendered de = Render(Sample(Kind::kBooked, "de"));
  EXPECT_TRUE(absl::StrContains(de.text, "Guten Tag Erika <b>Mustermann</b>,"));
  EXPECT_TRUE(absl::StrContains(de.text, "Dienstag, 8. Dezember 2026, 09:30 Uhr – 09:45 Uhr"));
  EXPECT_TRUE(absl::StrContains(de.text, "Bürgerbüro Mitte, Fleethörn 9, 24103 Kiel"));
  EXPECT_TRUE(absl::StrContains(de.text, "Buchungscode: K7M3Q9XP"));
  EXPECT_TRUE(absl::StrContains(de.text, "Bitte mitbringen: Biometrisches Passfoto"));
  EXPECT_TRUE(absl::StrContains(de.text, "termin/absagen#code=K7M3Q9XP"));
  EXPECT_TRUE(absl::StrContains(de.text, "Landeshauptstadt Kiel"));
  const Rendered en = Render(Sample(Kind::kBooked, "en"));
  EXPECT_TRUE(absl::StrContains(en.text, "Dear Erika"));
  EXPECT_TRUE(absl::StrContains(en.text, "Tuesday, 8 December 2026, 09:30 – 09:45"));
  EXPECT_TRUE(absl::StrContains(en.text, "Booking code: K7M3Q9XP"));
  EXPECT_FALSE(absl::StrContains(en.text, "Uhr"));
}

TEST(TemplatesTest, EveryValueIsEscapedInTheHtml) {
  const Rendered r = Render(Sample(Kind::kBooked, "de"));
  EXPECT_FALSE(absl::StrContains(r.html, "<b>Mustermann"));
  EXPECT_TRUE(absl::StrContains(r.html, "Erika &lt;b&gt;Mustermann&lt;/b&gt;"));
  EXPECT_TRUE(absl::StrContains(r.html, "code=K7M3Q9XP&amp;token=c1.x"));
  EXPECT_TRUE(absl::StrContains(r.html, "<html lang=\"de\">"));
  EXPECT_TRUE(absl::StrContains(Render(Sample(Kind::kBooked, "en")).html, "<html lang=\"en\">"));
}

TEST(TemplatesTest, ACancellationOffersANewBookingNotACancel) {
  const Rendered r = Render(Sample(Kind::kCancelled, "de"));
  EXPECT_FALSE(absl::StrContains(r.text, "absagen#"));
  EXPECT_TRUE(absl::StrContains(r.text, "Einen neuen Termin buchen:\nhttps://kiel.example/"));
  EXPECT_FALSE(absl::StrContains(r.text, "Bitte mitbringen"));
  // Without a cancel token (the appointment has begun) there is no cancel link either.
  Facts f = Sample(Kind::kReminder, "de");
  f.cancel_url.clear();
  EXPECT_FALSE(absl::StrContains(Render(f).text, "absagen"));
}

TEST(TemplatesTest, AnIdDocumentReadyForPickupLinksItsPickupBooking) {
  Facts f = Sample(Kind::kDocumentReady, "de");
  f.name.clear();
  f.document_type = "EID_KARTE";
  f.pickup_url = "https://kiel.example/termin?office=kiel-mitte&service=ausweis-abholen%3A1#abholcode=K7M3Q9XP";
  const Rendered r = Render(f);
  EXPECT_EQ(r.subject, "Ihre eID-Karte ist abholbereit: Bürgerbüro Mitte");
  EXPECT_TRUE(absl::StrContains(r.text, "Guten Tag,\n\nIhre eID-Karte ist im Bürgerbüro Mitte eingetroffen"))
      << r.text;
  EXPECT_TRUE(absl::StrContains(r.text, "Termin zur Abholung buchen:\n" + f.pickup_url));
  EXPECT_TRUE(absl::StrContains(r.html, "service=ausweis-abholen%3A1#abholcode=K7M3Q9XP"));
  EXPECT_FALSE(absl::StrContains(r.text, "Buchungscode")) << "no appointment yet";
  f.kind = Kind::kDocumentOverdue;
  f.document_type = "REISEPASS";
  EXPECT_EQ(Render(f).subject, "Erinnerung: Ihr Reisepass liegt zur Abholung bereit: Bürgerbüro Mitte");
  f.language = "en";
  EXPECT_EQ(Render(f).subject, "Reminder: your passport is waiting for pickup: Bürgerbüro Mitte");
  f.kind = Kind::kDocumentReady;
  EXPECT_EQ(Render(f).subject, "Your passport is ready for pickup: Bürgerbüro Mitte");
}

// A registration's messages say what happened and where to read it; the office's name is
// escaped, the booking link is offered only after a rejection.
TEST(TemplatesTest, RegistrationMessagesPointToTheStatusPage) {
  Facts f;
  f.language = "de";
  f.office_name = "Bürgerbüro <Mitte>";
  f.registration_type = "UMMELDUNG";
  f.status_url = "https://kiel.example/meldung/status";
  f.booking_url = "https://kiel.example/termin?office=kiel-mitte&service=wohnsitz-anmelden:1#vorsprache=K7M3Q9XP";
  f.certificates = 2;
  f.kind = Kind::kRegistrationInfo;
  Rendered info = Render(f);
  EXPECT_EQ(info.subject, "Rückfrage zu Ihrer Ummeldung: Bürgerbüro <Mitte>");
  EXPECT_TRUE(absl::StrContains(info.text, "https://kiel.example/meldung/status")) << info.text;
  EXPECT_FALSE(absl::StrContains(info.text, "vorsprache")) << info.text;
  EXPECT_TRUE(absl::StrContains(info.html, "Bürgerbüro &lt;Mitte&gt;")) << info.html;
  EXPECT_FALSE(absl::StrContains(info.html, "<Mitte>")) << info.html;
  f.kind = Kind::kRegistrationAccepted;
  Rendered accepted = Render(f);
  EXPECT_EQ(accepted.subject, "Ihre Ummeldung ist bearbeitet: Meldebestätigung abrufbar");
  EXPECT_TRUE(absl::StrContains(accepted.text, "Meldebestätigung (2)")) << accepted.text;
  f.kind = Kind::kRegistrationRejected;
  f.language = "en";
  f.registration_type = "ANMELDUNG";
  Rendered rejected = Render(f);
  EXPECT_EQ(rejected.subject, "Your registration could not be completed online: Bürgerbüro <Mitte>");
  EXPECT_TRUE(absl::StrContains(rejected.text, "#vorsprache=K7M3Q9XP")) << rejected.text;
  EXPECT_TRUE(absl::StrContains(rejected.html, "wohnsitz-anmelden:1#vorsprache=K7M3Q9XP\">"))
      << rejected.html;
  EXPECT_TRUE(absl::StartsWith(rejected.html, "<!DOCTYPE html>\n<html lang=\"en\">"));
  EXPECT_EQ(RegistrationName("NEBENWOHNUNG", "de"), "Meldung der Nebenwohnung");
}

TEST(TemplatesTest, Kinds) {
  Kind k;
  for (Kind want : {Kind::kBooked, Kind::kRescheduled, Kind::kCancelled, Kind::kReminder,
                    Kind::kDocumentReady, Kind::kDocumentOverdue, Kind::kRegistrationInfo,
                    Kind::kRegistrationAccepted, Kind::kRegistrationRejected}) {
    ASSERT_TRUE(ParseKind(KindName(want), &k));
    EXPECT_EQ(k, want);
  }
  EXPECT_FALSE(ParseKind("sms", &k));
}

}  // namespace
}  // namespace rathaus::notifications
