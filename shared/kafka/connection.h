// How every Kafka client of this process reaches the brokers: TLS and SASL settings for
// librdkafka (security.protocol, ssl.*, sasl.*), set once at start from the environment
// (PlatformConfig: RATHAUS_KAFKA_SECURITY_PROTOCOL and friends) and applied by the producer, the
// consumers and the admin client before their own settings. Empty: plaintext, no login.
//
//   kafka::SetConnectionSettings({{"security.protocol", "sasl_ssl"}, ...});
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace rathaus::platform::kafka {

using Settings = std::vector<std::pair<std::string, std::string>>;

// Call before the first client is created (PlatformConfig::FromEnv does).
void SetConnectionSettings(Settings settings);
Settings ConnectionSettings();

}  // namespace rathaus::platform::kafka
