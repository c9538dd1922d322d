#include "enforce/block_page.h"

#include <gtest/gtest.h>

namespace esafe::enforce {
namespace {

TEST(BlockPageTest, SaysWhatWhyAndOffersReview) {
  BlockPageInfo info{"http://bad.example/<script>", "gambling", "category", "primary", false,
                     "https://esafe.example/review?from=block"};
  const std::string page = RenderBlockPage(info);
  EXPECT_NE(page.find("http://bad.example/&lt;script&gt;"), std::string::npos);
  EXPECT_EQ(page.find("<script>"), std::string::npos);
  EXPECT_NE(page.find("listed in the category &quot;gambling&quot;"), std::string::npos);
  EXPECT_NE(page.find("&quot;primary&quot; filtering profile"), std::string::npos);
  EXPECT_NE(page.find("href=\"https://esafe.example/review?from=block&amp;url=http%3A%2F%2Fbad.example%2F%3Cscript%3E"
                      "&amp;category=gambling"),
            std::string::npos)
      << page;
}

TEST(BlockPageTest, MandatoryPageOffersNoReview) {
  BlockPageInfo info{"http://x.example/", "iwf", "mandatory list", "staff", true, "https://esafe.example/review"};
  const std::string page = RenderBlockPage(info);
  EXPECT_NE(page.find("cannot be unblocked"), std::string::npos);
  EXPECT_EQ(page.find("request a review"), std::string::npos);
  EXPECT_EQ(page.find("<dd>iwf</dd>"), std::string::npos);  // the list's entry is not named
  EXPECT_EQ(page.find("Category"), std::string::npos);
}

TEST(BlockPageTest, ShowsTheNationalReportingRoutesAndLinksHelp) {
  BlockPageInfo info{"http://x.example/", "adult", "category", "staff", false, "https://esafe.example/blocked"};
  const std::string page = RenderBlockPage(info);
  for (const char* route : {"CEOP", "Internet Watch Foundation (IWF)", "ChildLine", "0800 1111", "999"}) {
    EXPECT_NE(page.find(route), std::string::npos) << route;
  }
  EXPECT_NE(page.find("href=\"https://esafe.example/help\""), std::string::npos) << page;
  info.review_url = "https://elsewhere.example/review";
  EXPECT_EQ(RenderBlockPage(info).find("/help"), std::string::npos);
}

TEST(BlockPageTest, WithoutDetailsItSaysWhatItCanAndNoEmptyQuotes) {
  BlockPageInfo info{"http://x.example/", "", "", "", false, "https://esafe.example/review"};
  const std::string page = RenderBlockPage(info);
  EXPECT_NE(page.find("This address is blocked."), std::string::npos) << page;
  EXPECT_EQ(page.find("&quot;&quot;"), std::string::npos) << page;
  EXPECT_EQ(page.find("<dt>Category</dt>"), std::string::npos);
  EXPECT_EQ(page.find("<dt>Filtering profile</dt>"), std::string::npos);
  info.profile = "primary";
  EXPECT_NE(RenderBlockPage(info).find("This address is blocked for the &quot;primary&quot; filtering profile."),
            std::string::npos);
}

TEST(BlockPageTest, Encoding) {
  EXPECT_EQ(PercentEncode("a b&c/é"), "a%20b%26c%2F%C3%A9");
}

}  // namespace
}  // namespace esafe::enforce
