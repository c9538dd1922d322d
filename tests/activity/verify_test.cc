// Tamper detection: each kind of alteration is detected and located.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "activity/internal.h"
#include "activity_test_util.h"

namespace esafe::activity {
namespace {

using testing::EventGen;
using testing::TempDir;
namespace fs = std::filesystem;

// A log of 5 sealed segments of 40 events (seq 1..5) plus 10 in the WAL.
class VerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EventGen gen(7);
    auto store = Store::Open(dir_.path(), {.segment_events = 40});
    ASSERT_TRUE(store.ok());
    for (int i = 0; i < 21; ++i) ASSERT_TRUE((*store)->Append(gen.Batch(10)).ok());
    head_ = (*store)->HeadHash();
    auto clean = Verify(dir_.path(), head_);
    ASSERT_TRUE(clean.ok());
    ASSERT_TRUE(clean->ok) << clean->problems.front();
    ASSERT_EQ(clean->segments, 5u);
    ASSERT_EQ(clean->events, 200u);
    ASSERT_EQ(clean->wal_events, 10u);
  }
  std::string Seg(uint64_t seq) const { return dir_.sub(internal::SegmentFileName(seq)); }
  VerifyReport Check() {
    auto r = Verify(dir_.path(), head_);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : VerifyReport{};
  }
  std::string ReadAll(const std::string& p) { return *internal::ReadFile(p); }
  void WriteAll(const std::string& p, const std::string& data) {
    std::ofstream(p, std::ios::binary | std::ios::trunc) << data;
  }

  TempDir dir_;
  std::string head_;
};

TEST_F(VerifyTest, OneChangedByteInASegmentIsFoundThere) {
  std::string data = ReadAll(Seg(3));
  data[data.size() / 2] ^= 0x01;
  WriteAll(Seg(3), data);
  auto r = Check();
  EXPECT_FALSE(r.ok);
  ASSERT_TRUE(r.first_bad_seq);
  EXPECT_EQ(*r.first_bad_seq, 3u);
  EXPECT_EQ(r.first_bad_file, internal::SegmentFileName(3));
  EXPECT_NE(r.problems.front().find("altered"), std::string::npos) << r.problems.front();
}

TEST_F(VerifyTest, OneChangedByteInTheChainIsFoundThere) {
  std::string chain = ReadAll(dir_.sub("chain.log"));
  const size_t line2 = chain.find('\n') + 1;
  const size_t pos = chain.find("\"events\":40", line2);
  ASSERT_NE(pos, std::string::npos);
  chain[pos + 10] = '1';  // 40 → 41 in entry 2
  WriteAll(dir_.sub("chain.log"), chain);
  auto r = Check();
  EXPECT_FALSE(r.ok);
  ASSERT_TRUE(r.first_bad_seq);
  EXPECT_EQ(*r.first_bad_seq, 2u);
}

TEST_F(VerifyTest, ADeletedEventIsFound) {
  // Rewrite segment 2 without one event, as a careful forger would: a well-formed file.
  auto data = internal::SegmentData::Parse(ReadAll(Seg(2)));
  ASSERT_TRUE(data.ok());
  ASSERT_TRUE(data->LoadAll().ok());
  auto rows = data->AllRows();
  rows.erase(rows.begin() + 7);
  auto forged = internal::EncodeSegment(2, rows, 3);
  ASSERT_TRUE(forged.ok());
  WriteAll(Seg(2), *forged);
  auto r = Check();
  EXPECT_FALSE(r.ok);
  ASSERT_TRUE(r.first_bad_seq);
  EXPECT_EQ(*r.first_bad_seq, 2u);
  EXPECT_EQ(r.first_bad_file, internal::SegmentFileName(2));
}

TEST_F(VerifyTest, ReorderedSegmentsAreFound) {
  fs::rename(Seg(2), dir_.sub("tmp"));
  fs::rename(Seg(4), Seg(2));
  fs::rename(dir_.sub("tmp"), Seg(4));
  auto r = Check();
  EXPECT_FALSE(r.ok);
  ASSERT_TRUE(r.first_bad_seq);
  EXPECT_EQ(*r.first_bad_seq, 2u);
  EXPECT_NE(r.problems.front().find("reordered"), std::string::npos) << r.problems.front();
  EXPECT_EQ(r.problems.size(), 2u);  // both places
}

