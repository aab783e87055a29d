// rathaus-id-documents: the service on the service kit (shared/service/kit.h).
//
//   RATHAUS_ID_DOCUMENTS_OFFICES=kiel-mitte,...   the issuing offices (default: Kiel's five)
//   RATHAUS_ID_DOCUMENTS_PICKUP_REMINDER=14d      ready but not collected: DocumentPickupOverdue
//   RATHAUS_ID_DOCUMENTS_RETENTION=90d            data deleted this long after handover or
//                                                 delivery (only counts stay)
//   RATHAUS_ID_DOCUMENTS_ESTIMATES=EXPRESS_REISEPASS=3-6,...  working days per document type
//   RATHAUS_SERIAL_LOOKUP_KEY_FILE               the serial numbers' lookup key shared with
//                                                registrations (default: the data keys' own)
//   plus the kit's settings; RATHAUS_DATA_KEYS_FILE is required (personal data).
#include "absl/strings/str_split.h"
#include "rathaus/registrations/v1/events.pb.h"
#include "shared/log/log.h"
#include "service.h"
#include "shared/service/due_timer.h"
#include "shared/service/kit.h"
#include "store.h"

namespace rathaus::id_documents {
namespace {

int Run() {
  platform::GrpcServerOptions defaults;
  defaults.listen = "127.0.0.1:50053";
  defaults.max_message_bytes = 12 << 20;  // a 10 MiB status import
  platform::ServiceKit kit("id-documents",
                           {.key_prefix = "idd:", .grpc_defaults = defaults, .personal_data = true});
  platform::EnvConfig& env = kit.env();
  ServiceOptions service_options;
  const std::string offices = env.String(
      "RATHAUS_ID_DOCUMENTS_OFFICES",
      "kiel-mitte,kiel-gaarden,kiel-mettenhof,kiel-suchsdorf,kiel-elmschenhagen");
  for (absl::string_view o : absl::StrSplit(offices, ',', absl::SkipWhitespace())) {
    service_options.offices.insert(std::string(o));
  }
  if (service_options.offices.empty()) {
    env.Reject("RATHAUS_ID_DOCUMENTS_OFFICES", "a comma-separated list of office ids", offices);
  }
  const std::string estimates = env.String("RATHAUS_ID_DOCUMENTS_ESTIMATES", "");
  auto parsed = ParseEstimates(estimates);
  if (!parsed.ok()) {
    env.Reject("RATHAUS_ID_DOCUMENTS_ESTIMATES", "TYPE=MIN-MAX,... working days",
               std::string(parsed.status().message()));
  } else {
    service_options.estimates = *parsed;
  }
  service_options.lookup_threads =
      static_cast<int>(env.Int("RATHAUS_ID_DOCUMENTS_LOOKUP_THREADS", 4, 1, 64));
  StoreOptions store_options;
  store_options.pickup_reminder =
      env.Duration("RATHAUS_ID_DOCUMENTS_PICKUP_REMINDER", absl::Hours(24 * 14));
  store_options.retention = env.Duration("RATHAUS_ID_DOCUMENTS_RETENTION", absl::Hours(24 * 90));
  if (!absl::LoadTimeZone("Europe/Berlin", &service_options.time_zone)) {
    env.Reject("TZ", "the Europe/Berlin zone (tzdata)", "missing");
  }
  const platform::crypto::SharedLookup serial_lookup = platform::crypto::SharedLookup::FromEnv(
      env, "RATHAUS_SERIAL_LOOKUP_KEY_FILE", kit.data_keys());
  if (!kit.CheckConfig()) return 2;

  store_options.data_keys = &kit.data_keys();
  store_options.serial_lookup = &serial_lookup;
  Store store(kit.redis(), kit.outbox(), store_options);
  IdDocumentsService service(store, kit.callers(), service_options);
  kit.AddService(&service);
  platform::DueTimer timers("id-documents timers", [&store]() -> absl::StatusOr<platform::DueTimer::Run> {
    auto r = store.FireDueTimers();
    if (!r.ok()) return r.status();
    return platform::DueTimer::Run{r->fired, r->next, r->now};
  });
  store.SetTimerListener([&timers](absl::Time due) { timers.Notify(due); });
  // registrations: the holder of a document moved; the office puts the address sticker on.
  kit.Consume<registrations::v1::AddressChanged>(
      "rathaus.registrations.v1",
      [&store](const registrations::v1::AddressChanged& changed, const platform::EventContext& ce) {
        std::vector<std::string> hashes;
        for (const std::string& h : changed.id_document_hashes()) {
          if (h.size() != 64) return absl::InvalidArgumentError("AddressChanged with a bad hash");
          hashes.push_back(h);
        }
        if (hashes.empty()) return absl::OkStatus();
        int64_t created = 0, unknown = 0;
        absl::Status s = store.ApplyAddressChanged(hashes, ce.inbox_key, ce.inbox_ttl, &created,
                                                   &unknown);
        if (s.ok() && (created > 0 || unknown > 0)) {
          platform::log::Info("address stickers due", {{"registration", changed.registration_id()},
                                                       {"created", created}, {"unknown", unknown}});
        }
        return s;
      });
  kit.AddJob("timers", [&] { timers.Start(); }, [&] { timers.Stop(); });
  kit.AddStartupFact("offices", std::to_string(service_options.offices.size()));
  return kit.Run();
}

}  // namespace
}  // namespace rathaus::id_documents

int main() { return rathaus::id_documents::Run(); }
