// The invoice workflow of the Zentraler Rechnungseingang as pure rules; the store applies them
// in one Lua script per step (the script checks the same "from" statuses and the four-eyes
// field again, atomically, so two clerks racing cannot both win).
//
//   RECEIVED -> REJECTED | ROUTED | UNROUTABLE              (by the system at submission)
//   UNROUTABLE -> ROUTED                                     assign (the invoice office, "*")
//   ROUTED -> FACTUALLY_APPROVED                             sachlich richtig
//   FACTUALLY_APPROVED -> ARITHMETICALLY_APPROVED            rechnerisch richtig, another clerk
//   ARITHMETICALLY_APPROVED -> RELEASED_FOR_PAYMENT          not the factual approver
//   any open status -> REJECTED                              with a reason for the supplier
//
//   const ActionRule& rule = RuleFor(Action::kApproveArithmetically);
//   absl::Status ok = CheckAction(Action::kApproveArithmetically, current, actor, factual_by);
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace rathaus::einvoice {

enum class InvoiceStatus {
  kReceived,
  kRejected,
  kRouted,
  kUnroutable,
  kFactuallyApproved,
  kArithmeticallyApproved,
  kReleasedForPayment,
};

std::string_view StatusName(InvoiceStatus s);  // "ROUTED", ...
std::optional<InvoiceStatus> ParseStatus(std::string_view name);
const std::vector<InvoiceStatus>& AllStatuses();
// Not yet REJECTED or RELEASED_FOR_PAYMENT.
bool IsOpen(InvoiceStatus s);

enum class Action { kAssign, kApproveFactually, kApproveArithmetically, kRelease, kReject };

struct ActionRule {
  std::vector<InvoiceStatus> from;
  InvoiceStatus to;
  // The clerk who approved factually may not take this step (four eyes).
  bool not_by_factual_approver = false;
  // Only the invoice office (departments "*") may take it.
  bool invoice_office_only = false;
};

const ActionRule& RuleFor(Action action);

// OK, FAILED_PRECONDITION ("not possible while the invoice is ROUTED") or PERMISSION_DENIED
// with problem "four-eyes".
absl::Status CheckAction(Action action, InvoiceStatus current, std::string_view actor,
                         std::string_view factual_approver);

// Whether a clerk whose token names `departments` ("*" = the invoice office) may see an
// invoice of `department` ("" while it has none: only the invoice office).
bool MayAccess(const std::vector<std::string>& departments, std::string_view department);

}  // namespace rathaus::einvoice
