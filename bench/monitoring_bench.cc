// The alert pipeline's rate, to compare with the activity log's ingest rate
// (docs/activity.md: 228,452 events per CPU-second, bench/activity_bench.cc).
//
//   monitoring_bench [--benchmark_filter=…]
//
// The stream is shaped like activity_bench's: 200 sites, 50,000 clients, Zipf-
// distributed hosts over 100,000 names, 2% blocked, and 10% search-engine or video-
// site searches (one in 2,000 of them risky), time-ordered over one school day.
// BM_AlertPipeline feeds it through every rule and stores the alerts through AlertLog
// into SQLite, as `esafe` would; BM_SearchMatch times URL extraction plus Hyperscan
// matching alone; BM_Rules the rules with no search in the stream.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "activity/activity.h"
#include "monitoring/monitoring.h"
#include "store/database.h"

namespace act = esafe::activity;
namespace mon = esafe::monitoring;
namespace fs = std::filesystem;

namespace {

constexpr int kSites = 200;
constexpr int kClientsPerSite = 250;
constexpr int kHosts = 100000;
constexpr size_t kEvents = 1000000;
constexpr int64_t kT0 = 1788339600LL * 1000000LL;  // 2026-09-02T09:00:00Z
constexpr int64_t kDayUs = 7LL * 3600 * 1000000;   // a seven-hour school day

std::string TermsDir() {
  if (const char* src = std::getenv("ESAFE_SOURCE_DIR")) return std::string(src) + "/data/monitoring/terms";
  return (fs::path(__FILE__).parent_path().parent_path() / "data/monitoring/terms").string();
}

const std::vector<act::ActivityEvent>& Stream(bool searches) {
  static std::vector<act::ActivityEvent> with, without;
  auto& out = searches ? with : without;
  if (!out.empty()) return out;
  static const char* kSearchUrls[] = {
      "https://www.google.co.uk/search?q=homework+help+{}", "https://www.bing.com/search?q=weather+in+{}",
      "https://www.youtube.com/results?search_query=minecraft+{}", "https://duckduckgo.com/?q=history+of+{}",
      "https://search.yahoo.com/search?p=how+to+draw+{}"};
  static const char* kRisky[] = {"https://www.google.com/search?q=how+to+k1ll+myself",
                                 "https://www.youtube.com/results?search_query=buy+weed+near+me",
                                 "https://www.bing.com/search?q=send+nudes"};
  static const char* kCategories[] = {"education", "news", "social", "video", "shopping", "sport", ""};
  static const char* kBlocked[] = {"adult", "gambling", "games", "dating", "weapons"};
  std::vector<double> cdf(kHosts);
  double sum = 0;
  for (int i = 0; i < kHosts; ++i) cdf[i] = (sum += 1.0 / (i + 1));
  for (auto& c : cdf) c /= sum;
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> unit(0, 1);
  out.reserve(kEvents);
  for (size_t i = 0; i < kEvents; ++i) {
    act::ActivityEvent e;
    e.time_us = kT0 + static_cast<int64_t>(i) * (kDayUs / static_cast<int64_t>(kEvents));
    const int client = static_cast<int>(rng() % (kSites * kClientsPerSite));
    const int site = client / kClientsPerSite, idx = client % kClientsPerSite;
    e.client = *act::ParseIp("10." + std::to_string(site) + "." + std::to_string(idx / 200) + "." +
                             std::to_string(idx % 200 + 1));
    e.site = "site-" + std::to_string(site);
    e.agency = "agency-" + std::to_string(site / 10);
    e.profile = "secondary";
    e.list = "bl";
    e.list_version = "2026-09-01";
    const double roll = unit(rng);
    if (searches && roll < 0.10) {
      std::string url = rng() % 2000 == 0 ? kRisky[rng() % 3] : kSearchUrls[rng() % 5];
      if (auto pos = url.find("{}"); pos != std::string::npos) url.replace(pos, 2, "topic" + std::to_string(rng() % 5000));
      e.url = url;
      e.host = url.substr(8, url.find('/', 8) - 8);
      e.category = "search";
    } else {
      const int rank = static_cast<int>(std::lower_bound(cdf.begin(), cdf.end(), unit(rng)) - cdf.begin());
      e.host = "h" + std::to_string(rank) + ".example.com";
      e.url = "https://" + e.host + "/p/" + std::to_string(rng() % 1000);
      if (roll > 0.98) {
        e.action = act::Action::kBlock;
        // One blocked request in 500 is to a proxy-avoidance service.
        e.category = rng() % 500 == 0 ? "proxy" : kBlocked[rng() % 5];
      } else {
        e.category = kCategories[rank % 7];
      }
    }
    out.push_back(std::move(e));
  }
  return out;
}

void Run(benchmark::State& state, bool searches, bool store) {
  const auto& events = Stream(searches);
  mon::TermsInForce terms;
  if (auto loaded = terms.Reload(TermsDir()); !loaded.ok()) {
    state.SkipWithError(loaded.error().message.c_str());
    return;
  }
  const fs::path dir = fs::temp_directory_path() / ("esafe-monitoring-bench-" + std::to_string(::getpid()));
  std::unique_ptr<esafe::store::Database> db;
  if (store) {
    fs::remove_all(dir);
    auto opened = esafe::store::Open("sqlite:" + (dir / "esafe.db").string());
    if (!opened.ok()) {
      state.SkipWithError(opened.error().message.c_str());
      return;
    }
    db = std::move(*opened);
  }
  uint64_t alerts = 0, stored = 0;
  for (auto _ : state) {
    std::unique_ptr<mon::AlertLog> log = db ? std::make_unique<mon::AlertLog>(*db) : nullptr;
    mon::Monitor monitor(terms, {}, [&](mon::AlertDraft&& d) {
      ++alerts;
      if (log && log->Record(d).ok()) ++stored;
    });
    constexpr size_t kBatch = 16384;  // the activity benchmark's batch size
    for (size_t i = 0; i < events.size(); i += kBatch) {
      monitor.Feed(std::span(events).subspan(i, std::min(kBatch, events.size() - i)));
    }
    monitor.Flush();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * events.size()));
  state.counters["alerts_per_run"] = static_cast<double>(alerts) / static_cast<double>(state.iterations());
  state.counters["stored_per_run"] = static_cast<double>(stored) / static_cast<double>(state.iterations());
  state.counters["activity_ingest_events_per_cpu_s"] = 228452;  // docs/activity.md
  if (store) fs::remove_all(dir);
}

void BM_AlertPipeline(benchmark::State& state) { Run(state, true, true); }
void BM_Rules(benchmark::State& state) { Run(state, false, false); }

void BM_SearchMatch(benchmark::State& state) {
  const auto& events = Stream(true);
  mon::TermsInForce terms;
  if (!terms.Reload(TermsDir()).ok()) {
    state.SkipWithError("cannot load the term libraries");
    return;
  }
  auto matcher = terms.current();
  mon::MatchScratch scratch;
  uint64_t matched = 0;
  for (auto _ : state) {
    for (const auto& e : events) {
      if (auto q = mon::ExtractSearch(e.url)) {
        auto hits = scratch.Scan(*matcher, q->text);
        matched += hits.ok() && !hits->empty();
      }
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * events.size()));
  state.counters["matched"] = static_cast<double>(matched) / static_cast<double>(state.iterations());
}

}  // namespace

BENCHMARK(BM_AlertPipeline)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();
BENCHMARK(BM_Rules)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();
BENCHMARK(BM_SearchMatch)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();

BENCHMARK_MAIN();
