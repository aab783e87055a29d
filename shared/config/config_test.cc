#include "shared/config/config.h"
#include "shared/config/platform.h"
#include "shared/kafka/connection.h"
#include "shared/kafka/producer.h"

#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace rathaus::platform {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// Each test gets its own fake environment, so nothing depends on the real one.
class EnvConfigTest : public ::testing::Test {
 protected:
  EnvConfig Config() {
    return EnvConfig([this](const char* name) -> const char* {
      auto it = env_.find(name);
      return it == env_.end() ? nullptr : it->second.c_str();
    });
  }

  // Writes `contents` to a fresh file in the test's temporary folder and returns its path.
  std::string WriteTempFile(const std::string& contents) {
    std::string path = ::testing::TempDir() + "config_test_XXXXXX";
    const int fd = ::mkstemp(path.data());
    EXPECT_GE(fd, 0);
    EXPECT_EQ(::write(fd, contents.data(), contents.size()),
              static_cast<ssize_t>(contents.size()));
    ::close(fd);
    created_.push_back(path);
    return path;
  }

  void TearDown() override {
    for (const std::string& path : created_) std::remove(path.c_str());
  }

  std::map<std::string, std::string, std::less<>> env_;
  std::vector<std::string> created_;
};

TEST_F(EnvConfigTest, StringReadsValueOrDefault) {
  env_["RATHAUS_BROKERS"] = "kafka:9092";
  EnvConfig env = Config();
  EXPECT_EQ(env.String("RATHAUS_BROKERS"), "kafka:9092");
  EXPECT_EQ(env.String("RATHAUS_UNSET", "fallback"), "fallback");
  EXPECT_TRUE(env.ok());
}

TEST_F(EnvConfigTest, EmptyValueCountsAsMissing) {
  env_["RATHAUS_EMPTY"] = "";
  EnvConfig env = Config();
  EXPECT_EQ(env.String("RATHAUS_EMPTY", "fallback"), "fallback");
  EXPECT_TRUE(env.ok());
  EXPECT_EQ(env.String("RATHAUS_EMPTY"), "");
  EXPECT_THAT(env.errors(), ElementsAre("RATHAUS_EMPTY: expected a value, got nothing"));
}

TEST_F(EnvConfigTest, StringWithoutDefaultIsRequired) {
  EnvConfig env = Config();
  env.String("RATHAUS_REQUIRED");
  EXPECT_FALSE(env.ok());
  EXPECT_THAT(env.errors(), ElementsAre("RATHAUS_REQUIRED: expected a value, got nothing"));
}

TEST_F(EnvConfigTest, IntAcceptsValuesInRange) {
  env_["RATHAUS_A"] = "1";
  env_["RATHAUS_B"] = "64";
  env_["RATHAUS_C"] = "-5";
  EnvConfig env = Config();
  EXPECT_EQ(env.Int("RATHAUS_A", 4, 1, 64), 1);
  EXPECT_EQ(env.Int("RATHAUS_B", 4, 1, 64), 64);
  EXPECT_EQ(env.Int("RATHAUS_C", 0, -10, 10), -5);
  EXPECT_EQ(env.Int("RATHAUS_UNSET", 4, 1, 64), 4);
  EXPECT_TRUE(env.ok()) << env.errors().front();
}

TEST_F(EnvConfigTest, IntRejectsOutOfRange) {
  env_["RATHAUS_LOW"] = "0";
  env_["RATHAUS_HIGH"] = "65";
  EnvConfig env = Config();
  EXPECT_EQ(env.Int("RATHAUS_LOW", 4, 1, 64), 4);
  EXPECT_EQ(env.Int("RATHAUS_HIGH", 4, 1, 64), 4);
  EXPECT_THAT(env.errors(),
              ElementsAre("RATHAUS_LOW: expected an integer in [1, 64], got \"0\"",
                          "RATHAUS_HIGH: expected an integer in [1, 64], got \"65\""));
}

