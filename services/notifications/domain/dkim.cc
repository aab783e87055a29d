#include "domain/dkim.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "shared/crypto/crypto.h"

namespace rathaus::notifications {
namespace {

bool IsWsp(char c) { return c == ' ' || c == '\t'; }

// Runs of WSP to one space, without WSP at either end.
std::string CompressWsp(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool pending = false;
  for (char c : s) {
    if (IsWsp(c)) {
      pending = true;
      continue;
    }
    if (pending && !out.empty()) out.push_back(' ');
    pending = false;
    out.push_back(c);
  }
  return out;
}

// The headers the signature covers, in this order, where the message has them.
constexpr const char* kSigned[] = {"from",     "to",           "subject",          "date",
                                   "message-id", "mime-version", "content-type",   "reply-to",
                                   "list-unsubscribe", "list-unsubscribe-post", "auto-submitted"};

}  // namespace

std::string DkimRelaxedHeader(std::string_view name, std::string_view value) {
  std::string unfolded;
  unfolded.reserve(value.size());
  for (char c : value) {
    if (c != '\r' && c != '\n') unfolded.push_back(c);
  }
  // The name in lower case without WSP before the colon; the value unfolded, WSP runs as one
  // space, none at either end.
  absl::string_view n = absl::StripTrailingAsciiWhitespace(absl::string_view(name.data(), name.size()));
  return absl::StrCat(absl::AsciiStrToLower(n), ":", CompressWsp(unfolded), "\r\n");
}

std::string DkimRelaxedBody(std::string_view body) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(absl::string_view(body.data(), body.size()), "\r\n")) {
    std::string l;
    l.reserve(line.size());
    bool pending = false;
    for (char c : line) {
      if (IsWsp(c)) {
        pending = true;
        continue;
      }
      if (pending) l.push_back(' ');
      pending = false;
      l.push_back(c);
    }
    lines.push_back(std::move(l));  // WSP at the end of a line is gone (pending dropped)
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  if (lines.empty()) return "";
  return absl::StrCat(absl::StrJoin(lines, "\r\n"), "\r\n");
}

absl::StatusOr<std::unique_ptr<DkimSigner>> DkimSigner::FromPem(const std::string& pem,
                                                                 std::string domain,
                                                                 std::string selector) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return absl::InternalError("BIO_new_mem_buf failed");
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (key == nullptr) return absl::InvalidArgumentError("not a PEM private key");
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA || EVP_PKEY_get_bits(key) < 1024) {
    EVP_PKEY_free(key);
    return absl::InvalidArgumentError("DKIM needs an RSA key of at least 1024 bits (2048 advised)");
  }
  const auto plain = [](const std::string& s) {
    return !s.empty() && s.find_first_of(" ;=\t\r\n") == std::string::npos;
  };
  if (!plain(domain) || !plain(selector)) {
    EVP_PKEY_free(key);
    return absl::InvalidArgumentError("the DKIM domain and selector are plain names");
  }
  std::unique_ptr<DkimSigner> signer(new DkimSigner());
  signer->key_ = key;
  signer->domain_ = std::move(domain);
  signer->selector_ = std::move(selector);
  return signer;
}

DkimSigner::~DkimSigner() {
  if (key_ != nullptr) EVP_PKEY_free(static_cast<EVP_PKEY*>(key_));
}

std::string DkimSigner::DnsRecord() const {
  unsigned char* der = nullptr;
  const int n = i2d_PUBKEY(static_cast<EVP_PKEY*>(key_), &der);
  if (n <= 0) return "";
  const std::string spki(reinterpret_cast<const char*>(der), static_cast<size_t>(n));
  OPENSSL_free(der);
  return absl::StrCat("v=DKIM1; k=rsa; p=", absl::Base64Escape(spki));
}

absl::StatusOr<std::string> DkimSigner::Sign(const std::string& message, absl::Time now) const {
  const size_t end_of_header = message.find("\r\n\r\n");
  if (end_of_header == std::string::npos) {
    return absl::InvalidArgumentError("the message has no end of its header");
  }
  // The header fields, unfolded into (name, value as written).
  std::vector<std::pair<std::string, std::string>> fields;
  for (absl::string_view line : absl::StrSplit(absl::string_view(message).substr(0, end_of_header), "\r\n")) {
    if (!line.empty() && IsWsp(line[0]) && !fields.empty()) {
      absl::StrAppend(&fields.back().second, "\r\n", line);
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == absl::string_view::npos) return absl::InvalidArgumentError("a header line without a colon");
    fields.emplace_back(std::string(line.substr(0, colon)), std::string(line.substr(colon + 1)));
  }
  std::vector<std::string> names;
  std::string to_sign;
  for (const char* wanted : kSigned) {
    for (const auto& [name, value] : fields) {
      if (absl::AsciiStrToLower(absl::StripTrailingAsciiWhitespace(name)) == wanted) {
        names.emplace_back(wanted);
        to_sign += DkimRelaxedHeader(name, value);
        break;
      }
    }
  }
  const std::string body_hash = absl::Base64Escape(
      platform::crypto::Sha256(DkimRelaxedBody(std::string_view(message).substr(end_of_header + 4))));
  const std::string value = absl::StrCat(
      " v=1; a=rsa-sha256; c=relaxed/relaxed; d=", domain_, "; s=", selector_,
      ";\r\n t=", absl::ToUnixSeconds(now), "; h=", absl::StrJoin(names, ":"),
      ";\r\n bh=", body_hash, ";\r\n b=");
  std::string header = DkimRelaxedHeader("DKIM-Signature", value);
  header.resize(header.size() - 2);  // RFC 6376 §3.7: the signature's own field without CRLF
  to_sign += header;

  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return absl::InternalError("EVP_MD_CTX_new failed");
  size_t len = 0;
  std::string signature;
  bool ok = EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr,
                               static_cast<EVP_PKEY*>(key_)) == 1 &&
            EVP_DigestSign(ctx, nullptr, &len,
                           reinterpret_cast<const unsigned char*>(to_sign.data()),
                           to_sign.size()) == 1;
  if (ok) {
    signature.resize(len);
    ok = EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &len,
                        reinterpret_cast<const unsigned char*>(to_sign.data()),
                        to_sign.size()) == 1;
    signature.resize(len);
  }
  EVP_MD_CTX_free(ctx);
  if (!ok) return absl::InternalError("the DKIM signature could not be made");
  return absl::StrCat("DKIM-Signature:", value, absl::Base64Escape(signature), "\r\n", message);
}

}  // namespace rathaus::notifications
