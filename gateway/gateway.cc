#include "gateway/gateway.h"

#include <algorithm>
#include <cstdlib>
#include <variant>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/empty.pb.h>
#include <google/protobuf/message.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gateway/binding.h"
#include "gateway/web_session.h"
#include "rathaus_gateway_embedded.h"
#include "shared/crypto/crypto.h"
#include "shared/log/log.h"

namespace rathaus::gateway {

namespace crypto = rathaus::platform::crypto;
namespace log = rathaus::platform::log;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

namespace {

bool IsHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// "Application/XML; charset=utf-8" -> "application/xml"; "" when absent.
std::string MediaType(const std::string* content_type) {
  if (content_type == nullptr) return "";
  std::string media = content_type->substr(0, content_type->find(';'));
  absl::StripAsciiWhitespace(&media);
  absl::AsciiStrToLower(&media);
  return media;
}

bool IsJsonMediaType(const std::string* content_type) {
  if (content_type == nullptr) return false;
  const std::string media = MediaType(content_type);
  return media == "application/json" || (absl::StartsWith(media, "application/") &&
                                         absl::EndsWith(media, "+json"));
}

// "Bearer <token>" (scheme case-insensitive, RFC 7235); empty when absent or another scheme.
std::string BearerToken(const std::string* authorization) {
  if (authorization == nullptr || authorization->size() < 7) return "";
  if (!absl::EqualsIgnoreCase(authorization->substr(0, 7), "Bearer ")) return "";
  std::string token = authorization->substr(7);
  absl::StripAsciiWhitespace(&token);
  return token;
}

std::unique_ptr<Message> NewMessage(const google::protobuf::Descriptor* type) {
  // Compiled-in types are generated code; types of services routed from a descriptor set
  // (descriptors.h) are dynamic messages. DynamicMessageFactory is thread-safe.
  static auto* dynamic = new google::protobuf::DynamicMessageFactory();
  const Message* prototype =
      type->file()->pool() == google::protobuf::DescriptorPool::generated_pool()
          ? google::protobuf::MessageFactory::generated_factory()->GetPrototype(type)
          : dynamic->GetPrototype(type);
  return std::unique_ptr<Message>(prototype->New());
}

HttpResponse FromProblem(const Problem& problem) {
  HttpResponse r;
  r.status = problem.status;
  r.content_type = std::string(kProblemContentType);
  r.body = problem.ToJson();
  r.headers = problem.headers;
  return r;
}

// A filename safe to put into Content-Disposition unquoted-escaped.
bool IsSafeFilename(const std::string& name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name) {
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_')) {
      return false;
    }
  }
  return true;
}

// A successful answer that carries a rathaus.common.v1.Problem in `problem_field`: problem+json
// with the problem's members first and the answer's other fields as extension members.
HttpResponse ProblemAnswer(const Message& answer, const std::string& problem_field,
                           const std::string& request_id) {
  std::unique_ptr<Message> rest(answer.New());
  rest->CopyFrom(answer);
  const FieldDescriptor* f = rest->GetDescriptor()->FindFieldByName(problem_field);
  const Message& carried = answer.GetReflection()->GetMessage(answer, f);
  rest->GetReflection()->ClearField(rest.get(), f);
  const auto* d = carried.GetDescriptor();
  const auto* reflection = carried.GetReflection();
  Problem p = MakeProblem(reflection->GetString(carried, d->FindFieldByName("type")),
                          reflection->GetString(carried, d->FindFieldByName("detail")));
  const int status = reflection->GetInt32(carried, d->FindFieldByName("status"));
  if (status >= 400 && status <= 499) p.status = status;
  const std::string title = reflection->GetString(carried, d->FindFieldByName("title"));
  if (!title.empty()) p.title = title;
  p.type = absl::StrCat("urn:rathaus:problem:", reflection->GetString(carried, d->FindFieldByName("type")));
  p.instance = absl::StrCat("urn:rathaus:request:", request_id);
  HttpResponse r = FromProblem(p);
  const std::string members = MessageToJson(*rest);  // "{...}"
  if (members.size() > 2 && r.body.size() > 1) {
    r.body.pop_back();  // the closing brace of the problem
    absl::StrAppend(&r.body, ",", members.substr(1));
  }
  return r;
}

