// Search words out of search-engine and video-site URLs.
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "monitoring/monitoring.h"

namespace esafe::monitoring {
namespace {

std::string Text(std::string_view url) {
  auto q = ExtractSearch(url);
  return q ? q->engine + ": " + q->text : "-";
}

// Squid decrypts only the names on data/squid/esafe-bump-sites.txt (docs/enforce.md,
// "HTTPS: ssl_bump"): every engine's search page must be on it, or its searches over HTTPS
// never reach the risky-search rules.
TEST(ExtractSearchTest, EveryEngineIsOnTheSquidBumpList) {
  std::ifstream in(std::string(std::getenv("ESAFE_SOURCE_DIR")) + "/data/squid/esafe-bump-sites.txt");
  ASSERT_TRUE(in) << "data/squid/esafe-bump-sites.txt";
  std::set<std::string> names;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] != '#') names.insert(line);
  }
  const auto bumped = [&](std::string host) {  // Squid's dstdomain rule: "x" exactly, ".x" and below
    if (names.contains(host)) return true;
    for (size_t dot = host.find('.'); dot != std::string::npos; dot = host.find('.', dot + 1)) {
      if (names.contains(host.substr(dot))) return true;
    }
    return names.contains("." + host);
  };
  for (const char* url : {"https://www.google.com/search?q=a", "https://www.google.co.uk/search?q=a",
                          "https://www.bing.com/search?q=a", "https://duckduckgo.com/?q=a",
                          "https://html.duckduckgo.com/html/?q=a", "https://www.youtube.com/results?search_query=a",
                          "https://m.youtube.com/results?search_query=a", "https://uk.search.yahoo.com/search?p=a",
                          "https://search.yahoo.com/search?p=a", "https://www.ecosia.org/search?q=a",
                          "https://yandex.com/search/?text=a", "https://yandex.ru/search/?text=a",
                          "https://www.baidu.com/s?wd=a", "https://www.ask.com/web?q=a",
                          "https://search.brave.com/search?q=a", "https://www.startpage.com/do/search?query=a",
                          "https://www.qwant.com/?q=a", "https://www.tiktok.com/search?q=a",
                          "https://vimeo.com/search?q=a", "https://www.reddit.com/search?q=a"}) {
    const std::string_view rest = std::string_view(url).substr(8);
    EXPECT_NE(Text(url), "-") << url;
    EXPECT_TRUE(bumped(std::string(rest.substr(0, rest.find_first_of("/?"))))) << url << " is not on the bump list";
  }
  EXPECT_FALSE(bumped("mail.google.com"));
  EXPECT_FALSE(bumped("accounts.google.com"));
  EXPECT_FALSE(bumped("mail.yahoo.com"));
}

TEST(ExtractSearchTest, KnownEngines) {
  EXPECT_EQ(Text("https://www.google.com/search?q=how+to+draw&hl=en"), "google: how to draw");
  EXPECT_EQ(Text("https://www.google.co.uk/search?client=firefox&q=Fish%20%26%20Chips"), "google: fish & chips");
  EXPECT_EQ(Text("https://www.google.com/#q=instant+search"), "google: instant search");
  EXPECT_EQ(Text("https://images.google.de/images?q=cats"), "google: cats");
  EXPECT_EQ(Text("https://www.bing.com/search?q=weather&form=QBLH"), "bing: weather");
  EXPECT_EQ(Text("https://duckduckgo.com/?q=privacy+tools&t=h_"), "duckduckgo: privacy tools");
  EXPECT_EQ(Text("https://html.duckduckgo.com/html/?q=lite"), "duckduckgo: lite");
  EXPECT_EQ(Text("https://www.youtube.com/results?search_query=minecraft+let%27s+play"), "youtube: minecraft let's play");
  EXPECT_EQ(Text("https://m.youtube.com/results?search_query=songs"), "youtube: songs");
  EXPECT_EQ(Text("https://uk.search.yahoo.com/search?p=homework"), "yahoo: homework");
  EXPECT_EQ(Text("https://www.ecosia.org/search?q=trees"), "ecosia: trees");
  EXPECT_EQ(Text("https://yandex.ru/search/?text=snow"), "yandex: snow");
  EXPECT_EQ(Text("https://www.baidu.com/s?wd=panda"), "baidu: panda");
  EXPECT_EQ(Text("https://www.tiktok.com/search?q=dance"), "tiktok: dance");
  EXPECT_EQ(Text("HTTPS://WWW.GOOGLE.COM:443/search?q=Upper+CASE"), "google: upper case");
}

TEST(ExtractSearchTest, DecodingAndSpacing) {
  EXPECT_EQ(Text("https://www.google.com/search?q=++lots+++of%09space++"), "google: lots of space");
  EXPECT_EQ(Text("https://www.google.com/search?q=caf%C3%A9"), "google: caf\xC3\xA9");
  EXPECT_EQ(Text("https://www.google.com/search?q=line%0Abreak"), "google: line break");
  EXPECT_EQ(Text("https://www.bing.com/search?q=%"), "-");  // malformed escape
  EXPECT_EQ(Text("https://www.bing.com/search?q=%zz"), "-");
  EXPECT_EQ(Text("https://www.bing.com/search?q=%4"), "-");
  std::string longq = "https://www.google.com/search?q=" + std::string(2000, 'a');
  EXPECT_EQ(ExtractSearch(longq)->text.size(), kMaxSearchBytes);
}

TEST(ExtractSearchTest, NotASearch) {
  EXPECT_EQ(Text("https://www.google.com/maps?q=london"), "-");
  EXPECT_EQ(Text("https://www.google.com/search?hl=en"), "-");
  EXPECT_EQ(Text("https://www.google.com/search?q="), "-");
  EXPECT_EQ(Text("https://shop.example/search?q=shoes"), "-");
  EXPECT_EQ(Text("https://notgoogle.com/search?q=x"), "-");
  EXPECT_EQ(Text("https://google.evil.example.com/search?q=x"), "-");
  EXPECT_EQ(Text("https://www.youtube.com/watch?v=abc&q=x"), "-");
  EXPECT_EQ(Text("not a url"), "-");
  EXPECT_EQ(Text(""), "-");
  EXPECT_EQ(Text("https://"), "-");
}

}  // namespace
}  // namespace esafe::monitoring
