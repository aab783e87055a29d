#include "shared/grpc/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <future>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/support/method_handler.h>
#include <grpcpp/support/sync_stream.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "shared/config/config.h"
#include "shared/log/log.h"

namespace rathaus::platform {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// grpc.health.v1.HealthCheckResponse.ServingStatus
constexpr int kServing = 1;
constexpr int kNotServing = 2;

constexpr char kEcho[] = "/rathaus.test.v1.Test/Echo";
constexpr char kSleep[] = "/rathaus.test.v1.Test/Sleep";

// Polls `done` until it holds or `timeout` passes; the condition decides, not a fixed sleep.
template <typename F>
bool PollUntil(F done, absl::Duration timeout = absl::Seconds(10)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

GrpcServerOptions TestOptions() {
  GrpcServerOptions o;
  o.listen = "127.0.0.1:0";
  o.probe_interval = absl::Milliseconds(10);
  o.shutdown_grace = absl::Seconds(10);
  return o;
}

// A service without a proto: Echo returns its request; Sleep reads a decimal number of
// milliseconds, sleeps that long unless cancelled first, and answers "slept".
class TestService : public grpc::Service {
 public:
  TestService() {
    Add(kEcho, &TestService::Echo);
    Add(kSleep, &TestService::Sleep);
  }

  std::atomic<int> sleeps_started{0};
  std::atomic<int> sleeps_finished{0};
  std::atomic<int> sleeps_cancelled{0};

 private:
  using Method = grpc::Status (TestService::*)(grpc::ServerContext*, const grpc::ByteBuffer*,
                                               grpc::ByteBuffer*);
  void Add(const char* name, Method method) {
    AddMethod(new grpc::internal::RpcServiceMethod(
        name, grpc::internal::RpcMethod::NORMAL_RPC,
        new grpc::internal::RpcMethodHandler<TestService, grpc::ByteBuffer, grpc::ByteBuffer>(
            [method](TestService* self, grpc::ServerContext* ctx, const grpc::ByteBuffer* req,
                     grpc::ByteBuffer* resp) { return (self->*method)(ctx, req, resp); },
            this)));
  }

  grpc::Status Echo(grpc::ServerContext*, const grpc::ByteBuffer* req, grpc::ByteBuffer* resp) {
    *resp = *req;
    return grpc::Status::OK;
  }

  grpc::Status Sleep(grpc::ServerContext* ctx, const grpc::ByteBuffer* req,
                     grpc::ByteBuffer* resp);
};

std::string ToString(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const grpc::Slice& s : slices) {
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return out;
}

grpc::ByteBuffer ToBuffer(const std::string& data) {
  grpc::Slice slice(data);
  return grpc::ByteBuffer(&slice, 1);
}

grpc::Status TestService::Sleep(grpc::ServerContext* ctx, const grpc::ByteBuffer* req,
                                grpc::ByteBuffer* resp) {
  int64_t ms = 0;
  if (!absl::SimpleAtoi(ToString(*req), &ms)) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "want milliseconds");
  }
  ++sleeps_started;
  const absl::Time until = absl::Now() + absl::Milliseconds(ms);
  while (absl::Now() < until) {
    if (ctx->IsCancelled()) {
      ++sleeps_cancelled;
      return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
    }
    absl::SleepFor(absl::Milliseconds(2));
  }
  ++sleeps_finished;
  *resp = ToBuffer("slept");
  return grpc::Status::OK;
}

struct CallResult {
  grpc::Status status;
  std::string body;
};

// A unary call in flight. The test thread owns the channel, stub and context and keeps them
// until the call completed: with gRPC 1.51, dropping the last reference to a channel inside a
// completion callback makes the callback thread join itself and crash later.
class PendingCall {
 public:
  PendingCall(std::shared_ptr<grpc::Channel> channel, const std::string& method,
              const std::string& body, absl::Duration timeout = absl::Seconds(10))
      : stub_(std::move(channel)), request_(ToBuffer(body)), result_(done_.get_future()) {
    context_.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    stub_.UnaryCall(&context_, method, grpc::StubOptions(), &request_, &response_,
                    [this](grpc::Status status) {
                      done_.set_value({std::move(status), ToString(response_)});
                    });
  }
  ~PendingCall() {
    if (result_.valid()) {
      context_.TryCancel();
      result_.wait();
    }
  }
  PendingCall(const PendingCall&) = delete;
  PendingCall& operator=(const PendingCall&) = delete;