// Who may repeat a request under its Idempotency-Key: the booking token or the bearer token.
std::string Credential(const HttpRequest& request) {
  const std::string* token = request.Header("x-booking-token");
  const std::string* authorization = request.Header("authorization");
  return absl::StrCat(token ? *token : "", "\n", authorization ? *authorization : "");
}

std::string Fingerprint(const HttpRequest& request) {
  return RequestFingerprint(request.method, request.target, Credential(request), request.body);
}

}  // namespace

const std::string* HttpRequest::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? nullptr : &it->second;
}

bool IsValidRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
          c == ':' || c == '-')) {
      return false;
    }
  }
  return true;
}

std::string NextTraceparent(const std::string* incoming, std::string* trace_id) {
  // 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>
  bool reuse = incoming != nullptr && incoming->size() == 55 && (*incoming)[2] == '-' &&
               (*incoming)[35] == '-' && (*incoming)[52] == '-';
  if (reuse) {
    const std::string_view s(*incoming);
    const std::string_view version = s.substr(0, 2), id = s.substr(3, 32),
                           parent = s.substr(36, 16), flags = s.substr(53, 2);
    reuse = IsHex(version) && version != "ff" && IsHex(id) &&
            id != std::string(32, '0') && IsHex(parent) && parent != std::string(16, '0') &&
            IsHex(flags);
    if (reuse) *trace_id = std::string(id);
  }
  if (!reuse) *trace_id = crypto::Hex(crypto::RandomBytes(16));
  return absl::StrCat("00-", *trace_id, "-", crypto::Hex(crypto::RandomBytes(8)), "-01");
}

struct Gateway::Exchange {
  HttpRequest request;
  Respond respond;
  absl::Time start;
  std::string request_id;
  std::string trace_id;
  std::string path;
  std::string query;
  const Route* route = nullptr;
  std::string route_label = "unmatched";
  std::unique_ptr<Message> message;
  std::vector<std::pair<std::string, std::string>> metadata;
  std::string idempotency_key;  // non-empty: the route runs under this key
  std::string fingerprint;      // of the request, when taken before its body moved on
  IdempotencyRecord idempotency_record;
  bool idempotency_claimed = false;
  uint64_t cache_generation = 0;  // of the micro-cache when a cacheable GET missed it
  bool cache_leader = false;      // this exchange's call answers the others waiting for it
  bool session_checked = false;   // the session cookie was turned into the bearer token
};

Gateway::Gateway(GatewayOptions options, RouteTable routes, Upstreams upstreams,
                 platform::redis::Pool* redis, Metrics* metrics)
    : options_(std::move(options)),
      routes_(std::move(routes)),
      upstreams_(std::move(upstreams)),
      redis_(redis),
      metrics_(metrics),
      limiter_(redis, options_.redis_prefix, options_.rate_limits,
               options_.relax_loopback_rate_limits, options_.rate_limit_fail_closed),
      // The claim outlives the longest upstream call, so a slow answer is still stored.
      idempotency_(redis, options_.redis_prefix, options_.idempotency_ttl,
                   options_.upstream_timeout + absl::Seconds(10), options_.idempotency_secret),
      blocking_(options_.blocking_threads) {
  for (const Route& route : routes_.routes()) {
    if (!upstreams_.contains(route.service) || upstreams_.at(route.service) == nullptr) {
      log::Error("no upstream for a routed service", {{"service", route.service}});
      std::abort();  // wiring bug in main.cc, not input
    }
  }
}

Gateway::~Gateway() = default;

