// The Aktenplan as configuration (the embedded Kiel demo plan parses; every wrong field is named),
// Aktenzeichen both ways, and disposal dates counted from the end of the year of closing.
#include "domain/aktenplan.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "rathaus_efile_domain_embedded.h"

namespace rathaus::efile {
namespace {

TEST(AktenplanTest, TheKielDemoPlanParses) {
  auto plan = ParseAktenplan(embedded::kKiel);
  ASSERT_TRUE(plan.ok()) << plan.status();
  const AktenplanItem* melde = plan->Find("32.10");
  ASSERT_NE(melde, nullptr);
  EXPECT_EQ(melde->disposal, Disposal::kAppraise);
  EXPECT_EQ(plan->ForEvent("rathaus.e_invoice.v1.InvoiceReceived")->number, "20.30");
  EXPECT_EQ(plan->ForEvent("rathaus.unknown.v1.Nothing"), nullptr);
  for (const char* n : {"10.40", "20.30", "32.10", "32.20"}) EXPECT_NE(plan->Find(n), nullptr) << n;
}

TEST(AktenplanTest, EveryWrongFieldIsNamed) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"items":[{"number":"3.1","title":"x","retentionYears":1,"disposal":"V"}]})", "items[0].number"},
      {R"({"items":[{"number":"32.10","title":" ","retentionYears":1,"disposal":"V"}]})", "items[0].title"},
      {R"({"items":[{"number":"32.10","title":"x","retentionYears":101,"disposal":"V"}]})", "retentionYears"},
      {R"({"items":[{"number":"32.10","title":"x","retentionYears":1,"disposal":"X"}]})", "disposal"},
      {R"({"items":[{"number":"32.10","title":"x","retentionYears":1,"disposal":"V"},
                    {"number":"32.10","title":"y","retentionYears":1,"disposal":"V"}]})", "appears twice"},
      {R"({"items":[{"number":"32.10","title":"x","retentionYears":1,"disposal":"V","eventTypes":["a"]},
                    {"number":"32.20","title":"y","retentionYears":1,"disposal":"V","eventTypes":["a"]}]})", "two items"},
      {R"({"items":[],"name":"x"})", "none"},
      {R"({"items":[{"number":"32.10","tilte":"x"}]})", "tilte"},
  };
  for (const auto& [json, expected] : cases) {
    auto plan = ParseAktenplan(json);
    ASSERT_FALSE(plan.ok()) << json;
    EXPECT_TRUE(absl::StrContains(plan.status().message(), expected)) << plan.status() << " for " << json;
  }
}

TEST(AktenzeichenTest, BothWays) {
  EXPECT_EQ((Aktenzeichen{.item = "32.10", .akte = 7, .vorgang = 1}).ToString(), "32.10-7.1");
  EXPECT_EQ((Aktenzeichen{.item = "32.10", .akte = 7, .vorgang = 1, .dokument = 3}).ToString(),
            "32.10-7.1-3");
  auto az = ParseAktenzeichen("20.30-1234.56-7");
  ASSERT_TRUE(az.ok());
  EXPECT_EQ(az->item, "20.30");
  EXPECT_EQ(az->akte, 1234);
  EXPECT_EQ(az->vorgang, 56);
  EXPECT_EQ(az->dokument, 7);
  EXPECT_EQ(ParseAktenzeichen("20.30-1.2")->dokument, 0);
  for (const char* bad : {"", "20.30", "20.30-1", "20.30-0.1", "20.30-1.01", "20.3-1.1",
                          "20.30-1.1-", "20.30-1.1-0", "20.30--1.1", "20.30-1.1-2-3", "x-1.1",
                          "20.30-+1.1", "20.30-1.1 "}) {
    EXPECT_FALSE(ParseAktenzeichen(bad).ok()) << bad;
  }
}

TEST(AktenplanTest, RetentionStartsAtTheEndOfTheYearOfClosing) {
  AktenplanItem item{.number = "20.30", .title = "x", .retention_years = 10};
  EXPECT_EQ(DisposalDate(item, absl::CivilDay(2026, 1, 2)), absl::CivilDay(2037, 1, 1));
  EXPECT_EQ(DisposalDate(item, absl::CivilDay(2026, 12, 31)), absl::CivilDay(2037, 1, 1));
  item.retention_years = 0;
  EXPECT_EQ(DisposalDate(item, absl::CivilDay(2026, 6, 1)), absl::CivilDay(2027, 1, 1));
}

}  // namespace
}  // namespace rathaus::efile