  CallResult get() { return result_.get(); }

 private:
  grpc::GenericStub stub_;
  grpc::ClientContext context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  std::promise<CallResult> done_;
  std::future<CallResult> result_;
};

CallResult Call(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                const std::string& body) {
  return PendingCall(channel, method, body).get();
}

// grpc.health.v1.Health/Check without generated code: HealthCheckRequest is {string service
// = 1}, HealthCheckResponse is {ServingStatus status = 1}. Returns the status, or -1 when the
// call itself failed.
int HealthStatus(const std::shared_ptr<grpc::Channel>& channel, const std::string& service) {
  std::string request;
  if (!service.empty()) {
    request.push_back(0x0a);
    request.push_back(static_cast<char>(service.size()));
    request += service;
  }
  CallResult r = Call(channel, "/grpc.health.v1.Health/Check", request);
  if (!r.status.ok()) return -1;
  if (r.body.empty()) return 0;
  if (r.body.size() != 2 || r.body[0] != 0x08) return -2;
  return r.body[1];
}

std::shared_ptr<grpc::Channel> Insecure(int port) {
  return grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
}

TEST(GrpcServerTest, HealthFollowsReadinessProbes) {
  std::atomic<bool> redis_up{false};
  GrpcServer server("appointments", TestOptions());
  server.AddReadinessProbe("redis", [&] {
    return redis_up ? absl::OkStatus() : absl::UnavailableError("connection refused");
  });
  server.AddReadinessProbe("kafka", [] { return absl::OkStatus(); });
  ASSERT_TRUE(server.Start().ok());
  ASSERT_GT(server.port(), 0);
  auto channel = Insecure(server.port());

  EXPECT_FALSE(server.serving());
  EXPECT_EQ(HealthStatus(channel, ""), kNotServing);
  EXPECT_EQ(HealthStatus(channel, "appointments"), kNotServing);
  EXPECT_EQ(HealthStatus(channel, "other"), -1);  // NOT_FOUND for unknown services

  redis_up = true;
  EXPECT_TRUE(PollUntil([&] { return HealthStatus(channel, "") == kServing; }));
  EXPECT_EQ(HealthStatus(channel, "appointments"), kServing);
  EXPECT_TRUE(server.serving());

  redis_up = false;
  EXPECT_TRUE(PollUntil([&] { return HealthStatus(channel, "appointments") == kNotServing; }));
  EXPECT_EQ(HealthStatus(channel, ""), kNotServing);
  EXPECT_FALSE(server.serving());
}

TEST(GrpcServerTest, ServingRightAfterStartWhenProbesPass) {
  GrpcServer server("appointments", TestOptions());
  server.AddReadinessProbe("redis", [] { return absl::OkStatus(); });
  ASSERT_TRUE(server.Start().ok());
  EXPECT_TRUE(server.serving());  // probes ran before Start() returned
  EXPECT_EQ(HealthStatus(Insecure(server.port()), "appointments"), kServing);
}

TEST(GrpcServerTest, FailingProbeIsLoggedOncePerChange) {
  std::ostringstream out;
  log::Init("test", log::Level::kInfo, &out);
  std::atomic<bool> up{false};
  std::atomic<int> runs{0};
  {
    GrpcServer server("appointments", TestOptions());
    server.AddReadinessProbe("redis", [&] {
      ++runs;
      return up ? absl::OkStatus() : absl::UnavailableError("connection refused");
    });
    ASSERT_TRUE(server.Start().ok());
    ASSERT_TRUE(PollUntil([&] { return runs >= 5; }));
    up = true;
    ASSERT_TRUE(PollUntil([&] { return server.serving(); }));
    const int seen = runs;
    ASSERT_TRUE(PollUntil([&] { return runs >= seen + 5; }));
  }
  log::Init("test", log::Level::kInfo);
  const std::string text = out.str();
  auto count = [&](std::string_view needle) {
    int n = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
      ++n;
    }
    return n;
  };
  EXPECT_EQ(count("readiness probe failing"), 1) << text;
  EXPECT_EQ(count("readiness probe recovered"), 1) << text;
  EXPECT_EQ(count("health SERVING"), 1) << text;
}

