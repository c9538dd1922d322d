// The block layout of segments (ESAFSEG2): searches read only the blocks that can
// match and still equal a brute-force reference; ESAFSEG1 segments stay readable.
#include <algorithm>
#include <cstring>
#include <fstream>
#include <functional>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "activity/internal.h"
#include "activity_test_util.h"

namespace esafe::activity {
namespace {

using testing::EventGen;
using testing::kDay;
using testing::kT0;
using testing::TempDir;
using testing::Lines;
using internal::kBlockRows;

std::vector<ActivityEvent> SearchAll(const LogReader& reader, const Query& q, SearchStats* stats = nullptr) {
  std::vector<ActivityEvent> got;
  auto s = reader.Search(q, [&](const ActivityEvent& e) {
    got.push_back(e);
    return true;
  });
  EXPECT_TRUE(s.ok());
  if (s.ok() && stats) *stats = *s;
  return got;
}

// One segment of kBlocks blocks (time-ordered events over 5 days) with a rare host in
// blocks 1 and 3 only. More rows than a scan thread decodes into events itself (16,384),
// so that a search of them all is made from the columns.
constexpr size_t kBlocks = 20;
class BlockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    EventGen gen(31, 5);
    events_ = gen.Batch(kBlocks * kBlockRows);
    std::sort(events_.begin(), events_.end(), [](const auto& a, const auto& b) { return a.time_us < b.time_us; });
    for (size_t row : {kBlockRows + 10, kBlockRows + 11, 4 * kBlockRows - 96}) {
      events_[row].host = "rare.example.org";
      events_[row].url = "http://rare.example.org/x";
    }
    auto store = Store::Open(dir_.path(), {.segment_events = kBlocks * kBlockRows, .sync = false});
    ASSERT_TRUE(store.ok());
    // Appended out of order: the seal sorts.
    std::vector<ActivityEvent> shuffled = events_;
    std::reverse(shuffled.begin(), shuffled.end());
    ASSERT_TRUE((*store)->Append(shuffled).ok());
    ASSERT_EQ((*store)->ActiveEvents(), 0u);
  }
  std::vector<ActivityEvent> Want(const std::function<bool(const ActivityEvent&)>& pred) const {
    std::vector<ActivityEvent> out;
    for (const auto& e : events_)
      if (pred(e)) out.push_back(e);
    return out;
  }

  TempDir dir_;
  std::vector<ActivityEvent> events_;
};

TEST_F(BlockTest, TheSegmentIsVersion3WithBlocks) {
  auto file = internal::ReadFile(dir_.sub(internal::SegmentFileName(1)));
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->substr(0, 8), "ESAFSEG3");
  auto data = internal::SegmentData::Parse(*file);
  ASSERT_TRUE(data.ok());
  ASSERT_EQ(data->blocks().size(), kBlocks);
  ASSERT_TRUE(data->LoadAll().ok());
  std::vector<ActivityEvent> sorted = events_;
  EXPECT_EQ(Lines(data->AllRows()), Lines(sorted));
  EXPECT_EQ(data->Row(0).time_us, events_.front().time_us);
  EXPECT_EQ(data->Row(kBlocks * kBlockRows - 1).time_us, events_.back().time_us);
}

TEST_F(BlockTest, ARareHostReadsOnlyTheBlocksHoldingIt) {
  auto reader = LogReader::Open(dir_.path());
  ASSERT_TRUE(reader.ok());
  for (const auto& filter : {TextFilter{"rare.example.org", Match::kExact}, TextFilter{"rare.", Match::kPrefix},
                             TextFilter{"are.exam", Match::kSubstring}}) {
    Query q;
    q.host = filter;
    SearchStats stats;
    auto got = SearchAll(*reader, q, &stats);
    EXPECT_EQ(Lines(got), Lines(Want([](const ActivityEvent& e) { return e.host == "rare.example.org"; })));
    EXPECT_EQ(got.size(), 3u);
    EXPECT_EQ(stats.blocks_total, kBlocks);
    EXPECT_EQ(stats.blocks_read, 2u) << filter.value;  // blocks 1 and 3 only
    auto counts = reader->CountBy(q, Field::kHost, &stats);
    ASSERT_TRUE(counts.ok());
    EXPECT_EQ((*counts)["rare.example.org"], 3u);
    EXPECT_EQ(stats.blocks_read, 2u);
  }
  // A host in every block reads every block.
  Query common;
  common.host = TextFilter{"example.com", Match::kExact};
  SearchStats stats;
  auto got = SearchAll(*reader, common, &stats);
  EXPECT_EQ(Lines(got), Lines(Want([](const ActivityEvent& e) { return e.host == "example.com"; })));
  EXPECT_EQ(stats.blocks_read, kBlocks);
}

