// LogMaintenance: the timed seal puts every event under the hash chain within the
// interval however few arrive, and the daily retention run leaves held events.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "activity_test_util.h"

namespace esafe::activity {
namespace {

using testing::EventGen;
using testing::TempDir;

TEST(LogMaintenance, AFewEventsAreSealedWithinTheInterval) {
  TempDir dir;
  auto store = Store::Open(dir.sub("log"));
  ASSERT_TRUE(store.ok()) << store.error().message;
  EventGen gen(7, 1);
  std::vector<ActivityEvent> batch;
  for (int i = 0; i < 3; ++i) batch.push_back(gen.Next());
  ASSERT_TRUE((*store)->Append(batch).ok());
  auto before = Verify(dir.sub("log"));
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->segments, 0u);  // far below a segment's size: nothing seals it but time
  {
    LogMaintenance maintenance(**store, {.seal_interval = std::chrono::seconds(1)});
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (maintenance.stats().seals == 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(maintenance.stats().seals, 1u);
    EXPECT_EQ(maintenance.stats().seal_failures, 0u);
    EXPECT_GT(maintenance.stats().last_seal_us, 0);
  }
  EXPECT_EQ((*store)->ActiveEvents(), 0u);
  auto after = Verify(dir.sub("log"));
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->ok);
  EXPECT_EQ(after->segments, 1u);
  EXPECT_EQ(after->events, 3u);
}

TEST(LogMaintenance, AnEmptyActivePartIsNotSealedAndStoppingIsPrompt) {
  TempDir dir;
  auto store = Store::Open(dir.sub("log"));
  ASSERT_TRUE(store.ok());
  const auto start = std::chrono::steady_clock::now();
  {
    LogMaintenance maintenance(**store, {.seal_interval = std::chrono::seconds(1)});
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    EXPECT_EQ(maintenance.stats().seals, 0u);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  auto report = Verify(dir.sub("log"));
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->segments, 0u);
}

}  // namespace
}  // namespace esafe::activity
