// Static files for the citizen web pages (gateway/web/dist): everything the gateway answers for
// GET/HEAD outside /api/ and the operational endpoints. Plain C++20 + std::filesystem: no Beast,
// no Abseil in the interface, so the HTTP layer maps the result with a few lines.
//
//   // at start (main.cc), when RATHAUS_WEB_ROOT is set:
//   std::string error;
//   auto web = rathaus::gateway::StaticFiles::Load(web_root, &error);
//   if (!web) { std::cerr << "config: RATHAUS_WEB_ROOT: " << error << "\n"; return 2; }
//
//   // per request, for a path that is not /api/... nor /healthz, /readyz, /metrics:
//   rathaus::gateway::StaticRequest in{req.method, req.target,
//                                      header("if-none-match"), header("accept-encoding")};
//   rathaus::gateway::StaticResponse out = web->Serve(in);
//   HttpResponse r{out.status, out.content_type, std::move(out.body), std::move(out.headers)};
//
// What it answers:
// - Files are read once by Load() and kept in memory (the built site is small); a rebuild of
//   the pages needs a restart of the gateway. Symlinks and files outside the root are ignored.
// - /assets/<hashed name>: Cache-Control "public, max-age=31536000, immutable".
//   Everything else (index.html, favicon, ...): Cache-Control "no-cache" plus an ETag, and a
//   matching If-None-Match gets 304 without a body.
// - Page routes (a path whose last segment has no '.', e.g. /termin, /buchung): index.html
//   (single-page app fallback, 200). An unknown file with an extension, an unknown /assets/ file
//   and anything under /api/ get 404.
// - A file with a sibling "<file>.gz" is sent gzip-compressed (Content-Encoding: gzip, Vary:
//   Accept-Encoding) when the client's Accept-Encoding allows gzip.
// - Every answer carries a strict Content-Security-Policy (no inline script or style, only this
//   origin), X-Content-Type-Options: nosniff, Referrer-Policy: no-referrer, X-Frame-Options: DENY
//   and Cross-Origin-Opener-Policy: same-origin.
// - Refused with 404: "..", "." or empty segments after percent-decoding (so %2e%2e too),
//   backslashes, NUL and other control bytes, encoded slashes, bad percent escapes, a '%' left
//   after decoding (double encoding). Methods other than GET and HEAD get 405 with Allow.
// - HEAD: the same status and headers as GET, an empty body, content_length = the GET body size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rathaus::gateway {

struct StaticRequest {
  std::string_view method;           // "GET", "HEAD", ...
  std::string_view target;           // path and query as sent, "/assets/app-3f9a.js?x=1"
  std::string_view if_none_match;    // header value or empty
  std::string_view accept_encoding;  // header value or empty
};

struct StaticResponse {
  int status = 200;
  std::string content_type;
  std::string body;  // empty for HEAD and 304
  std::vector<std::pair<std::string, std::string>> headers;  // not Content-Type / -Length
  std::size_t content_length = 0;  // the size of the body a GET gets (what HEAD announces)
};

// The Content-Security-Policy on every answer (exposed for tests and for the gateway's own pages).
inline constexpr std::string_view kStaticContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

// The Content-Type for a file name, by extension ("application/octet-stream" when unknown).
std::string_view StaticContentType(std::string_view file_name);

// Percent-decodes a request path and checks it is a clean absolute path below the web root:
// returns the decoded path ("/assets/a.js") or nullopt for anything to refuse (see above).
std::optional<std::string> NormalizeStaticPath(std::string_view raw_path);

class StaticFiles {
 public:
  // Reads every regular file below `root` (index.html must exist). nullopt and *error on failure.
  static std::optional<StaticFiles> Load(const std::filesystem::path& root, std::string* error);

  StaticResponse Serve(const StaticRequest& request) const;

  std::size_t file_count() const { return files_->size(); }

 private:
  struct File {
    std::string content_type;
    std::string body;
    std::string gzip_body;  // empty when there is no .gz sibling
    std::string etag;
  };
  using Files = std::map<std::string, File, std::less<>>;  // key: "/index.html", "/assets/x.js"

  explicit StaticFiles(std::shared_ptr<const Files> files) : files_(std::move(files)) {}
  StaticResponse FromFile(const std::string& key, const File& file,
                          const StaticRequest& request) const;

  std::shared_ptr<const Files> files_;
};

}  // namespace rathaus::gateway
