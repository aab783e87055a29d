// Auto-filing: what a consumed event of another service becomes in the e-file, as the Aktenplan
// says (aktenplan.proto): the item that names the event's type files it; a "case" item opens one
// Vorgang per source aggregate (ce_subject) and files the event as a document (CloudEvents JSON,
// structured mode: the attributes and the payload as protobuf JSON); a "day-statistics" item
// counts the event in the Vorgang of its office and day and files nothing personal. A closing
// type closes the Vorgang. Events of types no item names are skipped.
#pragma once

#include <optional>
#include <string>
#include <vector>
#include <string_view>

#include <google/protobuf/message.h>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "shared/service/kit.h"
#include "store.h"

namespace rathaus::efile {

class Filer {
 public:
  Filer(Store& store, const Aktenplan& plan);

  // Consumes the topics of every service whose event types the plan names (rathaus.e_invoice.v1.X
  // -> rathaus.e-invoice.v1), in batches (ServiceKit::ConsumeBatch, Store::FileMany).
  void Register(platform::ServiceKit& kit);

  // One event (exposed for tests): `payload` of ce.type.
  absl::Status Apply(const google::protobuf::Message& payload, const platform::EventContext& ce,
                     absl::Time now);
  // A batch of consumed records: one status per record.
  std::vector<absl::Status> ApplyBatch(const std::vector<platform::kafka::Event>& events,
                                       const std::vector<platform::EventContext>& contexts,
                                       absl::Time now);

  // What an event becomes: nullopt when the plan files no such type.
  absl::StatusOr<std::optional<Filing>> Build(const google::protobuf::Message& payload,
                                              const platform::EventContext& ce, absl::Time now);

  // The topic of an event type's service ("" for a type outside rathaus.<service>.v1).
  static std::string TopicOf(std::string_view type);
  // The service of an event type (e_invoice -> "e-invoice").
  static std::string ServiceOf(std::string_view type);

 private:
  Store& store_;
  const Aktenplan& plan_;
  absl::TimeZone berlin_;
};

}  // namespace rathaus::efile
