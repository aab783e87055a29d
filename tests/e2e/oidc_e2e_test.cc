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
    sys = new System({{"RATHAUS_OIDC_ISSUER", *issuer}});
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