TEST_F(VerifyTest, ReorderedChainEntriesAreFound) {
  std::string chain = ReadAll(dir_.sub("chain.log"));
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < chain.size()) {
    size_t nl = chain.find('\n', pos);
    lines.push_back(chain.substr(pos, nl + 1 - pos));
    pos = nl + 1;
  }
  std::swap(lines[2], lines[3]);
  std::string out;
  for (auto& l : lines) out += l;
  WriteAll(dir_.sub("chain.log"), out);
  auto r = Check();
  EXPECT_FALSE(r.ok);
  ASSERT_TRUE(r.first_bad_seq);
  EXPECT_EQ(*r.first_bad_seq, 3u);
}

TEST_F(VerifyTest, ARemovedSegmentIsFound) {
  fs::remove(Seg(4));
  auto r = Check();
  EXPECT_FALSE(r.ok);
  ASSERT_TRUE(r.first_bad_seq);
  EXPECT_EQ(*r.first_bad_seq, 4u);
  EXPECT_NE(r.problems.front().find("missing"), std::string::npos);
}

TEST_F(VerifyTest, ARemovedChainTailIsFoundAgainstTheRecordedHead) {
  std::string chain = ReadAll(dir_.sub("chain.log"));
  chain.pop_back();
  chain.resize(chain.rfind('\n') + 1);  // drop the last entry
  WriteAll(dir_.sub("chain.log"), chain);
  fs::remove(Seg(5));
  auto r = Check();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.problems.back().find("head hash"), std::string::npos);
}

TEST_F(VerifyTest, AnInsertedSegmentIsFound) {
  EventGen gen(99);
  auto rows = gen.Batch(5);
  auto bytes = internal::EncodeSegment(3, rows, 3);
  fs::remove(Seg(3));
  WriteAll(Seg(3), *bytes);
  auto r = Check();
  EXPECT_FALSE(r.ok);
  ASSERT_TRUE(r.first_bad_seq);
  EXPECT_EQ(*r.first_bad_seq, 3u);
}

TEST_F(VerifyTest, RetentionDeletionsVerifyAsLawful) {
  auto store = Store::Open(dir_.path(), {.segment_events = 40});
  ASSERT_TRUE(store.ok());
  RetentionPolicy policy;  // 90 days
  auto report = (*store)->ApplyRetention(policy, testing::kT0 + 200 * testing::kDay);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->segments_deleted, 6u);  // the 5 sealed, and the expired active part sealed first
  EXPECT_EQ(report->events_deleted, 210u);
  auto r = Verify(dir_.path());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->ok) << r->problems.front();
  EXPECT_EQ(r->lawful_deletions, 6u);
  EXPECT_EQ(r->segments, 0u);
  EXPECT_EQ(r->wal_events, 0u);
}

TEST_F(VerifyTest, AForgedDeletionOfRecentEventsIsFlagged) {
  // A correctly chained "delete" entry whose own rule did not allow the deletion.
  auto chain = internal::ReadChain(dir_.path());
  ASSERT_TRUE(chain.ok());
  nlohmann::ordered_json body;
  body["seq"] = 6;
  body["kind"] = "delete";
  body["segment"] = 5;
  body["file"] = internal::SegmentFileName(5);
  body["events"] = 40;
  body["min_time"] = chain->entries[4].json["min_time"].get<int64_t>();
  body["max_time"] = chain->entries[4].json["max_time"].get<int64_t>();
  body["rule"] = "retention";
  body["policy"] = {{"default_days", 90}, {"agency_days", nlohmann::json::object()}};
  body["at"] = testing::kT0 + 30 * testing::kDay;
  const std::string text = body.dump();
  const std::string line = internal::Sha256Hex2(chain->entries.back().hash, text) + " " + text + "\n";
  std::ofstream(dir_.sub("chain.log"), std::ios::app | std::ios::binary) << line;
  fs::remove(Seg(5));
  auto r = Verify(dir_.path());
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->ok);
  ASSERT_TRUE(r->first_bad_seq);
  EXPECT_EQ(*r->first_bad_seq, 6u);
  EXPECT_NE(r->problems.front().find("does not allow"), std::string::npos) << r->problems.front();
}

}  // namespace
}  // namespace esafe::activity
