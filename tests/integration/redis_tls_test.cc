// rediss://: the Redis client over TLS (shared/redis/tls_tunnel.h) against a real Redis 7 that
// listens only on a TLS port and asks for client certificates (tls-auth-clients yes). The
// certificates are made with openssl for the test: a CA, the server (IP 127.0.0.1 and DNS
// redis.test), a client, and a second CA the server does not use.
#include <dirent.h>
#include <signal.h>

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "shared/outbox/outbox.h"
#include "shared/kafka/admin.h"
#include "shared/redis/redis.h"
#include "tests/harness/events.h"
#include "tests/harness/harness.h"

namespace rathaus::testing {
namespace {

using platform::redis::Options;
using platform::redis::Pool;
using platform::redis::Reply;

int ThreadCount() {
  int n = 0;
  if (DIR* d = opendir("/proc/self/task")) {
    while (dirent* e = readdir(d)) n += e->d_name[0] != '.';
    closedir(d);
  }
  return n;
}

class RedisTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(absl::StrCat(::testing::TempDir(), "/redis_tls_", getpid()));
    RunTool(absl::StrCat("rm -rf ", *dir_, " && mkdir -p ", *dir_));
    auto ca = [](const std::string& name) {
      Sh(absl::StrCat("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ", name,
                      ".key -out ", name, ".crt -subj /CN=", name, " -days 1"));
    };
    ca("ca");
    ca("rogue");
    Issue("ca", "server", "subjectAltName=IP:127.0.0.1,DNS:redis.test\\nextendedKeyUsage=serverAuth\\n");
    Issue("ca", "client", "extendedKeyUsage=clientAuth\\n");
    port_ = FreePort();
    StartRedis();
  }
  static void TearDownTestSuite() {
    redis_.reset();
    Sh(absl::StrCat("rm -rf ", *dir_));
    delete dir_;
  }

  static std::string Sh(const std::string& command) {
    return RunTool(absl::StrCat("cd ", *dir_, " && ", command, " 2>&1"));
  }
  static void Issue(const std::string& ca, const std::string& name, const std::string& ext) {
    Sh(absl::StrCat("printf '", ext, "' > ", name, ".ext && openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ",
                    name, ".key -out ", name, ".csr -subj /CN=", name, " && openssl x509 -req -in ", name,
                    ".csr -CA ", ca, ".crt -CAkey ", ca, ".key -CAcreateserial -out ", name,
                    ".crt -days 1 -extfile ", name, ".ext && chmod 0600 ", name, ".key"));
  }
  static void StartRedis() {
    const std::string server = RunTool("command -v redis-server");
    ASSERT_FALSE(server.empty()) << "redis-server is not installed";
    redis_ = std::make_unique<Child>(
        server,
        std::vector<std::string>{"--port", "0", "--tls-port", std::to_string(port_), "--bind", "127.0.0.1",
                                 "--tls-cert-file", *dir_ + "/server.crt", "--tls-key-file", *dir_ + "/server.key",
                                 "--tls-ca-cert-file", *dir_ + "/ca.crt", "--tls-auth-clients", "yes",
                                 "--requirepass", "s3cret", "--save", "", "--appendonly", "no", "--dir", *dir_},
        std::map<std::string, std::string>{});
    Options o = TlsOptions();
    ASSERT_TRUE(WaitFor([&] { return Pool(o).Ping().ok(); }, absl::Seconds(20)))
        << "the TLS Redis did not start: " << redis_->Stderr();
  }
  static Options TlsOptions() {
    Options o = *Options::FromUrl(absl::StrCat("rediss://:s3cret@127.0.0.1:", port_));
    o.tls.ca_file = *dir_ + "/ca.crt";
    o.tls.cert_file = *dir_ + "/client.crt";
    o.tls.key_file = *dir_ + "/client.key";
    return o;
  }

  static std::string* dir_;
  static int port_;
  static std::unique_ptr<Child> redis_;
};
std::string* RedisTlsTest::dir_ = nullptr;
int RedisTlsTest::port_ = 0;
std::unique_ptr<Child> RedisTlsTest::redis_;

