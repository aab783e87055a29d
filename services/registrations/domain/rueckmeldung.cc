#include "domain/rueckmeldung.h"

#include "absl/strings/str_cat.h"

namespace rathaus::registrations {
namespace {

std::string Escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Element(const std::string& indent, const std::string& name, const std::string& value) {
  if (value.empty()) return absl::StrCat(indent, "<", name, "/>\n");
  return absl::StrCat(indent, "<", name, ">", Escape(value), "</", name, ">\n");
}

std::string Address(const std::string& name, const RueckmeldungAddress& a) {
  return absl::StrCat("  <", name, ">\n", Element("    ", "strasse", a.street),
                      Element("    ", "postleitzahl", a.postal_code), Element("    ", "ort", a.city),
                      Element("    ", "gemeindeschluessel", a.municipality_key), "  </", name, ">\n");
}

}  // namespace

std::string RueckmeldungXml(const Rueckmeldung& r) {
  std::string xml = absl::StrCat(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
      "<rueckmeldung xmlns=\"urn:rathaus:registrations:rueckmeldung:1\" version=\"1\">\n",
      "  <nachrichtenkopf>\n", Element("    ", "nachrichtId", r.message_id),
      Element("    ", "erstellt", absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", r.created, absl::UTCTimeZone())),
      "    <absender gemeindeschluessel=\"", Escape(r.sender_key), "\">", Escape(r.sender_name),
      "</absender>\n", "    <empfaenger gemeindeschluessel=\"", Escape(r.recipient_key), "\"/>\n",
      "  </nachrichtenkopf>\n", "  <vorgang id=\"", Escape(r.registration_id), "\">\n",
      Element("    ", "fristende", absl::FormatCivilTime(r.due)),
      Element("    ", "einzugsdatum", absl::FormatCivilTime(r.moved_in)),
      Element("    ", "anmeldedatum", absl::FormatCivilTime(r.registered)), "  </vorgang>\n",
      Address("neueAnschrift", r.new_address), Address("bisherigeAnschrift", r.previous_address));
  for (size_t i = 0; i < r.persons.size(); ++i) {
    const RueckmeldungPerson& p = r.persons[i];
    absl::StrAppend(&xml, "  <person nummer=\"", i + 1, "\">\n",
                    Element("    ", "familienname", p.family_name),
                    Element("    ", "vornamen", p.given_names),
                    Element("    ", "doktorgrad", p.doctoral_degree),
                    Element("    ", "geburtsdatum", absl::FormatCivilTime(p.birth)),
                    Element("    ", "wohnungsstatus", p.dwelling),
                    p.block.empty() ? "" : Element("    ", "sperre", p.block), "  </person>\n");
  }
  xml += "</rueckmeldung>\n";
  return xml;
}

}  // namespace rathaus::registrations
