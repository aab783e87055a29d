// Real sign-in: Keycloak (scripts/keycloak.sh, the realm deploy/keycloak/rathaus-realm.json)
// signs the tokens; the gateway and every service find its keys by discovery
// (RATHAUS_OIDC_ISSUER) and verify each token themselves. The provider rotates its signing key
// while everything runs: new tokens work without a restart, old ones until they expire.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "shared/crypto/crypto.h"
#include "tests/e2e/system.h"
#include "tests/harness/harness.h"

namespace rathaus::testing {
namespace {

System* sys = nullptr;
std::string* keycloak_dir = nullptr;
std::string* issuer = nullptr;

std::string Keycloak(const std::string& args) {
  return RunTool(absl::StrCat(SourceDir(), "/scripts/keycloak.sh ", args));
}

// The `kid` of a token's header.
std::string KeyId(const std::string& token) {
  const std::vector<std::string> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) return "";
  auto header = platform::crypto::FromBase64Url(parts[0]);
  if (!header.ok()) return "";
  const size_t at = header->find("\"kid\"");
  if (at == std::string::npos) return "";
  const size_t open = header->find('"', header->find(':', at) + 1);
  return header->substr(open + 1, header->find('"', open + 1) - open - 1);
}

class OidcE2eTest : public ::testing::Test {
 protected:
  // Keycloak and the system start in the first case's SetUp, not in SetUpTestSuite: a failure
  // there would mark every case "skipped", which ctest counts as not run instead of failed.
  void SetUp() override {
    if (sys != nullptr) return;
    ASSERT_EQ(keycloak_dir, nullptr) << "Keycloak or the system did not start (see the first case)";
    keycloak_dir = new std::string(absl::StrCat("/tmp/", UniqueName("keycloak")));
    const int rc = std::system(absl::StrCat(SourceDir(), "/scripts/keycloak.sh start ", *keycloak_dir).c_str());
    ASSERT_EQ(rc, 0) << "Keycloak did not start";
    std::ifstream env(*keycloak_dir + "/keycloak.env");
    std::string line;
    while (std::getline(env, line)) {
      if (absl::StartsWith(line, "RATHAUS_OIDC_ISSUER=")) issuer = new std::string(line.substr(20));
    }
    ASSERT_NE(issuer, nullptr);
    // The citizen pages' sign-in: the gateway as the realm's confidential client rathaus-web.
    const std::string secret = WriteTemp("web-client.secret", "dev-only-web-secret");
    sys = new System({{"RATHAUS_OIDC_ISSUER", *issuer},
                      {"RATHAUS_GATEWAY_OIDC_CLIENT_ID", "rathaus-web"},
                      {"RATHAUS_GATEWAY_OIDC_CLIENT_SECRET_FILE", secret}});
  }
  static void TearDownTestSuite() {
    delete sys;
    sys = nullptr;
    if (keycloak_dir != nullptr) {
      Keycloak(absl::StrCat("stop ", *keycloak_dir));
      std::system(absl::StrCat("rm -rf '", *keycloak_dir, "'").c_str());
    }
  }

