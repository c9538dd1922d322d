// Tests of src/filter/client_map.cc.
#include "filter/client_map.h"

#include <gtest/gtest.h>

#include "enforce/test_policy.h"
#include "filter/profile_set.h"

namespace esafe::filter {
namespace {

TEST(ClientMapTest, LongestPrefixGroupsAndDefault) {
  auto policy = enforce::testing::TestPolicy();
  auto map = ClientMap::Build(*policy->profiles);
  ASSERT_TRUE(map.ok()) << map.error().message;
  auto school = map->Resolve("10.1.2.3", "");
  EXPECT_EQ(school.profile, "primary");
  EXPECT_EQ(school.site, "School");
  EXPECT_EQ(school.site_id, 3);
  EXPECT_EQ(school.agency_id, 7);
  EXPECT_EQ(school.via, "range 10.0.0.0/8");
  EXPECT_EQ(map->Resolve("10.9.200.1", "-").profile, "staff");
  EXPECT_EQ(map->Resolve("10.9.200.1/host.example", "").profile, "staff");  // Squid %>A
  EXPECT_EQ(map->Resolve("2001:db8::5", "").profile, "staff");
  EXPECT_EQ(map->Resolve("[2001:db8::5]", "").profile, "staff");
  EXPECT_EQ(map->Resolve("::ffff:10.1.2.3", "").profile, "primary");
  auto unknown = map->Resolve("192.0.2.1", "");
  EXPECT_EQ(unknown.profile, "primary");  // default_profile
  EXPECT_EQ(unknown.via, "default");
  EXPECT_EQ(map->Resolve("not an address", "").via, "default");
  // A signed-in teacher on the pupils' network gets the staff profile.
  auto teacher = map->Resolve("10.1.2.3", "dave@staff.example");
  EXPECT_EQ(teacher.profile, "staff");
  EXPECT_EQ(teacher.via, "group teachers");
  EXPECT_EQ(map->Resolve("10.1.2.3", "carol").profile, "staff");
  EXPECT_EQ(map->Resolve("10.1.2.3", "carolyn").profile, "primary");
  // A group naming no agency: the teacher's decisions belong to the school they connect from.
  EXPECT_EQ(teacher.agency_id, 7);
  EXPECT_EQ(teacher.site, "School");
  EXPECT_EQ(teacher.site_id, 3);
}

// A group that names its agency and site: its members' decisions belong to them wherever
// they connect from (issue 17 item 7: signed-in users' alerts reach their agency).
TEST(ClientMapTest, AGroupNamingAnAgencyGivesItsMembersDecisions) {
  std::vector<ProfileProblem> problems;
  const std::string yaml = std::string(enforce::testing::kProfilesYaml) +
                           "  - name: library staff\n    profile: staff\n    members: [\"*@library.example\"]\n"
                           "    agency: 3\n    site: Central Library\n    site_id: 9\n";
  auto set = ParseProfileSet(yaml, "groups.yaml", problems);
  ASSERT_TRUE(set.ok()) << set.error().message;
  auto map = ClientMap::Build(*set);
  ASSERT_TRUE(map.ok());
  auto m = map->Resolve("192.0.2.50", "ann@library.example");
  EXPECT_EQ(m.profile, "staff");
  EXPECT_EQ(m.agency_id, 3);
  EXPECT_EQ(m.site_id, 9);
  EXPECT_EQ(m.site, "Central Library");
  auto refused = ParseProfileSet(std::string(enforce::testing::kProfilesYaml) +
                                     "  - name: x\n    profile: staff\n    members: [a]\n    agency: three\n",
                                 "groups.yaml", problems);
  EXPECT_FALSE(refused.ok());
}

TEST(ClientMapTest, DirectoryRangesAndFileWinsTies) {
  auto policy = enforce::testing::TestPolicy();
  ClientRange site;
  site.cidr = "10.0.0.0/8";  // same as the file's: the file wins
  site.profile = "staff";
  ClientRange library;
  library.cidr = "172.16.5.0/24";
  library.profile = "staff";
  library.site = "Central Library";
  library.agency_id = 12;
  auto map = ClientMap::Build(*policy->profiles, {site, library});
  ASSERT_TRUE(map.ok());
  EXPECT_EQ(map->Resolve("10.1.1.1", "").profile, "primary");
  EXPECT_EQ(map->Resolve("172.16.5.9", "").site, "Central Library");
  EXPECT_EQ(map->Resolve("172.16.5.9", "").agency_id, 12);
  ClientRange bad;
  bad.cidr = "172.16.5.0/24";
  bad.profile = "nobody";
  EXPECT_FALSE(ClientMap::Build(*policy->profiles, {bad}).ok());
  bad.cidr = "300.1.1.1";
  bad.profile = "staff";
  EXPECT_FALSE(ClientMap::Build(*policy->profiles, {bad}).ok());
}

TEST(ClientMapTest, ParseCidr) {
  auto v4 = ParseCidr("10.1.0.0/16");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->second, 96 + 16);
  EXPECT_EQ(ParseCidr("10.1.2.3")->second, 128);
  EXPECT_EQ(ParseCidr("2001:db8::/48")->second, 48);
  EXPECT_FALSE(ParseCidr("10.1.0.0/"));
  EXPECT_FALSE(ParseCidr("10.1.0.0/x"));
  EXPECT_FALSE(ParseCidr("2001:db8::/129"));
}

}  // namespace
}  // namespace esafe::filter
