// rathaus-gateway: wiring only. Config -> route table from the protos -> gRPC upstream, Redis,
// metrics -> Gateway -> HTTP server; SIGTERM/SIGINT stop accepting, drain, exit.
//
// Environment (besides RATHAUS_REDIS_URL and RATHAUS_LOG_LEVEL, see shared/config/platform.h):
//   RATHAUS_HTTP_LISTEN                 host:port to serve HTTP on (default 127.0.0.1:8080)
//   RATHAUS_GATEWAY_METRICS_LISTEN      host:port for /metrics (never on the HTTP port; unset: none;
//                                       RATHAUS_METRICS_LISTEN is read when this one is unset)
//   RATHAUS_APPOINTMENTS_ADDR           the appointments service's gRPC address (127.0.0.1:50051)
//   RATHAUS_E_INVOICE_ADDR              the e-invoice service's gRPC address (127.0.0.1:50052)
//   RATHAUS_ID_DOCUMENTS_ADDR           the id-documents service's gRPC address (127.0.0.1:50053)
//   RATHAUS_REGISTRATIONS_ADDR          the registrations service's gRPC address (127.0.0.1:50054)
//   RATHAUS_E_FILE_ADDR                 the e-file service's gRPC address (127.0.0.1:50055)
//   RATHAUS_NOTIFICATIONS_ADDR          the notifications service's (its reminders' opt-out route);
//                                       unset: that route is not served
//   RATHAUS_GATEWAY_DESCRIPTOR_DIR      descriptor sets (*.pb) of services the gateway was not
//                                       compiled with; each is routed when RATHAUS_<NAME>_ADDR is
//                                       set (gateway/descriptors.h; the image: /usr/share/rathaus/descriptors)
//   RATHAUS_GATEWAY_UPSTREAM_TIMEOUT    deadline of every gRPC call (default 5s)
//   RATHAUS_GATEWAY_IO_THREADS          HTTP I/O threads (default 2)
//   RATHAUS_GATEWAY_PROFILE             default | bench (bench: no rate limits for loopback)
//   RATHAUS_RATE_LIMIT_<BUCKET>         per client, e.g. RATHAUS_RATE_LIMIT_BOOKING=60/1m or off
//   RATHAUS_GATEWAY_TRUST_FORWARDED_FOR client IP from X-Forwarded-For of any peer (a proxy on the
//                                       same host only; prefer RATHAUS_GATEWAY_TRUSTED_PROXIES)
//   RATHAUS_GATEWAY_TRUSTED_PROXIES     CIDRs of the proxies (the Ingress controller) whose
//                                       X-Forwarded-For is read (gateway/client_ip.h)
//   RATHAUS_RATE_LIMIT_ON_ERROR         open (default: pass when Redis is down) | closed (503)
//   RATHAUS_GATEWAY_ANONYMOUS_INVOICE_UPLOAD  on: invoices without a supplier token (development)
//   RATHAUS_HTTP_MAX_CONNECTIONS        open connections at most (default 4096)
//   RATHAUS_GATEWAY_MAX_LARGE_BODIES    bodies over 64 KiB read at once (default 8; more: 503)
//   RATHAUS_JWT_MAX_LIFETIME            longest accepted token lifetime, iat to exp (default 12h)
//   RATHAUS_GATEWAY_REDIS_PREFIX        key prefix in Redis (default gw:)
//   RATHAUS_GATEWAY_IDEMPOTENCY_SECRET_FILE  a secret (e.g. 32 random bytes) that Idempotency-Key
//                                       records are keyed with; the same on every replica
//   RATHAUS_CLERK_JWT_PUBLIC_KEY_FILE   PEM public key (RSA or EC P-256) for clerk tokens
//   RATHAUS_CLERK_JWT_ISSUER / _AUDIENCE  expected iss / aud (rathaus / rathaus-gateway)
//   RATHAUS_GATEWAY_OIDC_CLIENT_ID      the citizen pages' sign-in (web_session.h): the gateway's
//                                       client id at RATHAUS_OIDC_ISSUER; unset: no sign-in
//   RATHAUS_GATEWAY_OIDC_CLIENT_SECRET_FILE  its client secret (client_secret_basic)
//   RATHAUS_GATEWAY_PUBLIC_URL          the pages' origin as citizens reach it (https://…; http only
//                                       on loopback); the redirect URI is <it>/auth/callback
//   RATHAUS_RATE_LIMIT_SIGNIN           sign-ins begun per client (default 30/1m)
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gateway/descriptors.h"
#include "gateway/gateway.h"
#include "gateway/server.h"
#include "gateway/web_session.h"
#include "rathaus/appointments/v1/appointments.pb.h"
#include "rathaus/e_file/v1/e_file.pb.h"
#include "rathaus/notifications/v1/notifications.pb.h"
#include "rathaus/e_invoice/v1/e_invoice.pb.h"
#include "rathaus/id_documents/v1/id_documents.pb.h"
#include "rathaus/registrations/v1/registrations.pb.h"
#include "shared/auth/caller.h"
#include "shared/config/platform.h"
#include "shared/grpc/server.h"
#include "shared/metrics/metrics.h"
#include "shared/log/log.h"

