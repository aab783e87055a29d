// Who is calling a service: every service verifies the caller's credential itself (DESIGN.md
// "Services"), because gRPC metadata alone proves nothing — anyone on the network can send
// `rathaus-clerk-offices: *`. The gateway forwards the clerk's verified JWT as
// `authorization: Bearer <token>`; integrators calling a service directly send the same kind of
// token. The service checks signature, exp/nbf, iss, aud and the role before a handler does
// anything with the request.
//
//   auto callers = auth::CallerAuth::FromEnv(env);       // RATHAUS_CLERK_JWT_* (below)
//   absl::StatusOr<auth::Caller> clerk = callers.Require(ctx, "clerk");
//   if (!clerk.ok()) return ToGrpcStatus(ctx, clerk.status());  // UNAUTHENTICATED / PERMISSION_DENIED
//   if (!clerk->MayAccess(office)) ...
//
//   RATHAUS_CLERK_JWT_PUBLIC_KEY_FILE   PEM public key (RSA or EC P-256) the tokens are signed for
//   RATHAUS_CLERK_JWT_ISSUER            expected iss (default rathaus)
//   RATHAUS_CLERK_JWT_AUDIENCE          expected aud (default rathaus-gateway)
//   RATHAUS_JWT_MAX_LIFETIME            longest token lifetime from iat to exp (default 12h)
//   RATHAUS_OIDC_ISSUER / RATHAUS_JWKS_URL  the provider's keys instead of the PEM file (jwks.h)
// Without a key every call that needs a caller is UNAUTHENTICATED (and the service says so
// at start).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "shared/auth/jwt.h"
#include "shared/config/config.h"

namespace rathaus::platform::auth {

// The token policy from RATHAUS_CLERK_JWT_ISSUER, _AUDIENCE and RATHAUS_JWT_MAX_LIFETIME (the
// gateway and every service read the same variables).
JwtPolicy JwtPolicyFromEnv(EnvConfig& env);

// The verifier the environment names: an OpenID Connect provider's keys (RATHAUS_OIDC_ISSUER,
// discovery; or RATHAUS_JWKS_URL; refreshed every RATHAUS_JWKS_REFRESH, default 10m, and on an
// unknown kid), else the PEM key of RATHAUS_CLERK_JWT_PUBLIC_KEY_FILE; both set with
// RATHAUS_ENV=development (make up, tests): both, the file's key for tokens of the issuer
// "rathaus" only; in production the file is then ignored. nullopt when none is set (or the
// setting is wrong, then `env` holds the error).
std::optional<JwtVerifier> VerifierFromEnv(EnvConfig& env);

struct Caller {
  std::string subject;
  // "clerk", "invoice-clerk", "integrator", "supplier", "registration-clerk" or "citizen"
  std::string role;
  // offices (clerk, registration-clerk), departments (invoice-clerk) or OAuth scopes
  // (integrator); "*" = all; empty for supplier and citizen (their subject is who they are)
  std::vector<std::string> scope;

  std::string acr;  // the sign-in's assurance level (OpenID Connect `acr`), "" when none

  // True when the scope holds `id` or "*".
  bool MayAccess(std::string_view id) const;
};

class CallerAuth {
 public:
  CallerAuth() = default;  // no key: every Require() is UNAUTHENTICATED
  explicit CallerAuth(JwtVerifier verifier) : verifier_(std::move(verifier)) {}
  // Reads the variables above; problems are recorded in `env`.
  static CallerAuth FromEnv(EnvConfig& env);

  bool configured() const { return verifier_.has_value(); }

  // The verified caller of this call, who must hold `role`: UNAUTHENTICATED without a valid
  // bearer token, PERMISSION_DENIED with a valid token of another role.
  absl::StatusOr<Caller> Require(const grpc::ServerContext* ctx, std::string_view role) const;
  // The same for a bearer token taken from elsewhere (tests, tools).
  absl::StatusOr<Caller> RequireToken(std::string_view token, std::string_view role) const;

 private:
  std::optional<JwtVerifier> verifier_;
};

}  // namespace rathaus::platform::auth
