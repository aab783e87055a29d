// A service built with the service kit that consumes another service's topic, for the fault
// tests: it applies rathaus.appointments.v1.AppointmentBooked events once each (inbox) by
// counting them per ce_id under <key prefix>applied, until SIGTERM.
//
//   RATHAUS_TEST_SERVICE=<name>        service name (group rathaus.<name>, keys <name>:)
//   RATHAUS_TEST_CONSUME_TOPIC=<topic> the topic it consumes
//   RATHAUS_TEST_WITHOUT_INBOX=1       apply without the inbox claim (to see the test fail)
//   plus the kit's settings (shared/service/kit.h).
#include <string>

#include "rathaus/appointments/v1/events.pb.h"
#include "rathaus-test-kit-service_embedded.h"
#include "shared/service/kit.h"

namespace {

namespace platform = ::rathaus::platform;

int Run() {
  platform::EnvConfig probe;
  const std::string name = probe.String("RATHAUS_TEST_SERVICE", "test-kit");
  platform::ServiceKit kit(name, {.key_prefix = name + ":"});
  const std::string topic = kit.env().String("RATHAUS_TEST_CONSUME_TOPIC");
  const bool without_inbox = kit.env().Bool("RATHAUS_TEST_WITHOUT_INBOX", false);
  if (!kit.CheckConfig()) return 2;

  static const platform::redis::Script kApply =
      platform::redis::Script::WithPrelude("apply_booked", rathaus::testing::lua::kApplyBooked);
  const std::string applied_key = name + ":applied";
  const std::string deliveries_key = name + ":deliveries";
  kit.Consume<rathaus::appointments::v1::AppointmentBooked>(
      topic, [&](const rathaus::appointments::v1::AppointmentBooked& booked,
                 const platform::EventContext& ce) -> absl::Status {
        if (booked.code().empty()) return absl::InvalidArgumentError("booking without a code");
        auto r = ce.redis->Eval(kApply, {ce.inbox_key, applied_key, deliveries_key},
                                {ce.inbox_ttl, std::string(ce.id), without_inbox ? "1" : "0"});
        return r.status();
      });
  return kit.Run();
}

}  // namespace

int main() { return Run(); }
