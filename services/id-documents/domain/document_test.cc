#include "domain/document.h"

#include <gtest/gtest.h>

namespace rathaus::id_documents {
namespace {

using S = State;

TEST(DocumentTest, NamesRoundTrip) {
  for (auto name : {"PERSONALAUSWEIS", "REISEPASS", "EXPRESS_REISEPASS", "KINDERREISEPASS", "EID_KARTE"}) {
    ASSERT_TRUE(ParseDocumentType(name).has_value()) << name;
    EXPECT_EQ(Name(*ParseDocumentType(name)), name);
  }
  EXPECT_FALSE(ParseDocumentType("personalausweis"));
  for (auto name : {"APPLIED", "TRANSMITTED", "IN_PRODUCTION", "SHIPPED_TO_OFFICE", "ARRIVED",
                    "READY_FOR_PICKUP", "HANDED_OVER", "IN_DIRECT_DELIVERY", "DELIVERED",
                    "DELIVERY_FAILED", "RETURNED_TO_OFFICE"}) {
    ASSERT_TRUE(ParseState(name).has_value()) << name;
    EXPECT_EQ(Name(*ParseState(name)), name);
  }
  EXPECT_FALSE(ParseState("PIN_LETTER_SENT")) << "a flag, not a state";
  EXPECT_EQ(ParseDelivery("PICKUP"), Delivery::kPickup);
  EXPECT_EQ(ParseDelivery("DIRECT_DELIVERY"), Delivery::kDirectDelivery);
  EXPECT_FALSE(ParseDelivery("POST"));
}

TEST(DocumentTest, EveryPickupTransition) {
  const std::vector<S> path = {S::kApplied, S::kTransmitted, S::kInProduction, S::kShippedToOffice,
                               S::kArrived, S::kReadyForPickup, S::kHandedOver};
  for (size_t i = 0; i < path.size(); ++i) {
    for (size_t j = 0; j < path.size(); ++j) {
      const absl::Status s = CheckTransition(path[i], path[j], Delivery::kPickup);
      if (j > i && i + 1 < path.size()) {
        EXPECT_TRUE(s.ok()) << Name(path[i]) << " -> " << Name(path[j]) << ": " << s;
      } else {
        EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition)
            << Name(path[i]) << " -> " << Name(path[j]);
      }
    }
  }
  // Home-delivery states are not on a pickup application's path.
  for (S s : {S::kInDirectDelivery, S::kDelivered, S::kDeliveryFailed, S::kReturnedToOffice}) {
    const absl::Status st = CheckTransition(S::kInProduction, s, Delivery::kPickup);
    EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_NE(st.message().find("delivery PICKUP"), std::string::npos) << st;
  }
}

TEST(DocumentTest, EveryHomeDeliveryTransition) {
  auto ok = [](S from, S to) { return CheckTransition(from, to, Delivery::kDirectDelivery).ok(); };
  EXPECT_TRUE(ok(S::kInProduction, S::kInDirectDelivery));
  EXPECT_TRUE(ok(S::kInDirectDelivery, S::kDelivered));
  EXPECT_TRUE(ok(S::kInDirectDelivery, S::kDeliveryFailed));
  EXPECT_TRUE(ok(S::kDeliveryFailed, S::kReturnedToOffice));
  EXPECT_TRUE(ok(S::kDeliveryFailed, S::kDelivered)) << "collected at the post office";
  EXPECT_TRUE(ok(S::kReturnedToOffice, S::kReadyForPickup));
  EXPECT_TRUE(ok(S::kReadyForPickup, S::kHandedOver));
  EXPECT_TRUE(ok(S::kTransmitted, S::kInDirectDelivery)) << "skipped forward";
  EXPECT_FALSE(ok(S::kInProduction, S::kShippedToOffice)) << "a pickup state";
  EXPECT_FALSE(ok(S::kDelivered, S::kDeliveryFailed)) << "closed";
  EXPECT_FALSE(ok(S::kReturnedToOffice, S::kDeliveryFailed)) << "backwards";
  EXPECT_FALSE(ok(S::kReturnedToOffice, S::kDelivered)) << "back at the office";
  const absl::Status closed = CheckTransition(S::kHandedOver, S::kReadyForPickup, Delivery::kPickup);
  EXPECT_NE(closed.message().find("closed"), std::string::npos) << closed;
}

TEST(DocumentTest, CitizenVocabulary) {
  for (S s : {S::kApplied, S::kTransmitted, S::kInProduction, S::kShippedToOffice, S::kArrived,
              S::kReturnedToOffice}) {
    EXPECT_EQ(CitizenStatus(s), "IN_BEARBEITUNG") << Name(s);
  }
  EXPECT_EQ(CitizenStatus(S::kReadyForPickup), "BEREIT_ZUR_ABHOLUNG");
  EXPECT_EQ(CitizenStatus(S::kHandedOver), "AUSGEHAENDIGT");
  EXPECT_EQ(CitizenStatus(S::kInDirectDelivery), "IN_DIREKTVERSAND");
  EXPECT_EQ(CitizenStatus(S::kDelivered), "DIREKTVERSAND_ZUGESTELLT");
  EXPECT_EQ(CitizenStatus(S::kDeliveryFailed), "DIREKTVERSAND_FEHLGESCHLAGEN");
}

TEST(DocumentTest, SerialNormalisation) {
  EXPECT_EQ(*NormalizeSerial(" l01x00t4o "), "L01X00T40");
  EXPECT_EQ(*NormalizeSerial("LOOX00T47"), "L00X00T47");
  EXPECT_EQ(NormalizeSerial("L01X00T4").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(NormalizeSerial("L01X00T4-").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(NormalizeSerial("L01X00T4Ä").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(NormalizeSerial("").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(DocumentTest, HomeDeliveryEligibility) {
  const absl::CivilDay today(2026, 12, 4);
  EXPECT_TRUE(CheckDirectDelivery(DocumentType::kPersonalausweis, absl::CivilDay(1990, 1, 1), today).ok());
  EXPECT_TRUE(CheckDirectDelivery(DocumentType::kReisepass, absl::CivilDay(2010, 12, 4), today).ok())
      << "16 today";
  EXPECT_FALSE(CheckDirectDelivery(DocumentType::kReisepass, absl::CivilDay(2010, 12, 5), today).ok())
      << "16 tomorrow";
  const absl::Status express =
      CheckDirectDelivery(DocumentType::kExpressReisepass, absl::CivilDay(1990, 1, 1), today);
  EXPECT_NE(express.message().find("Express"), std::string::npos);
  EXPECT_FALSE(CheckDirectDelivery(DocumentType::kKinderreisepass, absl::CivilDay(1990, 1, 1), today).ok());
  EXPECT_EQ(AgeOn(absl::CivilDay(2000, 2, 29), absl::CivilDay(2026, 2, 28)), 25);
  EXPECT_EQ(AgeOn(absl::CivilDay(2000, 2, 29), absl::CivilDay(2026, 3, 1)), 26);
}

TEST(DocumentTest, Estimates) {
  auto defaults = ParseEstimates("");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(EstimateFor(*defaults, DocumentType::kExpressReisepass).min_days, 3);
  EXPECT_EQ(EstimateFor(*defaults, DocumentType::kExpressReisepass).max_days, 6);
  auto set = ParseEstimates("EXPRESS_REISEPASS=2-4, PERSONALAUSWEIS=10-12");
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(EstimateFor(*set, DocumentType::kExpressReisepass).max_days, 4);
  EXPECT_EQ(EstimateFor(*set, DocumentType::kPersonalausweis).min_days, 10);
  EXPECT_EQ(EstimateFor(*set, DocumentType::kReisepass).max_days, 30);
  EXPECT_FALSE(ParseEstimates("EXPRESS_REISEPASS=4-2").ok());
  EXPECT_FALSE(ParseEstimates("PASS=1-2").ok());
  EXPECT_FALSE(ParseEstimates("REISEPASS=x").ok());
  // Friday 4 Dec 2026 + 3 working days = Wednesday 9 Dec.
  EXPECT_EQ(AddWorkingDays(absl::CivilDay(2026, 12, 4), 3), absl::CivilDay(2026, 12, 9));
  EXPECT_EQ(AddWorkingDays(absl::CivilDay(2026, 12, 4), 0), absl::CivilDay(2026, 12, 4));
  // Over Christmas: Wed 23 Dec + 3 = Tue 29 Dec (the 25th and 26th are holidays).
  EXPECT_EQ(AddWorkingDays(absl::CivilDay(2026, 12, 23), 3), absl::CivilDay(2026, 12, 29));
}

}  // namespace
}  // namespace rathaus::id_documents
