// A process that the fault tests start and SIGKILL: it runs one part of the event path with the
// platform's real configuration handling, until SIGTERM/SIGINT.
//
//   rathaus-test-worker relay <service> <key_prefix>
//       moves <key_prefix>outbox to rathaus.<service>.v1
//   rathaus-test-worker consume <group> <topic> <key_prefix>
//       applies Pinged events once each (inbox) under <key_prefix>
#include <signal.h>

#include <cstdio>
#include <string>

#include "shared/config/config.h"
#include "shared/config/platform.h"
#include "shared/kafka/consumer.h"
#include "shared/kafka/producer.h"
#include "shared/log/log.h"
#include "shared/outbox/relay.h"
#include "tests/harness/events.h"

namespace {

int Usage() {
  std::fprintf(stderr,
               "usage: rathaus-test-worker relay <service> <key_prefix>\n"
               "       rathaus-test-worker consume <group> <topic> <key_prefix>\n");
  return 2;
}

void WaitForSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int sig = 0;
  sigwait(&set, &sig);
}

}  // namespace

int main(int argc, char** argv) {
  namespace platform = rathaus::platform;
  if (argc < 2) return Usage();
  const std::string mode = argv[1];
  if (!((mode == "relay" && argc == 4) || (mode == "consume" && argc == 5))) return Usage();

  // Block the signals before any thread starts, so only WaitForSignal receives them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  platform::EnvConfig env;
  platform::PlatformConfig config = platform::PlatformConfig::FromEnv(env, "test-worker");
  env.ExitOnError();

  platform::redis::Pool pool(config.redis);
  auto producer = platform::kafka::Producer::Create(config.producer);
  if (!producer.ok()) {
    platform::log::Error("cannot create producer", {{"error", producer.status().ToString()}});
    return 1;
  }
  if (mode == "relay") {
    platform::outbox::Outbox outbox(argv[2], argv[3]);
    platform::outbox::Relay relay(pool, **producer, {.outbox = &outbox});
    relay.Start();
    platform::log::Info("relay running", {{"outbox", outbox.stream_key()}});
    WaitForSignal();
    relay.Stop();
    return 0;
  }
  rathaus::testing::PingApplier applier(pool, argv[4], argv[2]);
  platform::kafka::Consumer consumer(
      {.brokers = config.kafka_brokers, .group_id = argv[2], .topics = {argv[3]}},
      producer->get(), [&](const platform::kafka::Event& e) { return applier.Apply(e); });
  if (auto s = consumer.Start(); !s.ok()) {
    platform::log::Error("cannot start consumer", {{"error", s.ToString()}});
    return 1;
  }
  platform::log::Info("consumer running", {{"group", argv[2]}, {"topic", argv[3]}});
  WaitForSignal();
  consumer.Stop();
  return 0;
}
