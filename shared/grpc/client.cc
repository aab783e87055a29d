#include "shared/grpc/client.h"

#include <cstdlib>

#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>

namespace rathaus::platform {

std::shared_ptr<grpc::ChannelCredentials> ClientCredentials(const std::optional<ClientTls>& tls) {
  if (!tls) return grpc::InsecureChannelCredentials();
  if (!tls->ca_file.empty()) {
    const unsigned interval = static_cast<unsigned>(
        std::max<int64_t>(1, absl::ToInt64Seconds(tls->reload_interval)));
    auto provider = tls->cert_file.empty()
        ? std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(tls->ca_file, interval)
        : std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
              tls->key_file, tls->cert_file, tls->ca_file, interval);
    grpc::experimental::TlsChannelCredentialsOptions options;
    options.set_certificate_provider(provider);
    options.watch_root_certs();
    if (!tls->cert_file.empty()) options.watch_identity_key_cert_pairs();
    options.set_verify_server_certs(true);
    options.set_certificate_verifier(
        std::make_shared<grpc::experimental::HostNameCertificateVerifier>());
    return grpc::experimental::TlsCredentials(options);
  }
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = tls->ca_pem;
  options.pem_cert_chain = tls->cert_pem;
  options.pem_private_key = tls->key_pem;
  return grpc::SslCredentials(options);
}

std::optional<ClientTls> ClientTlsFromServiceEnv() {
  auto get = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string(v == nullptr ? "" : v);
  };
  ClientTls tls;
  tls.ca_file = get("RATHAUS_GRPC_TLS_CLIENT_CA_FILE");
  if (tls.ca_file.empty()) return std::nullopt;
  tls.cert_file = get("RATHAUS_GRPC_TLS_CERT_FILE");
  tls.key_file = get("RATHAUS_GRPC_TLS_KEY_FILE");
  if (tls.cert_file.empty() || tls.key_file.empty()) tls.cert_file.clear(), tls.key_file.clear();
  return tls;
}

}  // namespace rathaus::platform
