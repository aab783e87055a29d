#include "store.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "rathaus/e_file/v1/events.pb.h"
#include "rathaus_efile_embedded.h"
#include "shared/crypto/crypto.h"
#include "shared/log/log.h"
#include "shared/redis/command.h"
#include "shared/status/problem.h"

namespace rathaus::efile {
namespace {

namespace redis = ::rathaus::platform::redis;
namespace lua = ::rathaus::efile::embedded;
using redis::Reply;
using redis::ToMap;

redis::Script Load(std::string name, std::string_view body) {
  return redis::Script::WithPrelude(std::move(name),
                                    absl::StrCat(std::string(lua::kLib), "\n", std::string(body)));
}
const redis::Script& FileScript() { static const redis::Script s = Load("efile_file", lua::kFile); return s; }
const redis::Script& ReadScript() { static const redis::Script s = Load("efile_read", lua::kRead); return s; }
const redis::Script& HoldScript() { static const redis::Script s = Load("efile_hold", lua::kHold); return s; }
const redis::Script& DisposeScript() { static const redis::Script s = Load("efile_dispose", lua::kDispose); return s; }
const redis::Script& ExportScript() { static const redis::Script s = Load("efile_export", lua::kExport); return s; }
const redis::Script& IntegrateScript() { static const redis::Script s = Load("efile_integrate", lua::kIntegrate); return s; }

int64_t Int(const std::string& s) {
  int64_t v = 0;
  return absl::SimpleAtoi(s, &v) ? v : 0;
}

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

absl::Status Unexpected(std::string_view what, const Reply& reply) {
  return absl::InternalError(absl::StrCat(std::string(what), ": unexpected reply type ",
                                          static_cast<int>(reply.type), " ", reply.str));
}

std::string DispositionLetter(Disposal d) {
  switch (d) {
    case Disposal::kArchive: return "A";
    case Disposal::kAppraise: return "B";
    case Disposal::kDestroy: return "V";
  }
  return "V";
}

absl::string_view A(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace

// The tree's nodes in Redis (hash audit:nodes, field "<level>:<index>"), cached in the process:
// a node never changes once written.
class Store::Nodes final : public merkle::NodeStore {
 public:
  Nodes(redis::Pool& pool, std::string key, size_t cap)
      : pool_(pool), key_(std::move(key)), cap_(cap) {}

  std::string Get(int level, uint64_t index) const override {
    const std::string field = absl::StrCat(level, ":", index);
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = cache_.find(field);
      if (it != cache_.end()) return it->second;
    }
    auto r = pool_.Command({"HGET", key_, field});
    if (!r.ok() || r->is_nil() || r->str.size() != 32) return "";
    Remember(field, r->str);
    return r->str;
  }

  void Put(int level, uint64_t index, std::string hash) override {
    const std::string field = absl::StrCat(level, ":", index);
    pending_.emplace_back(field, hash);
    Remember(field, std::move(hash));
  }

  // The nodes Put since the last call (for integrate.lua).
  std::vector<std::pair<std::string, std::string>> TakePending() {
    std::vector<std::pair<std::string, std::string>> out;
    out.swap(pending_);
    return out;
  }

 private:
  void Remember(const std::string& field, std::string hash) const {
    std::lock_guard<std::mutex> lock(mu_);
    if (cache_.size() >= cap_) cache_.clear();
    cache_[field] = std::move(hash);
  }

  redis::Pool& pool_;
  std::string key_;
  size_t cap_;
  mutable std::mutex mu_;
  mutable absl::flat_hash_map<std::string, std::string> cache_;
  std::vector<std::pair<std::string, std::string>> pending_;  // only under integrate_mu_
};

Store::Store(redis::Pool& pool, const platform::outbox::Outbox& outbox,
             const platform::BlobStore& blobs, const Aktenplan& plan, StoreOptions options)
    : pool_(pool), outbox_(outbox), blobs_(blobs), plan_(plan), options_(std::move(options)) {
  if (!absl::LoadTimeZone("Europe/Berlin", &berlin_)) berlin_ = absl::UTCTimeZone();
  nodes_ = std::make_unique<Nodes>(pool_, Key("audit:nodes"), options_.node_cache);
}

Store::~Store() = default;

std::string Store::Key(std::string_view suffix) const {
  return absl::StrCat(options_.key_prefix, A(suffix));
}

std::vector<std::string> Store::FileArgs(const Filing& filing, const std::vector<std::string>& shas,
                                        std::string_view inbox_ttl, absl::Time now) const {
  std::vector<std::string> argv = {options_.key_prefix,
                                   outbox_.stream_key(),
                                   std::string(inbox_ttl),
                                   filing.service,
                                   filing.source_id,
                                   filing.item->number,
                                   filing.akte_group,
                                   filing.akte_title,
                                   filing.subject,
                                   filing.department,
                                   filing.item->access_class,
                                   Rfc3339(now),
                                   "",
                                   DispositionLetter(filing.item->disposal),
                                   filing.statistic,
                                   filing.actor,
                                   absl::StrCat(filing.documents.size())};
  if (filing.close) {
    const absl::CivilDay closed = absl::ToCivilDay(now, berlin_);
    argv[12] = absl::FormatCivilTime(DisposalDate(*filing.item, closed));
  }
  for (size_t i = 0; i < filing.documents.size(); ++i) {
    const DocumentToFile& d = filing.documents[i];
    argv.insert(argv.end(), {d.title, d.kind, d.media_type, shas[i], absl::StrCat(d.bytes.size()),
                             d.source_event_id, platform::crypto::NewUuid()});
  }
  argv.push_back(platform::crypto::NewUuid());
  argv.push_back(filing.fetch);
  return argv;
}

absl::StatusOr<FileResult> Store::FileReply(const Reply& r) {
  FileResult out;
  if (r.type == Reply::Type::kInteger) return out;  // applied before
  if (!r.is_array() || r.elements.size() != 3) return Unexpected("efile_file", r);
  out.applied = true;
  out.vorgang = r.elements[0].str;
  out.documents_added = static_cast<int>(r.elements[1].integer);
  out.versions_added = static_cast<int>(r.elements[2].integer);
  return out;
}

absl::StatusOr<FileResult> Store::File(const Filing& filing, std::string_view inbox_key,
                                       std::string_view inbox_ttl, absl::Time now) {
  if (filing.item == nullptr) return absl::InvalidArgumentError("a filing needs its item");
  std::vector<std::string> shas;
  for (const DocumentToFile& d : filing.documents) {
    // The bytes are on disk before any record names them.
    absl::StatusOr<std::string> sha = blobs_.Put(d.bytes);
    if (!sha.ok()) return sha.status();
    shas.push_back(*std::move(sha));
  }
  absl::StatusOr<Reply> r =
      pool_.Eval(FileScript(), {std::string(inbox_key)}, FileArgs(filing, shas, inbox_ttl, now));
  if (!r.ok()) return r.status();
  return FileReply(*r);
}

std::vector<absl::StatusOr<FileResult>> Store::FileMany(const std::vector<Incoming>& batch,
                                                        absl::Time now) {
  std::vector<absl::StatusOr<FileResult>> out(batch.size(), absl::StatusOr<FileResult>(FileResult{}));
  std::vector<std::string_view> bytes;
  for (const Incoming& in : batch) {
    for (const DocumentToFile& d : in.filing->documents) bytes.push_back(d.bytes);
  }
  auto shas = blobs_.PutMany(bytes);
  if (!shas.ok()) {
    for (auto& o : out) o = shas.status();
    return out;
  }
  std::vector<platform::redis::ScriptCall> calls;
  size_t next = 0;
  for (const Incoming& in : batch) {
    std::vector<std::string> mine(shas->begin() + static_cast<long>(next),
                                  shas->begin() + static_cast<long>(next + in.filing->documents.size()));
    next += in.filing->documents.size();
    calls.push_back({{std::string(in.inbox_key)}, FileArgs(*in.filing, mine, in.inbox_ttl, now)});
  }
  auto replies = pool_.EvalMany(FileScript(), calls);
  if (!replies.ok()) {
    for (auto& o : out) o = replies.status();
    return out;
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!(*replies)[i].ok()) {
      out[i] = (*replies)[i].status();
    } else {
      out[i] = FileReply(*(*replies)[i]);
    }
  }
  return out;
}

v1::Vorgang Store::ToVorgang(std::string_view az, std::map<std::string, std::string> f) const {
  v1::Vorgang v;
  v.set_aktenzeichen(std::string(az));
  v.set_item(f["item"]);
  if (const AktenplanItem* item = plan_.Find(f["item"]); item != nullptr) {
    v.set_item_title(item->title);
  }
  v.set_akte(absl::StrCat(f["item"], "-", f["akte"]));
  v.set_subject(f["subject"]);
  v.set_source_service(f["service"]);
  v.set_source_id(f["source"]);
  v.set_department(f["dept"]);
  v.set_access_class(f["access"]);
  v.set_status(f["status"]);
  v.set_opened_at(f["opentime"]);
  v.set_closed_at(f["closetime"]);
  v.set_disposal_date(f["ddate"]);
  v.set_disposal(f["disposal"]);
  v.set_legal_hold(f["hold"] == "1");
  v.set_legal_hold_reason(f["holdreason"]);
  v.set_export_id(f["exported"]);
  v.set_document_count(static_cast<int32_t>(Int(f["docs"])));
  for (const auto& [k, value] : f) {
    if (absl::StartsWith(k, "stat:")) (*v.mutable_statistics())[k.substr(5)] = Int(value);
  }
  return v;
}

absl::StatusOr<v1::Vorgang> Store::GetVorgang(std::string_view aktenzeichen, bool with_documents) {
  auto az = ParseAktenzeichen(aktenzeichen);
  if (!az.ok() || az->dokument != 0) {
    return absl::InvalidArgumentError(
        "aktenzeichen: expected {item}-{Akte}.{Vorgang}, e.g. 20.30-1.4");
  }
  const std::string key = Key(absl::StrCat("v:", A(aktenzeichen)));
  auto r = pool_.Pipeline({{"HGETALL", key},
                           {"HGET", Key("akten"), absl::StrCat(az->item, "-", az->akte)}});
  if (!r.ok()) return r.status();
  if (!(*r)[0].ok()) return (*r)[0].status();
  std::map<std::string, std::string> f = ToMap(*(*r)[0]);
  if (f.empty()) return absl::NotFoundError(absl::StrCat("no Vorgang ", A(aktenzeichen)));
  v1::Vorgang v = ToVorgang(aktenzeichen, std::move(f));
  if ((*r)[1].ok()) v.set_akte_title((*r)[1]->str);
  if (!with_documents || v.document_count() == 0) return v;
  std::vector<std::vector<std::string>> commands;
  for (int k = 1; k <= v.document_count(); ++k) {
    commands.push_back({"HGETALL", Key(absl::StrCat("d:", A(aktenzeichen), "-", k))});
  }
  auto docs = pool_.Pipeline(commands);
  if (!docs.ok()) return docs.status();
  for (int k = 1; k <= v.document_count(); ++k) {
    const auto& reply = (*docs)[k - 1];
    if (!reply.ok()) return reply.status();
    std::map<std::string, std::string> d = ToMap(*reply);
    const std::string ver = d["ver"];
    v1::Document* doc = v.add_documents();
    doc->set_aktenzeichen(absl::StrCat(A(aktenzeichen), "-", k));
    doc->set_title(d["title"]);
    doc->set_kind(d["kind"]);
    doc->set_media_type(d["media"]);
    doc->set_sha256(d["sha:" + ver]);
    doc->set_size_bytes(Int(d["size:" + ver]));
    doc->set_filed_at(Rfc3339(absl::FromUnixMillis(Int(d["filed:" + ver]))));
    doc->set_version(static_cast<int32_t>(Int(ver)));
    doc->set_source_event_id(d["event:" + ver]);
    doc->set_disposed(d["disposed"] == "1");
  }
  return v;
}

absl::StatusOr<Store::Page> Store::List(const Query& query) {
  const std::string key = query.item.empty() ? Key("list") : Key(absl::StrCat("list:", query.item));
  // The page token: the highest score still to read and how many members of exactly that score
  // were returned already.
  int64_t max = std::numeric_limits<int64_t>::max(), skip = 0;
  if (!query.page_token.empty()) {
    std::vector<std::string> parts = absl::StrSplit(query.page_token, ':');
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &max) ||
        !absl::SimpleAtoi(parts[1], &skip) || skip < 0) {
      return platform::WithProblem(absl::InvalidArgumentError("pageToken: not a token of this list"),
                                   "invalid-page-token");
    }
  }
  const int64_t min = query.from ? absl::ToUnixMillis(*query.from) : 0;
  if (query.to) max = std::min(max, absl::ToUnixMillis(*query.to) - 1);
  const bool all = std::find(query.departments.begin(), query.departments.end(), "*") !=
                   query.departments.end();
  Page page;
  constexpr int kBatch = 200;
  constexpr int kMaxScan = 5000;  // a search reads at most this many Vorgänge per page
  int scanned = 0;
  int64_t cursor_score = max, cursor_skip = skip;
  while (static_cast<int>(page.files.size()) < query.page_size && scanned < kMaxScan) {
    auto r = pool_.Command({"ZREVRANGEBYSCORE", key, absl::StrCat(cursor_score), absl::StrCat(min),
                            "WITHSCORES", "LIMIT", absl::StrCat(cursor_skip),
                            absl::StrCat(kBatch)});
    if (!r.ok()) return r.status();
    if (r->elements.empty()) return page;  // the end: no token
    std::vector<std::pair<std::string, int64_t>> members;
    for (size_t i = 0; i + 1 < r->elements.size(); i += 2) {
      int64_t score = 0;
      absl::SimpleAtoi(r->elements[i + 1].str, &score);
      members.emplace_back(r->elements[i].str, score);
    }
    std::vector<std::vector<std::string>> commands;
    for (const auto& m : members) commands.push_back({"HGETALL", Key("v:" + m.first)});
    auto rows = pool_.Pipeline(commands);
    if (!rows.ok()) return rows.status();
    for (size_t i = 0; i < members.size(); ++i) {
      // Advance the cursor past this member.
      if (members[i].second == cursor_score) {
        ++cursor_skip;
      } else {
        cursor_score = members[i].second;
        cursor_skip = 1;
      }
      ++scanned;
      if (!(*rows)[i].ok()) return (*rows)[i].status();
      std::map<std::string, std::string> f = ToMap(*(*rows)[i]);
      if (f.empty()) continue;
      if (!all && std::find(query.departments.begin(), query.departments.end(), f["dept"]) ==
                      query.departments.end()) {
        continue;
      }
      if (!query.q.empty() && !absl::StartsWith(members[i].first, query.q) &&
          !absl::StrContains(absl::AsciiStrToLower(f["subject"]), absl::AsciiStrToLower(query.q)) &&
          f["source"] != query.q) {
        continue;
      }
      page.files.push_back(ToVorgang(members[i].first, std::move(f)));
      if (static_cast<int>(page.files.size()) == query.page_size) break;
    }
    if (static_cast<int>(members.size()) < kBatch &&
        static_cast<int>(page.files.size()) < query.page_size) {
      return page;  // read to the end
    }
  }
  page.next_page_token = absl::StrCat(cursor_score, ":", cursor_skip);
  return page;
}

