// Kafka over TLS, against a real broker: scripts/servers.sh start-kafka-tls starts a single-node
// KRaft Kafka with two more listeners whose certificates come from a CA made for the test: SSL
// that requires client certificates (what Strimzi's `tls` authentication does) and SASL_SSL
// with PLAIN. The relay and a consumer run as processes configured only by their environment,
// as a service in the production chart is. (SCRAM is refused by the platform configuration with
// Debian 12's librdkafka 2.0.2: Kafka 4 rejects its proofs, see shared/config/platform.cc.)
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "shared/config/config.h"
#include "shared/config/platform.h"
#include "shared/kafka/admin.h"
#include "shared/outbox/outbox.h"
#include "shared/redis/redis.h"
#include "tests/harness/events.h"
#include "tests/harness/harness.h"

namespace rathaus::testing {
namespace {

class KafkaTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(absl::StrCat(::testing::TempDir(), "/kafka_tls_", getpid()));
    RunTool(absl::StrCat("rm -rf ", *dir_));
    const std::string out = RunTool(absl::StrCat(SourceDir(), "/scripts/servers.sh start-kafka-tls ", *dir_, " 2>&1"));
    ssl_ = new std::map<std::string, std::string>(ReadEnv(*dir_ + "/kafka-ssl.env"));
    sasl_ssl_ = new std::map<std::string, std::string>(ReadEnv(*dir_ + "/kafka-sasl-ssl.env"));
    plaintext_ = new std::string(ReadEnv(*dir_ + "/servers.env")["RATHAUS_KAFKA_BROKERS"]);
    ASSERT_EQ(ssl_->count("RATHAUS_KAFKA_BROKERS"), 1u) << "the TLS Kafka did not start:\n" << out;
    ASSERT_EQ(sasl_ssl_->count("RATHAUS_KAFKA_BROKERS"), 1u) << out;
  }
  static std::map<std::string, std::string> ReadEnv(const std::string& path) {
    std::map<std::string, std::string> env;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
      std::pair<std::string, std::string> kv = absl::StrSplit(line, absl::MaxSplits('=', 1));
      if (!kv.first.empty()) env[kv.first] = kv.second;
    }
    return env;
  }
  static void TearDownTestSuite() {
    RunTool(absl::StrCat(SourceDir(), "/scripts/servers.sh stop ", *dir_, " 2>&1; rm -rf ", *dir_));
    delete ssl_;
    delete sasl_ssl_;
    delete plaintext_;
    delete dir_;
  }

  // Fills an outbox, starts the relay and a consumer with `env`, and waits up to `wait` for
  // every event to be applied; returns how many were.
  int64_t RunEventPath(const std::map<std::string, std::string>& env, absl::Duration wait, int events,
                       std::string* logs) {
    platform::redis::Pool pool(*platform::redis::Options::FromUrl(SharedServers().redis_url));
    const std::string service = UniqueName("ktls");
    const std::string prefix = service + ":";
    platform::outbox::Outbox outbox(service, prefix);
    // The topic through the broker's plaintext listener: the test process itself stays plain.
    auto topics = platform::kafka::EnsureTopics(*plaintext_, {{outbox.topic(), 3}}, true);
    EXPECT_TRUE(topics.ok()) << topics;
    EXPECT_TRUE(FillOutbox(pool, outbox, 0, events, 7).ok());
    const std::string group = UniqueName("ktls-group");
    PingApplier applier(pool, prefix + "c:", group);
    std::map<std::string, std::string> all = env;
    all["RATHAUS_REDIS_URL"] = SharedServers().redis_url;
    all["RATHAUS_LOG_LEVEL"] = "info";
    Child relay(BinaryDir() + "/rathaus-test-worker", {"relay", service, prefix}, all);
    Child consumer(BinaryDir() + "/rathaus-test-worker", {"consume", group, outbox.topic(), prefix + "c:"}, all);
    WaitFor([&] { auto t = applier.Count(); return t.ok() && t->distinct == events; }, wait);
    auto tally = applier.Count();
    EXPECT_TRUE(tally.ok());
    if (tally.ok()) {
      EXPECT_EQ(tally->applied_twice, 0);
      EXPECT_EQ(tally->order_violations, 0);
    }
    *logs = absl::StrCat("relay:\n", relay.Stderr(), "\nconsumer:\n", consumer.Stderr());
    return tally.ok() ? tally->distinct : -1;
  }

  static std::string* dir_;
  static std::string* plaintext_;
  static std::map<std::string, std::string>* ssl_;
  static std::map<std::string, std::string>* sasl_ssl_;
};
std::string* KafkaTlsTest::dir_ = nullptr;
std::string* KafkaTlsTest::plaintext_ = nullptr;
std::map<std::string, std::string>* KafkaTlsTest::ssl_ = nullptr;
std::map<std::string, std::string>* KafkaTlsTest::sasl_ssl_ = nullptr;

TEST_F(KafkaTlsTest, TheEventPathRunsOverTlsWithClientCertificates) {
  std::string logs;
  EXPECT_EQ(RunEventPath(*ssl_, absl::Seconds(60), 1000, &logs), 1000) << logs;
}

TEST_F(KafkaTlsTest, TheEventPathRunsOverSaslSslWithPlain) {
  std::string logs;
  EXPECT_EQ(RunEventPath(*sasl_ssl_, absl::Seconds(60), 1000, &logs), 1000) << logs;
}

// The broker requires a client certificate: without one nothing is delivered.
TEST_F(KafkaTlsTest, WithoutAClientCertificateNothingIsDelivered) {
  auto env = *ssl_;
  env.erase("RATHAUS_KAFKA_SSL_CERT_FILE");
  env.erase("RATHAUS_KAFKA_SSL_KEY_FILE");
  std::string logs;
  EXPECT_EQ(RunEventPath(env, absl::Seconds(10), 50, &logs), 0) << logs;
  EXPECT_TRUE(absl::StrContains(logs, "SSL")) << logs;
}

// A wrong password: nothing is delivered, and the log says why.
TEST_F(KafkaTlsTest, AWrongPasswordDeliversNothing) {
  const std::string wrong = *dir_ + "/wrong-password";
  RunTool(absl::StrCat("echo not-the-password > ", wrong));
  auto env = *sasl_ssl_;
  env["RATHAUS_KAFKA_SASL_PASSWORD_FILE"] = wrong;
  std::string logs;
  EXPECT_EQ(RunEventPath(env, absl::Seconds(10), 50, &logs), 0) << logs;
  EXPECT_TRUE(absl::StrContains(absl::AsciiStrToLower(logs), "authentication")) << logs;
}

// A CA that did not sign the broker's certificate (the system's roots): the handshake fails.
TEST_F(KafkaTlsTest, AnUntrustedBrokerCertificateDeliversNothing) {
  auto env = *ssl_;
  env["RATHAUS_KAFKA_SSL_CA_FILE"] = "/etc/ssl/certs/ca-certificates.crt";
  std::string logs;
  EXPECT_EQ(RunEventPath(env, absl::Seconds(10), 50, &logs), 0) << logs;
  EXPECT_TRUE(absl::StrContains(logs, "certificate verify failed")) << logs;
}

}  // namespace
}  // namespace rathaus::testing
