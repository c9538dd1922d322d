#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "activity/internal.h"
#include "activity_test_util.h"

namespace esafe::activity {
namespace {

using testing::All;
using testing::EventGen;
using testing::TempDir;
using testing::Lines;

TEST(Store, AppendSealReopenKeepsEveryEvent) {
  TempDir dir;
  EventGen gen(1);
  std::vector<ActivityEvent> written;
  {
    auto store = Store::Open(dir.path(), {.segment_events = 100});
    ASSERT_TRUE(store.ok()) << store.error().message;
    for (int i = 0; i < 25; ++i) {
      auto batch = gen.Batch(17);
      ASSERT_TRUE((*store)->Append(batch).ok());
      written.insert(written.end(), batch.begin(), batch.end());
    }
    // Seals whenever 100 are waiting: after every 6 batches (102 events), 4 times.
    EXPECT_EQ((*store)->ActiveEvents(), 425u - 4 * 102);
  }
  EXPECT_EQ(Lines(All(dir.path())), Lines(written));
  auto reader = LogReader::Open(dir.path());
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(reader->segment_count(), 4u);
  EXPECT_EQ(reader->event_count(), written.size());
  // Reopen: the 17 WAL events are replayed, and still found after a seal.
  {
    auto store = Store::Open(dir.path(), {.segment_events = 100});
    ASSERT_TRUE(store.ok());
    EXPECT_EQ((*store)->ActiveEvents(), 17u);
    ASSERT_TRUE((*store)->Seal().ok());
    EXPECT_EQ((*store)->ActiveEvents(), 0u);
  }
  EXPECT_EQ(Lines(All(dir.path())), Lines(written));
  auto report = Verify(dir.path());
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << (report->problems.empty() ? "" : report->problems.front());
  EXPECT_EQ(report->segments, 5u);
  EXPECT_EQ(report->events, written.size());
}

TEST(Store, OnlyOneWriterAtATime) {
  TempDir dir;
  auto a = Store::Open(dir.path());
  ASSERT_TRUE(a.ok());
  auto b = Store::Open(dir.path());
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().kind, ErrorKind::kConflict);
}

TEST(Store, TornWalTailIsCutAndEarlierBatchesSurvive) {
  TempDir dir;
  EventGen gen(2);
  std::vector<ActivityEvent> first;
  {
    auto store = Store::Open(dir.path());
    ASSERT_TRUE(store.ok());
    first = gen.Batch(50);
    ASSERT_TRUE((*store)->Append(first).ok());
    ASSERT_TRUE((*store)->Append(gen.Batch(50)).ok());
  }
  const std::string wal = dir.sub(internal::WalFileName(1));
  const auto size = std::filesystem::file_size(wal);
  // Tear the second batch: keep its header and half its payload, as a crash mid-write would.
  auto wal_read = internal::ReadWal(wal);
  ASSERT_TRUE(wal_read.ok());
  ASSERT_EQ(wal_read->batches, 2u);
  std::filesystem::resize_file(wal, size - 20);
  {
    auto store = Store::Open(dir.path());
    ASSERT_TRUE(store.ok()) << store.error().message;
    EXPECT_EQ((*store)->ActiveEvents(), 50u);
    ASSERT_TRUE((*store)->Append(gen.Batch(10)).ok());  // appends after the cut, not after garbage
  }
  auto events = All(dir.path());
  EXPECT_EQ(events.size(), 60u);
  auto again = internal::ReadWal(wal);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->torn);
  EXPECT_EQ(again->batches, 2u);
}

TEST(Store, FlippedByteInWalBatchDropsThatBatchOnly) {
  TempDir dir;
  EventGen gen(3);
  {
    auto store = Store::Open(dir.path());
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Append(gen.Batch(30)).ok());
    ASSERT_TRUE((*store)->Append(gen.Batch(30)).ok());
  }
  const std::string wal = dir.sub(internal::WalFileName(1));
  {
    std::fstream f(wal, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-5, std::ios::end);
    f.put('\x5a');
  }
  auto store = Store::Open(dir.path());
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->ActiveEvents(), 30u);
}

