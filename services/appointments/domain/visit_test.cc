#include "services/appointments/domain/visit.h"

#include <gtest/gtest.h>

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

TEST_F(AppointmentsVisitTest, QuantityZeroMeansOne) {
  auto visit = Plan("night", {{"pass", 0}});
  ASSERT_TRUE(visit.ok());
  EXPECT_EQ(visit->items[0].quantity, 1);
  EXPECT_EQ(visit->minutes, 20);
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