TEST_F(EnvConfigTest, IntRejectsMalformedNumbers) {
  for (const char* bad : {"x", "12abc", " 5", "5 ", "+5", "1.5", "0x10", "--1",
                          "99999999999999999999"}) {
    env_["RATHAUS_WORKERS"] = bad;
    EnvConfig env = Config();
    env.Int("RATHAUS_WORKERS", 4, 1, 64);
    EXPECT_THAT(env.errors(), ElementsAre(absl::StrCat(
                                  "RATHAUS_WORKERS: expected an integer in [1, 64], got \"", bad,
                                  "\"")))
        << bad;
  }
}

TEST_F(EnvConfigTest, IntWithoutDefaultIsRequired) {
  EnvConfig env = Config();
  env.Int("RATHAUS_WORKERS", std::nullopt, 1, 64);
  EXPECT_THAT(env.errors(),
              ElementsAre("RATHAUS_WORKERS: expected an integer in [1, 64], got nothing"));
}

TEST_F(EnvConfigTest, BoolAcceptsEverySpellingInAnyCase) {
  const std::map<std::string, bool> spellings = {
      {"true", true},  {"TRUE", true},   {"True", true}, {"1", true},    {"yes", true},
      {"YES", true},   {"on", true},     {"On", true},   {"false", false}, {"FALSE", false},
      {"0", false},    {"no", false},    {"No", false},  {"off", false}, {"OFF", false}};
  for (const auto& [text, expected] : spellings) {
    env_["RATHAUS_FLAG"] = text;
    EnvConfig env = Config();
    EXPECT_EQ(env.Bool("RATHAUS_FLAG", !expected), expected) << text;
    EXPECT_TRUE(env.ok()) << text;
  }
}

TEST_F(EnvConfigTest, BoolRejectsOtherText) {
  for (const char* bad : {"maybe", "2", "y", "n", "enabled", " true"}) {
    env_["RATHAUS_FLAG"] = bad;
    EnvConfig env = Config();
    EXPECT_TRUE(env.Bool("RATHAUS_FLAG", true)) << bad;
    EXPECT_THAT(env.errors(),
                ElementsAre(absl::StrCat("RATHAUS_FLAG: expected a boolean (true/false, 1/0, "
                                         "yes/no, on/off), got \"",
                                         bad, "\"")));
  }
}

TEST_F(EnvConfigTest, BoolDefaultAndRequired) {
  EnvConfig env = Config();
  EXPECT_TRUE(env.Bool("RATHAUS_UNSET", true));
  EXPECT_FALSE(env.Bool("RATHAUS_UNSET", false));
  EXPECT_TRUE(env.ok());
  env.Bool("RATHAUS_UNSET", std::nullopt);
  EXPECT_THAT(env.errors(), ElementsAre(HasSubstr("got nothing")));
}

TEST_F(EnvConfigTest, DurationParsesGoStyle) {
  env_["RATHAUS_A"] = "250ms";
  env_["RATHAUS_B"] = "10s";
  env_["RATHAUS_C"] = "1m30s";
  env_["RATHAUS_D"] = "0";
  env_["RATHAUS_E"] = "1.5h";
  env_["RATHAUS_F"] = "14d";
  env_["RATHAUS_G"] = "1d12h";
  EnvConfig env = Config();
  EXPECT_EQ(env.Duration("RATHAUS_A", std::nullopt), absl::Milliseconds(250));
  EXPECT_EQ(env.Duration("RATHAUS_B", std::nullopt), absl::Seconds(10));
  EXPECT_EQ(env.Duration("RATHAUS_C", std::nullopt), absl::Seconds(90));
  EXPECT_EQ(env.Duration("RATHAUS_D", std::nullopt), absl::ZeroDuration());
  EXPECT_EQ(env.Duration("RATHAUS_E", std::nullopt), absl::Minutes(90));
  EXPECT_EQ(env.Duration("RATHAUS_F", std::nullopt), absl::Hours(14 * 24));
  EXPECT_EQ(env.Duration("RATHAUS_G", std::nullopt), absl::Hours(36));
  EXPECT_EQ(env.Duration("RATHAUS_UNSET", absl::Minutes(10)), absl::Minutes(10));
  EXPECT_TRUE(env.ok()) << env.errors().front();
}

