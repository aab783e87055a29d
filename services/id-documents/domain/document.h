// The rules of an ID document application (Ausweis-Lieferservice), pure and without I/O: the
// document types, the states and which may follow which, what a citizen is told, home-delivery
// eligibility, the serial number's normal form and the "ready by" estimate.
//
//   auto serial = NormalizeSerial(" l01x00t4o ");           // "L01X00T40": upper case, O -> 0
//   auto to = ParseState("READY_FOR_PICKUP");
//   absl::Status ok = CheckTransition(State::kArrived, *to, Delivery::kPickup);
//   CitizenStatus(State::kArrived);                           // "IN_BEARBEITUNG"
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"

namespace rathaus::id_documents {

enum class DocumentType { kPersonalausweis, kReisepass, kExpressReisepass, kKinderreisepass, kEidKarte };
enum class Delivery { kPickup, kDirectDelivery };
enum class State {
  kApplied,
  kTransmitted,
  kInProduction,
  kShippedToOffice,
  kArrived,
  kReadyForPickup,
  kHandedOver,
  kInDirectDelivery,
  kDelivered,
  kDeliveryFailed,
  kReturnedToOffice,
};

std::optional<DocumentType> ParseDocumentType(std::string_view name);
std::string_view Name(DocumentType type);
std::optional<Delivery> ParseDelivery(std::string_view name);
std::string_view Name(Delivery delivery);
std::optional<State> ParseState(std::string_view name);
std::string_view Name(State state);

// The status import's flag that is not a state.
inline constexpr std::string_view kPinLetterSent = "PIN_LETTER_SENT";

// HANDED_OVER and DELIVERED: nothing follows.
bool IsClosed(State state);
// What the citizen is told: IN_BEARBEITUNG, BEREIT_ZUR_ABHOLUNG, AUSGEHAENDIGT,
// IN_DIREKTVERSAND, DIREKTVERSAND_ZUGESTELLT, DIREKTVERSAND_FEHLGESCHLAGEN.
std::string_view CitizenStatus(State state);

// OK when `to` may follow `from` for an application of this delivery mode: forward along one
// of its paths, states skipped or not; otherwise FAILED_PRECONDITION with the reason.
absl::Status CheckTransition(State from, State to, Delivery delivery);

// Upper case, letter O -> digit 0, surrounding spaces dropped; 9 characters 0-9/A-Z (the
// serial number printed on the document). INVALID_ARGUMENT naming what is wrong.
absl::StatusOr<std::string> NormalizeSerial(std::string_view serial);

// Full years between `birth` and `today`.
int AgeOn(absl::CivilDay birth, absl::CivilDay today);

// Home delivery (Direktversand, since May 2025): not for an Express-Reisepass or a
// Kinderreisepass; the applicant is at least 16; it goes to the main residence (the registered
// address, so nothing to choose). FAILED_PRECONDITION naming the rule.
absl::Status CheckDirectDelivery(DocumentType type, absl::CivilDay birth, absl::CivilDay today);
inline constexpr int kDirectDeliveryFeeCents = 1500;

// Working days (Monday to Friday) a document type takes, e.g. {20, 25} for a Personalausweis.
struct Estimate {
  int min_days = 0;
  int max_days = 0;
};
// "PERSONALAUSWEIS=20-25,REISEPASS=15-30,..." (RATHAUS_ID_DOCUMENTS_ESTIMATES); types not named
// keep their default. INVALID_ARGUMENT for a malformed entry.
absl::StatusOr<std::vector<Estimate>> ParseEstimates(std::string_view text);
Estimate EstimateFor(const std::vector<Estimate>& estimates, DocumentType type);
// `days` working days (Monday to Friday, not a public holiday in Schleswig-Holstein) after `from`
// (shared/calendar/holidays.h).
absl::CivilDay AddWorkingDays(absl::CivilDay from, int days);

}  // namespace rathaus::id_documents