void Gateway::Handle(HttpRequest request, Respond respond) {
  ++in_flight_;
  auto ex = std::make_shared<Exchange>();
  ex->start = absl::Now();
  ex->request = std::move(request);
  ex->respond = std::move(respond);
  const std::string* id = ex->request.Header("x-request-id");
  ex->request_id = id != nullptr && IsValidRequestId(*id) ? *id : crypto::NewUuid();
  const std::string traceparent = NextTraceparent(ex->request.Header("traceparent"), &ex->trace_id);
  ex->metadata = {{"x-request-id", ex->request_id}, {"traceparent", traceparent}};
  ex->request.client_ip = ResolveClientIp(ex->request);
  const std::string& target = ex->request.target;
  const size_t q = target.find('?');
  ex->path = target.substr(0, q);
  if (q != std::string::npos) ex->query = target.substr(q + 1);

  // Operational endpoints.
  const bool is_get = ex->request.method == "GET";
  if (ex->path == "/healthz" || ex->path == "/readyz" || ex->path == "/api/openapi.yaml") {
    ex->route_label = ex->path;
    if (!is_get) {
      Problem p = MakeProblem("method-not-allowed", "Only GET is allowed here.");
      p.headers.emplace_back("Allow", "GET");
      return ReplyProblem(ex, std::move(p));
    }
    if (ex->path == "/readyz") {
      return blocking_.Post([this, ex] { Ready(ex); });
    }
    HttpResponse r;
    if (ex->path == "/healthz") {
      r.content_type = "application/json";
      r.body = "{\"status\":\"ok\"}";
    } else {
      r.content_type = "application/yaml";
      r.body = std::string(embedded::kOpenapi);
    }
    return Reply(ex, std::move(r));
  }
  if (ex->path.starts_with("/auth/")) {
    ex->route_label = ex->path == "/auth/login" || ex->path == "/auth/callback" ||
                              ex->path == "/auth/session" || ex->path == "/auth/logout"
                          ? ex->path
                          : "/auth/*";
    return blocking_.Post([this, ex] { HandleSignIn(ex); });
  }
  const bool is_head = ex->request.method == "HEAD";
  if (options_.web && (is_get || is_head) && !ex->path.starts_with("/api/")) {
    auto header = [&](const char* name) {
      const std::string* v = ex->request.Header(name);
      return v ? std::string_view(*v) : std::string_view();
    };
    StaticResponse s = options_.web->Serve(
        {ex->request.method, ex->request.target, header("if-none-match"), header("accept-encoding")});
    ex->route_label = "static";
    return Reply(ex, HttpResponse{s.status, std::move(s.content_type), std::move(s.body),
                                  std::move(s.headers)});
  }
  Dispatch(std::move(ex));
}

void Gateway::Reject(HttpRequest request, Problem problem, Respond respond) {
  ++in_flight_;
  auto ex = std::make_shared<Exchange>();
  ex->start = absl::Now();
  ex->request = std::move(request);
  ex->respond = std::move(respond);
  ex->request_id = crypto::NewUuid();
  ex->trace_id = crypto::Hex(crypto::RandomBytes(16));
  ex->path = ex->request.target.substr(0, ex->request.target.find('?'));
  ReplyProblem(ex, std::move(problem));
}

std::string Gateway::ResolveClientIp(const HttpRequest& request) const {
  return ClientIp(request.client_ip, request.Header("x-forwarded-for"), options_.trusted_proxies,
                  options_.trust_forwarded_for);
}

std::optional<Problem> Gateway::UnmatchedProblem(const RouteMatch& match) {
  switch (match.kind) {
    case RouteMatch::Kind::kNotFound:
      return MakeProblem("route-not-found", "No route matches this path.");
    case RouteMatch::Kind::kMethodNotAllowed: {
      Problem p = MakeProblem("method-not-allowed",
                              absl::StrCat("This path allows ", match.allow, "."));
      p.headers.emplace_back("Allow", match.allow);
      return p;
    }
    case RouteMatch::Kind::kBadPathParameter:
      return MakeProblem("invalid-path-parameter",
                         absl::StrCat(match.bad_parameter,
                                      " must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -"),
                         match.bad_parameter);
    case RouteMatch::Kind::kFound:
      break;
  }
  return std::nullopt;
}

