#include "domain/document.h"

#include <array>
#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "shared/calendar/holidays.h"

namespace rathaus::id_documents {
namespace {

constexpr std::array<std::pair<DocumentType, std::string_view>, 5> kTypes = {{
    {DocumentType::kPersonalausweis, "PERSONALAUSWEIS"},
    {DocumentType::kReisepass, "REISEPASS"},
    {DocumentType::kExpressReisepass, "EXPRESS_REISEPASS"},
    {DocumentType::kKinderreisepass, "KINDERREISEPASS"},
    {DocumentType::kEidKarte, "EID_KARTE"},
}};

constexpr std::array<std::pair<State, std::string_view>, 11> kStates = {{
    {State::kApplied, "APPLIED"},
    {State::kTransmitted, "TRANSMITTED"},
    {State::kInProduction, "IN_PRODUCTION"},
    {State::kShippedToOffice, "SHIPPED_TO_OFFICE"},
    {State::kArrived, "ARRIVED"},
    {State::kReadyForPickup, "READY_FOR_PICKUP"},
    {State::kHandedOver, "HANDED_OVER"},
    {State::kInDirectDelivery, "IN_DIRECT_DELIVERY"},
    {State::kDelivered, "DELIVERED"},
    {State::kDeliveryFailed, "DELIVERY_FAILED"},
    {State::kReturnedToOffice, "RETURNED_TO_OFFICE"},
}};

// Defaults of the estimate, in working days, in the order of DocumentType: Personalausweis
// 4-5 weeks, Reisepass 3-6 weeks, Express 3-6 days (the figures and the Bundesdruckerei's
// published production times), Kinderreisepass made at the office, eID-Karte 4-6 weeks.
constexpr std::array<Estimate, 5> kDefaultEstimates = {
    {{20, 25}, {15, 30}, {3, 6}, {0, 1}, {20, 30}}};

using S = State;
// Every path an application can take, per delivery mode. `to` may follow `from` when one path
// holds both with `to` later.
const std::vector<std::vector<State>>& Paths(Delivery delivery) {
  static const std::vector<std::vector<State>> kPickup = {
      {S::kApplied, S::kTransmitted, S::kInProduction, S::kShippedToOffice, S::kArrived,
       S::kReadyForPickup, S::kHandedOver}};
  // A failed delivery waits 7 days at the post office: collected there it is delivered after
  // all; otherwise it comes back to the office and is picked up there.
  static const std::vector<std::vector<State>> kDirect = {
      {S::kApplied, S::kTransmitted, S::kInProduction, S::kInDirectDelivery, S::kDelivered},
      {S::kApplied, S::kTransmitted, S::kInProduction, S::kInDirectDelivery, S::kDeliveryFailed,
       S::kDelivered},
      {S::kApplied, S::kTransmitted, S::kInProduction, S::kInDirectDelivery, S::kDeliveryFailed,
       S::kReturnedToOffice, S::kReadyForPickup, S::kHandedOver}};
  return delivery == Delivery::kPickup ? kPickup : kDirect;
}

std::string Str(std::string_view v) { return std::string(v); }

int IndexIn(const std::vector<State>& path, State s) {
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == s) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

std::optional<DocumentType> ParseDocumentType(std::string_view name) {
  for (const auto& [t, n] : kTypes) {
    if (n == name) return t;
  }
  return std::nullopt;
}

std::string_view Name(DocumentType type) {
  for (const auto& [t, n] : kTypes) {
    if (t == type) return n;
  }
  return "";
}

std::optional<Delivery> ParseDelivery(std::string_view name) {
  if (name == "PICKUP") return Delivery::kPickup;
  if (name == "DIRECT_DELIVERY") return Delivery::kDirectDelivery;
  return std::nullopt;
}

std::string_view Name(Delivery delivery) {
  return delivery == Delivery::kPickup ? "PICKUP" : "DIRECT_DELIVERY";
}

std::optional<State> ParseState(std::string_view name) {
  for (const auto& [s, n] : kStates) {
    if (n == name) return s;
  }
  return std::nullopt;
}

std::string_view Name(State state) {
  for (const auto& [s, n] : kStates) {
    if (s == state) return n;
  }
  return "";
}

bool IsClosed(State state) { return state == State::kHandedOver || state == State::kDelivered; }

std::string_view CitizenStatus(State state) {
  switch (state) {
    case State::kReadyForPickup:
      return "BEREIT_ZUR_ABHOLUNG";
    case State::kHandedOver:
      return "AUSGEHAENDIGT";
    case State::kInDirectDelivery:
      return "IN_DIREKTVERSAND";
    case State::kDelivered:
      return "DIREKTVERSAND_ZUGESTELLT";
    case State::kDeliveryFailed:
      return "DIREKTVERSAND_FEHLGESCHLAGEN";
    default:
      return "IN_BEARBEITUNG";
  }
}

absl::Status CheckTransition(State from, State to, Delivery delivery) {
  if (IsClosed(from)) {
    return absl::FailedPreconditionError(
        absl::StrCat("the application is closed (", Str(Name(from)), "): nothing follows"));
  }
  if (from == to) {
    return absl::FailedPreconditionError(absl::StrCat("the application is ", Str(Name(from)), " already"));
  }
  bool on_a_path = false;
  for (const std::vector<State>& path : Paths(delivery)) {
    const int f = IndexIn(path, from);
    const int t = IndexIn(path, to);
    if (t >= 0) on_a_path = true;
    if (f >= 0 && t > f) return absl::OkStatus();
  }
  if (!on_a_path) {
    return absl::FailedPreconditionError(
        absl::StrCat(Str(Name(to)), " is not a state of an application with delivery ", Str(Name(delivery))));
  }
  return absl::FailedPreconditionError(
      absl::StrCat(Str(Name(to)), " cannot follow ", Str(Name(from)), " (states only move forward)"));
}

absl::StatusOr<std::string> NormalizeSerial(std::string_view serial) {
  std::string out(absl::StripAsciiWhitespace(absl::string_view(serial.data(), serial.size())));
  for (char& c : out) {
    c = absl::ascii_toupper(static_cast<unsigned char>(c));
    if (c == 'O') c = '0';  // the serial has no letter O; citizens type it for a zero
  }
  if (out.size() != 9) {
    return absl::InvalidArgumentError("the serial number has 9 characters");
  }
  for (char c : out) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)) &&
        !absl::ascii_isupper(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError("the serial number has only letters and digits");
    }
  }
  return out;
}

