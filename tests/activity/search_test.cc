// Search against a brute-force reference on seeded random data, plus exports and
// evidence extracts.
#include <filesystem>
#include <fstream>
#include <thread>

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

// The reference: written independently of the engine, from the spec in activity.h.
struct RefQuery {
  std::optional<int64_t> from, to;
  std::vector<std::pair<IpAddress, int>> cidrs;  // address, prefix length over 128 bits
  std::optional<std::pair<std::string, int>> host, url;  // value, 0 exact / 1 prefix / 2 substring
  std::vector<std::string> users, sites, agencies, categories, points, reasons;
  std::optional<Action> action;
};

bool RefText(const std::string& v, const std::pair<std::string, int>& f) {
  if (f.second == 0) return v == f.first;
  if (f.second == 1) return v.compare(0, f.first.size(), f.first) == 0 && v.size() >= f.first.size();
  return v.find(f.first) != std::string::npos;
}

bool RefInPrefix(const IpAddress& ip, const IpAddress& net, int bits) {
  for (int i = 0; i < bits; ++i) {
    const int byte = i / 8, shift = 7 - i % 8;
    if (((ip.bytes[byte] >> shift) & 1) != ((net.bytes[byte] >> shift) & 1)) return false;
  }
  return true;
}

bool RefIn(const std::vector<std::string>& set, const std::string& v) {
  if (set.empty()) return true;
  for (const auto& s : set)
    if (s == v) return true;
  return false;
}

bool RefMatches(const ActivityEvent& e, const RefQuery& q) {
  if (q.from && e.time_us < *q.from) return false;
  if (q.to && !(e.time_us < *q.to)) return false;
  if (!q.cidrs.empty()) {
    bool any = false;
    for (const auto& [net, bits] : q.cidrs) any = any || RefInPrefix(e.client, net, bits);
    if (!any) return false;
  }
  if (q.host) {
    std::string lower = q.host->first;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!RefText(e.host, {lower, q.host->second})) return false;
  }
  if (q.url && !RefText(e.url, *q.url)) return false;
  if (!RefIn(q.users, e.user) || !RefIn(q.sites, e.site) || !RefIn(q.agencies, e.agency) ||
      !RefIn(q.categories, e.category) || !RefIn(q.points, e.point) || !RefIn(q.reasons, e.reason))
    return false;
  return !q.action || e.action == *q.action;
}

struct Generated {
  Query query;
  RefQuery ref;
};