TEST(Store, WalLeftByTheEarlierCompressedFormatIsReplayedAfterAnUpgrade) {
  TempDir dir;
  EventGen gen(5, 10, /*decision_fields=*/false);
  const auto first = gen.Batch(40), second = gen.Batch(25);
  {
    auto v1a = internal::EncodeWalBatchV1(first, 1), v1b = internal::EncodeWalBatchV1(second, 1);
    ASSERT_TRUE(v1a.ok() && v1b.ok());
    std::ofstream(dir.sub(internal::WalFileName(1)), std::ios::binary) << *v1a << *v1b;
  }
  {
    auto store = Store::Open(dir.path());
    ASSERT_TRUE(store.ok()) << store.error().message;
    EXPECT_EQ((*store)->ActiveEvents(), 65u);
    ASSERT_TRUE((*store)->Append(gen.Batch(5)).ok());  // a v2 record after the v1 ones
  }
  auto wal = internal::ReadWal(dir.sub(internal::WalFileName(1)));
  ASSERT_TRUE(wal.ok());
  EXPECT_FALSE(wal->torn);
  EXPECT_EQ(wal->batches, 3u);
  std::vector<ActivityEvent> expected = first;
  expected.insert(expected.end(), second.begin(), second.end());
  expected.resize(65);
  EXPECT_EQ(Lines(std::vector<ActivityEvent>(wal->events.begin(), wal->events.begin() + 65)), Lines(expected));
}

// "EWA2" records (rows without point, reason, entry, node, safe_search) left by the
// version before the decision fields replay, and today's "EWA3" records follow them.
TEST(Store, WalLeftBeforeTheDecisionFieldsIsReplayedAfterAnUpgrade) {
  TempDir dir;
  EventGen old_gen(6, 10, /*decision_fields=*/false), gen(7);
  const auto first = old_gen.Batch(40), second = old_gen.Batch(25);
  {
    auto a = internal::EncodeWalBatchV2(first), b = internal::EncodeWalBatchV2(second);
    ASSERT_TRUE(a.ok() && b.ok());
    std::ofstream(dir.sub(internal::WalFileName(1)), std::ios::binary) << *a << *b;
  }
  const auto today = gen.Batch(5);
  {
    auto store = Store::Open(dir.path());
    ASSERT_TRUE(store.ok()) << store.error().message;
    EXPECT_EQ((*store)->ActiveEvents(), 65u);
    ASSERT_TRUE((*store)->Append(today).ok());
  }
  auto wal = internal::ReadWal(dir.sub(internal::WalFileName(1)));
  ASSERT_TRUE(wal.ok());
  EXPECT_FALSE(wal->torn);
  EXPECT_EQ(wal->batches, 3u);
  std::vector<ActivityEvent> expected = first;
  expected.insert(expected.end(), second.begin(), second.end());
  expected.insert(expected.end(), today.begin(), today.end());
  EXPECT_EQ(wal->events, expected);  // the old rows with empty decision fields, today's with theirs
  // And the whole log, after a seal, holds the same.
  {
    auto store = Store::Open(dir.path());
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Seal().ok());
  }
  EXPECT_EQ(Lines(All(dir.path())), Lines(expected));
}

TEST(Store, WalChecksumIsCrc32cAndTheInstructionAgreesWithTheTable) {
  EXPECT_EQ(internal::Crc32c(0, "123456789"), 0xe3069283u);  // the standard check value
  EXPECT_EQ(internal::Crc32c(0, "123456789", true), 0xe3069283u);
  std::string data;
  for (int i = 0; i < 1000; ++i) data.push_back(static_cast<char>(i * 131 + i / 7));
  for (size_t len : {0u, 1u, 7u, 8u, 9u, 63u, 1000u}) {
    const std::string_view part(data.data() + 3, len - (len == 1000u ? 3 : 0));
    EXPECT_EQ(internal::Crc32c(0, part), internal::Crc32c(0, part, true)) << len;
    // Continuing from a prefix's CRC gives the CRC of the whole.
    EXPECT_EQ(internal::Crc32c(internal::Crc32c(0, part.substr(0, len / 2)), part.substr(len / 2)),
              internal::Crc32c(0, part)) << len;
  }
}

TEST(Store, InterruptedSealLeavesNoOrphan) {
  TempDir dir;
  EventGen gen(4);
  {
    auto store = Store::Open(dir.path(), {.segment_events = 1000});
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Append(gen.Batch(40)).ok());
  }
  // A segment written but never chained (crash between rename and the chain append).
  std::vector<ActivityEvent> some = gen.Batch(5);
  auto bytes = internal::EncodeSegment(1, some, 1);
  ASSERT_TRUE(bytes.ok());
  std::ofstream(dir.sub(internal::SegmentFileName(1)), std::ios::binary) << *bytes;
  auto before = Verify(dir.path());
  ASSERT_TRUE(before.ok());
  EXPECT_FALSE(before->ok);  // an unchained segment is reported…
  {
    auto store = Store::Open(dir.path(), {.segment_events = 1000});
    ASSERT_TRUE(store.ok());
  }
  EXPECT_FALSE(std::filesystem::exists(dir.sub(internal::SegmentFileName(1))));  // …and opening removes it
  EXPECT_EQ(All(dir.path()).size(), 40u);
  auto after = Verify(dir.path());
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->ok);
}

}  // namespace
}  // namespace esafe::activity
