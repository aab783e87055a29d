// Credentials for tests: a signing key pair, the services' caller check built on it, clerk
// tokens as the gateway forwards them, and personal-data keys.
//
//   TestCredentials creds;
//   AppointmentsService service(catalog, store, key, creds.callers());
//   grpc::ClientContext ctx;
//   ctx.AddMetadata("authorization", "Bearer " + creds.Token("clerk", {"kiel-mitte"}));
#pragma once

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "shared/auth/caller.h"
#include "shared/crypto/personal_data.h"

namespace rathaus::testing {

class TestCredentials {
 public:
  TestCredentials();  // aborts if the key pair cannot be made

  const platform::auth::CallerAuth& callers() const { return callers_; }
  const platform::crypto::DataKeys& data_keys() const { return data_keys_; }
  const std::string& private_pem() const { return private_pem_; }
  const std::string& public_pem() const { return public_pem_; }

  // A token with `role` ("clerk": offices, "invoice-clerk": departments, "integrator": the
  // space-separated claim scope), valid `valid_for`
  // (negative: already expired), audience rathaus-gateway, issuer rathaus.
  std::string Token(const std::string& role, const std::vector<std::string>& scope,
                    const std::string& subject = "clerk-1",
                    absl::Duration valid_for = absl::Hours(1)) const;

 private:
  std::string private_pem_;
  std::string public_pem_;
  platform::auth::CallerAuth callers_;
  platform::crypto::DataKeys data_keys_;
};

}  // namespace rathaus::testing
