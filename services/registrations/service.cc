#include "service.h"

#include <google/protobuf/timestamp.pb.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "domain/document.h"
#include "domain/rueckmeldung.h"
#include "domain/rules.h"
#include "rathaus/registrations/v1/events.pb.h"
#include "shared/crypto/crypto.h"
#include "shared/grpc/status.h"
#include "shared/log/log.h"
#include "shared/status/problem.h"
#include "shared/text/email.h"
#include "shared/text/text.h"

namespace rathaus::registrations {
namespace {

namespace log = ::rathaus::platform::log;
using platform::InvalidField;
using platform::Traceparent;

constexpr int kMaxPersons = 12;

const std::set<std::string>& Statuses() {
  static const std::set<std::string> s = {"SUBMITTED", "INFORMATION_REQUESTED",
                                          "CODE_LETTER_SENT", "ACCEPTED", "REJECTED"};
  return s;
}
const std::vector<std::string> kOpen = {"SUBMITTED", "INFORMATION_REQUESTED", "CODE_LETTER_SENT"};

// A line of an address: like a name (no control or bidi characters), up to 120 characters.
absl::StatusOr<std::string> CheckLine(const std::string& raw, std::string_view field) {
  if (absl::StripAsciiWhitespace(raw).empty()) return InvalidField(field, "is required");
  return platform::text::CheckPersonName(raw, field, 120);
}

bool IsGermany(const v1::Address& a) { return a.country().empty() || a.country() == "DE"; }

absl::Status CheckAddress(const v1::Address& a, const std::string& field) {
  if (auto s = CheckLine(a.street(), field + ".street"); !s.ok()) return s.status();
  if (auto s = CheckLine(a.city(), absl::StrCat(field, ".city")); !s.ok()) return s.status();
  if (!a.country().empty() &&
      (a.country().size() != 2 || !absl::ascii_isupper(static_cast<unsigned char>(a.country()[0])) ||
       !absl::ascii_isupper(static_cast<unsigned char>(a.country()[1])))) {
    return InvalidField(absl::StrCat(field, ".country"), "an ISO 3166-1 alpha-2 code, e.g. DE");
  }
  const std::string& plz = a.postal_code();
  if (IsGermany(a)) {
    if (plz.size() != 5 || !std::all_of(plz.begin(), plz.end(), absl::ascii_isdigit)) {
      return InvalidField(absl::StrCat(field, ".postalCode"), "5 digits in Germany");
    }
  } else if (plz.size() > 12) {
    return InvalidField(absl::StrCat(field, ".postalCode"), "at most 12 characters");
  }
  const std::string& ags = a.municipality_key();
  if (!ags.empty() && (ags.size() != 8 || !std::all_of(ags.begin(), ags.end(), absl::ascii_isdigit))) {
    return InvalidField(absl::StrCat(field, ".municipalityKey"),
                        "the Amtlicher Gemeindeschlüssel: 8 digits");
  }
  return absl::OkStatus();
}

// Cases that move a person into a dwelling need the landlord's confirmation (§19 BMG).
bool NeedsLandlord(CaseType type) {
  return type == CaseType::kAnmeldung || type == CaseType::kUmmeldung ||
         type == CaseType::kNebenwohnung;
}

void SetTimestamp(absl::Time t, google::protobuf::Timestamp* out) {
  const int64_t ns = absl::ToUnixNanos(t);
  out->set_seconds(ns / 1000000000);
  out->set_nanos(static_cast<int32_t>(ns % 1000000000));
}

// `length` characters without look-alikes (no 0/O, 1/I/L, U/V): 10 give about 2^48 codes. The
// alphabet is appointments' booking-code alphabet (its entitlement codes have 8).
std::string NewCode(size_t length = 10) {
  static constexpr std::string_view kAlphabet = "23456789ABCDEFGHJKMNPQRSTWXYZ";
  const std::string random = platform::crypto::RandomBytes(length);
  std::string code;
  for (unsigned char c : random) code.push_back(kAlphabet[c % kAlphabet.size()]);
  return code;
}

std::vector<std::string> Blocks(const v1::SubmitRegistrationRequest& data) {
  std::vector<std::string> out;
  for (const v1::PersonInput& p : data.persons()) out.push_back(p.block());
  return out;
}

bool IsCode(std::string_view code) {
  static constexpr std::string_view kAlphabet = "23456789ABCDEFGHJKMNPQRSTWXYZ";
  if (code.size() != 10) return false;
  for (char c : code) {
    if (kAlphabet.find(c) == std::string_view::npos) return false;
  }
  return true;
}

}  // namespace

grpc::Status ToGrpcStatus(grpc::ServerContext* ctx, const absl::Status& status) {
  return platform::ToGrpcStatus(ctx, status, "the registrations store is unavailable");
}

RegistrationsService::RegistrationsService(Store& store, const platform::auth::CallerAuth& callers,
                                           ServiceOptions options)
    : store_(store), callers_(callers), options_(std::move(options)) {}

std::string RegistrationsService::Format(absl::Time t) const {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%S%Ez", t, options_.time_zone);
}

std::string RegistrationsService::BookingLink(const std::string& office,
                                              const std::string& counter_code) const {
  // The code rides in the fragment, which browsers never send to a server.
  return absl::StrCat(options_.public_url, "/termin?office=", office,
                      "&service=", options_.booking_service, ":1",
                      counter_code.empty() ? "" : "#vorsprache=", counter_code);
}

void RegistrationsService::ToProto(const CaseRecord& r, Viewer viewer,
                                   v1::Registration* out) const {
  out->set_id(r.id);
  out->set_type(r.type);
  out->set_status(r.status);
  out->set_office(r.office);
  out->set_move_date(r.move);
  out->set_due_date(r.due);
  out->set_overdue(r.overdue);
  out->set_submitted_at(Format(r.submitted));
  out->set_updated_at(Format(r.updated));
  if (viewer == Viewer::kClerk && !r.claimed_by.empty()) {
    out->set_claimed_by(r.claimed_by);
    out->set_claim_expires_at(Format(r.claim_until));
  }
  if (viewer == Viewer::kClerk) out->set_first_approval_by(r.first_approval);
  out->set_information_request(r.info_request);
  out->set_answer(r.answer);
  out->set_rejection_reason(r.rejection_reason);
  if (r.status == "REJECTED") {
    out->set_booking_link(BookingLink(r.office, r.counter_code));
    out->set_counter_code(r.counter_code);
  }
  out->set_confirmation(r.confirmation);
  out->set_code_letter_sent(r.letter_sent);
  out->set_code_confirmed(r.code_confirmed);
  out->set_code_letter_void(r.code_letter_void);
  out->set_rueckmeldung_due(r.rueckmeldung_due);
  v1::SubmitRegistrationRequest data;
  if (data.ParseFromString(r.data)) {
    out->set_new_address_city(data.new_address().city());
    // Citizens see the persons without a §51/§52 block only, numbered without gaps; clerks all.
    std::vector<int> shown;
    if (viewer == Viewer::kCitizen) {
      shown = VisiblePersons(Blocks(data));
    } else {
      for (int i = 0; i < data.persons_size(); ++i) shown.push_back(i);
    }
    for (size_t k = 0; k < shown.size(); ++k) {
      const int i = shown[k];
      const v1::PersonInput& p = data.persons(i);
      v1::Person* person = out->add_persons();
      person->set_number(viewer == Viewer::kCitizen ? static_cast<int>(k) + 1 : i + 1);
      if (viewer == Viewer::kClerk) person->set_block(p.block());
      person->set_family_name(p.family_name());
      person->set_given_names(p.given_names());
      person->set_doctoral_degree(p.doctoral_degree());
      person->set_birth_date(p.birth_date());
      person->set_dwelling(p.dwelling().empty() ? "HAUPTWOHNUNG" : p.dwelling());
      if (static_cast<size_t>(i) < r.certificate_codes.size()) {
        person->set_certificate_code(r.certificate_codes[i]);
      }
    }
  }
}

grpc::Status RegistrationsService::SubmitRegistration(grpc::ServerContext* ctx,
                                                      const v1::SubmitRegistrationRequest* req,
                                                      v1::Registration* resp) {
  auto citizen = Citizen(ctx);
  if (!citizen.ok()) return ToGrpcStatus(ctx, citizen.status());
  const auto type = ParseCaseType(req->type());
  if (!type) {
    return ToGrpcStatus(ctx, InvalidField("type", "ANMELDUNG, UMMELDUNG, ABMELDUNG, NEBENWOHNUNG "
                                                  "or HAUPTWOHNUNG"));
  }
  if (!options_.offices.contains(req->office())) {
    return ToGrpcStatus(ctx, InvalidField("office", "not a registration office of the city"));
  }
  if (!req->language().empty() && req->language() != "de" && req->language() != "en") {
    return ToGrpcStatus(ctx, InvalidField("language", "de or en"));
  }
  auto move = platform::text::ParseDate(req->move_date(), "moveDate");
  if (!move.ok()) return ToGrpcStatus(ctx, move.status());
  const absl::CivilDay today = absl::ToCivilDay(options_.now(), options_.time_zone);
  std::optional<absl::CivilDay> until;
  if (!req->stay_until().empty()) {
    auto u = platform::text::ParseDate(req->stay_until(), "stayUntil");
    if (!u.ok()) return ToGrpcStatus(ctx, u.status());
    until = *u;
  }
  if (*type != CaseType::kAbmeldung) {
    if (absl::Status s = CheckStay(*move, until, req->registered_in_germany()); !s.ok()) {
      return ToGrpcStatus(ctx, s);
    }
  }
  auto deadline = CheckDeadline(*type, *move, today);
  if (!deadline.ok()) return ToGrpcStatus(ctx, deadline.status());

  // Addresses: the new dwelling (abroad for an Abmeldung), the previous one for moving in.
  if (!req->has_new_address()) return ToGrpcStatus(ctx, InvalidField("newAddress", "is required"));
  if (absl::Status s = CheckAddress(req->new_address(), "newAddress"); !s.ok()) {
    return ToGrpcStatus(ctx, s);
  }
  if (*type == CaseType::kAbmeldung && IsGermany(req->new_address())) {
    return ToGrpcStatus(ctx, InvalidField("newAddress.country",
                                          "an Abmeldung is for moving abroad: the country of the "
                                          "new address; a move within Germany is registered at "
                                          "the new municipality"));
  }
  if (*type != CaseType::kAbmeldung && !IsGermany(req->new_address())) {
    return ToGrpcStatus(ctx, InvalidField("newAddress.country", "the dwelling must be in Germany"));
  }
  if (*type == CaseType::kAnmeldung || *type == CaseType::kUmmeldung) {
    if (!req->has_previous_address()) {
      return ToGrpcStatus(ctx, InvalidField("previousAddress", "is required when moving in"));
    }
    if (absl::Status s = CheckAddress(req->previous_address(), "previousAddress"); !s.ok()) {
      return ToGrpcStatus(ctx, s);
    }
  }

  // Persons.
  if (req->persons_size() == 0) return ToGrpcStatus(ctx, InvalidField("persons", "at least one person"));
  if (req->persons_size() > kMaxPersons) {
    return ToGrpcStatus(ctx, InvalidField("persons", absl::StrCat("at most ", kMaxPersons)));
  }
  v1::SubmitRegistrationRequest data = *req;
  std::string email;
  if (!req->email().empty()) {
    auto checked = platform::text::CheckEmail(req->email());
    if (!checked.ok()) return ToGrpcStatus(ctx, checked.status());
    email = *checked;
  }
  data.clear_email();  // stored apart, for a shorter time
  std::vector<Person> household;
  for (int i = 0; i < req->persons_size(); ++i) {
    const std::string at = absl::StrCat("persons[", i, "]");
    v1::PersonInput* p = data.mutable_persons(i);
    auto family = platform::text::CheckPersonName(p->family_name(), at + ".familyName", 120);
    if (!family.ok()) return ToGrpcStatus(ctx, family.status());
    auto given = platform::text::CheckPersonName(p->given_names(), at + ".givenNames", 120);
    if (!given.ok()) return ToGrpcStatus(ctx, given.status());
    if (family->empty()) return ToGrpcStatus(ctx, InvalidField(at + ".familyName", "is required"));
    p->set_family_name(*family);
    p->set_given_names(*given);
    if (!p->doctoral_degree().empty()) {
      auto degree = platform::text::CheckPersonName(p->doctoral_degree(), at + ".doctoralDegree", 40);
      if (!degree.ok()) return ToGrpcStatus(ctx, degree.status());
      p->set_doctoral_degree(*degree);
    }
    auto birth = platform::text::ParseDate(p->birth_date(), at + ".birthDate");
    if (!birth.ok()) return ToGrpcStatus(ctx, birth.status());
    if (p->nationalities_size() == 0) {
      return ToGrpcStatus(ctx, InvalidField(at + ".nationalities", "at least one (ISO 3166-1 alpha-2)"));
    }
    for (const std::string& n : p->nationalities()) {
      if (n.size() != 2 || !absl::ascii_isupper(static_cast<unsigned char>(n[0])) ||
          !absl::ascii_isupper(static_cast<unsigned char>(n[1]))) {
        return ToGrpcStatus(ctx, InvalidField(at + ".nationalities", "ISO 3166-1 alpha-2 codes, e.g. DE"));
      }
    }
    if (!p->dwelling().empty() && p->dwelling() != "HAUPTWOHNUNG" && p->dwelling() != "NEBENWOHNUNG") {
      return ToGrpcStatus(ctx, InvalidField(at + ".dwelling", "HAUPTWOHNUNG or NEBENWOHNUNG"));
    }
    if (p->other_hauptwohnungen() < 0 || p->other_hauptwohnungen() > 5) {
      return ToGrpcStatus(ctx, InvalidField(at + ".otherHauptwohnungen", "0 to 5"));
    }
    if (!ParseBlock(p->block())) {
      return ToGrpcStatus(ctx, InvalidField(at + ".block", "AUSKUNFTSSPERRE, BEDINGTER_SPERRVERMERK or empty"));
    }
    if (p->id_document_serials_size() > 4) {
      return ToGrpcStatus(ctx, InvalidField(at + ".idDocumentSerials", "at most 4"));
    }
    for (int k = 0; k < p->id_document_serials_size(); ++k) {
      auto serial = id_documents::NormalizeSerial(p->id_document_serials(k));
      if (!serial.ok()) {
        return ToGrpcStatus(ctx, InvalidField(absl::StrCat(at, ".idDocumentSerials[", k, "]"),
                                              "not a serial number of an ID document"));
      }
      p->set_id_document_serials(k, *serial);
    }
    Person person;
    person.name = absl::StrCat("persons[", i, "]");
    person.birth = *birth;
    // An Abmeldung gives a dwelling up; its persons' Hauptwohnung is then abroad.
    person.hauptwohnung = *type == CaseType::kAbmeldung || p->dwelling() != "NEBENWOHNUNG";
    person.other_hauptwohnungen = *type == CaseType::kAbmeldung ? 0 : p->other_hauptwohnungen();
    household.push_back(person);
  }
  if (absl::Status s = CheckHousehold(household, today); !s.ok()) return ToGrpcStatus(ctx, s);

  // The landlord's confirmation (§19), exactly one way, when moving in.
  const int ways = (req->has_landlord() ? 1 : 0) + (req->landlord_code().empty() ? 0 : 1) +
                   (req->code_letter() ? 1 : 0);
  std::string confirmation;
  if (NeedsLandlord(*type)) {
    if (ways != 1) {
      return ToGrpcStatus(ctx, platform::WithProblem(
          InvalidField("landlord", "§19 BMG: the landlord's confirmation (Wohnungsgeberbestätigung) "
                                   "is needed: give exactly one of landlord, landlordCode or "
                                   "codeLetter"),
          "bmg-19-confirmation"));
    }
    if (req->has_landlord()) {
      auto name = platform::text::CheckPersonName(req->landlord().name(), "landlord.name", 200);
      if (!name.ok()) return ToGrpcStatus(ctx, name.status());
      if (name->empty()) return ToGrpcStatus(ctx, InvalidField("landlord.name", "is required"));
      if (absl::Status s = CheckAddress(req->landlord().address(), "landlord.address"); !s.ok()) {
        return ToGrpcStatus(ctx, s);
      }
      if (!req->landlord().owner_name().empty()) {
        auto owner = platform::text::CheckPersonName(req->landlord().owner_name(), "landlord.ownerName", 200);
        if (!owner.ok()) return ToGrpcStatus(ctx, owner.status());
      }
      auto moved_in = platform::text::ParseDate(req->landlord().move_in_date(), "landlord.moveInDate");
      if (!moved_in.ok()) return ToGrpcStatus(ctx, moved_in.status());
      if (*moved_in != *move) {
        return ToGrpcStatus(ctx, InvalidField("landlord.moveInDate",
                                              "differs from moveDate: the landlord confirms the "
                                              "day you moved in"));
      }
      confirmation = "LANDLORD";
    } else if (!req->landlord_code().empty()) {
      const std::string& code = req->landlord_code();
      if (code.size() < 6 || code.size() > 40 ||
          !std::all_of(code.begin(), code.end(), [](char c) {
            return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-';
          })) {
        return ToGrpcStatus(ctx, InvalidField("landlordCode", "6 to 40 letters, digits and -"));
      }
      confirmation = "LANDLORD_CODE";
    } else {
      confirmation = "CODE_LETTER";
    }
  } else if (ways != 0) {
    return ToGrpcStatus(ctx, InvalidField("landlord", "only when moving into a dwelling"));
  }

  CaseRecord record;
  record.id = platform::crypto::NewUuid();
  record.type = std::string(Name(*type));
  record.office = req->office();
  record.owner = store_.OwnerOf(citizen->subject);
  record.move = absl::FormatCivilTime(*move);
  record.due = absl::FormatCivilTime(deadline->due);
  record.overdue = deadline->overdue;
  record.submitted = options_.now();
  record.confirmation = confirmation;
  record.data = data.SerializeAsString();
  record.email = email;

  v1::RegistrationSubmitted event;
  event.set_registration_id(record.id);
  event.set_type(record.type);
  event.set_office(record.office);
  SetTimestamp(record.submitted, event.mutable_submitted_at());
  event.set_due_date(record.due);
  event.set_overdue(record.overdue);
  // The count of the persons the household may see (a block must not show, not even as a number).
  event.set_persons(static_cast<int32_t>(VisiblePersons(Blocks(data)).size()));
  auto key = platform::IdempotencyKey(ctx);
  if (!key.ok()) return ToGrpcStatus(ctx, key.status());
  const CommandKey command =
      store_.Command(absl::StrCat("Submit|", record.owner), *key, req->SerializeAsString());
  auto stored = store_.Submit(record, store_.outbox().NewEvent(record.id, event, Traceparent(ctx)),
                              command);
  if (!stored.ok()) return ToGrpcStatus(ctx, stored.status());
  ToProto(*stored, Viewer::kCitizen, resp);
  log::Info("registration submitted", {{"registration", stored->id}, {"type", stored->type},
                                       {"office", stored->office}, {"overdue", stored->overdue}});
  return grpc::Status::OK;
}

absl::StatusOr<platform::auth::Caller> RegistrationsService::Citizen(
    grpc::ServerContext* ctx) const {
  auto citizen = callers_.Require(ctx, "citizen");
  if (!citizen.ok()) return citizen.status();
  if (!options_.citizen_acr.empty() && !options_.citizen_acr.contains(citizen->acr)) {
    return platform::WithProblem(
        absl::PermissionDeniedError(
            "sign in with your online ID (eID, level hoch) to register a move"),
        "sign-in-level-too-low");
  }
  return citizen;
}

absl::StatusOr<CaseRecord> RegistrationsService::OwnCase(grpc::ServerContext* ctx,
                                                         const std::string& id,
                                                         std::string* owner) const {
  auto citizen = Citizen(ctx);
  if (!citizen.ok()) return citizen.status();
  if (!platform::text::IsUuid(id)) return absl::NotFoundError("registration not found");
  auto c = store_.Get(id);
  if (!c.ok()) return c.status();
  *owner = store_.OwnerOf(citizen->subject);
  if (c->owner != *owner) return absl::NotFoundError("registration not found");
  return c;
}

absl::StatusOr<CaseRecord> RegistrationsService::ClerkCase(grpc::ServerContext* ctx,
                                                           const std::string& id,
                                                           platform::auth::Caller* clerk) const {
  auto caller = callers_.Require(ctx, "registration-clerk");
  if (!caller.ok()) return caller.status();
  *clerk = *caller;
  if (!platform::text::IsUuid(id)) return absl::NotFoundError("registration not found");
  auto c = store_.Get(id);
  if (!c.ok()) return c.status();
  if (!clerk->MayAccess(c->office)) return absl::NotFoundError("registration not found");
  return c;
}

grpc::Status RegistrationsService::GetRegistration(grpc::ServerContext* ctx,
                                                   const v1::GetRegistrationRequest* req,
                                                   v1::Registration* resp) {
  std::string owner;
  auto c = OwnCase(ctx, req->id(), &owner);
  if (!c.ok()) return ToGrpcStatus(ctx, c.status());
  ToProto(*c, Viewer::kCitizen, resp);
  return grpc::Status::OK;
}

grpc::Status RegistrationsService::ListMyRegistrations(grpc::ServerContext* ctx,
                                                       const v1::ListMyRegistrationsRequest* req,
                                                       v1::ListMyRegistrationsResponse* resp) {
  auto citizen = Citizen(ctx);  // the sign-in level too, as for a single case
  if (!citizen.ok()) return ToGrpcStatus(ctx, citizen.status());
  auto page = platform::ParsePage(req->page_size(), req->page_token(), 20, 100);
  if (!page.ok()) return ToGrpcStatus(ctx, page.status());
  int64_t total = 0;
  auto cases = store_.ListOwn(store_.OwnerOf(citizen->subject), page->offset, page->size, &total);
  if (!cases.ok()) return ToGrpcStatus(ctx, cases.status());
  for (const CaseRecord& r : *cases) ToProto(r, Viewer::kCitizen, resp->add_registrations());
  if (page->offset + page->size < total) {
    resp->set_next_page_token(absl::StrCat(page->offset + page->size));
  }
  return grpc::Status::OK;
}

grpc::Status RegistrationsService::AnswerRegistration(grpc::ServerContext* ctx,
                                                      const v1::AnswerRegistrationRequest* req,
                                                      v1::Registration* resp) {
  std::string owner;
  auto c = OwnCase(ctx, req->id(), &owner);
  if (!c.ok()) return ToGrpcStatus(ctx, c.status());
  auto message = platform::text::CheckMessage(req->message(), "message");
  if (!message.ok()) return ToGrpcStatus(ctx, message.status());
  Change change;
  change.mode = Change::Mode::kOwner;
  change.actor = owner;
  change.allowed = {"INFORMATION_REQUESTED"};
  change.new_status = "SUBMITTED";
  change.fields = {{"answer", *message}, {"approved1", ""}};
  auto done = store_.Apply(c->id, change);
  if (!done.ok()) return ToGrpcStatus(ctx, done.status());
  ToProto(*done, Viewer::kCitizen, resp);
  log::Info("registration answered", {{"registration", done->id}});
  return grpc::Status::OK;
}

grpc::Status RegistrationsService::ConfirmCode(grpc::ServerContext* ctx,
                                               const v1::ConfirmCodeRequest* req,
                                               v1::Registration* resp) {
  std::string owner;
  auto c = OwnCase(ctx, req->id(), &owner);
  if (!c.ok()) return ToGrpcStatus(ctx, c.status());
  const std::string code = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(req->code()));
  if (!IsCode(code)) return ToGrpcStatus(ctx, InvalidField("code", "the 10 characters of the letter"));
  auto done = store_.ConfirmCode(c->id, owner, code);
  if (!done.ok()) return ToGrpcStatus(ctx, done.status());
  ToProto(*done, Viewer::kCitizen, resp);
  log::Info("registration code confirmed", {{"registration", done->id}});
  return grpc::Status::OK;
}

