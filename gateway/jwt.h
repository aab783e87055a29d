// The gateway verifies clerk tokens with the platform's JWT verifier (shared/auth/jwt.h), the
// same one every service runs on the credential the gateway forwards.
#pragma once

#include "shared/auth/jwt.h"

namespace rathaus::gateway {
using platform::auth::ClerkClaims;
using platform::auth::GenerateEcP256Key;
using platform::auth::GenerateRsaKey;
using platform::auth::JwtPolicy;
using platform::auth::JwtVerifier;
using platform::auth::PemKeyPair;
using platform::auth::SignJwt;
}  // namespace rathaus::gateway