std::optional<Problem> Gateway::Authenticate(const Route& route, const HttpRequest& req,
                                             const std::string& request_id,
                                             std::string* token_out) const {
  if (route.auth != "clerk") return std::nullopt;
  const std::string token = BearerToken(req.Header("authorization"));
  if (token.empty() && route.anonymous_allowed && options_.anonymous_upload &&
      req.Header("authorization") == nullptr) {
    return std::nullopt;
  }
  absl::StatusOr<ClerkClaims> claims =
      token.empty() || !options_.clerk_verifier
          ? absl::StatusOr<ClerkClaims>(absl::UnauthenticatedError("no bearer token"))
          : options_.clerk_verifier->Verify(token, absl::Now());
  if (!claims.ok()) {
    Problem p = MakeProblem("unauthorized",
                            token.empty() ? absl::StrCat("A bearer token with the role ", route.role,
                                                         " is required.")
                                          : "The bearer token is not valid.");
    if (!token.empty()) {
      p.headers = {{"WWW-Authenticate", "Bearer realm=\"rathaus\", error=\"invalid_token\""}};
    }
    log::Info("clerk token refused", {{"reason", std::string(claims.status().message())},
                                      {"request_id", request_id}});
    return p;
  }
  bool allowed = false;
  for (absl::string_view role : absl::StrSplit(route.role, ' ', absl::SkipEmpty())) {
    allowed = allowed || role == claims->role;
  }
  if (!allowed) {
    return MakeProblem("forbidden",
                       absl::StrCat("This route needs a token with role ",
                                    absl::StrJoin(absl::StrSplit(route.role, ' ', absl::SkipEmpty()),
                                                  " or "),
                                    "."));
  }
  *token_out = token;
  return std::nullopt;
}

std::optional<Problem> Gateway::CheckRateLimit(const Route& route, const std::string& client_ip) {
  if (route.rate_limit.empty()) return std::nullopt;
  const RateDecision d = limiter_.Check(route.rate_limit, client_ip);
  if (d.allowed) return std::nullopt;
  Problem p = d.unavailable
                  ? MakeProblem("rate-limit-unavailable",
                                "The rate limit cannot be checked right now; retry shortly.")
                  : MakeProblem("rate-limited", "Too many requests from this client; slow down.");
  if (!d.unavailable) metrics_->RecordRateLimited(route.rate_limit);
  p.headers = {{"Retry-After", absl::StrCat(d.retry_after_seconds)}};
  return p;
}

void Gateway::Admit(const HttpRequest& head, std::function<void(std::optional<Problem>)> done) {
  const std::string path = head.target.substr(0, head.target.find('?'));
  RouteMatch match = routes_.Match(head.method, path);
  if (auto p = UnmatchedProblem(match)) return done(std::move(p));
  const Route& route = *match.route;
  std::string token;
  const bool session = route.auth == "clerk" && options_.sign_in &&
                       head.Header("authorization") == nullptr &&
                       options_.sign_in->HasSessionCookie(head);
  // A session cookie is checked in Handle (it needs Redis); the rate limit still counts first.
  if (!session) {
    if (auto p = Authenticate(route, head, "", &token)) return done(std::move(p));
  }
  if (route.rate_limit.empty()) return done(std::nullopt);
  blocking_.Post([this, &route, ip = ResolveClientIp(head), done = std::move(done)] {
    done(CheckRateLimit(route, ip));
  });
}

