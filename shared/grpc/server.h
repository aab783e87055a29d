// Bootstrap for a rathaus gRPC service: health (grpc.health.v1), reflection, keepalive and
// message-size limits, optional TLS/mTLS, readiness from probes, and graceful shutdown on
// SIGTERM/SIGINT.
//
//   rathaus::platform::EnvConfig env;
//   auto options = rathaus::platform::GrpcServerOptions::FromEnv(env);
//   env.ExitOnError();
//   rathaus::platform::GrpcServer server("appointments", options);
//   server.AddService(&appointments_service);
//   server.AddReadinessProbe("redis", [&] { return redis.Ping(); });
//   server.AddReadinessProbe("kafka", [&] { return producer.Ping(); });
//   server.OnShutdown([&] { relay.Stop(); producer.Flush(absl::Seconds(10)); });
//   if (auto s = server.Start(); !s.ok()) { ... exit(1); }
//   server.Wait();   // returns after SIGTERM/SIGINT: NOT_SERVING, drain, hooks
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "shared/config/config.h"

namespace rathaus::platform {

struct GrpcServerOptions {
  std::string listen = "127.0.0.1:50051";     // RATHAUS_GRPC_LISTEN (port 0: pick a free one)
  int max_message_bytes = 4 << 20;             // RATHAUS_GRPC_MAX_MESSAGE_BYTES
  absl::Duration keepalive_time = absl::Seconds(30);     // RATHAUS_GRPC_KEEPALIVE_TIME
  absl::Duration keepalive_timeout = absl::Seconds(10);  // RATHAUS_GRPC_KEEPALIVE_TIMEOUT
  absl::Duration shutdown_grace = absl::Seconds(10);     // RATHAUS_GRPC_SHUTDOWN_GRACE
  absl::Duration probe_interval = absl::Seconds(2);      // RATHAUS_GRPC_PROBE_INTERVAL
  // The synchronous server's threads: at least `min_pollers` wait for calls, and up to
  // `max_pollers` idle ones are kept instead of ending (gRPC's default of 2 makes a thread start
  // and end per call once more than two calls run at once). RATHAUS_GRPC_MIN_POLLERS,
  // RATHAUS_GRPC_MAX_POLLERS.
  int min_pollers = 2;
  int max_pollers = 32;
  // A connection is closed (GOAWAY, in-flight calls finish within 30 s) after this age, so
  // clients resolve the name again and new replicas get calls (RATHAUS_GRPC_MAX_CONNECTION_AGE;
  // 0: never).
  absl::Duration max_connection_age = absl::Minutes(5);
  // TLS when cert and key are set (RATHAUS_GRPC_TLS_CERT_FILE, RATHAUS_GRPC_TLS_KEY_FILE);
  // mTLS (client certificate required and verified) when a client CA is set too
  // (RATHAUS_GRPC_TLS_CLIENT_CA_FILE). These hold PEM contents after FromEnv.
  std::string tls_cert_pem;
  std::string tls_key_pem;
  std::string tls_client_ca_pem;
  // The files they came from (FromEnv sets them): when set, the server watches them and takes a
  // renewed certificate, key or client CA (cert-manager, a rotated Secret) without a restart,
  // checking every tls_reload_interval (RATHAUS_GRPC_TLS_RELOAD_INTERVAL, default 30s).
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  absl::Duration tls_reload_interval = absl::Seconds(30);

  // The variables above, each defaulting to the value in `defaults` (a service's own defaults,
  // e.g. a larger message size for invoices).
  static GrpcServerOptions FromEnv(EnvConfig& env, GrpcServerOptions defaults);
  static GrpcServerOptions FromEnv(EnvConfig& env) { return FromEnv(env, GrpcServerOptions()); }
};

class GrpcServer {
 public:
  // The grpc.health.v1 service name that answers SERVING while the process serves, for
  // liveness and start-up probes; "" and the service's own name are readiness (the probes).
  static constexpr std::string_view kLivenessService = "liveness";

  GrpcServer(std::string service_name, GrpcServerOptions options);
  ~GrpcServer();
  GrpcServer(const GrpcServer&) = delete;
  GrpcServer& operator=(const GrpcServer&) = delete;