grpc::Status RegistrationsService::GetCertificate(grpc::ServerContext* ctx,
                                                  const v1::GetCertificateRequest* req,
                                                  rathaus::common::v1::File* resp) {
  std::string owner;
  auto c = OwnCase(ctx, req->id(), &owner);
  if (!c.ok()) return ToGrpcStatus(ctx, c.status());
  // The citizen's numbering skips persons with a §51/§52 block: their certificate goes by letter.
  v1::SubmitRegistrationRequest data;
  int number = 0;
  if (c->status != "ACCEPTED" || !data.ParseFromString(c->data) ||
      !absl::SimpleAtoi(req->person(), &number) || number < 1) {
    return ToGrpcStatus(ctx, absl::NotFoundError("no such certificate"));
  }
  const std::vector<int> visible = VisiblePersons(Blocks(data));
  if (static_cast<size_t>(number) > visible.size() ||
      static_cast<size_t>(visible[number - 1]) >= c->certificate_codes.size()) {
    return ToGrpcStatus(ctx, absl::NotFoundError("no such certificate"));
  }
  const int person = visible[number - 1] + 1;
  auto pdf = store_.Certificate(c->id, person);
  if (!pdf.ok()) return ToGrpcStatus(ctx, pdf.status());
  resp->set_content_type("application/pdf");
  resp->set_filename(absl::StrCat("meldebestaetigung-", number, ".pdf"));
  resp->set_content(*std::move(pdf));
  return grpc::Status::OK;
}