absl::StatusOr<DocumentBytes> Store::ReadDocument(std::string_view aktenzeichen, int version,
                                                  std::string_view actor, absl::Time now) {
  auto az = ParseAktenzeichen(aktenzeichen);
  if (!az.ok() || az->dokument == 0) {
    return absl::InvalidArgumentError(
        "aktenzeichen: expected a document's {item}-{Akte}.{Vorgang}-{Dokument}, e.g. 20.30-1.4-2");
  }
  auto r = pool_.Command({"HGETALL", Key(absl::StrCat("d:", A(aktenzeichen)))});
  if (!r.ok()) return r.status();
  std::map<std::string, std::string> d = ToMap(*r);
  if (d.empty()) return absl::NotFoundError(absl::StrCat("no document ", A(aktenzeichen)));
  const int64_t newest = Int(d["ver"]);
  if (version < 0 || version > newest) {
    return absl::NotFoundError(absl::StrCat("document ", A(aktenzeichen), " has ", newest,
                                            " version(s)"));
  }
  const std::string ver = absl::StrCat(version == 0 ? newest : version);
  if (d["disposed"] == "1") {
    return platform::WithProblem(
        absl::FailedPreconditionError(absl::StrCat("document ", A(aktenzeichen),
                                                   " was disposed of under the Aktenplan")),
        "document-disposed");
  }
  DocumentBytes out;
  out.document.set_aktenzeichen(std::string(aktenzeichen));
  out.document.set_title(d["title"]);
  out.document.set_kind(d["kind"]);
  out.document.set_media_type(d["media"]);
  out.document.set_sha256(d["sha:" + ver]);
  out.document.set_size_bytes(Int(d["size:" + ver]));
  out.document.set_version(static_cast<int32_t>(Int(ver)));
  // The blob store checks the bytes against their name (DATA_LOSS when they were changed).
  absl::StatusOr<std::string> bytes = blobs_.Get(out.document.sha256());
  if (!bytes.ok()) {
    platform::log::Error("document unreadable", {{"aktenzeichen", std::string(aktenzeichen)},
                                                 {"error", bytes.status().ToString()}});
    return bytes.status();
  }
  out.bytes = *std::move(bytes);
  auto logged = pool_.Eval(ReadScript(), {},
                           {options_.key_prefix, outbox_.stream_key(), Rfc3339(now),
                            std::string(aktenzeichen), out.document.sha256(), std::string(actor)});
  if (!logged.ok()) return logged.status();  // no read without its audit entry
  return out;
}

