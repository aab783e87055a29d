// Client credentials for calls between rathaus processes: plaintext, or TLS with the services'
// CA and, for mTLS, a client certificate. With file paths the files are watched (gRPC's
// FileWatcherCertificateProvider), so renewed certificates are used for new connections without
// a restart — the same as the servers' own (server.h). The server's name is checked against its
// certificate.
//
//   auto creds = platform::ClientCredentials(platform::ClientTls{.ca_file = "/run/tls/ca.crt",
//                                                                .cert_file = …, .key_file = …});
//   auto channel = grpc::CreateChannel(address, creds);
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <grpcpp/security/credentials.h>

#include "absl/time/time.h"

namespace rathaus::platform {

struct ClientTls {
  // PEM contents, used when no files are named.
  std::string ca_pem;
  std::string cert_pem;
  std::string key_pem;
  // Files to watch (ca_file set: the files win over the contents).
  std::string ca_file;
  std::string cert_file;  // with key_file: mTLS
  std::string key_file;
  absl::Duration reload_interval = absl::Seconds(30);
};

// Insecure credentials for nullopt.
std::shared_ptr<grpc::ChannelCredentials> ClientCredentials(const std::optional<ClientTls>& tls);

// TLS of a client from the service's own settings (RATHAUS_GRPC_TLS_CLIENT_CA_FILE,
// RATHAUS_GRPC_TLS_CERT_FILE, RATHAUS_GRPC_TLS_KEY_FILE): the service's certificate as its client
// certificate, watched for renewal. nullopt when no CA file is set (plaintext).
std::optional<ClientTls> ClientTlsFromServiceEnv();

}  // namespace rathaus::platform
