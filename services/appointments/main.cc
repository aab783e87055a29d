// rathaus-appointments: what the service is, on the service kit (shared/service/kit.h):
// catalog -> store -> service, the expirer as a background job.
//
//   RATHAUS_BOOKING_TOKEN_KEY_FILE=/run/secrets/booking-key  (required, >= 32 bytes)
//   RATHAUS_APPOINTMENTS_CATALOG_FILE=catalog.json           (default: the embedded Kiel catalog)
//   RATHAUS_RESERVATION_HOLD=10m  RATHAUS_BOOKING_QUOTA=2  RATHAUS_BOOKING_QUOTA_WHITELIST=a@b.de
//   RATHAUS_CANCEL_COOLDOWN=0s    plus the kit's settings (shared/service/kit.h), among them
//   RATHAUS_DATA_KEYS_FILE (required: names, e-mails and phones are stored sealed).
#include <cstdio>

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "rathaus_appointments_embedded.h"
#include "services/appointments/domain/catalog.h"
#include "services/appointments/domain/contact.h"
#include "services/appointments/expirer.h"
#include "services/appointments/service.h"
#include "rathaus/id_documents/v1/events.pb.h"
#include "rathaus/registrations/v1/events.pb.h"
#include "services/appointments/store.h"
#include "shared/service/kit.h"

namespace rathaus::appointments {
namespace {

int Run() {
  platform::ServiceKit kit("appointments", {.key_prefix = "appt:", .personal_data = true});
  platform::EnvConfig& env = kit.env();
  const std::string token_key = env.SecretFile("RATHAUS_BOOKING_TOKEN_KEY_FILE", true);
  if (env.ok() && token_key.size() < 32) {
    env.Reject("RATHAUS_BOOKING_TOKEN_KEY_FILE", "a file of at least 32 bytes",
               std::to_string(token_key.size()) + " bytes");
  }
  StoreOptions store_options;
  store_options.hold = env.Duration("RATHAUS_RESERVATION_HOLD", absl::Minutes(10));
  if (store_options.hold < absl::Seconds(1)) {
    env.Reject("RATHAUS_RESERVATION_HOLD", "at least 1s", absl::FormatDuration(store_options.hold));
  }
  store_options.quota = static_cast<int>(env.Int("RATHAUS_BOOKING_QUOTA", 2, 1, 1000));
  const std::string whitelist = env.String("RATHAUS_BOOKING_QUOTA_WHITELIST", "");
  for (absl::string_view email : absl::StrSplit(whitelist, ',', absl::SkipWhitespace())) {
    auto checked = CheckEmail(std::string(absl::StripAsciiWhitespace(email)));
    if (!checked.ok()) {
      env.Reject("RATHAUS_BOOKING_QUOTA_WHITELIST", "comma-separated e-mail addresses",
                 std::string(email));
      break;
    }
    store_options.quota_whitelist.insert(NormalizeEmailForQuota(*checked));
  }
  store_options.cancel_cooldown = env.Duration("RATHAUS_CANCEL_COOLDOWN", absl::ZeroDuration());
  store_options.data_keys = &kit.data_keys();
  absl::StatusOr<Catalog> catalog =
      ParseCatalog(kit.FileOrEmbedded("RATHAUS_APPOINTMENTS_CATALOG_FILE", embedded::kKiel));
  if (env.ok() && !catalog.ok()) {
    env.Reject("RATHAUS_APPOINTMENTS_CATALOG_FILE", "a catalog (catalog.proto as JSON)",
               std::string(catalog.status().message()));
  }
  if (!kit.CheckConfig()) return 2;

  Store store(kit.redis(), kit.outbox(), store_options);
  AppointmentsService service(*catalog, store, token_key, kit.callers());
  Expirer expirer(store);
  store.SetHoldListener([&expirer](absl::Time expiry) { expirer.Notify(expiry); });
  kit.AddService(&service);
  // The pickup of finished ID documents (id-documents, Ausweis-Lieferservice): the holder of a
  // pickup code may book the service that needs one; a handover ends an open pickup booking.
  namespace idd = ::rathaus::id_documents::v1;
  kit.Consume<idd::DocumentReadyForPickup>(
      "rathaus.id-documents.v1",
      [&store](const idd::DocumentReadyForPickup& ready, const platform::EventContext& ce) {
        if (ready.pickup_code().empty() || ready.office().empty()) {
          return absl::InvalidArgumentError("DocumentReadyForPickup without code or office");
        }
        return store.ApplyPickupReady(ready.pickup_code(), ready.office(), ready.application_id(),
                                      ce.inbox_key, ce.inbox_ttl);
      });
  kit.Consume<idd::DocumentHandedOver>(
      "rathaus.id-documents.v1",
      [&store](const idd::DocumentHandedOver& handed, const platform::EventContext& ce) {
        if (handed.pickup_code().empty()) return absl::OkStatus();  // never ready for pickup
        return store.ApplyPickupHandedOver(handed.pickup_code(), ce.inbox_key, ce.inbox_ttl,
                                           ce.traceparent);
      });
  // A rejected online registration (registrations): its code books one counter visit at the
  // office, and the booking names the case for the clerk.
  namespace reg = ::rathaus::registrations::v1;
  kit.Consume<reg::RegistrationRejected>(
      "rathaus.registrations.v1",
      [&store](const reg::RegistrationRejected& rejected, const platform::EventContext& ce) {
        if (rejected.counter_code().empty()) return absl::OkStatus();  // before codes existed
        if (rejected.booking_office().empty() || rejected.registration_id().empty()) {
          return absl::InvalidArgumentError("RegistrationRejected without office or case id");
        }
        return store.ApplyRegistrationRejected(rejected.counter_code(), rejected.booking_office(),
                                               rejected.registration_id(), ce.inbox_key,
                                               ce.inbox_ttl);
      });
  kit.AddJob("expirer", [&] { expirer.Start(); }, [&] { expirer.Stop(); });
  kit.AddStartupFact("offices", std::to_string(catalog->offices.size()));
  kit.AddStartupFact("services", std::to_string(catalog->services.size()));
  kit.AddStartupFact("hold_seconds", std::to_string(absl::ToInt64Seconds(store_options.hold)));
  return kit.Run();
}

}  // namespace
}  // namespace rathaus::appointments

int main() { return rathaus::appointments::Run(); }
