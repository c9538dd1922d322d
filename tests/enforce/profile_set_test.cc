// Tests of src/filter/profile_set.cc (kept with the enforce tests, which own profiles).
#include "filter/profile_set.h"

#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "enforce/test_policy.h"
#include "filter/list_loader.h"

namespace esafe::filter {
namespace {

std::vector<ProfileProblem> Problems(const std::string& yaml) {
  std::vector<ProfileProblem> problems;
  auto set = ParseProfileSet(yaml, "p.yaml", problems);
  EXPECT_FALSE(set.ok());
  EXPECT_FALSE(problems.empty());
  if (!set.ok() && !problems.empty()) {
    EXPECT_EQ(set.error().message, FormatProblem(problems.front()));
  }
  return problems;
}

constexpr const char* kMinimal = R"(version: "1"
default_profile: p
mandatory:
  - {category: iwf, file: iwf.hashes, format: hashes}
profiles:
  - name: p
    block: [adult]
)";

TEST(ProfileSetTest, ParsesTheTestProfiles) {
  std::vector<ProfileProblem> problems;
  auto set = ParseProfileSet(enforce::testing::kProfilesYaml, "/test/profiles.yaml", problems);
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_EQ(set->version, "test-1");
  ASSERT_EQ(set->profiles.size(), 2u);
  const Profile* primary = set->Find("primary");
  ASSERT_NE(primary, nullptr);
  EXPECT_TRUE(primary->safe_search);
  ASSERT_EQ(primary->time_rules.size(), 1u);
  EXPECT_EQ(primary->time_rules[0].days, 0x1F);
  EXPECT_EQ(primary->time_rules[0].from_minute, 9 * 60);
  EXPECT_EQ(primary->time_rules[0].to_minute, 15 * 60 + 30);
  EXPECT_EQ(set->mandatory[0].file, std::filesystem::path("/test/iwf.hashes"));
  EXPECT_EQ(set->mandatory[1].format, ListFormat::kDomains);
  EXPECT_EQ(set->agency_overrides.at(7).allow, std::vector<std::string>{"casino.example"});
  EXPECT_EQ(set->clients[0].site_id, 3);
  EXPECT_EQ(set->groups[0].members.size(), 2u);
  EXPECT_EQ(ReferencedCategories(*set), (std::vector<std::string>{"adult", "gambling", "chat", "games"}));
}

TEST(ProfileSetTest, ReportsFileLineAndReason) {
  auto problems = Problems(std::string(kMinimal) + "    blok: [x]\n");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].source, "p.yaml");
  EXPECT_EQ(problems[0].line, 8u);
  EXPECT_NE(problems[0].reason.find("unknown key 'blok'"), std::string::npos);
}

TEST(ProfileSetTest, NoProfileOrRuleMayAllowAMandatoryList) {
  auto allow = Problems(std::string(kMinimal) + "    allow: [iwf]\n");
  EXPECT_NE(allow[0].reason.find("mandatory"), std::string::npos);
  EXPECT_EQ(allow[0].line, 8u);
  auto rule = Problems(std::string(kMinimal) +
                       "    time_rules:\n      - {days: [sat], from: \"00:00\", to: \"24:00\", allow: [iwf]}\n");
  EXPECT_NE(rule[0].reason.find("mandatory"), std::string::npos);
}

TEST(ProfileSetTest, ReportsEveryProblemNotJustTheFirst) {
  auto problems = Problems(R"(version: "1"
default_profile: nobody
mandatory: []
profiles:
  - name: p
    safe_search: maybe
    time_rules:
      - {days: [funday], from: "25:00", to: "10:00", block: [games]}
clients:
  - {cidr: 10.0.0.0/33, profile: ghost}
)");
  std::vector<std::string> reasons;
  for (const auto& p : problems) reasons.push_back(std::to_string(p.line) + " " + p.reason);
  auto has = [&](std::string_view needle) {
    return std::any_of(reasons.begin(), reasons.end(), [&](const std::string& r) { return r.find(needle) != r.npos; });
  };
  EXPECT_TRUE(has("3 'mandatory' must list")) << ::testing::PrintToString(reasons);
  EXPECT_TRUE(has("6 'safe_search' must be true or false"));
  EXPECT_TRUE(has("'funday' is not a day"));
  EXPECT_TRUE(has("'25:00' is not a time of day"));
  EXPECT_TRUE(has("'10.0.0.0/33' is not an address range"));
  EXPECT_TRUE(has("profile 'ghost' is not defined"));
  EXPECT_TRUE(has("default_profile 'nobody' is not a profile"));
}

