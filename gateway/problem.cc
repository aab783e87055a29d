#include "gateway/problem.h"

#include <array>

#include "absl/strings/str_cat.h"
#include "shared/log/log.h"

namespace rathaus::gateway {
namespace {

struct Kind {
  std::string_view name;
  int status;
  std::string_view title;
};

// Every problem type the gateway can answer. Services name theirs in `rathaus-problem`; the
// ones that change the HTTP status are listed here.
constexpr std::array kKinds = {
    Kind{"invalid-argument", 400, "Invalid input"},
    Kind{"malformed-json", 400, "Malformed JSON"},
    Kind{"unknown-field", 400, "Unknown field"},
    Kind{"invalid-path-parameter", 400, "Invalid path parameter"},
    Kind{"invalid-query", 400, "Invalid query parameter"},
    Kind{"unauthorized", 401, "Authentication required"},
    Kind{"forbidden", 403, "Forbidden"},
    Kind{"session-expired", 401, "Sign-in expired"},
    Kind{"csrf-token-invalid", 403, "CSRF token missing or wrong"},
    Kind{"sign-in-unavailable", 503, "Sign-in unavailable"},
    Kind{"not-found", 404, "Not found"},
    Kind{"document-unknown", 404, "Document unknown"},
    Kind{"route-not-found", 404, "No such route"},
    Kind{"method-not-allowed", 405, "Method not allowed"},
    Kind{"four-eyes", 403, "Four-eyes principle"},
    Kind{"sign-in-level-too-low", 403, "Sign-in level too low"},
    Kind{"conflict", 409, "Conflict"},
    Kind{"duplicate-invoice", 409, "Duplicate invoice"},
    Kind{"slot-taken", 409, "Slot no longer free"},
    Kind{"quota-reached", 409, "Booking quota reached"},
    Kind{"serial-in-use", 409, "Serial number has an open application"},
    Kind{"document-not-ready", 409, "Document not ready for pickup"},
    Kind{"no-address-sticker-due", 409, "No address sticker due"},
    Kind{"failed-precondition", 409, "Not possible in the current state"},
    Kind{"idempotency-request-in-flight", 409, "A request with this Idempotency-Key is in flight"},
    Kind{"reservation-expired", 410, "Reservation expired"},
    Kind{"payload-too-large", 413, "Request body too large"},
    Kind{"bad-transfer-encoding", 400, "Transfer-Encoding not supported"},
    Kind{"unsupported-media-type", 415, "Unsupported media type"},
    Kind{"idempotency-key-reused", 422, "Idempotency-Key reused with another request"},
    Kind{"invoice-rejected", 422, "Invoice rejected"},
    Kind{"direct-delivery-not-allowed", 422, "Home delivery not possible"},
    Kind{"proxy-not-allowed", 422, "Pickup by this person not possible"},
    Kind{"pickup-code-invalid", 422, "Pickup code invalid"},
    Kind{"registration-code-invalid", 422, "Registration code invalid"},
    Kind{"bmg-17-1-not-moved-in", 422, "Not moved in yet (§17(1) BMG)"},
    Kind{"bmg-17-2-too-early", 422, "Abmeldung too early (§17(2) BMG)"},
    Kind{"bmg-17-3-minors", 422, "Minors are registered with an adult (§17(3) BMG)"},
    Kind{"bmg-19-confirmation", 422, "Landlord's confirmation needed (§19 BMG)"},
    Kind{"bmg-21-one-hauptwohnung", 422, "Exactly one Hauptwohnung (§21 BMG)"},
    Kind{"bmg-27-2-no-registration-needed", 422, "No registration needed (§27(2) BMG)"},
    Kind{"code-invalid", 422, "Code invalid"},
    Kind{"registration-claimed", 409, "Claimed by another clerk"},
    Kind{"registration-not-claimed", 409, "Claim the registration first"},
    Kind{"registration-not-in-this-state", 409, "Not possible in the registration's state"},
    Kind{"confirmation-missing", 409, "Landlord's confirmation missing"},
    Kind{"document-disposed", 410, "Document disposed of"},
    Kind{"vorgang-open", 409, "The Vorgang is still open"},
    Kind{"vorgang-disposed", 409, "The Vorgang was disposed of"},
    Kind{"legal-hold", 409, "Under legal hold"},
    Kind{"retention-not-over", 409, "Retention period not over"},
    Kind{"decision-required", 422, "The archivist's decision is required (Aussonderungsart B)"},
    Kind{"export-required", 409, "Export to the archive first (Aussonderungsart A)"},
    Kind{"rate-limited", 429, "Too many requests"},
    Kind{"internal", 500, "Internal error"},
    Kind{"upstream-unavailable", 503, "Service unavailable"},
    Kind{"server-busy", 503, "Too many uploads at once"},
    Kind{"rate-limit-unavailable", 503, "Rate limit unavailable"},
    Kind{"upstream-timeout", 504, "Upstream timeout"},
};

const Kind* FindKind(std::string_view name) {
  for (const Kind& k : kKinds) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

// The problem name a gRPC code maps to when the service names none.
std::string_view NameForCode(int code) {
  switch (static_cast<absl::StatusCode>(code)) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return "invalid-argument";
    case absl::StatusCode::kNotFound:
      return "not-found";
    case absl::StatusCode::kUnauthenticated:
      return "unauthorized";
    case absl::StatusCode::kPermissionDenied:
      return "forbidden";
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return "conflict";
    case absl::StatusCode::kFailedPrecondition:
      return "failed-precondition";
    case absl::StatusCode::kResourceExhausted:
      return "rate-limited";
    case absl::StatusCode::kUnavailable:
      return "upstream-unavailable";
    case absl::StatusCode::kDeadlineExceeded:
      return "upstream-timeout";
    default:
      return "internal";
  }
}

// A service's problem name is echoed in `type` only when it looks like one.
bool IsProblemName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

}  // namespace

std::string Problem::ToJson() const {
  namespace log = rathaus::platform::log;
  std::string out = "{\"type\":";
  log::AppendJsonString(&out, type);
  out += ",\"title\":";
  log::AppendJsonString(&out, title);
  absl::StrAppend(&out, ",\"status\":", status, ",\"detail\":");
  log::AppendJsonString(&out, detail);
  if (!instance.empty()) {
    out += ",\"instance\":";
    log::AppendJsonString(&out, instance);
  }
  if (!field.empty()) {
    out += ",\"field\":";
    log::AppendJsonString(&out, field);
  }
  out += "}";
  return out;
}

Problem MakeProblem(std::string_view name, std::string detail, std::string field) {
  const Kind* kind = FindKind(name);
  if (kind == nullptr) kind = FindKind("internal");
  Problem p;
  p.status = kind->status;
  p.type = absl::StrCat("urn:rathaus:problem:", std::string(kind->name));
  p.title = std::string(kind->title);
  p.detail = std::move(detail);
  p.field = std::move(field);
  if (p.status == 429) p.headers.emplace_back("Retry-After", "1");
  if (p.status == 401) p.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"rathaus\"");
  return p;
}

