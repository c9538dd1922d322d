// Tests of ListSnapshot::digest(), ProfileSet::digest and PolicyState::Version(): the list
// version identifies the lists and profiles in force, whatever order they were loaded in
// and in whichever process.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "filter/list_loader.h"
#include "filter/list_snapshot.h"
#include "filter/list_snapshot_builder.h"
#include "filter/profile_policy.h"
#include "filter/profile_set.h"
#include "filter/url_hash.h"

namespace esafe::filter {
namespace {

// One list: a category, a format and its lines.
struct List {
  std::string category;
  ListFormat format;
  std::vector<std::string> lines;
};

std::vector<List> BaseLists() {
  return {
      {"adult", ListFormat::kDomains, {"adult.example", "www.adult.example", "shared.example"}},
      {"gambling", ListFormat::kDomains, {"casino.example", "shared.example", "192.0.2.7"}},
      {"phishing", ListFormat::kUrls, {"pages.example/evil", "pages.example/evil/deeper", "shared.example/login"}},
      {"iwf", ListFormat::kUrlHashes,
       {DigestToHex(Sha256("hidden.example/secret/")), DigestToHex(Sha256("hidden.example/one.jpg"))}},
      {"empty", ListFormat::kDomains, {}},
  };
}

void Feed(const std::vector<List>& lists, ListSnapshotBuilder& builder) {
  LoadReport report;
  for (const List& list : lists) {
    std::string text;
    for (const auto& line : list.lines) text += line + "\n";
    builder.Category(list.category);
    ASSERT_TRUE(LoadListText(text, list.category, list.category, list.format, builder, report).ok()) << list.category;
  }
  ASSERT_EQ(report.bad_lines, 0u);
}

std::shared_ptr<const ListSnapshot> Build(const std::vector<List>& lists) {
  ListSnapshotBuilder builder;
  Feed(lists, builder);
  return builder.Build();
}

// The same lists, categories and lines in reverse order, with duplicates and spellings
// that canonicalise to the same entries.
std::vector<List> Shuffled() {
  std::vector<List> lists = BaseLists();
  std::reverse(lists.begin(), lists.end());
  for (List& list : lists) {
    std::reverse(list.lines.begin(), list.lines.end());
    if (!list.lines.empty()) list.lines.push_back(list.lines.back());
  }
  lists[lists.size() - 1].lines.push_back("ADULT.example.");
  return lists;
}

TEST(ListDigestTest, SameEntriesInAnyOrderGiveTheSameDigest) {
  auto first = Build(BaseLists());
  auto second = Build(Shuffled());
  EXPECT_NE(first->categories(), second->categories());  // ids differ…
  EXPECT_NE(first->generation(), second->generation());
  EXPECT_EQ(first->digest(), second->digest());  // …the content does not
  EXPECT_TRUE(std::regex_match(first->digest(), std::regex("[0-9a-f]{64}"))) << first->digest();
  EXPECT_EQ(Build(BaseLists())->digest(), first->digest());
}

TEST(ListDigestTest, AnyChangedEntryOrCategoryChangesTheDigest) {
  const std::string base = Build(BaseLists())->digest();
  const std::vector<std::pair<std::string, std::function<void(std::vector<List>&)>>> changes = {
      {"domain changed", [](auto& l) { l[0].lines[0] = "adult2.example"; }},
      {"domain removed", [](auto& l) { l[0].lines.pop_back(); }},
      {"domain added", [](auto& l) { l[1].lines.push_back("poker.example"); }},
      {"domain moved to another category", [](auto& l) { l[0].lines.pop_back(); l[1].lines.push_back("adult.example"); }},
      {"category renamed", [](auto& l) { l[1].category = "gambling2"; }},
      {"empty category renamed", [](auto& l) { l[4].category = "empty2"; }},
      {"empty category removed", [](auto& l) { l.pop_back(); }},
      {"URL path changed", [](auto& l) { l[2].lines[0] = "pages.example/evil2"; }},
      {"URL host changed", [](auto& l) { l[2].lines[2] = "shared2.example/login"; }},
      {"URL removed", [](auto& l) { l[2].lines.pop_back(); }},
      {"hash changed", [](auto& l) { l[3].lines[0] = DigestToHex(Sha256("hidden.example/other/")); }},
      {"hash removed", [](auto& l) { l[3].lines.pop_back(); }},
      {"hash category renamed", [](auto& l) { l[3].category = "iwf2"; }},
      {"domain listed as URL instead", [](auto& l) { l[1].lines.pop_back(); l[2].lines.push_back("192.0.2.7/"); }},
  };
  std::vector<std::string> seen = {base};
  for (const auto& [what, change] : changes) {
    std::vector<List> lists = BaseLists();
    change(lists);
    const std::string digest = Build(lists)->digest();
    EXPECT_NE(digest, base) << what;
    EXPECT_EQ(std::count(seen.begin(), seen.end(), digest), 0) << what << " gives another change's digest";
    seen.push_back(digest);
  }
}

TEST(ListDigestTest, FieldBoundariesAreFramed) {
  // Host "a.bc" in category "d" and host "a.b" in category "cd" would run together as
  // "a.bcd" without framing.
  auto one = Build({{"d", ListFormat::kDomains, {"a.bc"}}, {"cd", ListFormat::kDomains, {}}});
  auto two = Build({{"d", ListFormat::kDomains, {}}, {"cd", ListFormat::kDomains, {"a.b"}}});
  EXPECT_NE(one->digest(), two->digest());
  // The same for a URL's host and path.
  auto three = Build({{"u", ListFormat::kUrls, {"ab.example/cd"}}});
  auto four = Build({{"u", ListFormat::kUrls, {"ab.example/c/d"}}});
  EXPECT_NE(three->digest(), four->digest());
  EXPECT_NE(Build({})->digest(), Build({{"x", ListFormat::kDomains, {}}})->digest());
}

constexpr const char* kProfiles = R"(version: "t-1"
default_profile: p
mandatory:
  - {category: iwf, file: iwf.hashes, format: hashes}
profiles:
  - name: p
    block: [adult, gambling]
)";

// A profiles file, its mandatory list and a squidGuard list directory in a temp folder.
class PolicyVersionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("esafe_list_digest_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_ / "lists" / "adult");
    std::filesystem::create_directories(root_ / "lists" / "gambling");
    std::ofstream(root_ / "profiles.yaml") << kProfiles;
    std::ofstream(root_ / "iwf.hashes") << DigestToHex(Sha256("hidden.example/secret/")) << "\n";
    std::ofstream(root_ / "lists" / "adult" / "domains") << "adult.example\nwww.adult.example\n";
    std::ofstream(root_ / "lists" / "adult" / "urls") << "pages.example/adult\n";
    std::ofstream(root_ / "lists" / "gambling" / "domains") << "casino.example\n";
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::shared_ptr<const PolicyState> Load() {
    LoadReport report;
    std::vector<ProfileProblem> problems;
    auto state = LoadPolicyState(root_ / "profiles.yaml", root_ / "lists", report, problems);
    EXPECT_TRUE(state.ok()) << (state.ok() ? "" : state.error().message);
    return state.ok() ? *state : nullptr;
  }

  std::filesystem::path root_;
};

TEST_F(PolicyVersionTest, NamesProfilesVersionAndDigestsOfProfilesAndLists) {
  auto state = Load();
  ASSERT_NE(state, nullptr);
  const std::string version = state->Version();
  EXPECT_TRUE(std::regex_match(version, std::regex("t-1/[0-9a-f]{12}/lists-[0-9a-f]{16}"))) << version;
  EXPECT_TRUE(std::regex_match(state->profiles->digest, std::regex("[0-9a-f]{64}"))) << state->profiles->digest;
  EXPECT_EQ(version, "t-1/" + state->profiles->digest.substr(0, 12) + "/lists-" + state->lists->digest().substr(0, 16));
  // Database overrides merged in are named by their version.
  std::vector<ProfileProblem> problems;
  auto set = LoadProfileSet(root_ / "profiles.yaml", problems);
  ASSERT_TRUE(set.ok());
  set->override_version = 3;
  LoadReport report;
  auto merged = LoadPolicyStateFromSet(std::move(*set), root_ / "lists", report, problems);
  ASSERT_TRUE(merged.ok()) << merged.error().message;
  EXPECT_EQ((*merged)->Version(), version + "/overrides-3");
}

TEST_F(PolicyVersionTest, LoadingTheSameFilesAgainGivesTheSameVersion) {
  auto first = Load();
  auto second = Load();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_NE(first->lists->generation(), second->lists->generation());
  EXPECT_EQ(first->lists->digest(), second->lists->digest());
  EXPECT_EQ(first->Version(), second->Version());
}

TEST_F(PolicyVersionTest, ChangedProfilesFileChangesTheVersion) {
  auto before = Load();
  ASSERT_NE(before, nullptr);
  // The same `version:` label, one profile changed: the digest tells them apart.
  std::ofstream(root_ / "profiles.yaml") << std::string(kProfiles) + "    warn: [chat]\n";
  std::filesystem::create_directories(root_ / "lists" / "chat");
  std::ofstream(root_ / "lists" / "chat" / "domains") << "chat.example\n";
  auto after = Load();
  ASSERT_NE(after, nullptr);
  EXPECT_NE(before->profiles->digest, after->profiles->digest);
  EXPECT_NE(before->Version().substr(0, 17), after->Version().substr(0, 17));
  EXPECT_TRUE(after->Version().starts_with("t-1/"));
  // Only a comment differs: the file's bytes, and so the version, still differ.
  std::ofstream(root_ / "profiles.yaml") << std::string(kProfiles) + "# reviewed\n";
  auto commented = Load();
  ASSERT_NE(commented, nullptr);
  EXPECT_NE(commented->Version(), before->Version());
  EXPECT_EQ(commented->lists->digest(), before->lists->digest());
}

TEST_F(PolicyVersionTest, ChangedListEntryChangesTheVersion) {
  auto before = Load();
  ASSERT_NE(before, nullptr);
  std::ofstream(root_ / "lists" / "gambling" / "domains") << "casino.example\npoker.example\n";
  auto after = Load();
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(before->profiles->digest, after->profiles->digest);
  EXPECT_NE(before->Version(), after->Version());
}

TEST(PolicyVersionBuildTest, SameEntriesInAnotherOrderGiveTheSameVersion) {
  std::vector<ProfileProblem> problems;
  auto set = ParseProfileSet(kProfiles, "/t/profiles.yaml", problems);
  ASSERT_TRUE(set.ok()) << set.error().message;
  auto profiles = std::make_shared<const ProfileSet>(std::move(*set));
  std::vector<List> lists = BaseLists();
  lists.push_back({"iwf", ListFormat::kUrlHashes, {DigestToHex(Sha256("x.example/y"))}});
  std::vector<List> shuffled = lists;
  std::reverse(shuffled.begin(), shuffled.end());
  for (List& list : shuffled) std::reverse(list.lines.begin(), list.lines.end());

  ListSnapshotBuilder a;
  ListSnapshotBuilder b;
  Feed(lists, a);
  Feed(shuffled, b);
  auto first = BuildPolicyState(profiles, a, problems);
  auto second = BuildPolicyState(profiles, b, problems);
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ((*first)->lists->digest(), (*second)->lists->digest());
  EXPECT_EQ((*first)->Version(), (*second)->Version());

  ListSnapshotBuilder c;
  lists[1].lines.push_back("poker.example");
  Feed(lists, c);
  auto third = BuildPolicyState(profiles, c, problems);
  ASSERT_TRUE(third.ok()) << third.error().message;
  EXPECT_NE((*third)->Version(), (*first)->Version());
}

// The longest version a profiles file may have still fits the 100 characters a block page
// link and a review request carry for list_version.
TEST(PolicyVersionBuildTest, LongestVersionFitsBlockPageLinks) {
  std::string text = kProfiles;
  text.replace(text.find("t-1"), 3, std::string(40, 'v'));
  std::vector<ProfileProblem> problems;
  auto set = ParseProfileSet(text, "/t/profiles.yaml", problems);
  ASSERT_TRUE(set.ok()) << set.error().message;
  set->override_version = 9'999'999;
  ListSnapshotBuilder builder;
  Feed(BaseLists(), builder);
  auto state = BuildPolicyState(std::make_shared<const ProfileSet>(std::move(*set)), builder, problems);
  ASSERT_TRUE(state.ok()) << state.error().message;
  EXPECT_LE((*state)->Version().size(), 100u) << (*state)->Version();
}

TEST(ProfileSetDigestTest, DigestOfTheBytesAndVersionLength) {
  std::vector<ProfileProblem> problems;
  auto one = ParseProfileSet(kProfiles, "a.yaml", problems);
  auto same = ParseProfileSet(kProfiles, "elsewhere/b.yaml", problems);
  auto other = ParseProfileSet(std::string(kProfiles) + "\n", "a.yaml", problems);
  ASSERT_TRUE(one.ok() && same.ok() && other.ok());
  EXPECT_EQ(one->digest, same->digest);
  EXPECT_NE(one->digest, other->digest);
  // The version travels in block page links and review requests (at most 100
  // characters with the digests), so it is kept short.
  std::string text = kProfiles;
  text.replace(text.find("t-1"), 3, std::string(41, 'v'));
  auto long_version = ParseProfileSet(text, "a.yaml", problems);
  ASSERT_FALSE(long_version.ok());
  EXPECT_NE(long_version.error().message.find("'version'"), std::string::npos) << long_version.error().message;
  text = kProfiles;
  text.replace(text.find("t-1"), 3, std::string(40, 'v'));
  EXPECT_TRUE(ParseProfileSet(text, "a.yaml", problems).ok());
}

}  // namespace
}  // namespace esafe::filter
