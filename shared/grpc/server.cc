#include "shared/grpc/server.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "shared/log/log.h"

namespace rathaus::platform {
namespace {

constexpr char kListen[] = "RATHAUS_GRPC_LISTEN";
constexpr char kMaxMessageBytes[] = "RATHAUS_GRPC_MAX_MESSAGE_BYTES";
constexpr char kKeepaliveTime[] = "RATHAUS_GRPC_KEEPALIVE_TIME";
constexpr char kKeepaliveTimeout[] = "RATHAUS_GRPC_KEEPALIVE_TIMEOUT";
constexpr char kShutdownGrace[] = "RATHAUS_GRPC_SHUTDOWN_GRACE";
constexpr char kProbeInterval[] = "RATHAUS_GRPC_PROBE_INTERVAL";
constexpr char kMinPollers[] = "RATHAUS_GRPC_MIN_POLLERS";
constexpr char kMaxConnectionAge[] = "RATHAUS_GRPC_MAX_CONNECTION_AGE";
constexpr char kMaxPollers[] = "RATHAUS_GRPC_MAX_POLLERS";
constexpr char kTlsCertFile[] = "RATHAUS_GRPC_TLS_CERT_FILE";
constexpr char kTlsKeyFile[] = "RATHAUS_GRPC_TLS_KEY_FILE";
constexpr char kTlsClientCaFile[] = "RATHAUS_GRPC_TLS_CLIENT_CA_FILE";
constexpr char kTlsReloadInterval[] = "RATHAUS_GRPC_TLS_RELOAD_INTERVAL";

// Clients (the gateway) ping at most this often on an idle connection; more often counts as a
// ping strike and gRPC closes the connection with ENHANCE_YOUR_CALM.
constexpr int kMinClientPingIntervalMs = 10'000;

sigset_t ShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

std::string Errno(const char* what) {
  return absl::StrCat(what, ": ", std::strerror(errno));
}

int64_t Millis(absl::Duration d) { return absl::ToInt64Milliseconds(d); }

// A channel argument in milliseconds; gRPC takes an int.
absl::Status CheckMillis(const char* field, absl::Duration d) {
  if (d < absl::Milliseconds(1) || d > absl::Milliseconds(INT_MAX)) {
    return absl::InvalidArgumentError(
        absl::StrCat("grpc server: ", field, " must be in [1ms, ", INT_MAX, "ms], got ",
                     absl::FormatDuration(d)));
  }
  return absl::OkStatus();
}

// gRPC only finds bad PEM when it binds (and then says little), so the operator gets a clear
// message at start instead.
absl::Status CheckPem(const GrpcServerOptions& o) {
  auto read_cert = [](const std::string& pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    X509* cert = bio != nullptr ? PEM_read_bio_X509(bio, nullptr, nullptr, nullptr) : nullptr;
    BIO_free(bio);
    return cert;
  };
  X509* cert = read_cert(o.tls_cert_pem);
  BIO* bio = BIO_new_mem_buf(o.tls_key_pem.data(), static_cast<int>(o.tls_key_pem.size()));
  EVP_PKEY* key =
      bio != nullptr ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(bio);
  absl::Status status;
  if (cert == nullptr) {
    status = absl::InvalidArgumentError("grpc server: TLS certificate is not a PEM certificate");
  } else if (key == nullptr) {
    status = absl::InvalidArgumentError("grpc server: TLS key is not a PEM private key");
  } else if (X509_check_private_key(cert, key) != 1) {
    status = absl::InvalidArgumentError("grpc server: TLS key does not match the certificate");
  }
  X509_free(cert);
  EVP_PKEY_free(key);
  if (status.ok() && !o.tls_client_ca_pem.empty()) {
    X509* ca = read_cert(o.tls_client_ca_pem);
    if (ca == nullptr) {
      status = absl::InvalidArgumentError("grpc server: TLS client CA is not a PEM certificate");
    }
    X509_free(ca);
  }
  ERR_clear_error();
  return status;
}

const char* SignalName(int signo) {
  switch (signo) {
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    default:
      return "signal";
  }
}

}  // namespace

GrpcServerOptions GrpcServerOptions::FromEnv(EnvConfig& env, GrpcServerOptions defaults) {
  GrpcServerOptions o = std::move(defaults);
  o.listen = env.HostPort(kListen, o.listen, /*allow_port_zero=*/true);
  o.max_message_bytes =
      static_cast<int>(env.Int(kMaxMessageBytes, o.max_message_bytes, 1 << 10, 256 << 20));
  o.keepalive_time = env.Duration(kKeepaliveTime, o.keepalive_time);
  o.keepalive_timeout = env.Duration(kKeepaliveTimeout, o.keepalive_timeout);
  o.shutdown_grace = env.Duration(kShutdownGrace, o.shutdown_grace);
  o.probe_interval = env.Duration(kProbeInterval, o.probe_interval);
  o.min_pollers = static_cast<int>(env.Int(kMinPollers, o.min_pollers, 1, 256));
  o.max_pollers = static_cast<int>(env.Int(kMaxPollers, o.max_pollers, 1, 1024));
  if (o.max_pollers < o.min_pollers) o.max_pollers = o.min_pollers;
  o.max_connection_age = env.Duration(kMaxConnectionAge, o.max_connection_age);

  // Certificate and key come as a pair; a client CA only makes sense with them. Asking for the
  // missing variable as required records the error under its name.
  const bool cert_set = !env.String(kTlsCertFile, "").empty();
  const bool key_set = !env.String(kTlsKeyFile, "").empty();
  const bool ca_set = !env.String(kTlsClientCaFile, "").empty();
  if (cert_set != key_set) {
    env.SecretFile(cert_set ? kTlsKeyFile : kTlsCertFile, /*required=*/true);
  } else if (ca_set && !cert_set) {
    env.SecretFile(kTlsCertFile, /*required=*/true);
  }
  if (cert_set && key_set) {
    o.tls_cert_pem = env.SecretFile(kTlsCertFile, /*required=*/false);
    o.tls_key_pem = env.SecretFile(kTlsKeyFile, /*required=*/false);
    o.tls_client_ca_pem = env.SecretFile(kTlsClientCaFile, /*required=*/false);
    o.tls_cert_file = env.String(kTlsCertFile, "");
    o.tls_key_file = env.String(kTlsKeyFile, "");
    o.tls_client_ca_file = env.String(kTlsClientCaFile, "");
    o.tls_reload_interval = env.Duration(kTlsReloadInterval, o.tls_reload_interval);
    if (o.tls_reload_interval < absl::Seconds(1)) {
      env.Reject(kTlsReloadInterval, "at least 1s", absl::FormatDuration(o.tls_reload_interval));
    }
  }
  return o;
}

GrpcServer::GrpcServer(std::string service_name, GrpcServerOptions options)
    : service_name_(std::move(service_name)), options_(std::move(options)) {}

GrpcServer::~GrpcServer() {
  bool drain = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutdown_requested_ = true;
    drain = server_ != nullptr && !shutdown_started_;
    shutdown_started_ = true;
  }
  cv_.notify_all();
  StopProbeThread();
  if (drain) {
    // Without Wait() there is nobody to wait for a grace period: cancel what still runs.
    log::Warn("grpc server destroyed without Wait(); cancelling in-flight calls",
              {{"grpc_service", service_name_}});
    Drain(absl::ZeroDuration());
  }
  StopSignalThread();
}

