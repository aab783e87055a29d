#include "services/appointments/domain/visit.h"

#include <gtest/gtest.h>

#include "absl/strings/str_replace.h"
#include "shared/status/problem.h"
#include "services/appointments/domain/slots.h"
#include "services/appointments/domain/test_catalog.h"

namespace rathaus::appointments {
namespace {

class AppointmentsVisitTest : public ::testing::Test {
 protected:
  void SetUp() override { catalog_ = *ParseCatalog(testing::TestCatalogJson()); }
  absl::StatusOr<Visit> Plan(const char* office, std::vector<VisitItem> items) {
    return PlanVisit(catalog_, *catalog_.FindOffice(office), std::move(items));
  }
  Catalog catalog_;
};

TEST_F(AppointmentsVisitTest, CombinedDurationUsesOfficeDurationsAndQuantities) {
  auto visit = Plan("night", {{"pass", 2}, {"melde", 1}});
  ASSERT_TRUE(visit.ok()) << visit.status();
  EXPECT_EQ(visit->minutes, 50);
  EXPECT_EQ(BucketsFor(visit->minutes, 15), 4);
  auto early = Plan("early", {{"pass", 3}});  // 25 minutes at this office
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(early->minutes, 75);
}

// An absent quantity is 1 (ItemsOf in service.cc); an explicit 0 is an error, as OpenAPI says.
TEST_F(AppointmentsVisitTest, QuantityZeroIsRefused) {
  auto visit = Plan("night", {{"pass", 0}});
  ASSERT_FALSE(visit.ok());
  EXPECT_EQ(platform::FieldOf(visit.status()), "services");
  EXPECT_NE(visit.status().message().find("must be 1..3"), std::string::npos)
      << visit.status().message();
}

// A visit longer than every opening period of the office would find no time on any day: say so,
// with the durations, instead of an empty list.
TEST_F(AppointmentsVisitTest, VisitLongerThanAnyOpeningPeriodIsRefused) {
  auto short_hours = ParseCatalog(absl::StrReplaceAll(
      testing::TestCatalogJson(), {{R"("start": "01:00", "end": "04:00")", R"("start": "01:00", "end": "01:30")"},
                                   {R"("start": "08:00", "end": "12:00")", R"("start": "08:00", "end": "08:30")"},
                                   {R"("start": "12:00", "end": "13:00")", R"("start": "12:00", "end": "12:30")"}}));
  ASSERT_TRUE(short_hours.ok()) << short_hours.status();
  const Office& early = *short_hours->FindOffice("early");
  EXPECT_EQ(early.LongestOpeningMinutes(), 60);  // Tuesday 08:00-09:00
  EXPECT_TRUE(PlanVisit(*short_hours, early, {{"pass", 2}}).ok()) << "50 minutes fit";
  auto visit = PlanVisit(*short_hours, early, {{"pass", 3}});
  ASSERT_FALSE(visit.ok());
  EXPECT_EQ(platform::FieldOf(visit.status()), "services");
  EXPECT_EQ(visit.status().message(),
            "this visit takes 75 minutes; the office is open at most 60 minutes at a stretch: "
            "book the services as separate appointments");
  // Adjacent intervals are one stretch: Monday 08:00-12:00 + 12:00-13:00 at the test catalog.
  EXPECT_EQ(catalog_.FindOffice("early")->LongestOpeningMinutes(), 300);
}

TEST_F(AppointmentsVisitTest, CombinabilityIsSymmetric) {
  EXPECT_TRUE(Plan("night", {{"melde", 1}, {"pass", 1}}).ok());  // only pass lists melde
  auto bad = Plan("night", {{"pass", 1}, {"fz", 1}});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(platform::FieldOf(bad.status()), "services");
}

TEST_F(AppointmentsVisitTest, RejectsBadRequests) {
  for (auto items : std::vector<std::vector<VisitItem>>{
           {},                                   // none
           {{"pass", 4}},                        // above max quantity
           {{"pass", -1}},                       // negative
           {{"fz", 1}},                          // not offered at "early"
           {{"../etc", 1}},                      // not an id
           {{"pass", 1}, {"pass", 1}},           // twice
           {{"pass", 1}, {"melde", 1}, {"a", 1}, {"b", 1}, {"c", 1}, {"d", 1}}}) {
    auto visit = Plan("early", items);
    EXPECT_FALSE(visit.ok()) << EncodeItems(items);
    EXPECT_EQ(platform::FieldOf(visit.status()), "services");
  }
}

TEST_F(AppointmentsVisitTest, EncodesItems) {
  std::vector<VisitItem> items = {{"pass", 2}, {"melde", 1}};
  EXPECT_EQ(EncodeItems(items), "pass*2,melde*1");
  EXPECT_EQ(DecodeItems("pass*2,melde*1"), items);
}

}  // namespace
}  // namespace rathaus::appointments