TEST_F(EnvConfigTest, DurationRejectsMalformedNegativeAndInfinite) {
  for (const char* bad : {"10", "abc", "10 s", "s", "1m30", "-5s", "-1ms", "inf", "-inf", "d",
                          "1d-5s", "5dd"}) {
    env_["RATHAUS_HOLD"] = bad;
    EnvConfig env = Config();
    EXPECT_EQ(env.Duration("RATHAUS_HOLD", absl::Minutes(10)), absl::Minutes(10)) << bad;
    EXPECT_THAT(env.errors(),
                ElementsAre(absl::StrCat("RATHAUS_HOLD: expected a non-negative duration such "
                                         "as 250ms, 10s, 1m30s or 14d, got \"",
                                         bad, "\"")));
  }
}

TEST_F(EnvConfigTest, DurationWithoutDefaultIsRequired) {
  EnvConfig env = Config();
  env.Duration("RATHAUS_HOLD", std::nullopt);
  EXPECT_THAT(env.errors(), ElementsAre(HasSubstr("RATHAUS_HOLD: expected a non-negative")));
}

TEST_F(EnvConfigTest, HostPortAcceptsHostsAndAddresses) {
  for (const char* good : {"localhost:6379", "127.0.0.1:9092", "redis.rathaus.svc:1",
                           "kafka-0:65535", "[::1]:50051", "[2001:db8::1]:443"}) {
    env_["RATHAUS_ADDR"] = good;
    EnvConfig env = Config();
    EXPECT_EQ(env.HostPort("RATHAUS_ADDR", std::nullopt), good);
    EXPECT_TRUE(env.ok()) << good;
  }
}

TEST_F(EnvConfigTest, HostPortRejectsBadOrMissingPort) {
  for (const char* bad : {"localhost", "localhost:", ":80", "host:0", "host:65536",
                          "host:http", "host:-1", "host:+80", "host:80:81", "::1:80", "[::1]",
                          "[]:80", "[::1:80", "ho st:80", "host:123456"}) {
    env_["RATHAUS_ADDR"] = bad;
    EnvConfig env = Config();
    EXPECT_EQ(env.HostPort("RATHAUS_ADDR", "127.0.0.1:1"), "127.0.0.1:1") << bad;
    EXPECT_THAT(env.errors(),
                ElementsAre(absl::StrCat("RATHAUS_ADDR: expected host:port with a port in "
                                         "1..65535, got \"",
                                         bad, "\"")));
  }
}

TEST_F(EnvConfigTest, GrpcTargetTakesAddressesNamesAndLists) {
  for (const char* good : {"127.0.0.1:50051", "dns:///rathaus-appointments-headless.rathaus.svc:50051",
                           "ipv4:127.0.0.1:1,127.0.0.1:2", "ipv4:10.0.0.1:50051"}) {
    env_["RATHAUS_ADDR"] = good;
    EnvConfig env = Config();
    EXPECT_EQ(env.GrpcTarget("RATHAUS_ADDR", std::nullopt), good);
    EXPECT_TRUE(env.ok()) << good;
  }
  for (const char* bad : {"dns:///host", "dns://host:1", "ipv4:", "ipv4:1.2.3.4:1,", "ipv4:h:0",
                          "unix:/tmp/x", "host"}) {
    env_["RATHAUS_ADDR"] = bad;
    EnvConfig env = Config();
    EXPECT_EQ(env.GrpcTarget("RATHAUS_ADDR", "127.0.0.1:1"), "127.0.0.1:1") << bad;
    EXPECT_THAT(env.errors(), ElementsAre(HasSubstr("dns:///host:port"))) << bad;
  }
}