TEST(GrpcServerTest, ServesRegisteredServicesAndReflection) {
  TestService service;
  GrpcServer server("appointments", TestOptions());
  server.AddService(&service);
  ASSERT_TRUE(server.Start().ok());
  auto channel = Insecure(server.port());

  CallResult echo = Call(channel, kEcho, "hallo");
  ASSERT_TRUE(echo.status.ok()) << echo.status.error_message();
  EXPECT_EQ(echo.body, "hallo");

  // ServerReflectionRequest{list_services = ""} (field 7) over the bidi stream.
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  std::unique_ptr<grpc::ClientReaderWriter<grpc::ByteBuffer, grpc::ByteBuffer>> stream(
      grpc::internal::ClientReaderWriterFactory<grpc::ByteBuffer, grpc::ByteBuffer>::Create(
          channel.get(),
          grpc::internal::RpcMethod("/grpc.reflection.v1alpha.ServerReflection/"
                                    "ServerReflectionInfo",
                                    grpc::internal::RpcMethod::BIDI_STREAMING),
          &context));
  ASSERT_TRUE(stream->Write(ToBuffer(std::string("\x3a\x00", 2))));
  stream->WritesDone();
  grpc::ByteBuffer response;
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_THAT(ToString(response), HasSubstr("rathaus.test.v1.Test"));
  EXPECT_THAT(ToString(response), HasSubstr("grpc.reflection.v1alpha.ServerReflection"));
  EXPECT_TRUE(stream->Finish().ok());
}

TEST(GrpcServerTest, MessageSizeLimit) {
  TestService service;
  GrpcServerOptions options = TestOptions();
  options.max_message_bytes = 1024;
  GrpcServer server("appointments", options);
  server.AddService(&service);
  ASSERT_TRUE(server.Start().ok());
  auto channel = Insecure(server.port());
  EXPECT_TRUE(Call(channel, kEcho, std::string(512, 'x')).status.ok());
  EXPECT_EQ(Call(channel, kEcho, std::string(2048, 'x')).status.error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST(GrpcServerTest, ShutdownDrainsCallsWithinGraceThenRunsHooksInOrder) {
  TestService service;
  GrpcServer server("appointments", TestOptions());  // grace 10s
  server.AddService(&service);
  std::vector<std::string> hooks;
  int finished_before_hooks = -1;
  server.OnShutdown([&] {
    finished_before_hooks = service.sleeps_finished;
    hooks.push_back("relay");
  });
  server.OnShutdown([&] { hooks.push_back("producer"); });
  ASSERT_TRUE(server.Start().ok());
  auto channel = Insecure(server.port());

  PendingCall slow(channel, kSleep, "300");
  ASSERT_TRUE(PollUntil([&] { return service.sleeps_started == 1; }));
  server.RequestShutdown();
  const absl::Time start = absl::Now();
  server.Wait();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));  // not the whole grace period

  CallResult r = slow.get();
  EXPECT_TRUE(r.status.ok()) << r.status.error_message();
  EXPECT_EQ(r.body, "slept");
  EXPECT_EQ(finished_before_hooks, 1);
  EXPECT_THAT(hooks, ElementsAre("relay", "producer"));
  EXPECT_FALSE(server.serving());
  // The port is closed now.
  EXPECT_EQ(HealthStatus(Insecure(server.port()), ""), -1);
}

TEST(GrpcServerTest, ShutdownCancelsCallsThatOutlastTheGrace) {
  TestService service;
  GrpcServerOptions options = TestOptions();
  options.shutdown_grace = absl::Milliseconds(200);
  GrpcServer server("appointments", options);
  server.AddService(&service);
  bool hook_ran = false;
  server.OnShutdown([&] { hook_ran = true; });
  ASSERT_TRUE(server.Start().ok());
  auto channel = Insecure(server.port());

  PendingCall slow(channel, kSleep, "60000", absl::Seconds(60));
  ASSERT_TRUE(PollUntil([&] { return service.sleeps_started == 1; }));
  server.RequestShutdown();
  const absl::Time start = absl::Now();
  server.Wait();
  const absl::Duration took = absl::Now() - start;
  EXPECT_GE(took, absl::Milliseconds(150));
  EXPECT_LT(took, absl::Seconds(10));

  CallResult r = slow.get();
  EXPECT_FALSE(r.status.ok());
  EXPECT_EQ(service.sleeps_cancelled, 1);
  EXPECT_EQ(service.sleeps_finished, 0);
  EXPECT_TRUE(hook_ran);
}

