#include "shared/config/platform.h"

#include <librdkafka/rdkafka.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "shared/kafka/connection.h"

namespace rathaus::platform {
namespace {

// host:port with a port in 1..65535.
bool IsHostPort(absl::string_view s) {
  auto colon = s.rfind(':');
  int port = 0;
  return colon != absl::string_view::npos && colon > 0 &&
         absl::SimpleAtoi(s.substr(colon + 1), &port) && port >= 1 && port <= 65535;
}

// TLS and SASL to the brokers (e.g. Strimzi's TLS listener with client certificates). The
// password comes from a file and never appears in an error.
kafka::Settings KafkaConnectionFromEnv(EnvConfig& env) {
  kafka::Settings out;
  const std::string protocol = env.OneOf("RATHAUS_KAFKA_SECURITY_PROTOCOL", "plaintext",
                                         {"plaintext", "ssl", "sasl_plaintext", "sasl_ssl"});
  if (protocol == "plaintext") {
    for (const char* name : {"RATHAUS_KAFKA_SASL_MECHANISM", "RATHAUS_KAFKA_SASL_USERNAME",
                             "RATHAUS_KAFKA_SASL_PASSWORD_FILE", "RATHAUS_KAFKA_SSL_CA_FILE",
                             "RATHAUS_KAFKA_SSL_CERT_FILE", "RATHAUS_KAFKA_SSL_KEY_FILE"}) {
      if (!env.String(name, "").empty()) {
        env.Reject(name, "RATHAUS_KAFKA_SECURITY_PROTOCOL ssl, sasl_plaintext or sasl_ssl to take effect",
                   "set with plaintext");
      }
    }
    return out;
  }
  out.emplace_back("security.protocol", protocol);
  if (protocol == "ssl" || protocol == "sasl_ssl") {
    // The brokers' CA (else the system's); a client certificate for TLS client authentication.
    if (const std::string ca = env.String("RATHAUS_KAFKA_SSL_CA_FILE", ""); !ca.empty()) {
      env.SecretFile("RATHAUS_KAFKA_SSL_CA_FILE", true);  // readable and not empty
      out.emplace_back("ssl.ca.location", ca);
    }
    const std::string cert = env.String("RATHAUS_KAFKA_SSL_CERT_FILE", "");
    const std::string key = env.String("RATHAUS_KAFKA_SSL_KEY_FILE", "");
    if (cert.empty() != key.empty()) {
      env.Reject(cert.empty() ? "RATHAUS_KAFKA_SSL_CERT_FILE" : "RATHAUS_KAFKA_SSL_KEY_FILE",
                 "set together with its certificate or key", "");
    } else if (!cert.empty()) {
      env.SecretFile("RATHAUS_KAFKA_SSL_CERT_FILE", true);
      env.SecretFile("RATHAUS_KAFKA_SSL_KEY_FILE", true);
      out.emplace_back("ssl.certificate.location", cert);
      out.emplace_back("ssl.key.location", key);
    }
    out.emplace_back("ssl.endpoint.identification.algorithm", "https");
  }
  if (protocol == "sasl_plaintext" || protocol == "sasl_ssl") {
    const std::string mechanism = env.OneOf("RATHAUS_KAFKA_SASL_MECHANISM", std::nullopt,
                                            {"SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"});
    // librdkafka before 2.6.1 appends the client nonce twice in SCRAM's client-final message;
    // Kafka 4 brokers check the nonce strictly (RFC 5802) and refuse every login
    // (confluentinc/librdkafka#4895; seen here with Debian 12's 2.0.2 against Kafka 4.1.1).
    if (absl::StartsWith(mechanism, "SCRAM") && rd_kafka_version() < 0x020601ff) {
      env.Reject("RATHAUS_KAFKA_SASL_MECHANISM",
                 absl::StrCat("PLAIN, or TLS client certificates (RATHAUS_KAFKA_SECURITY_PROTOCOL=ssl): this librdkafka (",
                              rd_kafka_version_str(), ") computes SCRAM proofs that Kafka 4 brokers refuse; fixed in librdkafka 2.6.1"),
                 mechanism);
    }
    out.emplace_back("sasl.mechanism", mechanism);
    out.emplace_back("sasl.username", env.String("RATHAUS_KAFKA_SASL_USERNAME"));
    std::string password = env.SecretFile("RATHAUS_KAFKA_SASL_PASSWORD_FILE", true);
    while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) password.pop_back();
    out.emplace_back("sasl.password", password);
  }
  return out;
}

// TLS to Redis (rediss://): the server's CA (else the system's roots), a client certificate
// when Redis asks for one (tls-auth-clients), and the name its certificate carries when it is not
// the URL's host. Only with rediss://, where they take effect.
void RedisTlsFromEnv(EnvConfig& env, redis::TlsSettings& tls) {
  constexpr const char* kNames[] = {"RATHAUS_REDIS_TLS_CA_FILE", "RATHAUS_REDIS_TLS_CERT_FILE",
                                    "RATHAUS_REDIS_TLS_KEY_FILE", "RATHAUS_REDIS_TLS_SERVER_NAME"};
  if (!tls.enabled) {
    for (const char* name : kNames) {
      if (!env.String(name, "").empty()) env.Reject(name, "a rediss:// URL to take effect", "set with redis://");
    }
    return;
  }
  tls.ca_file = env.String("RATHAUS_REDIS_TLS_CA_FILE", "");
  if (!tls.ca_file.empty()) env.SecretFile("RATHAUS_REDIS_TLS_CA_FILE", true);  // readable, not empty
  tls.cert_file = env.String("RATHAUS_REDIS_TLS_CERT_FILE", "");
  tls.key_file = env.String("RATHAUS_REDIS_TLS_KEY_FILE", "");
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    env.Reject(tls.cert_file.empty() ? "RATHAUS_REDIS_TLS_CERT_FILE" : "RATHAUS_REDIS_TLS_KEY_FILE",
               "set together with its certificate or key", "");
  } else if (!tls.cert_file.empty()) {
    env.SecretFile("RATHAUS_REDIS_TLS_CERT_FILE", true);
    env.SecretFile("RATHAUS_REDIS_TLS_KEY_FILE", true);
  }
  tls.server_name = env.String("RATHAUS_REDIS_TLS_SERVER_NAME", "");
}

}  // namespace

