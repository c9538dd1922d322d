// Reads of people's records are audited through the grouped commit
// (access::RecordAudit on a Database): each read leaves exactly one event, and a
// read whose event cannot be written fails instead of returning the record.
#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "directory/directory.h"
#include "support/test_database.h"

namespace esafe::directory {
namespace {

access::Principal Admin(int64_t user_id) {
  access::Principal p;
  p.user_id = user_id;
  p.username = "admin" + std::to_string(user_id);
  p.role = access::Role::kPartnershipAdmin;
  return p;
}

class AuditedReads : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(LoadDemo(tdb.db(), "directory-test-password-1").ok()); }

  int64_t Count(const std::string& sql, const std::vector<store::Value>& params) {
    auto n = tdb.db().Read<int64_t>([&](store::Connection& c) -> Result<int64_t> {
      auto row = c.QueryOne(sql, params, "count");
      if (!row.ok()) return row.error();
      return row->Int("n");
    });
    EXPECT_TRUE(n.ok()) << n.error().message;
    return n.ok() ? *n : -1;
  }
  int64_t FirstPerson() {
    auto people = Directory(tdb.db()).List(Kind::kPerson, Admin(1), {});
    EXPECT_TRUE(people.ok() && !people->empty());
    return people.ok() && !people->empty() ? (*people)[0]["id"].get<int64_t>() : 0;
  }

  testing::TestDatabase tdb;
};

TEST_F(AuditedReads, EveryConcurrentReadLeavesExactlyOneEvent) {
  int64_t person = FirstPerson();
  ASSERT_GT(person, 0);
  constexpr int kReaders = 24, kEach = 5;
  std::atomic<int> failed{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < kReaders; ++t) {
    readers.emplace_back([&, t] {
      Directory dir(tdb.db());
      for (int i = 0; i < kEach; ++i) {
        auto got = dir.Get(Kind::kPerson, Admin(100 + t), person);
        if (!got.ok() || (*got)["id"] != person) ++failed;
        auto listed = dir.ListPage(Kind::kPerson, Admin(100 + t), {}, {.limit = 5, .after = nullptr});
        if (!listed.ok() || listed->items.empty()) ++failed;
      }
    });
  }
  for (auto& r : readers) r.join();
  EXPECT_EQ(failed.load(), 0);
  for (int t = 0; t < kReaders; ++t) {
    EXPECT_EQ(Count("SELECT COUNT(*) AS n FROM audit_events WHERE user_id = ? AND action = 'read' AND entity = "
                    "'person' AND entity_id = ?",
                    {int64_t{100 + t}, person}),
              kEach)
        << "reader " << t;
    EXPECT_EQ(Count("SELECT COUNT(*) AS n FROM audit_events WHERE user_id = ? AND action = 'list' AND entity = "
                    "'person'",
                    {int64_t{100 + t}}),
              kEach)
        << "reader " << t;
  }
}

TEST_F(AuditedReads, AReadWhoseEventCannotBeWrittenFails) {
  int64_t person = FirstPerson();
  ASSERT_GT(person, 0);
  Directory dir(tdb.db());
  // The audit trail's table gone: the people are still there to read, their reads cannot be recorded.
  ASSERT_TRUE(tdb.db().Transaction<void>([](store::Connection& c) {
    return c.ExecuteScript("ALTER TABLE audit_events RENAME TO audit_events_away");
  }).ok());
  auto got = dir.Get(Kind::kPerson, Admin(7), person);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().kind, ErrorKind::kInternal);
  EXPECT_FALSE(dir.List(Kind::kPerson, Admin(7), {}).ok());
  // Agencies are not audited per read, so their reads are unaffected.
  EXPECT_TRUE(dir.List(Kind::kAgency, Admin(7), {}).ok());

  ASSERT_TRUE(tdb.db().Transaction<void>([](store::Connection& c) {
    return c.ExecuteScript("ALTER TABLE audit_events_away RENAME TO audit_events");
  }).ok());
  EXPECT_TRUE(dir.Get(Kind::kPerson, Admin(7), person).ok());
  EXPECT_EQ(Count("SELECT COUNT(*) AS n FROM audit_events WHERE user_id = 7 AND action = 'read'", {}), 1);
}

}  // namespace
}  // namespace esafe::directory
