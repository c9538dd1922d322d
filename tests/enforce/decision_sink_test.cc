// JsonLinesSink: one activity-log JSON line per decision, from many threads at once,
// read back by the log's own parser; a rotated file is reopened; a failing file is
// reported once per streak and every lost decision counted.
#include "enforce/decision_sink.h"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace esafe::enforce {
namespace {

namespace fs = std::filesystem;

fs::path TempPath(const std::string& name) {
  return fs::temp_directory_path() / ("esafe-decisions-" + std::to_string(::getpid()) + "-" + name + ".jsonl");
}

activity::ActivityEvent Event(int i) {
  activity::ActivityEvent event;
  event.time_us = 1'700'000'000'000'000 + i;
  event.point = "icap";
  event.client = *activity::ParseIp("10.0.0." + std::to_string(i % 250));
  event.agency = std::to_string(i % 4);
  event.profile = "primary";
  event.url = "http://a.example/" + std::to_string(i);
  event.host = "a.example";
  event.category = i % 2 ? "adult" : "";
  event.entry = i % 2 ? "a.example" : "";
  event.list = event.category;
  event.reason = i % 2 ? "category" : "no match";
  event.action = i % 2 ? activity::Action::kBlock : activity::Action::kAllow;
  event.list_version = "v/lists-1";
  return event;
}

std::vector<activity::ActivityEvent> ReadBack(const fs::path& path) {
  std::vector<activity::ActivityEvent> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    auto event = activity::ParseEventJson(line);  // the log's own parser: an interleaved line fails
    EXPECT_TRUE(event.ok()) << line << ": " << (event.ok() ? "" : event.error().message);
    if (event.ok()) out.push_back(*event);
  }
  return out;
}

// Routes spdlog's default logger into a string for the test's lifetime.
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("captured", sink));
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

TEST(DecisionSinkTest, JsonLinesFromManyThreadsAreTheLogsEvents) {
  const auto path = TempPath("threads");
  fs::remove(path);
  {
    auto sink = JsonLinesSink::Open(path);
    ASSERT_TRUE(sink.ok()) << sink.error().message;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 250; ++i) (*sink)->Record(Event(t * 250 + i));
      });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ((*sink)->failures(), 0u);
  }
  auto events = ReadBack(path);
  ASSERT_EQ(events.size(), 1000u);
  std::sort(events.begin(), events.end(), [](const auto& a, const auto& b) { return a.time_us < b.time_us; });
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(events[i], Event(i)) << i;
  fs::remove(path);
  EXPECT_FALSE(JsonLinesSink::Open("/nonexistent-dir/x.jsonl").ok());
}

TEST(DecisionSinkTest, ARotatedFileIsReopenedAndLaterDecisionsLandInTheNewFile) {
  const auto path = TempPath("rotate"), rotated = TempPath("rotate.1");
  fs::remove(path);
  fs::remove(rotated);
  auto sink = JsonLinesSink::Open(path, std::chrono::milliseconds(20));
  ASSERT_TRUE(sink.ok());
  for (int i = 0; i < 3; ++i) (*sink)->Record(Event(i));
  fs::rename(path, rotated);  // logrotate's default: rename, then the writer must reopen
  // Within the check interval a line still goes to the open (renamed) file: no stat per line.
  (*sink)->Record(Event(3));
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  for (int i = 4; i < 7; ++i) (*sink)->Record(Event(i));
  EXPECT_EQ((*sink)->reopens(), 1u);
  EXPECT_EQ((*sink)->failures(), 0u);
  ASSERT_TRUE(fs::exists(path));
  const auto old_file = ReadBack(rotated), new_file = ReadBack(path);
  ASSERT_EQ(old_file.size(), 4u);
  ASSERT_EQ(new_file.size(), 3u);
  EXPECT_EQ(new_file[0], Event(4));
  EXPECT_EQ(new_file[2], Event(6));
  // Removed outright (not renamed): a new file again.
  fs::remove(path);
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  (*sink)->Record(Event(7));
  EXPECT_EQ((*sink)->reopens(), 2u);
  ASSERT_EQ(ReadBack(path).size(), 1u);
  fs::remove(path);
  fs::remove(rotated);
}

TEST(DecisionSinkTest, AFullDiskIsLoggedOncePerStreakAndEveryLostDecisionCounted) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  CapturedLog log;
  auto sink = JsonLinesSink::Open("/dev/full");
  ASSERT_TRUE(sink.ok()) << sink.error().message;
  for (int i = 0; i < 5; ++i) (*sink)->Record(Event(i));
  EXPECT_EQ((*sink)->failures(), 5u);
  const std::string text = log.text();
  EXPECT_NE(text.find("decision log /dev/full"), std::string::npos) << text;
  EXPECT_NE(text.find("No space left on device"), std::string::npos) << text;
  EXPECT_NE(text.find("error"), std::string::npos) << text;
  // Once per streak, not once per line.
  size_t lines = 0;
  for (size_t at = text.find("decision log"); at != std::string::npos; at = text.find("decision log", at + 1)) ++lines;
  EXPECT_EQ(lines, 1u) << text;
}

}  // namespace
}  // namespace esafe::enforce