TEST(GrpcServerTest, RequestShutdownBeforeWaitAndWaitTwice) {
  GrpcServer server("appointments", TestOptions());
  int hooks = 0;
  server.OnShutdown([&] { ++hooks; });
  ASSERT_TRUE(server.Start().ok());
  std::thread other([&] { server.RequestShutdown(); });
  other.join();
  server.Wait();
  server.Wait();  // returns at once, the hooks don't run again
  EXPECT_EQ(hooks, 1);
}

void StartSignalWaitAndExit(int signo) {
  log::Init("test", log::Level::kInfo, &std::cerr);  // the death test matches stderr
  GrpcServer server("appointments", TestOptions());
  std::vector<int> order;
  server.OnShutdown([&] { order.push_back(1); });
  server.OnShutdown([&] { order.push_back(2); });
  if (!server.Start().ok()) _exit(3);
  // Process-directed, as from the kubelet. Any thread that had not blocked the signal would
  // take the default action and kill the process instead of reaching Wait().
  kill(getpid(), signo);
  server.Wait();
  _exit(order == std::vector<int>{1, 2} ? 42 : 4);
}

TEST(GrpcServerDeathTest, SigtermAndSigintMakeWaitReturn) {
  // The child runs only this test from a fresh exec, so neither gRPC threads from other tests
  // nor the blocked signal mask leak in or out.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(StartSignalWaitAndExit(SIGTERM), testing::ExitedWithCode(42), "SIGTERM");
  EXPECT_EXIT(StartSignalWaitAndExit(SIGINT), testing::ExitedWithCode(42), "SIGINT");
}

TEST(GrpcServerTest, AddressInUseIsAnError) {
  // Held by a plain socket.
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const int taken = ntohs(addr.sin_port);

  GrpcServerOptions options = TestOptions();
  options.listen = absl::StrCat("127.0.0.1:", taken);
  GrpcServer blocked("appointments", options);
  absl::Status status = blocked.Start();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr(options.listen));
  blocked.Wait();  // returns at once after a failed Start()
  close(fd);

  // Held by another server: SO_REUSEPORT must not let both bind.
  GrpcServer first("appointments", TestOptions());
  ASSERT_TRUE(first.Start().ok());
  options.listen = absl::StrCat("127.0.0.1:", first.port());
  GrpcServer second("appointments", options);
  EXPECT_FALSE(second.Start().ok());
}

