// The settings every rathaus process shares, read and validated in one place:
//
//   RATHAUS_REDIS_URL       redis://[:password@]host[:port][/db]   (default redis://127.0.0.1:6379)
//   RATHAUS_REDIS_URL_FILE  a file holding that URL (a mounted Secret), instead of the variable
//     rediss://...: TLS (shared/redis/tls_tunnel.h) with RATHAUS_REDIS_TLS_CA_FILE (Redis's CA;
//     default: the system's), RATHAUS_REDIS_TLS_CERT_FILE + _KEY_FILE (when Redis asks for a
//     client certificate), RATHAUS_REDIS_TLS_SERVER_NAME (the name in its certificate, when it is
//     not the URL's host)
//   RATHAUS_KAFKA_BROKERS   host:port[,host:port...]               (default 127.0.0.1:9092)
//   RATHAUS_LOG_LEVEL       debug | info | warn | error            (default info)
//   RATHAUS_KAFKA_LINGER_MS 0..1000                                (default 1)
//   RATHAUS_KAFKA_SECURITY_PROTOCOL plaintext | ssl | sasl_plaintext | sasl_ssl (default plaintext)
//     ssl:  RATHAUS_KAFKA_SSL_CA_FILE (the brokers' CA; default: the system's),
//           RATHAUS_KAFKA_SSL_CERT_FILE + RATHAUS_KAFKA_SSL_KEY_FILE (TLS client authentication)
//     sasl: RATHAUS_KAFKA_SASL_MECHANISM (PLAIN; SCRAM-SHA-512 | SCRAM-SHA-256 need librdkafka >= 2.6.1),
//           RATHAUS_KAFKA_SASL_USERNAME, RATHAUS_KAFKA_SASL_PASSWORD_FILE
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
  // TLS/SASL settings every Kafka client of the process uses (kafka::ConnectionSettings).
  std::vector<std::pair<std::string, std::string>> kafka_connection;
  log::Level log_level = log::Level::kInfo;

  // Records problems in `env`; also initialises logging with the service name and level.
  static PlatformConfig FromEnv(EnvConfig& env, std::string service);
};

}  // namespace rathaus::platform
