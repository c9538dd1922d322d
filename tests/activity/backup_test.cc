// BackupLog and RestoreLog (src/activity/backup.cc): a copy taken while a writer
// appends and seals holds every acknowledged event and verifies.
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "activity/activity.h"
#include "activity/activity_test_util.h"

namespace esafe::activity {
namespace {

using testing::EventGen;
using testing::TempDir;

std::set<std::string> UrlsIn(const std::string& dir) {
  std::set<std::string> urls;
  auto reader = LogReader::Open(dir);
  EXPECT_TRUE(reader.ok()) << reader.error().message;
  if (!reader.ok()) return urls;
  auto searched = reader->Search(Query{}, [&](const ActivityEvent& e) {
    urls.insert(e.url);
    return true;
  });
  EXPECT_TRUE(searched.ok()) << searched.error().message;
  return urls;
}

TEST(LogBackupTest, CopyWhileAppendingAndSealingHoldsEveryAcknowledgedEventAndVerifies) {
  TempDir tmp;
  const std::string src = tmp.sub("log");
  auto store = Store::Open(src, {.segment_events = 300, .sync = false});
  ASSERT_TRUE(store.ok()) << store.error().message;
  EventGen gen(7);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> acked{0};
  // Batch n's URLs are http://backup.example/n/i: the count acknowledged so far names them.
  std::thread writer([&] {
    for (uint64_t n = 0; !stop; ++n) {
      std::vector<ActivityEvent> batch;
      for (int i = 0; i < 20; ++i) {
        ActivityEvent e = gen.Next();
        e.url = "http://backup.example/" + std::to_string(n) + "/" + std::to_string(i);
        batch.push_back(std::move(e));
      }
      if (!(*store)->Append(batch).ok()) return;
      acked = n + 1;
    }
  });
  while (acked < 100) std::this_thread::yield();
  const uint64_t before = acked;
  auto backup = BackupLog(src, tmp.sub("backup"));
  // Keep writing a little after the copy, as serve would.
  while (acked < before + 20) std::this_thread::yield();
  stop = true;
  writer.join();
  ASSERT_TRUE(backup.ok()) << backup.error().message;
  EXPECT_GT(backup->segments, 5u);
  EXPECT_EQ(backup->files.front(), "chain.log");

  auto restored = RestoreLog(tmp.sub("backup"), tmp.sub("restored"), false);
  ASSERT_TRUE(restored.ok()) << restored.error().message;
  EXPECT_TRUE(restored->ok);
  auto verified = Verify(tmp.sub("restored"), backup->head_hash);
  ASSERT_TRUE(verified.ok());
  EXPECT_TRUE(verified->ok) << (verified->problems.empty() ? "" : verified->problems.front());

  const auto urls = UrlsIn(tmp.sub("restored"));
  for (uint64_t n = 0; n < before; ++n)
    for (int i = 0; i < 20; ++i)
      ASSERT_TRUE(urls.count("http://backup.example/" + std::to_string(n) + "/" + std::to_string(i)))
          << "batch " << n << " acknowledged before the backup is missing";
  // The restored log opens for writing, and a Store there carries on.
  auto reopened = Store::Open(tmp.sub("restored"));
  ASSERT_TRUE(reopened.ok()) << reopened.error().message;
  EXPECT_TRUE((*reopened)->Append(std::vector<ActivityEvent>{gen.Next()}).ok());
}

TEST(LogBackupTest, RefusesANonEmptyDestinationAndTarget) {
  TempDir tmp;
  {
    auto store = Store::Open(tmp.sub("log"));
    ASSERT_TRUE(store.ok());
    EventGen gen(1);
    ASSERT_TRUE((*store)->Append(std::vector<ActivityEvent>{gen.Next(), gen.Next()}).ok());
  }
  std::filesystem::create_directories(tmp.sub("full"));
  std::ofstream(tmp.sub("full/keep.txt")) << "mine\n";
  auto refused = BackupLog(tmp.sub("log"), tmp.sub("full"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::kInvalid);
  EXPECT_TRUE(std::filesystem::exists(tmp.sub("full/keep.txt")));

  ASSERT_TRUE(BackupLog(tmp.sub("log"), tmp.sub("backup")).ok());
  auto over = RestoreLog(tmp.sub("backup"), tmp.sub("full"), false);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().kind, ErrorKind::kInvalid);
  EXPECT_TRUE(std::filesystem::exists(tmp.sub("full/keep.txt")));

  // A log that a Store has open is never replaced, even with force.
  auto busy = RestoreLog(tmp.sub("backup"), tmp.sub("log"), true);
  {
    auto open = Store::Open(tmp.sub("log"));
    ASSERT_TRUE(open.ok());
    auto in_use = RestoreLog(tmp.sub("backup"), tmp.sub("log"), true);
    ASSERT_FALSE(in_use.ok());
    EXPECT_EQ(in_use.error().kind, ErrorKind::kConflict);
  }
  ASSERT_TRUE(busy.ok()) << busy.error().message;

  auto forced = RestoreLog(tmp.sub("backup"), tmp.sub("full"), true);
  ASSERT_TRUE(forced.ok()) << forced.error().message;
  EXPECT_FALSE(std::filesystem::exists(tmp.sub("full/keep.txt")));
  EXPECT_EQ(forced->events + forced->wal_events, 2u);
  EXPECT_FALSE(std::filesystem::exists(tmp.sub("full.restoring")));
}

TEST(LogBackupTest, ATamperedSegmentInTheBackupIsNotRestored) {
  TempDir tmp;
  {
    auto store = Store::Open(tmp.sub("log"));
    ASSERT_TRUE(store.ok());
    EventGen gen(3);
    std::vector<ActivityEvent> batch;
    for (int i = 0; i < 50; ++i) batch.push_back(gen.Next());
    ASSERT_TRUE((*store)->Append(batch).ok());
    ASSERT_TRUE((*store)->Seal().ok());
  }
  auto backup = BackupLog(tmp.sub("log"), tmp.sub("backup"));
  ASSERT_TRUE(backup.ok());
  ASSERT_EQ(backup->segments, 1u);
  {
    std::fstream f(tmp.sub("backup/" + backup->files[1]), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(40);
    f.put('\x5a');
  }
  auto restored = RestoreLog(tmp.sub("backup"), tmp.sub("restored"), false);
  ASSERT_FALSE(restored.ok());
  EXPECT_EQ(restored.error().kind, ErrorKind::kConflict);
  EXPECT_FALSE(std::filesystem::exists(tmp.sub("restored")));
}

}  // namespace
}  // namespace esafe::activity
