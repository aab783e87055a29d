// DKIM signatures (RFC 6376) for the messages the notifications service sends, when the city
// gives a key (RATHAUS_DKIM_KEY_FILE): RSA-SHA256, relaxed/relaxed canonicalization, the headers
// that say who wrote what to whom (and List-Unsubscribe, which RFC 8058 §4 wants signed). The
// receiver finds the public key in DNS at <selector>._domainkey.<domain>.
//
//   auto signer = DkimSigner::FromPem(pem, "kiel.de", "rathaus2026");
//   absl::StatusOr<std::string> signed_message = signer->Sign(wire, absl::Now());
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace rathaus::notifications {

// RFC 6376 §3.4.2: the header field as relaxed canonicalization writes it ("name:value\r\n").
std::string DkimRelaxedHeader(std::string_view name, std::string_view value);
// RFC 6376 §3.4.4: the body as relaxed canonicalization hashes it.
std::string DkimRelaxedBody(std::string_view body);

class DkimSigner {
 public:
  // An RSA private key (PEM, at least 1024 bits; RFC 8301 wants 2048 for signers); the signing
  // domain (d=) and selector (s=).
  static absl::StatusOr<std::unique_ptr<DkimSigner>> FromPem(const std::string& pem,
                                                             std::string domain,
                                                             std::string selector);
  ~DkimSigner();

  // `message` (RFC 5322 with CRLF) with a DKIM-Signature header field in front.
  absl::StatusOr<std::string> Sign(const std::string& message, absl::Time now) const;

  // The DNS TXT record that publishes the key: "v=DKIM1; k=rsa; p=<base64 of the public key>".
  std::string DnsRecord() const;

 private:
  DkimSigner() = default;
  void* key_ = nullptr;  // EVP_PKEY*
  std::string domain_;
  std::string selector_;
};

}  // namespace rathaus::notifications
