// PgMirrorFollower against a real PostgreSQL (ESAFE_TEST_DB, set by the postgres fixture
// for postgres.activity_mirror; skipped elsewhere): each segment sealed while it runs
// reaches PostgreSQL within a few intervals, exactly once, and a follower that cannot
// connect says so at once.
#include "activity/pg_follow.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include <gtest/gtest.h>

#include "activity/activity_test_util.h"
#include "support/wait_for.h"

namespace esafe::activity {
namespace {

class PgMirrorFollowerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* v = std::getenv("ESAFE_TEST_DB");
    if (!v || std::string(v).rfind("postgresql://", 0) != 0) GTEST_SKIP() << "needs ESAFE_TEST_DB=postgresql://…";
    url_ = v;
    schema_ = "follow_test_" + std::to_string(::getpid());
    conn_ = PQconnectdb(url_.c_str());
    ASSERT_EQ(PQstatus(conn_), CONNECTION_OK) << PQerrorMessage(conn_);
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
    Exec("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
  }
  void TearDown() override {
    if (!conn_) return;
    Exec("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
    PQfinish(conn_);
  }
  std::string Exec(const std::string& sql) {
    PGresult* res = PQexec(conn_, sql.c_str());
    std::string first = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0 ? PQgetvalue(res, 0, 0) : "";
    PQclear(res);
    return first;
  }
  uint64_t Mirrored() {
    auto n = Exec("SELECT count(*) FROM " + schema_ + ".events");
    return n.empty() ? 0 : std::stoull(n);
  }
  template <typename Pred>
  bool WaitFor(Pred pred) {
    return testing_support::WaitFor(pred, std::chrono::seconds(15));
  }

  std::string url_, schema_;
  PGconn* conn_ = nullptr;
};

TEST_F(PgMirrorFollowerTest, EachSealedSegmentArrivesOnceWhileTheLogGrows) {
  testing::TempDir tmp;
  const std::string dir = tmp.sub("log");
  auto store = Store::Open(dir, {.segment_events = 500, .sync = false});
  ASSERT_TRUE(store.ok()) << store.error().message;
  testing::EventGen gen(7, 3);
  // A segment is sealed when a batch brings it to 500 events: two sealed, 200 waiting.
  for (size_t n : {500, 500, 200}) ASSERT_TRUE((*store)->Append(gen.Batch(n)).ok());

  PgMirrorOptions options;
  options.schema = schema_;
  std::atomic<uint64_t> passes_with_copies{0};
  auto follower = PgMirrorFollower::Start(url_, options, dir, std::chrono::milliseconds(100),
                                          [&](const Result<PgMirrorReport>& r) {
                                            if (r.ok() && r->segments_copied > 0) ++passes_with_copies;
                                          });
  ASSERT_TRUE(follower.ok()) << follower.error().message;
  ASSERT_TRUE(WaitFor([&] { return Mirrored() == 1000; })) << Mirrored();

  // The log grows while the follower runs: what is sealed arrives, what is not waits.
  ASSERT_TRUE((*store)->Append(gen.Batch(300)).ok());  // the third segment is sealed
  ASSERT_TRUE((*store)->Append(gen.Batch(100)).ok());  // and 100 wait in a fourth
  ASSERT_TRUE(WaitFor([&] { return Mirrored() == 1500; })) << Mirrored();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(Mirrored(), 1500u);
  ASSERT_TRUE((*store)->Seal().ok());
  ASSERT_TRUE(WaitFor([&] { return Mirrored() == 1600; })) << Mirrored();
  std::this_thread::sleep_for(std::chrono::milliseconds(400));  // more passes: nothing twice
  EXPECT_EQ(Mirrored(), 1600u);
  const auto stats = (*follower)->stats();
  EXPECT_GE(stats.passes, 4u);
  EXPECT_EQ(stats.failed_passes, 0u);
  EXPECT_EQ(stats.events_copied, 1600u);
  EXPECT_GE(passes_with_copies.load(), 3u);
  EXPECT_EQ(Exec("SELECT count(DISTINCT seq) FROM " + schema_ + ".segments"), "4");
}

TEST_F(PgMirrorFollowerTest, UnreachableDatabaseOrBadIntervalIsRefusedAtStart) {
  testing::TempDir tmp;
  PgMirrorOptions options;
  options.schema = schema_;
  auto unreachable = PgMirrorFollower::Start("postgresql://esafe@127.0.0.1:1/esafe", options, tmp.path(),
                                             std::chrono::seconds(1));
  EXPECT_FALSE(unreachable.ok());
  auto too_fast = PgMirrorFollower::Start(url_, options, tmp.path(), std::chrono::milliseconds(1));
  ASSERT_FALSE(too_fast.ok());
  EXPECT_EQ(too_fast.error().field, "interval");
}

}  // namespace
}  // namespace esafe::activity
