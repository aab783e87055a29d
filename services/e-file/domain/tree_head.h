// Signed tree heads of the e-file's audit log and their offline verification (issue 17): the
// service signs (size, head, time) with its ECDSA P-256 key; anyone with the public key checks a
// head, and an inclusion or consistency proof against it (merkle.h). rathaus-e-file verify is this
// file as a command.
//
//   auto sth = SignTreeHead(private_pem, tree.size(), *tree.Root(tree.size()), absl::Now());
//   VerifyTreeHead(public_pem, *sth)                                  // OK or why not
//   VerifyInclusionAgainst(public_pem, *sth, proof, entry_bytes)      // the entry is in the log
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "rathaus/e_file/v1/audit.pb.h"

namespace rathaus::efile {

namespace v1 = ::rathaus::e_file::v1;

// The bytes a tree head's signature covers (audit.proto).
std::string TreeHeadSigningInput(const v1::SignedTreeHead& sth);

absl::StatusOr<v1::SignedTreeHead> SignTreeHead(std::string_view private_key_pem, uint64_t size,
                                                std::string_view root, absl::Time at);

// UNAUTHENTICATED when the signature does not verify with `public_key_pem` (or names another
// key); INVALID_ARGUMENT for a malformed head.
absl::Status VerifyTreeHead(std::string_view public_key_pem, const v1::SignedTreeHead& sth);

// The head verifies, the proof is for the head's size, and `entry` (the log entry's bytes) is
// the proven leaf. FAILED_PRECONDITION with the reason otherwise.
absl::Status VerifyInclusionAgainst(std::string_view public_key_pem, const v1::SignedTreeHead& sth,
                                    const v1::InclusionProof& proof, std::string_view entry);
// Both heads verify and the proof shows the older one is a prefix of the newer one.
absl::Status VerifyConsistencyAgainst(std::string_view public_key_pem,
                                      const v1::SignedTreeHead& older,
                                      const v1::SignedTreeHead& newer,
                                      const v1::ConsistencyProof& proof);

}  // namespace rathaus::efile