grpc::Status RegistrationsService::GetCertificateForClerk(grpc::ServerContext* ctx,
                                                          const v1::GetCertificateRequest* req,
                                                          rathaus::common::v1::File* resp) {
  platform::auth::Caller clerk;
  absl::StatusOr<CaseRecord> c;
  // The e-file files the certificates (issue 17): a service token of role integrator with the
  // scope registrations:read reads them, of every office, and nothing else.
  auto service = callers_.Require(ctx, "registration-clerk integrator");
  if (service.ok() && service->role == "integrator") {
    if (!service->MayAccess("registrations:read")) {
      return ToGrpcStatus(ctx, absl::PermissionDeniedError("this call needs the scope registrations:read"));
    }
    clerk = *service;
    c = platform::text::IsUuid(req->id()) ? store_.Get(req->id())
                                          : absl::NotFoundError("registration not found");
  } else {
    c = ClerkCase(ctx, req->id(), &clerk);
  }
  if (!c.ok()) return ToGrpcStatus(ctx, c.status());
  int person = 0;
  if (c->status != "ACCEPTED" || !absl::SimpleAtoi(req->person(), &person) || person < 1 ||
      static_cast<size_t>(person) > c->certificate_codes.size()) {
    return ToGrpcStatus(ctx, absl::NotFoundError("no such certificate"));
  }
  auto pdf = store_.Certificate(c->id, person);
  if (!pdf.ok()) return ToGrpcStatus(ctx, pdf.status());
  resp->set_content_type("application/pdf");
  resp->set_filename(absl::StrCat("meldebestaetigung-", person, ".pdf"));
  resp->set_content(*std::move(pdf));
  log::Info("certificate printed by a clerk", {{"registration", c->id}, {"person", person},
                                               {"clerk", clerk.subject}});
  return grpc::Status::OK;
}

