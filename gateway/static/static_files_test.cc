#include "gateway/static/static_files.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace rathaus::gateway {
namespace {

namespace fs = std::filesystem;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Pair;

std::string Header(const StaticResponse& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("rathaus-static-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "assets");
    Write("index.html", "<!doctype html><title>Termin</title>");
    Write("assets/index-3f9a1b2c.js", "console.log(1)");
    Write("assets/index-3f9a1b2c.js.gz", "GZIPPED");
    Write("assets/index-77aa.css", "body{}");
    Write("assets/fira-sans-1234.woff2", "wOF2");
    Write("favicon.svg", "<svg/>");
    // Outside the root: must never be reachable.
    secret_ = root_.parent_path() / (root_.filename().string() + "-secret.txt");
    std::ofstream(secret_) << "top secret";
    std::string error;
    auto loaded = StaticFiles::Load(root_, &error);
    ASSERT_TRUE(loaded) << error;
    files_.emplace(std::move(*loaded));
  }
  void TearDown() override {
    fs::remove_all(root_);
    fs::remove(secret_);
  }
  void Write(const std::string& rel, const std::string& content) {
    std::ofstream(root_ / rel, std::ios::binary) << content;
  }
  StaticResponse Get(std::string_view target, std::string_view ae = "") {
    return files_->Serve({"GET", target, "", ae});
  }

  fs::path root_;
  fs::path secret_;
  std::optional<StaticFiles> files_;
};

TEST_F(StaticFilesTest, RootServesIndexWithNoCacheAndSecurityHeaders) {
  StaticResponse r = Get("/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_THAT(r.body, HasSubstr("<title>Termin</title>"));
  EXPECT_EQ(Header(r, "Cache-Control"), "no-cache");
  EXPECT_EQ(Header(r, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(Header(r, "Referrer-Policy"), "no-referrer");
  const std::string csp = Header(r, "Content-Security-Policy");
  EXPECT_THAT(csp, HasSubstr("default-src 'self'"));
  EXPECT_THAT(csp, HasSubstr("script-src 'self'"));
  EXPECT_THAT(csp, ::testing::Not(HasSubstr("unsafe-inline")));
  EXPECT_THAT(csp, HasSubstr("frame-ancestors 'none'"));
  EXPECT_EQ(Get("/index.html").body, r.body);
}

TEST_F(StaticFilesTest, HashedAssetsAreImmutableWithTheirContentType) {
  StaticResponse js = Get("/assets/index-3f9a1b2c.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(Header(js, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(js.body, "console.log(1)");
  EXPECT_EQ(Get("/assets/index-77aa.css").content_type, "text/css; charset=utf-8");
  EXPECT_EQ(Get("/assets/fira-sans-1234.woff2").content_type, "font/woff2");
  StaticResponse svg = Get("/favicon.svg");
  EXPECT_EQ(svg.content_type, "image/svg+xml");
  EXPECT_EQ(Header(svg, "Cache-Control"), "no-cache");
}

TEST_F(StaticFilesTest, ContentTypesByExtension) {
  EXPECT_EQ(StaticContentType("a.html"), "text/html; charset=utf-8");
  EXPECT_EQ(StaticContentType("/x/A.JS"), "text/javascript; charset=utf-8");
  EXPECT_EQ(StaticContentType("a.json"), "application/json");
  EXPECT_EQ(StaticContentType("a.png"), "image/png");
  EXPECT_EQ(StaticContentType("a.woff"), "font/woff");
  EXPECT_EQ(StaticContentType("a.ico"), "image/x-icon");
  EXPECT_EQ(StaticContentType("a.unknown"), "application/octet-stream");
  EXPECT_EQ(StaticContentType("Makefile"), "application/octet-stream");
}

TEST_F(StaticFilesTest, PageRoutesFallBackToIndex) {
  for (std::string_view route : {"/termin", "/buchung", "/buchung/verwalten", "/en/termin?x=1"}) {
    StaticResponse r = Get(route);
    EXPECT_EQ(r.status, 200) << route;
    EXPECT_THAT(r.body, HasSubstr("<title>Termin</title>")) << route;
    EXPECT_EQ(Header(r, "Cache-Control"), "no-cache") << route;
  }
}

TEST_F(StaticFilesTest, MissingFilesAssetsAndApiAre404) {
  EXPECT_EQ(Get("/missing.js").status, 404);
  EXPECT_EQ(Get("/assets/gone-1234.js").status, 404);
  EXPECT_EQ(Get("/assets/gone").status, 404);
  EXPECT_EQ(Get("/api/v1/nothing").status, 404);
  StaticResponse r = Get("/missing.css");
  EXPECT_EQ(r.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(Header(r, "X-Content-Type-Options"), "nosniff");
}

TEST_F(StaticFilesTest, PathTraversalIsRefused) {
  const std::string secret_name = secret_.filename().string();
  for (const std::string& target : std::vector<std::string>{
           "/../" + secret_name,
           "/assets/../../" + secret_name,
           "/%2e%2e/" + secret_name,
           "/%2E%2E/" + secret_name,
           "/.%2e/" + secret_name,
           "/assets/%2e%2e%2f%2e%2e%2f" + secret_name,
           "/..%5c" + secret_name,
           "/assets\\..\\..\\" + secret_name,
           "/%252e%252e/" + secret_name,
           "/index.html%00.js",
           std::string("/index.html\0.js", 15),
           "/./index.html",
           "//etc/passwd",
           "/assets/%zz",
           "/assets/%2",
           "relative/index.html",
           "/..",
       }) {
    StaticResponse r = Get(target);
    EXPECT_EQ(r.status, 404) << target;
    EXPECT_THAT(r.body, ::testing::Not(HasSubstr("top secret"))) << target;
  }
}

TEST_F(StaticFilesTest, NormalizeKeepsCleanPathsAndDecodes) {
  EXPECT_EQ(NormalizeStaticPath("/"), "/");
  EXPECT_EQ(NormalizeStaticPath("/assets/a.js"), "/assets/a.js");
  EXPECT_EQ(NormalizeStaticPath("/b%C3%BCrger"), "/b\xC3\xBCrger");
  EXPECT_FALSE(NormalizeStaticPath("/a/"));
  EXPECT_FALSE(NormalizeStaticPath(""));
  EXPECT_FALSE(NormalizeStaticPath("/a%2fb"));
}

TEST_F(StaticFilesTest, HeadHasHeadersAndLengthButNoBody) {
  StaticResponse r = files_->Serve({"HEAD", "/assets/index-77aa.css", "", ""});
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(r.content_length, std::string("body{}").size());
  EXPECT_EQ(Header(r, "Cache-Control"), "public, max-age=31536000, immutable");
}

TEST_F(StaticFilesTest, OtherMethodsGet405) {
  StaticResponse r = files_->Serve({"POST", "/", "", ""});
  EXPECT_EQ(r.status, 405);
  EXPECT_THAT(r.headers, Contains(Pair("Allow", "GET, HEAD")));
}

TEST_F(StaticFilesTest, EtagRevalidationGives304) {
  StaticResponse first = Get("/");
  const std::string etag = Header(first, "ETag");
  ASSERT_FALSE(etag.empty());
  StaticResponse again = files_->Serve({"GET", "/", etag, ""});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(files_->Serve({"GET", "/", "\"other\", " + etag, ""}).status, 304);
  EXPECT_EQ(files_->Serve({"GET", "/", "\"other\"", ""}).status, 200);
}

TEST_F(StaticFilesTest, GzipSiblingIsServedWhenAccepted) {
  StaticResponse gz = Get("/assets/index-3f9a1b2c.js", "gzip, deflate, br");
  EXPECT_EQ(gz.body, "GZIPPED");
  EXPECT_EQ(Header(gz, "Content-Encoding"), "gzip");
  EXPECT_EQ(Header(gz, "Vary"), "Accept-Encoding");
  EXPECT_EQ(gz.content_type, "text/javascript; charset=utf-8");
  StaticResponse plain = Get("/assets/index-3f9a1b2c.js", "br");
  EXPECT_EQ(plain.body, "console.log(1)");
  EXPECT_EQ(Header(plain, "Content-Encoding"), "");
  EXPECT_EQ(Get("/assets/index-3f9a1b2c.js", "gzip;q=0").body, "console.log(1)");
  // The .gz file itself is not a separate resource.
  EXPECT_EQ(Get("/assets/index-3f9a1b2c.js.gz").status, 404);
}

TEST(StaticFilesLoadTest, MissingRootOrIndexIsAnError) {
  std::string error;
  EXPECT_FALSE(StaticFiles::Load("/nonexistent/rathaus/web", &error));
  EXPECT_THAT(error, HasSubstr("not a folder"));
  const fs::path empty = fs::temp_directory_path() / ("rathaus-static-empty-" +
                                                      std::to_string(::getpid()));
  fs::create_directories(empty);
  EXPECT_FALSE(StaticFiles::Load(empty, &error));
  EXPECT_THAT(error, HasSubstr("index.html"));
  fs::remove_all(empty);
}

TEST(StaticFilesLoadTest, SymlinksOutOfTheRootAreIgnored) {
  const fs::path root = fs::temp_directory_path() / ("rathaus-static-link-" +
                                                     std::to_string(::getpid()));
  fs::remove_all(root);
  fs::create_directories(root);
  std::ofstream(root / "index.html") << "i";
  std::error_code ec;
  fs::create_symlink("/etc/hostname", root / "host.txt", ec);
  std::string error;
  auto files = StaticFiles::Load(root, &error);
  ASSERT_TRUE(files) << error;
  EXPECT_EQ(files->Serve({"GET", "/host.txt", "", ""}).status, 404);
  fs::remove_all(root);
}

}  // namespace
}  // namespace rathaus::gateway
