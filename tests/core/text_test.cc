#include "core/text.h"

#include <gtest/gtest.h>

namespace esafe::text {
namespace {

TEST(Text, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8("caf\xc3\xa9"));
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xe2\x82"));          // truncated
}

TEST(Text, HtmlEscape) {
  EXPECT_EQ(HtmlEscape("<a href='x'>&\""), "&lt;a href=&#39;x&#39;&gt;&amp;&quot;");
  EXPECT_EQ(HtmlEscape("plain é"), "plain é");
}

TEST(Text, DatesAndAddresses) {
  EXPECT_TRUE(IsIsoDate("2024-02-29"));
  EXPECT_FALSE(IsIsoDate("2023-02-29"));
  EXPECT_FALSE(IsIsoDate("2023-2-01"));
  EXPECT_TRUE(IsEmailAddress("eslo@oak.sch.uk"));
  EXPECT_FALSE(IsEmailAddress("eslo@oak"));
  EXPECT_TRUE(IsCidr("192.0.2.0/24"));
  EXPECT_TRUE(IsCidr("::1"));
  EXPECT_FALSE(IsCidr("192.0.2.0/-1"));
  EXPECT_FALSE(IsCidr("300.0.0.1"));
}

}  // namespace
}  // namespace esafe::text