Generated RandomQuery(std::mt19937_64& rng) {
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  auto coin = [&](int percent) { return static_cast<int>(rng() % 100) < percent; };
  Generated g;
  if (coin(40)) {
    const int64_t a = kT0 - kDay + static_cast<int64_t>(rng() % static_cast<uint64_t>(12 * kDay));
    const int64_t b = a + static_cast<int64_t>(rng() % static_cast<uint64_t>(3 * kDay));
    if (coin(80)) g.query.from_us = g.ref.from = a;
    if (coin(80)) g.query.to_us = g.ref.to = b;
  }
  static const std::pair<const char*, int> kCidrs[] = {
      {"10.1.0.0/16", 96 + 16}, {"10.0.2.0/24", 96 + 24}, {"10.2.3.128/25", 96 + 25}, {"2001:db8::/32", 32},
      {"2001:db8:0:1::/64", 64}, {"10.0.0.0/8", 96 + 8}, {"0.0.0.0/0", 96}, {"10.1.2.3", 128},
      {"::/0", 0}, {"10.2.0.0/15", 96 + 15}};
  const int ncidr = coin(35) ? 1 + static_cast<int>(pick(2)) : 0;
  for (int i = 0; i < ncidr; ++i) {
    const auto& [text, bits] = kCidrs[pick(std::size(kCidrs))];
    g.query.clients.push_back(*ParseCidr(text));
    std::string addr(text);
    addr = addr.substr(0, addr.find('/'));
    g.ref.cidrs.push_back({*ParseIp(addr), bits});
  }
  static const std::pair<const char*, int> kHosts[] = {
      {"example.com", 0}, {"EXAMPLE.com", 0}, {"www.", 1}, {"bbc", 2}, {"news.bbc.co.uk", 0}, {"example", 2},
      {"nohost.invalid", 0}, {"", 1}, {"casino", 1}, {".co.uk", 2},
      // Prefixes that are also substrings elsewhere: a prefix match must not find those.
      {"example", 1}, {"bbc.co.uk", 1}, {"example.com", 1}};
  if (coin(35)) {
    const auto& [v, m] = kHosts[pick(std::size(kHosts))];
    g.query.host = TextFilter{v, static_cast<Match>(m)};
    g.ref.host = {v, m};
  }
  static const std::pair<const char*, int> kUrls[] = {
      {"http://bbc.co.uk/p", 1}, {"?q=1", 2}, {"http://example.com/path/7", 0}, {"/path/", 2}, {"https://", 1},
      {"example.com", 1}, {"http://www.", 1}};
  if (coin(25)) {
    const auto& [v, m] = kUrls[pick(std::size(kUrls))];
    g.query.url = TextFilter{v, static_cast<Match>(m)};
    g.ref.url = {v, m};
  }
  auto some = [&](std::vector<std::string> from, std::vector<std::string>& a, std::vector<std::string>& b) {
    if (!coin(25)) return;
    const size_t n = 1 + pick(2);
    for (size_t i = 0; i < n; ++i) {
      const auto& v = from[pick(from.size())];
      a.push_back(v);
      b.push_back(v);
    }
  };
  some({"u-1", "u-2", "u-17", "u-99"}, g.query.users, g.ref.users);
  some({"S0", "S3", "S7", "S9"}, g.query.sites, g.ref.sites);
  some({"havering-schools", "police", "libraries", "nobody"}, g.query.agencies, g.ref.agencies);
  some({"", "gambling", "news", "adult", "none"}, g.query.categories, g.ref.categories);
  if (coin(40)) some({"icap", "squid-helper", "nowhere"}, g.query.points, g.ref.points);
  if (coin(40)) some({"no match", "override", "category", ""}, g.query.reasons, g.ref.reasons);
  if (coin(20)) g.query.action = g.ref.action = static_cast<Action>(pick(4));
  return g;
}

// (time-ordered ingest, segments of several 4,096-event blocks)
class SearchTest : public ::testing::TestWithParam<std::tuple<bool, bool>> {};

