// Infrastructure risk assessments per site: the five steps recorded as versions,
// bad input refused naming the field, review dates flagged, agencies scoped.
#include <gtest/gtest.h>

#include "directory/directory.h"
#include "standards/standards.h"
#include "support/test_database.h"

namespace esafe::standards {
namespace {

using access::Principal;
using access::Role;

Principal RiskAssessmentWho(Role role, std::optional<int64_t> agency = std::nullopt) {
  Principal p;
  p.username = std::string(access::RoleName(role));
  p.role = role;
  p.agency_id = agency;
  p.ip = "127.0.0.1";
  return p;
}

class RiskAssessmentTest : public ::testing::Test {
 protected:
  testing::TestDatabase tdb;
  Principal lead = RiskAssessmentWho(Role::kPartnershipLead);
  int64_t library = 0, school = 0, library_site = 0, school_site = 0;

  void SetUp() override {
    directory::Directory dir(tdb.db());
    auto a = dir.Create(directory::Kind::kAgency, lead, {{"name", "Library"}, {"sector", "library"}, {"membership_type", "other member"}});
    auto b = dir.Create(directory::Kind::kAgency, lead, {{"name", "School"}, {"sector", "education"}, {"membership_type", "board partner"}});
    ASSERT_TRUE(a.ok() && b.ok());
    library = (*a)["id"];
    school = (*b)["id"];
    auto s1 = dir.Create(directory::Kind::kSite, lead, {{"agency_id", library}, {"name", "Central Library"}, {"site_type", "library"}});
    auto s2 = dir.Create(directory::Kind::kSite, lead, {{"agency_id", school}, {"name", "Main site"}, {"site_type", "school"}});
    ASSERT_TRUE(s1.ok() && s2.ok()) << (s1.ok() ? s2.error().message : s1.error().message);
    library_site = (*s1)["id"];
    school_site = (*s2)["id"];
  }

  Json Assessment(const std::string& review_date) {
    return {{"key_questions", {{"technologies", "Public PCs and Wi-Fi"}, {"control", "We own the PCs; Wi-Fi is BYOD"}}},
            {"hazards", {"Unfiltered public Wi-Fi", "Adult PCs visible to children"}},
            {"who_might_be_harmed", "Children using the Wi-Fi on their own phones"},
            {"risks", {{{"hazard", "Unfiltered public Wi-Fi"}, {"level", "high"},
                        {"precautions_in_place", "none"}, {"further_precautions", "accredited filtering"}}}},
            {"actions", {{{"action", "Move Wi-Fi to RBC filtering"}, {"owner", "Helen Price"}, {"due_date", "2026-03-31"}}}},
            {"review_notes", ""},
            {"review_date", review_date}};
  }
};

TEST_F(RiskAssessmentTest, FiveStepsAreRecordedAsVersionsWithAReviewDate) {
  RiskAssessments ra(tdb.db());
  Principal officer = RiskAssessmentWho(Role::kAgencyOfficer, library);
  auto empty = ra.Get(officer, library_site, "2026-06-01");
  ASSERT_TRUE(empty.ok()) << empty.error().message;
  EXPECT_TRUE((*empty)["current"].is_null());
  EXPECT_EQ((*empty)["key_questions"].size(), 6u);
  EXPECT_EQ((*empty)["steps"].size(), 5u);

  auto v1 = ra.Save(officer, library_site, Assessment("2026-05-01"), "2026-06-01");
  ASSERT_TRUE(v1.ok()) << v1.error().message;
  EXPECT_EQ((*v1)["current"]["version"], 1);
  EXPECT_EQ((*v1)["review_overdue"], true);
  EXPECT_EQ((*v1)["current"]["risks"][0]["level"], "high");
  EXPECT_EQ((*v1)["current"]["actions"][0]["done"], false);

  Json reviewed = Assessment("2027-05-01");
  reviewed["actions"][0]["done"] = true;
  reviewed["review_notes"] = "Wi-Fi now filtered; reviewed with the provider.";
  auto v2 = ra.Save(lead, library_site, reviewed, "2026-06-01");
  ASSERT_TRUE(v2.ok()) << v2.error().message;
  EXPECT_EQ((*v2)["current"]["version"], 2);
  EXPECT_EQ((*v2)["versions"], 2);
  EXPECT_EQ((*v2)["review_overdue"], false);

  auto list = ra.List(lead, "2026-06-01");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0]["site_name"], "Central Library");
  EXPECT_EQ((*list)[0]["version"], 2);
  EXPECT_EQ((*list)[1]["never_assessed"], true);
}

TEST_F(RiskAssessmentTest, BadInputIsRefusedNamingTheField) {
  RiskAssessments ra(tdb.db());
  auto field = [&](Json input) {
    auto r = ra.Save(lead, library_site, input);
    return r.ok() ? std::string("(accepted)") : r.error().field;
  };
  Json a = Assessment("2027-01-01");
  Json bad = a; bad["review_date"] = "2027-02-30";
  EXPECT_EQ(field(bad), "review_date");
  bad = a; bad["risks"][0]["level"] = "severe";
  EXPECT_EQ(field(bad), "risks[0].level");
  bad = a; bad["actions"][0]["due_date"] = "soon";
  EXPECT_EQ(field(bad), "actions[0].due_date");
  bad = a; bad["key_questions"]["colour"] = "blue";
  EXPECT_EQ(field(bad), "key_questions.colour");
  bad = a; bad["hazards"] = Json::array();
  EXPECT_EQ(field(bad), "hazards");
  bad = a; bad["extra"] = 1;
  EXPECT_EQ(field(bad), "extra");
}

TEST_F(RiskAssessmentTest, AgenciesSeeAndChangeOnlyTheirOwnSites) {
  RiskAssessments ra(tdb.db());
  Principal officer = RiskAssessmentWho(Role::kAgencyOfficer, library);
  EXPECT_EQ(ra.Get(officer, school_site).error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(ra.Save(officer, school_site, Assessment("2027-01-01")).error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(ra.Save(RiskAssessmentWho(Role::kAgencyStaff, library), library_site, Assessment("2027-01-01")).error().kind,
            ErrorKind::kForbidden);
  EXPECT_EQ(ra.List(officer)->size(), 1u);
}

}  // namespace
}  // namespace esafe::standards