absl::StatusOr<int> Store::CloseDays(absl::Time now) {
  const absl::CivilDay today = absl::ToCivilDay(now, berlin_);
  const int64_t today_num = today.year() * 10000 + today.month() * 100 + today.day();
  auto r = pool_.Command({"ZRANGEBYSCORE", Key("days"), "-inf", absl::StrCat("(", today_num),
                          "LIMIT", "0", "200"});
  if (!r.ok()) return r.status();
  int closed = 0;
  for (const Reply& m : r->elements) {
    auto v = GetVorgang(m.str, /*with_documents=*/false);
    if (!v.ok()) return v.status();
    const AktenplanItem* item = plan_.Find(v->item());
    if (item == nullptr) continue;
    const std::string& source = v->source_id();  // "<office>/<YYYY-MM-DD>"
    const std::string office = source.substr(0, source.rfind('/'));
    const std::string day = source.substr(source.rfind('/') + 1);
    // The day's statistics: compact JSON, counts by event type (sorted: the same counts give
    // the same bytes).
    std::map<std::string, int64_t> counts(v->statistics().begin(), v->statistics().end());
    std::string doc = "{\"office\":";
    platform::log::AppendJsonString(&doc, office);
    absl::StrAppend(&doc, ",\"day\":\"", day, "\",\"counts\":{");
    bool first = true;
    for (const auto& [type, n] : counts) {
      if (!first) doc += ",";
      first = false;
      platform::log::AppendJsonString(&doc, type);
      absl::StrAppend(&doc, ":", n);
    }
    doc += "}}\n";
    Filing filing;
    filing.service = v->source_service();
    filing.source_id = source;
    filing.item = item;
    filing.akte_group = office;
    filing.akte_title = office;
    filing.subject = v->subject();
    filing.close = true;
    filing.actor = "e-file:day-over";
    filing.documents.push_back({.title = absl::StrCat("Tagesstatistik ", day), .kind = "statistics",
                                .media_type = "application/json", .bytes = doc,
                                .source_event_id = ""});
    auto filed = File(filing, "", "", now);
    if (!filed.ok()) return filed.status();
    auto removed = pool_.Command({"ZREM", Key("days"), m.str});
    if (!removed.ok()) return removed.status();
    ++closed;
  }
  return closed;
}

