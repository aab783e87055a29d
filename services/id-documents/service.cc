#include "service.h"

#include <google/protobuf/util/json_util.h>

#include <optional>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "shared/crypto/crypto.h"
#include "shared/grpc/status.h"
#include "shared/log/log.h"
#include "shared/status/problem.h"
#include "shared/text/email.h"
#include "shared/text/text.h"

namespace rathaus::id_documents {
namespace {

namespace log = ::rathaus::platform::log;
using platform::InvalidField;
using platform::Traceparent;

// Updates handed to the store at a time from a stream (bounded memory for any stream length).
constexpr size_t kStreamChunk = 5000;
// From this many lines an NDJSON import is parsed by two threads.
constexpr size_t kParallelParseLines = 2000;

}  // namespace

grpc::Status ToGrpcStatus(grpc::ServerContextBase* ctx, const absl::Status& status) {
  return platform::ToGrpcStatus(ctx, status, "the id-documents store is unavailable");
}

IdDocumentsService::IdDocumentsService(Store& store, const platform::auth::CallerAuth& callers,
                                       ServiceOptions options)
    : store_(store),
      callers_(callers),
      options_(std::move(options)),
      lookups_(options_.lookup_threads) {}

std::string IdDocumentsService::Format(absl::Time t) const {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%S%Ez", t, options_.time_zone);
}

absl::Status IdDocumentsService::Integrator(grpc::ServerContext* ctx) const {
  auto caller = callers_.Require(ctx, "integrator");
  if (!caller.ok()) return caller.status();
  if (!caller->MayAccess(kStatusScope)) {
    return absl::PermissionDeniedError(
        absl::StrCat("the token needs the scope ", std::string(kStatusScope)));
  }
  return absl::OkStatus();
}

absl::StatusOr<platform::auth::Caller> IdDocumentsService::ClerkOf(grpc::ServerContext* ctx,
                                                                   const std::string& office) const {
  auto clerk = callers_.Require(ctx, "clerk");
  if (!clerk.ok()) return clerk.status();
  if (office.empty()) return InvalidField("office", "the office is required");
  if (!options_.offices.contains(office)) return absl::NotFoundError("office not found");
  if (!clerk->MayAccess(office)) {
    return absl::PermissionDeniedError("the clerk may not access this office");
  }
  return clerk;
}

void IdDocumentsService::ToProto(const ApplicationRecord& r, v1::Application* out) const {
  out->set_id(r.id);
  out->set_status(std::string(Name(r.status)));
  out->set_document_type(std::string(Name(r.type)));
  out->set_office(r.office);
  out->set_delivery(std::string(Name(r.delivery)));
  out->set_express(r.type == DocumentType::kExpressReisepass);
  out->set_pin_letter_sent(r.pin_letter_sent);
  out->set_created_at(Format(r.created_at));
  out->set_updated_at(Format(r.status_at));
  out->set_fee_cents(r.fee_cents);
  if (r.status == State::kReadyForPickup) out->set_pickup_code(r.pickup_code);
  out->set_old_document_invalidated(r.old_document_invalidated);
  out->set_handed_to_proxy(r.handed_to_proxy);
  out->set_address_sticker_due(r.address_sticker_due);
  if (r.address_sticker_due) out->set_address_sticker_since(Format(r.address_sticker_since));
}

grpc::Status IdDocumentsService::RegisterApplication(grpc::ServerContext* ctx,
                                                     const v1::RegisterApplicationRequest* req,
                                                     v1::Application* resp) {
  auto clerk = ClerkOf(ctx, req->office());
  if (!clerk.ok()) return ToGrpcStatus(ctx, clerk.status());
  auto serial = NormalizeSerial(req->serial());
  if (!serial.ok()) return ToGrpcStatus(ctx, InvalidField("serial", std::string(serial.status().message())));
  const auto type = ParseDocumentType(req->document_type());
  if (!type) {
    return ToGrpcStatus(ctx, InvalidField("documentType",
                                          "one of PERSONALAUSWEIS, REISEPASS, EXPRESS_REISEPASS, "
                                          "KINDERREISEPASS, EID_KARTE"));
  }
  auto birth = platform::text::ParseDate(req->birth_date(), "birthDate");
  if (!birth.ok()) return ToGrpcStatus(ctx, birth.status());
  const absl::CivilDay today = absl::ToCivilDay(options_.now(), options_.time_zone);
  if (*birth > today || AgeOn(*birth, today) > 130) {
    return ToGrpcStatus(ctx, InvalidField("birthDate", "not a possible birth date"));
  }
  const auto delivery = req->delivery().empty() ? std::optional<Delivery>(Delivery::kPickup)
                                                : ParseDelivery(req->delivery());
  if (!delivery) return ToGrpcStatus(ctx, InvalidField("delivery", "PICKUP or DIRECT_DELIVERY"));
  std::string email;
  if (!req->email().empty()) {
    auto checked = platform::text::CheckEmail(req->email());
    if (!checked.ok()) return ToGrpcStatus(ctx, checked.status());
    email = *checked;
  }
  if (!req->language().empty() && req->language() != "de" && req->language() != "en") {
    return ToGrpcStatus(ctx, InvalidField("language", "de or en"));
  }
  if (*delivery == Delivery::kDirectDelivery) {
    if (absl::Status s = CheckDirectDelivery(*type, *birth, today); !s.ok()) {
      return ToGrpcStatus(ctx, platform::WithProblem(s, "direct-delivery-not-allowed"));
    }
  }
  auto key = platform::IdempotencyKey(ctx);
  if (!key.ok()) return ToGrpcStatus(ctx, key.status());
  const CommandKey command = store_.Command(absl::StrCat("RegisterApplication|", clerk->subject),
                                            *key, req->SerializeAsString());
  auto app = store_.Register({.serial = *serial, .type = *type, .office = req->office(),
                              .birth = *birth, .delivery = *delivery, .email = email,
                              .language = req->language() == "en" ? "en" : "de"},
                             Traceparent(ctx), command);
  if (!app.ok()) return ToGrpcStatus(ctx, app.status());
  ToProto(*app, resp);
  log::Info("application registered", {{"application", app->id}, {"office", app->office}});
  return grpc::Status::OK;
}

absl::StatusOr<ImportLine> IdDocumentsService::ParseLine(const v1::StatusUpdate& u, int line) const {
  ImportLine out;
  out.line = line;
  auto serial = NormalizeSerial(u.serial());
  if (!serial.ok()) return absl::InvalidArgumentError(absl::StrCat("serial: ", serial.status().message()));
  out.serial = *serial;
  if (u.status() != kPinLetterSent && !ParseState(u.status())) {
    return absl::InvalidArgumentError(absl::StrCat("status: unknown state \"", u.status().substr(0, 40), "\""));
  }
  out.status = u.status();
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, u.at(), &out.at, &error)) {
    return absl::InvalidArgumentError("at: expected an RFC 3339 time such as 2026-12-01T09:00:00+01:00");
  }
  if (out.at > options_.now() + absl::Minutes(5)) {
    return absl::InvalidArgumentError("at: lies in the future");
  }
  return out;
}

