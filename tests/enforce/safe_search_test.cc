#include "enforce/safe_search.h"

#include <gtest/gtest.h>

namespace esafe::enforce {
namespace {

std::string Rewritten(std::string_view url) {
  auto rewrite = RewriteForSafeSearch(url);
  return rewrite ? rewrite->url : "(none)";
}

TEST(SafeSearchTest, Engines) {
  EXPECT_EQ(Rewritten("http://www.google.com/search?q=a"), "http://www.google.com/search?q=a&safe=active");
  EXPECT_EQ(Rewritten("http://www.google.co.uk/search?q=a&SAFE=off&b=1"), "http://www.google.co.uk/search?q=a&b=1&safe=active");
  EXPECT_EQ(Rewritten("https://google.de/"), "https://google.de/?safe=active");
  EXPECT_EQ(Rewritten("http://www.google.com/maps"), "(none)");
  EXPECT_EQ(Rewritten("http://www.bing.com/search?q=a&adlt=off"), "http://www.bing.com/search?q=a&adlt=strict");
  EXPECT_EQ(Rewritten("http://duckduckgo.com/?q=a&kp=-2"), "http://duckduckgo.com/?q=a&kp=1");
  EXPECT_EQ(Rewritten("http://duckduckgo.com/about"), "(none)");
  EXPECT_EQ(Rewritten("http://example.com/search?q=a"), "(none)");
  EXPECT_EQ(Rewritten("http://notgoogle.com/search?q=a"), "(none)");
  EXPECT_EQ(Rewritten("host:443"), "(none)");
  auto youtube = RewriteForSafeSearch("http://m.youtube.com/watch?v=x");
  ASSERT_TRUE(youtube);
  EXPECT_EQ(youtube->engine, "youtube");
  ASSERT_EQ(youtube->set_headers.size(), 1u);
  EXPECT_EQ(youtube->set_headers[0].first, "YouTube-Restrict");
  EXPECT_EQ(youtube->set_headers[0].second, "Strict");
}

TEST(SafeSearchTest, DnsMappings) {
  bool google = false, bing = false, ddg = false, youtube = false;
  for (const auto& [name, target] : SafeSearchDnsMappings()) {
    google |= name == "www.google.com" && target == "forcesafesearch.google.com";
    bing |= name == "www.bing.com" && target == "strict.bing.com";
    ddg |= name == "duckduckgo.com" && target == "safe.duckduckgo.com";
    youtube |= name == "www.youtube.com" && target == "restrict.youtube.com";
  }
  EXPECT_TRUE(google && bing && ddg && youtube);
}

}  // namespace
}  // namespace esafe::enforce