Problem ProblemFromGrpc(int code, std::string_view message, std::string_view problem_name,
                        std::string_view field) {
  const std::string_view by_code = NameForCode(code);
  Problem p = MakeProblem(by_code, std::string(message), std::string(field));
  if (const Kind* kind = FindKind(problem_name); kind != nullptr && p.status < 500) {
    // A named problem refines a 4xx (slot-taken, reservation-expired, ...).
    p = MakeProblem(kind->name, std::string(message), std::string(field));
  } else if (IsProblemName(problem_name) && p.status < 500) {
    p.type = absl::StrCat("urn:rathaus:problem:", std::string(problem_name));
  }
  if (p.status >= 500) {
    // Never pass on what went wrong inside; the request id in `instance` finds it in the logs.
    p.field.clear();
    p.detail = p.status == 503   ? "The service is not reachable right now; try again shortly."
               : p.status == 504 ? "The service did not answer in time."
                                 : "Something went wrong on our side.";
    if (p.status == 503) p.headers.emplace_back("Retry-After", "1");
  }
  return p;
}

absl::Status InvalidField(std::string_view problem_name, std::string_view field,
                          std::string_view detail) {
  absl::Status s(absl::StatusCode::kInvalidArgument, std::string(detail));
  s.SetPayload(kProblemPayload, absl::Cord(std::string(problem_name)));
  if (!field.empty()) s.SetPayload(kFieldPayload, absl::Cord(std::string(field)));
  return s;
}

Problem ProblemFromStatus(const absl::Status& status) {
  std::string problem, field;
  if (auto p = status.GetPayload(kProblemPayload)) problem = std::string(*p);
  if (auto f = status.GetPayload(kFieldPayload)) field = std::string(*f);
  return ProblemFromGrpc(static_cast<int>(status.code()), std::string(status.message()), problem,
                         field);
}

}  // namespace rathaus::gateway