TEST_F(BlockTest, ABigResultIsMadeFromTheColumnsAndASmallOneOnTheScanThreads) {
  auto reader = LogReader::Open(dir_.path());
  ASSERT_TRUE(reader.ok());
  SearchStats stats;
  // Every row (over the 16,384 a scan thread decodes into events itself), in time order.
  auto all = SearchAll(*reader, {}, &stats);
  EXPECT_EQ(Lines(all), Lines(events_));
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.time_us < b.time_us; }));
  EXPECT_EQ(stats.blocks_read, kBlocks);
  // A few rows from each block.
  Query q;
  q.url = TextFilter{"/path/7", Match::kSubstring};
  q.action = Action::kBlock;
  auto some = SearchAll(*reader, q, &stats);
  EXPECT_EQ(Lines(some), Lines(Want([](const ActivityEvent& e) {
              return e.url.find("/path/7") != std::string::npos && e.action == Action::kBlock;
            })));
  EXPECT_GT(some.size(), 20u);
}

TEST_F(BlockTest, ATimeSlotReadsOnlyItsBlocks) {
  auto reader = LogReader::Open(dir_.path());
  ASSERT_TRUE(reader.ok());
  // Inside the third block's time range.
  const int64_t from = events_[2 * kBlockRows + 100].time_us, to = events_[2 * kBlockRows + 900].time_us;
  Query q;
  q.from_us = from;
  q.to_us = to;
  SearchStats stats;
  auto got = SearchAll(*reader, q, &stats);
  EXPECT_EQ(Lines(got), Lines(Want([&](const ActivityEvent& e) { return e.time_us >= from && e.time_us < to; })));
  EXPECT_EQ(stats.blocks_read, 1u);
  // An address range no block holds reads none.
  Query none;
  none.clients = {*ParseCidr("9.0.0.0/8")};  // below every address in the log
  EXPECT_TRUE(SearchAll(*reader, none, &stats).empty());
  EXPECT_EQ(stats.blocks_read, 0u);
  EXPECT_EQ(stats.segments_scanned, 0u);  // the segment's own range already excluded it
  // A user that exists reads the user column of every block, and the rest of the
  // columns only where it occurs: still the reference rows.
  Query user;
  user.users = {"u-7"};
  user.categories = {"news"};
  EXPECT_EQ(Lines(SearchAll(*reader, user)),
            Lines(Want([](const ActivityEvent& e) { return e.user == "u-7" && e.category == "news"; })));
}

TEST_F(BlockTest, AChangedByteInAnyBlockIsStillFoundByVerify) {
  auto file = internal::ReadFile(dir_.sub(internal::SegmentFileName(1)));
  ASSERT_TRUE(file.ok());
  // The last byte lies in the last block's action column: verify reads every block.
  std::string data = *file;
  data.back() ^= 0x01;
  std::ofstream(dir_.sub(internal::SegmentFileName(1)), std::ios::binary | std::ios::trunc) << data;
  auto r = Verify(dir_.path());
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->ok);
  ASSERT_TRUE(r->first_bad_seq);
  EXPECT_EQ(*r->first_bad_seq, 1u);
}

// ---- ESAFSEG1 ----