int AgeOn(absl::CivilDay birth, absl::CivilDay today) {
  int age = static_cast<int>(today.year() - birth.year());
  if (today.month() < birth.month() || (today.month() == birth.month() && today.day() < birth.day())) {
    --age;
  }
  return age;
}

absl::Status CheckDirectDelivery(DocumentType type, absl::CivilDay birth, absl::CivilDay today) {
  if (type == DocumentType::kExpressReisepass) {
    return absl::FailedPreconditionError("an Express-Reisepass cannot be sent home (Direktversand)");
  }
  if (type == DocumentType::kKinderreisepass) {
    return absl::FailedPreconditionError("a Kinderreisepass cannot be sent home (Direktversand)");
  }
  if (AgeOn(birth, today) < 16) {
    return absl::FailedPreconditionError(
        "home delivery (Direktversand) needs an applicant of at least 16 years");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Estimate>> ParseEstimates(std::string_view text) {
  std::vector<Estimate> out(kDefaultEstimates.begin(), kDefaultEstimates.end());
  for (absl::string_view entry : absl::StrSplit(absl::string_view(text.data(), text.size()), ',',
                                                absl::SkipWhitespace())) {
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(entry, '=');
    std::pair<absl::string_view, absl::string_view> range = absl::StrSplit(kv.second, '-');
    const absl::string_view name = absl::StripAsciiWhitespace(kv.first);
    const auto type = ParseDocumentType(std::string_view(name.data(), name.size()));
    Estimate e;
    if (!type || !absl::SimpleAtoi(range.first, &e.min_days) ||
        !absl::SimpleAtoi(range.second, &e.max_days) || e.min_days < 0 ||
        e.max_days < e.min_days || e.max_days > 365) {
      return absl::InvalidArgumentError(absl::StrCat(
          "expected TYPE=MIN-MAX working days (e.g. EXPRESS_REISEPASS=3-6), got \"",
          std::string(entry), "\""));
    }
    out[static_cast<size_t>(*type)] = e;
  }
  return out;
}

Estimate EstimateFor(const std::vector<Estimate>& estimates, DocumentType type) {
  const size_t i = static_cast<size_t>(type);
  return i < estimates.size() ? estimates[i] : Estimate{};
}

absl::CivilDay AddWorkingDays(absl::CivilDay from, int days) {
  return platform::calendar::AddWorkingDays(from, days, platform::calendar::State::kSchleswigHolstein);
}

}  // namespace rathaus::id_documents
