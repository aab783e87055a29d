// The Rückmeldung (§33 BMG) document: the fields the previous municipality needs, escaped, and
// well-formed XML (checked with expat, which the e-invoice parser uses too).
#include "domain/rueckmeldung.h"

#include <expat.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"

namespace rathaus::registrations {
namespace {

Rueckmeldung Example() {
  Rueckmeldung r;
  r.message_id = "6f1c8a52-1b7e-4e0b-9a53-0d3c6f2b9e11";
  r.created = absl::FromCivil(absl::CivilSecond(2026, 12, 4, 9, 30, 0), absl::UTCTimeZone());
  r.sender_name = "Landeshauptstadt Kiel";
  r.sender_key = "01002000";
  r.recipient_key = "02000000";
  r.registration_id = "0b5c2a9e-5f7e-4d4a-9b1e-2f0c8d7a6e51";
  r.due = absl::CivilDay(2026, 12, 9);
  r.moved_in = absl::CivilDay(2026, 12, 1);
  r.registered = absl::CivilDay(2026, 12, 4);
  r.new_address = {"Andreas-Gayk-Straße 31", "24103", "Kiel", "01002000"};
  r.previous_address = {"Große Freiheit 7", "22767", "Hamburg", "02000000"};
  r.persons = {{"Müller & <Söhne>", "Jörg", "Dr.", absl::CivilDay(1980, 2, 29), "HAUPTWOHNUNG", ""},
               {"Müller", "Mia", "", absl::CivilDay(2019, 6, 1), "HAUPTWOHNUNG", "AUSKUNFTSSPERRE"}};
  return r;
}

bool WellFormed(const std::string& xml) {
  XML_Parser p = XML_ParserCreateNS("UTF-8", '|');
  const bool ok = XML_Parse(p, xml.data(), static_cast<int>(xml.size()), 1) == XML_STATUS_OK;
  XML_ParserFree(p);
  return ok;
}

TEST(RueckmeldungTest, Bmg33CarriesTheMoveForThePreviousMunicipality) {
  const std::string xml = RueckmeldungXml(Example());
  EXPECT_TRUE(WellFormed(xml)) << xml;
  for (const char* part :
       {"<rueckmeldung xmlns=\"urn:rathaus:registrations:rueckmeldung:1\" version=\"1\">",
        "<empfaenger gemeindeschluessel=\"02000000\"/>",
        "<absender gemeindeschluessel=\"01002000\">Landeshauptstadt Kiel</absender>",
        "<fristende>2026-12-09</fristende>", "<einzugsdatum>2026-12-01</einzugsdatum>",
        "<erstellt>2026-12-04T09:30:00Z</erstellt>",
        "<familienname>Müller &amp; &lt;Söhne&gt;</familienname>",
        "<geburtsdatum>1980-02-29</geburtsdatum>", "<person nummer=\"2\">", "<doktorgrad/>",
        "<ort>Hamburg</ort>", "<sperre>AUSKUNFTSSPERRE</sperre>"}) {
    EXPECT_TRUE(absl::StrContains(xml, part)) << part << "\n" << xml;
  }
  // §51: the block goes to the previous authority with the person it belongs to, only.
  EXPECT_EQ(xml.find("<sperre>"), xml.rfind("<sperre>"));
  EXPECT_GT(xml.find("<sperre>"), xml.find("<person nummer=\"2\">"));
}

}  // namespace
}  // namespace rathaus::registrations
