// Tests of src/enforce/site_profiles.cc against a fresh SQLite database with the real
// migrations.
#include "enforce/site_profiles.h"

#include <unistd.h>

#include <filesystem>
#include <optional>

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

  // Before any profile is set, every range still names its site and agency (so its
  // decisions reach that agency), with the default profile ("").
  auto unset = LoadSiteRanges(**db);
  ASSERT_TRUE(unset.ok());
  ASSERT_EQ(unset->size(), 3u);
  for (const auto& range : *unset) {
    EXPECT_EQ(range.profile, "");
    EXPECT_EQ(range.agency_id, 1);
  }
  ASSERT_TRUE(SetSiteProfile(**db, 1, "staff").ok());
  ASSERT_TRUE(SetSiteProfile(**db, 1, "primary").ok());  // replaces
  auto missing = SetSiteProfile(**db, 99, "staff");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::kNotFound);

  auto ranges = LoadSiteRanges(**db);
  ASSERT_TRUE(ranges.ok()) << ranges.error().message;
  ASSERT_EQ(ranges->size(), 3u);
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
  // Branch has no profile: the default one, and still its site and agency.
  const auto branch = map->Resolve("172.16.6.20", "");
  EXPECT_EQ(branch.profile, "primary");
  EXPECT_EQ(branch.site, "Branch");
  EXPECT_EQ(branch.agency_id, 1);
  EXPECT_EQ(map->Resolve("192.0.2.1", "").via, "default");
  db->reset();
  std::filesystem::remove_all(dir);
}

// The capability's rules, whoever calls it: partnership managers any site, an agency
// officer their own agency's (another's is NotFound), readers of the agency may read, the
// board may not; names checked against the loaded profiles, Conflict when none are.
TEST(SiteProfilesTest, WhoMayReadAndSetASitesProfile) {
  const auto dir = std::filesystem::temp_directory_path() / ("esafe-site-rules-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto db = store::Open("sqlite:" + (dir / "esafe.db").string());
  ASSERT_TRUE(db.ok()) << db.error().message;
  auto inserted = (*db)->Transaction<int64_t>([](store::Connection& c) -> Result<int64_t> {
    const std::string now = clock::NowIso8601();
    for (const char* name : {"Library service", "Riverside Primary"}) {
      ESAFE_TRY(c.Execute("INSERT INTO agencies (name, sector, membership_type, created_at, updated_at) "
                          "VALUES (?, 'library', 'full', ?, ?)", {std::string(name), now, now}));
    }
    ESAFE_TRY(c.Execute("INSERT INTO sites (agency_id, name, site_type, ip_ranges, created_at, updated_at) "
                        "VALUES (1, 'Central Library', 'library', '172.16.5.0/24', ?, ?)", {now, now}));
    return c.Execute("INSERT INTO sites (agency_id, name, site_type, ip_ranges, created_at, updated_at) "
                     "VALUES (2, 'Mill Lane', 'school', '172.16.7.0/24', ?, ?)", {now, now});
  });
  ASSERT_TRUE(inserted.ok()) << inserted.error().message;
  const std::vector<std::string> names = {"primary", "staff"};
  auto as = [](access::Role role, std::optional<int64_t> agency) {
    access::Principal p;
    p.user_id = 7;
    p.username = "someone";
    p.role = role;
    p.agency_id = agency;
    return p;
  };
  // The error's kind; nullopt when the call succeeded.
  auto kind = [](const auto& r) { return r.ok() ? std::optional<ErrorKind>() : std::optional(r.error().kind); };
  const auto officer = as(access::Role::kAgencyOfficer, 1);
  const auto staff = as(access::Role::kAgencyStaff, 1);
  const auto auditor = as(access::Role::kAuditor, std::nullopt);
  const auto board = as(access::Role::kBoardMember, std::nullopt);
  const auto admin = as(access::Role::kPartnershipAdmin, std::nullopt);

  auto set = SetSiteProfile(**db, officer, 1, "staff", names);
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_EQ((*set)["profile"], "staff");
  EXPECT_EQ(kind(SetSiteProfile(**db, officer, 2, "staff", names)), ErrorKind::kNotFound);
  EXPECT_EQ(kind(GetSiteProfile(**db, officer, 2)), ErrorKind::kNotFound);
  EXPECT_EQ(kind(SetSiteProfile(**db, staff, 1, "staff", names)), ErrorKind::kForbidden);
  EXPECT_EQ(kind(SetSiteProfile(**db, auditor, 1, "staff", names)), ErrorKind::kForbidden);
  EXPECT_EQ(kind(SetSiteProfile(**db, board, 1, "staff", names)), ErrorKind::kForbidden);
  EXPECT_EQ(kind(GetSiteProfile(**db, board, 1)), ErrorKind::kForbidden);
  auto unknown = SetSiteProfile(**db, admin, 2, "open", names);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().kind, ErrorKind::kInvalid);
  EXPECT_EQ(unknown.error().field, "profile");
  EXPECT_NE(unknown.error().message.find("primary, staff"), std::string::npos) << unknown.error().message;
  EXPECT_EQ(kind(SetSiteProfile(**db, admin, 2, "primary", {})), ErrorKind::kConflict);
  ASSERT_TRUE(SetSiteProfile(**db, admin, 2, "primary", names).ok());

  auto read = GetSiteProfile(**db, staff, 1);  // staff read their agency's site
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ((*read)["profile"], "staff");
  EXPECT_EQ((*read)["can_edit"], false);
  auto by_auditor = GetSiteProfile(**db, auditor, 2);
  ASSERT_TRUE(by_auditor.ok());
  EXPECT_EQ((*by_auditor)["profile"], "primary");
  EXPECT_EQ((*GetSiteProfile(**db, officer, 1))["can_edit"], true);
  EXPECT_EQ(LoadSiteRanges(**db)->size(), 2u);
  db->reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace esafe::enforce