void GrpcServer::AddService(grpc::Service* service) { services_.push_back(service); }

void GrpcServer::AddReadinessProbe(std::string name, std::function<absl::Status()> probe) {
  probes_.push_back(Probe{std::move(name), std::move(probe), std::nullopt});
}

void GrpcServer::OnShutdown(std::function<void()> hook) { hooks_.push_back(std::move(hook)); }

void GrpcServer::AddInterceptor(
    std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> factory) {
  interceptors_.push_back(std::move(factory));
}

absl::Status GrpcServer::Validate() const {
  const GrpcServerOptions& o = options_;
  if (o.listen.empty()) return absl::InvalidArgumentError("grpc server: listen address is empty");
  if (o.max_message_bytes <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("grpc server: max_message_bytes must be positive, got ", o.max_message_bytes));
  }
  if (auto s = CheckMillis("keepalive_time", o.keepalive_time); !s.ok()) return s;
  if (auto s = CheckMillis("keepalive_timeout", o.keepalive_timeout); !s.ok()) return s;
  if (auto s = CheckMillis("probe_interval", o.probe_interval); !s.ok()) return s;
  if (o.shutdown_grace < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("grpc server: shutdown_grace is negative");
  }
  if (o.tls_cert_pem.empty() != o.tls_key_pem.empty()) {
    return absl::InvalidArgumentError("grpc server: TLS needs both a certificate and a key");
  }
  if (!o.tls_client_ca_pem.empty() && o.tls_cert_pem.empty()) {
    return absl::InvalidArgumentError(
        "grpc server: a TLS client CA needs a server certificate and key");
  }
  if (!o.tls_cert_pem.empty()) return CheckPem(o);
  return absl::OkStatus();
}