TEST(ProfileSetTest, BadYamlHasALine) {
  auto problems = Problems("version: \"1\"\nprofiles: [\n");
  EXPECT_GE(problems[0].line, 2u);
  EXPECT_NE(problems[0].reason.find("not valid YAML"), std::string::npos);
}

TEST(ProfileSetTest, CheckCategoriesNamesTheLine) {
  std::vector<ProfileProblem> problems;
  auto set = ParseProfileSet(kMinimal, "p.yaml", problems);
  ASSERT_TRUE(set.ok());
  EXPECT_FALSE(CheckCategories(*set, {"gambling"}, problems));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].line, 7u);
  EXPECT_NE(problems[0].reason.find("'adult'"), std::string::npos);
  problems.clear();
  EXPECT_TRUE(CheckCategories(*set, {"adult"}, problems));
}

TEST(ProfileSetTest, TimeRulesIncludingMidnight) {
  TimeRule school{0x1F, 9 * 60, 15 * 60 + 30, {}, 0};
  EXPECT_TRUE(RuleActive(school, {0, 9 * 60}));
  EXPECT_TRUE(RuleActive(school, {4, 15 * 60 + 29}));
  EXPECT_FALSE(RuleActive(school, {4, 15 * 60 + 30}));
  EXPECT_FALSE(RuleActive(school, {0, 8 * 60 + 59}));
  EXPECT_FALSE(RuleActive(school, {5, 10 * 60}));
  TimeRule night{0x10, 22 * 60, 6 * 60, {}, 0};  // Friday 22:00 to Saturday 06:00
  EXPECT_TRUE(RuleActive(night, {4, 23 * 60}));
  EXPECT_TRUE(RuleActive(night, {5, 5 * 60}));
  EXPECT_FALSE(RuleActive(night, {5, 23 * 60}));
  EXPECT_FALSE(RuleActive(night, {4, 5 * 60}));
}

// The shipped profiles load, name only UT1 categories, and their mandatory list exists.
TEST(ProfileSetTest, ShippedProfilesAreValid) {
  const char* source = std::getenv("ESAFE_SOURCE_DIR");
  const std::filesystem::path root = source ? source : std::filesystem::path(__FILE__).parent_path() / "../..";
  std::vector<ProfileProblem> problems;
  auto set = LoadProfileSet(root / "data/filter/profiles.yaml", problems);
  ASSERT_TRUE(set.ok()) << set.error().message;
  for (const char* name : {"early_years", "primary", "secondary", "sixth_form", "staff", "adult_public_access", "guest"}) {
    EXPECT_NE(set->Find(name), nullptr) << name;
  }
  ASSERT_FALSE(set->mandatory.empty());
  EXPECT_TRUE(std::filesystem::exists(set->mandatory[0].file)) << set->mandatory[0].file;
  const char* data = std::getenv("ESAFE_SHARED_DATA");
  const std::filesystem::path ut1 = data ? std::filesystem::path(data) / "ut1" : root / "../shared/data/ut1";
  if (!std::filesystem::exists(ut1)) GTEST_SKIP() << "no UT1 lists at " << ut1;
  auto categories = SquidGuardCategories(ut1);
  ASSERT_TRUE(categories.ok());
  EXPECT_TRUE(CheckCategories(*set, *categories, problems)) << FormatProblem(problems.front());
}

}  // namespace
}  // namespace esafe::filter
