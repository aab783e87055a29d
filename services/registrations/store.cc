#include "store.h"

#include <cstdlib>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "rathaus_registrations_embedded.h"
#include "shared/log/log.h"
#include "shared/status/problem.h"

namespace rathaus::registrations {
namespace {

namespace redis = ::rathaus::platform::redis;
using redis::Tag;
using redis::ToMap;
namespace lua = ::rathaus::registrations::embedded;

redis::Script Load(std::string name, std::string_view body) {
  return redis::Script::WithPrelude(std::move(name),
                                    absl::StrCat(std::string(lua::kLib), "\n", std::string(body)));
}
const redis::Script& SubmitScript() { static const redis::Script s = Load("reg_submit", lua::kSubmit); return s; }
const redis::Script& ChangeScript() { static const redis::Script s = Load("reg_change", lua::kChange); return s; }
const redis::Script& ConfirmScript() { static const redis::Script s = Load("reg_confirm_code", lua::kConfirmCode); return s; }
const redis::Script& TimersScript() { static const redis::Script s = Load("reg_timers", lua::kTimers); return s; }
const redis::Script& AckScript() { static const redis::Script s = Load("reg_ack", lua::kAck); return s; }

int64_t Int(const std::string& s) {
  int64_t v = 0;
  return absl::SimpleAtoi(s, &v) ? v : 0;
}

absl::Status NotFound() { return absl::NotFoundError("registration not found"); }

absl::Status Unexpected(const redis::Script& script, const redis::Reply& reply) {
  return absl::InternalError(absl::StrCat(script.name(), ": unexpected reply ", Tag(reply)));
}

absl::Status Reused() {
  return platform::WithProblem(
      absl::FailedPreconditionError("this Idempotency-Key was used for a different request"),
      "idempotency-key-reused");
}

}  // namespace

Store::Store(redis::Pool& pool, const platform::outbox::Outbox& outbox, StoreOptions options)
    : pool_(pool), outbox_(outbox), options_(std::move(options)) {
  if (options_.data_keys == nullptr || !options_.data_keys->usable()) {
    platform::log::Error("registrations store without personal-data keys", {});
    std::abort();
  }
}

absl::StatusOr<redis::Reply> Store::Run(const redis::Script& script, std::vector<std::string> argv,
                                        const CommandKey& command) {
  return redis::EvalCommand(pool_, script, options_.key_prefix, outbox_.stream_key(),
                            std::move(argv), command, options_.command_ttl);
}

CommandKey Store::Command(std::string_view scope, std::string_view idempotency_key,
                          std::string_view request) const {
  return redis::ScopedCommand(*options_.data_keys, options_.key_prefix, scope, idempotency_key,
                              request);
}

std::string Store::OwnerOf(std::string_view subject) const {
  return options_.data_keys->Lookup(absl::StrCat("citizen:", std::string(subject)));
}

std::string Store::SerialHash(std::string_view normalized_serial) const {
  // The same input and key id-documents hashes for its serial lookups (its store's SerialLookup).
  const std::string normalized = absl::StrCat("serial:", std::string(normalized_serial));
  if (options_.serial_lookup != nullptr) return options_.serial_lookup->Lookup(normalized);
  return options_.data_keys->Lookup(normalized);
}

std::string Store::Context(const std::string& id, std::string_view field) const {
  return absl::StrCat(options_.key_prefix, "case:", id, ":", std::string(field));
}

absl::StatusOr<CaseRecord> Store::Submit(const CaseRecord& r,
                                         const platform::outbox::OutgoingEvent& event,
                                         const CommandKey& command) {
  const platform::crypto::DataKeys& keys = *options_.data_keys;
  const std::string at = absl::StrCat(absl::ToUnixMillis(r.submitted));
  std::vector<std::string> fields = {
      "type", r.type, "office", r.office, "status", "SUBMITTED", "owner", r.owner,
      "move", r.move, "due", r.due, "overdue", r.overdue ? "1" : "0", "submitted", at,
      "updated", at, "v", "1", "confirmation", r.confirmation, "letter", "0", "confirmed", "0",
      "data", keys.Seal(r.data, Context(r.id, "data"))};
  if (!r.email.empty()) {
    fields.push_back("email");
    fields.push_back(keys.Seal(r.email, Context(r.id, "email")));
  }
  std::vector<std::string> argv = {r.id, r.office, at, absl::StrCat(fields.size())};
  argv.insert(argv.end(), fields.begin(), fields.end());
  platform::outbox::Outbox::AppendArgs(event, &argv);
  auto reply = Run(SubmitScript(), std::move(argv), command);
  if (!reply.ok()) return reply.status();
  const std::string& tag = Tag(*reply);
  if (tag == "command-replay" && reply->elements.size() == 3) return Get(reply->elements[1].str);
  if (tag == "command-mismatch") return Reused();
  if (tag != "ok") return Unexpected(SubmitScript(), *reply);
  // What the script wrote, without reading it back (one round trip less per submission).
  CaseRecord stored = r;
  stored.status = "SUBMITTED";
  stored.updated = absl::FromUnixMillis(absl::ToUnixMillis(r.submitted));
  stored.submitted = stored.updated;
  stored.version = 1;
  stored.letter_sent = false;
  stored.code_confirmed = false;
  return stored;
}

absl::StatusOr<CaseRecord> Store::Get(const std::string& id, bool strict) {
  auto reply = pool_.Command({"HGETALL", absl::StrCat(options_.key_prefix, "case:", id)});
  if (!reply.ok()) return reply.status();
  std::map<std::string, std::string> f = ToMap(*reply);
  if (f.empty()) return NotFound();
  const platform::crypto::DataKeys& keys = *options_.data_keys;
  CaseRecord r;
  r.id = id;
  r.type = f["type"];
  r.status = f["status"];
  r.office = f["office"];
  r.owner = f["owner"];
  r.move = f["move"];
  r.due = f["due"];
  r.overdue = f["overdue"] == "1";
  r.submitted = absl::FromUnixMillis(Int(f["submitted"]));
  r.updated = absl::FromUnixMillis(Int(f["updated"]));
  r.version = Int(f["v"]);
  r.claim_until = absl::FromUnixMillis(Int(f["claim_until"]));
  if (r.claim_until > absl::Now()) r.claimed_by = f["claim_by"];
  r.confirmation = f["confirmation"];
  r.letter_sent = f["letter"] == "1";
  r.code_confirmed = f["confirmed"] == "1";
  r.code_letter_void = r.status == "CODE_LETTER_SENT" && !r.code_confirmed && f["codeh"].empty();
  r.rueckmeldung_due = f["rueck"];
  r.counter_code = f["counter"];
  r.first_approval = f["approved1"];
  if (!f["certs"].empty()) r.certificate_codes = absl::StrSplit(f["certs"], ',');
  for (auto [name, out] : {std::pair{"data", &r.data}, std::pair{"info", &r.info_request},
                           std::pair{"answer", &r.answer}, std::pair{"reason", &r.rejection_reason},
                           std::pair{"email", &r.email}}) {
    if (f[name].empty()) continue;
    auto opened = keys.Open(f[name], Context(id, name));
    if (!opened.ok()) {
      if (strict) {
        return absl::DataLossError(absl::StrCat("registration ", id, ": ", name, " cannot be opened"));
      }
      // A list shows the case without what cannot be opened (a key that is gone): one bad record
      // must not hide the whole queue.
      platform::log::Error("registration field cannot be opened", {{"registration", id}, {"field", name}});
      continue;
    }
    *out = *std::move(opened);
  }
  return r;
}

absl::StatusOr<CaseRecord> Store::Apply(const std::string& id, const Change& c,
                                        const CommandKey& command) {
  const platform::crypto::DataKeys& keys = *options_.data_keys;
  std::vector<std::string> argv = {
      id,
      c.mode == Change::Mode::kClaim   ? "claim"
      : c.mode == Change::Mode::kClerk ? "clerk"
                                       : "owner",
      c.actor,
      absl::StrJoin(c.allowed, ","),
      c.new_status,
      absl::StrCat(absl::ToInt64Milliseconds(options_.claim_ttl)),
      c.expected_version ? absl::StrCat(*c.expected_version) : "",
      absl::StrCat(c.fields.size() * 2)};
  for (const auto& [name, value] : c.fields) {
    argv.push_back(name);
    // Free texts of clerks and citizens may hold personal data: sealed.
    const bool sealed = name == "info" || name == "answer" || name == "reason";
    argv.push_back(sealed && !value.empty() ? keys.Seal(value, Context(id, name)) : value);
  }
  argv.push_back(absl::StrCat(c.certificates.size()));
  for (const Change::Certificate& cert : c.certificates) {
    const std::string suffix = absl::StrCat(cert.person);
    argv.insert(argv.end(), {cert.code, suffix, cert.sha256,
                             keys.Seal(cert.pdf, Context(id, absl::StrCat("pdf:", suffix)))});
  }
  argv.push_back(absl::StrCat(c.events.size()));
  for (const auto& e : c.events) platform::outbox::Outbox::AppendArgs(e, &argv);
  argv.push_back(c.rueckmeldung ? "1" : "0");
  if (c.rueckmeldung) {
    argv.insert(argv.end(),
                {c.rueckmeldung->previous_municipality_key, c.rueckmeldung->due,
                 keys.Seal(c.rueckmeldung->xml, Context(id, "rueckmeldung")),
                 absl::StrCat(absl::ToUnixMillis(absl::Now() - options_.export_retention))});
  }
  argv.push_back(absl::StrCat(c.timers.size()));
  for (const auto& [member, due] : c.timers) {
    argv.push_back(member);
    argv.push_back(absl::StrCat(absl::ToUnixMillis(due)));
  }
  auto reply = Run(ChangeScript(), std::move(argv), command);
  if (!reply.ok()) return reply.status();
  const std::string& tag = Tag(*reply);
  if (tag == "ok" && timer_listener_) {
    for (const auto& [member, due] : c.timers) timer_listener_(due);
  }
  if (tag == "ok" || tag == "command-replay") return Get(id);
  if (tag == "command-mismatch") return Reused();
  if (tag == "not-found") return NotFound();
  if (tag == "wrong-status" && reply->elements.size() == 2) {
    return platform::WithProblem(
        absl::FailedPreconditionError(absl::StrCat("not possible while the registration is ",
                                                   reply->elements[1].str)),
        "registration-not-in-this-state");
  }
  if (tag == "claimed") {
    return platform::WithProblem(
        absl::AlreadyExistsError("another clerk has claimed this registration"),
        "registration-claimed");
  }
  if (tag == "not-claimed") {
    return platform::WithProblem(
        absl::FailedPreconditionError("claim the registration first (a claim expires)"),
        "registration-not-claimed");
  }
  if (tag == "changed") {
    return absl::AbortedError("the registration changed meanwhile; try again");
  }
  return Unexpected(ChangeScript(), *reply);
}

absl::StatusOr<CaseRecord> Store::ConfirmCode(const std::string& id, const std::string& owner,
                                              const std::string& code) {
  const std::string hash = options_.data_keys->Lookup(absl::StrCat("letter:", id, ":", code));
  auto reply = Run(ConfirmScript(), {id, owner, hash, absl::StrCat(options_.code_attempts), ""});
  if (!reply.ok()) return reply.status();
  const std::string& tag = Tag(*reply);
  if (tag == "ok") return Get(id);
  if (tag == "not-found") return NotFound();
  if (tag == "wrong-status") {
    return platform::WithProblem(
        absl::FailedPreconditionError("no code letter is waiting for this registration"),
        "registration-not-in-this-state");
  }
  if (tag == "code-invalid" && reply->elements.size() == 2) {
    const std::string& left = reply->elements[1].str;
    return platform::WithProblem(
        platform::InvalidField("code", left == "0"
                                           ? "wrong code; the letter is void now, the office "
                                             "sends a new one"
                                           : absl::StrCat("wrong code; ", left, " attempts left")),
        "code-invalid");
  }
  return Unexpected(ConfirmScript(), *reply);
}

absl::StatusOr<std::vector<CaseRecord>> Store::ListIndex(const std::string& index, bool newest_first,
                                                         int offset, int count, int64_t* total) {
  auto n = pool_.Command({"ZCARD", index});
  if (!n.ok()) return n.status();
  *total = n->integer;
  auto ids = pool_.Command({newest_first ? "ZREVRANGE" : "ZRANGE", index, absl::StrCat(offset),
                            absl::StrCat(offset + count - 1)});
  if (!ids.ok()) return ids.status();
  std::vector<CaseRecord> out;
  for (const auto& e : ids->elements) {
    auto r = Get(e.str, /*strict=*/false);
    if (absl::IsNotFound(r.status())) continue;  // purged meanwhile
    if (!r.ok()) return r.status();
    out.push_back(*std::move(r));
  }
  return out;
}

absl::StatusOr<std::vector<CaseRecord>> Store::List(const std::string& office,
                                                    const std::string& status, int offset,
                                                    int count, int64_t* total) {
  return ListIndex(
      absl::StrCat(options_.key_prefix, "idx:", office, ":", status.empty() ? "*" : status),
      /*newest_first=*/false, offset, count, total);
}

absl::StatusOr<std::vector<CaseRecord>> Store::ListOwn(const std::string& owner, int offset,
                                                       int count, int64_t* total) {
  return ListIndex(absl::StrCat(options_.key_prefix, "owner:", owner), /*newest_first=*/true,
                   offset, count, total);
}

absl::StatusOr<std::string> Store::Certificate(const std::string& id, int person) {
  const std::string suffix = absl::StrCat(person);
  auto reply = pool_.Command({"GET", absl::StrCat(options_.key_prefix, "pdf:", id, ":", suffix)});
  if (!reply.ok()) return reply.status();
  if (reply->str.empty()) return absl::NotFoundError("no such certificate");
  auto pdf = options_.data_keys->Open(reply->str, Context(id, absl::StrCat("pdf:", suffix)));
  if (!pdf.ok()) return absl::DataLossError("the certificate cannot be opened");
  return *std::move(pdf);
}

absl::StatusOr<std::vector<ExportMessage>> Store::Exports(const std::string& after, int count) {
  // A cursor is a stream entry id: <ms>-<seq>.
  const std::vector<std::string> parts = absl::StrSplit(after, '-');
  int64_t ms = 0, seq = 0;
  if (!after.empty() && (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &ms) ||
                         !absl::SimpleAtoi(parts[1], &seq) || ms < 0 || seq < 0)) {
    return platform::InvalidField("after", "not a cursor of an earlier answer");
  }
  auto reply = pool_.Command({"XRANGE", absl::StrCat(options_.key_prefix, "exports"),
                              after.empty() ? "-" : absl::StrCat("(", after), "+", "COUNT",
                              absl::StrCat(count)});
  if (!reply.ok()) return reply.status();
  // Asking for what comes after `after` says everything up to it was processed.
  if (!after.empty()) {
    auto acked = Run(AckScript(), {after});
    if (!acked.ok()) return acked.status();
  }
  std::vector<ExportMessage> out;
  for (const auto& entry : reply->elements) {
    if (entry.elements.size() != 2) continue;
    ExportMessage m;
    m.cursor = entry.elements[0].str;
    std::map<std::string, std::string> f = ToMap(entry.elements[1]);
    m.registration_id = f["id"];
    m.previous_municipality_key = f["ags"];
    m.due = f["due"];
    auto xml = options_.data_keys->Open(f["xml"], Context(m.registration_id, "rueckmeldung"));
    if (xml.ok()) {
      m.xml = *std::move(xml);
    } else {
      // One unreadable message must not stop the export of the others; it is named, not skipped.
      platform::log::Error("rueckmeldung cannot be opened", {{"cursor", m.cursor},
                                                             {"registration", m.registration_id}});
      m.error = "the message cannot be opened (its key is missing): send this Rückmeldung by hand";
    }
    out.push_back(std::move(m));
  }
  return out;
}