grpc::Status RegistrationsService::VerifyCertificate(grpc::ServerContext* ctx,
                                                     const v1::VerifyCertificateRequest* req,
                                                     v1::VerifyCertificateResponse* resp) {
  const std::string code = absl::AsciiStrToUpper(req->code());
  if (!IsCode(code)) return ToGrpcStatus(ctx, InvalidField("code", "the 10 characters printed on the certificate"));
  auto v = store_.Verify(code);
  if (absl::IsNotFound(v.status())) {
    resp->set_issued(false);
    return grpc::Status::OK;
  }
  if (!v.ok()) return ToGrpcStatus(ctx, v.status());
  resp->set_issued(true);
  resp->set_sha256(v->sha256);
  resp->set_issued_at(Format(v->issued));
  resp->set_office(v->office);
  return grpc::Status::OK;
}

grpc::Status RegistrationsService::ListOfficeRegistrations(
    grpc::ServerContext* ctx, const v1::ListOfficeRegistrationsRequest* req,
    v1::ListOfficeRegistrationsResponse* resp) {
  auto clerk = callers_.Require(ctx, "registration-clerk");
  if (!clerk.ok()) return ToGrpcStatus(ctx, clerk.status());
  if (!clerk->MayAccess(req->office())) {
    return ToGrpcStatus(ctx, absl::PermissionDeniedError("not a clerk of this office"));
  }
  if (!req->status().empty() && !Statuses().contains(req->status()) &&
      req->status() != "RUECKMELDUNG_OVERDUE") {
    return ToGrpcStatus(ctx, InvalidField("status", absl::StrCat("one of ", absl::StrJoin(Statuses(), ", "))));
  }
  auto page = platform::ParsePage(req->page_size(), req->page_token());
  if (!page.ok()) return ToGrpcStatus(ctx, page.status());
  const int offset = page->offset, size = page->size;
  int64_t total = 0;
  auto cases = req->status() == "RUECKMELDUNG_OVERDUE"
                   ? store_.ListRueckmeldungOverdue(req->office(), offset, size, &total)
                   : store_.List(req->office(), req->status(), offset, size, &total);
  if (!cases.ok()) return ToGrpcStatus(ctx, cases.status());
  for (const CaseRecord& r : *cases) ToProto(r, Viewer::kClerk, resp->add_registrations());
  if (offset + size < total) resp->set_next_page_token(absl::StrCat(offset + size));
  return grpc::Status::OK;
}