TEST_F(EnvConfigTest, HostPortZeroOnlyWhenAllowed) {
  env_["RATHAUS_LISTEN"] = "0.0.0.0:0";
  EnvConfig env = Config();
  EXPECT_EQ(env.HostPort("RATHAUS_LISTEN", std::nullopt, /*allow_port_zero=*/true), "0.0.0.0:0");
  EXPECT_TRUE(env.ok());
  env.HostPort("RATHAUS_LISTEN", std::nullopt);
  EXPECT_THAT(env.errors(), ElementsAre("RATHAUS_LISTEN: expected host:port with a port in "
                                        "1..65535, got \"0.0.0.0:0\""));
}

TEST_F(EnvConfigTest, HostPortDefaultAndRequired) {
  EnvConfig env = Config();
  EXPECT_EQ(env.HostPort("RATHAUS_UNSET", "127.0.0.1:9092"), "127.0.0.1:9092");
  EXPECT_TRUE(env.ok());
  env.HostPort("RATHAUS_UNSET", std::nullopt, true);
  EXPECT_THAT(env.errors(), ElementsAre("RATHAUS_UNSET: expected host:port with a port in "
                                        "0..65535, got nothing"));
}

TEST_F(EnvConfigTest, OneOfMatchesExactly) {
  const std::vector<std::string> levels = {"debug", "info", "warn", "error"};
  env_["RATHAUS_LOG_LEVEL"] = "warn";
  EnvConfig env = Config();
  EXPECT_EQ(env.OneOf("RATHAUS_LOG_LEVEL", "info", levels), "warn");
  EXPECT_EQ(env.OneOf("RATHAUS_UNSET", "info", levels), "info");
  EXPECT_TRUE(env.ok());

  env_["RATHAUS_LOG_LEVEL"] = "WARN";
  EnvConfig bad = Config();
  EXPECT_EQ(bad.OneOf("RATHAUS_LOG_LEVEL", "info", levels), "info");
  bad.OneOf("RATHAUS_UNSET", std::nullopt, levels);
  EXPECT_THAT(bad.errors(),
              ElementsAre("RATHAUS_LOG_LEVEL: expected one of debug, info, warn, error, got "
                          "\"WARN\"",
                          "RATHAUS_UNSET: expected one of debug, info, warn, error, got nothing"));
}

// The Redis URL (with its password) from a mounted Secret file instead of the environment.
TEST_F(EnvConfigTest, RedisUrlFromAFile) {
  env_["RATHAUS_REDIS_URL_FILE"] = WriteTempFile("redis://:s3cret@redis.rathaus.svc:6380/2\n");
  EnvConfig env = Config();
  PlatformConfig c = PlatformConfig::FromEnv(env, "test");
  EXPECT_TRUE(env.ok()) << env.errors()[0];
  EXPECT_EQ(c.redis.host, "redis.rathaus.svc");
  EXPECT_EQ(c.redis.port, 6380);
  EXPECT_EQ(c.redis.password, "s3cret");

  env_["RATHAUS_REDIS_URL"] = "redis://127.0.0.1:6379";
  EnvConfig both = Config();
  PlatformConfig::FromEnv(both, "test");
  EXPECT_THAT(both.errors(), ElementsAre(HasSubstr("not both")));

  env_.erase("RATHAUS_REDIS_URL");
  env_["RATHAUS_REDIS_URL_FILE"] = WriteTempFile("rediss://:s3cret@redis:6380\n");
  EnvConfig tls = Config();
  PlatformConfig with_tls = PlatformConfig::FromEnv(tls, "test");
  EXPECT_TRUE(tls.ok()) << tls.errors()[0];
  EXPECT_TRUE(with_tls.redis.tls.enabled);
  EXPECT_EQ(with_tls.redis.port, 6380);
}