  static std::string UserToken(const std::string& user) {
    return Keycloak(absl::StrCat("token ", *keycloak_dir, " ", user));
  }
  static std::string ClientToken(const std::string& client, const std::string& secret) {
    return Keycloak(absl::StrCat("client-token ", *keycloak_dir, " ", client, " ", secret));
  }
  static std::map<std::string, std::string> Bearer(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
  }
  static Answer Get(const std::string& target, const std::map<std::string, std::string>& h) {
    return Send(sys->port(), http::verb::get, target, "", h);
  }
};

// "name=value" of a Set-Cookie (empty when absent) and whether it carries `attribute`.
std::string CookiePair(const Answer& a, const std::string& name) {
  for (const std::string& c : a.set_cookies) {
    if (absl::StartsWith(c, name + "=")) return c.substr(0, c.find(';'));
  }
  return "";
}
bool CookieHas(const Answer& a, const std::string& name, const std::string& attribute) {
  for (const std::string& c : a.set_cookies) {
    if (absl::StartsWith(c, name + "=")) return absl::StrContains(c, "; " + attribute);
  }
  return false;
}

// Signs `user` in at the provider's login form (curl with a cookie jar of the provider's own,
// as a browser would); returns the URL the provider sends the browser back to.
std::string SignInAtProvider(const std::string& authorization_url, const std::string& user,
                             const std::string& password, const std::string& jar) {
  const std::string form = RunTool(absl::StrCat(
      "curl -s -c ", jar, " -b ", jar, " '", authorization_url,
      "' | grep -o 'action=\"[^\"]*\"' | head -1 | sed 's/^action=\"//; s/\"$//; s/&amp;/\\&/g'"));
  EXPECT_TRUE(absl::StartsWith(form, "http://127.0.0.1:")) << "the provider's login form: " << form;
  return RunTool(absl::StrCat("curl -s -o /dev/null -w '%{redirect_url}' -c ", jar, " -b ", jar,
                              " --data-urlencode username=", user, " --data-urlencode password=",
                              password, " '", absl::StripTrailingAsciiWhitespace(form), "'"));
}

TEST_F(OidcE2eTest, ProviderTokensWorkEverywhereAndKeysRotateWithoutARestart) {
  const std::string bookings = "/api/v1/offices/kiel-mitte/bookings?date=2030-01-02";
  // A counter clerk of kiel-mitte (password grant of the realm's test user).
  const std::string clerk = UserToken("clerk-mitte");
  ASSERT_EQ(std::count(clerk.begin(), clerk.end(), '.'), 2) << clerk;
  Answer listed = Get(bookings, Bearer(clerk));
  EXPECT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(Get("/api/v1/offices/kiel-gaarden/bookings?date=2030-01-02", Bearer(clerk)).status, 403);
  EXPECT_EQ(Get("/api/v1/invoices?status=ROUTED", Bearer(clerk)).status, 403)
      << "a counter clerk is no invoice clerk";
  // An invoice clerk.
  Answer invoices = Get("/api/v1/invoices?status=ROUTED", Bearer(UserToken("anna")));
  EXPECT_EQ(invoices.status, 200) << invoices.body;
  // The Fachverfahren (client credentials, scope id-documents:status) imports statuses.
  const std::string integrator = ClientToken("fachverfahren-ausweis", "dev-only-fachverfahren-secret");
  auto ndjson = Bearer(integrator);
  ndjson["Content-Type"] = "application/x-ndjson";
  Answer imported = Send(sys->port(), http::verb::post, "/api/v1/id-documents/status-updates",
                         R"({"serial":"T22000129","status":"TRANSMITTED","at":"2026-12-01T10:00:00+01:00"})" "\n",
                         ndjson);
  EXPECT_EQ(imported.status, 200) << imported.body;
  EXPECT_TRUE(absl::StrContains(imported.body, R"("rejected":[{"line":1)")) << imported.body;
  // A supplier (client credentials) uploads; a clerk may not.
  auto xml = Bearer(ClientToken("lieferant-4711", "dev-only-lieferant-secret"));
  xml["Content-Type"] = "application/xml";
  Answer uploaded = Send(sys->port(), http::verb::post, "/api/v1/invoices", "<Invoice/>", xml);
  EXPECT_EQ(uploaded.status, 422) << "signed in, then checked as an invoice: " << uploaded.body;
  auto clerk_xml = Bearer(clerk);
  clerk_xml["Content-Type"] = "application/xml";
  EXPECT_EQ(Send(sys->port(), http::verb::post, "/api/v1/invoices", "<Invoice/>", clerk_xml).status, 403);
  // A registration clerk of the provider sees the office's queue; a citizen who signed in with a
  // password only (no eID, so no acr of level hoch) may not register a move.
  Answer queue = Get("/api/v1/offices/kiel-mitte/registrations", Bearer(UserToken("rita")));
  EXPECT_EQ(queue.status, 200) << queue.body;
  Answer erika = Send(sys->port(), http::verb::post, "/api/v1/registrations", R"({"type":"ANMELDUNG"})",
                      Bearer(UserToken("erika")));
  EXPECT_EQ(erika.status, 403) << erika.body;
  EXPECT_TRUE(absl::StrContains(erika.body, "sign-in-level-too-low")) << erika.body;
  // The suite also sets the development key (as make up does): its tokens pass for their own
  // issuer only, never in the provider's name.
  EXPECT_EQ(Get(bookings, Bearer(sys->ClerkToken("'*'"))).status, 200);
  const std::string forged = RunTool(absl::StrCat(DevTokenBinary(), " clerk ", sys->clerk_key(),
                                                  " --offices '*' --iss ", *issuer));
  EXPECT_EQ(Get(bookings, Bearer(forged)).status, 401) << "the development key signing as the provider";

  // The provider rotates its signing key; nobody restarts.
  const std::string old_kid = KeyId(clerk);
  Keycloak(absl::StrCat("rotate-key ", *keycloak_dir));
  const std::string rotated = UserToken("clerk-mitte");
  ASSERT_NE(KeyId(rotated), old_kid) << "the provider did not rotate";
  Answer with_new_key = Get(bookings, Bearer(rotated));
  EXPECT_EQ(with_new_key.status, 200) << with_new_key.body;
  Answer with_old_key = Get(bookings, Bearer(clerk));
  EXPECT_EQ(with_old_key.status, 200) << "tokens of the old key until they expire: " << with_old_key.body;
}

}  // namespace
}  // namespace rathaus::testing