grpc::Status RegistrationsService::ClerkStep(grpc::ServerContext* ctx, const std::string& name,
                                             const v1::ClerkActionRequest* req,
                                             const platform::auth::Caller& clerk, Change change,
                                             v1::Registration* resp) {
  auto key = platform::IdempotencyKey(ctx);
  if (!key.ok()) return ToGrpcStatus(ctx, key.status());
  const CommandKey command = store_.Command(absl::StrCat(name, "|", clerk.subject), *key,
                                            req->SerializeAsString());
  auto done = store_.Apply(req->id(), change, command);
  if (!done.ok()) return ToGrpcStatus(ctx, done.status());
  ToProto(*done, Viewer::kClerk, resp);
  log::Info(absl::StrCat("registration ", name), {{"registration", done->id},
                                                 {"office", done->office},
                                                 {"status", done->status}});
  return grpc::Status::OK;
}

grpc::Status RegistrationsService::ClaimRegistration(grpc::ServerContext* ctx,
                                                     const v1::ClerkActionRequest* req,
                                                     v1::Registration* resp) {
  platform::auth::Caller clerk;
  auto c = ClerkCase(ctx, req->id(), &clerk);
  if (!c.ok()) return ToGrpcStatus(ctx, c.status());
  v1::RegistrationClaimed event;
  event.set_registration_id(c->id);
  event.set_office(c->office);
  SetTimestamp(options_.now(), event.mutable_claimed_at());
  Change change;
  change.mode = Change::Mode::kClaim;
  change.actor = clerk.subject;
  change.allowed = kOpen;
  change.events.push_back(store_.outbox().NewEvent(c->id, event, Traceparent(ctx)));
  return ClerkStep(ctx, "claimed", req, clerk, std::move(change), resp);
}

