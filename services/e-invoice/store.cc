#include "services/e-invoice/store.h"

#include "absl/strings/str_cat.h"
#include "rathaus_einvoice_embedded.h"
#include "shared/crypto/crypto.h"
#include "shared/status/problem.h"

namespace rathaus::einvoice {
namespace {

namespace redis = ::rathaus::platform::redis;
namespace lua = ::rathaus::einvoice::embedded;

redis::Script Load(std::string name, std::string_view body) {
  return redis::Script::WithPrelude(std::move(name),
                                    absl::StrCat(std::string(lua::kLib), "\n", std::string(body)));
}

const redis::Script& SubmitScript() { static const redis::Script s = Load("inv_submit", lua::kSubmit); return s; }
const redis::Script& TransitionScript() { static const redis::Script s = Load("inv_transition", lua::kTransition); return s; }
const redis::Script& ExpireScript() { static const redis::Script s = Load("inv_expire_originals", lua::kExpireOriginals); return s; }
const redis::Script& ListScript() { static const redis::Script s = Load("inv_list", lua::kList); return s; }

std::string Tag(const redis::Reply& reply) {
  if (!reply.is_array() || reply.elements.empty()) return "";
  return reply.elements[0].str;
}

absl::Status Unexpected(const redis::Script& script, const redis::Reply& reply) {
  return absl::InternalError(absl::StrCat(script.name(), ": unexpected reply ", Tag(reply)));
}

void AppendFields(const Fields& fields, std::vector<std::string>* argv) {
  argv->push_back(absl::StrCat(fields.size()));
  for (const auto& [k, v] : fields) {
    argv->push_back(k);
    argv->push_back(v);
  }
}

Fields ToFields(const redis::Reply& flat) {
  Fields f;
  for (size_t i = 0; i + 1 < flat.elements.size(); i += 2) {
    f[flat.elements[i].str] = flat.elements[i + 1].str;
  }
  return f;
}

absl::Status NotFound() { return absl::NotFoundError("invoice not found"); }

}  // namespace

absl::Status DuplicateInvoice(const std::string& first_id) {
  return platform::WithProblem(
      absl::AlreadyExistsError(absl::StrCat(
          "duplicate of invoice ", first_id,
          ": the same seller sent an invoice with this number and issue date before")),
      "duplicate-invoice");
}

const std::string& StoredInvoice::Field(const std::string& name) const {
  static const std::string kEmpty;
  auto it = fields.find(name);
  return it == fields.end() ? kEmpty : it->second;
}

Store::Store(redis::Pool& pool, const platform::outbox::Outbox& outbox, std::string key_prefix)
    : pool_(pool), outbox_(outbox), prefix_(std::move(key_prefix)) {}

absl::StatusOr<redis::Reply> Store::Run(const redis::Script& script, std::vector<std::string> argv) {
  argv.insert(argv.begin(), {prefix_, outbox_.stream_key()});
  return pool_.Eval(script, {}, argv);
}

absl::Status Store::Submit(const Fields& invoice, const std::string& dup_key,
                           const std::vector<std::string>& history,
                           const std::vector<platform::outbox::OutgoingEvent>& events,
                           std::string* first_id) {
  Fields fields = invoice;
  // The key names the seller and its invoice number: only its hash is kept.
  const std::string dup = DupHash(dup_key);
  fields["dup"] = dup;
  const std::string& department = fields["department"];
  std::vector<std::string> argv = {fields.at("id"), dup, fields.at("status"),
                                   department.empty() ? "-" : department, fields.at("received_ms"),
                                   absl::StrCat(history.size())};
  argv.insert(argv.end(), history.begin(), history.end());
  AppendFields(fields, &argv);
  argv.push_back(absl::StrCat(events.size()));
  for (const auto& e : events) platform::outbox::Outbox::AppendArgs(e, &argv);
  auto reply = Run(SubmitScript(), std::move(argv));
  if (!reply.ok()) return reply.status();
  const std::string tag = Tag(*reply);
  if (tag == "ok") return absl::OkStatus();
  if (tag == "duplicate" && reply->elements.size() == 2) {
    *first_id = reply->elements[1].str;
    return DuplicateInvoice(*first_id);
  }
  return Unexpected(SubmitScript(), *reply);
}

std::string Store::DupHash(const std::string& dup_key) const {
  return dup_key.empty() ? "" : platform::crypto::Hex(platform::crypto::Sha256(dup_key));
}

absl::StatusOr<std::string> Store::FindDuplicate(const std::string& dup_key) {
  if (dup_key.empty()) return std::string();
  auto r = pool_.Command({"GET", absl::StrCat(prefix_, "dup:", DupHash(dup_key))});
  if (!r.ok()) return r.status();
  return r->is_nil() ? std::string() : r->str;
}

absl::StatusOr<StoredInvoice> Store::Get(const std::string& id) {
  auto fields = pool_.Command({"HGETALL", absl::StrCat(prefix_, "inv:", id)});
  if (!fields.ok()) return fields.status();
  if (!fields->is_array() || fields->elements.empty()) return NotFound();
  auto history = pool_.Command({"LRANGE", absl::StrCat(prefix_, "hist:", id), "0", "-1"});
  if (!history.ok()) return history.status();
  StoredInvoice out;
  out.fields = ToFields(*fields);
  for (const redis::Reply& h : history->elements) out.history.push_back(h.str);
  return out;
}

absl::Status Store::Transition(const TransitionStep& step,
                               const platform::outbox::OutgoingEvent& event) {
  std::vector<std::string> argv = {step.id,
                                   step.expected,
                                   step.next,
                                   step.actor,
                                   step.four_eyes ? "1" : "0",
                                   step.department,
                                   step.release_duplicate_key ? "1" : "0",
                                   step.history};
  AppendFields(step.set, &argv);
  platform::outbox::Outbox::AppendArgs(event, &argv);
  auto reply = Run(TransitionScript(), std::move(argv));
  if (!reply.ok()) return reply.status();
  const std::string tag = Tag(*reply);
  if (tag == "ok") return absl::OkStatus();
  if (tag == "unknown") return NotFound();
  if (tag == "changed") {
    return absl::AbortedError("the invoice was changed at the same time; read it again");
  }
  if (tag == "four-eyes") {
    return platform::WithProblem(
        absl::PermissionDeniedError("four-eyes principle: the clerk who confirmed the invoice "
                                    "factually may not also take this step"),
        "four-eyes");
  }
  return Unexpected(TransitionScript(), *reply);
}

absl::StatusOr<std::vector<StoredInvoice>> Store::List(const std::string& status,
                                                       const std::string& department,
                                                       int offset, int count, int64_t* total) {
  auto reply = Run(ListScript(), {absl::StrCat(status, ":", department), absl::StrCat(offset),
                                  absl::StrCat(count)});
  if (!reply.ok()) return reply.status();
  if (!reply->is_array() || reply->elements.empty()) return Unexpected(ListScript(), *reply);
  *total = reply->elements[0].integer;
  std::vector<StoredInvoice> out;
  for (size_t i = 1; i < reply->elements.size(); ++i) {
    const redis::Reply& item = reply->elements[i];
    if (item.elements.size() != 2) return Unexpected(ListScript(), *reply);
    StoredInvoice inv;
    inv.fields = ToFields(item.elements[1]);
    if (inv.fields.empty()) continue;  // removed between index and read: cannot happen today
    out.push_back(std::move(inv));
  }
  return out;
}

absl::StatusOr<Store::ExpiryRun> Store::ExpireRejectedOriginals(int max) {
  auto reply = Run(ExpireScript(), {absl::StrCat(max)});
  if (!reply.ok()) return reply.status();
  if (!reply->is_array() || reply->elements.size() != 3) return Unexpected(ExpireScript(), *reply);
  ExpiryRun run;
  run.fired = reply->elements[0].integer;
  if (reply->elements[1].integer >= 0) run.next = absl::FromUnixMillis(reply->elements[1].integer);
  run.now = absl::FromUnixMillis(reply->elements[2].integer);
  return run;
}

absl::StatusOr<absl::flat_hash_set<std::string>> Store::BlobsInUse() {
  absl::flat_hash_set<std::string> in_use;
  std::string cursor = "0";
  do {
    auto page = pool_.Command({"SCAN", cursor, "MATCH", prefix_ + "inv:*", "COUNT", "1000"});
    if (!page.ok()) return page.status();
    if (!page->is_array() || page->elements.size() != 2) {
      return absl::InternalError("unexpected SCAN reply");
    }
    cursor = page->elements[0].str;
    std::vector<std::vector<std::string>> reads;
    for (const auto& key : page->elements[1].elements) reads.push_back({"HGET", key.str, "sha256"});
    if (reads.empty()) continue;
    auto replies = pool_.Pipeline(reads);
    if (!replies.ok()) return replies.status();
    for (const auto& r : *replies) {
      if (!r.ok()) return r.status();
      if (!r->str.empty()) in_use.insert(r->str);
    }
  } while (cursor != "0");
  return in_use;
}

}  // namespace rathaus::einvoice