namespace {

namespace gw = rathaus::gateway;
namespace platform = rathaus::platform;
namespace log = rathaus::platform::log;

// The services the gateway fronts: their generated descriptor, where to find them, and the
// default address (the port `make up` gives them: scripts/up.sh's table).
struct Fronted {
  const google::protobuf::ServiceDescriptor* service;
  const char* address_variable;
  const char* default_address;
};

std::vector<Fronted> FrontedServices() {
  return {
      {rathaus::appointments::v1::Booking::descriptor()->file()->FindServiceByName(
           "Appointments"),
       "RATHAUS_APPOINTMENTS_ADDR", "127.0.0.1:50051"},
      {rathaus::e_invoice::v1::Invoice::descriptor()->file()->FindServiceByName("EInvoice"),
       "RATHAUS_E_INVOICE_ADDR", "127.0.0.1:50052"},
      {rathaus::id_documents::v1::Application::descriptor()->file()->FindServiceByName(
           "IdDocuments"),
       "RATHAUS_ID_DOCUMENTS_ADDR", "127.0.0.1:50053"},
      {rathaus::registrations::v1::Registration::descriptor()->file()->FindServiceByName(
           "Registrations"),
       "RATHAUS_REGISTRATIONS_ADDR", "127.0.0.1:50054"},
      {rathaus::e_file::v1::Vorgang::descriptor()->file()->FindServiceByName("EFile"),
       "RATHAUS_E_FILE_ADDR", "127.0.0.1:50055"},
  };
}

}  // namespace