grpc::Status RegistrationsService::RequestInformation(grpc::ServerContext* ctx,
                                                      const v1::ClerkActionRequest* req,
                                                      v1::Registration* resp) {
  platform::auth::Caller clerk;
  auto c = ClerkCase(ctx, req->id(), &clerk);
  if (!c.ok()) return ToGrpcStatus(ctx, c.status());
  auto message = platform::text::CheckMessage(req->message(), "message");
  if (!message.ok()) return ToGrpcStatus(ctx, message.status());
  v1::InformationRequested event;
  event.set_registration_id(c->id);
  event.set_office(c->office);
  SetTimestamp(options_.now(), event.mutable_requested_at());
  Change change;
  change.mode = Change::Mode::kClerk;
  change.actor = clerk.subject;
  change.allowed = {"SUBMITTED"};
  change.new_status = "INFORMATION_REQUESTED";
  change.fields = {{"info", *message}, {"answer", ""}, {"approved1", ""}};
  change.events.push_back(store_.outbox().NewEvent(c->id, event, Traceparent(ctx)));
  return ClerkStep(ctx, "information requested", req, clerk, std::move(change), resp);
}

grpc::Status RegistrationsService::SendCodeLetter(grpc::ServerContext* ctx,
                                                  const v1::ClerkActionRequest* req,
                                                  v1::Registration* resp) {
  platform::auth::Caller clerk;
  auto c = ClerkCase(ctx, req->id(), &clerk);
  if (!c.ok()) return ToGrpcStatus(ctx, c.status());
  const auto type = ParseCaseType(c->type);
  if (!type || !NeedsLandlord(*type)) {
    return ToGrpcStatus(ctx, platform::WithProblem(
        absl::FailedPreconditionError("a code letter confirms moving into a dwelling; this case "
                                      "does not need one"),
        "registration-not-in-this-state"));
  }
  // The letter's code goes into this answer once (for the letter) and is kept only as a hash.
  // A replayed request would need the code again: this step takes no Idempotency-Key.
  const std::string code = NewCode();
  Change change;
  change.mode = Change::Mode::kClerk;
  change.actor = clerk.subject;
  change.allowed = {"SUBMITTED"};
  change.new_status = "CODE_LETTER_SENT";
  change.fields = {{"codeh", store_.options().data_keys->Lookup(
                                  absl::StrCat("letter:", c->id, ":", code))},
                   {"codetries", "0"},
                   {"letter", "1"},
                   {"confirmed", "0"},
                   {"confirmation", "CODE_LETTER"}};
  auto done = store_.Apply(c->id, change);
  if (!done.ok()) return ToGrpcStatus(ctx, done.status());
  ToProto(*done, Viewer::kClerk, resp);
  resp->set_letter_code(code);
  log::Info("registration code letter", {{"registration", done->id}, {"office", done->office}});
  return grpc::Status::OK;
}

grpc::Status RegistrationsService::RejectRegistration(grpc::ServerContext* ctx,
                                                      const v1::ClerkActionRequest* req,
                                                      v1::Registration* resp) {
  platform::auth::Caller clerk;
  auto c = ClerkCase(ctx, req->id(), &clerk);
  if (!c.ok()) return ToGrpcStatus(ctx, c.status());
  auto message = platform::text::CheckMessage(req->message(), "message");
  if (!message.ok()) return ToGrpcStatus(ctx, message.status());
  v1::RegistrationRejected event;
  event.set_registration_id(c->id);
  event.set_office(c->office);
  SetTimestamp(options_.now(), event.mutable_rejected_at());
  event.set_booking_office(c->office);
  event.set_booking_service(options_.booking_service);
  const std::string counter_code = NewCode(8);
  event.set_counter_code(counter_code);
  Change change;
  change.mode = Change::Mode::kClerk;
  change.actor = clerk.subject;
  change.allowed = kOpen;
  change.new_status = "REJECTED";
  change.fields = {{"reason", *message}, {"codeh", ""}, {"counter", counter_code}};
  change.timers.emplace_back(absl::StrCat("purge|", c->id), options_.now() + options_.retention);
  change.timers.emplace_back(absl::StrCat("email|", c->id), options_.now() + options_.email_retention);
  change.events.push_back(store_.outbox().NewEvent(c->id, event, Traceparent(ctx)));
  return ClerkStep(ctx, "rejected", req, clerk, std::move(change), resp);
}

