// PgMirror against a real PostgreSQL (ESAFE_TEST_DB=postgresql://…, set by the postgres
// fixture for postgres.activity_mirror; skipped elsewhere). Each test writes a real log,
// mirrors it into its own schema and checks PostgreSQL's answers, through plain SQL,
// against a brute-force count over the events the log holds.
#include <libpq-fe.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "activity/activity_test_util.h"

namespace esafe::activity {
namespace {

using testing::EventGen;
using testing::kDay;
using testing::kT0;
using testing::TempDir;

std::string PgUrl() {
  const char* v = std::getenv("ESAFE_TEST_DB");
  return v && std::string(v).rfind("postgresql://", 0) == 0 ? v : "";
}

// A schema of its own for each test, dropped at the end.
class PgMirrorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = PgUrl();
    if (url_.empty()) GTEST_SKIP() << "needs ESAFE_TEST_DB=postgresql://… (ctest -L postgres)";
    static int counter = 0;
    schema_ = "mirror_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
    conn_ = PQconnectdb(url_.c_str());
    ASSERT_EQ(PQstatus(conn_), CONNECTION_OK) << PQerrorMessage(conn_);
    PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);  // "drop cascades to …"
    Sql("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
  }
  void TearDown() override {
    if (conn_) {
      Sql("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
      PQfinish(conn_);
    }
  }

  // Runs `sql` and returns its rows as text (column values joined by '|').
  std::vector<std::string> Sql(const std::string& sql) {
    PGresult* res = PQexec(conn_, sql.c_str());
    std::vector<std::string> rows;
    const auto st = PQresultStatus(res);
    EXPECT_TRUE(st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) << sql << ": " << PQresultErrorMessage(res);
    for (int i = 0; i < PQntuples(res); ++i) {
      std::string row;
      for (int c = 0; c < PQnfields(res); ++c) row += (c ? "|" : "") + std::string(PQgetvalue(res, i, c));
      rows.push_back(row);
    }
    PQclear(res);
    return rows;
  }
  uint64_t Count(const std::string& where = "true") {
    return std::stoull(Sql("SELECT count(*) FROM " + schema_ + ".events WHERE " + where).at(0));
  }
  std::set<std::string> Partitions() {
    auto rows = Sql("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                    "WHERE i.inhparent = '" + schema_ + ".events'::regclass");
    return {rows.begin(), rows.end()};
  }
  PgMirrorOptions Options() {
    PgMirrorOptions o;
    o.schema = schema_;
    return o;
  }
  Result<PgMirrorReport> MirrorOnce(const std::string& dir) {
    auto m = PgMirror::Connect(url_, Options());
    if (!m) return m.error();
    return (*m)->MirrorOnce(dir);
  }

  // Every check a partnership would make, against a brute-force count over `events`.
  void ExpectSameAsLog(const std::vector<ActivityEvent>& events) {
    EXPECT_EQ(Count(), events.size());
    std::map<std::string, uint64_t> per_day, per_host;
    uint64_t in_cidr = 0, blocked_gambling_police = 0;
    const IpRange range = *ParseCidr("10.1.0.0/16");
    for (const auto& e : events) {
      ++per_day[FormatTime(e.time_us / kDay * kDay).substr(0, 10)];
      ++per_host[e.host];
      in_cidr += range.Contains(e.client);
      blocked_gambling_police += e.agency == "police" && e.category == "gambling" && e.action == Action::kBlock;
    }
    std::map<std::string, uint64_t> pg_day, pg_host;
    for (const auto& row : Sql("SELECT (time AT TIME ZONE 'UTC')::date, count(*) FROM " + schema_ +
                               ".events GROUP BY 1")) {
      pg_day[row.substr(0, row.find('|'))] = std::stoull(row.substr(row.find('|') + 1));
    }
    for (const auto& row : Sql("SELECT host, count(*) FROM " + schema_ + ".events GROUP BY 1"))
      pg_host[row.substr(0, row.find('|'))] = std::stoull(row.substr(row.find('|') + 1));
    EXPECT_EQ(pg_day, per_day);
    EXPECT_EQ(pg_host, per_host);
    EXPECT_EQ(Count("client <<= '10.1.0.0/16'"), in_cidr);
    EXPECT_EQ(Count("agency = 'police' AND category = 'gambling' AND action = 'block'"), blocked_gambling_police);
    // The decision's columns.
    uint64_t icap_override = 0, safe = 0, no_node = 0, entries = 0;
    for (const auto& e : events) {
      icap_override += e.point == "icap" && e.reason == "override";
      safe += e.safe_search;
      no_node += e.node.empty();
      entries += !e.entry.empty();
    }
    EXPECT_EQ(Count("point = 'icap' AND reason = 'override'"), icap_override);
    EXPECT_EQ(Count("safe_search"), safe);
    EXPECT_EQ(Count("node IS NULL"), no_node);
    EXPECT_EQ(Count("entry IS NOT NULL"), entries);
    // One partition per day that has events, named after it.
    std::set<std::string> want;
    for (const auto& [day, n] : per_day) want.insert("events_" + day.substr(0, 4) + day.substr(5, 2) + day.substr(8, 2));
    EXPECT_EQ(Partitions(), want);
  }

  std::string url_, schema_;
  PGconn* conn_ = nullptr;
};

Result<void> WriteEvents(const std::string& dir, uint64_t n, int days, uint64_t seed) {
  auto store = Store::Open(dir, {.segment_events = 1000, .sync = false});
  if (!store) return store.error();
  EventGen gen(seed, days);
  for (uint64_t done = 0; done < n; done += 500) ESAFE_TRY((*store)->Append(gen.Batch(500)));
  return (*store)->Seal();
}

TEST_F(PgMirrorTest, CopiesSealedSegmentsIntoDailyPartitionsAndAnswersAsTheLogDoes) {
  TempDir tmp;
  const std::string dir = tmp.sub("log");
  ASSERT_TRUE(WriteEvents(dir, 6000, 6, 1).ok());
  auto report = MirrorOnce(dir);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->events_copied, 6000u);
  EXPECT_EQ(report->partitions_created, 6u);
  EXPECT_EQ(report->segments_mirrored, report->segments_copied);
  const auto events = testing::All(dir);
  ASSERT_EQ(events.size(), 6000u);
  ExpectSameAsLog(events);

  // A rerun copies nothing and changes nothing.
  auto again = MirrorOnce(dir);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->segments_copied, 0u);
  EXPECT_EQ(again->events_copied, 0u);
  ExpectSameAsLog(events);