void GrpcServer::DisableMutexDeadlockDetection() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

void GrpcServer::BlockShutdownSignals() {
  const sigset_t signals = ShutdownSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

absl::Status GrpcServer::Start() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (started_) return absl::FailedPreconditionError("grpc server: Start() runs only once");
    started_ = true;
  }
  if (auto s = Validate(); !s.ok()) return s;

  // Block the shutdown signals before gRPC starts its threads, so that they (and every thread
  // started later from this one) inherit the mask and the signals reach only the signal thread.
  const sigset_t signals = ShutdownSignals();
  sigset_t old_mask;
  pthread_sigmask(SIG_BLOCK, &signals, &old_mask);
  auto fail = [&](absl::Status status) {
    if (signal_fd_ >= 0) close(signal_fd_);
    if (wake_fd_ >= 0) close(wake_fd_);
    signal_fd_ = wake_fd_ = -1;
    server_.reset();
    StopPollThread();
    pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
    log::Error("grpc server failed to start",
               {{"grpc_service", service_name_}, {"error", status.ToString()}});
    return status;
  };
  signal_fd_ = signalfd(-1, &signals, SFD_CLOEXEC);
  if (signal_fd_ < 0) return fail(absl::InternalError(Errno("grpc server: signalfd")));
  wake_fd_ = eventfd(0, EFD_CLOEXEC);
  if (wake_fd_ < 0) return fail(absl::InternalError(Errno("grpc server: eventfd")));

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  std::shared_ptr<grpc::ServerCredentials> credentials;
  std::string security = "insecure";
  if (options_.tls_cert_pem.empty()) {
    credentials = grpc::InsecureServerCredentials();
  } else {
    const bool mtls = !options_.tls_client_ca_pem.empty();
    const grpc_ssl_client_certificate_request_type request =
        mtls ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
             : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE;
    if (!options_.tls_cert_file.empty() && !options_.tls_key_file.empty()) {
      // Renewed files are taken without a restart (cert-manager renews before expiry; a
      // Secret volume swaps the files atomically). The PEMs read at start were checked above.
      const unsigned interval = static_cast<unsigned>(
          std::max<int64_t>(1, absl::ToInt64Seconds(options_.tls_reload_interval)));
      auto provider = mtls ? std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
                                 options_.tls_key_file, options_.tls_cert_file,
                                 options_.tls_client_ca_file, interval)
                           : std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
                                 options_.tls_key_file, options_.tls_cert_file, interval);
      grpc::experimental::TlsServerCredentialsOptions tls(provider);
      tls.watch_identity_key_cert_pairs();
      if (mtls) tls.watch_root_certs();
      tls.set_cert_request_type(request);
      credentials = grpc::experimental::TlsServerCredentials(tls);
    } else {
      grpc::SslServerCredentialsOptions ssl(request);
      ssl.pem_root_certs = options_.tls_client_ca_pem;
      ssl.pem_key_cert_pairs.push_back({options_.tls_key_pem, options_.tls_cert_pem});
      credentials = grpc::SslServerCredentials(ssl);
    }
    security = mtls ? "mtls" : "tls";
  }

  grpc::ServerBuilder builder;
  int selected_port = 0;
  builder.AddListeningPort(options_.listen, credentials, &selected_port);
  // gRPC sets SO_REUSEPORT by default, which lets a second process bind the same port and
  // silently share its traffic. A port in use must be an error.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS,
                             static_cast<int>(Millis(options_.keepalive_time)));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                             static_cast<int>(Millis(options_.keepalive_timeout)));
  // Idle connections are pinged too (that is how a dead peer is found), and clients may do
  // the same, but not more often than kMinClientPingIntervalMs.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             kMinClientPingIntervalMs);
  if (options_.max_connection_age > absl::ZeroDuration()) {
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                               static_cast<int>(std::min<int64_t>(
                                   Millis(options_.max_connection_age), INT32_MAX)));
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS, 30000);
  }
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS,
                              options_.min_pollers);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS,
                              options_.max_pollers);
  builder.SetMaxReceiveMessageSize(options_.max_message_bytes);
  builder.SetMaxSendMessageSize(options_.max_message_bytes);
  for (grpc::Service* service : services_) builder.RegisterService(service);
  if (!interceptors_.empty()) builder.experimental().SetInterceptorCreators(std::move(interceptors_));

  poll_cq_ = builder.AddCompletionQueue(/*is_frequently_polled=*/true);
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || selected_port == 0) {
    return fail(absl::UnavailableError(
        absl::StrCat("grpc server: cannot listen on ", options_.listen,
                     " (address in use, not local, or malformed)")));
  }
  port_ = selected_port;
  if (poll_cq_ != nullptr) poll_thread_ = std::thread([cq = poll_cq_.get()] {
    void* tag = nullptr;
    bool ok = false;
    while (cq->Next(&tag, &ok)) {
      // Nothing is ever requested on this queue: it exists for its polling alone.
    }
  });

  // The default health service starts with "" SERVING; take it back before anything else.
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  if (health == nullptr) return fail(absl::InternalError("grpc server: no health service"));
  health->SetServingStatus("", false);
  health->SetServingStatus(service_name_, false);
  // Liveness is the process alone: SERVING while the server runs, whatever Redis or Kafka do
  // (a dependency's outage must make pods unready, not restart them all).
  health->SetServingStatus(std::string(kLivenessService), true);
  RunProbes();

  if (!probes_.empty()) probe_thread_ = std::thread([this] { ProbeLoop(); });
  signal_thread_ = std::thread([this] { SignalLoop(); });

  log::Info("grpc server started",
            {{"grpc_service", service_name_},
             {"listen", options_.listen},
             {"port", port_},
             {"security", security},
             {"probes", probes_.size()},
             {"serving", serving_.load()}});
  return absl::OkStatus();
}

