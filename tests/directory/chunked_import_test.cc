// A CSV import larger than one chunk (Directory::kImportChunk rows a transaction)
// is still all or nothing: a line that fails in a later chunk takes the earlier
// chunks back out, and the error names the line.
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "directory/directory.h"
#include "support/test_database.h"

namespace esafe::directory {
namespace {

access::Principal Lead() {
  access::Principal p;
  p.user_id = 1;
  p.username = "lead";
  p.role = access::Role::kPartnershipAdmin;
  return p;
}

// `rows` agencies, "Agency 1" …; the row numbered `duplicate_of_first` (1-based, 0 for
// none) repeats the first agency's name, which only the database's unique index finds.
std::string AgencyCsv(int rows, int duplicate_of_first) {
  std::string csv = "name,sector,membership_type\n";
  for (int i = 1; i <= rows; ++i) {
    csv += fmt::format("Agency {},education,other member\n", i == duplicate_of_first ? 1 : i);
  }
  return csv;
}

class ChunkedImport : public ::testing::Test {
 protected:
  int64_t Count(const std::string& sql) {
    auto n = tdb.db().Read<int64_t>([&](store::Connection& c) -> Result<int64_t> {
      auto row = c.QueryOne(sql, {}, "count");
      if (!row.ok()) return row.error();
      return row->Int("n");
    });
    EXPECT_TRUE(n.ok()) << n.error().message;
    return n.ok() ? *n : -1;
  }
  testing::TestDatabase tdb;
};

TEST_F(ChunkedImport, ImportsEveryChunkAndRecordsOneImport) {
  const int rows = static_cast<int>(Directory::kImportChunk) + 150;
  auto report = Directory(tdb.db()).ImportCsv(Kind::kAgency, Lead(), AgencyCsv(rows, 0));
  ASSERT_TRUE(report.ok()) << report.error().message;
  ASSERT_TRUE(report->errors.empty()) << report->errors[0];
  EXPECT_EQ(report->imported, rows);
  EXPECT_EQ(Count("SELECT COUNT(*) AS n FROM agencies"), rows);
  EXPECT_EQ(Count("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'import' AND entity = 'agency'"), 1);
}

TEST_F(ChunkedImport, ALineFailingInALaterChunkLeavesNothingImported) {
  const int rows = static_cast<int>(Directory::kImportChunk) + 150;
  const int bad = static_cast<int>(Directory::kImportChunk) + 100;  // in the second chunk
  auto report = Directory(tdb.db()).ImportCsv(Kind::kAgency, Lead(), AgencyCsv(rows, bad));
  ASSERT_TRUE(report.ok()) << report.error().message;
  ASSERT_EQ(report->errors.size(), 1u);
  // The header is line 1, so row `bad` is line bad + 1.
  EXPECT_EQ(report->errors[0].rfind(fmt::format("line {}: ", bad + 1), 0), 0u) << report->errors[0];
  EXPECT_EQ(report->imported, 0);
  EXPECT_EQ(Count("SELECT COUNT(*) AS n FROM agencies"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'import'"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'delete' AND entity = 'agency'"), 1);

  // The same file without the repeated name then imports in full.
  auto again = Directory(tdb.db()).ImportCsv(Kind::kAgency, Lead(), AgencyCsv(rows, 0));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->errors.empty());
  EXPECT_EQ(Count("SELECT COUNT(*) AS n FROM agencies"), rows);
}

TEST_F(ChunkedImport, ALineFailingInTheFirstChunkWritesNothing) {
  auto report = Directory(tdb.db()).ImportCsv(Kind::kAgency, Lead(), AgencyCsv(10, 4));
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->errors.size(), 1u);
  EXPECT_EQ(report->errors[0].rfind("line 5: ", 0), 0u) << report->errors[0];
  EXPECT_EQ(Count("SELECT COUNT(*) AS n FROM agencies"), 0);
}

}  // namespace
}  // namespace esafe::directory
