// The sign-in's pure parts: PKCE (RFC 7636's own example), cookie parsing that refuses a planted
// second cookie, return paths that cannot redirect elsewhere, query and form encoding.
#include "gateway/web_session.h"

#include <gtest/gtest.h>

#include "shared/auth/jwks.h"

namespace rathaus::gateway {
namespace {

TEST(WebSessionTest, PkceChallengeIsRfc7636AppendixB) {
  EXPECT_EQ(PkceChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

TEST(WebSessionTest, CookieValueFindsOneCookieAndRefusesTwo) {
  const std::string header = "lang=de; rathaus-session=abc_DEF-123; other=1";
  EXPECT_EQ(CookieValue(&header, "rathaus-session"), "abc_DEF-123");
  EXPECT_EQ(CookieValue(&header, "rathaus"), std::nullopt) << "a prefix of a name is no match";
  EXPECT_EQ(CookieValue(nullptr, "rathaus-session"), std::nullopt);
  const std::string quoted = "rathaus-session=\"xyz\"";
  EXPECT_EQ(CookieValue(&quoted, "rathaus-session"), "xyz");
  // A sibling domain can plant a second cookie of the same name: trust neither.
  const std::string twice = "rathaus-session=mine; rathaus-session=planted";
  EXPECT_EQ(CookieValue(&twice, "rathaus-session"), std::nullopt);
}

TEST(WebSessionTest, ReturnPathIsOneOfThePagesNeverAnotherSite) {
  const std::vector<std::string> pages = {"/meldung/status", "/meldung"};
  EXPECT_EQ(SafeReturnPath("/meldung", pages), "/meldung");
  EXPECT_EQ(SafeReturnPath("/meldung/status", pages), "/meldung/status");
  for (const char* evil : {"//evil.example/meldung", "https://evil.example/", "/meldung/../admin",
                           "/meldung?x=1", "/\\evil.example", "", "meldung", "/MELDUNG"}) {
    EXPECT_EQ(SafeReturnPath(evil, pages), "/meldung/status") << evil;
  }
}

TEST(WebSessionTest, QueryParametersAreDecodedAndAmbiguityRefused) {
  auto q = ParseQueryParameters("code=a%2Fb%3D&state=x+y&session_state=1");
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->at("code"), "a/b=");
  EXPECT_EQ(q->at("state"), "x y");
  EXPECT_EQ(q->size(), 3u);
  EXPECT_FALSE(ParseQueryParameters("state=a&state=b").has_value()) << "a name twice";
  EXPECT_FALSE(ParseQueryParameters("state=%4").has_value()) << "a cut escape";
  EXPECT_FALSE(ParseQueryParameters("state=%zz").has_value());
  EXPECT_TRUE(ParseQueryParameters("").has_value());
}

TEST(WebSessionTest, FormEncodingKeepsOnlyUnreserved) {
  EXPECT_EQ(platform::auth::FormEncode("a-b.c_d~e"), "a-b.c_d~e");
  EXPECT_EQ(platform::auth::FormEncode("rathaus web/ä:+&="), "rathaus%20web%2F%C3%A4%3A%2B%26%3D");
}

}  // namespace
}  // namespace rathaus::gateway
