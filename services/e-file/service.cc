#include "service.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "domain/merkle.h"
#include "shared/crypto/crypto.h"
#include "shared/grpc/status.h"
#include "shared/log/log.h"
#include "shared/status/problem.h"
#include "shared/text/text.h"

namespace rathaus::efile {
namespace {

constexpr char kRoles[] = "file-clerk archivist";
constexpr std::string_view kUnavailable = "the e-file is unavailable; try again shortly";

grpc::Status Answer(grpc::ServerContext* ctx, const absl::Status& s) {
  return platform::ToGrpcStatus(ctx, s, kUnavailable);
}

std::string ParentOf(const std::string& document_az) {
  return document_az.substr(0, document_az.rfind('-'));
}

// The members of an audit entry (compact JSON written by lua/lib.lua).
void Describe(const std::string& entry, v1::AuditEntry* out) {
  google::protobuf::Struct s;
  if (!google::protobuf::util::JsonStringToMessage(entry, &s).ok()) return;
  auto get = [&](const char* k) -> std::string {
    auto it = s.fields().find(k);
    return it == s.fields().end() ? "" : it->second.string_value();
  };
  out->set_action(get("action"));
  out->set_aktenzeichen(get("aktenzeichen"));
  out->set_sha256(get("sha256"));
  out->set_time(get("time"));
}

}  // namespace

absl::StatusOr<v1::Vorgang> EFileService::Visible(grpc::ServerContext* ctx, const std::string& az,
                                                  bool with_documents,
                                                  platform::auth::Caller* caller) {
  absl::StatusOr<platform::auth::Caller> c = callers_.Require(ctx, kRoles);
  if (!c.ok()) return c.status();
  auto v = store_.GetVorgang(az, with_documents);
  if (!v.ok()) return v.status();
  if (!c->MayAccess(v->department())) {
    return absl::NotFoundError(absl::StrCat("no Vorgang ", az));
  }
  *caller = *std::move(c);
  return v;
}

grpc::Status EFileService::ListFiles(grpc::ServerContext* ctx, const v1::ListFilesRequest* req,
                                     v1::ListFilesResponse* resp) {
  absl::StatusOr<platform::auth::Caller> caller = callers_.Require(ctx, kRoles);
  if (!caller.ok()) return Answer(ctx, caller.status());
  Store::Query q;
  q.q = std::string(absl::StripAsciiWhitespace(req->q()));
  if (q.q.size() > 200) return Answer(ctx, platform::InvalidField("q", "at most 200 characters"));
  q.item = req->item();
  if (!q.item.empty() && store_.plan().Find(q.item) == nullptr) {
    return Answer(ctx, platform::InvalidField(
                           "item", absl::StrCat("no item ", q.item, " in the Aktenplan")));
  }
  absl::TimeZone berlin;
  if (!absl::LoadTimeZone("Europe/Berlin", &berlin)) berlin = absl::UTCTimeZone();
  if (!req->from().empty()) {
    auto d = platform::text::ParseDate(req->from(), "from");
    if (!d.ok()) return Answer(ctx, d.status());
    q.from = absl::FromCivil(*d, berlin);
  }
  if (!req->to().empty()) {
    auto d = platform::text::ParseDate(req->to(), "to");
    if (!d.ok()) return Answer(ctx, d.status());
    q.to = absl::FromCivil(*d + 1, berlin);
  }
  if (q.from && q.to && *q.to <= *q.from) {
    return Answer(ctx, platform::InvalidField("to", "to must not be before from"));
  }
  if (req->page_size() < 0 || req->page_size() > 200) {
    return Answer(ctx, platform::InvalidField("pageSize", "1 to 200"));
  }
  q.page_size = req->page_size() == 0 ? 50 : req->page_size();
  q.page_token = req->page_token();
  q.departments = caller->scope;
  auto page = store_.List(q);
  if (!page.ok()) return Answer(ctx, page.status());
  for (v1::Vorgang& v : page->files) *resp->add_files() = std::move(v);
  resp->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

grpc::Status EFileService::GetFile(grpc::ServerContext* ctx, const v1::GetFileRequest* req,
                                   v1::Vorgang* resp) {
  platform::auth::Caller caller;
  auto v = Visible(ctx, req->aktenzeichen(), /*with_documents=*/true, &caller);
  if (!v.ok()) return Answer(ctx, v.status());
  *resp = *std::move(v);
  return grpc::Status::OK;
}

grpc::Status EFileService::GetDocumentContent(grpc::ServerContext* ctx,
                                              const v1::GetDocumentRequest* req,
                                              common::v1::File* resp) {
  auto az = ParseAktenzeichen(req->aktenzeichen());
  if (!az.ok() || az->dokument == 0) {
    return Answer(ctx, platform::InvalidField(
                           "aktenzeichen",
                           "expected a document's {item}-{Akte}.{Vorgang}-{Dokument}, e.g. 20.30-1.4-2"));
  }
  if (req->version() < 0) return Answer(ctx, platform::InvalidField("version", "1, 2, ..."));
  platform::auth::Caller caller;
  auto v = Visible(ctx, ParentOf(req->aktenzeichen()), /*with_documents=*/false, &caller);
  if (!v.ok()) return Answer(ctx, v.status());
  auto doc = store_.ReadDocument(req->aktenzeichen(), req->version(),
                                 absl::StrCat(caller.role, ":", caller.subject), absl::Now());
  if (!doc.ok()) return Answer(ctx, doc.status());
  platform::log::Info("document read", {{"aktenzeichen", req->aktenzeichen()},
                                        {"role", caller.role},
                                        {"sha256", doc->document.sha256()}});
  resp->set_content_type(doc->document.media_type());
  std::string name = req->aktenzeichen();
  const std::string& media = doc->document.media_type();
  const char* ext = media == "application/pdf"                ? ".pdf"
                    : media == "application/xml"              ? ".xml"
                    : media == "application/cloudevents+json" ? ".json"
                    : media == "application/json"             ? ".json"
                                                              : ".bin";
  resp->set_filename(absl::StrCat(name, ext));
  resp->set_content(std::move(doc->bytes));
  return grpc::Status::OK;
}

grpc::Status EFileService::ListDue(grpc::ServerContext* ctx, const v1::ListDueRequest* req,
                                   v1::ListFilesResponse* resp) {
  absl::StatusOr<platform::auth::Caller> caller = callers_.Require(ctx, "archivist");
  if (!caller.ok()) return Answer(ctx, caller.status());
  absl::TimeZone berlin;
  if (!absl::LoadTimeZone("Europe/Berlin", &berlin)) berlin = absl::UTCTimeZone();
  absl::CivilDay until = absl::ToCivilDay(absl::Now(), berlin);
  if (!req->until().empty()) {
    auto d = platform::text::ParseDate(req->until(), "until");
    if (!d.ok()) return Answer(ctx, d.status());
    until = *d;
  }
  auto page = platform::ParsePage(req->page_size(), req->page_token());
  if (!page.ok()) return Answer(ctx, page.status());
  auto due = store_.ListDue(until, page->offset, page->size);
  if (!due.ok()) return Answer(ctx, due.status());
  for (v1::Vorgang& v : due->files) *resp->add_files() = std::move(v);
  resp->set_next_page_token(due->next_page_token);
  return grpc::Status::OK;
}

grpc::Status EFileService::Hold(grpc::ServerContext* ctx, const v1::HoldFileRequest* req,
                                bool hold, v1::Vorgang* resp) {
  platform::auth::Caller caller;
  auto v = Visible(ctx, req->aktenzeichen(), /*with_documents=*/false, &caller);
  if (!v.ok()) return Answer(ctx, v.status());
  std::string reason;
  if (hold) {
    auto checked = platform::text::CheckMessage(req->reason(), "reason", 500);
    if (!checked.ok()) return Answer(ctx, checked.status());
    reason = *std::move(checked);
  } else if (!req->reason().empty()) {
    return Answer(ctx, platform::InvalidField("reason", "only a hold takes a reason"));
  }
  absl::Status s = store_.SetHold(req->aktenzeichen(), hold, reason,
                                  absl::StrCat(caller.role, ":", caller.subject), absl::Now());
  if (!s.ok()) return Answer(ctx, s);
  platform::log::Info(hold ? "legal hold set" : "legal hold released",
                      {{"aktenzeichen", req->aktenzeichen()}, {"role", caller.role}});
  auto after = store_.GetVorgang(req->aktenzeichen(), /*with_documents=*/true);
  if (!after.ok()) return Answer(ctx, after.status());
  *resp = *std::move(after);
  return grpc::Status::OK;
}

grpc::Status EFileService::HoldFile(grpc::ServerContext* ctx, const v1::HoldFileRequest* req,
                                    v1::Vorgang* resp) {
  return Hold(ctx, req, /*hold=*/true, resp);
}

grpc::Status EFileService::ReleaseHold(grpc::ServerContext* ctx, const v1::HoldFileRequest* req,
                                       v1::Vorgang* resp) {
  return Hold(ctx, req, /*hold=*/false, resp);
}

grpc::Status EFileService::DisposeFile(grpc::ServerContext* ctx,
                                       const v1::DisposeFileRequest* req, v1::Vorgang* resp) {
  absl::StatusOr<platform::auth::Caller> caller = callers_.Require(ctx, "archivist");
  if (!caller.ok()) return Answer(ctx, caller.status());
  if (!req->decision().empty() && req->decision() != "destroy" && req->decision() != "archive") {
    return Answer(ctx, platform::InvalidField("decision", "\"destroy\" or \"archive\""));
  }
  auto v = store_.GetVorgang(req->aktenzeichen(), /*with_documents=*/false);
  if (!v.ok()) return Answer(ctx, v.status());
  absl::Status s = store_.Dispose(req->aktenzeichen(), req->decision(),
                                  absl::StrCat(caller->role, ":", caller->subject), absl::Now());
  if (!s.ok()) return Answer(ctx, s);
  auto after = store_.GetVorgang(req->aktenzeichen(), /*with_documents=*/true);
  if (!after.ok()) return Answer(ctx, after.status());
  *resp = *std::move(after);
  return grpc::Status::OK;
}

grpc::Status EFileService::CreateExport(grpc::ServerContext* ctx,
                                        const v1::CreateExportRequest* req, v1::Export* resp) {
  absl::StatusOr<platform::auth::Caller> caller = callers_.Require(ctx, "archivist");
  if (!caller.ok()) return Answer(ctx, caller.status());
  if (req->files().empty() || req->files_size() > 1000) {
    return Answer(ctx, platform::InvalidField("files", "1 to 1000 Aktenzeichen of closed Vorgänge"));
  }
  std::vector<std::string> files;
  for (const std::string& az : req->files()) {
    auto parsed = ParseAktenzeichen(az);
    if (!parsed.ok() || parsed->dokument != 0) {
      return Answer(ctx, platform::InvalidField(
                             "files", absl::StrCat(az, " is not a Vorgang's Aktenzeichen ({item}-{Akte}.{Vorgang})")));
    }
    if (std::find(files.begin(), files.end(), az) != files.end()) {
      return Answer(ctx, platform::InvalidField("files", absl::StrCat(az, " is named twice")));
    }
    files.push_back(az);
  }
  auto exported = store_.CreateExport(files, options_.authority,
                                      absl::StrCat(caller->role, ":", caller->subject),
                                      options_.export_max_bytes, absl::Now());
  if (!exported.ok()) return Answer(ctx, exported.status());
  platform::log::Info("export package created", {{"export", exported->id()},
                                                 {"vorgaenge", exported->files_size()},
                                                 {"bytes", exported->size_bytes()}});
  *resp = *std::move(exported);
  return grpc::Status::OK;
}

grpc::Status EFileService::GetExport(grpc::ServerContext* ctx, const v1::GetExportRequest* req,
                                     common::v1::File* resp) {
  absl::StatusOr<platform::auth::Caller> caller = callers_.Require(ctx, "archivist");
  if (!caller.ok()) return Answer(ctx, caller.status());
  if (!platform::text::IsUuid(req->id())) {
    return Answer(ctx, platform::InvalidField("id", "an export id (UUID)"));
  }
  auto zip = store_.ExportZip(req->id());
  if (!zip.ok()) return Answer(ctx, zip.status());
  resp->set_content_type("application/zip");
  resp->set_filename(absl::StrCat("abgabe-", req->id(), ".zip"));
  resp->set_content(*std::move(zip));
  return grpc::Status::OK;
}

grpc::Status EFileService::GetTreeHead(grpc::ServerContext* ctx, const v1::GetTreeHeadRequest*,
                                       v1::SignedTreeHead* resp) {
  auto sth = store_.LatestTreeHead();
  if (!sth.ok()) {
    if (absl::IsNotFound(sth.status())) {
      return Answer(ctx, absl::UnavailableError("no tree head is signed yet"));
    }
    return Answer(ctx, sth.status());
  }
  *resp = *std::move(sth);
  return grpc::Status::OK;
}

grpc::Status EFileService::GetInclusionProof(grpc::ServerContext* ctx,
                                             const v1::GetInclusionProofRequest* req,
                                             v1::InclusionProof* resp) {
  uint64_t size = req->tree_size();
  if (size == 0) {
    auto sth = store_.LatestTreeHead();
    if (!sth.ok()) return Answer(ctx, absl::UnavailableError("no tree head is signed yet"));
    size = sth->tree_size();
  }
  uint64_t index = 0;
  const std::string& leaf = req->leaf();
  if (leaf.size() == 64) {
    auto bytes = platform::crypto::FromHex(absl::AsciiStrToLower(leaf));
    if (!bytes.ok()) return Answer(ctx, platform::InvalidField("leaf", "an index or 64 hex"));
    auto i = store_.IndexOfLeaf(*bytes);
    if (!i.ok()) return Answer(ctx, i.status());
    index = *i;
  } else if (leaf.empty() || leaf.size() > 19 || !absl::SimpleAtoi(leaf, &index) ||
             !std::all_of(leaf.begin(), leaf.end(), absl::ascii_isdigit)) {
    return Answer(ctx, platform::InvalidField(
                           "leaf", "the entry's index (0, 1, ...) or its leaf hash (64 hex)"));
  }
  if (index >= size) {
    return Answer(ctx, platform::InvalidField(
                           "leaf", absl::StrCat("entry ", index, " is not in the tree of ", size,
                                                " entries")));
  }
  auto entry = store_.Entry(index);
  if (!entry.ok()) return Answer(ctx, entry.status());
  auto proof = store_.InclusionProof(index, size);
  if (!proof.ok()) {
    if (absl::IsOutOfRange(proof.status())) {
      return Answer(ctx, platform::InvalidField("treeSize", std::string(proof.status().message())));
    }
    return Answer(ctx, proof.status());
  }
  resp->set_leaf_index(index);
  resp->set_tree_size(size);
  resp->set_leaf_hash(platform::crypto::Hex(merkle::LeafHash(entry->entry)));
  for (const std::string& p : *proof) resp->add_path(platform::crypto::Hex(p));
  return grpc::Status::OK;
}

grpc::Status EFileService::GetConsistencyProof(grpc::ServerContext* ctx,
                                               const v1::GetConsistencyProofRequest* req,
                                               v1::ConsistencyProof* resp) {
  if (req->from() == 0 || req->from() > req->to()) {
    return Answer(ctx, platform::InvalidField("from", "1 to `to`"));
  }
  auto proof = store_.ConsistencyProof(req->from(), req->to());
  auto root = store_.Root(req->from());
  if (!proof.ok() || !root.ok()) {
    const absl::Status s = proof.ok() ? root.status() : proof.status();
    if (absl::IsOutOfRange(s)) return Answer(ctx, platform::InvalidField("to", std::string(s.message())));
    return Answer(ctx, s);
  }
  resp->set_first(req->from());
  resp->set_second(req->to());
  resp->set_first_root(platform::crypto::Hex(*root));
  for (const std::string& p : *proof) resp->add_path(platform::crypto::Hex(p));
  return grpc::Status::OK;
}

grpc::Status EFileService::GetAuditEntry(grpc::ServerContext* ctx,
                                         const v1::GetAuditEntryRequest* req,
                                         v1::AuditEntry* resp) {
  absl::StatusOr<platform::auth::Caller> caller = callers_.Require(ctx, kRoles);
  if (!caller.ok()) return Answer(ctx, caller.status());
  uint64_t index = 0;
  if (req->index().empty() || req->index().size() > 19 ||
      !std::all_of(req->index().begin(), req->index().end(), absl::ascii_isdigit) ||
      !absl::SimpleAtoi(req->index(), &index)) {
    return Answer(ctx, platform::InvalidField("index", "the entry's index: 0, 1, ..."));
  }
  auto entry = store_.Entry(index);
  if (!entry.ok()) return Answer(ctx, entry.status());
  auto integrated = store_.IntegratedSize();
  if (!integrated.ok()) return Answer(ctx, integrated.status());
  resp->set_index(entry->index);
  resp->set_entry(entry->entry);
  resp->set_leaf_hash(platform::crypto::Hex(merkle::LeafHash(entry->entry)));
  resp->set_integrated(entry->index < *integrated);
  Describe(entry->entry, resp);
  return grpc::Status::OK;
}

}  // namespace rathaus::efile