absl::StatusOr<std::vector<CaseRecord>> Store::ListRueckmeldungOverdue(const std::string& office,
                                                                       int offset, int count,
                                                                       int64_t* total) {
  auto ids = pool_.Command({"ZRANGE", absl::StrCat(options_.key_prefix, "rueckoverdue"), "0", "-1"});
  if (!ids.ok()) return ids.status();
  std::vector<CaseRecord> mine;
  for (const auto& e : ids->elements) {
    auto r = Get(e.str, /*strict=*/false);
    if (absl::IsNotFound(r.status())) continue;
    if (!r.ok()) return r.status();
    if (r->office == office) mine.push_back(*std::move(r));
  }
  *total = static_cast<int64_t>(mine.size());
  std::vector<CaseRecord> out;
  for (int k = offset; k < offset + count && k < static_cast<int>(mine.size()); ++k) {
    out.push_back(std::move(mine[k]));
  }
  return out;
}

absl::StatusOr<Store::TimerResult> Store::FireDueTimers(int max) {
  auto reply = Run(TimersScript(), {absl::StrCat(max)});
  if (!reply.ok()) return reply.status();
  if (!reply->is_array() || reply->elements.size() != 3) return Unexpected(TimersScript(), *reply);
  TimerResult result;
  result.fired = reply->elements[0].integer;
  if (reply->elements[1].integer >= 0) result.next = absl::FromUnixMillis(reply->elements[1].integer);
  result.now = absl::FromUnixMillis(reply->elements[2].integer);
  return result;
}

absl::StatusOr<VerifiedCertificate> Store::Verify(const std::string& code) {
  auto reply = pool_.Command({"HGETALL", absl::StrCat(options_.key_prefix, "cert:", code)});
  if (!reply.ok()) return reply.status();
  std::map<std::string, std::string> f = ToMap(*reply);
  if (f.empty()) return absl::NotFoundError("no certificate with this code was issued");
  VerifiedCertificate v;
  v.sha256 = f["sha"];
  v.issued = absl::FromUnixMillis(Int(f["at"]));
  v.office = f["office"];
  return v;
}

}  // namespace rathaus::registrations
