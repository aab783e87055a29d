// The settings every rathaus process shares, read and validated in one place:
//
//   RATHAUS_REDIS_URL       redis://[:password@]host[:port][/db]   (default redis://127.0.0.1:6379)
//   RATHAUS_REDIS_URL_FILE  a file holding that URL (a mounted Secret), instead of the variable
//   RATHAUS_KAFKA_BROKERS   host:port[,host:port...]               (default 127.0.0.1:9092)
//   RATHAUS_LOG_LEVEL       debug | info | warn | error            (default info)
//   RATHAUS_KAFKA_LINGER_MS 0..1000                                (default 1)
//
//   EnvConfig env;
//   PlatformConfig platform = PlatformConfig::FromEnv(env, "appointments");
//   env.ExitOnError();
#pragma once

#include <string>

#include "shared/config/config.h"
#include "shared/kafka/producer.h"
#include "shared/log/log.h"
#include "shared/redis/redis.h"

namespace rathaus::platform {

struct PlatformConfig {
  std::string service;
  redis::Options redis;
  kafka::ProducerOptions producer;
  std::string kafka_brokers;
  log::Level log_level = log::Level::kInfo;

  // Records problems in `env`; also initialises logging with the service name and level.
  static PlatformConfig FromEnv(EnvConfig& env, std::string service);
};

}  // namespace rathaus::platform