TEST(GrpcServerTest, BadOptionsAreRejected) {
  GrpcServerOptions options = TestOptions();
  options.listen = "not an address";
  EXPECT_FALSE(GrpcServer("x", options).Start().ok());

  options = TestOptions();
  options.tls_cert_pem = "-----BEGIN CERTIFICATE-----\n";
  EXPECT_EQ(GrpcServer("x", options).Start().code(), absl::StatusCode::kInvalidArgument);

  options = TestOptions();
  options.probe_interval = absl::ZeroDuration();
  EXPECT_EQ(GrpcServer("x", options).Start().code(), absl::StatusCode::kInvalidArgument);

  GrpcServer twice("x", TestOptions());
  ASSERT_TRUE(twice.Start().ok());
  EXPECT_EQ(twice.Start().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(GrpcServerTest, DestructorIsSafeWithoutStartOrWait) {
  { GrpcServer never_started("x", TestOptions()); }
  TestService service;
  auto server = std::make_unique<GrpcServer>("x", TestOptions());
  server->AddService(&service);
  ASSERT_TRUE(server->Start().ok());
  PendingCall slow(Insecure(server->port()), kSleep, "60000", absl::Seconds(60));
  ASSERT_TRUE(PollUntil([&] { return service.sleeps_started == 1; }));
  const absl::Time start = absl::Now();
  server.reset();  // cancels the call instead of waiting for it
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_FALSE(slow.get().status.ok());
}

// --- TLS -------------------------------------------------------------------------------------

struct KeyAndCert {
  std::string key_pem;
  std::string cert_pem;
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  ~KeyAndCert() {
    EVP_PKEY_free(key);
    X509_free(cert);
  }
};

void AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  ASSERT_NE(ext, nullptr) << value;
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

std::string Pem(int (*write)(BIO*, void*), void* object) {
  BIO* bio = BIO_new(BIO_s_mem());
  write(bio, object);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(size));
  BIO_free(bio);
  return out;
}

// An EC P-256 key and a certificate for `cn`, signed by `issuer` (self-signed without one).
void MakeCert(const std::string& cn, const KeyAndCert* issuer, bool ca, bool server,
              KeyAndCert* out) {
  static std::atomic<long> serial{1};
  out->key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  ASSERT_NE(out->key, nullptr);
  X509* cert = X509_new();
  out->cert = cert;
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, out->key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509* issuer_cert = issuer != nullptr ? issuer->cert : cert;
  X509_set_issuer_name(cert, X509_get_subject_name(issuer_cert));
  AddExtension(cert, issuer_cert, NID_subject_key_identifier, "hash");
  AddExtension(cert, issuer_cert, NID_authority_key_identifier, "keyid:always");
  if (ca) {
    AddExtension(cert, issuer_cert, NID_basic_constraints, "critical,CA:TRUE");
    AddExtension(cert, issuer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    AddExtension(cert, issuer_cert, NID_basic_constraints, "critical,CA:FALSE");
    AddExtension(cert, issuer_cert, NID_key_usage, "critical,digitalSignature");
    AddExtension(cert, issuer_cert, NID_ext_key_usage, server ? "serverAuth" : "clientAuth");
    if (server) {
      AddExtension(cert, issuer_cert, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
    }
  }
  ASSERT_GT(X509_sign(cert, issuer != nullptr ? issuer->key : out->key, EVP_sha256()), 0);
  out->cert_pem = Pem([](BIO* b, void* c) { return PEM_write_bio_X509(b, static_cast<X509*>(c)); },
                      cert);
  out->key_pem = Pem(
      [](BIO* b, void* k) {
        return PEM_write_bio_PrivateKey(b, static_cast<EVP_PKEY*>(k), nullptr, nullptr, 0,
                                        nullptr, nullptr);
      },
      out->key);
}

class GrpcServerTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(MakeCert("rathaus test CA", nullptr, true, false, &ca_));
    ASSERT_NO_FATAL_FAILURE(MakeCert("appointments", &ca_, false, true, &server_));
    ASSERT_NO_FATAL_FAILURE(MakeCert("gateway", &ca_, false, false, &client_));
    ASSERT_NO_FATAL_FAILURE(MakeCert("other CA", nullptr, true, false, &other_ca_));
    ASSERT_NO_FATAL_FAILURE(MakeCert("intruder", &other_ca_, false, false, &intruder_));
  }

  std::shared_ptr<grpc::Channel> Channel(int port, const KeyAndCert* client) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ca_.cert_pem;
    if (client != nullptr) {
      ssl.pem_private_key = client->key_pem;
      ssl.pem_cert_chain = client->cert_pem;
    }
    // A fresh subchannel per test channel, so one handshake's result doesn't carry over.
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    return grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port),
                                     grpc::SslCredentials(ssl), args);
  }

  GrpcServerOptions Options(bool mtls) {
    GrpcServerOptions o = TestOptions();
    o.tls_cert_pem = server_.cert_pem;
    o.tls_key_pem = server_.key_pem;
    if (mtls) o.tls_client_ca_pem = ca_.cert_pem;
    return o;
  }

  KeyAndCert ca_, server_, client_, other_ca_, intruder_;
};

TEST_F(GrpcServerTlsTest, MutualTlsNeedsAClientCertificateFromTheCa) {
  GrpcServer server("appointments", Options(/*mtls=*/true));
  ASSERT_TRUE(server.Start().ok());
  EXPECT_EQ(HealthStatus(Channel(server.port(), &client_), "appointments"), kServing);
  EXPECT_EQ(HealthStatus(Channel(server.port(), nullptr), "appointments"), -1);
  EXPECT_EQ(HealthStatus(Channel(server.port(), &intruder_), "appointments"), -1);
  EXPECT_EQ(HealthStatus(Insecure(server.port()), "appointments"), -1);
}

TEST_F(GrpcServerTlsTest, TlsWithoutClientCa) {
  GrpcServer server("appointments", Options(/*mtls=*/false));
  ASSERT_TRUE(server.Start().ok());
  EXPECT_EQ(HealthStatus(Channel(server.port(), nullptr), "appointments"), kServing);
  EXPECT_EQ(HealthStatus(Insecure(server.port()), "appointments"), -1);
}

TEST_F(GrpcServerTlsTest, MismatchedKeyIsRejectedAtStart) {
  GrpcServerOptions options = Options(/*mtls=*/true);
  options.tls_key_pem = client_.key_pem;
  absl::Status status = GrpcServer("appointments", options).Start();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("does not match"));
}

