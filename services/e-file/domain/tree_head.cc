#include "domain/tree_head.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "domain/merkle.h"
#include "shared/crypto/crypto.h"

namespace rathaus::efile {
namespace {

using Pkey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

Pkey ReadKey(std::string_view pem, bool is_private) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = is_private ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr)
                             : PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return Pkey(key, &EVP_PKEY_free);
}

bool IsEcP256(EVP_PKEY* key) {
  char group[64] = {0};
  size_t len = 0;
  return EVP_PKEY_get_base_id(key) == EVP_PKEY_EC &&
         EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof group, &len) == 1 &&
         std::string_view(group, len) == "prime256v1";
}

// hex SHA-256 of the key's SubjectPublicKeyInfo DER.
std::string KeyId(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(key, &der);
  if (len <= 0) return "";
  std::string id = platform::crypto::Hex(
      platform::crypto::Sha256(std::string_view(reinterpret_cast<char*>(der), len)));
  OPENSSL_free(der);
  return id;
}

absl::StatusOr<std::vector<std::string>> Unhex(const google::protobuf::RepeatedPtrField<std::string>& in) {
  std::vector<std::string> out;
  for (const std::string& h : in) {
    auto b = platform::crypto::FromHex(h);
    if (!b.ok() || b->size() != 32) return absl::InvalidArgumentError("a path element is not 64 hex characters");
    out.push_back(*std::move(b));
  }
  return out;
}

absl::StatusOr<std::string> Hash32(const std::string& hex, const std::string& what) {
  auto b = platform::crypto::FromHex(hex);
  if (!b.ok() || b->size() != 32) {
    return absl::InvalidArgumentError(absl::StrCat(what, " is not 64 hex characters"));
  }
  return *std::move(b);
}

}  // namespace

std::string TreeHeadSigningInput(const v1::SignedTreeHead& sth) {
  return absl::StrCat("rathaus-e-file tree head v1\n", sth.tree_size(), "\n", sth.root_hash(), "\n",
                      sth.timestamp(), "\n");
}

absl::StatusOr<v1::SignedTreeHead> SignTreeHead(std::string_view private_key_pem, uint64_t size,
                                                std::string_view root, absl::Time at) {
  Pkey key = ReadKey(private_key_pem, true);
  if (!key || !IsEcP256(key.get())) {
    return absl::InvalidArgumentError("the tree head key must be an EC P-256 private key (PEM)");
  }
  v1::SignedTreeHead sth;
  sth.set_tree_size(size);
  sth.set_root_hash(platform::crypto::Hex(root));
  sth.set_timestamp(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", at, absl::UTCTimeZone()));
  sth.set_key_id(KeyId(key.get()));
  const std::string input = TreeHeadSigningInput(sth);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t len = 0;
  std::string signature;
  bool ok = EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key.get()) == 1 &&
            EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                           input.size()) == 1;
  if (ok) {
    signature.resize(len);
    ok = EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &len,
                        reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
    signature.resize(len);
  }
  EVP_MD_CTX_free(ctx);
  if (!ok) return absl::InternalError("signing the tree head failed");
  sth.set_signature(platform::crypto::Base64Url(signature));
  return sth;
}

absl::Status VerifyTreeHead(std::string_view public_key_pem, const v1::SignedTreeHead& sth) {
  Pkey key = ReadKey(public_key_pem, false);
  if (!key || !IsEcP256(key.get())) {
    return absl::InvalidArgumentError("the public key must be an EC P-256 key (PEM)");
  }
  if (auto root = Hash32(sth.root_hash(), "root_hash"); !root.ok()) return root.status();
  if (!sth.key_id().empty() && sth.key_id() != KeyId(key.get())) {
    return absl::UnauthenticatedError("the tree head was signed with another key");
  }
  auto signature = platform::crypto::FromBase64Url(sth.signature());
  if (!signature.ok()) return absl::InvalidArgumentError("the signature is not base64url");
  const std::string input = TreeHeadSigningInput(sth);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key.get()) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature->data()),
                       signature->size(), reinterpret_cast<const unsigned char*>(input.data()),
                       input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) return absl::UnauthenticatedError("the tree head's signature does not verify");
  return absl::OkStatus();
}

absl::Status VerifyInclusionAgainst(std::string_view public_key_pem, const v1::SignedTreeHead& sth,
                                    const v1::InclusionProof& proof, std::string_view entry) {
  if (absl::Status s = VerifyTreeHead(public_key_pem, sth); !s.ok()) return s;
  if (proof.tree_size() != sth.tree_size()) {
    return absl::FailedPreconditionError("the proof is for another tree size than the head");
  }
  const std::string leaf = merkle::LeafHash(entry);
  if (platform::crypto::Hex(leaf) != proof.leaf_hash()) {
    return absl::FailedPreconditionError("the entry's hash is not the proof's leaf hash: the entry changed");
  }
  auto path = Unhex(proof.path());
  if (!path.ok()) return path.status();
  auto root = Hash32(sth.root_hash(), "root_hash");
  if (!merkle::VerifyInclusion(proof.leaf_index(), proof.tree_size(), leaf, *path, *root)) {
    return absl::FailedPreconditionError("the inclusion proof does not lead to the signed head");
  }
  return absl::OkStatus();
}

absl::Status VerifyConsistencyAgainst(std::string_view public_key_pem,
                                      const v1::SignedTreeHead& older,
                                      const v1::SignedTreeHead& newer,
                                      const v1::ConsistencyProof& proof) {
  if (absl::Status s = VerifyTreeHead(public_key_pem, older); !s.ok()) return s;
  if (absl::Status s = VerifyTreeHead(public_key_pem, newer); !s.ok()) return s;
  if (proof.first() != older.tree_size() || proof.second() != newer.tree_size()) {
    return absl::FailedPreconditionError("the proof is for other tree sizes than the heads");
  }
  auto path = Unhex(proof.path());
  if (!path.ok()) return path.status();
  auto first = Hash32(older.root_hash(), "root_hash");
  auto second = Hash32(newer.root_hash(), "root_hash");
  if (!merkle::VerifyConsistency(proof.first(), proof.second(), *first, *second, *path)) {
    return absl::FailedPreconditionError(
        "the newer head does not extend the older one: the log was rewritten");
  }
  return absl::OkStatus();
}

}  // namespace rathaus::efile
