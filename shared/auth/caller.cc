#include "shared/auth/caller.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "shared/log/log.h"

namespace rathaus::platform::auth {

bool Caller::MayAccess(std::string_view id) const {
  for (const std::string& allowed : scope) {
    if (allowed == "*" || allowed == id) return true;
  }
  return false;
}

JwtPolicy JwtPolicyFromEnv(EnvConfig& env) {
  JwtPolicy policy;
  // With a provider, its issuer is the one tokens must name (unless set otherwise).
  const std::string oidc_issuer = env.String("RATHAUS_OIDC_ISSUER", "");
  policy.issuer = env.String("RATHAUS_CLERK_JWT_ISSUER", oidc_issuer.empty() ? "rathaus" : oidc_issuer);
  policy.audience = env.String("RATHAUS_CLERK_JWT_AUDIENCE", "rathaus-gateway");
  policy.max_lifetime = env.Duration("RATHAUS_JWT_MAX_LIFETIME", absl::Hours(12));
  if (policy.max_lifetime <= absl::ZeroDuration() || policy.max_lifetime > absl::Hours(24 * 366)) {
    env.Reject("RATHAUS_JWT_MAX_LIFETIME", "a duration between 1s and 8784h",
               absl::FormatDuration(policy.max_lifetime));
  }
  return policy;
}

std::optional<JwtVerifier> VerifierFromEnv(EnvConfig& env) {
  const JwtPolicy policy = JwtPolicyFromEnv(env);
  const std::string issuer = env.String("RATHAUS_OIDC_ISSUER", "");
  const std::string jwks_url = env.String("RATHAUS_JWKS_URL", "");
  if (!issuer.empty() || !jwks_url.empty()) {
    JwksSource::Options options;
    options.issuer = jwks_url.empty() ? issuer : "";
    options.jwks_url = jwks_url;
    options.token_issuer = policy.issuer;
    options.refresh = env.Duration("RATHAUS_JWKS_REFRESH", absl::Minutes(10));
    if (options.refresh < absl::Seconds(10)) {
      env.Reject("RATHAUS_JWKS_REFRESH", "at least 10s", absl::FormatDuration(options.refresh));
      return std::nullopt;
    }
    if (!env.ok()) return std::nullopt;
    auto source = JwksSource::Start(options);
    if (!source.ok()) {
      env.Reject(jwks_url.empty() ? "RATHAUS_OIDC_ISSUER" : "RATHAUS_JWKS_URL",
                 "an https URL of an OpenID Connect provider (http only to loopback)",
                 std::string(source.status().message()));
      return std::nullopt;
    }
    std::shared_ptr<KeySource> keys(std::move(*source));
    // Development (make up, tests): the provider's keys and the development key side by side;
    // the development key signs only for rathaus-dev-token's issuer "rathaus". In production the
    // provider alone.
    const bool development = env.String("RATHAUS_ENV", "production") == "development";
    const std::string pem = env.SecretFile("RATHAUS_CLERK_JWT_PUBLIC_KEY_FILE", false);
    if (!pem.empty() && !development) {
      log::Warn("RATHAUS_CLERK_JWT_PUBLIC_KEY_FILE is ignored: the identity provider's keys are used "
                "(RATHAUS_OIDC_ISSUER / RATHAUS_JWKS_URL)");
    } else if (!pem.empty()) {
      auto dev = KeySet::FromPem(pem, "rathaus");
      if (!dev.ok()) {
        env.Reject("RATHAUS_CLERK_JWT_PUBLIC_KEY_FILE", "a PEM public key (RSA >= 2048 or EC P-256)",
                   std::string(dev.status().message()));
        return std::nullopt;
      }
      keys = std::make_shared<CombinedKeySource>(keys, std::move(*dev));
    }
    return JwtVerifier::FromKeySource(std::move(keys), policy);
  }
  const std::string pem = env.SecretFile("RATHAUS_CLERK_JWT_PUBLIC_KEY_FILE", false);
  if (pem.empty()) return std::nullopt;
  absl::StatusOr<JwtVerifier> verifier = JwtVerifier::FromPublicKeyPem(pem, policy);
  if (!verifier.ok()) {
    env.Reject("RATHAUS_CLERK_JWT_PUBLIC_KEY_FILE", "a PEM public key (RSA >= 2048 or EC P-256)",
               std::string(verifier.status().message()));
    return std::nullopt;
  }
  return *verifier;
}

CallerAuth CallerAuth::FromEnv(EnvConfig& env) {
  std::optional<JwtVerifier> verifier = VerifierFromEnv(env);
  if (!verifier) return CallerAuth();
  return CallerAuth(std::move(*verifier));
}

absl::StatusOr<Caller> CallerAuth::Require(const grpc::ServerContext* ctx,
                                           std::string_view role) const {
  const auto& metadata = ctx->client_metadata();
  auto range = metadata.equal_range("authorization");
  if (range.first == range.second) {
    return absl::UnauthenticatedError("a bearer token is required (metadata authorization)");
  }
  if (std::next(range.first) != range.second) {
    return absl::UnauthenticatedError("more than one authorization value");
  }
  absl::string_view value(range.first->second.data(), range.first->second.size());
  if (value.size() < 7 || !absl::EqualsIgnoreCase(value.substr(0, 7), "bearer ")) {
    return absl::UnauthenticatedError("the authorization is not a bearer token");
  }
  const absl::string_view token = absl::StripAsciiWhitespace(value.substr(7));
  return RequireToken(std::string_view(token.data(), token.size()), role);
}

absl::StatusOr<Caller> CallerAuth::RequireToken(std::string_view token,
                                                std::string_view role) const {
  if (!verifier_.has_value()) {
    return absl::UnauthenticatedError("this service has no key to verify callers");
  }
  if (token.empty()) return absl::UnauthenticatedError("empty bearer token");
  absl::StatusOr<ClerkClaims> claims = verifier_->Verify(token, absl::Now());
  if (!claims.ok()) {
    log::Info("caller refused", {{"reason", std::string(claims.status().message())}});
    return absl::UnauthenticatedError(
        absl::StrCat("the bearer token is not valid: ", claims.status().message()));
  }
  bool allowed = false;
  for (absl::string_view r : absl::StrSplit(absl::string_view(role.data(), role.size()), ' ',
                                            absl::SkipEmpty())) {
    allowed = allowed || r == claims->role;
  }
  if (!allowed) {
    return absl::PermissionDeniedError(absl::StrCat("this call needs the role ", std::string(role)));
  }
  Caller caller;
  caller.subject = claims->subject;
  caller.role = claims->role;
  caller.acr = claims->acr;
  caller.scope = claims->role == "clerk" || claims->role == "registration-clerk"
                     ? claims->offices
                 : claims->role == "integrator" ? claims->scopes
                 : claims->role == "archivist"  ? std::vector<std::string>{"*"}
                                                : claims->departments;
  return caller;
}

}  // namespace rathaus::platform::auth