TEST_P(SearchTest, MatchesBruteForceReference) {
  const bool time_ordered = std::get<0>(GetParam()), blocks = std::get<1>(GetParam());
  TempDir dir;
  EventGen gen(time_ordered ? 101 : 202);
  std::vector<ActivityEvent> all = gen.Batch(blocks ? 20000 : 4000);
  if (time_ordered)
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.time_us < b.time_us; });
  {
    auto store = Store::Open(dir.path(), {.segment_events = blocks ? 9000u : 250u, .sync = false});
    ASSERT_TRUE(store.ok());
    for (size_t i = 0; i < all.size(); i += 90)
      ASSERT_TRUE((*store)->Append(std::span(all).subspan(i, std::min<size_t>(90, all.size() - i))).ok());
  }
  auto reader = LogReader::Open(dir.path());
  ASSERT_TRUE(reader.ok());
  ASSERT_GT(reader->segment_count(), blocks ? 1u : 10u);
  std::mt19937_64 rng(time_ordered ? 7 : 8);
  uint64_t nonempty = 0, skipped = 0, blocks_skipped = 0;
  for (int i = 0; i < 400; ++i) {
    auto g = RandomQuery(rng);
    std::vector<ActivityEvent> want, got;
    for (const auto& e : all)
      if (RefMatches(e, g.ref)) want.push_back(e);
    auto stats = reader->Search(g.query, [&](const ActivityEvent& e) {
      got.push_back(e);
      return true;
    });
    ASSERT_TRUE(stats.ok());
    ASSERT_EQ(Lines(got), Lines(want)) << "query " << i << ": " << DescribeQuery(g.query);
    EXPECT_EQ(stats->events_matched, want.size());
    nonempty += !want.empty();
    skipped += stats->segments_total - stats->segments_scanned;
    blocks_skipped += stats->blocks_total - stats->blocks_read;
    // Counts by a field agree too.
    const Field field = static_cast<Field>(rng() % 13);
    std::map<std::string, uint64_t> want_counts;
    for (const auto& e : want) {
      std::string key;
      switch (field) {
        case Field::kUser: key = e.user; break;
        case Field::kSite: key = e.site; break;
        case Field::kAgency: key = e.agency; break;
        case Field::kProfile: key = e.profile; break;
        case Field::kHost: key = e.host; break;
        case Field::kCategory: key = e.category; break;
        case Field::kList: key = e.list; break;
        case Field::kAction: key = std::string(ActionName(e.action)); break;
        case Field::kClient: key = FormatIp(e.client); break;
        case Field::kDay: key = FormatTime(e.time_us).substr(0, 10); break;
        case Field::kPoint: key = e.point; break;
        case Field::kReason: key = e.reason; break;
        case Field::kNode: key = e.node; break;
      }
      ++want_counts[key];
    }
    auto counts = reader->CountBy(g.query, field);
    ASSERT_TRUE(counts.ok());
    ASSERT_EQ(*counts, want_counts) << "count query " << i << ": " << DescribeQuery(g.query);
  }
  EXPECT_GT(nonempty, 150u);  // the queries are not all trivially empty
  if (time_ordered && !blocks) {
    EXPECT_GT(skipped, 0u);  // and the indexes do skip segments
  }
  if (time_ordered && blocks) {
    EXPECT_GT(blocks_skipped, 0u);  // and the block ranges skip blocks
  }
}

INSTANTIATE_TEST_SUITE_P(Ingest, SearchTest, ::testing::Combine(::testing::Bool(), ::testing::Bool()));

TEST(Search, StopsWhenTheCallbackSaysSo) {
  TempDir dir;
  EventGen gen(5);
  {
    auto store = Store::Open(dir.path(), {.segment_events = 100, .sync = false});
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Append(gen.Batch(1000)).ok());
  }
  auto reader = LogReader::Open(dir.path());
  ASSERT_TRUE(reader.ok());
  int n = 0;
  ASSERT_TRUE(reader->Search({}, [&](const ActivityEvent&) { return ++n < 10; }).ok());
  EXPECT_EQ(n, 10);
}

// Segments are scanned on a shared pool of threads: searches from several threads at
// once (as the web app's HTTP workers do) must each get their own rows, in time order.
TEST(Search, ConcurrentSearchesShareTheScanThreadsAndStayInOrder) {
  TempDir dir;
  EventGen gen(9);
  std::vector<std::vector<ActivityEvent>> segments;
  {
    auto store = Store::Open(dir.path(), {.segment_events = 100, .sync = false});
    ASSERT_TRUE(store.ok());
    // 30 segments of 100 events each (a segment is sealed after the batch that fills it).
    for (int i = 0; i < 30; ++i) {
      auto batch = gen.Batch(100);
      ASSERT_TRUE((*store)->Append(batch).ok());
      std::stable_sort(batch.begin(), batch.end(), [](const auto& a, const auto& b) { return a.time_us < b.time_us; });
      segments.push_back(std::move(batch));
    }
  }
  // The reference order: segments by their first event, rows by time within each.
  std::stable_sort(segments.begin(), segments.end(),
                   [](const auto& a, const auto& b) { return a.front().time_us < b.front().time_us; });
  auto reader = LogReader::Open(dir.path());
  ASSERT_TRUE(reader.ok());
  ASSERT_EQ(reader->segment_count(), 30u);
  const std::vector<std::string> hosts = {"example.com", "bbc.co.uk", "school.sch.uk", "video.example.com"};
  std::vector<std::vector<ActivityEvent>> want(hosts.size());
  for (size_t h = 0; h < hosts.size(); ++h) {
    for (const auto& seg : segments)
      for (const auto& e : seg)
        if (e.host == hosts[h]) want[h].push_back(e);
    ASSERT_FALSE(want[h].empty());
  }
  std::vector<std::vector<ActivityEvent>> got(hosts.size() * 4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < got.size(); ++t) {
    threads.emplace_back([&, t] {
      Query q;
      q.host = TextFilter{hosts[t % hosts.size()], Match::kExact};
      (void)reader->Search(q, [&](const ActivityEvent& e) { return got[t].push_back(e), true; });
    });
  }
  for (auto& th : threads) th.join();
  for (size_t t = 0; t < got.size(); ++t) EXPECT_EQ(got[t], want[t % hosts.size()]) << "thread " << t;
}