// rediss://: the CA, the client certificate and key (together) and the server name; the TLS
// settings with redis:// are refused, they would silently do nothing.
TEST_F(EnvConfigTest, RedisTlsSettings) {
  env_["RATHAUS_REDIS_URL"] = "rediss://:s3cret@redis.rathaus.svc:6380/1";
  env_["RATHAUS_REDIS_TLS_CA_FILE"] = WriteTempFile("-----BEGIN CERTIFICATE-----\n");
  env_["RATHAUS_REDIS_TLS_CERT_FILE"] = WriteTempFile("cert");
  env_["RATHAUS_REDIS_TLS_KEY_FILE"] = WriteTempFile("key");
  env_["RATHAUS_REDIS_TLS_SERVER_NAME"] = "redis.internal";
  EnvConfig env = Config();
  PlatformConfig c = PlatformConfig::FromEnv(env, "test");
  ASSERT_TRUE(env.ok()) << env.errors()[0];
  EXPECT_TRUE(c.redis.tls.enabled);
  EXPECT_EQ(c.redis.tls.ca_file, env_["RATHAUS_REDIS_TLS_CA_FILE"]);
  EXPECT_EQ(c.redis.tls.cert_file, env_["RATHAUS_REDIS_TLS_CERT_FILE"]);
  EXPECT_EQ(c.redis.tls.key_file, env_["RATHAUS_REDIS_TLS_KEY_FILE"]);
  EXPECT_EQ(c.redis.tls.server_name, "redis.internal");
  EXPECT_EQ(c.redis.db, 1);

  env_.erase("RATHAUS_REDIS_TLS_KEY_FILE");
  EnvConfig half = Config();
  PlatformConfig::FromEnv(half, "test");
  EXPECT_THAT(half.errors(), ElementsAre(HasSubstr("RATHAUS_REDIS_TLS_KEY_FILE")));

  env_["RATHAUS_REDIS_TLS_KEY_FILE"] = "/nonexistent/key.pem";
  EnvConfig missing = Config();
  PlatformConfig::FromEnv(missing, "test");
  EXPECT_THAT(missing.errors(), ElementsAre(HasSubstr("RATHAUS_REDIS_TLS_KEY_FILE")));

  env_.erase("RATHAUS_REDIS_TLS_CERT_FILE");
  env_.erase("RATHAUS_REDIS_TLS_KEY_FILE");
  env_["RATHAUS_REDIS_URL"] = "redis://:s3cret@redis.rathaus.svc:6379";
  EnvConfig plain = Config();
  PlatformConfig::FromEnv(plain, "test");
  EXPECT_THAT(plain.errors(), ElementsAre(HasSubstr("RATHAUS_REDIS_TLS_CA_FILE"),
                                          HasSubstr("RATHAUS_REDIS_TLS_SERVER_NAME")));
  for (const auto& e : plain.errors()) EXPECT_THAT(e, Not(HasSubstr("s3cret")));
}