TEST_F(RedisTlsTest, CommandsScriptsPipelinesAndLargeValuesOverTls) {
  const int threads_before = ThreadCount();
  {
    Pool pool(TlsOptions());
    const std::string key = UniqueName("tls");
    ASSERT_TRUE(pool.Command({"SET", key, std::string("a\0b", 3)}).ok());
    auto got = pool.Command({"GET", key});
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->str, std::string("a\0b", 3));

    // 5 MiB each way: more than the tunnel's buffers (256 KiB) and many TLS records.
    std::string big(5 << 20, '\0');
    for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 131) % 251);
    ASSERT_TRUE(pool.Command({"SET", key + "-big", big}).ok());
    got = pool.Command({"GET", key + "-big"});
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_TRUE(got->str == big) << "the 5 MiB value came back different (" << got->str.size() << " bytes)";

    platform::redis::Script sum("tls_sum", "return tonumber(ARGV[1]) + tonumber(ARGV[2])");
    auto r = pool.Eval(sum, {}, {"20", "22"});
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->integer, 42);

    platform::redis::Script incr("tls_incr", "return redis.call('INCR', KEYS[1])");
    std::vector<platform::redis::ScriptCall> calls(2000, {{key + "-n"}, {}});
    auto many = pool.EvalMany(incr, calls);
    ASSERT_TRUE(many.ok()) << many.status();
    ASSERT_EQ(many->size(), 2000u);
    EXPECT_EQ((*many)[1999]->integer, 2000);

    // Eight threads at once share the pool's TLS connections.
    std::vector<std::thread> workers;
    std::atomic<int> failures{0};
    for (int t = 0; t < 8; ++t) {
      workers.emplace_back([&] {
        for (int i = 0; i < 500; ++i) {
          if (!pool.Command({"INCR", key + "-c"}).ok()) failures++;
        }
      });
    }
    for (auto& w : workers) w.join();
    EXPECT_EQ(failures.load(), 0);
    auto count = pool.Command({"GET", key + "-c"});
    ASSERT_TRUE(count.ok());
    EXPECT_EQ(count->str, "4000");
  }
  // Every connection's tunnel thread ended with the pool.
  EXPECT_TRUE(WaitFor([&] { return ThreadCount() <= threads_before; }, absl::Seconds(5)))
      << ThreadCount() << " threads, " << threads_before << " before the pool";
}

TEST_F(RedisTlsTest, TimeoutsAndBlockingReadsStillHold) {
  Options o = TlsOptions();
  o.command_timeout = absl::Milliseconds(300);
  Pool pool(o);
  const std::string key = UniqueName("tls-block");
  const absl::Time start = absl::Now();
  auto r = pool.Command({"BLPOP", key, "0"});  // blocks forever on the server
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded) << r.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_TRUE(pool.Ping().ok()) << "a new connection after the timed-out one";

  auto dedicated = pool.Dedicated(absl::Seconds(2));
  ASSERT_TRUE(dedicated.ok()) << dedicated.status();
  auto read = (*dedicated)->Command({"XREAD", "BLOCK", "500", "STREAMS", key + "-s", "$"});
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_TRUE(read->is_nil());
}

TEST_F(RedisTlsTest, TheServersCertificateIsVerified) {
  Options rogue = TlsOptions();
  rogue.tls.ca_file = *dir_ + "/rogue.crt";
  auto status = Pool(rogue).Ping();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(status.message(), "certificate")) << status;

  Options other_name = TlsOptions();
  other_name.tls.server_name = "other.test";
  status = Pool(other_name).Ping();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(status.message(), "other.test")) << status;

  Options by_name = TlsOptions();
  by_name.tls.server_name = "redis.test";  // the certificate's DNS name, at 127.0.0.1
  EXPECT_TRUE(Pool(by_name).Ping().ok());

  Options system_roots = TlsOptions();
  system_roots.tls.ca_file.clear();  // the system's roots do not know the test CA
  EXPECT_FALSE(Pool(system_roots).Ping().ok());
}