TEST(Search, ReportsProgressPartByPartAndEstimatesFromTheIndexes) {
  TempDir dir;
  EventGen gen(6);
  {
    auto store = Store::Open(dir.path(), {.segment_events = 100, .sync = false});
    ASSERT_TRUE(store.ok());
    // Ten segments and 50 unsealed events (a segment is sealed after the batch that fills it).
    for (int i = 0; i < 10; ++i) ASSERT_TRUE((*store)->Append(gen.Batch(100)).ok());
    ASSERT_TRUE((*store)->Append(gen.Batch(50)).ok());
  }
  auto reader = LogReader::Open(dir.path());
  ASSERT_TRUE(reader.ok());
  ASSERT_EQ(reader->segment_count(), 10u);
  std::vector<std::pair<uint64_t, uint64_t>> calls;
  Query q;
  q.from_us = kT0 + 2 * kDay;
  q.to_us = kT0 + 3 * kDay;
  auto stats = reader->Search(q, [](const ActivityEvent&) { return true; },
                              [&](uint64_t done, uint64_t total) { calls.emplace_back(done, total); });
  ASSERT_TRUE(stats.ok());
  // Every part is reported, skipped or read, in order, ending at the total.
  ASSERT_EQ(calls.size(), 11u);
  for (size_t i = 0; i < calls.size(); ++i) {
    EXPECT_EQ(calls[i].first, i + 1);
    EXPECT_EQ(calls[i].second, 11u);
  }
  const SearchStats estimate = reader->Estimate(q);
  EXPECT_EQ(estimate.segments_scanned, stats->segments_scanned);
  EXPECT_EQ(estimate.events_scanned, stats->events_scanned);
  EXPECT_EQ(estimate.events_matched, 0u);
  EXPECT_EQ(reader->Estimate({}).events_scanned, 1050u);
  // Export passes the same progress on.
  double last = 0;
  auto n = Export(*reader, q, ExportFormat::kCsv, dir.sub("out.csv"),
                  [&](uint64_t done, uint64_t total) { last = static_cast<double>(done) / static_cast<double>(total); });
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, stats->events_matched);
  EXPECT_DOUBLE_EQ(last, 1.0);
}

