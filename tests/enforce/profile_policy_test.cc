// Tests of src/filter/profile_policy.cc: precedence of mandatory lists, overrides, time
// rules and categories.
#include "filter/profile_policy.h"

#include <regex>
#include <string>

#include <gtest/gtest.h>

#include "enforce/test_policy.h"

namespace esafe::filter {
namespace {

using enforce::testing::kSchoolHours;
using enforce::testing::kWeekend;

class ProfilePolicyTest : public ::testing::Test {
 protected:
  PolicyDecision Decide(std::string_view url, std::string_view profile, LocalTime at = kWeekend,
                        std::optional<int64_t> agency = std::nullopt) {
    auto decision = engine_.Decide(url, profile, agency, at);
    EXPECT_TRUE(decision.ok()) << url;
    return decision.ok() ? *decision : PolicyDecision{};
  }
  PolicyEngine engine_{enforce::testing::TestPolicy()};
};

TEST_F(ProfilePolicyTest, CategoriesPerProfile) {
  auto pupil = Decide("http://www.adult.example/x", "primary");
  EXPECT_EQ(pupil.action, Action::kBlock);
  EXPECT_EQ(pupil.category, "adult");
  EXPECT_EQ(pupil.entry, "adult.example");
  EXPECT_EQ(pupil.reason, DecisionReason::kCategory);
  EXPECT_EQ(Decide("http://www.adult.example/x", "staff").action, Action::kAllow);
  EXPECT_EQ(Decide("http://casino.example/", "staff").action, Action::kBlock);
  auto warned = Decide("http://chat.example/", "primary");
  EXPECT_EQ(warned.action, Action::kWarn);
  EXPECT_EQ(Decide("http://example.org/", "primary").reason, DecisionReason::kNoMatch);
}

TEST_F(ProfilePolicyTest, MandatoryListCannotBeAllowedByAnyProfileOverrideOrRule) {
  for (const char* profile : {"primary", "staff"}) {
    for (LocalTime at : {kSchoolHours, kWeekend}) {
      for (std::optional<int64_t> agency : {std::optional<int64_t>(), std::optional<int64_t>(7)}) {
        auto hashed = Decide("https://hidden.example/abuse/page.html", profile, at, agency);
        EXPECT_EQ(hashed.action, Action::kBlock) << profile;
        EXPECT_TRUE(hashed.mandatory);
        EXPECT_EQ(hashed.reason, DecisionReason::kMandatory);
        EXPECT_EQ(hashed.category, "iwf");
        // primary's override allows illegal.example: the mandatory list still wins.
        auto domain = Decide("http://sub.illegal.example/", profile, at, agency);
        EXPECT_EQ(domain.action, Action::kBlock) << profile;
        EXPECT_TRUE(domain.mandatory);
      }
    }
  }
}

TEST_F(ProfilePolicyTest, OverridesBeatCategoriesMostSpecificFirst) {
  auto allowed = Decide("http://allowed.casino.example/", "primary");
  EXPECT_EQ(allowed.action, Action::kAllow);
  EXPECT_EQ(allowed.reason, DecisionReason::kOverride);
  EXPECT_EQ(Decide("http://casino.example/", "primary").action, Action::kBlock);
  EXPECT_EQ(Decide("http://mixed.example/ok/page", "primary").action, Action::kAllow);
  EXPECT_EQ(Decide("http://mixed.example/other", "primary").action, Action::kBlock);
  auto closed = Decide("http://blocked-by-override.example/", "primary");
  EXPECT_EQ(closed.action, Action::kBlock);
  EXPECT_EQ(closed.category, "override");
  // Another profile's override does not apply.
  EXPECT_EQ(Decide("http://blocked-by-override.example/", "staff").action, Action::kAllow);
  // Agency 7 allows casino.example for its clients only.
  EXPECT_EQ(Decide("http://casino.example/", "primary", kWeekend, 7).action, Action::kAllow);
  EXPECT_EQ(Decide("http://casino.example/", "primary", kWeekend, 8).action, Action::kBlock);
}

TEST_F(ProfilePolicyTest, TimeRules) {
  auto lesson = Decide("http://games.example/", "primary", kSchoolHours);
  EXPECT_EQ(lesson.action, Action::kBlock);
  EXPECT_EQ(lesson.reason, DecisionReason::kTimeRule);
  EXPECT_EQ(Decide("http://games.example/", "primary", kWeekend).action, Action::kAllow);
  EXPECT_EQ(Decide("http://games.example/", "primary", LocalTime{2, 16 * 60}).action, Action::kAllow);
  EXPECT_EQ(Decide("http://games.example/", "staff", kSchoolHours).action, Action::kAllow);
}

TEST_F(ProfilePolicyTest, UnknownProfileAndBadUrl) {
  auto unknown = engine_.Decide("http://example.org/", "nobody", std::nullopt, kWeekend);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().kind, ErrorKind::kNotFound);
  EXPECT_FALSE(engine_.Decide("http://[::zz]/", "primary", std::nullopt, kWeekend).ok());
}

TEST_F(ProfilePolicyTest, VersionNamesProfilesAndLists) {
  const std::string version = engine_.Current()->Version();
  EXPECT_TRUE(std::regex_match(version, std::regex("test-1/[0-9a-f]{12}/lists-[0-9a-f]{16}"))) << version;
  // Built again from the same text and lists: the same version.
  EXPECT_EQ(enforce::testing::TestPolicy()->Version(), version);
}

TEST(ProfilePolicyBuildTest, CategoryMissingFromListsIsReportedWithLine) {
  std::vector<ProfileProblem> problems;
  auto set = ParseProfileSet(enforce::testing::kProfilesYaml, "/t/p.yaml", problems);
  ASSERT_TRUE(set.ok());
  ListSnapshotBuilder builder;
  LoadReport report;
  ASSERT_TRUE(LoadListText("a.example\n", "x", "adult", ListFormat::kDomains, builder, report).ok());
  auto state = BuildPolicyState(std::make_shared<const ProfileSet>(std::move(*set)), builder, problems);
  ASSERT_FALSE(state.ok());
  EXPECT_NE(state.error().message.find("/t/p.yaml:"), std::string::npos) << state.error().message;
  EXPECT_NE(state.error().message.find("'gambling'"), std::string::npos) << state.error().message;
}

}  // namespace
}  // namespace esafe::filter
