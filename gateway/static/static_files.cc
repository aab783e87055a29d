#include "gateway/static/static_files.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <system_error>

namespace rathaus::gateway {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
constexpr std::string_view kNoCache = "no-cache";

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// 64-bit FNV-1a: a strong enough validator for a handful of static files.
std::string Etag(std::string_view body) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : body) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "\"%016llx\"", static_cast<unsigned long long>(h));
  return buf;
}

bool ReadFile(const fs::path& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = std::move(ss).str();
  return !in.bad();
}

// True when an If-None-Match value names this ETag (or is "*").
bool EtagMatches(std::string_view header, std::string_view etag) {
  if (header.empty()) return false;
  std::size_t pos = 0;
  while (pos < header.size()) {
    std::size_t comma = header.find(',', pos);
    if (comma == std::string_view::npos) comma = header.size();
    std::string_view item = header.substr(pos, comma - pos);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (item.substr(0, 2) == "W/") item.remove_prefix(2);
    if (item == "*" || item == etag) return true;
    pos = comma + 1;
  }
  return false;
}

// True when Accept-Encoding allows gzip (a "gzip" token without q=0).
bool AcceptsGzip(std::string_view header) {
  std::string h = Lower(header);
  std::size_t pos = 0;
  while (pos < h.size()) {
    std::size_t comma = h.find(',', pos);
    if (comma == std::string::npos) comma = h.size();
    std::string item = h.substr(pos, comma - pos);
    item.erase(std::remove_if(item.begin(), item.end(),
                              [](char c) { return c == ' ' || c == '\t'; }),
               item.end());
    std::string name = item.substr(0, item.find(';'));
    if (name == "gzip" || name == "*") {
      std::size_t q = item.find(";q=");
      if (q == std::string::npos) return true;
      std::string value = item.substr(q + 3);
      return !(value == "0" || value == "0.0" || value == "0.00" || value == "0.000");
    }
    pos = comma + 1;
  }
  return false;
}

void AddSecurityHeaders(StaticResponse* r) {
  r->headers.emplace_back("Content-Security-Policy", std::string(kStaticContentSecurityPolicy));
  r->headers.emplace_back("X-Content-Type-Options", "nosniff");
  r->headers.emplace_back("Referrer-Policy", "no-referrer");
  r->headers.emplace_back("X-Frame-Options", "DENY");
  r->headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
}

StaticResponse Plain(int status, std::string_view text, bool head) {
  StaticResponse r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.content_length = text.size();
  if (!head) r.body = std::string(text);
  r.headers.emplace_back("Cache-Control", std::string(kNoCache));
  AddSecurityHeaders(&r);
  return r;
}

}  // namespace

std::string_view StaticContentType(std::string_view file_name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 22> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".avif", "image/avif"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".ttf", "font/ttf"},
      {".otf", "font/otf"},
      {".txt", "text/plain; charset=utf-8"},
      {".xml", "application/xml"},
      {".pdf", "application/pdf"},
  }};
  const std::size_t slash = file_name.rfind('/');
  const std::string_view base =
      slash == std::string_view::npos ? file_name : file_name.substr(slash + 1);
  const std::size_t dot = base.rfind('.');
  if (dot == std::string_view::npos) return "application/octet-stream";
  const std::string ext = Lower(base.substr(dot));
  for (const auto& [e, type] : kTypes) {
    if (e == ext) return type;
  }
  return "application/octet-stream";
}

std::optional<std::string> NormalizeStaticPath(std::string_view raw) {
  if (raw.empty() || raw.front() != '/') return std::nullopt;
  std::string decoded;
  decoded.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c == '%') {
      if (i + 2 >= raw.size()) return std::nullopt;
      const int hi = HexValue(raw[i + 1]);
      const int lo = HexValue(raw[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      const char d = static_cast<char>(hi * 16 + lo);
      // An encoded slash or backslash hides a segment boundary; a decoded '%' means double
      // encoding. Neither has a place in a static file name.
      if (d == '/' || d == '\\' || d == '%') return std::nullopt;
      decoded.push_back(d);
      i += 2;
    } else {
      decoded.push_back(c);
    }
  }
  for (unsigned char c : decoded) {
    if (c < 0x20 || c == 0x7f || c == '\\') return std::nullopt;
  }
  // Segments: no "", ".", ".." (a trailing slash is allowed only for the root "/").
  if (decoded == "/") return decoded;
  std::size_t pos = 1;
  while (pos <= decoded.size()) {
    std::size_t next = decoded.find('/', pos);
    if (next == std::string::npos) next = decoded.size();
    const std::string_view seg = std::string_view(decoded).substr(pos, next - pos);
    if (seg.empty() || seg == "." || seg == ".." || seg.find("..") != std::string_view::npos) {
      return std::nullopt;
    }
    pos = next + 1;
  }
  return decoded;
}

