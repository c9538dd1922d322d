// Database::WriteGrouped: writes queued together share one commit, and one failing
// write fails only its own caller (src/store/database.cc).
#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "support/test_database.h"

namespace esafe::store {
namespace {

int64_t CountRows(Database& db) {
  auto n = db.Read<int64_t>([](Connection& c) -> Result<int64_t> {
    auto row = c.QueryOne("SELECT COUNT(*) AS n FROM grouped", {}, "count");
    if (!row.ok()) return row.error();
    return row->Int("n");
  });
  EXPECT_TRUE(n.ok());
  return n.ok() ? *n : -1;
}

TEST(GroupCommit, ConcurrentWritesAreEachCommittedOnceInFewerTransactions) {
  testing::TestDatabase tdb;
  Database& db = tdb.db();
  ASSERT_TRUE(db.Transaction<void>([](Connection& c) {
    return c.ExecuteScript("CREATE TABLE grouped (id INTEGER PRIMARY KEY, writer INTEGER NOT NULL)");
  }).ok());
  db.set_group_window(std::chrono::milliseconds(5));
  constexpr int kThreads = 16, kEach = 10;
  int64_t commits_before = db.grouped_commits();
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        int64_t id = t * kEach + i + 1;
        auto r = db.WriteGrouped([&](Connection& c) -> Result<void> {
          ESAFE_TRY(c.Execute("INSERT INTO grouped (id, writer) VALUES (?, ?)", {id, int64_t{t}}));
          return Ok();
        });
        if (!r.ok()) ++failed;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(CountRows(db), kThreads * kEach);
  int64_t commits = db.grouped_commits() - commits_before;
  EXPECT_GT(commits, 0);
  EXPECT_LT(commits, kThreads * kEach) << "no two writes shared a commit";
}

TEST(GroupCommit, AFailingWriteFailsOnlyItsCaller) {
  testing::TestDatabase tdb;
  Database& db = tdb.db();
  ASSERT_TRUE(db.Transaction<void>([](Connection& c) {
    return c.ExecuteScript("CREATE TABLE grouped (id INTEGER PRIMARY KEY, writer INTEGER NOT NULL);"
                           "INSERT INTO grouped (id, writer) VALUES (1000, 0)");
  }).ok());
  // A long window puts every write below in the same group.
  db.set_group_window(std::chrono::milliseconds(200));
  std::vector<Result<void>> results(9);
  std::vector<std::thread> threads;
  for (int t = 0; t < 9; ++t) {
    threads.emplace_back([&, t] {
      int64_t id = t == 4 ? 1000 : t + 1;  // the fifth repeats the existing key
      results[t] = db.WriteGrouped([&](Connection& c) -> Result<void> {
        ESAFE_TRY(c.Execute("INSERT INTO grouped (id, writer) VALUES (?, ?)", {id, int64_t{t}}));
        return Ok();
      });
    });
  }
  for (auto& t : threads) t.join();
  for (int t = 0; t < 9; ++t) {
    if (t == 4) {
      ASSERT_FALSE(results[t].ok());
      EXPECT_EQ(results[t].error().kind, ErrorKind::kConflict);
    } else {
      EXPECT_TRUE(results[t].ok()) << t << ": " << results[t].error().message;
    }
  }
  EXPECT_EQ(CountRows(db), 9);  // the one there before and eight new
}

}  // namespace
}  // namespace esafe::store