void GrpcServer::RunProbes() {
  bool all_ok = true;
  for (Probe& probe : probes_) {
    absl::Status status = probe.check();
    const bool ok = status.ok();
    if (!probe.ok.has_value() || *probe.ok != ok) {
      if (!ok) {
        log::Warn("readiness probe failing",
                  {{"probe", probe.name}, {"error", status.ToString()}});
      } else if (probe.ok.has_value()) {
        log::Info("readiness probe recovered", {{"probe", probe.name}});
      }
      probe.ok = ok;
    }
    all_ok = all_ok && ok;
  }
  UpdateHealth(all_ok);
}

void GrpcServer::UpdateHealth(bool serving) {
  if (serving_.exchange(serving) == serving) return;
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  health->SetServingStatus("", serving);
  health->SetServingStatus(service_name_, serving);
  log::Info(serving ? "health SERVING" : "health NOT_SERVING", {{"grpc_service", service_name_}});
}

void GrpcServer::ProbeLoop() {
  const auto interval = absl::ToChronoNanoseconds(options_.probe_interval);
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, interval, [this] { return stop_probes_; })) {
    lock.unlock();
    RunProbes();
    lock.lock();
  }
}

// signalfd sees the signals pending for the process (kill, the kubelet, Ctrl-C) and for this
// thread; a raise() in another thread stays pending there, blocked.
void GrpcServer::SignalLoop() {
  pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
  for (;;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      log::Error("grpc server: poll on signalfd failed", {{"error", std::strerror(errno)}});
      return;
    }
    if (fds[1].revents != 0) return;
    if (fds[0].revents == 0) continue;
    signalfd_siginfo info;
    if (read(signal_fd_, &info, sizeof info) != static_cast<ssize_t>(sizeof info)) continue;
    const char* name = SignalName(static_cast<int>(info.ssi_signo));
    bool first = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      first = !shutdown_requested_;
      shutdown_requested_ = true;
      if (first) shutdown_reason_ = name;
    }
    cv_.notify_all();
    log::Info(first ? "shutdown signal received" : "shutdown signal received again; already "
                                                   "shutting down",
              {{"signal", name}});
  }
}

