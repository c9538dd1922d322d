#include "enforce/rpz_zone.h"

#include <sstream>

#include <gtest/gtest.h>

#include "enforce/test_policy.h"

namespace esafe::enforce {
namespace {

std::string Export(std::string_view profile, RpzStats* stats = nullptr) {
  auto policy = testing::TestPolicy();
  std::ostringstream out;
  RpzOptions options;
  options.serial = 42;
  auto result = ExportRpz(*policy, profile, options, out);
  EXPECT_TRUE(result.ok());
  if (stats && result.ok()) *stats = *result;
  return out.str();
}

TEST(RpzZoneTest, PupilZone) {
  RpzStats stats;
  const std::string zone = Export("primary", &stats);
  EXPECT_NE(zone.find("@ IN SOA localhost. hostmaster.localhost. 42 "), std::string::npos);
  EXPECT_NE(zone.find("@ IN NS localhost.\n"), std::string::npos);
  EXPECT_NE(zone.find("\nadult.example CNAME .\n*.adult.example CNAME .\n"), std::string::npos) << zone;
  EXPECT_NE(zone.find("\ncasino.example CNAME .\n"), std::string::npos);
  EXPECT_NE(zone.find("\nillegal.example CNAME .\n"), std::string::npos);  // mandatory
  EXPECT_NE(zone.find("\nblocked-by-override.example CNAME .\n"), std::string::npos);
  EXPECT_NE(zone.find("\nallowed.casino.example CNAME rpz-passthru.\n"), std::string::npos);
  // The override that tries to allow a mandatory domain does not reach DNS.
  EXPECT_EQ(zone.find("illegal.example CNAME rpz-passthru."), std::string::npos);
  EXPECT_EQ(zone.find("chat.example"), std::string::npos);   // warn: not in DNS
  EXPECT_EQ(zone.find("games.example"), std::string::npos);  // time rule: not in DNS
  EXPECT_NE(zone.find("\nwww.google.com CNAME forcesafesearch.google.com.\n"), std::string::npos);
  EXPECT_NE(zone.find("\nwww.youtube.com CNAME restrict.youtube.com.\n"), std::string::npos);
  EXPECT_EQ(stats.passthru, 1u);
  // Browsers that find the canary NXDOMAIN keep their queries on this resolver.
  EXPECT_NE(zone.find("\nuse-application-dns.net CNAME .\n"), std::string::npos);
  EXPECT_TRUE(stats.doh_canary);
  auto policy = testing::TestPolicy();
  std::ostringstream without;
  RpzOptions options;
  options.doh_canary = false;
  ASSERT_TRUE(ExportRpz(*policy, "primary", options, without).ok());
  EXPECT_EQ(without.str().find("use-application-dns.net"), std::string::npos);
}

TEST(RpzZoneTest, StaffZoneAndErrors) {
  const std::string zone = Export("staff");
  EXPECT_EQ(zone.find("adult.example"), std::string::npos);
  EXPECT_NE(zone.find("\ncasino.example CNAME .\n"), std::string::npos);
  EXPECT_NE(zone.find("\nillegal.example CNAME .\n"), std::string::npos);
  EXPECT_EQ(zone.find("forcesafesearch"), std::string::npos);
  auto policy = testing::TestPolicy();
  std::ostringstream out;
  EXPECT_FALSE(ExportRpz(*policy, "nobody", {}, out).ok());
}

TEST(RpzZoneTest, ZoneNames) {
  EXPECT_TRUE(IsZoneName("a-b.example"));
  EXPECT_TRUE(IsZoneName("_dmarc.example"));
  EXPECT_FALSE(IsZoneName("192.0.2.1"));
  EXPECT_FALSE(IsZoneName("a..b"));
  EXPECT_FALSE(IsZoneName("[2001:db8::1]"));
  EXPECT_FALSE(IsZoneName(std::string(64, 'a') + ".example"));
}

}  // namespace
}  // namespace esafe::enforce