grpc::Status IdDocumentsService::ImportStatusUpdates(grpc::ServerContext* ctx,
                                                     const v1::ImportStatusUpdatesRequest* req,
                                                     v1::ImportStatusUpdatesResponse* resp) {
  if (absl::Status s = Integrator(ctx); !s.ok()) return ToGrpcStatus(ctx, s);
  if (!req->content_type().empty() && req->content_type() != "application/x-ndjson") {
    return ToGrpcStatus(ctx, InvalidField("content_type", "expected application/x-ndjson"));
  }
  const std::vector<absl::string_view> texts = absl::StrSplit(req->content(), '\n');
  const int number = static_cast<int>(texts.size());
  // Lines [from, to) parsed into `lines` and `rejected`; a large import in two halves at once.
  struct Parsed {
    std::vector<ImportLine> lines;
    std::vector<std::pair<int, std::string>> rejected;
  };
  auto parse = [&](size_t from, size_t to, Parsed* out) {
    google::protobuf::util::JsonParseOptions strict;
    v1::StatusUpdate update;
    for (size_t k = from; k < to; ++k) {
      const int n = static_cast<int>(k) + 1;
      if (absl::StripAsciiWhitespace(texts[k]).empty()) continue;
      update.Clear();
      if (!google::protobuf::util::JsonStringToMessage({texts[k].data(), texts[k].size()}, &update, strict).ok()) {
        out->rejected.emplace_back(n, "not a JSON object {\"serial\",\"status\",\"at\"}");
        continue;
      }
      auto line = ParseLine(update, n);
      if (!line.ok()) {
        out->rejected.emplace_back(n, std::string(line.status().message()));
        continue;
      }
      out->lines.push_back(std::move(*line));
    }
  };
  Parsed first, second;
  const size_t half = texts.size() >= kParallelParseLines ? texts.size() / 2 : texts.size();
  {
    std::optional<std::thread> helper;
    if (half < texts.size()) helper.emplace(parse, half, texts.size(), &second);
    parse(0, half, &first);
    if (helper) helper->join();
  }
  std::vector<ImportLine> lines = std::move(first.lines);
  lines.insert(lines.end(), std::make_move_iterator(second.lines.begin()),
               std::make_move_iterator(second.lines.end()));
  std::vector<std::pair<int, std::string>> rejected = std::move(first.rejected);
  rejected.insert(rejected.end(), second.rejected.begin(), second.rejected.end());
  auto result = store_.Import(lines, Traceparent(ctx));
  if (!result.ok()) return ToGrpcStatus(ctx, result.status());
  rejected.insert(rejected.end(), result->rejected.begin(), result->rejected.end());
  std::sort(rejected.begin(), rejected.end());
  resp->set_accepted(result->accepted);
  resp->set_duplicates(result->duplicates);
  resp->set_stale(result->stale);
  for (const auto& [line, reason] : rejected) {
    v1::RejectedLine* r = resp->add_rejected();
    r->set_line(line);
    r->set_reason(reason);
  }
  log::Info("status import", {{"lines", number},
                              {"accepted", result->accepted},
                              {"duplicates", result->duplicates},
                              {"stale", result->stale},
                              {"rejected", static_cast<int64_t>(rejected.size())}});
  return grpc::Status::OK;
}

