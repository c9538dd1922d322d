// The rules over the activity log, end to end: `esafe monitor run`'s RunOverLog over a
// real log store (a rerun records nothing new), and live monitoring — events posted to
// the real IngestServer, acknowledged by the real Store, evaluated by the LiveMonitor,
// the alert recorded and the critical one e-mailed through a local SMTP sink.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include "incidents/incident_fixture.h"
#include "monitoring/generated_activity.h"
#include "monitoring/monitoring.h"
#include "monitoring/smtp_sink.h"
#include "support/wait_for.h"

namespace esafe::monitoring {
namespace {

using ::testing::HasSubstr;
using testing_support::WaitFor;
using ::testing::Not;

std::string TermsDir() { return std::string(std::getenv("ESAFE_SOURCE_DIR")) + "/data/monitoring/terms"; }

std::string TempPath() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "esafe-monitor-XXXXXX").string();
  return ::mkdtemp(tmpl.data());
}

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t CountAlerts(store::Database& db) {
  auto n = db.Read<int64_t>([](store::Connection& c) -> Result<int64_t> {
    auto rows = c.Query("SELECT COUNT(*) AS n FROM monitoring_alerts");
    if (!rows.ok()) return rows.error();
    return (*rows)[0].Int("n");
  });
  return n.ok() ? *n : -1;
}

class MonitorRunTest : public incidents::IncidentFixture {};

TEST_F(MonitorRunTest, PlantedAlertsAreRecordedOnceAcrossReruns) {
  const std::string dir = TempPath();
  {
    auto store = activity::Store::Open(dir + "/log", {.segment_events = 5000});
    ASSERT_TRUE(store.ok()) << store.error().message;
    const auto events = testing::Merge(testing::CleanActivity(), testing::Plants());
    for (size_t i = 0; i < events.size(); i += 1000) {
      const size_t n = std::min<size_t>(1000, events.size() - i);
      ASSERT_TRUE((*store)->Append(std::span(events).subspan(i, n)).ok());
    }
  }
  TermsInForce terms;
  ASSERT_TRUE(terms.Reload(TermsDir()).ok());
  std::vector<std::string> raised;
  auto first = RunOverLog(tdb.db(), dir + "/log", {}, terms, {}, [&](int64_t, const AlertDraft& d) {
    raised.push_back(std::string(RuleName(d.rule)) + ":" + std::string(SeverityName(d.severity)));
  });
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->recorded, 6u);
  EXPECT_EQ(first->repeats, 0u);
  EXPECT_THAT(raised, ::testing::UnorderedElementsAre("risky_search:critical", "risky_search:critical",
                                                      "risky_search:critical",
                                                      "repeated_blocks:medium", "block_rate_spike:medium",
                                                      "proxy_avoidance:medium"));
  EXPECT_EQ(CountAlerts(tdb.db()), 6);

  auto again = RunOverLog(tdb.db(), dir + "/log", {}, terms, {});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->recorded, 0u);
  EXPECT_EQ(again->repeats, 6u);
  EXPECT_EQ(CountAlerts(tdb.db()), 6);

  // A range that holds only the radicalisation search raises it again, and it is known.
  activity::Query hour;
  hour.from_us = testing::kStartUs + 199 * testing::kMinuteUs;
  hour.to_us = testing::kStartUs + 230 * testing::kMinuteUs;
  auto part = RunOverLog(tdb.db(), dir + "/log", hour, terms, {});
  ASSERT_TRUE(part.ok());
  EXPECT_EQ(part->recorded, 0u);
  EXPECT_EQ(part->repeats, 1u);
  EXPECT_EQ(CountAlerts(tdb.db()), 6);

  auto empty = RunOverLog(tdb.db(), dir + "/missing", {}, terms, {});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->monitor.events, 0u);
  EXPECT_EQ(empty->recorded, 0u);
  std::filesystem::remove_all(dir);
}

// Posts JSON lines to the ingest socket as one batch and returns the server's answer.
std::string PostBatch(const std::string& socket_path, const std::vector<std::string>& lines) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_path.c_str(), sizeof addr.sun_path - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "connect failed";
  }
  std::string data;
  for (const auto& l : lines) data += l + "\n";
  data += "\n";
  for (size_t done = 0; done < data.size();) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  std::string reply;
  char c;
  while (::read(fd, &c, 1) == 1 && c != '\n') reply.push_back(c);
  ::close(fd);
  return reply;
}