// The ESAFSEG1 writer as it was (segment.cc before the block layout): one zstd frame per
// column for the whole segment; a dictionary column's frame holds the dictionary, then
// the ids. Kept here only to prove old segments stay readable.
std::string EncodeSegmentV1(uint64_t seq, std::vector<ActivityEvent> events) {
  using namespace internal;
  std::stable_sort(events.begin(), events.end(), [](const auto& a, const auto& b) { return a.time_us < b.time_us; });
  auto field = [](const ActivityEvent& e, int c) -> const std::string& {
    switch (c) {
      case kColUser: return e.user;
      case kColSite: return e.site;
      case kColAgency: return e.agency;
      case kColProfile: return e.profile;
      case kColHost: return e.host;
      case kColCategory: return e.category;
      case kColList: return e.list;
      default: return e.list_version;
    }
  };
  IpAddress min_ip = events.front().client, max_ip = min_ip;
  std::vector<std::string> raw(kColumnCountV2);
  std::vector<std::vector<std::string>> dicts(kColumnCountV2);
  std::vector<std::map<std::string, uint32_t>> ids(kColumnCountV2);
  std::vector<std::string> id_streams(kColumnCountV2);
  std::string url_lens, url_bytes;
  int64_t prev = events.front().time_us;
  for (const auto& e : events) {
    PutVarint(raw[kColTime], static_cast<uint64_t>(e.time_us - prev));
    prev = e.time_us;
    raw[kColClient].append(reinterpret_cast<const char*>(e.client.bytes.data()), 16);
    min_ip = std::min(min_ip, e.client);
    max_ip = std::max(max_ip, e.client);
    for (int c = kColUser; c <= kColListVersion; ++c) {
      auto [it, inserted] = ids[c].try_emplace(field(e, c), static_cast<uint32_t>(dicts[c].size()));
      if (inserted) dicts[c].push_back(field(e, c));
      PutVarint(id_streams[c], it->second);
    }
    PutVarint(url_lens, e.url.size());
    url_bytes += e.url;
    raw[kColAction].push_back(static_cast<char>(e.action));
  }
  for (int c = kColUser; c <= kColListVersion; ++c) {
    PutVarint(raw[c], dicts[c].size());
    for (const auto& v : dicts[c]) PutString(raw[c], v);
    raw[c] += id_streams[c];
  }
  raw[kColUrl] = url_lens + url_bytes;
  auto set_of = [&](int c) {
    std::string out;
    std::set<std::string> s(dicts[c].begin(), dicts[c].end());
    PutVarint(out, s.size());
    for (const auto& v : s) PutString(out, v);
    return out;
  };
  auto views = [&](int c) { return std::vector<std::string_view>(dicts[c].begin(), dicts[c].end()); };
  const Bloom hosts = Bloom::Build(views(kColHost)), users = Bloom::Build(views(kColUser));
  std::string index;
  PutVarint(index, events.size());
  PutFixed64(index, static_cast<uint64_t>(events.front().time_us));
  PutFixed64(index, static_cast<uint64_t>(events.back().time_us));
  index.append(reinterpret_cast<const char*>(min_ip.bytes.data()), 16);
  index.append(reinterpret_cast<const char*>(max_ip.bytes.data()), 16);
  index += set_of(kColAgency) + set_of(kColCategory) + set_of(kColSite);
  PutString(index, std::string_view(reinterpret_cast<const char*>(hosts.bits.data()), hosts.bits.size()));
  PutString(index, std::string_view(reinterpret_cast<const char*>(users.bits.data()), users.bits.size()));
  std::vector<std::string> frames;
  for (const auto& r : raw) frames.push_back(*Compress(r, 3));
  std::string out = "ESAFSEG1";
  PutFixed64(out, seq);
  PutFixed32(out, static_cast<uint32_t>(index.size()));
  out += index;
  PutFixed32(out, kColumnCountV2);
  uint64_t offset = out.size() + kColumnCountV2 * 16;
  for (int c = 0; c < kColumnCountV2; ++c) {
    PutFixed64(out, offset);
    PutFixed32(out, static_cast<uint32_t>(frames[c].size()));
    PutFixed32(out, static_cast<uint32_t>(raw[c].size()));
    offset += frames[c].size();
  }
  for (const auto& f : frames) out += f;
  return out;
}

