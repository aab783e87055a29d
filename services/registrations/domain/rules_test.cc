#include "domain/rules.h"

#include <gtest/gtest.h>

#include "shared/status/problem.h"

namespace rathaus::registrations {
namespace {

using absl::CivilDay;

const CivilDay kToday(2026, 12, 4);

TEST(BmgRulesTest, Para17_1_AnmeldungWithinTwoWeeksAfterMovingIn) {
  auto in_time = CheckDeadline(CaseType::kAnmeldung, CivilDay(2026, 11, 20), kToday);
  ASSERT_TRUE(in_time.ok());
  EXPECT_EQ(in_time->due, CivilDay(2026, 12, 4));
  EXPECT_FALSE(in_time->overdue) << "the last day is still in time";
  auto late = CheckDeadline(CaseType::kAnmeldung, CivilDay(2026, 11, 19), kToday);
  ASSERT_TRUE(late.ok()) << "late is accepted (§54: the clerk decides)";
  EXPECT_TRUE(late->overdue);
  auto future = CheckDeadline(CaseType::kUmmeldung, CivilDay(2026, 12, 5), kToday);
  EXPECT_EQ(future.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(platform::ProblemOf(future.status()), "bmg-17-1-not-moved-in");
}

TEST(BmgRulesTest, Para17_2_AbmeldungAtTheEarliestOneWeekBefore) {
  EXPECT_TRUE(CheckDeadline(CaseType::kAbmeldung, CivilDay(2026, 12, 11), kToday).ok());
  auto early = CheckDeadline(CaseType::kAbmeldung, CivilDay(2026, 12, 12), kToday);
  EXPECT_EQ(early.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(platform::ProblemOf(early.status()), "bmg-17-2-too-early");
  EXPECT_NE(early.status().message().find("2026-12-05"), absl::string_view::npos) << early.status();
  auto after = CheckDeadline(CaseType::kAbmeldung, CivilDay(2026, 11, 1), kToday);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->overdue);
}

TEST(BmgRulesTest, Para27_2_ShortStaysNeedNoRegistration) {
  const CivilDay move(2026, 8, 31);
  // Registered in Germany: up to six months (31 Aug + 6 months = 28 Feb 2027) need none.
  auto six = CheckStay(move, CivilDay(2027, 2, 28), /*registered_in_germany=*/true);
  EXPECT_EQ(six.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(platform::ProblemOf(six), "bmg-27-2-no-registration-needed");
  EXPECT_TRUE(CheckStay(move, CivilDay(2027, 3, 1), true).ok());
  // From abroad without a German residence: three months.
  EXPECT_FALSE(CheckStay(move, CivilDay(2026, 11, 30), false).ok());
  EXPECT_TRUE(CheckStay(move, CivilDay(2026, 12, 1), false).ok());
  EXPECT_TRUE(CheckStay(move, std::nullopt, true).ok()) << "open-ended";
  EXPECT_EQ(CheckStay(move, CivilDay(2026, 8, 1), true).code(), absl::StatusCode::kInvalidArgument);
}

TEST(BmgRulesTest, Para17_3_MinorsMoveWithSomeoneAndPara21_OneHauptwohnung) {
  const Person parent{"Erika", CivilDay(1990, 5, 17)};
  const Person child{"Mia", CivilDay(2015, 3, 1)};
  const Person sixteen{"Ole", CivilDay(2010, 12, 4)};  // 16 today
  EXPECT_TRUE(CheckHousehold({parent, child}, kToday).ok());
  EXPECT_TRUE(CheckHousehold({sixteen}, kToday).ok());
  auto alone = CheckHousehold({child}, kToday);
  EXPECT_EQ(platform::ProblemOf(alone), "bmg-17-3-minors");
  Person two = parent;
  two.other_hauptwohnungen = 1;
  auto both = CheckHousehold({two}, kToday);
  EXPECT_EQ(platform::ProblemOf(both), "bmg-21-one-hauptwohnung");
  EXPECT_EQ(platform::FieldOf(both), "persons[0].hauptwohnung");
  Person none = parent;
  none.hauptwohnung = false;
  EXPECT_FALSE(CheckHousehold({none}, kToday).ok());
  none.other_hauptwohnungen = 1;  // the new dwelling is a Nebenwohnung, the Hauptwohnung stays
  EXPECT_TRUE(CheckHousehold({none}, kToday).ok());
  EXPECT_FALSE(CheckHousehold({}, kToday).ok());
}

TEST(BmgRulesTest, Para33_RueckmeldungThreeWorkingDaysInSchleswigHolstein) {
  EXPECT_EQ(RueckmeldungDue(CivilDay(2026, 12, 4)), CivilDay(2026, 12, 9));    // Fri -> Wed
  EXPECT_EQ(RueckmeldungDue(CivilDay(2026, 12, 23)), CivilDay(2026, 12, 29));  // over Christmas
  EXPECT_EQ(RueckmeldungDue(CivilDay(2026, 10, 29)), CivilDay(2026, 11, 3));   // Reformationstag on a Saturday
}

TEST(BmgRulesTest, Para24_2_CertificateFieldsAndNothingElse) {
  for (std::string_view field : kCertificateFields) {
    EXPECT_EQ(field.find("Religion"), std::string_view::npos);
    EXPECT_EQ(field.find("Steuer"), std::string_view::npos);
    EXPECT_EQ(field.find("Staatsangeh"), std::string_view::npos);
  }
  EXPECT_EQ(kCertificateFields.size(), 8u);
  EXPECT_EQ(ParseCaseType("ABMELDUNG"), CaseType::kAbmeldung);
  EXPECT_FALSE(ParseCaseType("abmeldung").has_value());
}

TEST(BmgRulesTest, Bmg51And52BlockedPersonsAreNotNumberedForTheHousehold) {
  EXPECT_EQ(VisiblePersons({"", "AUSKUNFTSSPERRE", ""}), (std::vector<int>{0, 2}));
  EXPECT_EQ(VisiblePersons({"BEDINGTER_SPERRVERMERK"}), std::vector<int>{});
  EXPECT_EQ(VisiblePersons({"", ""}), (std::vector<int>{0, 1}));
  EXPECT_EQ(ParseBlock("AUSKUNFTSSPERRE"), "AUSKUNFTSSPERRE");
  EXPECT_EQ(ParseBlock(""), "");
  EXPECT_EQ(ParseBlock("auskunftssperre"), std::nullopt);
}

}  // namespace
}  // namespace rathaus::registrations
