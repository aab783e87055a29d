#include "domain/workflow.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "shared/status/problem.h"

namespace rathaus::einvoice {

std::string_view StatusName(InvoiceStatus s) {
  switch (s) {
    case InvoiceStatus::kReceived: return "RECEIVED";
    case InvoiceStatus::kRejected: return "REJECTED";
    case InvoiceStatus::kRouted: return "ROUTED";
    case InvoiceStatus::kUnroutable: return "UNROUTABLE";
    case InvoiceStatus::kFactuallyApproved: return "FACTUALLY_APPROVED";
    case InvoiceStatus::kArithmeticallyApproved: return "ARITHMETICALLY_APPROVED";
    case InvoiceStatus::kReleasedForPayment: return "RELEASED_FOR_PAYMENT";
  }
  return "RECEIVED";
}

const std::vector<InvoiceStatus>& AllStatuses() {
  static const std::vector<InvoiceStatus> kAll = {
      InvoiceStatus::kReceived,          InvoiceStatus::kRejected,
      InvoiceStatus::kRouted,            InvoiceStatus::kUnroutable,
      InvoiceStatus::kFactuallyApproved, InvoiceStatus::kArithmeticallyApproved,
      InvoiceStatus::kReleasedForPayment};
  return kAll;
}

std::optional<InvoiceStatus> ParseStatus(std::string_view name) {
  for (InvoiceStatus s : AllStatuses()) {
    if (StatusName(s) == name) return s;
  }
  return std::nullopt;
}

bool IsOpen(InvoiceStatus s) {
  return s != InvoiceStatus::kRejected && s != InvoiceStatus::kReleasedForPayment;
}

const ActionRule& RuleFor(Action action) {
  using S = InvoiceStatus;
  static const ActionRule kAssign{{S::kUnroutable}, S::kRouted, false, true};
  static const ActionRule kFactual{{S::kRouted}, S::kFactuallyApproved};
  static const ActionRule kArithmetic{{S::kFactuallyApproved}, S::kArithmeticallyApproved, true};
  static const ActionRule kRelease{{S::kArithmeticallyApproved}, S::kReleasedForPayment, true};
  static const ActionRule kReject{{S::kReceived, S::kRouted, S::kUnroutable,
                                   S::kFactuallyApproved, S::kArithmeticallyApproved},
                                  S::kRejected};
  switch (action) {
    case Action::kAssign: return kAssign;
    case Action::kApproveFactually: return kFactual;
    case Action::kApproveArithmetically: return kArithmetic;
    case Action::kRelease: return kRelease;
    case Action::kReject: return kReject;
  }
  return kReject;
}

absl::Status CheckAction(Action action, InvoiceStatus current, std::string_view actor,
                         std::string_view factual_approver) {
  const ActionRule& rule = RuleFor(action);
  if (std::find(rule.from.begin(), rule.from.end(), current) == rule.from.end()) {
    return platform::WithProblem(
        absl::FailedPreconditionError(
            absl::StrCat("not possible while the invoice is ", std::string(StatusName(current)))),
        "failed-precondition");
  }
  if (rule.not_by_factual_approver && !factual_approver.empty() && actor == factual_approver) {
    return platform::WithProblem(
        absl::PermissionDeniedError(
            "four-eyes principle: the clerk who confirmed the invoice factually may not also "
            "take this step"),
        "four-eyes");
  }
  return absl::OkStatus();
}

bool MayAccess(const std::vector<std::string>& departments, std::string_view department) {
  for (const std::string& d : departments) {
    if (d == "*") return true;
    if (!department.empty() && d == department) return true;
  }
  return false;
}

}  // namespace rathaus::einvoice