  // Segments sealed later are picked up by the next pass.
  {
    auto store = Store::Open(dir, {.segment_events = 1000, .sync = false});
    ASSERT_TRUE(store.ok());
    EventGen gen(2, 6);
    ASSERT_TRUE((*store)->Append(gen.Batch(1500)).ok());
    ASSERT_TRUE((*store)->Seal().ok());
  }
  auto more = MirrorOnce(dir);
  ASSERT_TRUE(more.ok()) << more.error().message;
  EXPECT_EQ(more->events_copied, 1500u);
  ExpectSameAsLog(testing::All(dir));
}

// A mirror made before the decision columns (schema version 1) gains them in place:
// its rows stay, with the new columns NULL / false, and new segments fill them.
TEST_F(PgMirrorTest, AVersion1MirrorGainsTheDecisionColumns) {
  Sql("CREATE SCHEMA " + schema_);
  Sql("CREATE TABLE " + schema_ + ".mirror_meta (key text PRIMARY KEY, value text NOT NULL)");
  Sql("INSERT INTO " + schema_ + ".mirror_meta VALUES ('schema_version', '1'), ('partition', 'day')");
  Sql("CREATE TABLE " + schema_ +
      ".events (time timestamptz NOT NULL, client inet NOT NULL, user_ref text, site text, agency text, "
      "profile text, host text, url text NOT NULL, category text, list text, list_version text, "
      "action text NOT NULL CHECK (action IN ('allow', 'block', 'warn', 'override')), "
      "segment_seq bigint NOT NULL) PARTITION BY RANGE (time)");
  Sql("CREATE TABLE " + schema_ + ".events_old PARTITION OF " + schema_ +
      ".events FOR VALUES FROM ('2000-01-01') TO ('2000-01-02')");
  Sql("INSERT INTO " + schema_ + ".events (time, client, url, action, segment_seq) VALUES "
      "('2000-01-01T10:00:00Z', '10.0.0.1', 'http://old.example/', 'allow', 0)");
  TempDir tmp;
  const std::string dir = tmp.sub("log");
  ASSERT_TRUE(WriteEvents(dir, 1000, 2, 9).ok());
  auto report = MirrorOnce(dir);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->events_copied, 1000u);
  EXPECT_EQ(Sql("SELECT value FROM " + schema_ + ".mirror_meta WHERE key = 'schema_version'").at(0), "2");
  EXPECT_EQ(Sql("SELECT point IS NULL, safe_search FROM " + schema_ + ".events WHERE segment_seq = 0").at(0), "t|f");
  uint64_t icap = 0;
  for (const auto& e : testing::All(dir)) icap += e.point == "icap";
  EXPECT_EQ(Count("point = 'icap'"), icap);
  // Connecting again changes nothing.
  auto again = MirrorOnce(dir);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(Count(), 1001u);
}

