// A directory site's filtering profile through App::Handle: an agency officer sets their own
// site's profile (read back, audited, and what enforcement points started with --db load),
// another agency's site is 404, a board member 403, an unknown profile 400 naming the field,
// and a server with no profiles file loaded 409.
#include <gtest/gtest.h>

#include "directory/directory.h"
#include "enforce/site_profiles.h"
#include "support/app_client.h"
#include "support/test_database.h"
#include "web/app.h"

namespace esafe::web {
namespace {

using esafe::testing::AppClient;

class SiteProfileRoutes : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(directory::LoadDemo(tdb.db(), kPassword).ok());
    // The names of data/filter/profiles.yaml, as `esafe serve --profiles` would load them.
    app = std::make_unique<App>(
        tdb.db(), AppOptions{.profile_names = {"early_years", "primary", "secondary", "sixth_form", "staff",
                                               "adult_public_access", "guest"}});
    client = std::make_unique<AppClient>(*app);
    admin = client->SignIn("admin", kPassword);
    for (const auto& site : client->Expect(200, admin, "GET", "/api/v1/sites?limit=100")) {
      if (site["name"] == "Central Library") library_site = site["id"];
      if (site["name"] == "Riverside Primary, Mill Lane") riverside_site = site["id"];
    }
    ASSERT_GT(library_site, 0);
    ASSERT_GT(riverside_site, 0);
  }

  static std::string ProfilePath(int64_t site) {
    return "/api/v1/sites/" + std::to_string(site) + "/filtering-profile";
  }

  static constexpr const char* kPassword = "site-profile-password-1";
  esafe::testing::TestDatabase tdb;
  std::unique_ptr<App> app;
  std::unique_ptr<AppClient> client;
  AppClient::Session admin;
  int64_t library_site = 0, riverside_site = 0;
};

TEST_F(SiteProfileRoutes, AnOfficerSetsTheirOwnSitesProfileAndEnforcementLoadsIt) {
  auto officer = client->SignIn("library.eslo", kPassword);
  Json before = client->Expect(200, officer, "GET", ProfilePath(library_site));
  EXPECT_EQ(before["site_id"], library_site);
  EXPECT_TRUE(before["profile"].is_null());
  EXPECT_TRUE(before["updated_at"].is_null());
  EXPECT_EQ(before["can_edit"], true);

  Json saved = client->Expect(200, officer, "PUT", ProfilePath(library_site), {{"profile", "adult_public_access"}});
  EXPECT_EQ(saved["profile"], "adult_public_access");
  EXPECT_TRUE(saved["updated_at"].is_string());
  Json read = client->Expect(200, officer, "GET", ProfilePath(library_site));
  EXPECT_EQ(read["profile"], "adult_public_access");

  auto all = enforce::LoadSiteRanges(tdb.db());
  ASSERT_TRUE(all.ok()) << all.error().message;
  std::vector<filter::ClientRange> ranges;
  for (const auto& range : *all) {
    if (range.site_id == library_site) ranges.push_back(range);
  }
  ASSERT_EQ(ranges.size(), 1u);
  EXPECT_EQ(ranges[0].cidr, "10.20.1.0/24");
  EXPECT_EQ(ranges[0].profile, "adult_public_access");

  // A second change replaces the first; the audit trail has both, with old and new profile.
  client->Expect(200, officer, "PUT", ProfilePath(library_site), {{"profile", "staff"}});
  EXPECT_EQ(client->Expect(200, officer, "GET", ProfilePath(library_site))["profile"], "staff");
  Json events = client->Expect(200, admin, "GET",
                               "/api/v1/audit-events?entity=filter_site_profile&entity_id=" +
                                   std::to_string(library_site));
  ASSERT_EQ(events.size(), 2u) << events.dump();
  const std::string newest = events[0]["summary"], oldest = events[1]["summary"];
  EXPECT_NE(newest.find("adult_public_access -> staff"), std::string::npos) << newest;
  EXPECT_NE(oldest.find("(none) -> adult_public_access"), std::string::npos) << oldest;
  EXPECT_EQ(events[0]["action"], "update");
}