// A renewed certificate is taken without a restart: the server watches its files. Here its
// certificate is replaced by one from another CA; a client that trusts only that CA gets through
// once the server has read the new files, and one that trusts only the old CA no longer does.
TEST_F(GrpcServerTlsTest, RenewedCertificateFilesAreTakenWithoutARestart) {
  const std::string dir = absl::StrCat(::testing::TempDir(), "/tls_reload_", getpid());
  ASSERT_EQ(system(absl::StrCat("mkdir -p ", dir).c_str()), 0);
  auto write = [](const std::string& path, const std::string& contents) {
    const std::string tmp = path + ".new";
    std::ofstream(tmp) << contents;
    ASSERT_EQ(std::rename(tmp.c_str(), path.c_str()), 0);  // atomically, like a Secret volume
  };
  GrpcServerOptions o = Options(/*mtls=*/true);
  o.tls_cert_file = dir + "/tls.crt";
  o.tls_key_file = dir + "/tls.key";
  o.tls_client_ca_file = dir + "/ca.crt";
  o.tls_reload_interval = absl::Seconds(1);
  write(o.tls_cert_file, server_.cert_pem);
  write(o.tls_key_file, server_.key_pem);
  write(o.tls_client_ca_file, ca_.cert_pem);
  GrpcServer server("appointments", o);
  ASSERT_TRUE(server.Start().ok());
  EXPECT_EQ(HealthStatus(Channel(server.port(), &client_), "appointments"), kServing);

  KeyAndCert renewed;
  ASSERT_NO_FATAL_FAILURE(MakeCert("appointments", &other_ca_, false, true, &renewed));
  write(o.tls_key_file, renewed.key_pem);
  write(o.tls_cert_file, renewed.cert_pem);
  auto trusting = [&](const KeyAndCert& root) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = root.cert_pem;
    ssl.pem_private_key = client_.key_pem;
    ssl.pem_cert_chain = client_.cert_pem;
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    return grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", server.port()),
                                     grpc::SslCredentials(ssl), args);
  };
  const absl::Time until = absl::Now() + absl::Seconds(15);
  while (HealthStatus(trusting(other_ca_), "appointments") != kServing && absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(200));
  }
  EXPECT_EQ(HealthStatus(trusting(other_ca_), "appointments"), kServing)
      << "the renewed certificate was not taken";
  EXPECT_EQ(HealthStatus(trusting(ca_), "appointments"), -1) << "still the old certificate";
  ASSERT_EQ(system(absl::StrCat("rm -rf ", dir).c_str()), 0);
}

// --- FromEnv ---------------------------------------------------------------------------------

EnvConfig MapEnv(const std::map<std::string, std::string>& vars) {
  return EnvConfig([vars](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  });
}

std::string WriteTemp(const std::string& name, const std::string& contents) {
  const std::string path = absl::StrCat(testing::TempDir(), "/grpc_server_test_", getpid(), "_",
                                        name);
  std::ofstream(path) << contents;
  return path;
}

TEST(GrpcServerOptionsTest, FromEnvDefaults) {
  EnvConfig env = MapEnv({});
  GrpcServerOptions o = GrpcServerOptions::FromEnv(env);
  EXPECT_TRUE(env.ok());
  GrpcServerOptions defaults;
  EXPECT_EQ(o.listen, defaults.listen);
  EXPECT_EQ(o.max_message_bytes, defaults.max_message_bytes);
  EXPECT_EQ(o.shutdown_grace, defaults.shutdown_grace);
  EXPECT_TRUE(o.tls_cert_pem.empty());
}

