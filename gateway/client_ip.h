// Who the client is, for rate limits and logs: the TCP peer, or — behind the Ingress — the
// address the trusted proxies put into X-Forwarded-For.
//
//   auto trusted = ParseCidrList("10.42.0.0/16, fd00::/8");  // RATHAUS_GATEWAY_TRUSTED_PROXIES
//   std::string ip = ClientIp(peer, request.Header("x-forwarded-for"), *trusted);
//   std::string key = RateLimitKey(ip);                         // IPv6: its /64
//
// X-Forwarded-For is read only when the peer itself is a trusted proxy, from the right: every
// proxy appends the address it saw, so the rightmost entry that is not a trusted proxy is the
// client; entries left of it are whatever the client sent and prove nothing.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace rathaus::gateway {

struct Cidr {
  std::array<uint8_t, 16> network{};  // IPv4 as ::ffff:a.b.c.d
  int prefix_bits = 0;                // of the 128
};

// "10.0.0.0/8, 192.168.1.7, fd00::/8" (comma or space separated; no prefix: one host).
absl::StatusOr<std::vector<Cidr>> ParseCidrList(std::string_view text);

// False for anything that is not an IP address.
bool InAnyCidr(const std::vector<Cidr>& list, std::string_view ip);

// The client's address: `peer`, or when `peer` is in `trusted` the rightmost X-Forwarded-For
// entry outside `trusted` (all trusted: the leftmost). `trust_any`: every peer counts as trusted
// (RATHAUS_GATEWAY_TRUST_FORWARDED_FOR, for a proxy on the same host).
std::string ClientIp(std::string_view peer, const std::string* forwarded_for,
                     const std::vector<Cidr>& trusted, bool trust_any = false);

// The key a client's requests are counted by: an IPv4 address itself, an IPv6 address by its
// /64 (one household or host gets a whole /64 and can pick any address in it).
std::string RateLimitKey(std::string_view ip);

}  // namespace rathaus::gateway
