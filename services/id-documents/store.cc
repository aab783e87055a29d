#include "store.h"

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <thread>
#include <map>
#include <set>

#include <google/protobuf/timestamp.pb.h>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "rathaus/id_documents/v1/events.pb.h"
#include "rathaus_id_documents_embedded.h"
#include "shared/crypto/crypto.h"
#include "shared/log/log.h"
#include "shared/status/problem.h"

namespace rathaus::id_documents {
namespace {

namespace redis = ::rathaus::platform::redis;
using redis::Tag;
using redis::ToMap;
namespace v1 = ::rathaus::id_documents::v1;
namespace lua = ::rathaus::id_documents::embedded;
using platform::crypto::LengthPrefixed;

redis::Script Load(std::string name, std::string_view body) {
  return redis::Script::WithPrelude(std::move(name),
                                    absl::StrCat(std::string(lua::kLib), "\n", std::string(body)));
}
const redis::Script& RegisterScript() { static const redis::Script s = Load("idd_register", lua::kRegister); return s; }
const redis::Script& ApplyScript() { static const redis::Script s = Load("idd_apply", lua::kApply); return s; }
const redis::Script& HandoverScript() { static const redis::Script s = Load("idd_handover", lua::kHandover); return s; }
const redis::Script& LookupScript() { static const redis::Script s = Load("idd_lookup", lua::kLookup); return s; }
const redis::Script& TimersScript() { static const redis::Script s = Load("idd_timers", lua::kTimers); return s; }
const redis::Script& AddressChangedScript() { static const redis::Script s = Load("idd_address_changed", lua::kAddressChanged); return s; }
const redis::Script& StickerDoneScript() { static const redis::Script s = Load("idd_sticker_done", lua::kStickerDone); return s; }

std::string Ms(absl::Time t) { return absl::StrCat(absl::ToUnixMillis(t)); }
int64_t Int(const std::string& s) {
  int64_t v = 0;
  return absl::SimpleAtoi(s, &v) ? v : 0;
}

void SetTimestamp(absl::Time t, google::protobuf::Timestamp* out) {
  const int64_t ns = absl::ToUnixNanos(t);
  out->set_seconds(ns / 1000000000);
  out->set_nanos(static_cast<int32_t>(ns % 1000000000));
}

absl::Status NotFound() { return absl::NotFoundError("application not found"); }
absl::Status DocumentUnknown() {
  return platform::WithProblem(
      absl::NotFoundError("no document with this serial number and birth date"), "document-unknown");
}
absl::Status Unexpected(const redis::Script& script, const redis::Reply& reply) {
  return absl::InternalError(absl::StrCat(script.name(), ": unexpected reply ", Tag(reply)));
}

// 8 characters without look-alikes (no 0/O, 1/I/L, U/V), about 2^39 codes: what the citizen
// types into the booking form.
std::string NewPickupCode() {
  static constexpr std::string_view kAlphabet = "23456789ABCDEFGHJKMNPQRSTWXYZ";
  const std::string random = platform::crypto::RandomBytes(8);
  std::string code;
  for (unsigned char c : random) code.push_back(kAlphabet[c % kAlphabet.size()]);
  return code;
}

absl::StatusOr<ApplicationRecord> ParseRecord(const std::string& id,
                                              std::map<std::string, std::string> f) {
  if (f.empty()) return NotFound();
  ApplicationRecord r;
  r.id = id;
  const auto type = ParseDocumentType(f["type"]);
  const auto delivery = ParseDelivery(f["delivery"]);
  const auto status = ParseState(f["status"]);
  if (!type || !delivery || !status) {
    return absl::DataLossError(absl::StrCat("application ", id, " is malformed"));
  }
  r.type = *type;
  r.delivery = *delivery;
  r.status = *status;
  r.office = f["office"];
  r.status_at = absl::FromUnixMillis(Int(f["at"]));
  r.created_at = absl::FromUnixMillis(Int(f["created"]));
  r.pin_letter_sent = f["pin"] == "1";
  r.pickup_code = f["code"];
  r.fee_cents = static_cast<int>(Int(f["fee"]));
  r.old_document_invalidated = f["oldinv"] == "1";
  r.handed_to_proxy = !f["proxy"].empty();
  r.address_sticker_due = f["sticker"] == "1";
  r.address_sticker_since = absl::FromUnixMillis(Int(f["stickerat"]));
  return r;
}

}  // namespace

Store::Store(redis::Pool& pool, const platform::outbox::Outbox& outbox, StoreOptions options)
    : pool_(pool), outbox_(outbox), options_(std::move(options)) {
  if (options_.data_keys == nullptr || !options_.data_keys->usable()) {
    platform::log::Error("id-documents store without personal-data keys", {});
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

std::string Store::SerialLookup(const std::string& serial) const {
  // registrations hashes the serials it sends in AddressChanged the same way (its store).
  const std::string normalized = absl::StrCat("serial:", serial);
  if (options_.serial_lookup != nullptr) return options_.serial_lookup->Lookup(normalized);
  return options_.data_keys->Lookup(normalized);
}

std::string Store::BirthHash(const std::string& serial, absl::CivilDay birth) const {
  return options_.data_keys->Lookup(
      LengthPrefixed({"birth", serial, absl::FormatCivilTime(birth)}));
}

absl::StatusOr<ApplicationRecord> Store::Register(const NewApplication& a,
                                                  std::string_view traceparent,
                                                  const CommandKey& command) {
  const platform::crypto::DataKeys& keys = *options_.data_keys;
  const std::string id = platform::crypto::NewUuid();
  const absl::Time now = absl::Now();
  const std::string at = Ms(now);
  const std::string context = absl::StrCat(options_.key_prefix, "app:", id, ":");
  const bool express = a.type == DocumentType::kExpressReisepass;
  const int fee = a.delivery == Delivery::kDirectDelivery ? kDirectDeliveryFeeCents : 0;
  const std::string sl = SerialLookup(a.serial);
  std::vector<std::string> fields = {
      "type", std::string(Name(a.type)), "office", a.office, "delivery",
      std::string(Name(a.delivery)), "express", express ? "1" : "0", "fee", absl::StrCat(fee),
      "status", "APPLIED", "at", at, "created", at, "pin", "0", "code", "",
      "serial", keys.Seal(a.serial, context + "serial"), "sl", sl,
      "bh", BirthHash(a.serial, a.birth)};
  if (!a.email.empty()) {
    fields.push_back("email");
    fields.push_back(keys.Seal(a.email, context + "email"));
  }
  if (a.language == "en") {
    fields.push_back("lang");
    fields.push_back("en");
  }
  v1::ApplicationRegistered event;
  event.set_application_id(id);
  event.set_document_type(std::string(Name(a.type)));
  event.set_office(a.office);
  event.set_delivery(std::string(Name(a.delivery)));
  event.set_express(express);
  SetTimestamp(now, event.mutable_registered_at());
  std::vector<std::string> argv = {id, sl, at, at, absl::StrCat(fields.size())};
  argv.insert(argv.end(), fields.begin(), fields.end());
  argv.push_back(a.office);
  platform::outbox::Outbox::AppendArgs(outbox_.NewEvent(id, event, traceparent), &argv);
  auto reply = Run(RegisterScript(), std::move(argv), command);
  if (!reply.ok()) return reply.status();
  const std::string& tag = Tag(*reply);
  if (tag == "command-replay" && reply->elements.size() == 3) return Get(reply->elements[1].str);
  if (tag == "command-mismatch") {
    return platform::WithProblem(
        absl::FailedPreconditionError("this Idempotency-Key was used for a different request"),
        "idempotency-key-reused");
  }
  if (tag == "serial-in-use") {
    return platform::WithProblem(
        absl::AlreadyExistsError("this serial number has an open application"), "serial-in-use");
  }
  if (tag != "ok") return Unexpected(RegisterScript(), *reply);
  return ApplicationRecord{.id = id, .type = a.type, .office = a.office, .delivery = a.delivery,
                           .status = State::kApplied, .status_at = now, .created_at = now,
                           .fee_cents = fee};
}

absl::StatusOr<std::string> Store::NotificationEmail(const std::string& id) {
  auto reply = pool_.Command({"HGET", absl::StrCat(options_.key_prefix, "app:", id), "email"});
  if (!reply.ok()) return reply.status();
  if (reply->is_nil() || reply->str.empty()) return std::string();
  return options_.data_keys->Open(reply->str,
                                  absl::StrCat(options_.key_prefix, "app:", id, ":email"));
}

absl::StatusOr<std::string> Store::NotificationLanguage(const std::string& id) {
  auto reply = pool_.Command({"HGET", absl::StrCat(options_.key_prefix, "app:", id), "lang"});
  if (!reply.ok()) return reply.status();
  return std::string(!reply->is_nil() && reply->str == "en" ? "en" : "de");
}

absl::StatusOr<ApplicationRecord> Store::Get(const std::string& id) {
  auto reply = pool_.Command({"HGETALL", absl::StrCat(options_.key_prefix, "app:", id)});
  if (!reply.ok()) return reply.status();
  return ParseRecord(id, ToMap(*reply));
}

absl::StatusOr<ImportResult> Store::Import(const std::vector<ImportLine>& lines,
                                           std::string_view traceparent) {
  // A large import runs as kImportWorkers parts side by side, split by serial number: the lines
  // of one document stay in one part and in their order, and one part's Redis round trips
  // overlap with the other's parsing and deciding.
  constexpr size_t kImportWorkers = 2;
  if (lines.size() < 2 * kImportBatch) return ImportPart(lines, traceparent);
  std::vector<std::vector<ImportLine>> parts(kImportWorkers);
  const std::hash<std::string> hash;
  for (const ImportLine& l : lines) parts[hash(l.serial) % kImportWorkers].push_back(l);
  std::vector<absl::StatusOr<ImportResult>> results(kImportWorkers);
  {
    std::vector<std::thread> workers;
    for (size_t w = 1; w < kImportWorkers; ++w) {
      workers.emplace_back([&, w] { results[w] = ImportPart(parts[w], traceparent); });
    }
    results[0] = ImportPart(parts[0], traceparent);
    for (std::thread& t : workers) t.join();
  }
  ImportResult total;
  for (auto& r : results) {
    if (!r.ok()) return r.status();
    total.accepted += r->accepted;
    total.duplicates += r->duplicates;
    total.stale += r->stale;
    total.rejected.insert(total.rejected.end(), r->rejected.begin(), r->rejected.end());
  }
  std::sort(total.rejected.begin(), total.rejected.end());
  return total;
}

absl::StatusOr<ImportResult> Store::ImportPart(const std::vector<ImportLine>& lines,
                                               std::string_view traceparent) {
  constexpr size_t kBatch = kImportBatch;
  constexpr int kRounds = 5;
  ImportResult result;
  std::vector<size_t> todo(lines.size());
  for (size_t i = 0; i < lines.size(); ++i) todo[i] = i;
  for (int round = 0; round < kRounds && !todo.empty(); ++round) {
    std::vector<size_t> again;
    for (size_t from = 0; from < todo.size(); from += kBatch) {
      const std::vector<size_t> chunk(todo.begin() + static_cast<long>(from),
                                      todo.begin() + static_cast<long>(std::min(todo.size(), from + kBatch)));
      if (absl::Status s = ImportRound(lines, chunk, traceparent, &result, &again); !s.ok()) {
        return s;
      }
    }
    std::sort(again.begin(), again.end());
    todo = std::move(again);
  }
  for (size_t i : todo) {
    result.rejected.emplace_back(lines[i].line,
                                 "the application changed during the import; send the line again");
  }
  std::sort(result.rejected.begin(), result.rejected.end());
  return result;
}

absl::Status Store::ImportRound(const std::vector<ImportLine>& all,
                                const std::vector<size_t>& lines, std::string_view traceparent,
                                ImportResult* result, std::vector<size_t>* again) {
  const std::string& P = options_.key_prefix;
  // 1. The applications of the serials, their state, and which updates they have seen.
  std::vector<std::string> serials;
  absl::flat_hash_map<std::string, size_t> serial_index;
  for (size_t i : lines) {
    if (serial_index.emplace(all[i].serial, serials.size()).second) serials.push_back(all[i].serial);
  }
  std::vector<std::vector<std::string>> gets;
  for (const std::string& s : serials) gets.push_back({"GET", absl::StrCat(P, "serial:", SerialLookup(s))});
  auto ids = pool_.Pipeline(gets);
  if (!ids.ok()) return ids.status();
  std::vector<std::string> id_of(serials.size());
  for (size_t k = 0; k < serials.size(); ++k) {
    if (!(*ids)[k].ok()) return (*ids)[k].status();
    id_of[k] = (*ids)[k]->str;
  }
  struct App {
    std::string status;
    int64_t at = 0;
    bool pin = false;
    Delivery delivery = Delivery::kPickup;
    std::string office;
    DocumentType type = DocumentType::kPersonalausweis;
    std::string code;
  };
  std::vector<std::string> app_ids;
  absl::flat_hash_map<std::string, App> apps;
  std::vector<std::vector<std::string>> reads;
  for (const std::string& id : id_of) {
    if (id.empty() || apps.contains(id)) continue;
    apps[id];
    app_ids.push_back(id);
    reads.push_back({"HMGET", absl::StrCat(P, "app:", id), "status", "at", "pin", "delivery",
                     "office", "type", "code"});
  }
  auto member = [](const ImportLine& l) { return absl::StrCat(l.status, "|", absl::ToUnixMillis(l.at)); };
  for (size_t i : lines) {
    const std::string& id = id_of[serial_index[all[i].serial]];
    if (!id.empty()) reads.push_back({"SISMEMBER", absl::StrCat(P, "seen:", id), member(all[i])});
  }
  auto state = pool_.Pipeline(reads);
  if (!state.ok()) return state.status();
  for (const auto& r : *state) {
    if (!r.ok()) return r.status();
  }
  for (size_t k = 0; k < app_ids.size(); ++k) {
    const auto& f = (*state)[k]->elements;
    App& app = apps[app_ids[k]];
    app.status = f[0].str;
    app.at = Int(f[1].str);
    app.pin = f[2].str == "1";
    app.delivery = ParseDelivery(f[3].str).value_or(Delivery::kPickup);
    app.office = f[4].str;
    app.type = ParseDocumentType(f[5].str).value_or(DocumentType::kPersonalausweis);
    app.code = f[6].str;
  }
  // 2. Decide each line in order against the state the lines before it leave.
  enum class Verdict { kDuplicate, kStale, kRejected, kWrite };
  struct Decision {
    size_t line;
    std::string id;
    Verdict verdict;
    std::string reason;
  };
  std::vector<Decision> decisions;
  std::vector<std::string> argv = {""};  // [0]: the number of updates
  int writes = 0;
  absl::flat_hash_set<std::string> seen_now;
  absl::Time earliest_timer = absl::InfiniteFuture();
  size_t seen_reply = app_ids.size();
  for (size_t i : lines) {
    const ImportLine& l = all[i];
    const std::string& id = id_of[serial_index[l.serial]];
    if (id.empty()) {
      decisions.push_back({i, id, Verdict::kRejected, "unknown serial number"});
      continue;
    }
    const bool seen_before = (*state)[seen_reply++]->integer == 1;
    App& app = apps[id];
    const std::string m = member(l);
    const int64_t at = absl::ToUnixMillis(l.at);
    if (seen_before || seen_now.contains(absl::StrCat(id, "|", m))) {
      decisions.push_back({i, id, Verdict::kDuplicate, ""});
      continue;
    }
    const auto current = ParseState(app.status);
    if (!current) return absl::DataLossError(absl::StrCat("application ", id, " has no state"));
    std::vector<std::string> fields;
    std::vector<platform::outbox::OutgoingEvent> events;
    std::string code, timer;
    absl::Time due;
    const std::string expected_status = app.status;
    const std::string expected_at = absl::StrCat(app.at);
    v1::DocumentStatusChanged changed;
    changed.set_application_id(id);
    changed.set_office(app.office);
    changed.set_previous_status(app.status);
    SetTimestamp(l.at, changed.mutable_at());
    if (l.status == kPinLetterSent) {
      if (app.pin) {
        decisions.push_back({i, id, Verdict::kDuplicate, ""});
        continue;
      }
      fields = {"pin", "1"};
      changed.set_status(app.status);
      changed.set_pin_letter_sent(true);
      events.push_back(outbox_.NewEvent(id, changed, traceparent));
      app.pin = true;
    } else {
      const auto next = ParseState(l.status);
      if (!next) return absl::InternalError("an import line with an unchecked status");
      if (*next == State::kHandedOver) {
        decisions.push_back({i, id, Verdict::kRejected,
                             "HANDED_OVER is recorded by a clerk of the office (handover)"});
        continue;
      }
      if (at < app.at) {
        decisions.push_back({i, id, Verdict::kStale, ""});
        continue;
      }
      if (absl::Status s = CheckTransition(*current, *next, app.delivery); !s.ok()) {
        decisions.push_back({i, id, Verdict::kRejected, std::string(s.message())});
        continue;
      }
      fields = {"status", l.status, "at", absl::StrCat(at)};
      changed.set_status(l.status);
      changed.set_pin_letter_sent(app.pin);
      events.push_back(outbox_.NewEvent(id, changed, traceparent));
      if (*next == State::kReadyForPickup) {
        code = NewPickupCode();
        v1::DocumentReadyForPickup ready;
        ready.set_application_id(id);
        ready.set_office(app.office);
        ready.set_document_type(std::string(Name(app.type)));
        ready.set_pickup_code(code);
        SetTimestamp(l.at, ready.mutable_ready_at());
        events.push_back(outbox_.NewEvent(id, ready, traceparent));
        v1::DocumentPickupOverdue overdue;
        overdue.set_application_id(id);
        overdue.set_office(app.office);
        overdue.set_pickup_code(code);
        SetTimestamp(l.at, overdue.mutable_ready_at());
        std::vector<std::string> prepared;
        platform::outbox::Outbox::AppendArgs(outbox_.NewEvent(id, overdue, traceparent), &prepared);
        fields.insert(fields.end(), {"code", code, "ready", absl::StrCat(at)});
        for (size_t k = 0; k < prepared.size(); ++k) {
          fields.push_back(absl::StrCat("o", k + 1));
          fields.push_back(prepared[k]);
        }
        timer = "overdue";
        due = l.at + options_.pickup_reminder;
        app.code = code;
      } else if (*next == State::kDeliveryFailed) {
        v1::DirectDeliveryFailed failed;
        failed.set_application_id(id);
        failed.set_office(app.office);
        SetTimestamp(l.at, failed.mutable_at());
        events.push_back(outbox_.NewEvent(id, failed, traceparent));
      }
      if (IsClosed(*next)) {
        fields.insert(fields.end(), {"closed", absl::StrCat(at)});
        timer = "purge";
        due = l.at + options_.retention;
      }
      app.status = l.status;
      app.at = at;
    }
    seen_now.insert(absl::StrCat(id, "|", m));
    if (!timer.empty()) earliest_timer = std::min(earliest_timer, due);
    argv.insert(argv.end(), {id, expected_status, expected_at, l.status, absl::StrCat(at),
                             app.office, code, timer, timer.empty() ? "0" : Ms(due),
                             absl::StrCat(fields.size() / 2)});
    argv.insert(argv.end(), fields.begin(), fields.end());
    argv.push_back(absl::StrCat(events.size()));
    for (const auto& e : events) platform::outbox::Outbox::AppendArgs(e, &argv);
    decisions.push_back({i, id, Verdict::kWrite, ""});
    ++writes;
  }
  // 3. Write; what changed meanwhile (and the lines after it of the same application) is
  // decided again in the next round.
  std::vector<std::string> outcome;
  if (writes > 0) {
    argv[0] = absl::StrCat(writes);
    auto reply = Run(ApplyScript(), std::move(argv));
    if (!reply.ok()) return reply.status();
    if (!reply->is_array() || reply->elements.size() != static_cast<size_t>(writes)) {
      return Unexpected(ApplyScript(), *reply);
    }
    for (const auto& r : reply->elements) outcome.push_back(r.str);
  }
  absl::flat_hash_set<std::string> redo;
  size_t w = 0;
  for (const Decision& d : decisions) {
    if (!d.id.empty() && redo.contains(d.id)) {
      if (d.verdict == Verdict::kWrite) ++w;  // answered 'changed' by the script as well
      again->push_back(d.line);
      continue;
    }
    switch (d.verdict) {
      case Verdict::kDuplicate:
        ++result->duplicates;
        break;
      case Verdict::kStale:
        ++result->stale;
        break;
      case Verdict::kRejected:
        result->rejected.emplace_back(all[d.line].line, d.reason);
        break;
      case Verdict::kWrite:
        if (outcome[w++] == "ok") {
          ++result->accepted;
        } else {
          redo.insert(d.id);
          again->push_back(d.line);
        }
        break;
    }
  }
  if (timer_listener_ && earliest_timer != absl::InfiniteFuture()) timer_listener_(earliest_timer);
  return absl::OkStatus();
}

absl::StatusOr<ApplicationRecord> Store::Lookup(const std::string& serial, absl::CivilDay birth) {
  auto reply = Run(LookupScript(),
                   {SerialLookup(serial), BirthHash(serial, birth),
                    absl::StrCat(options_.lookup_failures),
                    absl::StrCat(absl::ToInt64Seconds(options_.lookup_lockout))});
  if (!reply.ok()) return reply.status();
  const std::string& tag = Tag(*reply);
  if (tag == "unknown") return DocumentUnknown();
  if (tag != "ok" || reply->elements.size() != 9) return Unexpected(LookupScript(), *reply);
  const auto& e = reply->elements;
  return ParseRecord("", {{"status", e[1].str}, {"type", e[2].str}, {"office", e[3].str},
                          {"at", e[4].str}, {"code", e[5].str}, {"created", e[6].str},
                          {"delivery", e[7].str}, {"pin", e[8].str}});
}

absl::StatusOr<ApplicationRecord> Store::HandOver(const std::string& id,
                                                  bool old_document_invalidated,
                                                  const std::optional<ProxyPerson>& proxy,
                                                  std::string_view traceparent,
                                                  const CommandKey& command) {
  auto current = Get(id);
  if (!current.ok()) return current.status();
  const absl::Time now = absl::Now();
  const std::string at = Ms(now);
  std::vector<std::string> fields = {"status", "HANDED_OVER", "at", at, "closed", at,
                                     "oldinv", old_document_invalidated ? "1" : "0"};
  if (proxy) {
    const std::string context = absl::StrCat(options_.key_prefix, "app:", id, ":proxy");
    fields.push_back("proxy");
    fields.push_back(options_.data_keys->Seal(proxy->name, context));
  }
  v1::DocumentStatusChanged changed;
  changed.set_application_id(id);
  changed.set_office(current->office);
  changed.set_previous_status(std::string(Name(current->status)));
  changed.set_status("HANDED_OVER");
  changed.set_pin_letter_sent(current->pin_letter_sent);
  SetTimestamp(now, changed.mutable_at());
  v1::DocumentHandedOver handed;
  handed.set_application_id(id);
  handed.set_office(current->office);
  handed.set_pickup_code(current->pickup_code);
  SetTimestamp(now, handed.mutable_at());
  handed.set_to_proxy(proxy.has_value());
  std::vector<std::string> argv = {id, at, Ms(now + options_.retention),
                                   absl::StrCat(fields.size() / 2)};
  argv.insert(argv.end(), fields.begin(), fields.end());
  platform::outbox::Outbox::AppendArgs(outbox_.NewEvent(id, changed, traceparent), &argv);
  platform::outbox::Outbox::AppendArgs(outbox_.NewEvent(id, handed, traceparent), &argv);
  auto reply = Run(HandoverScript(), std::move(argv), command);
  if (!reply.ok()) return reply.status();
  const std::string& tag = Tag(*reply);
  if (tag == "command-replay") return Get(id);
  if (tag == "command-mismatch") {
    return platform::WithProblem(
        absl::FailedPreconditionError("this Idempotency-Key was used for a different request"),
        "idempotency-key-reused");
  }
  if (tag == "unknown") return NotFound();
  if (tag == "status" && reply->elements.size() == 2) {
    return platform::WithProblem(
        absl::FailedPreconditionError(absl::StrCat("the document is not ready for pickup (",
                                                   reply->elements[1].str, ")")),
        "document-not-ready");
  }
  if (tag != "ok") return Unexpected(HandoverScript(), *reply);
  if (timer_listener_) timer_listener_(now + options_.retention);
  return Get(id);
}

absl::Status Store::ApplyAddressChanged(const std::vector<std::string>& serial_hashes,
                                        const std::string& inbox_key, const std::string& inbox_ttl,
                                        int64_t* created, int64_t* unknown) {
  std::vector<std::string> argv = {options_.key_prefix, outbox_.stream_key(), inbox_ttl,
                                   absl::StrCat(serial_hashes.size())};
  argv.insert(argv.end(), serial_hashes.begin(), serial_hashes.end());
  auto reply = pool_.Eval(AddressChangedScript(), {inbox_key}, argv);
  if (!reply.ok()) return reply.status();
  *created = reply->elements.size() == 2 ? reply->elements[0].integer : 0;
  *unknown = reply->elements.size() == 2 ? reply->elements[1].integer : 0;
  return absl::OkStatus();
}

absl::StatusOr<ApplicationRecord> Store::ConfirmAddressSticker(const std::string& id) {
  auto reply = pool_.Eval(StickerDoneScript(), {}, {options_.key_prefix, outbox_.stream_key(), id});
  if (!reply.ok()) return reply.status();
  const std::string& tag = Tag(*reply);
  if (tag == "unknown") return NotFound();
  if (tag == "none") {
    return platform::WithProblem(
        absl::FailedPreconditionError("no address sticker is due for this document"),
        "no-address-sticker-due");
  }
  if (tag != "ok") return Unexpected(StickerDoneScript(), *reply);
  return Get(id);
}

absl::StatusOr<std::vector<ApplicationRecord>> Store::ListAddressStickers(const std::string& office,
                                                                          int offset, int count,
                                                                          int64_t* total) {
  const std::string index = absl::StrCat(options_.key_prefix, "stickers:", office);
  auto page = pool_.Pipeline({{"ZCARD", index},
                              {"ZRANGE", index, absl::StrCat(offset), absl::StrCat(offset + count - 1)}});
  if (!page.ok()) return page.status();
  for (const auto& r : *page) {
    if (!r.ok()) return r.status();
  }
  *total = (*page)[0]->integer;
  std::vector<ApplicationRecord> out;
  for (const auto& e : (*page)[1]->elements) {
    auto record = Get(e.str);
    if (absl::IsNotFound(record.status())) continue;  // purged meanwhile
    if (!record.ok()) return record.status();
    out.push_back(*std::move(record));
  }
  return out;
}

absl::StatusOr<std::vector<ApplicationRecord>> Store::List(const std::string& office,
                                                           const std::string& status, int offset,
                                                           int count, int64_t* total) {
  const std::string index = absl::StrCat(options_.key_prefix, "idx:", office, ":",
                                         status.empty() ? "*" : status);
  auto page = pool_.Pipeline({{"ZCARD", index},
                              {"ZREVRANGE", index, absl::StrCat(offset),
                               absl::StrCat(offset + count - 1)}});
  if (!page.ok()) return page.status();
  for (const auto& r : *page) {
    if (!r.ok()) return r.status();
  }
  *total = (*page)[0]->integer;
  std::vector<std::vector<std::string>> reads;
  std::vector<std::string> ids;
  for (const auto& e : (*page)[1]->elements) {
    ids.push_back(e.str);
    reads.push_back({"HGETALL", absl::StrCat(options_.key_prefix, "app:", e.str)});
  }
  std::vector<ApplicationRecord> out;
  if (reads.empty()) return out;
  auto apps = pool_.Pipeline(reads);
  if (!apps.ok()) return apps.status();
  for (size_t k = 0; k < ids.size(); ++k) {
    if (!(*apps)[k].ok()) return (*apps)[k].status();
    auto record = ParseRecord(ids[k], ToMap(*(*apps)[k]));
    if (record.ok()) out.push_back(std::move(*record));  // gone: purged meanwhile
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

}  // namespace rathaus::id_documents