  // Before Start(). The service must outlive the server.
  void AddService(grpc::Service* service);
  // The health status of "" and of service_name is SERVING only while every probe returns OK;
  // probes run before Start() returns and then every probe_interval.
  void AddReadinessProbe(std::string name, std::function<absl::Status()> probe);
  // Before Start(): observes every call (e.g. metrics; see shared/service/grpc_metrics.h).
  void AddInterceptor(
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> factory);
  // Run in order after the in-flight calls drained (e.g. stop the relay, flush the producer).
  void OnShutdown(std::function<void()> hook);

  absl::Status Start();
  int port() const { return port_; }
  bool serving() const { return serving_.load(); }

  // Blocks until SIGTERM/SIGINT arrives or RequestShutdown() is called; then marks the health
  // NOT_SERVING, stops accepting, waits up to shutdown_grace for in-flight calls (cancelling
  // what remains), and runs the shutdown hooks. Start() blocks SIGTERM/SIGINT in the calling
  // thread and the threads it creates, so call Start() before starting other threads.
  void Wait();
  void RequestShutdown();

  // Blocks SIGTERM and SIGINT in the calling thread, so that every thread created afterwards
  // (librdkafka's, the relay's, gRPC's) inherits the mask and only Wait() sees them. Call it
  // first thing in main(): a thread started before it could take SIGTERM and end the process
  // without a graceful shutdown.
  static void BlockShutdownSignals();
  // Turns off absl::Mutex's deadlock detection, which Debian's Abseil (built without NDEBUG)
  // runs on every lock gRPC takes: a lock-order graph per process, a few percent of the CPU of
  // a busy service (measured with perf). Call first thing in main, before any thread starts.
  static void DisableMutexDeadlockDetection();

 private:
  struct Probe {
    std::string name;
    std::function<absl::Status()> check;
    std::optional<bool> ok;  // last result; unset before the first run
  };

  absl::Status Validate() const;
  void ProbeLoop();
  // Runs every probe once, logs the probes whose state changed, and updates the health.
  void RunProbes();
  void UpdateHealth(bool serving);
  void SignalLoop();
  void StopProbeThread();
  void StopSignalThread();
  void Drain(absl::Duration grace);
  void StopPollThread();

  std::string service_name_;
  GrpcServerOptions options_;
  std::vector<grpc::Service*> services_;
  std::vector<Probe> probes_;
  std::vector<std::function<void()>> hooks_;
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors_;
  // A completion queue that one thread of ours polls, for nothing but the polling. gRPC 1.51
  // makes a server with any callback method (or such a queue) a "hybrid" server, whose
  // synchronous threads stop polling the sockets; the polling is then left to gRPC's two
  // callback ("nexting") threads, and each of those sleeps 100 ms after a second without a
  // callback event. When both sleep nobody reads a socket, and a synchronous call waits up to
  // 100 ms (seen: the id-documents import's answers at p99 98 ms in some runs once the lookup
  // became a callback method). This thread polls without ever sleeping, so such a server
  // always has a poller; it also takes the polling off the synchronous pool's threads, which
  // then only run calls.
  std::unique_ptr<grpc::ServerCompletionQueue> poll_cq_;
  std::thread poll_thread_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::atomic<bool> serving_{false};

  std::mutex mu_;
  std::condition_variable cv_;  // signalled on every change of the flags below
  bool started_ = false;              // guarded by mu_
  bool shutdown_requested_ = false;   // guarded by mu_
  std::string shutdown_reason_;       // guarded by mu_
  bool shutdown_started_ = false;     // guarded by mu_: Wait() or the destructor is draining
  bool shutdown_done_ = false;        // guarded by mu_
  bool stop_probes_ = false;          // guarded by mu_
  std::thread probe_thread_;
  std::thread signal_thread_;
  int signal_fd_ = -1;  // signalfd for SIGTERM/SIGINT
  int wake_fd_ = -1;    // eventfd that ends the signal thread
};

}  // namespace rathaus::platform