PlatformConfig PlatformConfig::FromEnv(EnvConfig& env, std::string service) {
  PlatformConfig c;
  c.service = std::move(service);
  // The URL holds the password: a file (a mounted Secret) instead of the variable keeps it out
  // of the process environment and of `kubectl describe`.
  std::string url;
  std::string source = "RATHAUS_REDIS_URL";
  if (!env.String("RATHAUS_REDIS_URL_FILE", "").empty()) {
    source = "RATHAUS_REDIS_URL_FILE";
    if (!env.String("RATHAUS_REDIS_URL", "").empty()) {
      env.Reject("RATHAUS_REDIS_URL_FILE", "either RATHAUS_REDIS_URL or RATHAUS_REDIS_URL_FILE, not both",
                 "both set");
    }
    url = std::string(absl::StripAsciiWhitespace(env.SecretFile("RATHAUS_REDIS_URL_FILE", true)));
  } else {
    url = env.String("RATHAUS_REDIS_URL", "redis://127.0.0.1:6379");
  }
  if (auto options = redis::Options::FromUrl(url); options.ok()) {
    c.redis = *options;
    RedisTlsFromEnv(env, c.redis.tls);
  } else {
    // Never echo a password: show the URL without its user-info part.
    std::string shown = url;
    if (auto at = shown.rfind('@'); at != std::string::npos) shown = "redis://***@" + shown.substr(at + 1);
    env.Reject(source, "redis://[:password@]host[:port][/db] or rediss://... (TLS)", shown);
  }
  c.kafka_brokers = env.String("RATHAUS_KAFKA_BROKERS", "127.0.0.1:9092");
  for (absl::string_view broker : absl::StrSplit(c.kafka_brokers, ',')) {
    if (!IsHostPort(broker)) {
      env.Reject("RATHAUS_KAFKA_BROKERS", "a comma-separated list of host:port", c.kafka_brokers);
      break;
    }
  }
  c.kafka_connection = KafkaConnectionFromEnv(env);
  kafka::SetConnectionSettings(c.kafka_connection);
  c.producer.brokers = c.kafka_brokers;
  c.producer.client_id = "rathaus-" + c.service;
  c.producer.linger_ms = static_cast<int>(env.Int("RATHAUS_KAFKA_LINGER_MS", 1, 0, 1000));
  const std::string level =
      env.OneOf("RATHAUS_LOG_LEVEL", "info", {"debug", "info", "warn", "error"});
  if (auto parsed = log::ParseLevel(level); parsed.ok()) c.log_level = *parsed;
  log::Init(c.service, c.log_level);
  return c;
}

}  // namespace rathaus::platform