absl::StatusOr<Store::Page> Store::ListDue(absl::CivilDay until, int offset, int page_size) {
  const std::string max = absl::StrCat(until.year() * 10000 + until.month() * 100 + until.day());
  Page page;
  int scanned = offset;
  // Held Vorgänge stay in the due set (released, they are due again): skip them here.
  while (static_cast<int>(page.files.size()) < page_size) {
    auto r = pool_.Command({"ZRANGEBYSCORE", Key("due"), "-inf", max, "LIMIT",
                            absl::StrCat(scanned), absl::StrCat(page_size)});
    if (!r.ok()) return r.status();
    if (r->elements.empty()) return page;
    std::vector<std::vector<std::string>> commands;
    for (const Reply& m : r->elements) commands.push_back({"HGETALL", Key("v:" + m.str)});
    auto rows = pool_.Pipeline(commands);
    if (!rows.ok()) return rows.status();
    for (size_t i = 0; i < r->elements.size(); ++i) {
      ++scanned;
      if (!(*rows)[i].ok()) return (*rows)[i].status();
      std::map<std::string, std::string> f = ToMap(*(*rows)[i]);
      if (f.empty() || f["hold"] == "1" || f["status"] != "CLOSED") continue;
      page.files.push_back(ToVorgang(r->elements[i].str, std::move(f)));
      if (static_cast<int>(page.files.size()) == page_size) break;
    }
    if (static_cast<int>(r->elements.size()) < page_size) return page;
  }
  page.next_page_token = absl::StrCat(scanned);
  return page;
}

