// rathaus-registrations: the service on the service kit (shared/service/kit.h).
//
//   RATHAUS_REGISTRATIONS_OFFICES=kiel-mitte,...   the registration offices (default: Kiel's five)
//   RATHAUS_REGISTRATIONS_CLAIM_TTL=30m            how long a clerk's claim on a case lasts
//   RATHAUS_REGISTRATIONS_EXPORT_RETENTION=30d     how long Rückmeldungen wait for the export
//   RATHAUS_REGISTRATIONS_FOUR_EYES_ABROAD=off     on: an Anmeldung from abroad needs two clerks
//   RATHAUS_REGISTRATIONS_CITIZEN_ACR=             the sign-in levels (acr) citizens need, e.g.
//                                                  the eID's "hoch"; empty: any
//   RATHAUS_REGISTRATIONS_RETENTION=180d           a case's data is deleted this long after it
//                                                  ended (counts and certificate checks stay)
//   RATHAUS_REGISTRATIONS_EMAIL_RETENTION=72h      the citizen's e-mail address (for the
//                                                  messages about the case) is deleted this long
//                                                  after the case ended
//   RATHAUS_REGISTRATIONS_AUTHORITY="Landeshauptstadt Kiel"   the authority on certificates
//   RATHAUS_REGISTRATIONS_MUNICIPALITY_KEY=01002000  the city's Amtlicher Gemeindeschlüssel
//   RATHAUS_REGISTRATIONS_BOOKING_SERVICE=wohnsitz-anmelden  the counter appointment offered on
//                                                  a rejection (a service id of appointments)
//   RATHAUS_REGISTRATIONS_FONT=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf  certificate font
//   RATHAUS_PUBLIC_URL=https://service.kiel.de     links in answers and certificates
//   RATHAUS_SERIAL_LOOKUP_KEY_FILE                 the ID documents' serial lookup key shared with
//                                                  id-documents (default: the data keys' own)
//   plus the kit's settings; RATHAUS_DATA_KEYS_FILE is required (personal data).
#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "service.h"
#include "shared/service/due_timer.h"
#include "shared/service/kit.h"
#include "store.h"

namespace rathaus::registrations {
namespace {

int Run() {
  platform::GrpcServerOptions defaults;
  defaults.listen = "127.0.0.1:50054";
  platform::ServiceKit kit("registrations",
                           {.key_prefix = "reg:", .grpc_defaults = defaults, .personal_data = true});
  platform::EnvConfig& env = kit.env();
  ServiceOptions service_options;
  const std::string offices = env.String(
      "RATHAUS_REGISTRATIONS_OFFICES",
      "kiel-mitte,kiel-gaarden,kiel-mettenhof,kiel-suchsdorf,kiel-elmschenhagen");
  for (absl::string_view o : absl::StrSplit(offices, ',', absl::SkipWhitespace())) {
    service_options.offices.insert(std::string(absl::StripAsciiWhitespace(o)));
  }
  if (service_options.offices.empty()) {
    env.Reject("RATHAUS_REGISTRATIONS_OFFICES", "a comma-separated list of office ids", offices);
  }
  service_options.authority = env.String("RATHAUS_REGISTRATIONS_AUTHORITY", "Landeshauptstadt Kiel");
  service_options.municipality_key = env.String("RATHAUS_REGISTRATIONS_MUNICIPALITY_KEY", "01002000");
  if (service_options.municipality_key.size() != 8 ||
      !std::all_of(service_options.municipality_key.begin(), service_options.municipality_key.end(),
                   absl::ascii_isdigit)) {
    env.Reject("RATHAUS_REGISTRATIONS_MUNICIPALITY_KEY", "8 digits (Amtlicher Gemeindeschlüssel)",
               service_options.municipality_key);
  }
  service_options.booking_service =
      env.String("RATHAUS_REGISTRATIONS_BOOKING_SERVICE", "wohnsitz-anmelden");
  service_options.public_url = env.String("RATHAUS_PUBLIC_URL", "http://127.0.0.1:8080");
  while (!service_options.public_url.empty() && service_options.public_url.back() == '/') {
    service_options.public_url.pop_back();
  }
  if (service_options.public_url.rfind("http://", 0) != 0 &&
      service_options.public_url.rfind("https://", 0) != 0) {
    env.Reject("RATHAUS_PUBLIC_URL", "an http(s) URL", service_options.public_url);
  }
  StoreOptions store_options;
  store_options.claim_ttl = env.Duration("RATHAUS_REGISTRATIONS_CLAIM_TTL", absl::Minutes(30));
  store_options.export_retention =
      env.Duration("RATHAUS_REGISTRATIONS_EXPORT_RETENTION", absl::Hours(24 * 30));
  store_options.retention = env.Duration("RATHAUS_REGISTRATIONS_RETENTION", absl::Hours(24 * 180));
  service_options.retention = store_options.retention;
  service_options.email_retention =
      env.Duration("RATHAUS_REGISTRATIONS_EMAIL_RETENTION", absl::Hours(72));
  if (service_options.email_retention > service_options.retention) {
    env.Reject("RATHAUS_REGISTRATIONS_EMAIL_RETENTION", "at most RATHAUS_REGISTRATIONS_RETENTION",
               absl::FormatDuration(service_options.email_retention));
  }
  service_options.four_eyes_abroad = env.Bool("RATHAUS_REGISTRATIONS_FOUR_EYES_ABROAD", false);
  for (absl::string_view acr : absl::StrSplit(env.String("RATHAUS_REGISTRATIONS_CITIZEN_ACR", ""),
                                              ',', absl::SkipWhitespace())) {
    service_options.citizen_acr.insert(std::string(absl::StripAsciiWhitespace(acr)));
  }
  const std::string font_file = env.String("RATHAUS_REGISTRATIONS_FONT",
                                           "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");
  auto font = CertificateFont::Load(font_file);
  if (!font.ok()) {
    env.Reject("RATHAUS_REGISTRATIONS_FONT", "a TrueType font file (fonts-dejavu-core)", font_file);
  }
  if (!absl::LoadTimeZone("Europe/Berlin", &service_options.time_zone)) {
    env.Reject("TZ", "the Europe/Berlin zone (tzdata)", "missing");
  }
  const platform::crypto::SharedLookup serial_lookup = platform::crypto::SharedLookup::FromEnv(
      env, "RATHAUS_SERIAL_LOOKUP_KEY_FILE", kit.data_keys());
  if (!kit.CheckConfig()) return 2;

  service_options.font = font->get();
  store_options.data_keys = &kit.data_keys();
  store_options.serial_lookup = &serial_lookup;
  Store store(kit.redis(), kit.outbox(), store_options);
  RegistrationsService service(store, kit.callers(), service_options);
  kit.AddService(&service);
  // Retention and the Rückmeldungen' due days, on time (exact timers in Redis).
  platform::DueTimer timers("registrations timers",
                            [&store]() -> absl::StatusOr<platform::DueTimer::Run> {
                              auto r = store.FireDueTimers();
                              if (!r.ok()) return r.status();
                              return platform::DueTimer::Run{r->fired, r->next, r->now};
                            });
  store.SetTimerListener([&timers](absl::Time due) { timers.Notify(due); });
  kit.AddJob("timers", [&] { timers.Start(); }, [&] { timers.Stop(); });
  kit.AddStartupFact("offices", std::to_string(service_options.offices.size()));
  return kit.Run();
}

}  // namespace
}  // namespace rathaus::registrations

int main() { return rathaus::registrations::Run(); }
