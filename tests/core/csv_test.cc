#include "core/csv.h"

#include <gtest/gtest.h>

namespace esafe::csv {
namespace {

TEST(CsvParse, ReadsHeaderAndQuotedCells) {
  auto t = Parse("Name,Notes\r\n\"Oak, School\",\"said \"\"hi\"\"\nthen left\"\r\nLibrary,\n");
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->header, (std::vector<std::string>{"name", "notes"}));
  ASSERT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->rows[0].cells[0], "Oak, School");
  EXPECT_EQ(t->rows[0].cells[1], "said \"hi\"\nthen left");
  EXPECT_EQ(t->rows[1].line, 4u);
  EXPECT_EQ(t->rows[1].cells[1], "");
}

TEST(CsvParse, ReportsLineOfRowWithWrongCellCount) {
  auto t = Parse("a,b\n1,2\n3\n");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message.find("line 3"), std::string::npos) << t.error().message;
}

TEST(CsvParse, RejectsUnclosedQuoteAndStrayQuote) {
  EXPECT_FALSE(Parse("a\n\"open\n").ok());
  EXPECT_FALSE(Parse("a\nx\"y\n").ok());
  EXPECT_FALSE(Parse("a\n\"x\"y\n").ok());
}

TEST(CsvParse, RejectsInvalidUtf8AndOversize) {
  EXPECT_FALSE(Parse("a\n\xff\n").ok());
  Limits small;
  small.max_bytes = 4;
  EXPECT_EQ(Parse("abcdef", small).error().kind, ErrorKind::kTooLarge);
}

TEST(CsvFormat, QuotesAndNeutralisesFormulas) {
  EXPECT_EQ(FormatRow({"a,b", "=SUM(A1)", "plain", "x\"y"}), "\"a,b\",'=SUM(A1),plain,\"x\"\"y\"\r\n");
}

}  // namespace
}  // namespace esafe::csv
