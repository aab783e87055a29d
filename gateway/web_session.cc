#include "gateway/web_session.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "shared/auth/jwks.h"
#include "shared/crypto/crypto.h"
#include "shared/log/log.h"

namespace rathaus::gateway {
namespace {

namespace crypto = platform::crypto;
namespace log = platform::log;
using google::protobuf::Struct;
using google::protobuf::Value;

constexpr char kSessionSealLabel[] = "rathaus web session v1";

// The crypto helpers take std::string_view, Debian's Abseil has its own string_view.
std::string_view Std(absl::string_view v) { return {v.data(), v.size()}; }

absl::StatusOr<Struct> ParseObject(absl::string_view json) {
  Struct s;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(std::string(json), &s, options).ok()) {
    return absl::InvalidArgumentError("not a JSON object");
  }
  return s;
}

std::string StringOf(const Struct& s, const char* name) {
  auto it = s.fields().find(name);
  return it != s.fields().end() && it->second.has_string_value() ? it->second.string_value() : "";
}

int64_t SecondsOf(const Struct& s, const char* name) {
  auto it = s.fields().find(name);
  return it != s.fields().end() && it->second.has_number_value()
             ? static_cast<int64_t>(it->second.number_value())
             : 0;
}

int64_t NowMs() { return absl::ToUnixMillis(absl::Now()); }

HttpResponse Json(int status, const Struct& body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  google::protobuf::util::MessageToJsonString(body, &r.body);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

HttpResponse ProblemResponse(Problem p) {
  HttpResponse r;
  r.status = p.status;
  r.content_type = "application/problem+json";
  r.body = p.ToJson();
  r.headers = std::move(p.headers);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = absl::ascii_tolower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::optional<std::string> PercentDecode(absl::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out.push_back(' ');
    } else if (in[i] == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      const int hi = HexDigit(in[i + 1]), lo = HexDigit(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

// The claims of a JWT's payload, without checking its signature: only for the ID token that
// came straight from the token endpoint over TLS (OpenID Connect Core §3.1.3.7 (6)).
absl::StatusOr<Struct> UnverifiedClaims(absl::string_view jwt) {
  std::vector<absl::string_view> parts = absl::StrSplit(jwt, '.');
  if (parts.size() != 3) return absl::InvalidArgumentError("the ID token is not a JWS");
  auto payload = crypto::FromBase64Url(Std(parts[1]));
  if (!payload.ok()) return absl::InvalidArgumentError("the ID token's payload is not base64url");
  return ParseObject(*payload);
}

bool AudienceHas(const Struct& claims, const std::string& client_id) {
  auto it = claims.fields().find("aud");
  if (it == claims.fields().end()) return false;
  if (it->second.has_string_value()) return it->second.string_value() == client_id;
  if (!it->second.has_list_value()) return false;
  for (const Value& v : it->second.list_value().values()) {
    if (v.has_string_value() && v.string_value() == client_id) return true;
  }
  return false;
}

}  // namespace

std::string PkceChallenge(absl::string_view verifier) {
  return crypto::Base64Url(crypto::Sha256(Std(verifier)));
}

std::optional<std::string> CookieValue(const std::string* cookie_header, absl::string_view name) {
  if (cookie_header == nullptr) return std::nullopt;
  std::optional<std::string> found;
  for (absl::string_view pair : absl::StrSplit(*cookie_header, ';')) {
    pair = absl::StripAsciiWhitespace(pair);
    const size_t eq = pair.find('=');
    if (eq == absl::string_view::npos || pair.substr(0, eq) != name) continue;
    if (found) return std::nullopt;  // twice: a cookie planted beside ours; trust neither
    absl::string_view value = pair.substr(eq + 1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    found = std::string(value);
  }
  return found;
}

std::string SafeReturnPath(absl::string_view requested, const std::vector<std::string>& allowed) {
  for (const std::string& path : allowed) {
    if (requested == path) return path;
  }
  return allowed.empty() ? "/" : allowed.front();
}

std::optional<std::map<std::string, std::string>> ParseQueryParameters(absl::string_view query) {
  std::map<std::string, std::string> out;
  for (absl::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    const size_t eq = pair.find('=');
    auto name = PercentDecode(pair.substr(0, eq));
    auto value = PercentDecode(eq == absl::string_view::npos ? "" : pair.substr(eq + 1));
    if (!name || !value) return std::nullopt;
    if (!out.emplace(std::move(*name), std::move(*value)).second) return std::nullopt;
  }
  return out;
}

WebSignIn::WebSignIn(WebSignInOptions options, platform::redis::Pool* redis, JwtVerifier verifier)
    : options_(std::move(options)), redis_(redis), verifier_(std::move(verifier)) {
  while (absl::EndsWith(options_.public_url, "/")) options_.public_url.pop_back();
  while (absl::EndsWith(options_.issuer, "/")) options_.issuer.pop_back();
  secure_ = !absl::StartsWith(options_.public_url, "http://");
  // __Host-: Secure, Path=/, no Domain — no sibling host can set or shadow it (RFC 6265bis §4.1.3).
  session_cookie_ = secure_ ? "__Host-rathaus-session" : "rathaus-session";
  state_cookie_ = secure_ ? "__Secure-rathaus-signin" : "rathaus-signin";
  redirect_uri_ = options_.public_url + "/auth/callback";
}

bool WebSignIn::HasSessionCookie(const HttpRequest& request) const {
  return CookieValue(request.Header("cookie"), session_cookie_).has_value();
}

std::string WebSignIn::CookieHeader(const std::string& name, const std::string& value,
                                    absl::string_view path, absl::string_view same_site,
                                    std::optional<absl::Duration> max_age) const {
  std::string c = absl::StrCat(name, "=", value, "; Path=", path, "; HttpOnly; SameSite=", same_site);
  if (secure_) absl::StrAppend(&c, "; Secure");
  if (max_age) absl::StrAppend(&c, "; Max-Age=", absl::ToInt64Seconds(*max_age));
  return c;
}

HttpResponse WebSignIn::Redirect(const std::string& location) const {
  HttpResponse r;
  r.status = 302;
  r.content_type = "text/plain; charset=utf-8";
  r.body = "Redirecting.\n";
  r.headers.emplace_back("Location", location);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

absl::StatusOr<WebSignIn::Endpoints> WebSignIn::Discover() {
  {
    std::lock_guard lock(mu_);
    if (endpoints_) return *endpoints_;
  }
  auto doc = platform::auth::HttpGet(options_.issuer + "/.well-known/openid-configuration",
                                     options_.provider_timeout);
  if (!doc.ok()) return doc.status();
  auto s = ParseObject(*doc);
  if (!s.ok()) return absl::UnavailableError("the provider's discovery document is not JSON");
  Endpoints e{StringOf(*s, "authorization_endpoint"), StringOf(*s, "token_endpoint"),
              StringOf(*s, "end_session_endpoint")};
  if (StringOf(*s, "issuer") != options_.issuer || e.authorization.empty() || e.token.empty()) {
    return absl::UnavailableError("the provider's discovery document names another issuer or no "
                                  "authorization/token endpoint");
  }
  std::lock_guard lock(mu_);
  endpoints_ = e;
  return e;
}

HttpResponse WebSignIn::Login(const HttpRequest&, absl::string_view query) {
  auto params = ParseQueryParameters(query);
  auto endpoints = Discover();
  if (!endpoints.ok()) {
    log::Warn("sign-in: the provider is not reachable", {{"error", std::string(endpoints.status().message())}});
    return ProblemResponse(MakeProblem("sign-in-unavailable",
                                       "The sign-in service cannot be reached; try again shortly."));
  }
  const std::string return_path =
      SafeReturnPath(params && params->contains("return") ? params->at("return") : "",
                     options_.return_paths);
  std::string lang = params && params->contains("lang") ? params->at("lang") : "";
  if (lang != "de" && lang != "en") lang = "de";
  const std::string state = crypto::RandomToken(32);
  const std::string verifier = crypto::RandomToken(32);  // 43 characters (RFC 7636 §4.1)
  const std::string nonce = crypto::RandomToken(24);
  // The flow's secrets stay here; the browser gets only the state (in the URL and its cookie).
  auto saved = redis_->Command({"SET", absl::StrCat(options_.redis_prefix, "signin:", crypto::Hex(crypto::Sha256(state))),
                                absl::StrCat(verifier, "\n", nonce, "\n", return_path), "PX",
                                absl::StrCat(absl::ToInt64Milliseconds(options_.flow_timeout))});
  if (!saved.ok()) {
    log::Warn("sign-in: Redis did not answer", {{"error", std::string(saved.status().message())}});
    return ProblemResponse(MakeProblem("sign-in-unavailable", "Sign-in is not possible right now; try again shortly."));
  }
  const std::string location = absl::StrCat(
      endpoints->authorization, absl::StrContains(endpoints->authorization, "?") ? "&" : "?",
      "response_type=code&client_id=", platform::auth::FormEncode(options_.client_id),
      "&redirect_uri=", platform::auth::FormEncode(redirect_uri_), "&scope=openid",
      "&state=", state, "&nonce=", nonce, "&code_challenge=", PkceChallenge(verifier),
      "&code_challenge_method=S256&ui_locales=", lang);
  HttpResponse r = Redirect(location);
  r.headers.emplace_back("Set-Cookie", CookieHeader(state_cookie_, state, "/auth/callback", "Lax",
                                                    options_.flow_timeout));
  return r;
}

HttpResponse WebSignIn::Callback(const HttpRequest& request, absl::string_view query) {
  auto params = ParseQueryParameters(query);
  auto fail = [&](const char* reason, const std::string& to) {
    log::Info("sign-in refused", {{"reason", reason}});
    HttpResponse r = Redirect(absl::StrCat(to, "#anmeldung=fehlgeschlagen"));
    r.headers.emplace_back("Set-Cookie", CookieHeader(state_cookie_, "", "/auth/callback", "Lax", absl::ZeroDuration()));
    return r;
  };
  const std::string fallback = options_.return_paths.empty() ? "/" : options_.return_paths.front();
  if (!params || !params->contains("state")) return fail("no state", fallback);
  const std::string& state = params->at("state");
  const std::optional<std::string> bound = CookieValue(request.Header("cookie"), state_cookie_);
  if (!bound || !crypto::ConstantTimeEquals(*bound, state)) {
    return fail("the state is not this browser's", fallback);
  }
  auto flow = redis_->Command({"GETDEL", absl::StrCat(options_.redis_prefix, "signin:", crypto::Hex(crypto::Sha256(state)))});
  if (!flow.ok()) return fail("Redis did not answer", fallback);
  if (flow->is_nil()) return fail("the sign-in flow expired or was used", fallback);
  std::vector<std::string> parts = absl::StrSplit(flow->str, '\n');
  if (parts.size() != 3) return fail("the flow record is damaged", fallback);
  const std::string& verifier = parts[0];
  const std::string& nonce = parts[1];
  const std::string return_path = SafeReturnPath(parts[2], options_.return_paths);
  if (params->contains("error")) {
    // The citizen cancelled, or the provider refused: back to the page, which says so.
    return fail("the provider answered with an error", return_path);
  }
  if (!params->contains("code")) return fail("no code", return_path);
  auto endpoints = Discover();
  if (!endpoints.ok()) return fail("the provider is not reachable", return_path);
  auto answer = platform::auth::HttpPostForm(
      endpoints->token,
      {{"grant_type", "authorization_code"}, {"code", params->at("code")},
       {"redirect_uri", redirect_uri_}, {"code_verifier", verifier}},
      options_.client_id, options_.client_secret, options_.provider_timeout);
  if (!answer.ok()) return fail("the token endpoint is not reachable", return_path);
  if (answer->status != 200) {
    auto error = ParseObject(answer->body);
    log::Warn("sign-in: the token endpoint refused the code",
              {{"status", answer->status}, {"error", error.ok() ? StringOf(*error, "error") : ""}});
    return fail("the token endpoint refused the code", return_path);
  }
  auto data = FromTokenAnswer(answer->body, &nonce, nullptr);
  if (!data.ok()) {
    log::Warn("sign-in: the tokens were refused", {{"error", std::string(data.status().message())}});
    return fail("the tokens were refused", return_path);
  }
  data->csrf = crypto::RandomToken(32);
  const std::string sid = crypto::RandomToken(32);
  if (absl::Status s = Save(sid, *data); !s.ok()) return fail("Redis did not answer", return_path);
  log::Info("signed in", {{"role", data->role}});
  HttpResponse r = Redirect(return_path);
  r.headers.emplace_back("Set-Cookie", CookieHeader(session_cookie_, sid, "/", "Strict", std::nullopt));
  r.headers.emplace_back("Set-Cookie", CookieHeader(state_cookie_, "", "/auth/callback", "Lax", absl::ZeroDuration()));
  return r;
}

absl::StatusOr<WebSignIn::SessionData> WebSignIn::FromTokenAnswer(const std::string& body,
                                                                  const std::string* nonce,
                                                                  const SessionData* previous) {
  auto s = ParseObject(body);
  if (!s.ok()) return absl::InvalidArgumentError("the token answer is not JSON");
  SessionData d;
  if (previous != nullptr) d = *previous;
  d.access_token = StringOf(*s, "access_token");
  if (d.access_token.empty()) return absl::InvalidArgumentError("no access token");
  if (absl::AsciiStrToLower(StringOf(*s, "token_type")) != "bearer") {
    return absl::InvalidArgumentError("not a bearer token");
  }
  auto claims = verifier_.Verify(d.access_token, absl::Now());
  if (!claims.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("the access token: ", claims.status().message()));
  }
  d.role = claims->role;
  const int64_t now = NowMs();
  d.access_expires_ms = absl::ToUnixMillis(claims->expires);
  if (const std::string refresh = StringOf(*s, "refresh_token"); !refresh.empty()) d.refresh_token = refresh;
  if (const std::string id_token = StringOf(*s, "id_token"); !id_token.empty()) d.id_token = id_token;
  if (nonce != nullptr) {
    auto id = UnverifiedClaims(d.id_token);
    if (!id.ok()) return id.status();
    if (StringOf(*id, "nonce") != *nonce) return absl::InvalidArgumentError("the ID token's nonce differs");
    if (StringOf(*id, "iss") != options_.issuer) return absl::InvalidArgumentError("the ID token's issuer differs");
    if (!AudienceHas(*id, options_.client_id)) return absl::InvalidArgumentError("the ID token is not for this client");
    if (StringOf(*id, "sub") != claims->subject) {
      return absl::InvalidArgumentError("the ID and access tokens name different subjects");
    }
  }
  if (previous == nullptr) {
    // The session lasts as long as the provider lets it be refreshed (Keycloak says how long in
    // refresh_expires_in), and never beyond max_session.
    const int64_t refresh_s = SecondsOf(*s, "refresh_expires_in");
    const int64_t cap = now + absl::ToInt64Milliseconds(options_.max_session);
    d.ends_ms = d.refresh_token.empty() ? d.access_expires_ms
                                        : (refresh_s > 0 ? std::min(cap, now + refresh_s * 1000) : cap);
  }
  return d;
}

std::string WebSignIn::SessionKey(absl::string_view sid) const {
  return absl::StrCat(options_.redis_prefix, "session:", crypto::Hex(crypto::Sha256(Std(sid))));
}

absl::Status WebSignIn::Save(absl::string_view sid, const SessionData& d) {
  const int64_t ttl = d.ends_ms - NowMs();
  if (ttl <= 0) return absl::NotFoundError("the session has ended");
  const std::string key = SessionKey(sid);
  const std::string plain = absl::StrJoin(
      {d.access_token, d.refresh_token, d.id_token, d.csrf, d.role,
       absl::StrCat(d.access_expires_ms), absl::StrCat(d.ends_ms)},
      "\n");
  auto sealed = crypto::Seal(crypto::HmacSha256(Std(sid), kSessionSealLabel), plain, key);
  if (!sealed.ok()) return sealed.status();
  auto r = redis_->Command({"SET", key, *sealed, "PX", std::string(absl::StrCat(ttl))});
  return r.ok() ? absl::OkStatus() : r.status();
}

absl::StatusOr<WebSignIn::SessionData> WebSignIn::Load(absl::string_view sid) {
  if (sid.size() != 43) return absl::NotFoundError("not a session id");
  const std::string key = SessionKey(sid);
  auto r = redis_->Command({"GET", key});
  if (!r.ok()) return r.status();
  if (r->is_nil()) return absl::NotFoundError("no such session");
  auto plain = crypto::Open(crypto::HmacSha256(Std(sid), kSessionSealLabel), r->str, key);
  if (!plain.ok()) return absl::NotFoundError("the session cannot be opened");
  std::vector<std::string> f = absl::StrSplit(*plain, '\n');
  SessionData d;
  if (f.size() != 7 || !absl::SimpleAtoi(f[5], &d.access_expires_ms) ||
      !absl::SimpleAtoi(f[6], &d.ends_ms)) {
    return absl::NotFoundError("the session record is damaged");
  }
  d.access_token = f[0];
  d.refresh_token = f[1];
  d.id_token = f[2];
  d.csrf = f[3];
  d.role = f[4];
  if (d.ends_ms <= NowMs()) return absl::NotFoundError("the session has ended");
  return d;
}

absl::StatusOr<WebSignIn::SessionData> WebSignIn::Current(absl::string_view sid) {
  auto d = Load(sid);
  if (!d.ok()) return d;
  if (d->access_expires_ms - NowMs() > absl::ToInt64Milliseconds(options_.refresh_margin)) return d;
  if (d->refresh_token.empty()) return absl::NotFoundError("the access token ended and cannot be refreshed");
  auto endpoints = Discover();
  if (!endpoints.ok()) return endpoints.status();
  auto answer = platform::auth::HttpPostForm(
      endpoints->token, {{"grant_type", "refresh_token"}, {"refresh_token", d->refresh_token}},
      options_.client_id, options_.client_secret, options_.provider_timeout);
  if (!answer.ok()) return answer.status();
  if (answer->status == 400 || answer->status == 401) {
    // invalid_grant: the provider ended the sign-in (logout elsewhere, idle timeout).
    redis_->Command({"DEL", SessionKey(sid)}).IgnoreError();
    return absl::NotFoundError("the provider ended the sign-in");
  }
  if (answer->status != 200) {
    return absl::UnavailableError(absl::StrCat("the token endpoint answered HTTP ", answer->status));
  }
  auto fresh = FromTokenAnswer(answer->body, nullptr, &*d);
  if (!fresh.ok()) return absl::NotFoundError(fresh.status().message());
  if (absl::Status s = Save(sid, *fresh); !s.ok()) return s;
  return fresh;
}

HttpResponse WebSignIn::Session(const HttpRequest& request) {
  Struct body;
  (*body.mutable_fields())["available"].set_bool_value(true);
  const std::optional<std::string> sid = CookieValue(request.Header("cookie"), session_cookie_);
  absl::StatusOr<SessionData> d = sid ? Current(*sid) : absl::NotFoundError("no cookie");
  if (!d.ok() && !absl::IsNotFound(d.status())) {
    log::Warn("sign-in: the session cannot be checked", {{"error", std::string(d.status().message())}});
    return ProblemResponse(MakeProblem("sign-in-unavailable", "Sign-in is not possible right now; try again shortly."));
  }
  (*body.mutable_fields())["signedIn"].set_bool_value(d.ok());
  if (d.ok()) {
    (*body.mutable_fields())["role"].set_string_value(d->role);
    (*body.mutable_fields())["expiresAt"].set_string_value(
        absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixMillis(d->ends_ms), absl::UTCTimeZone()));
    (*body.mutable_fields())["csrfToken"].set_string_value(d->csrf);
  }
  HttpResponse r = Json(200, body);
  if (sid && !d.ok()) {
    r.headers.emplace_back("Set-Cookie", CookieHeader(session_cookie_, "", "/", "Strict", absl::ZeroDuration()));
  }
  return r;
}

HttpResponse WebSignIn::Logout(const HttpRequest& request) {
  const std::optional<std::string> sid = CookieValue(request.Header("cookie"), session_cookie_);
  if (!sid) return ProblemResponse(MakeProblem("session-expired", "You are not signed in."));
  auto d = Load(*sid);
  if (!d.ok() && !absl::IsNotFound(d.status())) {
    return ProblemResponse(MakeProblem("sign-in-unavailable", "Sign-out is not possible right now; try again shortly."));
  }
  const std::string* csrf = request.Header("x-csrf-token");
  if (d.ok() && (csrf == nullptr || !crypto::ConstantTimeEquals(*csrf, d->csrf))) {
    return ProblemResponse(MakeProblem("csrf-token-invalid", "Send the header X-CSRF-Token from /auth/session."));
  }
  redis_->Command({"DEL", SessionKey(*sid)}).IgnoreError();
  Struct body;
  auto endpoints = Discover();
  std::string logout_url = options_.return_paths.empty() ? "/" : options_.return_paths.front();
  if (endpoints.ok() && !endpoints->end_session.empty()) {
    // RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): ends the provider's session
    // too, then comes back to the status page.
    logout_url = absl::StrCat(
        endpoints->end_session, absl::StrContains(endpoints->end_session, "?") ? "&" : "?",
        "client_id=", platform::auth::FormEncode(options_.client_id), "&post_logout_redirect_uri=",
        platform::auth::FormEncode(options_.public_url + logout_url),
        d.ok() && !d->id_token.empty() ? absl::StrCat("&id_token_hint=", d->id_token) : "");
  }
  (*body.mutable_fields())["logoutUrl"].set_string_value(logout_url);
  log::Info("signed out", {});
  HttpResponse r = Json(200, body);
  r.headers.emplace_back("Set-Cookie", CookieHeader(session_cookie_, "", "/", "Strict", absl::ZeroDuration()));
  return r;
}

std::variant<std::string, Problem> WebSignIn::Authorize(const HttpRequest& request,
                                                        bool unsafe_method) {
  const std::optional<std::string> sid = CookieValue(request.Header("cookie"), session_cookie_);
  if (!sid) return MakeProblem("session-expired", "Sign in again.");
  auto d = Current(*sid);
  if (absl::IsNotFound(d.status())) {
    Problem p = MakeProblem("session-expired", "Your sign-in has ended; sign in again.");
    p.headers.emplace_back("Set-Cookie", CookieHeader(session_cookie_, "", "/", "Strict", absl::ZeroDuration()));
    return p;
  }
  if (!d.ok()) {
    log::Warn("sign-in: the session cannot be checked", {{"error", std::string(d.status().message())}});
    return MakeProblem("sign-in-unavailable", "Sign-in cannot be checked right now; try again shortly.");
  }
  if (unsafe_method) {
    const std::string* csrf = request.Header("x-csrf-token");
    if (csrf == nullptr || !crypto::ConstantTimeEquals(*csrf, d->csrf)) {
      return MakeProblem("csrf-token-invalid", "Send the header X-CSRF-Token from /auth/session.");
    }
  }
  return d->access_token;
}

}  // namespace rathaus::gateway