void Gateway::Dispatch(std::shared_ptr<Exchange> ex) {
  const HttpRequest& req = ex->request;
  RouteMatch match = routes_.Match(req.method, ex->path);
  if (auto p = UnmatchedProblem(match)) return ReplyProblem(ex, std::move(*p));
  const Route& route = *match.route;
  ex->route = &route;
  ex->route_label = route.path;
  if (route.cacheable && FromCache(ex)) return;

  if (route.auth == "clerk" && options_.sign_in && !ex->session_checked &&
      req.Header("authorization") == nullptr && options_.sign_in->HasSessionCookie(req)) {
    // A signed-in citizen's page: the session's access token acts, checked below like any other.
    ex->session_checked = true;
    return blocking_.Post([this, ex] {
      const bool unsafe = ex->request.method != "GET" && ex->request.method != "HEAD";
      auto authorized = options_.sign_in->Authorize(ex->request, unsafe);
      if (auto* p = std::get_if<Problem>(&authorized)) return ReplyProblem(ex, std::move(*p));
      ex->request.headers["authorization"] = absl::StrCat("Bearer ", std::get<std::string>(authorized));
      Dispatch(ex);
    });
  }
  std::string token;
  if (auto p = Authenticate(route, req, ex->request_id, &token)) {
    return ReplyProblem(ex, std::move(*p));
  }
  if (!token.empty()) {
    // The service verifies the same token itself (shared/auth/caller.h): metadata that the
    // gateway merely asserted would prove nothing to it.
    ex->metadata.emplace_back("authorization", absl::StrCat("Bearer ", token));
  }

  // Body and content type.
  std::string media_type;
  if (route.raw_body) {
    media_type = MediaType(req.Header("content-type"));
    if (std::find(route.body_content_types.begin(), route.body_content_types.end(), media_type) ==
        route.body_content_types.end()) {
      return ReplyProblem(ex, MakeProblem("unsupported-media-type",
                                          absl::StrCat("Send the body as Content-Type: ",
                                                       absl::StrJoin(route.body_content_types,
                                                                     " or "),
                                                       ".")));
    }
    if (req.body.empty()) {
      return ReplyProblem(ex, MakeProblem("invalid-argument", "A request body is required."));
    }
  } else if (!route.body.empty()) {
    if (req.body.empty()) {
      return ReplyProblem(ex, MakeProblem("malformed-json", "A JSON body is required."));
    }
    if (!IsJsonMediaType(req.Header("content-type"))) {
      return ReplyProblem(ex, MakeProblem("unsupported-media-type",
                                          "Send the body as Content-Type: application/json."));
    }
  } else if (!req.body.empty()) {
    // Routes without input accept no body but "{}".
    if (!IsJsonMediaType(req.Header("content-type"))) {
      return ReplyProblem(ex, MakeProblem("unsupported-media-type",
                                          "Send the body as Content-Type: application/json."));
    }
    google::protobuf::Empty empty;
    if (absl::Status s = JsonToMessage(req.body, &empty); !s.ok()) {
      return ReplyProblem(ex, ProblemFromStatus(s));
    }
  }

  ex->message = NewMessage(route.method->input_type());
  HttpInput input{std::move(match.path_params), ex->query, req.body, media_type};
  if (route.raw_body) {
    // The body moves into the message; an Idempotency-Key's fingerprint is taken before.
    if (req.method == "POST" && req.Header("idempotency-key") != nullptr) {
      ex->fingerprint = Fingerprint(req);
    }
    input.owned_body = &ex->request.body;
  }
  if (absl::Status s = BindRequest(route, input, ex->message.get()); !s.ok()) {
    return ReplyProblem(ex, ProblemFromStatus(s));
  }
  if (const char* header = TokenHeader(route.auth)) {
    // A missing token goes through as "": the service answers 404 exactly as for a wrong one.
    const std::string* token = req.Header(header);
    if (token != nullptr && token->size() <= 256) {
      const FieldDescriptor* f = ex->message->GetDescriptor()->FindFieldByName("token");
      ex->message->GetReflection()->SetString(ex->message.get(), f, *token);
    }
  }

  if (req.method == "POST") {
    if (const std::string* key = req.Header("idempotency-key")) {
      if (!IsValidIdempotencyKey(*key)) {
        return ReplyProblem(ex, MakeProblem("invalid-argument",
                                            "Idempotency-Key must be 1 to 255 visible ASCII "
                                            "characters.",
                                            "Idempotency-Key"));
      }
      ex->idempotency_key = *key;
    }
  }
  const bool counts = !route.rate_limit.empty() && !req.admitted &&
                      limiter_.Counts(route.rate_limit, req.client_ip);
  if (counts || !ex->idempotency_key.empty()) {
    return blocking_.Post([this, ex] { RunBlockingSteps(ex); });
  }
  CallUpstream(std::move(ex));
}