TEST_F(PgMirrorTest, RetentionInTheLogIsMirroredByDroppingAndDeleting) {
  TempDir tmp;
  const std::string dir = tmp.sub("log");
  ASSERT_TRUE(WriteEvents(dir, 8000, 10, 3).ok());
  ASSERT_TRUE(MirrorOnce(dir).ok());
  ASSERT_EQ(Partitions().size(), 10u);
  {
    // Everything older than day 4 expires, except police events (kept to day 2):
    // segments wholly expired are deleted, mixed ones rewritten.
    auto store = Store::Open(dir, {.segment_events = 1000, .sync = false});
    ASSERT_TRUE(store.ok());
    RetentionPolicy policy{.default_days = 96, .agency_days = {{"police", 98}}};
    auto r = (*store)->ApplyRetention(policy, kT0 + 100 * kDay);
    ASSERT_TRUE(r.ok());
    ASSERT_GT(r->events_deleted, 0u);
  }
  auto report = MirrorOnce(dir);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_GT(report->segments_removed, 0u);
  EXPECT_EQ(report->removed_seqs.size(), report->segments_removed);
  EXPECT_EQ(report->partitions_dropped, 2u);  // days 0 and 1 hold nothing now
  EXPECT_EQ(std::stoull(Sql("SELECT count(*) FROM " + schema_ + ".removals").at(0)), report->segments_removed);
  ExpectSameAsLog(testing::All(dir));
}

// A kill -9 while a segment's transaction is open: PostgreSQL holds only whole
// segments, and the next pass completes the mirror without duplicates.
TEST_F(PgMirrorTest, KilledMidCopyLeavesNoHalfSegmentAndRerunCompletes) {
  TempDir tmp;
  const std::string dir = tmp.sub("log");
  ASSERT_TRUE(WriteEvents(dir, 5000, 3, 4).ok());
  ASSERT_TRUE(PgMirror::Connect(url_, Options()).ok());  // schema created before the fork
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    PgMirrorOptions o = Options();
    int copied = 0;
    o.before_commit = [&](uint64_t) {
      if (++copied == 3) ::raise(SIGKILL);
    };
    auto m = PgMirror::Connect(url_, o);
    if (m.ok()) (void)(*m)->MirrorOnce(dir);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  EXPECT_EQ(Sql("SELECT count(*) FROM " + schema_ + ".segments").at(0), "2");
  EXPECT_EQ(Count(), std::stoull(Sql("SELECT sum(events) FROM " + schema_ + ".segments").at(0)));
  // The killed client's backend releases the mirror's advisory lock when it notices.
  auto report = MirrorOnce(dir);
  for (int i = 0; i < 50 && !report.ok() && report.error().kind == ErrorKind::kConflict; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    report = MirrorOnce(dir);
  }
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->segments_copied, 3u);
  ExpectSameAsLog(testing::All(dir));
}