TEST_F(SiteProfileRoutes, AnotherAgencysSiteIsNotFoundForAnOfficer) {
  auto officer = client->SignIn("library.eslo", kPassword);
  Json got = client->Expect(404, officer, "GET", ProfilePath(riverside_site));
  Json put = client->Expect(404, officer, "PUT", ProfilePath(riverside_site), {{"profile", "primary"}});
  // The same answer as for a site that does not exist: nothing leaks.
  Json missing = client->Expect(404, officer, "PUT", ProfilePath(999999), {{"profile", "primary"}});
  EXPECT_EQ(put["error"], missing["error"]);
  // The owning agency's officer and the partnership lead may.
  auto riverside = client->SignIn("riverside.eslo", kPassword);
  client->Expect(200, riverside, "PUT", ProfilePath(riverside_site), {{"profile", "primary"}});
  auto lead = client->SignIn("lead", kPassword);
  Json by_lead = client->Expect(200, lead, "PUT", ProfilePath(library_site), {{"profile", "guest"}});
  EXPECT_EQ(by_lead["can_edit"], true);
}

TEST_F(SiteProfileRoutes, ABoardMemberIsForbidden) {
  auto board = client->SignIn("board", kPassword);
  client->Expect(403, board, "PUT", ProfilePath(library_site), {{"profile", "primary"}});
  client->Expect(403, board, "GET", ProfilePath(library_site));
  auto ranges = enforce::LoadSiteRanges(tdb.db());
  ASSERT_TRUE(ranges.ok());
  const std::vector<filter::ClientRange> loaded = std::move(*ranges);
  for (const auto& range : loaded) EXPECT_EQ(range.profile, "") << range.site;
}

TEST_F(SiteProfileRoutes, AnUnknownProfileNamesTheFieldAndTheChoices) {
  auto officer = client->SignIn("library.eslo", kPassword);
  Json refused = client->Expect(400, officer, "PUT", ProfilePath(library_site), {{"profile", "everything"}});
  EXPECT_EQ(refused["field"], "profile");
  EXPECT_NE(refused["error"].get<std::string>().find("adult_public_access"), std::string::npos) << refused.dump();
  Json missing = client->Expect(400, officer, "PUT", ProfilePath(library_site), Json::object());
  EXPECT_EQ(missing["field"], "profile");
  Json extra = client->Expect(400, officer, "PUT", ProfilePath(library_site),
                              {{"profile", "staff"}, {"site_id", riverside_site}});
  EXPECT_EQ(extra["field"], "site_id");
  EXPECT_TRUE(client->Expect(200, officer, "GET", ProfilePath(library_site))["profile"].is_null());
}

TEST_F(SiteProfileRoutes, NoProfilesFileLoadedIsAConflict) {
  App bare(tdb.db());
  AppClient bare_client(bare);
  auto officer = bare_client.SignIn("library.eslo", kPassword);
  Json refused = bare_client.Expect(409, officer, "PUT", ProfilePath(library_site), {{"profile", "primary"}});
  EXPECT_NE(refused["error"].get<std::string>().find("not loaded"), std::string::npos) << refused.dump();
  EXPECT_EQ(bare_client.Expect(200, officer, "GET", "/api/v1/filtering-profiles")["profiles"], Json::array());
}

TEST_F(SiteProfileRoutes, SignedInUsersSeeTheProfileNames) {
  auto staff_or_board = client->SignIn("board", kPassword);
  Json names = client->Expect(200, staff_or_board, "GET", "/api/v1/filtering-profiles")["profiles"];
  ASSERT_TRUE(names.is_array());
  EXPECT_EQ(names.size(), 7u);
  EXPECT_EQ(names[1], "primary");
  auto r = client->Send("GET", "/api/v1/filtering-profiles", "", {});
  EXPECT_EQ(r.status, 401);
}

}  // namespace
}  // namespace esafe::web