void Gateway::HandleSignIn(std::shared_ptr<Exchange> ex) {
  const std::string& method = ex->request.method;
  const std::string& path = ex->path;
  const bool post_route = path == "/auth/logout";
  if (ex->route_label == "/auth/*") {
    return ReplyProblem(ex, MakeProblem("route-not-found", "No route matches this path."));
  }
  if (method != (post_route ? "POST" : "GET")) {
    Problem p = MakeProblem("method-not-allowed", absl::StrCat("Only ", post_route ? "POST" : "GET",
                                                               " is allowed here."));
    p.headers.emplace_back("Allow", post_route ? "POST" : "GET");
    return ReplyProblem(ex, std::move(p));
  }
  if (!options_.sign_in) {
    if (path == "/auth/session") {
      return Reply(ex, HttpResponse{200, "application/json",
                                    "{\"signedIn\":false,\"available\":false}",
                                    {{"Cache-Control", "no-store"}}});
    }
    return ReplyProblem(ex, MakeProblem("sign-in-unavailable",
                                        "Sign-in is not configured on this server."));
  }
  if (path == "/auth/login" || path == "/auth/callback") {
    // Each start of a flow keeps a record in Redis for minutes: limited per client.
    if (options_.rate_limits.contains("signin")) {
      const RateDecision d = limiter_.Check("signin", ex->request.client_ip);
      if (!d.allowed) {
        Problem p = d.unavailable ? MakeProblem("rate-limit-unavailable",
                                                "The rate limit cannot be checked right now; retry shortly.")
                                  : MakeProblem("rate-limited", "Too many requests from this client; slow down.");
        if (!d.unavailable) metrics_->RecordRateLimited("signin");
        p.headers = {{"Retry-After", absl::StrCat(d.retry_after_seconds)}};
        return ReplyProblem(ex, std::move(p));
      }
    }
  }
  HttpResponse r;
  if (path == "/auth/login") {
    r = options_.sign_in->Login(ex->request, ex->query);
  } else if (path == "/auth/callback") {
    r = options_.sign_in->Callback(ex->request, ex->query);
  } else if (path == "/auth/session") {
    r = options_.sign_in->Session(ex->request);
  } else {
    r = options_.sign_in->Logout(ex->request);
  }
  Reply(ex, std::move(r));
}

void Gateway::RunBlockingSteps(std::shared_ptr<Exchange> ex) {
  const Route& route = *ex->route;
  if (!ex->request.admitted) {
    if (auto p = CheckRateLimit(route, ex->request.client_ip)) return ReplyProblem(ex, std::move(*p));
  }
  if (!ex->idempotency_key.empty()) {
    const std::string credential = Credential(ex->request);
    const std::string fingerprint =
        ex->fingerprint.empty() ? Fingerprint(ex->request) : ex->fingerprint;
    ex->idempotency_record = idempotency_.Locate(route.path, credential, ex->idempotency_key);
    auto begin = idempotency_.Begin(ex->idempotency_record, fingerprint);
    if (!begin.ok()) {
      log::Warn("idempotency store unavailable", {{"error", std::string(begin.status().message())},
                                                  {"request_id", ex->request_id}});
      return ReplyProblem(ex, ProblemFromGrpc(static_cast<int>(absl::StatusCode::kUnavailable),
                                              "", "", ""));
    }
    switch (begin->kind) {
      case IdempotencyBegin::Kind::kReplay: {
        HttpResponse r;
        r.status = begin->stored.status;
        r.content_type = begin->stored.content_type;
        r.body = std::move(begin->stored.body);
        r.headers = {{"Idempotent-Replayed", "true"}};
        return Reply(ex, std::move(r));
      }
      case IdempotencyBegin::Kind::kMismatch:
        return ReplyProblem(
            ex, MakeProblem("idempotency-key-reused",
                            "This Idempotency-Key was used for a different request.",
                            "Idempotency-Key"));
      case IdempotencyBegin::Kind::kInFlight: {
        Problem p = MakeProblem("idempotency-request-in-flight",
                                "The first request with this Idempotency-Key is still running; "
                                "retry shortly.",
                                "Idempotency-Key");
        p.headers = {{"Retry-After", "1"}};
        return ReplyProblem(ex, std::move(p));
      }
      case IdempotencyBegin::Kind::kNew:
        ex->idempotency_claimed = true;
        ex->metadata.emplace_back("idempotency-key", ex->idempotency_record.upstream_key);
        break;
    }
  }
  CallUpstream(std::move(ex));
}

void Gateway::CallUpstream(std::shared_ptr<Exchange> ex) {
  if (ex->route->cacheable && options_.cache_ttl > absl::ZeroDuration()) {
    std::lock_guard lock(cache_mu_);
    auto [it, first] = pending_.try_emplace(ex->request.target);
    if (!first) {
      it->second.push_back(std::move(ex));  // answered with the call in flight
      return;
    }
    ex->cache_leader = true;
  }
  UpstreamCall call;
  call.method = ex->route->grpc_method;
  call.request = ex->message->SerializeAsString();
  call.metadata = ex->metadata;
  upstreams_.at(ex->route->service)->Call(std::move(call),
                  [this, ex](UpstreamResult result) { OnUpstream(ex, std::move(result)); });
}