TEST_F(RedisTlsTest, WithoutTlsOrAClientCertificateNothingGetsThrough) {
  Options no_cert = TlsOptions();
  no_cert.tls.cert_file.clear();
  no_cert.tls.key_file.clear();
  EXPECT_FALSE(Pool(no_cert).Ping().ok());

  Options plain = TlsOptions();
  plain.tls.enabled = false;  // redis:// to the TLS port
  plain.command_timeout = absl::Milliseconds(500);
  const absl::Time start = absl::Now();
  EXPECT_FALSE(Pool(plain).Ping().ok());
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

// The CA file is read for every new connection: a renewed file is used without a new pool.
TEST_F(RedisTlsTest, RenewedFilesAreReadForTheNextConnection) {
  Sh("cp rogue.crt roots.crt");
  Options o = TlsOptions();
  o.tls.ca_file = *dir_ + "/roots.crt";
  Pool pool(o);
  EXPECT_FALSE(pool.Ping().ok());
  Sh("cp ca.crt roots.new && mv roots.new roots.crt");
  EXPECT_TRUE(WaitFor([&] { return pool.Ping().ok(); }, absl::Seconds(5)));  // after the pool's backoff
}

// Redis goes away: calls fail fast (no hang in the tunnel), and work again once it is back.
TEST_F(RedisTlsTest, ServerRestartBreaksAndThenRestoresTheConnections) {
  Options o = TlsOptions();
  o.command_timeout = absl::Seconds(2);
  Pool pool(o);
  ASSERT_TRUE(pool.Ping().ok());
  redis_->Kill(SIGKILL);
  redis_->Wait(absl::Seconds(10));
  const absl::Time start = absl::Now();
  EXPECT_EQ(pool.Ping().code(), absl::StatusCode::kUnavailable);
  EXPECT_LT(absl::Now() - start, absl::Seconds(2)) << "the closed TLS connection must end the call at once";
  StartRedis();
  EXPECT_TRUE(WaitFor([&] { return pool.Ping().ok(); }, absl::Seconds(10)));
}

// A real process configured only by its environment (RATHAUS_REDIS_URL=rediss://...,
// RATHAUS_REDIS_TLS_*): the relay reads the outbox with blocking XREADs and the consumer applies
// every event once through scripts, all over TLS.
TEST_F(RedisTlsTest, TheEventPathRunsOverTls) {
  Pool pool(TlsOptions());
  const std::string service = UniqueName("tls-relay");
  const std::string prefix = service + ":";
  platform::outbox::Outbox outbox(service, prefix);
  const std::string brokers = SharedServers().kafka_brokers;
  ASSERT_TRUE(platform::kafka::EnsureTopics(brokers, {{outbox.topic(), 3}}, true).ok());
  constexpr int kEvents = 2000;
  ASSERT_TRUE(FillOutbox(pool, outbox, 0, kEvents, 17).ok());
  const std::string group = UniqueName("tls-group");
  PingApplier applier(pool, prefix + "c:", group);
  const std::map<std::string, std::string> env = {
      {"RATHAUS_REDIS_URL", absl::StrCat("rediss://:s3cret@127.0.0.1:", port_)},
      {"RATHAUS_REDIS_TLS_CA_FILE", *dir_ + "/ca.crt"},
      {"RATHAUS_REDIS_TLS_CERT_FILE", *dir_ + "/client.crt"},
      {"RATHAUS_REDIS_TLS_KEY_FILE", *dir_ + "/client.key"},
      {"RATHAUS_KAFKA_BROKERS", brokers},
      {"RATHAUS_LOG_LEVEL", "warn"}};
  Child relay(BinaryDir() + "/rathaus-test-worker", {"relay", service, prefix}, env);
  Child consumer(BinaryDir() + "/rathaus-test-worker", {"consume", group, outbox.topic(), prefix + "c:"}, env);
  EXPECT_TRUE(WaitFor([&] { return applier.Count().ok() && applier.Count()->distinct == kEvents; },
                      absl::Seconds(60)))
      << "applied " << applier.Count()->distinct << " of " << kEvents << "\nrelay: " << relay.Stderr()
      << "\nconsumer: " << consumer.Stderr();
  auto tally = applier.Count();
  ASSERT_TRUE(tally.ok());
  EXPECT_EQ(tally->applied_twice, 0);
  EXPECT_EQ(tally->order_violations, 0);
  EXPECT_EQ(*outbox.Pending(pool), 0);
}

}  // namespace
}  // namespace rathaus::testing
