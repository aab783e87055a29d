#include "domain/rules.h"

#include "absl/strings/str_cat.h"
#include "shared/calendar/holidays.h"
#include "shared/status/problem.h"

namespace rathaus::registrations {
namespace {

int AgeOn(absl::CivilDay birth, absl::CivilDay day) {
  int age = static_cast<int>(day.year() - birth.year());
  if (day.month() < birth.month() || (day.month() == birth.month() && day.day() < birth.day())) --age;
  return age;
}

// The same day `months` later, or the month's last day when it has no such day (31 Aug + 6
// months = 28/29 Feb).
absl::CivilDay AddMonths(absl::CivilDay day, int months) {
  const absl::CivilMonth target = absl::CivilMonth(day) + months;
  const absl::CivilDay same(target.year(), target.month(), day.day());  // may run into the next month
  if (absl::CivilMonth(same) == target) return same;
  return absl::CivilDay(target + 1) - 1;
}

}  // namespace

std::optional<CaseType> ParseCaseType(std::string_view name) {
  for (CaseType t : {CaseType::kAnmeldung, CaseType::kUmmeldung, CaseType::kAbmeldung,
                     CaseType::kNebenwohnung, CaseType::kHauptwohnung}) {
    if (Name(t) == name) return t;
  }
  return std::nullopt;
}

std::string_view Name(CaseType type) {
  switch (type) {
    case CaseType::kAnmeldung: return "ANMELDUNG";
    case CaseType::kUmmeldung: return "UMMELDUNG";
    case CaseType::kAbmeldung: return "ABMELDUNG";
    case CaseType::kNebenwohnung: return "NEBENWOHNUNG";
    case CaseType::kHauptwohnung: return "HAUPTWOHNUNG";
  }
  return "";
}

absl::StatusOr<Deadline> CheckDeadline(CaseType type, absl::CivilDay move, absl::CivilDay today) {
  if (type == CaseType::kAbmeldung) {
    if (move - today > 7) {
      return platform::WithProblem(
          absl::FailedPreconditionError(absl::StrCat(
              "§17(2) BMG: an Abmeldung is possible at the earliest one week before moving out; "
              "submit it from ", absl::FormatCivilTime(move - 7))),
          "bmg-17-2-too-early");
    }
  } else if (move > today) {
    return platform::WithProblem(
        absl::FailedPreconditionError(
            "§17(1) BMG: you register a dwelling once you have moved in (within two weeks after)"),
        "bmg-17-1-not-moved-in");
  }
  Deadline d;
  d.due = move + 14;
  d.overdue = today > d.due;
  return d;
}

absl::Status CheckStay(absl::CivilDay move, std::optional<absl::CivilDay> until,
                       bool registered_in_germany) {
  if (!until) return absl::OkStatus();
  if (*until < move) return platform::InvalidField("stayUntil", "the stay ends before it begins");
  const int months = registered_in_germany ? 6 : 3;
  if (*until <= AddMonths(move, months)) {
    return platform::WithProblem(
        absl::FailedPreconditionError(absl::StrCat(
            "§27(2) BMG: a stay of at most ", months, " months needs no registration",
            registered_in_germany ? " while you stay registered at your residence in Germany"
                                  : " when you have no residence in Germany",
            "; register if you stay longer")),
        "bmg-27-2-no-registration-needed");
  }
  return absl::OkStatus();
}

absl::Status CheckHousehold(const std::vector<Person>& persons, absl::CivilDay today) {
  if (persons.empty()) return platform::InvalidField("persons", "at least one person moves");
  bool adult = false;
  for (size_t i = 0; i < persons.size(); ++i) {
    const Person& p = persons[i];
    if (p.birth > today) {
      return platform::InvalidField(absl::StrCat("persons[", i, "].birthDate"), "lies in the future");
    }
    adult = adult || AgeOn(p.birth, today) >= 16;
    const int hauptwohnungen = (p.hauptwohnung ? 1 : 0) + p.other_hauptwohnungen;
    if (hauptwohnungen != 1) {
      return platform::WithProblem(
          platform::InvalidField(absl::StrCat("persons[", i, "].hauptwohnung"),
                                 absl::StrCat("§21 BMG: exactly one dwelling is a person's "
                                              "Hauptwohnung; declared: ", hauptwohnungen)),
          "bmg-21-one-hauptwohnung");
    }
  }
  if (!adult) {
    return platform::WithProblem(
        platform::InvalidField("persons",
                               "§17(3) BMG: persons under 16 are registered by the person they "
                               "move in with; add that person to the registration"),
        "bmg-17-3-minors");
  }
  return absl::OkStatus();
}

absl::CivilDay RueckmeldungDue(absl::CivilDay accepted) {
  return platform::calendar::AddWorkingDays(accepted, 3, platform::calendar::State::kSchleswigHolstein);
}

std::optional<std::string> ParseBlock(std::string_view block) {
  if (block.empty() || block == "AUSKUNFTSSPERRE" || block == "BEDINGTER_SPERRVERMERK") {
    return std::string(block);
  }
  return std::nullopt;
}

std::vector<int> VisiblePersons(const std::vector<std::string>& blocks) {
  std::vector<int> out;
  for (size_t i = 0; i < blocks.size(); ++i) {
    if (blocks[i].empty()) out.push_back(static_cast<int>(i));
  }
  return out;
}

}  // namespace rathaus::registrations