TEST(GrpcServerOptionsTest, FromEnvReadsEveryVariable) {
  const std::string cert = WriteTemp("cert.pem", "CERT");
  const std::string key = WriteTemp("key.pem", "KEY");
  const std::string ca = WriteTemp("ca.pem", "CA");
  EnvConfig env = MapEnv({{"RATHAUS_GRPC_LISTEN", "0.0.0.0:0"},
                          {"RATHAUS_GRPC_MAX_MESSAGE_BYTES", "1048576"},
                          {"RATHAUS_GRPC_KEEPALIVE_TIME", "1m"},
                          {"RATHAUS_GRPC_KEEPALIVE_TIMEOUT", "5s"},
                          {"RATHAUS_GRPC_SHUTDOWN_GRACE", "25s"},
                          {"RATHAUS_GRPC_PROBE_INTERVAL", "500ms"},
                          {"RATHAUS_GRPC_MIN_POLLERS", "3"},
                          {"RATHAUS_GRPC_MAX_POLLERS", "64"},
                          {"RATHAUS_GRPC_MAX_CONNECTION_AGE", "2m"},
                          {"RATHAUS_GRPC_TLS_RELOAD_INTERVAL", "5s"},
                          {"RATHAUS_GRPC_TLS_CERT_FILE", cert},
                          {"RATHAUS_GRPC_TLS_KEY_FILE", key},
                          {"RATHAUS_GRPC_TLS_CLIENT_CA_FILE", ca}});
  GrpcServerOptions o = GrpcServerOptions::FromEnv(env);
  ASSERT_TRUE(env.ok()) << env.errors()[0];
  EXPECT_EQ(o.listen, "0.0.0.0:0");
  EXPECT_EQ(o.max_message_bytes, 1 << 20);
  EXPECT_EQ(o.keepalive_time, absl::Minutes(1));
  EXPECT_EQ(o.keepalive_timeout, absl::Seconds(5));
  EXPECT_EQ(o.shutdown_grace, absl::Seconds(25));
  EXPECT_EQ(o.probe_interval, absl::Milliseconds(500));
  EXPECT_EQ(o.min_pollers, 3);
  EXPECT_EQ(o.max_pollers, 64);
  EXPECT_EQ(o.max_connection_age, absl::Minutes(2));
  EXPECT_EQ(o.tls_cert_pem, "CERT");
  EXPECT_EQ(o.tls_cert_file, cert);
  EXPECT_EQ(o.tls_client_ca_file, ca);
  EXPECT_EQ(o.tls_reload_interval, absl::Seconds(5));
  EXPECT_EQ(o.tls_key_pem, "KEY");
  EXPECT_EQ(o.tls_client_ca_pem, "CA");
  for (const std::string& path : {cert, key, ca}) std::remove(path.c_str());
}

TEST(GrpcServerOptionsTest, FromEnvNamesTheBadVariable) {
  struct Case {
    std::map<std::string, std::string> vars;
    std::string names;
  };
  const std::string cert = WriteTemp("only_cert.pem", "CERT");
  const std::vector<Case> cases = {
      {{{"RATHAUS_GRPC_LISTEN", "localhost"}}, "RATHAUS_GRPC_LISTEN"},
      {{{"RATHAUS_GRPC_LISTEN", "127.0.0.1:70000"}}, "RATHAUS_GRPC_LISTEN"},
      {{{"RATHAUS_GRPC_MAX_MESSAGE_BYTES", "100"}}, "RATHAUS_GRPC_MAX_MESSAGE_BYTES"},
      {{{"RATHAUS_GRPC_MAX_MESSAGE_BYTES", "1073741824"}}, "RATHAUS_GRPC_MAX_MESSAGE_BYTES"},
      {{{"RATHAUS_GRPC_SHUTDOWN_GRACE", "soon"}}, "RATHAUS_GRPC_SHUTDOWN_GRACE"},
      {{{"RATHAUS_GRPC_MIN_POLLERS", "0"}}, "RATHAUS_GRPC_MIN_POLLERS"},
      {{{"RATHAUS_GRPC_MAX_POLLERS", "many"}}, "RATHAUS_GRPC_MAX_POLLERS"},
      {{{"RATHAUS_GRPC_TLS_CERT_FILE", cert}}, "RATHAUS_GRPC_TLS_KEY_FILE"},
      {{{"RATHAUS_GRPC_TLS_KEY_FILE", cert}}, "RATHAUS_GRPC_TLS_CERT_FILE"},
      {{{"RATHAUS_GRPC_TLS_CLIENT_CA_FILE", cert}}, "RATHAUS_GRPC_TLS_CERT_FILE"},
      {{{"RATHAUS_GRPC_TLS_CERT_FILE", cert}, {"RATHAUS_GRPC_TLS_KEY_FILE", "/nonexistent"}},
       "RATHAUS_GRPC_TLS_KEY_FILE"},
  };
  for (const Case& c : cases) {
    EnvConfig env = MapEnv(c.vars);
    GrpcServerOptions::FromEnv(env);
    ASSERT_FALSE(env.ok()) << c.names;
    EXPECT_THAT(env.errors()[0], HasSubstr(c.names));
  }
  std::remove(cert.c_str());
}

}  // namespace
}  // namespace rathaus::platform