int main() {
  // Block the stop signals before any thread exists, so sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  rathaus::platform::GrpcServer::DisableMutexDeadlockDetection();

  std::vector<Fronted> fronted = FrontedServices();
  if (const char* a = std::getenv("RATHAUS_NOTIFICATIONS_ADDR"); a != nullptr && *a != '\0') {
    fronted.push_back({rathaus::notifications::v1::OptOutRequest::descriptor()->file()
                           ->FindServiceByName("Notifications"),
                       "RATHAUS_NOTIFICATIONS_ADDR", ""});
  }
  // Services the gateway was not compiled with: from the descriptor sets in
  // RATHAUS_GATEWAY_DESCRIPTOR_DIR, each routed when its RATHAUS_<NAME>_ADDR is set.
  std::unique_ptr<gw::DescriptorSets> extra_sets;
  std::vector<std::string> extra_variables;  // kept alive: Fronted holds their c_str()
  if (const char* dir = std::getenv("RATHAUS_GATEWAY_DESCRIPTOR_DIR"); dir != nullptr && *dir != '\0') {
    auto sets = gw::DescriptorSets::LoadDir(dir);
    if (!sets.ok()) {
      std::fprintf(stderr, "config: RATHAUS_GATEWAY_DESCRIPTOR_DIR: %s\n",
                   std::string(sets.status().message()).c_str());
      return 2;
    }
    extra_sets = std::move(*sets);
    const auto extra = extra_sets->services();
    extra_variables.reserve(extra.size());
    for (const auto* service : extra) {
      extra_variables.push_back(gw::AddressVariable(service));
      const char* address = std::getenv(extra_variables.back().c_str());
      if (address == nullptr || *address == '\0') {
        log::Info("service not routed: its address is not set",
                  {{"service", service->full_name()}, {"variable", extra_variables.back()}});
        continue;
      }
      fronted.push_back({service, extra_variables.back().c_str(), ""});
    }
  }
  std::vector<const google::protobuf::ServiceDescriptor*> descriptors;
  for (const Fronted& f : fronted) descriptors.push_back(f.service);
  auto routes = gw::RouteTable::FromServices(descriptors);
  if (!routes.ok()) {
    // The protos are part of the build: a bad option is a bug, not a configuration error.
    std::fprintf(stderr, "gateway: %s\n", std::string(routes.status().message()).c_str());
    return 1;
  }

  platform::EnvConfig env;
  platform::PlatformConfig platform_config = platform::PlatformConfig::FromEnv(env, "gateway");
  const std::string listen = env.HostPort("RATHAUS_HTTP_LISTEN", "127.0.0.1:8080", true);
  // Metrics never on the public port: RATHAUS_GATEWAY_METRICS_LISTEN (or the platform-wide
  // RATHAUS_METRICS_LISTEN); neither set: no metrics endpoint.
  const char* metrics_variable = !env.String("RATHAUS_GATEWAY_METRICS_LISTEN", "").empty()
                                     ? "RATHAUS_GATEWAY_METRICS_LISTEN"
                                     : "RATHAUS_METRICS_LISTEN";
  const std::string metrics_listen = env.String(metrics_variable, "").empty()
                                         ? ""
                                         : env.HostPort(metrics_variable, "", true);
  std::vector<std::string> addresses;
  for (const Fronted& f : fronted) addresses.push_back(env.GrpcTarget(f.address_variable, f.default_address));
  const int io_threads = static_cast<int>(env.Int("RATHAUS_GATEWAY_IO_THREADS", 2, 1, 64));
  const std::string profile = env.OneOf("RATHAUS_GATEWAY_PROFILE", "default", {"default", "bench"});
  gw::HttpLimits limits;
  limits.max_connections = static_cast<int>(env.Int("RATHAUS_HTTP_MAX_CONNECTIONS", 4096, 1, 1000000));
  limits.max_large_bodies = static_cast<int>(env.Int("RATHAUS_GATEWAY_MAX_LARGE_BODIES", 8, 1, 1024));

  gw::GatewayOptions options;
  options.upstream_timeout =
      env.Duration("RATHAUS_GATEWAY_UPSTREAM_TIMEOUT", absl::Seconds(5));
  if (options.upstream_timeout <= absl::ZeroDuration()) {
    env.Reject("RATHAUS_GATEWAY_UPSTREAM_TIMEOUT", "a positive duration", "0");
  }
  options.relax_loopback_rate_limits = profile == "bench";
  options.trust_forwarded_for = env.Bool("RATHAUS_GATEWAY_TRUST_FORWARDED_FOR", false);
  if (const std::string proxies = env.String("RATHAUS_GATEWAY_TRUSTED_PROXIES", ""); !proxies.empty()) {
    auto list = gw::ParseCidrList(proxies);
    if (list.ok()) {
      options.trusted_proxies = std::move(*list);
    } else {
      env.Reject("RATHAUS_GATEWAY_TRUSTED_PROXIES", "addresses or CIDRs, e.g. 10.42.0.0/16,fd00::/8",
                 std::string(list.status().message()));
    }
  }
  options.anonymous_upload = env.Bool("RATHAUS_GATEWAY_ANONYMOUS_INVOICE_UPLOAD", false);
  options.rate_limit_fail_closed =
      env.OneOf("RATHAUS_RATE_LIMIT_ON_ERROR", "open", {"open", "closed"}) == "closed";
  options.cache_ttl = env.Duration("RATHAUS_GATEWAY_CACHE_TTL", absl::Seconds(1));
  if (options.cache_ttl > absl::Minutes(1)) {
    env.Reject("RATHAUS_GATEWAY_CACHE_TTL", "at most 1m (0s turns the cache off)",
               absl::FormatDuration(options.cache_ttl));
  }
  options.redis_prefix = env.String("RATHAUS_GATEWAY_REDIS_PREFIX", "gw:");
  options.idempotency_secret = env.SecretFile("RATHAUS_GATEWAY_IDEMPOTENCY_SECRET_FILE", false);
  for (const gw::Route& route : routes->routes()) {
    if (route.rate_limit.empty() || options.rate_limits.contains(route.rate_limit)) continue;
    std::string name = absl::StrCat("RATHAUS_RATE_LIMIT_", route.rate_limit);
    absl::AsciiStrToUpper(&name);
    const std::string text = env.String(name, "60/1m");
    auto spec = gw::ParseRateSpec(text);
    if (spec.ok()) {
      options.rate_limits[route.rate_limit] = *spec;
    } else {
      env.Reject(name, "N/duration (e.g. 60/1m) or off", text);
    }
  }
  options.clerk_verifier = platform::auth::VerifierFromEnv(env);
  if (const std::string root = env.String("RATHAUS_WEB_ROOT", ""); !root.empty()) {
    std::string error;
    auto web = gw::StaticFiles::Load(root, &error);
    if (web) {
      options.web = std::make_shared<const gw::StaticFiles>(std::move(*web));
    } else {
      env.Reject("RATHAUS_WEB_ROOT", "a folder with the built pages (gateway/web/build.sh)", root);
    }
  }
  // The pages' sign-in (web_session.h): on when a client id is set.
  std::optional<gw::WebSignInOptions> sign_in;
  if (const std::string client = env.String("RATHAUS_GATEWAY_OIDC_CLIENT_ID", ""); !client.empty()) {
    gw::WebSignInOptions o;
    o.client_id = client;
    o.issuer = env.String("RATHAUS_OIDC_ISSUER", "");
    o.client_secret = env.SecretFile("RATHAUS_GATEWAY_OIDC_CLIENT_SECRET_FILE", true);
    o.public_url = env.String("RATHAUS_GATEWAY_PUBLIC_URL", "");
    o.redis_prefix = options.redis_prefix;
    if (o.issuer.empty()) {
      env.Reject("RATHAUS_OIDC_ISSUER", "the provider's issuer URL when RATHAUS_GATEWAY_OIDC_CLIENT_ID is set", "");
    }
    const bool loopback_http = absl::StartsWith(o.public_url, "http://127.0.0.1:") ||
                               absl::StartsWith(o.public_url, "http://localhost:");
    if (!absl::StartsWith(o.public_url, "https://") && !loopback_http) {
      env.Reject("RATHAUS_GATEWAY_PUBLIC_URL",
                 "the pages' origin as citizens reach it, https://… (http only on loopback)", o.public_url);
    }
    if (!options.rate_limits.contains("signin")) {
      const std::string text = env.String("RATHAUS_RATE_LIMIT_SIGNIN", "30/1m");
      auto spec = gw::ParseRateSpec(text);
      if (spec.ok()) {
        options.rate_limits["signin"] = *spec;
      } else {
        env.Reject("RATHAUS_RATE_LIMIT_SIGNIN", "N/duration (e.g. 30/1m) or off", text);
      }
    }
    sign_in = std::move(o);
  }
  // TLS to the services: their CA; with a client certificate and key, mTLS.
  std::optional<gw::Upstream::Tls> upstream_tls;
  const std::string tls_ca = env.SecretFile("RATHAUS_GATEWAY_TLS_CA_FILE", false);
  const std::string tls_cert = env.SecretFile("RATHAUS_GATEWAY_TLS_CERT_FILE", false);
  const std::string tls_key = env.SecretFile("RATHAUS_GATEWAY_TLS_KEY_FILE", false);
  if (tls_cert.empty() != tls_key.empty()) {
    env.Reject(tls_cert.empty() ? "RATHAUS_GATEWAY_TLS_CERT_FILE" : "RATHAUS_GATEWAY_TLS_KEY_FILE",
               "set together with its certificate/key partner", "");
  } else if (!tls_cert.empty() && tls_ca.empty()) {
    env.Reject("RATHAUS_GATEWAY_TLS_CA_FILE", "the services' CA when a client certificate is set", "");
  }
  if (!tls_ca.empty()) {
    upstream_tls = gw::Upstream::Tls{.ca_pem = tls_ca, .cert_pem = tls_cert, .key_pem = tls_key,
                                     .ca_file = env.String("RATHAUS_GATEWAY_TLS_CA_FILE", ""),
                                     .cert_file = env.String("RATHAUS_GATEWAY_TLS_CERT_FILE", ""),
                                     .key_file = env.String("RATHAUS_GATEWAY_TLS_KEY_FILE", ""),
                                     .reload_interval = env.Duration("RATHAUS_GATEWAY_TLS_RELOAD_INTERVAL",
                                                                     absl::Seconds(30))};
  }
  env.ExitOnError();
  if (!options.clerk_verifier) {
    log::Warn("neither RATHAUS_OIDC_ISSUER, RATHAUS_JWKS_URL nor RATHAUS_CLERK_JWT_PUBLIC_KEY_FILE "
              "is set: routes that need a token answer 401");
  }

  platform::redis::Pool redis(platform_config.redis);
  if (sign_in) {
    if (!options.clerk_verifier) {
      std::fprintf(stderr, "config: RATHAUS_GATEWAY_OIDC_CLIENT_ID needs RATHAUS_OIDC_ISSUER\n");
      return 2;
    }
    options.sign_in = std::make_shared<gw::WebSignIn>(*sign_in, &redis, *options.clerk_verifier);
    log::Info("citizen sign-in on", {{"client", sign_in->client_id}, {"public_url", sign_in->public_url}});
  }
  std::vector<std::unique_ptr<gw::Upstream>> upstreams;
  gw::Upstreams by_service;
  for (size_t i = 0; i < fronted.size(); ++i) {
    upstreams.push_back(
        std::make_unique<gw::Upstream>(addresses[i], options.upstream_timeout, upstream_tls));
    by_service[fronted[i].service->full_name()] = upstreams.back().get();
  }
  gw::Metrics metrics;
  // Metrics on their own port, scraped inside the cluster and never behind the public Ingress.
  platform::metrics::Registry metrics_registry;
  metrics_registry.AddTextCollector([&metrics](std::string* out) { out->append(metrics.Text()); });
  platform::metrics::MetricsServer metrics_server(metrics_registry);
  if (!metrics_listen.empty()) {
    if (absl::Status s = metrics_server.Start(metrics_listen); !s.ok()) {
      std::fprintf(stderr, "config: %s: %s\n", metrics_variable, std::string(s.message()).c_str());
      return 2;
    }
  } else {
    log::Warn("RATHAUS_GATEWAY_METRICS_LISTEN is not set: no metrics endpoint");
  }
  const absl::Duration drain_limit = options.upstream_timeout + absl::Seconds(2);
  gw::Gateway gateway(std::move(options), std::move(*routes), std::move(by_service), &redis,
                      &metrics);
  gw::HttpServer server(listen, io_threads, &gateway, &metrics, limits);
  if (absl::Status s = server.Start(); !s.ok()) {
    std::fprintf(stderr, "gateway: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  log::Info("gateway listening", {{"listen", listen},
                                  {"port", server.port()},
                                  {"appointments", addresses[0]},
                                  {"e_invoice", addresses[1]},
                                  {"id_documents", addresses[2]},
                                  {"profile", profile}});

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  log::Info("stopping", {{"signal", signal_number}});
  server.StopAccepting();
  // Every in-flight request ends by its upstream deadline at the latest.
  const absl::Time until = absl::Now() + drain_limit;
  while (gateway.in_flight() > 0 && absl::Now() < until) absl::SleepFor(absl::Milliseconds(20));
  server.Stop();
  log::Info("stopped");
  return 0;
}