absl::StatusOr<Change> RegistrationsService::AcceptChange(const CaseRecord& c,
                                                          const std::string& traceparent) const {
  v1::SubmitRegistrationRequest data;
  if (!data.ParseFromString(c.data)) {
    return absl::DataLossError(absl::StrCat("registration ", c.id, " is malformed"));
  }
  const auto type = ParseCaseType(c.type);
  if (!type) return absl::DataLossError(absl::StrCat("registration ", c.id, " is malformed"));
  if (c.confirmation == "CODE_LETTER" && !c.code_confirmed) {
    return platform::WithProblem(
        absl::FailedPreconditionError(
            c.letter_sent ? "the citizen has not confirmed the letter's code yet"
                          : "the citizen chose the code letter: send it first"),
        "confirmation-missing");
  }
  const absl::Time now = options_.now();
  const absl::CivilDay today = absl::ToCivilDay(now, options_.time_zone);
  absl::CivilDay moved;
  if (!absl::ParseCivilTime(c.move, &moved)) return absl::DataLossError("bad move date");
  Change change;
  std::vector<std::string> codes;
  const v1::Address& address = data.new_address();
  for (int i = 0; i < data.persons_size(); ++i) {
    const v1::PersonInput& p = data.persons(i);
    CertificateData d;
    d.family_name = p.family_name();
    d.given_names = p.given_names();
    d.doctoral_degree = p.doctoral_degree();
    if (!absl::ParseCivilTime(p.birth_date(), &d.birth)) return absl::DataLossError("bad birth date");
    d.street = address.street();
    d.postal_code_city = absl::StrCat(address.postal_code(), " ", address.city());
    d.country = IsGermany(address) ? "" : address.country();
    d.move_out = *type == CaseType::kAbmeldung;
    d.moved = moved;
    if (!d.move_out) d.dwelling = p.dwelling() == "NEBENWOHNUNG" ? "Nebenwohnung" : "Hauptwohnung";
    d.registered = absl::ToCivilDay(c.submitted, options_.time_zone);  // the day it was made
    d.authority = absl::StrCat(options_.authority, ", Meldebehörde (", c.office, ")");
    d.code = NewCode();
    d.verify_url = absl::StrCat(options_.public_url, "/api/v1/registrations/certificates/", d.code);
    d.issued = now;
    auto pdf = RenderCertificate(d, *options_.font);
    if (!pdf.ok()) return pdf.status();
    change.certificates.push_back({.code = d.code,
                                   .person = i + 1,
                                   .sha256 = platform::crypto::Hex(platform::crypto::Sha256(*pdf)),
                                   .pdf = *std::move(pdf)});
    codes.push_back(d.code);
  }
  change.fields.emplace_back("certs", absl::StrJoin(codes, ","));
  change.fields.emplace_back("codeh", "");

  v1::RegistrationAccepted accepted;
  accepted.set_registration_id(c.id);
  accepted.set_type(c.type);
  accepted.set_office(c.office);
  SetTimestamp(now, accepted.mutable_accepted_at());
  accepted.set_certificates(static_cast<int32_t>(codes.size()));
  for (const Change::Certificate& cert : change.certificates) accepted.add_certificate_sha256(cert.sha256);
  change.events.push_back(store_.outbox().NewEvent(c.id, accepted, traceparent));

  v1::AddressChanged moved_event;
  moved_event.set_registration_id(c.id);
  moved_event.set_office(c.office);
  moved_event.set_municipality_key(IsGermany(address) ? options_.municipality_key : "");
  moved_event.set_moved_on(c.move);
  for (const v1::PersonInput& p : data.persons()) {
    for (const std::string& serial : p.id_document_serials()) {
      moved_event.add_id_document_hashes(store_.SerialHash(serial));
    }
  }
  change.events.push_back(store_.outbox().NewEvent(c.id, moved_event, traceparent));

  // §33(1): an Anmeldung from another German municipality is reported back to it.
  const v1::Address& previous = data.previous_address();
  if (*type == CaseType::kAnmeldung && IsGermany(previous) && !previous.municipality_key().empty() &&
      previous.municipality_key() != options_.municipality_key) {
    const std::string due = absl::FormatCivilTime(RueckmeldungDue(today));
    change.fields.emplace_back("rueck", due);
    Rueckmeldung message;
    message.message_id = platform::crypto::NewUuid();
    message.created = now;
    message.sender_name = options_.authority;
    message.sender_key = options_.municipality_key;
    message.recipient_key = previous.municipality_key();
    message.registration_id = c.id;
    message.due = RueckmeldungDue(today);
    message.moved_in = moved;
    message.registered = absl::ToCivilDay(c.submitted, options_.time_zone);
    message.new_address = {address.street(), address.postal_code(), address.city(),
                           options_.municipality_key};
    message.previous_address = {previous.street(), previous.postal_code(), previous.city(),
                                previous.municipality_key()};
    for (const v1::PersonInput& p : data.persons()) {
      absl::CivilDay birth;
      if (!absl::ParseCivilTime(p.birth_date(), &birth)) return absl::DataLossError("bad birth date");
      message.persons.push_back({p.family_name(), p.given_names(), p.doctoral_degree(), birth,
                                 p.dwelling().empty() ? "HAUPTWOHNUNG" : p.dwelling(), p.block()});
    }
    change.rueckmeldung = Change::Export{previous.municipality_key(), due, RueckmeldungXml(message)};
    // Overdue once the due day has ended in Kiel without an integrator having fetched it.
    change.timers.emplace_back(absl::StrCat("rueck|", c.id),
                               absl::FromCivil(absl::CivilSecond(message.due + 1), options_.time_zone));
    v1::RueckmeldungDue rueck;
    rueck.set_registration_id(c.id);
    rueck.set_previous_municipality_key(previous.municipality_key());
    rueck.set_due_date(due);
    change.events.push_back(store_.outbox().NewEvent(c.id, rueck, traceparent));
  }
  return change;
}

