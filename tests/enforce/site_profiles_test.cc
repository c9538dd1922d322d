// Tests of src/enforce/site_profiles.cc against a fresh SQLite database with the real
// migrations.
#include "enforce/site_profiles.h"

#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "core/clock.h"
#include "enforce/test_policy.h"
#include "filter/client_map.h"

namespace esafe::enforce {
namespace {

TEST(SiteProfilesTest, SiteRangesMapToTheSiteProfile) {
  const auto dir = std::filesystem::temp_directory_path() / ("esafe-site-profiles-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto db = store::Open("sqlite:" + (dir / "esafe.db").string());
  ASSERT_TRUE(db.ok()) << db.error().message;
  auto inserted = (*db)->Transaction<int64_t>([](store::Connection& c) -> Result<int64_t> {
    const std::string now = clock::NowIso8601();
    ESAFE_TRY(c.Execute("INSERT INTO agencies (name, sector, membership_type, created_at, updated_at) "
                        "VALUES ('Library service', 'library', 'full', ?, ?)", {now, now}));
    ESAFE_TRY(c.Execute("INSERT INTO sites (agency_id, name, site_type, ip_ranges, created_at, updated_at) "
                        "VALUES (1, 'Central Library', 'library', '172.16.5.0/24, 2001:db8:5::/48', ?, ?)", {now, now}));
    return c.Execute("INSERT INTO sites (agency_id, name, site_type, ip_ranges, created_at, updated_at) "
                     "VALUES (1, 'Branch', 'library', '172.16.6.0/24', ?, ?)", {now, now});
  });
  ASSERT_TRUE(inserted.ok()) << inserted.error().message;

  EXPECT_TRUE(LoadSiteRanges(**db)->empty());  // no site has a profile yet
  ASSERT_TRUE(SetSiteProfile(**db, 1, "staff").ok());
  ASSERT_TRUE(SetSiteProfile(**db, 1, "primary").ok());  // replaces
  auto missing = SetSiteProfile(**db, 99, "staff");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::kNotFound);

  auto ranges = LoadSiteRanges(**db);
  ASSERT_TRUE(ranges.ok()) << ranges.error().message;
  ASSERT_EQ(ranges->size(), 2u);
  EXPECT_EQ((*ranges)[0].cidr, "172.16.5.0/24");
  EXPECT_EQ((*ranges)[1].cidr, "2001:db8:5::/48");
  EXPECT_EQ((*ranges)[0].profile, "primary");
  EXPECT_EQ((*ranges)[0].site, "Central Library");
  EXPECT_EQ((*ranges)[0].site_id, 1);
  EXPECT_EQ((*ranges)[0].agency_id, 1);

  auto policy = testing::TestPolicy();
  auto map = filter::ClientMap::Build(*policy->profiles, *ranges);
  ASSERT_TRUE(map.ok());
  auto client = map->Resolve("172.16.5.20", "");
  EXPECT_EQ(client.profile, "primary");
  EXPECT_EQ(client.site, "Central Library");
  EXPECT_EQ(map->Resolve("172.16.6.20", "").via, "default");  // Branch has no profile
  db->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace esafe::enforce
