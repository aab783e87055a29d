#include "gateway/client_ip.h"

#include <arpa/inet.h>

#include <cstring>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace rathaus::gateway {
namespace {

// An address as 16 bytes (IPv4 mapped into ::ffff:0:0/96); nullopt for anything else.
absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

std::optional<std::array<uint8_t, 16>> Parse(absl::string_view text) {
  const std::string s(absl::StripAsciiWhitespace(text));
  std::array<uint8_t, 16> out{};
  in_addr v4;
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    out[10] = 0xff;
    out[11] = 0xff;
    std::memcpy(out.data() + 12, &v4, 4);
    return out;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(out.data(), &v6, 16);
    return out;
  }
  return std::nullopt;
}

bool IsV4Mapped(const std::array<uint8_t, 16>& a) {
  for (int i = 0; i < 10; ++i) {
    if (a[i] != 0) return false;
  }
  return a[10] == 0xff && a[11] == 0xff;
}

bool Contains(const Cidr& c, const std::array<uint8_t, 16>& a) {
  int bits = c.prefix_bits;
  for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    const uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((a[i] & mask) != (c.network[i] & mask)) return false;
  }
  return true;
}

std::string Format(const std::array<uint8_t, 16>& a) {
  char buffer[INET6_ADDRSTRLEN] = {};
  if (IsV4Mapped(a)) {
    inet_ntop(AF_INET, a.data() + 12, buffer, sizeof buffer);
  } else {
    inet_ntop(AF_INET6, a.data(), buffer, sizeof buffer);
  }
  return buffer;
}

}  // namespace

absl::StatusOr<std::vector<Cidr>> ParseCidrList(std::string_view text) {
  std::vector<Cidr> out;
  for (absl::string_view item : absl::StrSplit(Absl(text), absl::ByAnyChar(", "), absl::SkipEmpty())) {
    const size_t slash = item.find('/');
    auto address = Parse(item.substr(0, slash));
    if (!address) return absl::InvalidArgumentError(absl::StrCat("not an IP address: ", item));
    Cidr c;
    c.network = *address;
    const bool v4 = IsV4Mapped(*address);
    int bits = v4 ? 32 : 128;
    if (slash != absl::string_view::npos &&
        (!absl::SimpleAtoi(item.substr(slash + 1), &bits) || bits < 0 || bits > (v4 ? 32 : 128))) {
      return absl::InvalidArgumentError(absl::StrCat("bad prefix length: ", item));
    }
    c.prefix_bits = v4 ? 96 + bits : bits;
    out.push_back(c);
  }
  return out;
}

bool InAnyCidr(const std::vector<Cidr>& list, std::string_view ip) {
  auto a = Parse(Absl(ip));
  if (!a) return false;
  for (const Cidr& c : list) {
    if (Contains(c, *a)) return true;
  }
  return false;
}

std::string ClientIp(std::string_view peer, const std::string* forwarded_for,
                     const std::vector<Cidr>& trusted, bool trust_any) {
  if (forwarded_for == nullptr || !(trust_any || InAnyCidr(trusted, peer))) return std::string(peer);
  std::vector<absl::string_view> hops = absl::StrSplit(*forwarded_for, ',');
  std::string leftmost;
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    auto a = Parse(*it);
    if (!a) return std::string(peer);  // garbage where an address should be: trust none of it
    leftmost = Format(*a);
    if (trust_any || !InAnyCidr(trusted, leftmost)) return leftmost;
  }
  return leftmost.empty() ? std::string(peer) : leftmost;
}

std::string RateLimitKey(std::string_view ip) {
  auto a = Parse(Absl(ip));
  if (!a) return std::string(ip);
  if (IsV4Mapped(*a)) return Format(*a);
  for (int i = 8; i < 16; ++i) (*a)[i] = 0;
  return absl::StrCat(Format(*a), "/64");
}

}  // namespace rathaus::gateway