grpc::Status IdDocumentsService::StreamStatusUpdates(grpc::ServerContext* ctx,
                                                     grpc::ServerReader<v1::StatusUpdate>* reader,
                                                     v1::ImportStatusUpdatesResponse* resp) {
  if (absl::Status s = Integrator(ctx); !s.ok()) return ToGrpcStatus(ctx, s);
  ImportResult total;
  std::vector<ImportLine> chunk;
  int number = 0;
  auto flush = [&]() -> absl::Status {
    auto r = store_.Import(chunk, Traceparent(ctx));
    if (!r.ok()) return r.status();
    total.accepted += r->accepted;
    total.duplicates += r->duplicates;
    total.stale += r->stale;
    total.rejected.insert(total.rejected.end(), r->rejected.begin(), r->rejected.end());
    chunk.clear();
    return absl::OkStatus();
  };
  v1::StatusUpdate update;
  while (reader->Read(&update)) {
    auto line = ParseLine(update, ++number);
    if (!line.ok()) {
      total.rejected.emplace_back(number, std::string(line.status().message()));
      continue;
    }
    chunk.push_back(std::move(*line));
    if (chunk.size() >= kStreamChunk) {
      if (absl::Status s = flush(); !s.ok()) return ToGrpcStatus(ctx, s);
    }
  }
  if (absl::Status s = flush(); !s.ok()) return ToGrpcStatus(ctx, s);
  std::sort(total.rejected.begin(), total.rejected.end());
  resp->set_accepted(total.accepted);
  resp->set_duplicates(total.duplicates);
  resp->set_stale(total.stale);
  for (const auto& [line, reason] : total.rejected) {
    v1::RejectedLine* r = resp->add_rejected();
    r->set_line(line);
    r->set_reason(reason);
  }
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* IdDocumentsService::LookupStatus(grpc::CallbackServerContext* ctx,
                                                           const v1::LookupStatusRequest* req,
                                                           v1::LookupStatusResponse* resp) {
  return platform::RunOn(lookups_, ctx, [this, ctx, req, resp] { return Lookup(ctx, req, resp); });
}

grpc::Status IdDocumentsService::Lookup(grpc::ServerContextBase* ctx,
                                        const v1::LookupStatusRequest* req,
                                        v1::LookupStatusResponse* resp) {
  auto serial = NormalizeSerial(req->serial());
  if (!serial.ok()) return ToGrpcStatus(ctx, InvalidField("serial", std::string(serial.status().message())));
  auto birth = platform::text::ParseDate(req->birth_date(), "birthDate");
  if (!birth.ok()) return ToGrpcStatus(ctx, birth.status());
  auto app = store_.Lookup(*serial, *birth);
  if (!app.ok()) return ToGrpcStatus(ctx, app.status());
  resp->set_status(std::string(CitizenStatus(app->status)));
  resp->set_document_type(std::string(Name(app->type)));
  resp->set_office(app->office);
  resp->set_updated_at(Format(app->status_at));
  if (app->status == State::kReadyForPickup) resp->set_pickup_code(app->pickup_code);
  if (CitizenStatus(app->status) == "IN_BEARBEITUNG" && app->status != State::kReturnedToOffice) {
    const Estimate e = EstimateFor(options_.estimates, app->type);
    const absl::CivilDay applied = absl::ToCivilDay(app->created_at, options_.time_zone);
    resp->set_estimated_from(absl::FormatCivilTime(AddWorkingDays(applied, e.min_days)));
    resp->set_estimated_to(absl::FormatCivilTime(AddWorkingDays(applied, e.max_days)));
  }
  return grpc::Status::OK;
}

grpc::Status IdDocumentsService::ListOfficeApplications(
    grpc::ServerContext* ctx, const v1::ListOfficeApplicationsRequest* req,
    v1::ListOfficeApplicationsResponse* resp) {
  auto clerk = ClerkOf(ctx, req->office());
  if (!clerk.ok()) return ToGrpcStatus(ctx, clerk.status());
  if (!req->status().empty() && !ParseState(req->status())) {
    return ToGrpcStatus(ctx, InvalidField("status", "not a state of an application"));
  }
  auto page = platform::ParsePage(req->page_size(), req->page_token());
  if (!page.ok()) return ToGrpcStatus(ctx, page.status());
  const int offset = page->offset, size = page->size;
  int64_t total = 0;
  auto apps = store_.List(req->office(), req->status(), offset, size, &total);
  if (!apps.ok()) return ToGrpcStatus(ctx, apps.status());
  for (const ApplicationRecord& r : *apps) ToProto(r, resp->add_applications());
  if (offset + size < total) resp->set_next_page_token(absl::StrCat(offset + size));
  return grpc::Status::OK;
}

grpc::Status IdDocumentsService::GetApplicationNotice(grpc::ServerContext* ctx,
                                                      const v1::GetApplicationNoticeRequest* req,
                                                      v1::ApplicationNotice* resp) {
  // The notifications service only (issue 18), verified before the request is looked at.
  auto caller = callers_.Require(ctx, "integrator");
  if (!caller.ok()) return ToGrpcStatus(ctx, caller.status());
  if (!caller->MayAccess("id-documents:notify")) {
    return ToGrpcStatus(ctx, absl::PermissionDeniedError("this call needs the scope id-documents:notify"));
  }
  if (!platform::text::IsUuid(req->id())) {
    return ToGrpcStatus(ctx, absl::NotFoundError("application not found"));
  }
  auto app = store_.Get(req->id());
  if (!app.ok()) return ToGrpcStatus(ctx, app.status());
  auto email = store_.NotificationEmail(req->id());
  if (!email.ok()) return ToGrpcStatus(ctx, email.status());
  auto language = store_.NotificationLanguage(req->id());
  if (!language.ok()) return ToGrpcStatus(ctx, language.status());
  ToProto(*app, resp->mutable_application());
  resp->set_email(*email);
  resp->set_language(*language);
  return grpc::Status::OK;
}

grpc::Status IdDocumentsService::HandOver(grpc::ServerContext* ctx, const v1::HandOverRequest* req,
                                          v1::Application* resp) {
  // Authentication before anything else, so an anonymous caller learns nothing about ids.
  auto caller = callers_.Require(ctx, "clerk");
  if (!caller.ok()) return ToGrpcStatus(ctx, caller.status());
  if (!platform::text::IsUuid(req->id())) return ToGrpcStatus(ctx, absl::NotFoundError("application not found"));
  auto current = store_.Get(req->id());
  if (!current.ok()) return ToGrpcStatus(ctx, current.status());
  auto clerk = ClerkOf(ctx, current->office);
  if (absl::IsPermissionDenied(clerk.status())) {
    // Another office's application answers like an unknown id.
    return ToGrpcStatus(ctx, absl::NotFoundError("application not found"));
  }
  if (!clerk.ok()) return ToGrpcStatus(ctx, clerk.status());
  std::optional<ProxyPerson> proxy;
  if (req->has_proxy()) {
    const v1::Proxy& p = req->proxy();
    auto checked = platform::text::CheckPersonName(p.name(), "proxy.name", 200);
    if (!checked.ok()) return ToGrpcStatus(ctx, checked.status());
    const std::string& name = *checked;
    auto birth = platform::text::ParseDate(p.birth_date(), "proxy.birthDate");
    if (!birth.ok()) return ToGrpcStatus(ctx, birth.status());
    const absl::CivilDay today = absl::ToCivilDay(options_.now(), options_.time_zone);
    if (AgeOn(*birth, today) < 16) {
      return ToGrpcStatus(ctx, platform::WithProblem(
          absl::FailedPreconditionError("an authorised person must be at least 16 years old"),
          "proxy-not-allowed"));
    }
    if (!p.authorisation()) {
      return ToGrpcStatus(ctx, platform::WithProblem(
          absl::FailedPreconditionError("an authorised person needs a written authorisation"),
          "proxy-not-allowed"));
    }
    proxy = ProxyPerson{name, *birth};
  }
  auto key = platform::IdempotencyKey(ctx);
  if (!key.ok()) return ToGrpcStatus(ctx, key.status());
  const CommandKey command = store_.Command(absl::StrCat("HandOver|", clerk->subject), *key,
                                            req->SerializeAsString());
  auto done = store_.HandOver(req->id(), req->old_document_invalidated(), proxy, Traceparent(ctx),
                              command);
  if (!done.ok()) return ToGrpcStatus(ctx, done.status());
  ToProto(*done, resp);
  log::Info("document handed over", {{"application", done->id}, {"office", done->office},
                                     {"proxy", proxy.has_value()}});
  return grpc::Status::OK;
}

grpc::Status IdDocumentsService::ListAddressStickers(grpc::ServerContext* ctx,
                                                     const v1::ListOfficeApplicationsRequest* req,
                                                     v1::ListOfficeApplicationsResponse* resp) {
  auto clerk = ClerkOf(ctx, req->office());
  if (!clerk.ok()) return ToGrpcStatus(ctx, clerk.status());
  if (!req->status().empty()) {
    return ToGrpcStatus(ctx, InvalidField("status", "not a filter of this list"));
  }
  auto page = platform::ParsePage(req->page_size(), req->page_token());
  if (!page.ok()) return ToGrpcStatus(ctx, page.status());
  const int offset = page->offset, size = page->size;
  int64_t total = 0;
  auto apps = store_.ListAddressStickers(req->office(), offset, size, &total);
  if (!apps.ok()) return ToGrpcStatus(ctx, apps.status());
  for (const ApplicationRecord& r : *apps) ToProto(r, resp->add_applications());
  if (offset + size < total) resp->set_next_page_token(absl::StrCat(offset + size));
  return grpc::Status::OK;
}

grpc::Status IdDocumentsService::ConfirmAddressSticker(grpc::ServerContext* ctx,
                                                       const v1::ConfirmAddressStickerRequest* req,
                                                       v1::Application* resp) {
  auto caller = callers_.Require(ctx, "clerk");
  if (!caller.ok()) return ToGrpcStatus(ctx, caller.status());
  if (!platform::text::IsUuid(req->id())) {
    return ToGrpcStatus(ctx, absl::NotFoundError("application not found"));
  }
  auto current = store_.Get(req->id());
  if (!current.ok()) return ToGrpcStatus(ctx, current.status());
  auto clerk = ClerkOf(ctx, current->office);
  if (absl::IsPermissionDenied(clerk.status())) {
    return ToGrpcStatus(ctx, absl::NotFoundError("application not found"));
  }
  if (!clerk.ok()) return ToGrpcStatus(ctx, clerk.status());
  auto done = store_.ConfirmAddressSticker(req->id());
  if (!done.ok()) return ToGrpcStatus(ctx, done.status());
  ToProto(*done, resp);
  log::Info("address sticker done", {{"application", done->id}, {"office", done->office}});
  return grpc::Status::OK;
}

}  // namespace rathaus::id_documents