absl::Status Store::SetHold(std::string_view aktenzeichen, bool hold, std::string_view reason,
                            std::string_view actor, absl::Time now) {
  auto r = pool_.Eval(HoldScript(), {},
                      {options_.key_prefix, outbox_.stream_key(), Rfc3339(now),
                       std::string(aktenzeichen), hold ? "1" : "0", std::string(reason),
                       std::string(actor)});
  if (!r.ok()) return r.status();
  if (r->is_array() && r->elements.size() == 2) {
    const std::string& problem = r->elements[1].str;
    if (problem == "not-found") {
      return absl::NotFoundError(absl::StrCat("no Vorgang ", A(aktenzeichen)));
    }
    return platform::WithProblem(
        absl::FailedPreconditionError(absl::StrCat("Vorgang ", A(aktenzeichen), ": ", problem)),
        problem);
  }
  return absl::OkStatus();
}

absl::Status Store::Dispose(std::string_view aktenzeichen, std::string_view decision,
                            std::string_view actor, absl::Time now) {
  const absl::CivilDay today = absl::ToCivilDay(now, berlin_);
  auto r = pool_.Eval(DisposeScript(), {},
                      {options_.key_prefix, outbox_.stream_key(), Rfc3339(now),
                       std::string(aktenzeichen),
                       absl::StrCat(today.year() * 10000 + today.month() * 100 + today.day()),
                       std::string(decision), std::string(actor), platform::crypto::NewUuid()});
  if (!r.ok()) return r.status();
  if (!r->is_array() || r->elements.empty()) return Unexpected("efile_dispose", *r);
  if (r->elements[0].str == "err") {
    const std::string problem = r->elements.size() > 1 ? r->elements[1].str : "failed-precondition";
    static const std::map<std::string, std::string> kWhy = {
        {"vorgang-open", "is still open: its source case has not ended"},
        {"vorgang-disposed", "was disposed of already"},
        {"legal-hold", "is under a legal hold: release it first"},
        {"retention-not-over", "has not reached its disposal date"},
        {"decision-required",
         "belongs to an item with Aussonderungsart B: decide \"destroy\" or \"archive\""},
        {"export-required",
         "goes to the archive: create its export package first (POST /api/v1/exports)"},
    };
    if (problem == "not-found") {
      return absl::NotFoundError(absl::StrCat("no Vorgang ", A(aktenzeichen)));
    }
    auto why = kWhy.find(problem);
    return platform::WithProblem(
        absl::FailedPreconditionError(absl::StrCat(
            "Vorgang ", A(aktenzeichen), " ",
            why == kWhy.end() ? problem : why->second)),
        problem);
  }
  // The content goes now; a blob that a new filing renewed in the last minutes stays for the
  // collector (another document with the same bytes may be about to name it).
  for (size_t i = 1; i < r->elements.size(); ++i) {
    auto removed = blobs_.Remove(r->elements[i].str, now - absl::Minutes(10));
    if (!removed.ok()) {
      platform::log::Error("disposed document's blob not removed; the collector will",
                           {{"aktenzeichen", std::string(aktenzeichen)},
                            {"error", removed.status().ToString()}});
    }
  }
  platform::log::Info("Vorgang disposed", {{"aktenzeichen", std::string(aktenzeichen)},
                                           {"blobs_removed", static_cast<int64_t>(r->elements.size() - 1)}});
  return absl::OkStatus();
}