void Gateway::OnUpstream(std::shared_ptr<Exchange> ex, UpstreamResult result) {
  const Route& route = *ex->route;
  HttpResponse r;
  if (result.code == 0) {
    std::unique_ptr<Message> answer = NewMessage(route.method->output_type());
    if (!answer->ParseFromString(result.response)) {
      log::Error("upstream answer does not parse",
                 {{"method", route.grpc_method}, {"request_id", ex->request_id}});
      r = FromProblem(ProblemFromGrpc(static_cast<int>(absl::StatusCode::kInternal), "", "", ""));
    } else if (route.raw_response) {
      const auto* d = answer->GetDescriptor();
      const auto* reflection = answer->GetReflection();
      r.status = route.success_status;
      r.content_type = reflection->GetString(*answer, d->FindFieldByName("content_type"));
      r.body = reflection->GetString(*answer, d->FindFieldByName("content"));
      if (const FieldDescriptor* f = d->FindFieldByName("filename")) {
        const std::string name = reflection->GetString(*answer, f);
        if (IsSafeFilename(name)) {
          r.headers.emplace_back("Content-Disposition",
                                 absl::StrCat("inline; filename=\"", name, "\""));
        }
      }
      if (r.content_type.empty()) r.content_type = "application/octet-stream";
      // A file may come from outside (an invoice's XML, its HTML view): a browser that opens
      // it runs no script, loads nothing and sniffs no other type.
      r.headers.emplace_back("X-Content-Type-Options", "nosniff");
      r.headers.emplace_back(
          "Content-Security-Policy",
          absl::StartsWith(r.content_type, "text/html")
              ? "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; "
                "base-uri 'none'; form-action 'none'"
              : "default-src 'none'; sandbox");
    } else if (!route.problem_field.empty() &&
               answer->GetReflection()->HasField(
                   *answer, answer->GetDescriptor()->FindFieldByName(route.problem_field))) {
      r = ProblemAnswer(*answer, route.problem_field, ex->request_id);
    } else {
      r.status = route.success_status;
      if (r.status != 204) {
        r.content_type = "application/json";
        r.body = MessageToJson(*answer);
      }
    }
  } else {
    metrics_->RecordUpstreamError(result.code_name);
    Problem p = ProblemFromGrpc(result.code, result.message, result.problem, result.field);
    if (p.status >= 500) {
      log::ScopedTraceId trace(ex->trace_id);
      log::Warn("upstream call failed", {{"method", route.grpc_method},
                                         {"code", result.code_name},
                                         {"error", result.message},
                                         {"request_id", ex->request_id}});
    }
    int64_t seconds = 0;
    if (p.status == 429 && absl::SimpleAtoi(result.retry_after, &seconds) && seconds > 0) {
      p.headers = {{"Retry-After", absl::StrCat(seconds)}};
    }
    p.instance = absl::StrCat("urn:rathaus:request:", ex->request_id);
    r = FromProblem(p);
  }
  if (route.http_method != "GET") {
    ClearCache();  // a change (or an attempt) went through: later reads must see it
  } else if (route.cacheable && r.status == 200) {
    ToCache(ex, r);
  }
  if (ex->cache_leader) {
    std::vector<std::shared_ptr<Exchange>> waiting;
    {
      std::lock_guard lock(cache_mu_);
      auto it = pending_.find(ex->request.target);
      if (it != pending_.end()) {
        waiting = std::move(it->second);
        pending_.erase(it);
      }
    }
    for (auto& other : waiting) {
      HttpResponse copy = r;
      copy.headers.emplace_back("X-Cache", "coalesced");
      Reply(other, std::move(copy));
    }
  }
  if (!ex->idempotency_claimed) return Reply(ex, std::move(r));
  // Keep the answer (or drop the claim for a 5xx, which the client may retry) before answering,
  // so a retry that arrives right after the answer finds the record.
  blocking_.Post([this, ex, r = std::move(r)]() mutable {
    if (r.status >= 500) {
      idempotency_.Abandon(ex->idempotency_record);
    } else if (absl::Status s = idempotency_.Finish(ex->idempotency_record,
                                                    {r.status, r.content_type, r.body});
               !s.ok()) {
      log::Warn("idempotency: cannot store the answer",
                {{"error", std::string(s.message())}, {"request_id", ex->request_id}});
    }
    Reply(ex, std::move(r));
  });
}