// A log whose first segment was written by an earlier writer (`encode_old`, with its
// chain entry), then opened by today's Store, which appends its own segments after it.
void OldSegmentsAreSearchedVerifiedAndRewrittenByRetention(
    const std::function<std::string(std::vector<ActivityEvent>)>& encode_old) {
  TempDir dir;
  EventGen gen(77, 10, /*decision_fields=*/false);  // what logs held before the decision fields
  std::vector<ActivityEvent> old_events = gen.Batch(3000);
  std::sort(old_events.begin(), old_events.end(), [](const auto& a, const auto& b) { return a.time_us < b.time_us; });
  const std::string v1 = encode_old(old_events);
  std::ofstream(dir.sub(internal::SegmentFileName(1)), std::ios::binary) << v1;
  nlohmann::ordered_json body;
  body["seq"] = 1;
  body["kind"] = "segment";
  body["file"] = internal::SegmentFileName(1);
  body["events"] = old_events.size();
  body["min_time"] = old_events.front().time_us;
  body["max_time"] = old_events.back().time_us;
  body["sha256"] = internal::Sha256Hex(v1);
  body["wal_gen"] = 1;
  body["sealed_at"] = kT0 + 11 * kDay;
  const std::string text = body.dump();
  std::ofstream(dir.sub("chain.log"), std::ios::binary) << internal::Sha256Hex2(internal::kGenesisHash, text) << " "
                                                        << text << "\n";
  std::vector<ActivityEvent> all = old_events;
  {
    auto store = Store::Open(dir.path(), {.segment_events = 2000, .sync = false});
    ASSERT_TRUE(store.ok()) << store.error().message;
    EventGen today(78, 10);  // today's events carry the decision fields
    auto more = today.Batch(2500);
    ASSERT_TRUE((*store)->Append(more).ok());
    all.insert(all.end(), more.begin(), more.end());
  }
  {
    auto file = internal::ReadFile(dir.sub(internal::SegmentFileName(2)));
    ASSERT_TRUE(file.ok());
    EXPECT_EQ(file->substr(0, 8), "ESAFSEG3");
  }
  auto r = Verify(dir.path());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->ok) << (r->problems.empty() ? "" : r->problems.front());
  EXPECT_EQ(r->segments, 2u);

  auto reader = LogReader::Open(dir.path());
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(Lines(SearchAll(*reader, {})), Lines(all));
  Query q;
  q.host = TextFilter{"bbc", Match::kSubstring};
  q.clients = {*ParseCidr("10.1.0.0/16")};
  q.from_us = kT0 + 2 * kDay;
  q.to_us = kT0 + 6 * kDay;
  std::vector<ActivityEvent> want;
  const auto range = *ParseCidr("10.1.0.0/16");
  for (const auto& e : all)
    if (e.host.find("bbc") != std::string::npos && range.Contains(e.client) && e.time_us >= *q.from_us &&
        e.time_us < *q.to_us)
      want.push_back(e);
  ASSERT_FALSE(want.empty());
  EXPECT_EQ(Lines(SearchAll(*reader, q)), Lines(want));
  auto counts = reader->CountBy({}, Field::kCategory);
  ASSERT_TRUE(counts.ok());
  uint64_t total = 0;
  for (const auto& [k, v] : *counts) total += v;
  EXPECT_EQ(total, all.size());

  // Retention with a hold rewrites the old segment in the new format.
  {
    auto store = Store::Open(dir.path(), {.segment_events = 2000, .sync = false});
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->PlaceHold({.id = "h1", .user = std::string("u-3"), .reason = "test"}, "tester").ok());
    RetentionPolicy policy;
    policy.default_days = 1;
    auto report = (*store)->ApplyRetention(policy, kT0 + 10 * kDay + kDay / 2);
    ASSERT_TRUE(report.ok());
    EXPECT_GT(report->segments_rewritten, 0u);
  }
  auto after = Verify(dir.path());
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->ok) << (after->problems.empty() ? "" : after->problems.front());
  auto again = LogReader::Open(dir.path());
  ASSERT_TRUE(again.ok());
  for (const auto& e : SearchAll(*again, {}))
    EXPECT_TRUE(e.user == "u-3" || e.time_us >= kT0 + 9 * kDay + kDay / 2) << FormatEventJson(e);
}

// ESAFSEG2 as written before the decision fields (blocks of 1,024, sorted dictionaries).
TEST(OldSegments, Version2SegmentsAreSearchedVerifiedAndRewrittenByRetention) {
  OldSegmentsAreSearchedVerifiedAndRewrittenByRetention([](std::vector<ActivityEvent> events) {
    auto bytes = internal::EncodeSegment(1, events, 1, internal::kBlockRows, internal::kDictChunkRows, 2);
    EXPECT_TRUE(bytes.ok() && bytes->substr(0, 8) == "ESAFSEG2");
    return bytes.ok() ? *bytes : std::string();
  });
}