absl::StatusOr<v1::Export> Store::CreateExport(const std::vector<std::string>& aktenzeichen,
                                               std::string_view authority,
                                               std::string_view actor, int64_t max_bytes,
                                               absl::Time now) {
  Abgabe abgabe{.id = platform::crypto::NewUuid(), .created = now,
                .authority = std::string(authority)};
  int64_t bytes = 0;
  int documents = 0;
  for (const std::string& az : aktenzeichen) {
    auto v = GetVorgang(az, /*with_documents=*/true);
    if (!v.ok()) return v.status();
    if (v->status() != "CLOSED") {
      const std::string problem = v->status() == "OPEN" ? "vorgang-open" : "vorgang-disposed";
      return platform::WithProblem(
          absl::FailedPreconditionError(absl::StrCat(
              "Vorgang ", az, problem == "vorgang-open" ? " is still open: only closed Vorgänge go to the archive"
                                                         : " was disposed of")),
          problem);
    }
    AbgabeVorgang out;
    out.aktenzeichen = v->aktenzeichen();
    out.item = v->item();
    out.item_title = v->item_title();
    out.akte = v->akte();
    out.akte_title = v->akte_title();
    out.subject = v->subject();
    out.source_service = v->source_service();
    out.source_id = v->source_id();
    out.department = v->department();
    out.access_class = v->access_class();
    out.opened_at = v->opened_at();
    out.closed_at = v->closed_at();
    out.disposal_date = v->disposal_date();
    out.disposal = v->disposal();
    for (const v1::Document& d : v->documents()) {
      auto content = blobs_.Get(d.sha256());
      if (!content.ok()) return content.status();  // DATA_LOSS: changed bytes never go out
      bytes += static_cast<int64_t>(content->size());
      if (bytes > max_bytes) {
        return absl::ResourceExhaustedError(absl::StrCat(
            "the package would hold more than ", max_bytes,
            " bytes of documents (RATHAUS_EFILE_EXPORT_MAX_BYTES): export fewer Vorgänge at once"));
      }
      out.documents.push_back({.aktenzeichen = d.aktenzeichen(), .title = d.title(),
                               .kind = d.kind(), .media_type = d.media_type(),
                               .filed_at = d.filed_at(), .sha256 = d.sha256(),
                               .version = d.version(), .bytes = *std::move(content)});
      ++documents;
    }
    abgabe.vorgaenge.push_back(std::move(out));
  }
  absl::StatusOr<std::string> zip = BuildAbgabe(abgabe);
  if (!zip.ok()) return zip.status();
  absl::StatusOr<std::string> sha = blobs_.Put(*zip);
  if (!sha.ok()) return sha.status();
  std::vector<std::string> argv = {options_.key_prefix, outbox_.stream_key(), Rfc3339(now),
                                   abgabe.id, *sha, absl::StrCat(zip->size()), std::string(actor),
                                   platform::crypto::NewUuid(),
                                   absl::StrCat(aktenzeichen.size())};
  argv.insert(argv.end(), aktenzeichen.begin(), aktenzeichen.end());
  auto r = pool_.Eval(ExportScript(), {}, std::move(argv));
  if (!r.ok()) return r.status();
  if (r->is_array() && r->elements.size() == 3) {
    return platform::WithProblem(
        absl::FailedPreconditionError(absl::StrCat("Vorgang ", r->elements[2].str,
                                                   " changed while the package was built")),
        r->elements[1].str);
  }
  v1::Export out;
  out.set_id(abgabe.id);
  out.set_sha256(*sha);
  out.set_size_bytes(static_cast<int64_t>(zip->size()));
  out.set_created_at(Rfc3339(now));
  for (const std::string& az : aktenzeichen) out.add_files(az);
  out.set_documents(documents);
  return out;
}