bool Gateway::FromCache(const std::shared_ptr<Exchange>& ex) {
  if (options_.cache_ttl <= absl::ZeroDuration()) return false;
  std::unique_lock lock(cache_mu_);
  ex->cache_generation = cache_generation_;
  auto it = cache_.find(ex->request.target);
  if (it == cache_.end() || it->second.expires <= absl::Now()) return false;
  HttpResponse r = it->second.response;
  lock.unlock();
  r.headers.emplace_back("X-Cache", "hit");
  metrics_->RecordCacheHit(ex->route->path);
  Reply(ex, std::move(r));
  return true;
}

void Gateway::ToCache(const std::shared_ptr<Exchange>& ex, const HttpResponse& response) {
  if (options_.cache_ttl <= absl::ZeroDuration()) return;
  constexpr size_t kMaxEntries = 10000;
  std::lock_guard lock(cache_mu_);
  if (ex->cache_generation != cache_generation_) return;  // a change happened meanwhile
  if (cache_.size() >= kMaxEntries) cache_.clear();
  cache_[ex->request.target] = {response, absl::Now() + options_.cache_ttl};
}

void Gateway::ClearCache() {
  std::lock_guard lock(cache_mu_);
  ++cache_generation_;
  cache_.clear();
}

void Gateway::Ready(std::shared_ptr<Exchange> ex) {
  // Ready with Redis and every service; "degraded" (still 200) while some but not all services
  // answer: their routes get 503 problems, the others keep working, and taking the gateway out
  // of the load balancer would only widen the outage. "upstream" is all services together.
  int up = 0;
  std::string each;
  for (const auto& [service, upstream] : upstreams_) {
    const bool ok = upstream->CheckHealth(absl::Seconds(1)).ok();
    up += ok ? 1 : 0;
    absl::StrAppend(&each, ",\"", service, "\":\"", ok ? "ok" : "unavailable", "\"");
  }
  const bool all = up == static_cast<int>(upstreams_.size());
  const absl::Status redis = redis_->Ping();
  HttpResponse r;
  r.status = redis.ok() && up > 0 ? 200 : 503;
  r.content_type = "application/json";
  r.body = absl::StrCat("{\"status\":\"", r.status != 200 ? "not ready" : all ? "ready" : "degraded",
                        "\",\"checks\":{\"upstream\":\"", all ? "ok" : "unavailable",
                        "\",\"redis\":\"", redis.ok() ? "ok" : "unavailable", "\"", each,
                        "}}");
  Reply(ex, std::move(r));
}

void Gateway::ReplyProblem(const std::shared_ptr<Exchange>& ex, Problem problem) {
  problem.instance = absl::StrCat("urn:rathaus:request:", ex->request_id);
  Reply(ex, FromProblem(problem));
}

void Gateway::Reply(const std::shared_ptr<Exchange>& ex, HttpResponse response) {
  response.headers.emplace_back("X-Request-Id", ex->request_id);
  if (absl::StartsWith(ex->path, "/api/v1/")) {
    // Answers carry booking tokens and personal data: never cache them anywhere.
    response.headers.emplace_back("Cache-Control", "no-store");
  }
  const absl::Duration took = absl::Now() - ex->start;
  metrics_->RecordRequest(ex->request.method, ex->route_label, response.status, took);
  {
    // Route templates only: codes, tokens and query values (e-mail, names) never reach the log.
    log::ScopedTraceId trace(ex->trace_id);
    log::Info("request", {{"method", ex->request.method},
                          {"route", ex->route_label},
                          {"status", response.status},
                          {"duration_ms", absl::ToDoubleMilliseconds(took)},
                          {"request_id", ex->request_id}});
  }
  Respond respond = std::move(ex->respond);
  respond(std::move(response));
  --in_flight_;
}

}  // namespace rathaus::gateway