TEST(OldSegments, Version1SegmentsAreSearchedVerifiedAndRewrittenByRetention) {
  OldSegmentsAreSearchedVerifiedAndRewrittenByRetention(
      [](std::vector<ActivityEvent> events) { return EncodeSegmentV1(1, std::move(events)); });
}

// Segments were written with 4,096-row blocks and one unsorted frame per dictionary
// before session 6.
TEST(OldSegments, SegmentsOf4096RowBlocksAndWholeDictionariesAreSearchedVerifiedAndRewritten) {
  OldSegmentsAreSearchedVerifiedAndRewrittenByRetention([](std::vector<ActivityEvent> events) {
    auto bytes = internal::EncodeSegment(1, events, 3, 4096, 0, /*version=*/2);
    EXPECT_TRUE(bytes.ok());
    auto parsed = internal::SegmentData::Parse(bytes.ok() ? *bytes : std::string());
    EXPECT_TRUE(parsed.ok() && parsed->blocks().size() == 1 && parsed->blocks()[0].rows == 3000);
    EXPECT_TRUE(parsed.ok() && !parsed->dict_sorted(internal::kColHost) && !parsed->dict_sorted(internal::kColUser));
    return bytes.ok() ? *bytes : std::string();
  });
}

// Dictionaries are sorted and chunked: an exact or prefix host or user is found by
// binary search, opening a chunk or two, and answers equal the brute-force reference
// across chunk boundaries, for values absent, first and last in order, and bytes 0xff.
TEST(SortedDictionaries, LookupsOpenAChunkOrTwoAndEqualTheReference) {
  TempDir dir;
  EventGen gen(91, 3);
  std::vector<ActivityEvent> events = gen.Batch(6000);
  for (size_t i = 0; i < events.size(); ++i) {
    events[i].host = "h" + std::to_string(i % 3000) + (i % 2 ? ".example.org" : ".example.com");
    events[i].url = "https://" + events[i].host + "/";
    events[i].user = "user-" + std::to_string(i % 2000);
  }
  events[7].user = "zz\xff";
  events[8].user = "zz\xff\xff";
  events[9].user = "zz\xff" "a";
  events[10].user = "zz";
  {
    auto store = Store::Open(dir.path(), {.segment_events = 100000, .sync = false});
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Append(events).ok());
    ASSERT_TRUE((*store)->Seal().ok());
  }
  auto seg = internal::SegmentData::Open(dir.sub(internal::SegmentFileName(1)));
  ASSERT_TRUE(seg.ok());
  ASSERT_TRUE(seg->dict_sorted(internal::kColHost));
  ASSERT_GT(seg->dict_size(internal::kColHost), 3 * internal::kDictChunkRows);
  auto range = seg->DictRange(internal::kColHost, "h1234.example.com", false);
  ASSERT_TRUE(range.ok());
  ASSERT_EQ(range->second - range->first, 1u);
  EXPECT_EQ(*seg->DictValue(internal::kColHost, range->first), "h1234.example.com");
  EXPECT_LE(seg->frames_decoded(), 2u);  // the chunk, and at most the next one
  range = seg->DictRange(internal::kColUser, "zz\xff", true);
  ASSERT_TRUE(range.ok());
  EXPECT_EQ(range->second - range->first, 3u);  // zz\xff, zz\xff\xff, zz\xffa; not zz
  range = seg->DictRange(internal::kColUser, "a", false);  // before the first value
  ASSERT_TRUE(range.ok());
  EXPECT_EQ(range->first, range->second);
  ASSERT_TRUE(seg->LoadDict(internal::kColHost).ok());
  const auto& hosts = seg->dict(internal::kColHost);
  EXPECT_TRUE(std::is_sorted(hosts.begin(), hosts.end()));
  EXPECT_EQ(hosts.size(), 3000u);

  auto reader = LogReader::Open(dir.path());
  ASSERT_TRUE(reader.ok());
  auto check = [&](const Query& q, const std::function<bool(const ActivityEvent&)>& want) {
    std::vector<ActivityEvent> expected;
    for (const auto& e : events)
      if (want(e)) expected.push_back(e);
    EXPECT_EQ(Lines(SearchAll(*reader, q)), Lines(expected));
    return expected.size();
  };
  for (const std::string host : {"h0.example.com", "h999.example.org", "h2999.example.org", "h3000.example.com",
                                 "a.example.com", "zzz.example.com"}) {
    Query q;
    q.host = TextFilter{host, Match::kExact};
    check(q, [&](const ActivityEvent& e) { return e.host == host; });
  }
  for (const std::string prefix : {"h12", "h2", "h29", "zz", "h1234.example.c"}) {
    Query q;
    q.host = TextFilter{prefix, Match::kPrefix};
    check(q, [&](const ActivityEvent& e) { return e.host.rfind(prefix, 0) == 0; });
  }
  Query users;
  users.users = {"user-5", "user-1999", "zz\xff\xff", "nobody"};
  EXPECT_GT(check(users, [](const ActivityEvent& e) {
              return e.user == "user-5" || e.user == "user-1999" || e.user == "zz\xff\xff";
            }),
            3u);
  auto counts = reader->CountBy(users, Field::kUser);
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->size(), 3u);
}

