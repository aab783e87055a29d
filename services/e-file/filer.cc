#include "filer.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/json_util.h>

#include <memory>

#include "absl/strings/str_cat.h"
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
      const Message* prototype =
          google::protobuf::MessageFactory::generated_factory()->GetPrototype(d);
      kit.ConsumeType(topic, type,
                      [this, prototype](const platform::kafka::Event& e, const platform::EventContext& ce) {
                        std::unique_ptr<Message> payload(prototype->New());
                        if (!payload->ParseFromString(e.value)) {
                          return absl::InvalidArgumentError(
                              absl::StrCat("undecodable payload for ", A(ce.type)));
                        }
                        return Apply(*payload, ce, absl::Now());
                      });
    }
  }
}

absl::Status Filer::Apply(const Message& payload, const platform::EventContext& ce,
                          absl::Time now) {
  const AktenplanItem* item = plan_.ForEvent(ce.type);
  if (item == nullptr) return absl::OkStatus();  // not filed by this plan
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
    DocumentToFile doc;
    doc.title = absl::StrCat(short_type, " ", A(ce.time.empty() ? ce.id : ce.time));
    doc.kind = "event";
    doc.media_type = "application/cloudevents+json";
    doc.bytes = CloudEventJson(payload, ce);
    doc.source_event_id = std::string(ce.id);
    filing.documents.push_back(std::move(doc));
  }
  absl::StatusOr<FileResult> r = store_.File(filing, ce.inbox_key, ce.inbox_ttl, now);
  if (!r.ok()) return r.status();
  if (r->applied) {
    platform::log::Debug("filed", {{"type", std::string(ce.type)}, {"vorgang", r->vorgang}});
  }
  return absl::OkStatus();
}

}  // namespace rathaus::efile
