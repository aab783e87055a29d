// The citizen pages' sign-in: the gateway runs the OpenID Connect authorization code flow with
// PKCE as a backend-for-frontend (a confidential client of the city's provider), so no token ever
// reaches the browser's JavaScript. The browser holds one HttpOnly cookie with a random session
// id; the tokens stay in Redis, sealed with a key derived from that id (Redis alone never holds
// a usable token), and the gateway forwards the access token to the services as any bearer token.
//
//   GET  /auth/login?return=/meldung   302 to the provider (state, nonce, PKCE S256; a state
//                                      cookie binds the flow to this browser)
//   GET  /auth/callback?code&state     code -> tokens at the token endpoint; the access token
//                                      verified like every other; session cookie; 302 back
//   GET  /auth/session                 {"signedIn","available","role","expiresAt","csrfToken"}
//   POST /auth/logout                  (X-CSRF-Token) session deleted -> {"logoutUrl"} (the
//                                      provider's end-session endpoint)
//
// API requests with the cookie and without an Authorization header act with the session's access
// token (refreshed shortly before it expires); POST/PUT/PATCH/DELETE need the header
// X-CSRF-Token with the session's CSRF token, and the cookie is SameSite=Strict.
// Configuration: RATHAUS_OIDC_ISSUER, RATHAUS_GATEWAY_OIDC_CLIENT_ID,
// RATHAUS_GATEWAY_OIDC_CLIENT_SECRET_FILE, RATHAUS_GATEWAY_PUBLIC_URL (main.cc).
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/gateway.h"
#include "gateway/jwt.h"
#include "gateway/problem.h"
#include "shared/redis/redis.h"

namespace rathaus::gateway {

struct WebSignInOptions {
  std::string issuer;         // the provider (discovery at <issuer>/.well-known/openid-configuration)
  std::string client_id;
  std::string client_secret;  // client_secret_basic at the token endpoint
  std::string public_url;     // the pages' origin as citizens reach it, e.g. https://service.kiel.de
  std::string redis_prefix = "gw:";
  // The pages a sign-in may return to; anything else returns to the first.
  std::vector<std::string> return_paths = {"/meldung/status", "/meldung"};
  absl::Duration refresh_margin = absl::Seconds(30);  // refresh an access token this close to its end
  absl::Duration provider_timeout = absl::Seconds(5);
  absl::Duration max_session = absl::Hours(12);       // a session ends then at the latest
  absl::Duration flow_timeout = absl::Minutes(10);    // from /auth/login to the callback
};

// RFC 7636 §4.2: BASE64URL(SHA256(ASCII(code_verifier))).
std::string PkceChallenge(absl::string_view verifier);
// The value of cookie `name` in a Cookie header (RFC 6265 §5.4), if present once.
std::optional<std::string> CookieValue(const std::string* cookie_header, absl::string_view name);
// `requested` when it is one of `allowed` exactly, else allowed[0]: never an open redirect.
std::string SafeReturnPath(absl::string_view requested, const std::vector<std::string>& allowed);
// The query's parameters, percent-decoded ('+' is a space); nullopt for a malformed escape or a
// name given twice.
std::optional<std::map<std::string, std::string>> ParseQueryParameters(absl::string_view query);

class WebSignIn {
 public:
  // `verifier` checks the access tokens (the gateway's, same policy as every service).
  WebSignIn(WebSignInOptions options, platform::redis::Pool* redis, JwtVerifier verifier);

  // Cookies with the __Host-/__Secure- prefixes and Secure unless the public URL is http
  // (development on loopback).
  bool secure() const { return secure_; }
  const std::string& session_cookie() const { return session_cookie_; }
  bool HasSessionCookie(const HttpRequest& request) const;

  // Each of these blocks on Redis and the provider: call them on the gateway's work queue.
  HttpResponse Login(const HttpRequest& request, absl::string_view query);
  HttpResponse Callback(const HttpRequest& request, absl::string_view query);
  HttpResponse Session(const HttpRequest& request);
  HttpResponse Logout(const HttpRequest& request);
  // The access token a request with the session cookie acts with, or the problem to answer
  // (401 session-expired, 403 csrf-token-invalid, 503 when Redis or the provider fails).
  std::variant<std::string, Problem> Authorize(const HttpRequest& request, bool unsafe_method);

 private:
  struct Endpoints {
    std::string authorization;
    std::string token;
    std::string end_session;
  };
  struct SessionData {
    std::string access_token;
    std::string refresh_token;
    std::string id_token;
    std::string csrf;
    std::string role;
    int64_t access_expires_ms = 0;
    int64_t ends_ms = 0;  // the session's end (refresh token's end, capped by max_session)
  };

  absl::StatusOr<Endpoints> Discover();
  // From a token endpoint answer; `nonce` set: the ID token must carry it. `previous`: a refresh
  // keeps what the answer leaves out (CSRF token, ID token, the session's end).
  absl::StatusOr<SessionData> FromTokenAnswer(const std::string& body, const std::string* nonce,
                                              const SessionData* previous);
  std::string SessionKey(absl::string_view sid) const;
  absl::Status Save(absl::string_view sid, const SessionData& data);
  // NOT_FOUND when there is no live session for this id (ended, logged out, never was).
  absl::StatusOr<SessionData> Load(absl::string_view sid);
  // Load, and refresh the access token when it ends within refresh_margin.
  absl::StatusOr<SessionData> Current(absl::string_view sid);
  std::string CookieHeader(const std::string& name, const std::string& value, absl::string_view path,
                           absl::string_view same_site, std::optional<absl::Duration> max_age) const;
  HttpResponse Redirect(const std::string& location) const;

  WebSignInOptions options_;
  platform::redis::Pool* redis_;
  JwtVerifier verifier_;
  bool secure_;
  std::string session_cookie_;
  std::string state_cookie_;
  std::string redirect_uri_;
  std::mutex mu_;
  std::optional<Endpoints> endpoints_;  // guarded by mu_; fetched at first use
};

}  // namespace rathaus::gateway
