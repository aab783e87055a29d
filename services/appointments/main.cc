// rathaus-appointments: wiring only (config -> catalog -> store -> service -> server).
//
//   RATHAUS_BOOKING_TOKEN_KEY_FILE=/run/secrets/booking-key  (required, >= 32 bytes)
//   RATHAUS_APPOINTMENTS_CATALOG_FILE=catalog.json           (default: the embedded Kiel catalog)
//   RATHAUS_RESERVATION_HOLD=10m  RATHAUS_BOOKING_QUOTA=2  RATHAUS_BOOKING_QUOTA_WHITELIST=a@b.de
//   RATHAUS_CANCEL_COOLDOWN=0s    plus the platform settings (shared/config/platform.h) and
//   the gRPC server settings (shared/grpc/server.h).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "rathaus_appointments_embedded.h"
#include "services/appointments/domain/catalog.h"
#include "services/appointments/domain/contact.h"
#include "services/appointments/expirer.h"
#include "services/appointments/service.h"
#include "services/appointments/store.h"
#include "shared/config/config.h"
#include "shared/config/platform.h"
#include "shared/grpc/server.h"
#include "shared/kafka/admin.h"
#include "shared/kafka/producer.h"
#include "shared/log/log.h"
#include "shared/outbox/outbox.h"
#include "shared/outbox/relay.h"
#include "shared/redis/redis.h"

namespace rathaus::appointments {
namespace {

namespace log = ::rathaus::platform::log;

int Run() {
  platform::GrpcServer::BlockShutdownSignals();  // before the Kafka and relay threads start
  platform::EnvConfig env;
  platform::PlatformConfig config = platform::PlatformConfig::FromEnv(env, "appointments");
  platform::GrpcServerOptions server_options = platform::GrpcServerOptions::FromEnv(env);
  const std::string token_key = env.SecretFile("RATHAUS_BOOKING_TOKEN_KEY_FILE", true);
  if (env.ok() && token_key.size() < 32) {
    env.Reject("RATHAUS_BOOKING_TOKEN_KEY_FILE", "a file of at least 32 bytes",
               std::to_string(token_key.size()) + " bytes");
  }
  const std::string catalog_file = env.String("RATHAUS_APPOINTMENTS_CATALOG_FILE", "");
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
  env.ExitOnError();

  std::string catalog_json(embedded::kKiel);
  std::string catalog_name = "embedded catalog/kiel.json";
  if (!catalog_file.empty()) {
    std::ifstream in(catalog_file, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "config: RATHAUS_APPOINTMENTS_CATALOG_FILE: cannot read %s\n",
                   catalog_file.c_str());
      return 2;
    }
    std::ostringstream text;
    text << in.rdbuf();
    catalog_json = text.str();
    catalog_name = catalog_file;
  }
  absl::StatusOr<Catalog> catalog = ParseCatalog(catalog_json);
  if (!catalog.ok()) {
    std::fprintf(stderr, "catalog: %s: %s\n", catalog_name.c_str(),
                 std::string(catalog.status().message()).c_str());
    return 2;
  }

  platform::outbox::Outbox outbox("appointments", "appt:");
  if (absl::Status s = platform::kafka::EnsureTopics(config.kafka_brokers, {{outbox.topic(), 3}},
                                                     /*with_dlq=*/true);
      !s.ok()) {
    log::Error("cannot create topics", {{"error", s.ToString()}});
    return 1;
  }
  auto producer = platform::kafka::Producer::Create(config.producer);
  if (!producer.ok()) {
    log::Error("cannot create the Kafka producer", {{"error", producer.status().ToString()}});
    return 1;
  }
  platform::redis::Pool pool(config.redis);
  Store store(pool, outbox, store_options);
  AppointmentsService service(*catalog, store, token_key);
  Expirer expirer(store);
  store.SetHoldListener([&expirer](absl::Time expiry) { expirer.Notify(expiry); });
  platform::outbox::Relay relay(pool, **producer, {.outbox = &outbox});

  platform::GrpcServer server("appointments", server_options);
  server.AddService(&service);
  server.AddReadinessProbe("redis", [&pool] { return pool.Ping(); });
  server.AddReadinessProbe("kafka", [&producer] { return (*producer)->Ping(); });
  server.OnShutdown([&] {
    expirer.Stop();
    relay.Stop();
    if (absl::Status s = (*producer)->Flush(absl::Seconds(10)); !s.ok()) {
      log::Warn("producer flush incomplete", {{"error", s.ToString()}});
    }
  });
  // Start() blocks SIGTERM/SIGINT in this thread, so it runs before our threads start.
  if (absl::Status s = server.Start(); !s.ok()) {
    log::Error("cannot start the gRPC server", {{"error", s.ToString()}});
    return 1;
  }
  relay.Start();
  expirer.Start();
  log::Info("appointments serving",
            {{"port", server.port()}, {"offices", catalog->offices.size()},
             {"services", catalog->services.size()},
             {"hold_seconds", absl::ToInt64Seconds(store_options.hold)}});
  server.Wait();
  return 0;
}

}  // namespace
}  // namespace rathaus::appointments

int main() { return rathaus::appointments::Run(); }
