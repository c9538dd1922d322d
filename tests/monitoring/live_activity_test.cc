// LiveActivity as `esafe serve` runs it: the partnership edits a term library and the
// rule settings while it runs; each edit is put in force without a restart, a broken
// edit is refused with file, line and reason while what is in force keeps working, and
// the status says so.
#include "monitoring/live_activity.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "incidents/incident_fixture.h"
#include "monitoring/generated_activity.h"
#include "support/wait_for.h"

namespace esafe::monitoring {
namespace {

using ::testing::HasSubstr;
using testing_support::WaitFor;
namespace fs = std::filesystem;

int64_t WallClockMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void Write(const fs::path& path, const std::string& text) {
  // Written beside and renamed, as editors save: the watch must see a replaced file.
  const fs::path temp = path.string() + ".new";
  std::ofstream(temp) << text;
  fs::rename(temp, path);
}

class LiveActivityTest : public incidents::IncidentFixture {
 protected:
  void SetUp() override {
    IncidentFixture::SetUp();
    std::string tmpl = (fs::temp_directory_path() / "esafe-live-XXXXXX").string();
    dir = ::mkdtemp(tmpl.data());
    fs::create_directories(dir / "terms");
    fs::copy_file(fs::path(std::getenv("ESAFE_SOURCE_DIR")) / "data/monitoring/terms/drugs.yaml",
                  dir / "terms/drugs.yaml");
    Write(dir / "rules.yaml", "repeat_threshold: 10\n");
    options.log_dir = (dir / "log").string();
    options.terms_dir = (dir / "terms").string();
    options.rules_file = (dir / "rules.yaml").string();
    options.watch_every = std::chrono::milliseconds(100);
    options.monitor.tick = std::chrono::milliseconds(50);
  }
  void TearDown() override { fs::remove_all(dir); }

  // Alerts recorded for the school, by rule name.
  std::vector<std::string> Rules() {
    std::vector<std::string> rules;
    auto listed = AlertLog(tdb.db()).List(Lead(), {});
    EXPECT_TRUE(listed.ok());
    if (listed.ok()) {
      for (const auto& a : *listed) rules.push_back(a.value("rule", "") + ":" + a.value("subject", ""));
    }
    return rules;
  }

  void Offer(LiveActivity& live, std::vector<activity::ActivityEvent> events) { live.Observer()(events); }

  activity::ActivityEvent Search(int client, const std::string& words) {
    return testing::Event(WallClockMicros(), 0, client, "https://www.google.com/search?q=" + words, "search",
                          activity::Action::kAllow);
  }

  fs::path dir;
  LiveActivityOptions options;
};

TEST_F(LiveActivityTest, EditsToTermsAndRulesTakeEffectAndBrokenOnesAreRefused) {
  auto started = LiveActivity::Start(tdb.db(), options);
  ASSERT_TRUE(started.ok()) << started.error().message;
  LiveActivity& live = **started;
  EXPECT_TRUE(live.status().terms_loaded);
  EXPECT_EQ(live.status().terms_reloads, 0u);

  // A term the shipped library lacks raises nothing yet.
  Offer(live, {Search(70, "glitter+pills+dealer")});
  ASSERT_TRUE(WaitFor([&] { return live.status().monitor.batches == 1; }));
  EXPECT_TRUE(Rules().empty());

  // The partnership adds it, as critical: in force within the watch interval, and the
  // next such search is raised at once.
  std::ifstream in(dir / "terms/drugs.yaml");
  std::string drugs((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Write(dir / "terms/drugs.yaml", drugs + "  - {term: glitter pills dealer, risk: critical}\n");
  ASSERT_TRUE(WaitFor([&] { return live.status().terms_reloads == 1; }));
  Offer(live, {Search(71, "glitter+pills+dealer")});
  ASSERT_TRUE(WaitFor([&] { return Rules().size() == 1; })) << Rules().size();
  EXPECT_EQ(Rules()[0], "risky_search:drugs");

  // A broken edit is refused with file, line and reason; the terms in force stay.
  Write(dir / "terms/drugs.yaml", drugs + "  - {term: glitter pills dealer, risk: terrible}\n");
  ASSERT_TRUE(WaitFor([&] { return !live.status().terms_problem.empty(); }));
  EXPECT_THAT(live.status().terms_problem, HasSubstr("drugs.yaml:"));
  EXPECT_THAT(live.status().terms_problem, HasSubstr("'risk' must be low, medium, high or critical"));
  Offer(live, {Search(72, "glitter+pills+dealer")});
  ASSERT_TRUE(WaitFor([&] { return Rules().size() == 2; })) << Rules().size();

  // Rule settings: three blocked requests are not yet an alert at the threshold of ten…
  auto blocked = [&](int client) {
    std::vector<activity::ActivityEvent> events;
    for (int i = 0; i < 3; ++i) {
      events.push_back(testing::Event(WallClockMicros() + i, 0, client, "https://adult.example/" + std::to_string(i), "adult",
                                      activity::Action::kBlock));
    }
    return events;
  };
  Offer(live, blocked(80));
  ASSERT_TRUE(WaitFor([&] { return live.status().monitor.batches == 4; }));
  EXPECT_EQ(Rules().size(), 2u);
  // …and are at a threshold of three, once the partnership changes it.
  Write(dir / "rules.yaml", "repeat_threshold: 3\n");
  ASSERT_TRUE(WaitFor([&] { return live.status().rules_reloads == 1; }));
  Offer(live, blocked(81));
  ASSERT_TRUE(WaitFor([&] { return Rules().size() == 3; })) << Rules().size();

  // A broken rules file is refused; the threshold of three stays.
  Write(dir / "rules.yaml", "repeat_threshold: lots\n");
  ASSERT_TRUE(WaitFor([&] { return !live.status().rules_problem.empty(); }));
  EXPECT_THAT(live.status().rules_problem, HasSubstr("rules.yaml:1"));
  Offer(live, blocked(82));
  ASSERT_TRUE(WaitFor([&] { return Rules().size() == 4; })) << Rules().size();
  EXPECT_EQ(live.status().rules_reloads, 1u);

  const Json status = StatusJson(live.status());
  EXPECT_EQ(status["alerts"], 4);
  EXPECT_EQ(status["dropped_batches"], 0);
  EXPECT_EQ(status["ingesting"], false);
  EXPECT_THAT(status["rules_problem"].get<std::string>(), HasSubstr("rules.yaml:1"));
}

TEST_F(LiveActivityTest, ABrokenRulesFileStopsTheStartWithItsLine) {
  Write(dir / "rules.yaml", "search_window: 60\nrepeat_threshold: many\n");
  auto started = LiveActivity::Start(tdb.db(), options);
  ASSERT_FALSE(started.ok());
  EXPECT_THAT(started.error().message, HasSubstr("rules.yaml:2"));
}

TEST_F(LiveActivityTest, IngestSocketFeedsTheRules) {
  options.ingest_socket = (dir / "ingest.sock").string();
  auto started = LiveActivity::Start(tdb.db(), options);
  ASSERT_TRUE(started.ok()) << started.error().message;
  ASSERT_TRUE((*started)->StartIngest().ok());
  EXPECT_TRUE((*started)->status().ingesting);
  EXPECT_TRUE(fs::exists(dir / "ingest.sock"));
}

}  // namespace
}  // namespace esafe::monitoring
