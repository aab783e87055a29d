#include "gateway/client_ip.h"

#include <gtest/gtest.h>

namespace rathaus::gateway {
namespace {

TEST(ClientIpTest, Ipv6ClientsAreCountedByTheirSlash64) {
  EXPECT_EQ(RateLimitKey("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
  EXPECT_EQ(RateLimitKey("2001:db8:1:2::1"), RateLimitKey("2001:db8:1:2:ffff::9"));
  EXPECT_NE(RateLimitKey("2001:db8:1:2::1"), RateLimitKey("2001:db8:1:3::1"));
  EXPECT_EQ(RateLimitKey("203.0.113.7"), "203.0.113.7");
  EXPECT_EQ(RateLimitKey("::ffff:203.0.113.7"), "203.0.113.7");
}

TEST(ClientIpTest, ForwardedForOnlyFromTrustedProxies) {
  auto trusted = ParseCidrList("10.42.0.0/16, fd00::/8");
  ASSERT_TRUE(trusted.ok());
  const std::string xff = "198.51.100.1, 203.0.113.9, 10.42.3.4";
  // From the Ingress: the rightmost hop that is not a proxy of ours.
  EXPECT_EQ(ClientIp("10.42.0.5", &xff, *trusted), "203.0.113.9");
  // From anyone else: the header proves nothing.
  EXPECT_EQ(ClientIp("198.51.100.77", &xff, *trusted), "198.51.100.77");
  // No header, a garbage header.
  EXPECT_EQ(ClientIp("10.42.0.5", nullptr, *trusted), "10.42.0.5");
  const std::string junk = "1.2.3.4, not-an-ip";
  EXPECT_EQ(ClientIp("10.42.0.5", &junk, *trusted), "10.42.0.5");
  const std::string v6 = "2001:db8::7";
  EXPECT_EQ(ClientIp("fd00::1", &v6, *trusted), "2001:db8::7");
  // The old switch trusts any peer (a proxy on the same host) and takes the last entry.
  EXPECT_EQ(ClientIp("127.0.0.1", &xff, {}, /*trust_any=*/true), "10.42.3.4");
}

TEST(ClientIpTest, CidrLists) {
  EXPECT_TRUE(ParseCidrList("").ok());
  EXPECT_TRUE(ParseCidrList("10.0.0.0/8 192.168.0.1").ok());
  EXPECT_FALSE(ParseCidrList("10.0.0.0/33").ok());
  EXPECT_FALSE(ParseCidrList("fd00::/129").ok());
  EXPECT_FALSE(ParseCidrList("example.org").ok());
  auto list = ParseCidrList("10.0.0.0/8, 2001:db8::/32");
  EXPECT_TRUE(InAnyCidr(*list, "10.255.0.1"));
  EXPECT_TRUE(InAnyCidr(*list, "::ffff:10.1.1.1"));
  EXPECT_FALSE(InAnyCidr(*list, "11.0.0.1"));
  EXPECT_TRUE(InAnyCidr(*list, "2001:db8:ffff::1"));
  EXPECT_FALSE(InAnyCidr(*list, "2001:db9::1"));
  EXPECT_FALSE(InAnyCidr(*list, "garbage"));
}

}  // namespace
}  // namespace rathaus::gateway
