#include "filter/list_loader.h"

#include <fstream>

#include <gtest/gtest.h>

#include "filter/directory_filter.h"
#include "filter/filter_engine.h"
#include "test_lists.h"

namespace esafe::filter {
namespace {

TEST(ListLoaderTest, BadLinesAreSkippedAndReportedWithLineNumbers) {
  ListSnapshotBuilder builder;
  LoadReport report;
  const std::string text =
      "# gambling, test list\n"
      "casino.example\n"
      "\n"
      "bad/domain\n"
      "poker.example   # inline comment\n"
      "two words\n"
      "256.1.1.1\n"
      "slots.example";  // no final newline
  ASSERT_TRUE(LoadListText(text, "lists/gambling/domains", "gambling", ListFormat::kDomains, builder, report).ok());
  EXPECT_EQ(report.entries, 3u);
  EXPECT_EQ(report.bad_lines, 3u);
  ASSERT_EQ(report.problems.size(), 3u);
  EXPECT_EQ(report.problems[0].source, "lists/gambling/domains");
  EXPECT_EQ(report.problems[0].line, 4u);
  EXPECT_EQ(report.problems[0].reason, "not a domain name (holds '/', '?', '@' or '*')");
  EXPECT_EQ(report.problems[1].line, 6u);
  EXPECT_EQ(report.problems[2].line, 7u);
  auto lists = builder.Build();
  EXPECT_EQ(lists->domain_count(), 3u);
  ListMatches matches;
  lists->Match(*CanonicalUrl::Parse("http://slots.example/"), matches);
  EXPECT_EQ(matches.size, 1u);
}

TEST(ListLoaderTest, ListWithNoGoodLineFailsWhole) {
  ListSnapshotBuilder builder;
  LoadReport report;
  auto loaded = LoadListText("not/a/domain\nnor this one\n", "junk", "x", ListFormat::kDomains, builder, report);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().message,
            "junk: no line could be read as a list entry (line 1: not a domain name (holds '/', '?', '@' or '*'))");
  auto binary = LoadListText(std::string("a.example\n\0\x01", 12), "bin", "x", ListFormat::kDomains, builder, report);
  ASSERT_FALSE(binary.ok());
  EXPECT_EQ(binary.error().message, "bin: holds binary data, not a list");
  // Only comments: an empty list, not a failure.
  EXPECT_TRUE(LoadListText("# nothing yet\n\n", "empty", "x", ListFormat::kDomains, builder, report).ok());
}

TEST(ListLoaderTest, MissingFileAndDirectoryAreErrors) {
  ListSnapshotBuilder builder;
  LoadReport report;
  auto file = LoadListFile("/nonexistent/esafe/domains", "x", ListFormat::kDomains, builder, report);
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.error().kind, ErrorKind::kNotFound);
  auto dir = LoadSquidGuardDirectory("/nonexistent/esafe", {}, builder, report);
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.error().kind, ErrorKind::kNotFound);
}

TEST(ListLoaderTest, SquidGuardDirectoryFromFiles) {
  const auto root = std::filesystem::temp_directory_path() / ("esafe_lists_" + std::to_string(::getpid()));
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root / "adult");
  std::filesystem::create_directories(root / "games");
  std::filesystem::create_directories(root / "notes");  // no list files: not a category
  std::ofstream(root / "adult" / "domains") << "adult.example\n";
  std::ofstream(root / "adult" / "urls") << "pages.example/adult\n";
  std::ofstream(root / "games" / "domains") << "game.example\nbad line here\n";
  std::ofstream(root / "notes" / "README") << "nothing\n";

  auto categories = SquidGuardCategories(root);
  ASSERT_TRUE(categories.ok());
  EXPECT_EQ(*categories, (std::vector<std::string>{"adult", "games"}));

  ListSnapshotBuilder builder;
  LoadReport report;
  ASSERT_TRUE(LoadSquidGuardDirectory(root, {}, builder, report).ok());
  EXPECT_EQ(report.bad_lines, 1u);
  ASSERT_EQ(report.problems.size(), 1u);
  EXPECT_EQ(report.problems[0].source, (root / "games" / "domains").string());
  EXPECT_EQ(report.problems[0].line, 2u);
  auto lists = builder.Build();
  EXPECT_EQ(lists->categories(), (std::vector<std::string>{"adult", "games"}));
  EXPECT_EQ(lists->domain_count(), 2u);
  EXPECT_EQ(lists->url_count(), 1u);

  auto missing = LoadSquidGuardDirectory(root, {"nope"}, builder, report);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::kNotFound);

  CategoryPolicy policy;
  policy.block = {"adult", "nope"};
  LoadReport unknown_report;
  auto unknown = LoadDirectoryFilter(root, policy, unknown_report);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().message, "unknown category 'nope' in " + root.string() + "; it holds: adult, games");
  EXPECT_EQ(unknown.error().field, "block");
  std::filesystem::remove_all(root);
}

// The real UT1 lists: known entries from each loaded category are blocked, an unrelated
// domain is allowed, and categories that were not asked for are not loaded.
TEST(ListLoaderTest, RealUt1Categories) {
  const auto ut1 = testing::Ut1Directory();
  ASSERT_FALSE(ut1.empty()) << "UT1 lists not found; set ESAFE_SHARED_DATA";
  CategoryPolicy policy;
  policy.block = {"gambling", "phishing", "redirector"};
  LoadReport report;
  auto state = LoadDirectoryFilter(ut1, policy, report);
  ASSERT_TRUE(state.ok()) << state.error().message;
  const ListSnapshot& lists = *(*state)->lists;
  EXPECT_EQ(lists.categories(), (std::vector<std::string>{"gambling", "phishing", "redirector"}));
  EXPECT_GT(lists.domain_count(), 150000u);
  EXPECT_GT(lists.url_count(), 18000u);
  EXPECT_LT(report.bad_lines, report.entries / 1000) << "more than 0.1% of UT1 lines rejected";

  FilterEngine engine(*state);
  struct Case {
    const char* url;
    const char* category;
    const char* entry;
  };
  for (const Case& c : {Case{"http://0-casino.info/", "gambling", "0-casino.info"},
                        Case{"https://WWW.000-Online-Casino.COM./play", "gambling", "000-online-casino.com"},
                        Case{"http://0001-5cf.pages.dev/awards/2024", "phishing", "0001-5cf.pages.dev/awards"},
                        Case{"http://100fm6.com/proxy/browse", "redirector", "100fm6.com/proxy"},
                        Case{"http://3483149989/anonymiser/x", "redirector", "207.156.166.165/anonymiser"}}) {
    auto decision = engine.Decide(c.url);
    ASSERT_TRUE(decision.ok()) << c.url;
    EXPECT_EQ(decision->action, Action::kBlock) << c.url;
    EXPECT_EQ(decision->category, c.category) << c.url;
    EXPECT_EQ(decision->entry, c.entry) << c.url;
  }
  auto allowed = engine.Decide("http://www.education.gouv.fr/");
  ASSERT_TRUE(allowed.ok());
  EXPECT_EQ(allowed->action, Action::kAllow);
  EXPECT_TRUE(allowed->category.empty());
}

}  // namespace
}  // namespace esafe::filter