namespace rathaus::testing {
namespace {

// The citizen pages' sign-in (gateway/web_session.h) against the real provider: the flow is bound
// to the browser that began it and used once; the session cookie is HttpOnly and SameSite=Strict;
// API calls act with the session's token (the service checks it itself); a change needs the CSRF
// token; Redis holds no token in clear; sign-out ends the session here and at the provider.
TEST_F(OidcE2eTest, CitizenPagesSignInThroughTheGatewayAsABackendForFrontend) {
  Answer login = Get("/auth/login?return=/meldung", {});
  ASSERT_EQ(login.status, 302) << login.body;
  const std::string to_provider = login.Header("location");
  EXPECT_TRUE(absl::StartsWith(to_provider, *issuer + "/protocol/openid-connect/auth?")) << to_provider;
  for (const char* part : {"response_type=code", "client_id=rathaus-web", "code_challenge_method=S256",
                           "&nonce=", "&state=", "scope=openid"}) {
    EXPECT_TRUE(absl::StrContains(to_provider, part)) << part << " in " << to_provider;
  }
  const std::string state_cookie = CookiePair(login, "rathaus-signin");
  ASSERT_FALSE(state_cookie.empty());
  EXPECT_TRUE(CookieHas(login, "rathaus-signin", "HttpOnly"));
  EXPECT_TRUE(CookieHas(login, "rathaus-signin", "SameSite=Lax"));

  const std::string jar = WriteTemp("provider-cookies", "");
  const std::string back = SignInAtProvider(to_provider, "erika", "dev-only-erika", jar);
  const std::string prefix = absl::StrCat("http://127.0.0.1:", sys->port(), "/auth/callback?");
  ASSERT_TRUE(absl::StartsWith(back, prefix)) << back;
  const std::string callback = back.substr(back.find("/auth/callback"));

  // Another browser (without the state cookie, or with another one) cannot finish this sign-in.
  Answer stranger = Get(callback, {});
  EXPECT_EQ(stranger.status, 302);
  EXPECT_EQ(stranger.Header("location"), "/meldung/status#anmeldung=fehlgeschlagen");
  EXPECT_EQ(CookiePair(stranger, "rathaus-session"), "");
  Answer planted = Get(callback, {{"Cookie", "rathaus-signin=" + std::string(43, 'A')}});
  EXPECT_EQ(CookiePair(planted, "rathaus-session"), "");

  Answer done = Get(callback, {{"Cookie", state_cookie}});
  ASSERT_EQ(done.status, 302) << done.body;
  EXPECT_EQ(done.Header("location"), "/meldung");
  const std::string session = CookiePair(done, "rathaus-session");
  ASSERT_FALSE(session.empty()) << "no session cookie";
  EXPECT_TRUE(CookieHas(done, "rathaus-session", "HttpOnly"));
  EXPECT_TRUE(CookieHas(done, "rathaus-session", "SameSite=Strict"));
  EXPECT_TRUE(CookieHas(done, "rathaus-session", "Path=/"));
  // The same callback again (a replayed URL): the flow was used up.
  Answer replay = Get(callback, {{"Cookie", state_cookie}});
  EXPECT_EQ(CookiePair(replay, "rathaus-session"), "");

  const std::map<std::string, std::string> cookie = {{"Cookie", session}};
  Answer who = Get("/auth/session", cookie);
  ASSERT_EQ(who.status, 200) << who.body;
  EXPECT_EQ(who.Header("cache-control"), "no-store");
  EXPECT_TRUE(absl::StrContains(who.body, R"("signedIn":true)")) << who.body;
  EXPECT_TRUE(absl::StrContains(who.body, R"("role":"citizen")")) << who.body;
  EXPECT_FALSE(absl::StrContains(who.body, "eyJ")) << "no token reaches the browser: " << who.body;
  const size_t at = who.body.find(R"("csrfToken":")");
  ASSERT_NE(at, std::string::npos) << who.body;
  const std::string csrf = who.body.substr(at + 13, 43);

  // The session acts as the citizen: the service verified the forwarded token itself, and
  // Erika signed in with a password, not with an eID (RATHAUS_REGISTRATIONS_CITIZEN_ACR): her
  // cases are not listed either.
  Answer listed = Get("/api/v1/registrations", cookie);
  EXPECT_EQ(listed.status, 403) << listed.body;
  EXPECT_TRUE(absl::StrContains(listed.body, "sign-in-level-too-low")) << listed.body;
  Answer offices = Get("/api/v1/offices", cookie);
  EXPECT_EQ(offices.status, 200) << offices.body;
  // A change needs the CSRF token (a page of another site could send the cookie otherwise).
  const std::string body = R"({"type":"ANMELDUNG"})";
  Answer no_csrf = Send(sys->port(), http::verb::post, "/api/v1/registrations", body, cookie);
  EXPECT_EQ(no_csrf.status, 403) << no_csrf.body;
  EXPECT_TRUE(absl::StrContains(no_csrf.body, "csrf-token-invalid")) << no_csrf.body;
  auto wrong = cookie;
  wrong["X-CSRF-Token"] = std::string(43, 'x');
  EXPECT_EQ(Send(sys->port(), http::verb::post, "/api/v1/registrations", body, wrong).status, 403);
  auto with_csrf = cookie;
  with_csrf["X-CSRF-Token"] = csrf;
  Answer submitted = Send(sys->port(), http::verb::post, "/api/v1/registrations", body, with_csrf);
  // Erika signed in with a password, not with an eID: the service (not the gateway) says so.
  EXPECT_EQ(submitted.status, 403) << submitted.body;
  EXPECT_TRUE(absl::StrContains(submitted.body, "sign-in-level-too-low")) << submitted.body;
  // A made-up session id is no session.
  Answer forged = Get("/api/v1/registrations", {{"Cookie", "rathaus-session=" + std::string(43, 'B')}});
  EXPECT_EQ(forged.status, 401) << forged.body;
  EXPECT_TRUE(absl::StrContains(forged.body, "session-expired")) << forged.body;

  // Redis holds the session sealed: no JWT in clear under the gateway's keys.
  const std::string dump = RunTool(absl::StrCat(
      "redis-cli -u ", SharedServers().redis_url, " --scan --pattern '*session:*' | while read k; do "
      "redis-cli -u ", SharedServers().redis_url, " GET \"$k\"; done"));
  EXPECT_FALSE(dump.empty()) << "no session record found";
  EXPECT_FALSE(absl::StrContains(dump, "eyJ")) << "a token in clear in Redis";

  // Sign-out: needs the CSRF token; ends the session here and gives the provider's logout.
  EXPECT_EQ(Send(sys->port(), http::verb::post, "/auth/logout", "", cookie).status, 403);
  Answer out = Send(sys->port(), http::verb::post, "/auth/logout", "", with_csrf);
  ASSERT_EQ(out.status, 200) << out.body;
  EXPECT_TRUE(absl::StrContains(out.body, *issuer + "/protocol/openid-connect/logout?")) << out.body;
  EXPECT_EQ(Get("/api/v1/registrations", cookie).status, 401);
  EXPECT_TRUE(absl::StrContains(Get("/auth/session", cookie).body, R"("signedIn":false)"));
  std::remove(jar.c_str());
}

}  // namespace
}  // namespace rathaus::testing