TEST_F(PgMirrorTest, RefusesASecondLogAndABadSchemaName) {
  TempDir tmp;
  ASSERT_TRUE(WriteEvents(tmp.sub("a"), 1000, 2, 5).ok());
  ASSERT_TRUE(WriteEvents(tmp.sub("b"), 1000, 2, 6).ok());
  ASSERT_TRUE(MirrorOnce(tmp.sub("a")).ok());
  auto other = MirrorOnce(tmp.sub("b"));
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().kind, ErrorKind::kConflict);
  PgMirrorOptions bad;
  bad.schema = "x; DROP TABLE y";
  auto m = PgMirror::Connect(url_, bad);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().kind, ErrorKind::kInvalid);
  PgMirrorOptions monthly = Options();
  monthly.partition = PgPartition::kMonth;
  auto clash = PgMirror::Connect(url_, monthly);
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.error().kind, ErrorKind::kConflict);
}

int ConnectUnix(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// A consortium: several enforcement nodes post to one ingest socket at once; the
// store seals, the mirror copies, and every event is in PostgreSQL exactly once.
TEST_F(PgMirrorTest, ManyNodesIngestIntoOneStoreAndEveryEventIsMirroredOnce) {
  TempDir tmp;
  const std::string dir = tmp.sub("log");
  auto store = Store::Open(dir, {.segment_events = 700, .sync = false});
  ASSERT_TRUE(store.ok());
  auto server = IngestServer::Create(**store, tmp.sub("ingest.sock"));
  ASSERT_TRUE(server.ok()) << server.error().message;
  std::thread runner([&] { (*server)->Run(); });
  constexpr int kNodes = 4, kBatches = 10, kPerBatch = 50;
  std::vector<std::thread> nodes;
  std::vector<int> acked(kNodes, 0);
  for (int n = 0; n < kNodes; ++n) {
    nodes.emplace_back([&, n] {
      const int fd = ConnectUnix(tmp.sub("ingest.sock"));
      if (fd < 0) return;
      for (int b = 0; b < kBatches; ++b) {
        std::string data;
        for (int i = 0; i < kPerBatch; ++i)
          data += R"({"time":"2026-11-)" + std::to_string(20 + b % 3) + R"(T10:00:00Z","client":"10.1.)" +
                  std::to_string(n) + "." + std::to_string(i + 1) + R"(","user":"node)" + std::to_string(n) + "-" +
                  std::to_string(b) + "-" + std::to_string(i) + R"(","url":"http://example.com/","action":"allow"})" "\n";
        data += "\n";
        if (::write(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size())) break;
        std::string reply;
        char c;
        while (::read(fd, &c, 1) == 1 && c != '\n') reply += c;
        if (reply.find("\"accepted\":" + std::to_string(kPerBatch)) != std::string::npos) ++acked[n];
      }
      ::close(fd);
    });
  }
  for (auto& t : nodes) t.join();
  (*server)->Stop();
  runner.join();
  for (int n = 0; n < kNodes; ++n) EXPECT_EQ(acked[n], kBatches) << "node " << n;
  ASSERT_TRUE((*store)->Seal().ok());
  auto report = MirrorOnce(dir);
  ASSERT_TRUE(report.ok()) << report.error().message;
  constexpr uint64_t kTotal = kNodes * kBatches * kPerBatch;
  EXPECT_EQ(report->events_copied, kTotal);
  EXPECT_EQ(Count(), kTotal);
  EXPECT_EQ(Sql("SELECT count(DISTINCT user_ref) FROM " + schema_ + ".events").at(0), std::to_string(kTotal));
  EXPECT_EQ(Count("client <<= '10.1.2.0/24'"), uint64_t{kBatches * kPerBatch});
  ExpectSameAsLog(testing::All(dir));
}

}  // namespace
}  // namespace esafe::activity