absl::StatusOr<std::string> Store::ExportZip(std::string_view id) {
  auto r = pool_.Command({"HGET", Key(absl::StrCat("export:", A(id))), "sha"});
  if (!r.ok()) return r.status();
  if (r->is_nil()) return absl::NotFoundError(absl::StrCat("no export ", A(id)));
  return blobs_.Get(r->str);
}

absl::StatusOr<std::vector<std::string>> Store::DueFetches(absl::Time now, int limit) {
  auto r = pool_.Command({"ZRANGEBYSCORE", Key("fetch"), "-inf", absl::StrCat(absl::ToUnixMillis(now)),
                          "LIMIT", "0", absl::StrCat(limit)});
  if (!r.ok()) return r.status();
  std::vector<std::string> out;
  for (const Reply& e : r->elements) out.push_back(e.str);
  return out;
}

absl::Status Store::FetchDone(const std::string& reference) {
  auto r = pool_.Pipeline({{"ZREM", Key("fetch"), reference}, {"HDEL", Key("fetch:tries"), reference}});
  return r.ok() ? absl::OkStatus() : r.status();
}

absl::Status Store::FetchLater(const std::string& reference, absl::Time now, bool permanent) {
  auto tries = pool_.Command({"HINCRBY", Key("fetch:tries"), reference, "1"});
  if (!tries.ok()) return tries.status();
  absl::Duration pause = absl::Hours(1);
  if (!permanent) {
    pause = absl::Seconds(5);
    for (int64_t k = 1; k < tries->integer && pause < absl::Hours(1); ++k) pause *= 2;
    pause = std::min(pause, absl::Hours(1));
  }
  auto r = pool_.Command({"ZADD", Key("fetch"), "XX", absl::StrCat(absl::ToUnixMillis(now + pause)),
                          reference});
  return r.ok() ? absl::OkStatus() : r.status();
}

absl::StatusOr<absl::flat_hash_set<std::string>> Store::BlobsInUse() {
  auto r = pool_.Command({"SMEMBERS", Key("blobs")});
  if (!r.ok()) return r.status();
  absl::flat_hash_set<std::string> out;
  for (const Reply& e : r->elements) out.insert(e.str);
  return out;
}

absl::StatusOr<uint64_t> Store::IntegratedSize() {
  auto r = pool_.Command({"GET", Key("audit:size")});
  if (!r.ok()) return r.status();
  return r->is_nil() ? 0 : static_cast<uint64_t>(Int(r->str));
}

absl::StatusOr<uint64_t> Store::SequencedSize() {
  auto r = pool_.Command({"LLEN", Key("audit:entries")});
  if (!r.ok()) return r.status();
  return static_cast<uint64_t>(r->integer);
}

