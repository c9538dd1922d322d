#include "web/trusted_proxies.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace esafe::web {
namespace {

TrustedProxies Proxies(const std::vector<std::string>& cidrs) {
  auto parsed = TrustedProxies::Parse(cidrs);
  EXPECT_TRUE(parsed.ok());
  return parsed.ok() ? *parsed : TrustedProxies();
}

TEST(TrustedProxies, RefusesWhatIsNotACidr) {
  for (const char* bad : {"", "nginx", "10.0.0.0/33", "10.0.0.1/8", "::1/129", "127.0.0.1/32,10.0.0.0/8"}) {
    auto parsed = TrustedProxies::Parse({bad});
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().field, "trusted-proxy");
  }
}

TEST(TrustedProxies, AnUntrustedPeerCannotChooseItsAddressOrScheme) {
  const auto proxies = Proxies({"127.0.0.1/32"});
  auto client = proxies.Resolve("192.0.2.7", false, "127.0.0.9", "https");
  EXPECT_EQ(client.address, "192.0.2.7");
  EXPECT_FALSE(client.https);
  client = TrustedProxies().Resolve("127.0.0.1", true, "10.1.1.1", "http");
  EXPECT_EQ(client.address, "127.0.0.1");
  EXPECT_TRUE(client.https);
}

TEST(TrustedProxies, TheClientIsTheRightMostAddressNotTrusted) {
  const auto proxies = Proxies({"127.0.0.1/32", "10.0.0.0/8", "fd00::/8"});
  // The client wrote 203.0.113.5 itself; nginx appended the peer it saw, 198.51.100.4.
  auto client = proxies.Resolve("127.0.0.1", false, "203.0.113.5, 198.51.100.4", "https");
  EXPECT_EQ(client.address, "198.51.100.4");
  EXPECT_TRUE(client.https);
  // Two proxies: the load balancer at 10.0.0.2 appended itself before nginx saw it.
  EXPECT_EQ(proxies.Resolve("127.0.0.1", false, "2001:db8::1, 10.0.0.2", "").address, "2001:db8::1");
  EXPECT_EQ(proxies.Resolve("::ffff:127.0.0.1", false, "198.51.100.4", "").address, "198.51.100.4");
  EXPECT_EQ(proxies.Resolve("fd00::5", false, "198.51.100.4", "").address, "198.51.100.4");
  // Every address a proxy: the left-most.
  EXPECT_EQ(proxies.Resolve("127.0.0.1", false, "10.0.0.3,10.0.0.2", "").address, "10.0.0.3");
  // No header: the proxy itself.
  EXPECT_EQ(proxies.Resolve("127.0.0.1", false, "", "").address, "127.0.0.1");
}

TEST(TrustedProxies, MalformedHeadersFallBackToThePeer) {
  const auto proxies = Proxies({"127.0.0.1"});
  const std::vector<std::string> malformed = {"unknown", "198.51.100.4, nonsense", "198.51.100.4:5555", ",,,",
                                               "198.51.100.4,", "[2001:db8::1]", std::string(9000, '1')};
  for (const std::string& bad : malformed) {
    EXPECT_EQ(proxies.Resolve("127.0.0.1", false, bad, "").address, "127.0.0.1") << bad;
  }
  // An unknown scheme leaves the connection's own.
  EXPECT_FALSE(proxies.Resolve("127.0.0.1", false, "", "gopher").https);
  EXPECT_TRUE(proxies.Resolve("127.0.0.1", true, "", "HTTPS ").https);
  EXPECT_FALSE(proxies.Resolve("127.0.0.1", true, "", "http").https);
}

}  // namespace
}  // namespace esafe::web