// TLS + SASL PLAIN to the brokers: settings every Kafka client of the process uses; librdkafka
// accepts them (a producer is created with them, nothing connects). The connections themselves:
// tests/integration/kafka_tls_test.cc.
TEST_F(EnvConfigTest, KafkaTlsAndSaslSettings) {
  env_["RATHAUS_KAFKA_SECURITY_PROTOCOL"] = "sasl_ssl";
  env_["RATHAUS_KAFKA_SASL_MECHANISM"] = "PLAIN";
  env_["RATHAUS_KAFKA_SASL_USERNAME"] = "rathaus-appointments";
  env_["RATHAUS_KAFKA_SASL_PASSWORD_FILE"] = WriteTempFile("pa55word\n");
  env_["RATHAUS_KAFKA_SSL_CA_FILE"] = "/etc/ssl/certs/ca-certificates.crt";
  EnvConfig env = Config();
  PlatformConfig c = PlatformConfig::FromEnv(env, "test");
  ASSERT_TRUE(env.ok()) << env.errors()[0];
  EXPECT_THAT(c.kafka_connection, ::testing::IsSupersetOf(std::vector<std::pair<std::string, std::string>>{
                                      {"security.protocol", "sasl_ssl"},
                                      {"sasl.mechanism", "PLAIN"},
                                      {"sasl.username", "rathaus-appointments"},
                                      {"sasl.password", "pa55word"},
                                      {"ssl.ca.location", "/etc/ssl/certs/ca-certificates.crt"}}));
  EXPECT_EQ(kafka::ConnectionSettings(), c.kafka_connection);
  auto producer = kafka::Producer::Create({.brokers = "127.0.0.1:1"});
  EXPECT_TRUE(producer.ok()) << producer.status();

  // SCRAM with a librdkafka older than 2.6.1 (Debian 12 has 2.0.2) is refused with the reason:
  // Kafka 4 brokers reject its SCRAM proofs (librdkafka#4895), every connection would fail.
  env_["RATHAUS_KAFKA_SASL_MECHANISM"] = "SCRAM-SHA-512";
  EnvConfig scram = Config();
  PlatformConfig::FromEnv(scram, "test");
  if (rd_kafka_version() < 0x020601ff) {
    EXPECT_THAT(scram.errors(), ElementsAre(AllOf(HasSubstr("RATHAUS_KAFKA_SASL_MECHANISM"), HasSubstr("2.6.1"),
                                                  HasSubstr("RATHAUS_KAFKA_SECURITY_PROTOCOL=ssl"))));
  } else {
    EXPECT_TRUE(scram.ok()) << scram.errors()[0];
  }
  env_["RATHAUS_KAFKA_SASL_MECHANISM"] = "PLAIN";

  // SASL without its password file, or TLS settings with plaintext, are refused by name.
  env_.erase("RATHAUS_KAFKA_SASL_PASSWORD_FILE");
  EnvConfig missing = Config();
  PlatformConfig::FromEnv(missing, "test");
  EXPECT_THAT(missing.errors(), ElementsAre(HasSubstr("RATHAUS_KAFKA_SASL_PASSWORD_FILE")));
  env_["RATHAUS_KAFKA_SECURITY_PROTOCOL"] = "plaintext";
  EnvConfig plain = Config();
  PlatformConfig::FromEnv(plain, "test");
  EXPECT_THAT(plain.errors(), ::testing::Contains(HasSubstr("RATHAUS_KAFKA_SASL_MECHANISM")));
  kafka::SetConnectionSettings({});
}

TEST_F(EnvConfigTest, SecretFileReturnsContents) {
  env_["RATHAUS_HMAC_KEY_FILE"] = WriteTempFile(std::string("k3y\0bytes\n", 10));
  EnvConfig env = Config();
  EXPECT_EQ(env.SecretFile("RATHAUS_HMAC_KEY_FILE", true), std::string("k3y\0bytes\n", 10));
  EXPECT_TRUE(env.ok());
}

TEST_F(EnvConfigTest, SecretFileOptionalWhenNotRequired) {
  EnvConfig env = Config();
  EXPECT_EQ(env.SecretFile("RATHAUS_UNSET", false), "");
  EXPECT_TRUE(env.ok());
  EXPECT_EQ(env.SecretFile("RATHAUS_UNSET", true), "");
  EXPECT_THAT(env.errors(), ElementsAre("RATHAUS_UNSET: expected the path of a file holding the "
                                        "secret, got nothing"));
}

TEST_F(EnvConfigTest, SecretFileMissingFileNamesPath) {
  const std::string path = ::testing::TempDir() + "config_test_does_not_exist";
  env_["RATHAUS_KEY_FILE"] = path;
  EnvConfig env = Config();
  EXPECT_EQ(env.SecretFile("RATHAUS_KEY_FILE", false), "");
  EXPECT_THAT(env.errors(),
              ElementsAre(absl::StrCat("RATHAUS_KEY_FILE: expected a readable secret file (No "
                                       "such file or directory), got \"",
                                       path, "\"")));
}

TEST_F(EnvConfigTest, SecretFileRejectsEmptyFileAndDirectory) {
  const std::string empty = WriteTempFile("");
  env_["RATHAUS_EMPTY_FILE"] = empty;
  env_["RATHAUS_DIR"] = ::testing::TempDir();
  EnvConfig env = Config();
  EXPECT_EQ(env.SecretFile("RATHAUS_EMPTY_FILE", true), "");
  EXPECT_EQ(env.SecretFile("RATHAUS_DIR", true), "");
  ASSERT_EQ(env.errors().size(), 2u);
  EXPECT_EQ(env.errors()[0],
            absl::StrCat("RATHAUS_EMPTY_FILE: expected a non-empty secret file, got \"", empty,
                         "\""));
  EXPECT_THAT(env.errors()[1], HasSubstr("RATHAUS_DIR: expected a readable secret file (not a "
                                         "regular file)"));
}

