#include "filer.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/json_util.h>

#include <memory>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "rathaus/appointments/v1/events.pb.h"
#include "rathaus/e_invoice/v1/events.pb.h"
#include "rathaus/id_documents/v1/events.pb.h"
#include "rathaus/registrations/v1/events.pb.h"
#include "shared/log/log.h"

namespace rathaus::efile {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// The event protos e-file can decode; naming them links their descriptors into the binary.
const Descriptor* const kKnownEvents[] = {
    appointments::v1::AppointmentBooked::descriptor(),
    e_invoice::v1::InvoiceReceived::descriptor(),
    id_documents::v1::ApplicationRegistered::descriptor(),
    registrations::v1::RegistrationSubmitted::descriptor(),
};

absl::string_view A(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// A top-level string field's value ("" when absent or of another type).
std::string StringField(const Message& m, const std::string& name) {
  const FieldDescriptor* f = m.GetDescriptor()->FindFieldByName(name);
  if (f == nullptr || f->is_repeated()) return "";
  if (f->type() == FieldDescriptor::TYPE_STRING) return m.GetReflection()->GetString(m, f);
  if (f->cpp_type() == FieldDescriptor::CPPTYPE_INT32) {
    return absl::StrCat(m.GetReflection()->GetInt32(m, f));
  }
  return "";
}

std::optional<absl::Time> TimestampField(const Message& m, const std::string& name) {
  const FieldDescriptor* f = m.GetDescriptor()->FindFieldByName(name);
  if (f == nullptr || f->is_repeated() || f->type() != FieldDescriptor::TYPE_MESSAGE ||
      f->message_type()->full_name() != "google.protobuf.Timestamp" ||
      !m.GetReflection()->HasField(m, f)) {
    return std::nullopt;
  }
  const Message& ts = m.GetReflection()->GetMessage(m, f);
  const Descriptor* d = ts.GetDescriptor();
  const int64_t seconds = ts.GetReflection()->GetInt64(ts, d->FindFieldByName("seconds"));
  const int32_t nanos = ts.GetReflection()->GetInt32(ts, d->FindFieldByName("nanos"));
  return absl::FromUnixSeconds(seconds) + absl::Nanoseconds(nanos);
}

// "{field}" replaced by the payload's values; {source} and {day} from `extra`.
std::string Subject(std::string_view pattern, const Message& m,
                    const std::map<std::string, std::string>& extra) {
  std::string out;
  size_t i = 0;
  while (i < pattern.size()) {
    const size_t open = pattern.find('{', i);
    if (open == std::string_view::npos) break;
    const size_t close = pattern.find('}', open);
    if (close == std::string_view::npos) break;
    absl::StrAppend(&out, A(pattern.substr(i, open - i)));
    const std::string name(pattern.substr(open + 1, close - open - 1));
    auto it = extra.find(name);
    absl::StrAppend(&out, it != extra.end() ? it->second : StringField(m, name));
    i = close + 1;
  }
  absl::StrAppend(&out, A(pattern.substr(i)));
  // A value may be missing (a field of another event): no "( )" or double spaces left over.
  out = absl::StrReplaceAll(out, {{"()", ""}, {"  ", " "}});
  while (!out.empty() && (out.back() == ' ')) out.pop_back();
  return out;
}

// The event as a CloudEvents JSON document (structured mode), the payload as protobuf JSON.
std::string CloudEventJson(const Message& payload, const platform::EventContext& ce) {
  std::string data;
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  auto printed = google::protobuf::util::MessageToJsonString(payload, &data, options);
  if (!printed.ok()) data = "null";
  std::string out = "{\"specversion\":\"1.0\",\"id\":";
  platform::log::AppendJsonString(&out, ce.id);
  absl::StrAppend(&out, ",\"source\":");
  platform::log::AppendJsonString(&out, ce.source);
  absl::StrAppend(&out, ",\"type\":");
  platform::log::AppendJsonString(&out, ce.type);
  absl::StrAppend(&out, ",\"subject\":");
  platform::log::AppendJsonString(&out, ce.subject);
  absl::StrAppend(&out, ",\"time\":");
  platform::log::AppendJsonString(&out, ce.time);
  absl::StrAppend(&out, ",\"datacontenttype\":\"application/json\",\"data\":", data, "}\n");
  return out;
}

}  // namespace

Filer::Filer(Store& store, const Aktenplan& plan) : store_(store), plan_(plan) {
  if (!absl::LoadTimeZone("Europe/Berlin", &berlin_)) berlin_ = absl::UTCTimeZone();
}

std::string Filer::ServiceOf(std::string_view type) {
  const std::vector<absl::string_view> parts = absl::StrSplit(A(type), '.');
  if (parts.size() != 4 || parts[0] != "rathaus" || parts[2] != "v1") return "";
  return absl::StrReplaceAll(parts[1], {{"_", "-"}});
}

std::string Filer::TopicOf(std::string_view type) {
  const std::string service = ServiceOf(type);
  return service.empty() ? "" : absl::StrCat("rathaus.", service, ".v1");
}

void Filer::Register(platform::ServiceKit& kit) {
  (void)kKnownEvents;
  std::set<std::string> topics;
  for (const AktenplanItem& item : plan_.items) {
    for (const std::string& type : item.event_types) {
      const Descriptor* d =
          google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(type);
      const std::string topic = TopicOf(type);
      if (d == nullptr || topic.empty()) {
        platform::log::Warn("aktenplan names an event type this build does not know",
                            {{"type", type}, {"item", item.number}});
        continue;
      }
      topics.insert(topic);
    }
  }
  kit.ConsumeBatch(std::vector<std::string>(topics.begin(), topics.end()),
                   [this](const std::vector<platform::kafka::Event>& events,
                          const std::vector<platform::EventContext>& contexts) {
                     return ApplyBatch(events, contexts, absl::Now());
                   });
}

std::vector<absl::Status> Filer::ApplyBatch(const std::vector<platform::kafka::Event>& events,
                                            const std::vector<platform::EventContext>& contexts,
                                            absl::Time now) {
  std::vector<absl::Status> out(events.size());
  std::vector<Filing> filings;
  std::vector<size_t> owner;  // filings[k] belongs to events[owner[k]]
  filings.reserve(events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    const platform::EventContext& ce = contexts[i];
    if (ce.id.empty()) {
      out[i] = absl::InvalidArgumentError("event without ce_id");
      continue;
    }
    const Descriptor* d =
        google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(std::string(ce.type));
    if (d == nullptr || plan_.ForEvent(ce.type) == nullptr) continue;  // not filed: skipped
    std::unique_ptr<Message> payload(
        google::protobuf::MessageFactory::generated_factory()->GetPrototype(d)->New());
    if (!payload->ParseFromString(events[i].value)) {
      out[i] = absl::InvalidArgumentError(absl::StrCat("undecodable payload for ", A(ce.type)));
      continue;
    }
    auto filing = Build(*payload, ce, now);
    if (!filing.ok()) {
      out[i] = filing.status();
      continue;
    }
    if (!filing->has_value()) continue;
    filings.push_back(**std::move(filing));
    owner.push_back(i);
  }
  if (filings.empty()) return out;
  std::vector<Store::Incoming> batch;
  for (size_t k = 0; k < filings.size(); ++k) {
    batch.push_back({&filings[k], contexts[owner[k]].inbox_key, contexts[owner[k]].inbox_ttl});
  }
  auto results = store_.FileMany(batch, now);
  for (size_t k = 0; k < results.size(); ++k) {
    if (!results[k].ok()) out[owner[k]] = results[k].status();
  }
  return out;
}

absl::Status Filer::Apply(const Message& payload, const platform::EventContext& ce,
                          absl::Time now) {
  auto filing = Build(payload, ce, now);
  if (!filing.ok()) return filing.status();
  if (!filing->has_value()) return absl::OkStatus();  // not filed by this plan
  absl::StatusOr<FileResult> r = store_.File(**filing, ce.inbox_key, ce.inbox_ttl, now);
  return r.ok() ? absl::OkStatus() : r.status();
}

absl::StatusOr<std::optional<Filing>> Filer::Build(const Message& payload,
                                                   const platform::EventContext& ce,
                                                   absl::Time now) {
  const AktenplanItem* item = plan_.ForEvent(ce.type);
  if (item == nullptr) return std::optional<Filing>();
  Filing filing;
  filing.item = item;
  filing.service = ServiceOf(ce.type);
  filing.actor = absl::StrCat(A(ce.type), "#", A(ce.id));
  const std::string short_type(ce.type.substr(ce.type.rfind('.') + 1));
  if (item->day_statistics) {
    // Counted per office and day; the booking code (ce_subject) is never stored.
    const std::string office = StringField(payload, item->akte_by.empty() ? "office" : item->akte_by);
    const std::optional<absl::Time> start = TimestampField(payload, "start");
    if (office.empty() || !start) {
      return absl::InvalidArgumentError(
          absl::StrCat(A(ce.type), " has no office or start: item ", item->number,
                       " (day-statistics) cannot count it"));
    }
    const std::string day = absl::FormatCivilTime(absl::ToCivilDay(*start, berlin_));
    filing.source_id = absl::StrCat(office, "/", day);
    filing.akte_group = office;
    filing.akte_title = office;
    filing.subject = Subject(item->subject, payload, {{"source", filing.source_id}, {"day", day}});
    filing.department = item->department_field.empty() ? "" : StringField(payload, item->department_field);
    filing.statistic = short_type;
  } else {
    if (ce.subject.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(A(ce.type), " without ce_subject"));
    }
    filing.source_id = std::string(ce.subject);
    const std::string group = item->akte_by.empty() ? "" : StringField(payload, item->akte_by);
    if (group.empty()) {
      // One Akte per calendar year of opening.
      filing.akte_group = absl::StrCat(absl::ToCivilYear(now, berlin_).year());
    } else {
      filing.akte_group = group;
    }
    filing.akte_title = filing.akte_group;
    filing.subject = Subject(item->subject, payload, {{"source", filing.source_id}});
    filing.department = item->department_field.empty() ? "" : StringField(payload, item->department_field);
    filing.close = item->Closes(ce.type);
    // The original XML and its report are fetched by reference (fetcher.h): the event names
    // the original's SHA-256, which the fetched bytes must have.
    if (ce.type == "rathaus.e_invoice.v1.InvoiceReceived") {
      const std::string sha = StringField(payload, "sha256");
      if (!sha.empty()) filing.fetch = absl::StrCat("e-invoice|", filing.source_id, "|", sha);
    }
    // The Meldebestätigungen of an accepted registration likewise, each checked against the
    // SHA-256 the event names.
    if (ce.type == "rathaus.registrations.v1.RegistrationAccepted") {
      const auto* field = payload.GetDescriptor()->FindFieldByName("certificate_sha256");
      std::vector<std::string> shas;
      if (field != nullptr && field->is_repeated() &&
          field->type() == google::protobuf::FieldDescriptor::TYPE_STRING) {
        const auto* reflection = payload.GetReflection();
        for (int i = 0; i < reflection->FieldSize(payload, field); ++i) {
          shas.push_back(reflection->GetRepeatedString(payload, field, i));
        }
      }
      if (!shas.empty()) {
        filing.fetch = absl::StrCat("registrations|", filing.source_id, "|", filing.akte_group, "|",
                                    absl::StrJoin(shas, ","));
      }
    }
    DocumentToFile doc;
    doc.title = absl::StrCat(short_type, " ", A(ce.time.empty() ? ce.id : ce.time));
    doc.kind = "event";
    doc.media_type = "application/cloudevents+json";
    doc.bytes = CloudEventJson(payload, ce);
    doc.source_event_id = std::string(ce.id);
    filing.documents.push_back(std::move(doc));
  }
  return std::optional<Filing>(std::move(filing));
}

}  // namespace rathaus::efile