absl::StatusOr<int64_t> Store::Integrate() {
  std::lock_guard<std::mutex> lock(integrate_mu_);
  auto sizes = pool_.Pipeline({{"GET", Key("audit:size")}, {"LLEN", Key("audit:entries")}});
  if (!sizes.ok()) return sizes.status();
  if (!(*sizes)[0].ok()) return (*sizes)[0].status();
  if (!(*sizes)[1].ok()) return (*sizes)[1].status();
  const uint64_t size = (*sizes)[0]->is_nil() ? 0 : static_cast<uint64_t>(Int((*sizes)[0]->str));
  const uint64_t sequenced = static_cast<uint64_t>((*sizes)[1]->integer);
  if (sequenced <= size) return 0;
  const uint64_t to =
      std::min<uint64_t>(sequenced, size + static_cast<uint64_t>(options_.integrate_batch));
  auto entries = pool_.Command({"LRANGE", Key("audit:entries"), absl::StrCat(size),
                                absl::StrCat(to - 1)});
  if (!entries.ok()) return entries.status();
  if (entries->elements.size() != to - size) return Unexpected("audit entries", *entries);
  nodes_->TakePending();
  merkle::Tree tree(*nodes_, size);
  std::vector<std::string> argv = {options_.key_prefix, outbox_.stream_key(), absl::StrCat(size),
                                   absl::StrCat(to)};
  std::vector<std::string> leaves;
  for (const Reply& e : entries->elements) {
    std::string leaf = merkle::LeafHash(e.str);
    leaves.push_back(platform::crypto::Hex(leaf));
    leaves.push_back(absl::StrCat(tree.Append(std::move(leaf))));
  }
  for (auto& [field, hash] : nodes_->TakePending()) {
    argv.push_back(field);
    argv.push_back(hash);
  }
  argv.push_back("--");
  argv.insert(argv.end(), leaves.begin(), leaves.end());
  auto r = pool_.Eval(IntegrateScript(), {}, std::move(argv));
  if (!r.ok()) return r.status();
  return r->integer == 1 ? static_cast<int64_t>(to - size) : 0;
}

absl::StatusOr<std::string> Store::Root(uint64_t size) {
  auto integrated = IntegratedSize();
  if (!integrated.ok()) return integrated.status();
  if (size > *integrated) {
    return absl::OutOfRangeError(absl::StrCat("the log has ", *integrated, " entries"));
  }
  return merkle::Tree(*nodes_, *integrated).Root(size);
}

absl::StatusOr<std::vector<std::string>> Store::InclusionProof(uint64_t index, uint64_t size) {
  auto integrated = IntegratedSize();
  if (!integrated.ok()) return integrated.status();
  if (size > *integrated) {
    return absl::OutOfRangeError(absl::StrCat("the log has ", *integrated, " entries"));
  }
  return merkle::Tree(*nodes_, *integrated).InclusionProof(index, size);
}

absl::StatusOr<std::vector<std::string>> Store::ConsistencyProof(uint64_t first, uint64_t second) {
  auto integrated = IntegratedSize();
  if (!integrated.ok()) return integrated.status();
  if (second > *integrated) {
    return absl::OutOfRangeError(absl::StrCat("the log has ", *integrated, " entries"));
  }
  return merkle::Tree(*nodes_, *integrated).ConsistencyProof(first, second);
}

absl::StatusOr<AuditEntryRecord> Store::Entry(uint64_t index) {
  auto r = pool_.Command({"LINDEX", Key("audit:entries"), absl::StrCat(index)});
  if (!r.ok()) return r.status();
  if (r->is_nil()) return absl::NotFoundError(absl::StrCat("no audit entry ", index));
  return AuditEntryRecord{index, r->str};
}

absl::StatusOr<uint64_t> Store::IndexOfLeaf(std::string_view leaf_hash) {
  auto r = pool_.Command({"HGET", Key("audit:byhash"), platform::crypto::Hex(leaf_hash)});
  if (!r.ok()) return r.status();
  if (r->is_nil()) return absl::NotFoundError("no integrated entry has this leaf hash");
  return static_cast<uint64_t>(Int(r->str));
}

absl::Status Store::SaveTreeHead(const v1::SignedTreeHead& sth) {
  auto r = pool_.Command({"SET", Key("audit:sth"), sth.SerializeAsString()});
  return r.ok() ? absl::OkStatus() : r.status();
}

absl::StatusOr<v1::SignedTreeHead> Store::LatestTreeHead() {
  auto r = pool_.Command({"GET", Key("audit:sth")});
  if (!r.ok()) return r.status();
  v1::SignedTreeHead sth;
  if (r->is_nil()) return absl::NotFoundError("no tree head signed yet");
  if (!sth.ParseFromString(r->str)) return absl::DataLossError("the stored tree head is damaged");
  return sth;
}

}  // namespace rathaus::efile