grpc::Status RegistrationsService::AcceptRegistration(grpc::ServerContext* ctx,
                                                      const v1::ClerkActionRequest* req,
                                                      v1::Registration* resp) {
  platform::auth::Caller clerk;
  auto c = ClerkCase(ctx, req->id(), &clerk);
  if (!c.ok()) return ToGrpcStatus(ctx, c.status());
  if (c->status != "SUBMITTED") {
    return ToGrpcStatus(ctx, platform::WithProblem(
        absl::FailedPreconditionError(absl::StrCat("not possible while the registration is ", c->status)),
        "registration-not-in-this-state"));
  }
  // Four eyes for an Anmeldung from abroad (when configured): the first accept is an approval.
  v1::SubmitRegistrationRequest data;
  const bool from_abroad = c->type == "ANMELDUNG" && data.ParseFromString(c->data) &&
                           data.has_previous_address() && !IsGermany(data.previous_address());
  if (options_.four_eyes_abroad && from_abroad) {
    if (c->first_approval == clerk.subject) {
      return ToGrpcStatus(ctx, platform::WithProblem(
          absl::PermissionDeniedError("four eyes: another clerk must accept this Anmeldung from abroad"),
          "four-eyes"));
    }
    if (c->first_approval.empty()) {
      if (c->confirmation == "CODE_LETTER" && !c->code_confirmed) {
        return ToGrpcStatus(ctx, platform::WithProblem(
            absl::FailedPreconditionError("the citizen has not confirmed the letter's code yet"),
            "confirmation-missing"));
      }
      Change approval;
      approval.mode = Change::Mode::kClerk;
      approval.actor = clerk.subject;
      approval.allowed = {"SUBMITTED"};
      approval.expected_version = c->version;
      // The claim ends with the approval: the second clerk claims next.
      approval.fields = {{"approved1", clerk.subject}, {"claim_until", "0"}};
      return ClerkStep(ctx, "approved (first of two)", req, clerk, std::move(approval), resp);
    }
  }
  auto change = AcceptChange(*c, Traceparent(ctx));
  if (!change.ok()) return ToGrpcStatus(ctx, change.status());
  change->mode = Change::Mode::kClerk;
  change->actor = clerk.subject;
  change->allowed = {"SUBMITTED"};
  change->new_status = "ACCEPTED";
  change->timers.emplace_back(absl::StrCat("purge|", c->id), options_.now() + options_.retention);
  change->timers.emplace_back(absl::StrCat("email|", c->id),
                              options_.now() + options_.email_retention);
  change->expected_version = c->version;  // the PDFs were made from what was read
  return ClerkStep(ctx, "accepted", req, clerk, *std::move(change), resp);
}

grpc::Status RegistrationsService::ListExports(grpc::ServerContext* ctx,
                                               const v1::ListExportsRequest* req,
                                               v1::ListExportsResponse* resp) {
  auto caller = callers_.Require(ctx, "integrator");
  if (!caller.ok()) return ToGrpcStatus(ctx, caller.status());
  if (!caller->MayAccess(kExportScope)) {
    return ToGrpcStatus(ctx, absl::PermissionDeniedError(
        absl::StrCat("the token needs the scope ", std::string(kExportScope))));
  }
  auto page = platform::ParsePage(req->page_size(), "", 100, 500);
  if (!page.ok()) return ToGrpcStatus(ctx, page.status());
  auto messages = store_.Exports(req->after(), page->size);
  if (!messages.ok()) return ToGrpcStatus(ctx, messages.status());
  for (ExportMessage& m : *messages) {
    v1::RueckmeldungMessage* out = resp->add_messages();
    out->set_cursor(m.cursor);
    out->set_registration_id(m.registration_id);
    out->set_previous_municipality_key(m.previous_municipality_key);
    out->set_due_date(m.due);
    out->set_content_type("application/xml");
    out->set_xml(std::move(m.xml));
    out->set_error(std::move(m.error));
  }
  resp->set_next_cursor(messages->empty() ? req->after() : messages->back().cursor);
  log::Info("rueckmeldungen exported", {{"count", messages->size()}, {"integrator", caller->subject}});
  return grpc::Status::OK;
}

grpc::Status RegistrationsService::GetRegistrationNotice(grpc::ServerContext* ctx,
                                                         const v1::GetRegistrationNoticeRequest* req,
                                                         v1::RegistrationNotice* resp) {
  // The notifications service only (issue 18), verified before the request is looked at.
  auto caller = callers_.Require(ctx, "integrator");
  if (!caller.ok()) return ToGrpcStatus(ctx, caller.status());
  if (!caller->MayAccess("registrations:notify")) {
    return ToGrpcStatus(ctx, absl::PermissionDeniedError("this call needs the scope registrations:notify"));
  }
  if (!platform::text::IsUuid(req->id())) {
    return ToGrpcStatus(ctx, absl::NotFoundError("registration not found"));
  }
  auto c = store_.Get(req->id());
  if (!c.ok()) return ToGrpcStatus(ctx, c.status());
  v1::SubmitRegistrationRequest data;
  if (!data.ParseFromString(c->data)) {
    return ToGrpcStatus(ctx, absl::DataLossError("the case's data cannot be read"));
  }
  resp->set_id(c->id);
  resp->set_type(c->type);
  resp->set_status(c->status);
  resp->set_office(c->office);
  resp->set_language(data.language() == "en" ? "en" : "de");
  resp->set_email(c->email);
  if (c->status == "REJECTED") resp->set_booking_link(BookingLink(c->office, c->counter_code));
  if (c->status == "ACCEPTED") {
    resp->set_certificates(static_cast<int32_t>(VisiblePersons(Blocks(data)).size()));
  }
  resp->set_updated_at(Format(c->updated));
  return grpc::Status::OK;
}

}  // namespace rathaus::registrations
