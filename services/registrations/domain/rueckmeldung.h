// The Rückmeldung (§33 BMG): after an Anmeldung from another German municipality is accepted,
// the new registration authority tells the previous one, which then registers the move-out.
// The message is an XML document modelled on XMeld's Rückmeldung (the OSCI-XMeld standard of
// the Meldewesen; this is not an XMeld implementation, it carries the same content for the
// Fachverfahren to map): namespace urn:rathaus:registrations:rueckmeldung:1.
//
//   <rueckmeldung xmlns="urn:rathaus:registrations:rueckmeldung:1" version="1">
//     <nachrichtenkopf>
//       <nachrichtId>UUID</nachrichtId> <erstellt>RFC 3339</erstellt>
//       <absender gemeindeschluessel="01002000">Landeshauptstadt Kiel</absender>
//       <empfaenger gemeindeschluessel="02000000"/>
//     </nachrichtenkopf>
//     <vorgang id="registration id"> <fristende>YYYY-MM-DD</fristende>
//       <einzugsdatum>YYYY-MM-DD</einzugsdatum> <anmeldedatum>YYYY-MM-DD</anmeldedatum> </vorgang>
//     <neueAnschrift> <strasse/> <postleitzahl/> <ort/> <gemeindeschluessel/> </neueAnschrift>
//     <bisherigeAnschrift> ... </bisherigeAnschrift>
//     <person nummer="1"> <familienname/> <vornamen/> <doktorgrad/> <geburtsdatum/>
//       <wohnungsstatus>HAUPTWOHNUNG|NEBENWOHNUNG</wohnungsstatus>
//       <sperre>AUSKUNFTSSPERRE|BEDINGTER_SPERRVERMERK</sperre> (only with a block) </person> ...
//   </rueckmeldung>
#pragma once

#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace rathaus::registrations {

struct RueckmeldungAddress {
  std::string street, postal_code, city, municipality_key;
};

struct RueckmeldungPerson {
  std::string family_name, given_names, doctoral_degree;
  absl::CivilDay birth;
  std::string dwelling;  // HAUPTWOHNUNG or NEBENWOHNUNG
  std::string block;     // AUSKUNFTSSPERRE, BEDINGTER_SPERRVERMERK (§§51, 52 BMG) or empty
};

struct Rueckmeldung {
  std::string message_id;
  absl::Time created;
  std::string sender_name;
  std::string sender_key;     // the new municipality
  std::string recipient_key;  // the previous municipality
  std::string registration_id;
  absl::CivilDay due, moved_in, registered;
  RueckmeldungAddress new_address, previous_address;
  std::vector<RueckmeldungPerson> persons;
};

// The XML document (UTF-8, every value escaped).
std::string RueckmeldungXml(const Rueckmeldung& r);

}  // namespace rathaus::registrations
