#include "filter/list_snapshot.h"

#include <gtest/gtest.h>

#include "filter/list_loader.h"
#include "filter/list_snapshot_builder.h"

namespace esafe::filter {
namespace {

std::shared_ptr<const ListSnapshot> Lists() {
  ListSnapshotBuilder builder;
  LoadReport report;
  EXPECT_TRUE(LoadListText("example.com\nads.example.com\n", "d", "ads", ListFormat::kDomains, builder, report).ok());
  EXPECT_TRUE(LoadListText("example.com\n", "d2", "shopping", ListFormat::kDomains, builder, report).ok());
  EXPECT_TRUE(LoadListText("pages.example/evil\npages.example/evil/deeper\npages.example/q?id=5\n", "u", "phishing",
                           ListFormat::kUrls, builder, report)
                  .ok());
  EXPECT_TRUE(LoadListText(DigestToHex(Sha256("hidden.example/secret/")) + "\n" +
                               DigestToHex(Sha256("hidden.example/one.jpg")) + "\n",
                           "h", "iwf", ListFormat::kUrlHashes, builder, report)
                  .ok());
  EXPECT_EQ(report.bad_lines, 0u);
  return builder.Build();
}

std::vector<std::string> Matches(const ListSnapshot& lists, std::string_view url) {
  ListMatches matches;
  lists.Match(*CanonicalUrl::Parse(url), matches);
  std::vector<std::string> out;
  for (const auto& match : matches) {
    out.push_back(std::string(lists.category_name(match.category)) + ":" + std::string(match.entry));
  }
  return out;
}

TEST(ListSnapshotTest, DomainCoversSubdomainsMostSpecificFirst) {
  auto lists = Lists();
  EXPECT_EQ(Matches(*lists, "http://example.com/"), (std::vector<std::string>{"ads:example.com", "shopping:example.com"}));
  EXPECT_EQ(Matches(*lists, "http://x.ads.example.com/"),
            (std::vector<std::string>{"ads:ads.example.com", "ads:example.com", "shopping:example.com"}));
  EXPECT_TRUE(Matches(*lists, "http://notexample.com/").empty());
  EXPECT_TRUE(Matches(*lists, "http://example.com.evil.test/").empty());
  EXPECT_TRUE(Matches(*lists, "http://com/").empty());
}

TEST(ListSnapshotTest, UrlEntryCoversPathAndBelowAtSegmentBoundary) {
  auto lists = Lists();
  EXPECT_EQ(Matches(*lists, "http://pages.example/evil"), (std::vector<std::string>{"phishing:pages.example/evil"}));
  EXPECT_EQ(Matches(*lists, "http://pages.example/Evil/x?y"), (std::vector<std::string>{"phishing:pages.example/evil"}));
  EXPECT_EQ(Matches(*lists, "http://pages.example/evil/deeper/x"),
            (std::vector<std::string>{"phishing:pages.example/evil/deeper", "phishing:pages.example/evil"}));
  EXPECT_EQ(Matches(*lists, "http://sub.pages.example/evil"), (std::vector<std::string>{"phishing:pages.example/evil"}));
  EXPECT_TRUE(Matches(*lists, "http://pages.example/evilness").empty());
  EXPECT_TRUE(Matches(*lists, "http://pages.example/").empty());
  EXPECT_TRUE(Matches(*lists, "http://pages.example/good/evil").empty());
  EXPECT_EQ(Matches(*lists, "http://pages.example/q?id=5"), (std::vector<std::string>{"phishing:pages.example/q?id=5"}));
  EXPECT_EQ(Matches(*lists, "http://pages.example/q?id=5&x=1"), (std::vector<std::string>{"phishing:pages.example/q?id=5"}));
  EXPECT_TRUE(Matches(*lists, "http://pages.example/q?id=50").empty());
}

TEST(ListSnapshotTest, HashedEntriesMatchCanonicalUrlAndBelow) {
  auto lists = Lists();
  const std::string secret = "iwf:" + DigestToHex(Sha256("hidden.example/secret/"));
  const std::string image = "iwf:" + DigestToHex(Sha256("hidden.example/one.jpg"));
  EXPECT_EQ(Matches(*lists, "http://hidden.example/secret/"), (std::vector<std::string>{secret}));
  EXPECT_EQ(Matches(*lists, "https://HIDDEN.example./a/../secret/x/y.jpg?z"), (std::vector<std::string>{secret}));
  EXPECT_EQ(Matches(*lists, "http://www.hidden.example/secret/x"), (std::vector<std::string>{secret}));
  EXPECT_EQ(Matches(*lists, "http://hidden.example/one.jpg"), (std::vector<std::string>{image}));
  EXPECT_EQ(Matches(*lists, "http://hidden.example/one.jpg?size=2"), (std::vector<std::string>{image}));
  EXPECT_EQ(Matches(*lists, "http://hidden.example/%6Fne.jpg#x"), (std::vector<std::string>{image}));
  EXPECT_TRUE(Matches(*lists, "http://hidden.example/two.jpg").empty());
  EXPECT_TRUE(Matches(*lists, "http://hidden.example/").empty());
  EXPECT_EQ(lists->hash_count(), 2u);
}

TEST(ListSnapshotTest, CountsCategoriesAndGenerations) {
  auto first = Lists();
  auto second = Lists();
  EXPECT_EQ(first->categories(), (std::vector<std::string>{"ads", "shopping", "phishing", "iwf"}));
  EXPECT_EQ(first->FindCategory("phishing"), std::optional<CategoryId>(2));
  EXPECT_FALSE(first->FindCategory("nope").has_value());
  EXPECT_EQ(first->domain_count(), 3u);
  EXPECT_EQ(first->url_count(), 3u);
  EXPECT_NE(first->generation(), second->generation());
}

TEST(ListSnapshotTest, DuplicatesMerge) {
  ListSnapshotBuilder builder;
  LoadReport report;
  ASSERT_TRUE(LoadListText("a.example\nA.example.\n*.a.example\n", "d", "x", ListFormat::kDomains, builder, report).ok());
  ASSERT_TRUE(LoadListText("a.example/p\na.example/p/\n", "u", "x", ListFormat::kUrls, builder, report).ok());
  auto lists = builder.Build();
  EXPECT_EQ(lists->domain_count(), 1u);
  EXPECT_EQ(lists->url_count(), 1u);
}

}  // namespace
}  // namespace esafe::filter
