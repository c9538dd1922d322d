// Search words out of search-engine and video-site URLs.
#include <gtest/gtest.h>

#include "monitoring/monitoring.h"

namespace esafe::monitoring {
namespace {

std::string Text(std::string_view url) {
  auto q = ExtractSearch(url);
  return q ? q->engine + ": " + q->text : "-";
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