// ESAFSEG3 keeps the decision's fields (point, reason, entry, node as dictionary
// columns, safe_search in the action byte): sealed and unsealed events read back equal,
// search filters on point and reason, and counts group by them.
TEST(DecisionFields, AreStoredSearchedAndCounted) {
  TempDir dir;
  EventGen gen(55, 3);
  std::vector<ActivityEvent> events = gen.Batch(5000);
  {
    auto store = Store::Open(dir.path(), {.segment_events = 3000, .sync = false});
    ASSERT_TRUE(store.ok());
    // One segment sealed, 2,000 events in the WAL.
    ASSERT_TRUE((*store)->Append(std::span(events).subspan(0, 3000)).ok());
    ASSERT_TRUE((*store)->Append(std::span(events).subspan(3000)).ok());
    EXPECT_EQ((*store)->ActiveEvents(), 2000u);
  }
  {
    auto file = internal::ReadFile(dir.sub(internal::SegmentFileName(1)));
    ASSERT_TRUE(file.ok());
    EXPECT_EQ(file->substr(0, 8), "ESAFSEG3");
    auto seg = internal::SegmentData::Parse(*file);
    ASSERT_TRUE(seg.ok());
    ASSERT_TRUE(seg->LoadAll().ok());
    EXPECT_TRUE(seg->has_column(internal::kColNode));
    EXPECT_EQ(seg->dict_size(internal::kColPoint), 3u);
  }
  auto reader = LogReader::Open(dir.path());
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(Lines(SearchAll(*reader, {})), Lines(events));
  size_t safe = 0;
  for (const auto& e : events) safe += e.safe_search;
  ASSERT_GT(safe, 0u);
  ASSERT_LT(safe, events.size());

  Query q;
  q.points = {"icap"};
  q.reasons = {"mandatory list", "override"};
  std::vector<ActivityEvent> want;
  for (const auto& e : events)
    if (e.point == "icap" && (e.reason == "mandatory list" || e.reason == "override")) want.push_back(e);
  ASSERT_FALSE(want.empty());
  EXPECT_EQ(Lines(SearchAll(*reader, q)), Lines(want));

  for (Field field : {Field::kPoint, Field::kReason, Field::kNode}) {
    auto counts = reader->CountBy({}, field);
    ASSERT_TRUE(counts.ok());
    std::map<std::string, uint64_t> expected;
    for (const auto& e : events)
      ++expected[field == Field::kPoint ? e.point : field == Field::kReason ? e.reason : e.node];
    EXPECT_EQ(*counts, expected);
  }
  EXPECT_EQ(ParseField("point"), Field::kPoint);
  EXPECT_NE(DescribeQuery(q).find("\"points\":[\"icap\"]"), std::string::npos) << DescribeQuery(q);

  auto r = Verify(dir.path());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->ok) << (r->problems.empty() ? "" : r->problems.front());
}

}  // namespace
}  // namespace esafe::activity
