// The Bundesmeldegesetz (BMG) rules an online registration is checked against before a clerk
// sees it (issue 16; the service, store and routes come next). Pure functions: dates in, a
// decision or an error naming the paragraph out.
//
//   auto d = CheckDeadline(CaseType::kAnmeldung, /*move=*/CivilDay(2026, 11, 10), today);
//   d->due == CivilDay(2026, 11, 24); d->overdue == (today > due)      // §17(1): two weeks
//   CheckDeadline(CaseType::kAbmeldung, CivilDay(2027, 1, 31), CivilDay(2026, 12, 1))
//       -> FAILED_PRECONDITION, problem "bmg-17-2-too-early"           // §17(2): one week before
//   CheckStay(...)        §27(2): short stays need no registration (422 with the explanation)
//   CheckHousehold(...)   §17(3) minors, §21 exactly one Hauptwohnung per person
//   RueckmeldungDue(accepted) -> 3 working days later, Schleswig-Holstein holidays (§33(1))
//   kCertificateFields    the §24(2) fields of a Meldebestätigung, nothing else
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"

namespace rathaus::registrations {

enum class CaseType {
  kAnmeldung,      // moving in from another municipality or from abroad
  kUmmeldung,      // moving within the city
  kAbmeldung,      // moving abroad, no new German residence
  kNebenwohnung,   // adding or giving up a secondary residence
  kHauptwohnung,   // which of one's dwellings is the Hauptwohnung changes
};
std::optional<CaseType> ParseCaseType(std::string_view name);  // "ANMELDUNG", ...
std::string_view Name(CaseType type);

struct Deadline {
  absl::CivilDay due;     // the last day the registration is in time
  bool overdue = false;   // submitted after `due`: accepted, flagged (§54: the clerk decides)
};

// §17(1): An-/Um-/Nebenwohnung/Hauptwohnung within two weeks after moving in, and only once
// moved in (a future move-in date is refused); §17(2): Abmeldung at the earliest one week before
// moving out and within two weeks after. `move` is the move-in (move-out for an Abmeldung) date.
absl::StatusOr<Deadline> CheckDeadline(CaseType type, absl::CivilDay move, absl::CivilDay today);

// §27(2): whoever is registered in Germany and stays elsewhere for at most six months, or comes
// from abroad with no German residence for at most three months, needs no registration for that
// dwelling. `until` is the planned end of the stay (nullopt: open-ended).
absl::Status CheckStay(absl::CivilDay move, std::optional<absl::CivilDay> until,
                       bool registered_in_germany);

struct Person {
  std::string name;           // for messages only
  absl::CivilDay birth;
  bool hauptwohnung = true;   // the new dwelling is this person's Hauptwohnung
  int other_hauptwohnungen = 0;  // other dwellings this person keeps declared as Hauptwohnung
};
// §17(3): persons under 16 are registered by whoever they move in with — a case of minors alone
// is refused; §21: of a person's dwellings exactly one is the Hauptwohnung. Errors name the
// person's index.
absl::Status CheckHousehold(const std::vector<Person>& persons, absl::CivilDay today);

// §33(1): the report back to the previous authority is due three working days after the
// Anmeldung was accepted; counted as issue 16 asks, Monday to Friday without Schleswig-Holstein
// public holidays (the law says "Werktage", which elsewhere includes Saturdays).
absl::CivilDay RueckmeldungDue(absl::CivilDay accepted);

// §51 (Auskunftssperre) and §52 (bedingter Sperrvermerk): "AUSKUNFTSSPERRE",
// "BEDINGTER_SPERRVERMERK" or "" (none); nullopt for anything else.
std::optional<std::string> ParseBlock(std::string_view block);

// The persons of a case that the household may see online, as indexes into the case's persons:
// those without a §51/§52 block, in order. Their position in this list (1-based) is the number
// the citizen sees, so nothing reveals that a blocked person exists.
std::vector<int> VisiblePersons(const std::vector<std::string>& blocks);

// §24(2) BMG: what a Meldebestätigung holds, in this order; no other field of the register
// (religion, tax id, nationality, ... never).
inline constexpr std::array<std::string_view, 8> kCertificateFields = {
    "Familienname", "Vornamen",       "Doktorgrad", "Geburtsdatum",
    "Anschrift",    "Einzugsdatum",   "Art der Wohnung (Haupt- oder Nebenwohnung)",
    "Datum der Anmeldung"};

}  // namespace rathaus::registrations