void GrpcServer::RequestShutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shutdown_requested_) return;
    shutdown_requested_ = true;
    shutdown_reason_ = "RequestShutdown";
  }
  cv_.notify_all();
}

void GrpcServer::Wait() {
  std::string reason;
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (server_ == nullptr) return;  // not started, or Start() failed
    cv_.wait(lock, [this] { return shutdown_requested_; });
    if (shutdown_started_) {
      // Another Wait() drains; return when it is done.
      cv_.wait(lock, [this] { return shutdown_done_; });
      return;
    }
    shutdown_started_ = true;
    reason = shutdown_reason_;
  }
  log::Info("grpc server shutting down",
            {{"grpc_service", service_name_},
             {"reason", reason},
             {"grace_ms", Millis(options_.shutdown_grace)}});
  StopProbeThread();
  Drain(options_.shutdown_grace);
  for (size_t i = 0; i < hooks_.size(); ++i) {
    log::Info("running shutdown hook", {{"hook", i + 1}, {"of", hooks_.size()}});
    hooks_[i]();
  }
  log::Info("grpc server shutdown complete", {{"grpc_service", service_name_}});
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutdown_done_ = true;
  }
  cv_.notify_all();
}

void GrpcServer::Drain(absl::Duration grace) {
  // Shutdown() freezes the health service: every service NOT_SERVING from now on, and open
  // Watch streams end, so they don't hold up the drain.
  server_->GetHealthCheckService()->Shutdown();
  serving_ = false;
  log::Info("health NOT_SERVING; draining in-flight calls",
            {{"grpc_service", service_name_}, {"grace_ms", Millis(grace)}});
  const absl::Time start = absl::Now();
  server_->Shutdown(std::chrono::system_clock::now() + absl::ToChronoNanoseconds(grace));
  const absl::Duration took = absl::Now() - start;
  if (took >= grace) {
    log::Warn("grace period over; remaining calls were cancelled",
              {{"grpc_service", service_name_}, {"drain_ms", Millis(took)}});
  } else {
    log::Info("in-flight calls drained",
              {{"grpc_service", service_name_}, {"drain_ms", Millis(took)}});
  }
  StopPollThread();
}

void GrpcServer::StopPollThread() {
  if (poll_cq_ == nullptr) return;
  poll_cq_->Shutdown();  // after the server's shutdown, as gRPC requires
  if (poll_thread_.joinable()) {
    poll_thread_.join();
  } else {
    void* tag = nullptr;
    bool ok = false;
    while (poll_cq_->Next(&tag, &ok)) {
    }
  }
  poll_cq_.reset();
}

void GrpcServer::StopProbeThread() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_probes_ = true;
  }
  cv_.notify_all();
  if (probe_thread_.joinable()) probe_thread_.join();
}

void GrpcServer::StopSignalThread() {
  if (signal_thread_.joinable()) {
    const uint64_t one = 1;
    // An eventfd write of 8 bytes cannot be partial; it only fails if the counter overflows.
    if (write(wake_fd_, &one, sizeof one) != static_cast<ssize_t>(sizeof one)) {
      log::Error("grpc server: cannot wake the signal thread", {{"error", std::strerror(errno)}});
    }
    signal_thread_.join();
  }
  if (signal_fd_ >= 0) close(signal_fd_);
  if (wake_fd_ >= 0) close(wake_fd_);
  signal_fd_ = wake_fd_ = -1;
}

}  // namespace rathaus::platform