std::string Line(int64_t time_us, const std::string& client, const std::string& url, const std::string& category,
                 const std::string& action) {
  auto e = testing::Event(time_us, 0, 1, url, category, *activity::ParseAction(action));
  e.client = *activity::ParseIp(client);
  return activity::FormatEventJson(e);
}

class LiveMonitorTest : public incidents::IncidentFixture {
 protected:
  void SetUp() override {
    IncidentFixture::SetUp();
    dir = TempPath();
    ASSERT_TRUE(terms.Reload(TermsDir()).ok());
    ASSERT_TRUE(AlertLog(tdb.db()).AddRecipient(Officer(school), school, "School ESLO", "eslo@northfield.example").ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir); }


  std::string dir;
  TermsInForce terms;
};

TEST_F(LiveMonitorTest, ARiskySearchThroughIngestIsAlertedAndMailedWithinSeconds) {
  testing::SmtpSink sink;
  SmtpSettings mail;
  mail.port = sink.port();
  mail.from = "esafe-alerts@partnership.example";
  mail.timeout = std::chrono::milliseconds(2000);
  // The default rules: a critical search does not wait for its 300-second window.
  RuleSettings rules;
  LiveMonitorOptions options;
  options.tick = std::chrono::milliseconds(100);
  LiveMonitor monitor(tdb.db(), terms, rules, mail, {}, options);

  auto store = activity::Store::Open(dir + "/log");
  ASSERT_TRUE(store.ok()) << store.error().message;
  (*store)->SetBatchObserver([&](std::span<const activity::ActivityEvent> batch) { monitor.Offer(batch); });
  auto server = activity::IngestServer::Create(**store, dir + "/ingest.sock");
  ASSERT_TRUE(server.ok()) << server.error().message;
  std::thread runner([&] { (*server)->Run(); });

  // A clean control batch: ordinary searches and pages. No alert, no mail.
  const int64_t now = NowUs();
  std::vector<std::string> clean;
  for (int i = 0; i < 20; ++i) {
    clean.push_back(Line(now + i * 1000, "10.0.1.30", "https://www.google.com/search?q=homework+help+fractions", "search", "allow"));
    clean.push_back(Line(now + i * 1000 + 500, "10.0.1.31", "https://en.wikipedia.org/wiki/Volcano", "education", "allow"));
  }
  EXPECT_THAT(PostBatch(dir + "/ingest.sock", clean), HasSubstr("\"accepted\":40"));
  ASSERT_TRUE(WaitFor([&] { return monitor.stats().batches == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(CountAlerts(tdb.db()), 0);
  EXPECT_TRUE(sink.messages().empty());

  // The planted risky searches.
  const auto posted_at = std::chrono::steady_clock::now();
  const int64_t later = NowUs();
  EXPECT_THAT(PostBatch(dir + "/ingest.sock",
                        {Line(later, "10.0.1.201", "https://www.google.co.uk/search?q=how+to+K1LL++mys3lf", "search", "allow"),
                         Line(later + 1000, "10.0.1.201", "https://www.bing.com/search?q=suicide%20methods", "search", "allow")}),
              HasSubstr("\"accepted\":2"));
  ASSERT_TRUE(WaitFor([&] { return !sink.messages().empty(); })) << "no e-mail within 8 seconds";
  const auto took = std::chrono::steady_clock::now() - posted_at;
  EXPECT_LT(took, std::chrono::seconds(5));
  EXPECT_EQ(CountAlerts(tdb.db()), 1);
  auto listed = AlertLog(tdb.db()).List(Officer(school), {});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0]["severity"], "critical");
  EXPECT_EQ((*listed)[0]["rule"], "risky_search");
  // The first search is the alert; the second, a millisecond later, waits in the
  // window for a follow-up.
  EXPECT_EQ((*listed)[0]["event_count"], 1);
  const auto got = sink.messages();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_THAT(got[0].to, ::testing::ElementsAre("<eslo@northfield.example>"));
  EXPECT_THAT(got[0].data, HasSubstr("Subject: [esafe] critical alert #"));
  EXPECT_THAT(got[0].data, Not(HasSubstr("10.0.1.201")));
  EXPECT_THAT(got[0].data, Not(HasSubstr("mys3lf")));

  (*server)->Stop();
  runner.join();
  const auto stats = monitor.stats();
  EXPECT_EQ(stats.batches, 2u);
  EXPECT_EQ(stats.dropped_batches, 0u);
  EXPECT_EQ(stats.alerts, 1u);
  EXPECT_EQ(stats.mails, 1u);
  std::cerr << "critical alert e-mailed "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms after its batch was posted\n";
}

TEST_F(LiveMonitorTest, AFullQueueDropsAndCountsButNeverBlocks) {
  LiveMonitorOptions options;
  options.max_queued_batches = 2;
  options.tick = std::chrono::milliseconds(100);
  // No relay: the alerts wait in the database for the digest.
  LiveMonitor monitor(tdb.db(), terms, {}, std::nullopt, {}, options);
  const auto events = testing::Merge(testing::CleanActivity(60), testing::Plants());
  const auto start = std::chrono::steady_clock::now();
  uint64_t offered = 0, dropped = 0;
  for (size_t i = 0; i < events.size(); i += 10) {
    const size_t n = std::min<size_t>(10, events.size() - i);
    ++offered;
    if (!monitor.Offer(std::span(events).subspan(i, n))) ++dropped;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  ASSERT_TRUE(WaitFor([&] { return monitor.stats().queued == 0; }));
  const auto stats = monitor.stats();
  EXPECT_GT(dropped, 0u);
  EXPECT_EQ(stats.dropped_batches, dropped);
  EXPECT_EQ(stats.batches + stats.dropped_batches, offered);
}

// How many events a second the live path evaluates and records: the generated
// eight hours with the plants, offered in batches of 500, timed until evaluated.
TEST_F(LiveMonitorTest, Throughput) {
  LiveMonitorOptions options;
  options.max_queued_batches = 100000;
  options.tick = std::chrono::milliseconds(50);
  LiveMonitor monitor(tdb.db(), terms, {}, std::nullopt, {}, options);
  const auto events = testing::Merge(testing::CleanActivity(), testing::Plants());
  const auto start = std::chrono::steady_clock::now();
  uint64_t offered = 0;
  for (size_t i = 0; i < events.size(); i += 500) {
    ASSERT_TRUE(monitor.Offer(std::span(events).subspan(i, std::min<size_t>(500, events.size() - i))));
    ++offered;
  }
  ASSERT_TRUE(WaitFor([&] { return monitor.stats().batches == offered; }, std::chrono::seconds(60)));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cerr << "live monitor: " << events.size() << " events in " << seconds << " s = "
            << static_cast<uint64_t>(events.size() / seconds) << " events/s\n";
  EXPECT_EQ(monitor.stats().monitor.events, events.size());
}

// How many alerts a second the live path records: 2,000 clients each making one risky
// search two seconds after the last (each its own alert), offered in batches of 100
// and timed until every alert is in the database (SQLite in the test's directory).
TEST_F(LiveMonitorTest, AlertThroughput) {
  RuleSettings rules;
  rules.search_window = std::chrono::seconds(1);
  LiveMonitorOptions options;
  options.max_queued_batches = 100000;
  options.tick = std::chrono::milliseconds(50);
  LiveMonitor monitor(tdb.db(), terms, rules, std::nullopt, {}, options);
  std::vector<activity::ActivityEvent> events;
  constexpr int kAlerts = 2000;
  for (int i = 0; i < kAlerts; ++i) {
    auto e = testing::Event(testing::kStartUs + i * 2000000LL, i % 3, 1, "https://www.google.com/search?q=pipe+bomb",
                            "search", activity::Action::kAllow);
    e.client = *activity::ParseIp("10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250));
    events.push_back(std::move(e));
  }
  const auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < events.size(); i += 100) ASSERT_TRUE(monitor.Offer(std::span(events).subspan(i, 100)));
  ASSERT_TRUE(WaitFor([&] { return monitor.stats().alerts == kAlerts; }, std::chrono::seconds(120)))
      << monitor.stats().alerts;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cerr << "live monitor: " << kAlerts << " alerts recorded in " << seconds << " s = "
            << static_cast<uint64_t>(kAlerts / seconds) << " alerts/s\n";
  EXPECT_EQ(CountAlerts(tdb.db()), kAlerts);
}

}  // namespace
}  // namespace esafe::monitoring