TEST(Export, CsvJsonLinesXlsxAndNoFormulas) {
  TempDir dir;
  EventGen gen(6);
  auto events = gen.Batch(300);
  events[0].user = "=HYPERLINK(\"http://evil\",\"x\")";
  {
    auto store = Store::Open(dir.path(), {.sync = false});
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Append(events).ok());
    ASSERT_TRUE((*store)->Seal().ok());
  }
  auto reader = LogReader::Open(dir.path());
  ASSERT_TRUE(reader.ok());
  Query q;
  q.agencies = {"police"};
  uint64_t police = 0;
  for (const auto& e : events) police += e.agency == "police";

  auto n = Export(*reader, q, ExportFormat::kJsonLines, dir.sub("out.jsonl"));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, police);
  std::ifstream in(dir.sub("out.jsonl"));
  std::string line;
  uint64_t lines = 0;
  while (std::getline(in, line)) {
    auto e = ParseEventJson(line);
    ASSERT_TRUE(e.ok()) << line;
    EXPECT_EQ(e->agency, "police");
    ++lines;
  }
  EXPECT_EQ(lines, police);

  n = Export(*reader, {}, ExportFormat::kCsv, dir.sub("out.csv"));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 300u);
  auto csv = internal::ReadFile(dir.sub("out.csv"));
  ASSERT_TRUE(csv.ok());
  EXPECT_EQ(csv->find(",=HYPERLINK"), std::string::npos);
  EXPECT_NE(csv->find("'=HYPERLINK"), std::string::npos);
  // Every field of the event, in FormatEventJson's order, the decision's fields too.
  EXPECT_TRUE(csv->starts_with("time,client,user,site,agency,profile,url,host,category,list,list_version,action,"
                               "point,reason,entry,node,safe_search\r\n") ||
              csv->starts_with("time,client,user,site,agency,profile,url,host,category,list,list_version,action,"
                               "point,reason,entry,node,safe_search\n"))
      << csv->substr(0, 200);
  EXPECT_NE(csv->find(",true"), std::string::npos);

  n = Export(*reader, {}, ExportFormat::kXlsx, dir.sub("out.xlsx"));
  ASSERT_TRUE(n.ok()) << n.error().message;
  EXPECT_EQ(*n, 300u);
  auto xlsx = internal::ReadFile(dir.sub("out.xlsx"));
  ASSERT_TRUE(xlsx.ok());
  EXPECT_EQ(xlsx->substr(0, 2), "PK");
}

TEST(Extract, WritesExactlyTheMatchesAndAManifest) {
  TempDir dir;
  EventGen gen(8);
  auto events = gen.Batch(500);
  {
    auto store = Store::Open(dir.sub("log"), {.segment_events = 200, .sync = false});
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Append(events).ok());
  }
  ExtractRequest req;
  req.query.clients = {*ParseCidr("10.1.0.0/16")};
  req.query.host = TextFilter{"example", Match::kSubstring};
  req.who = "officer.jones";
  req.reference = "incident 2026-041";
  std::vector<AccessNote> audited;
  auto audit = [&](const AccessNote& note) -> Result<void> {
    audited.push_back(note);
    return Ok();
  };
  auto result = WriteExtract(dir.sub("log"), req, dir.sub("extract"), audit);
  ASSERT_TRUE(result.ok()) << result.error().message;
  uint64_t want = 0;
  for (const auto& e : events)
    want += e.client.IsV4() && e.client.bytes[12] == 10 && e.client.bytes[13] == 1 &&
            e.host.find("example") != std::string::npos;
  EXPECT_EQ(result->events, want);
  ASSERT_EQ(audited.size(), 1u);
  EXPECT_EQ(audited[0].who, "officer.jones");
  EXPECT_EQ(audited[0].action, "activity.extract");

  auto manifest = nlohmann::json::parse(*internal::ReadFile(dir.sub("extract/manifest.json")));
  EXPECT_EQ(manifest["events"], want);
  EXPECT_EQ(manifest["who"], "officer.jones");
  EXPECT_EQ(manifest["reference"], "incident 2026-041");
  EXPECT_TRUE(manifest["query"].contains("host"));
  for (const char* name : {"events.jsonl", "events.csv"}) {
    auto bytes = internal::ReadFile(dir.sub(std::string("extract/") + name));
    ASSERT_TRUE(bytes.ok());
    EXPECT_EQ(manifest["files"][name]["sha256"], internal::Sha256Hex(*bytes)) << name;
  }
  // A second extract into the same place is refused; a failing audit hook stops an extract.
  EXPECT_FALSE(WriteExtract(dir.sub("log"), req, dir.sub("extract"), audit).ok());
  auto refuse = [](const AccessNote&) -> Result<void> { return Error::Internal("audit trail down"); };
  EXPECT_FALSE(WriteExtract(dir.sub("log"), req, dir.sub("extract2"), refuse).ok());
  EXPECT_FALSE(std::filesystem::exists(dir.sub("extract2/events.jsonl")));
}

}  // namespace
}  // namespace esafe::activity