TEST_F(EnvConfigTest, SecretContentsNeverAppearInErrors) {
  env_["RATHAUS_KEY_FILE"] = WriteTempFile("hunter2-top-secret");
  EnvConfig env = Config();
  env.SecretFile("RATHAUS_KEY_FILE", true);
  env.Int("RATHAUS_KEY_FILE", std::nullopt, 0, 1);  // a misuse that fails on the path
  for (const std::string& error : env.errors()) {
    EXPECT_THAT(error, Not(HasSubstr("hunter2")));
  }
}

TEST_F(EnvConfigTest, ErrorValuesAreEscapedToOneLine) {
  env_["RATHAUS_WORKERS"] = "4\"\n5";
  EnvConfig env = Config();
  env.Int("RATHAUS_WORKERS", 4, 1, 64);
  EXPECT_THAT(env.errors(),
              ElementsAre("RATHAUS_WORKERS: expected an integer in [1, 64], got \"4\\\"\\n5\""));
}

TEST_F(EnvConfigTest, RejectRecordsCallersOwnCheckInTheSameFormat) {
  EnvConfig env = Config();
  env.Reject("RATHAUS_BROKERS", "a comma-separated list of host:port", "kafka:9092,");
  env.Reject("RATHAUS_OTHER", "a value", "");
  EXPECT_THAT(env.errors(),
              ElementsAre("RATHAUS_BROKERS: expected a comma-separated list of host:port, got "
                          "\"kafka:9092,\"",
                          "RATHAUS_OTHER: expected a value, got nothing"));
}

TEST_F(EnvConfigTest, DefaultConstructorReadsProcessEnvironment) {
  ASSERT_EQ(::setenv("RATHAUS_CONFIG_TEST_PROCESS_VAR", "from-env", 1), 0);
  EnvConfig env;
  EXPECT_EQ(env.String("RATHAUS_CONFIG_TEST_PROCESS_VAR"), "from-env");
  ::unsetenv("RATHAUS_CONFIG_TEST_PROCESS_VAR");
  EXPECT_TRUE(env.ok());
}

TEST_F(EnvConfigTest, ExitOnErrorReturnsWhenOk) {
  EnvConfig env = Config();
  env.String("RATHAUS_UNSET", "x");
  env.ExitOnError();
  SUCCEED();
}

TEST_F(EnvConfigTest, ExitOnErrorPrintsFirstProblemAndExitsWith2) {
  env_["RATHAUS_X"] = "x";
  EXPECT_EXIT(
      {
        EnvConfig env = Config();
        env.Int("RATHAUS_X", 4, 1, 64);
        env.String("RATHAUS_SECOND");
        env.ExitOnError();
      },
      ::testing::ExitedWithCode(2),
      "config: RATHAUS_X: expected an integer in \\[1, 64\\], got \"x\"");
}

TEST_F(EnvConfigTest, ExitOnErrorPrintsOnlyOneLine) {
  EXPECT_EXIT(
      {
        EnvConfig env = Config();
        env.String("RATHAUS_X");
        env.String("RATHAUS_SECOND");
        env.ExitOnError();
      },
      ::testing::ExitedWithCode(2), "^config: RATHAUS_X: expected a value, got nothing\n$");
}

TEST_F(EnvConfigTest, AllProblemsAreCollected) {
  env_["RATHAUS_A"] = "nope";
  EnvConfig env = Config();
  env.Bool("RATHAUS_A", false);
  env.Duration("RATHAUS_B", std::nullopt);
  env.String("RATHAUS_C");
  EXPECT_EQ(env.errors().size(), 3u);
}

}  // namespace
}  // namespace rathaus::platform