std::optional<StaticFiles> StaticFiles::Load(const fs::path& root, std::string* error) {
  std::error_code ec;
  const fs::path base = fs::canonical(root, ec);
  if (ec || !fs::is_directory(base, ec)) {
    if (error) *error = "not a folder: " + root.string();
    return std::nullopt;
  }
  auto files = std::make_shared<Files>();
  fs::recursive_directory_iterator it(base, fs::directory_options::none, ec), end;
  if (ec) {
    if (error) *error = "cannot read " + base.string() + ": " + ec.message();
    return std::nullopt;
  }
  std::map<std::string, std::string> gz;  // key of the uncompressed file -> .gz contents
  for (; it != end; it.increment(ec)) {
    if (ec) {
      if (error) *error = "cannot read " + base.string() + ": " + ec.message();
      return std::nullopt;
    }
    const fs::directory_entry& entry = *it;
    if (entry.is_symlink(ec) || !entry.is_regular_file(ec)) continue;
    const std::string rel = fs::relative(entry.path(), base, ec).generic_string();
    if (ec || rel.empty() || rel.starts_with("..")) continue;
    std::string body;
    if (!ReadFile(entry.path(), &body)) {
      if (error) *error = "cannot read " + entry.path().string();
      return std::nullopt;
    }
    const std::string key = "/" + rel;
    if (key.ends_with(".gz")) {
      gz[key.substr(0, key.size() - 3)] = std::move(body);
      continue;
    }
    File f;
    f.content_type = std::string(StaticContentType(key));
    f.etag = Etag(body);
    f.body = std::move(body);
    (*files)[key] = std::move(f);
  }
  for (auto& [key, body] : gz) {
    auto found = files->find(key);
    if (found != files->end()) found->second.gzip_body = std::move(body);
  }
  if (files->find("/index.html") == files->end()) {
    if (error) *error = "no index.html in " + base.string() + " (build the pages first)";
    return std::nullopt;
  }
  return StaticFiles(std::move(files));
}

StaticResponse StaticFiles::FromFile(const std::string& key, const File& file,
                                     const StaticRequest& request) const {
  const bool head = request.method == "HEAD";
  StaticResponse r;
  r.content_type = file.content_type;
  const bool immutable = key.starts_with("/assets/");
  r.headers.emplace_back("Cache-Control", std::string(immutable ? kImmutable : kNoCache));
  r.headers.emplace_back("ETag", file.etag);
  if (!file.gzip_body.empty()) r.headers.emplace_back("Vary", "Accept-Encoding");
  AddSecurityHeaders(&r);
  if (EtagMatches(request.if_none_match, file.etag)) {
    r.status = 304;
    return r;
  }
  const bool gzip = !file.gzip_body.empty() && AcceptsGzip(request.accept_encoding);
  const std::string& body = gzip ? file.gzip_body : file.body;
  if (gzip) r.headers.emplace_back("Content-Encoding", "gzip");
  r.content_length = body.size();
  if (!head) r.body = body;
  return r;
}

StaticResponse StaticFiles::Serve(const StaticRequest& request) const {
  const bool head = request.method == "HEAD";
  if (request.method != "GET" && !head) {
    StaticResponse r = Plain(405, "Method Not Allowed\n", false);
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  std::string_view path = request.target;
  const std::size_t cut = path.find_first_of("?#");
  if (cut != std::string_view::npos) path = path.substr(0, cut);

  const std::optional<std::string> clean = NormalizeStaticPath(path);
  if (!clean) return Plain(404, "Not Found\n", head);
  std::string key = *clean;
  if (key == "/") key = "/index.html";

  if (auto found = files_->find(key); found != files_->end()) {
    return FromFile(key, found->second, request);
  }
  // Single-page app: a page route ("/termin", "/buchung/verwalten") gets index.html; a missing
  // file ("/x.js"), a missing asset and the API namespace do not.
  const std::string_view last = std::string_view(key).substr(key.rfind('/') + 1);
  const bool page_route = last.find('.') == std::string_view::npos &&
                          !key.starts_with("/assets/") && !key.starts_with("/api/") &&
                          key != "/api";
  if (page_route) {
    const std::string index = "/index.html";
    return FromFile(index, files_->at(index), request);
  }
  return Plain(404, "Not Found\n", head);
}

}  // namespace rathaus::gateway
