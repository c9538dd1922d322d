// Filtering engine benchmark (issue 4): decisions per second, p50/p99 latency, load time
// and memory per million entries, on the real UT1 lists plus synthetic domains and URLs
// up to at least 1,000,000 domains and 100,000 URLs.
//
//   build-filter/bench/filter_bench [--benchmark_filter=…]
//   ESAFE_SHARED_DATA=/work/shared/data (default: ../shared/data beside the checkout)
//
// The side-by-side run against squidGuard is bench/compare_squidguard.sh.
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "filter/content_proxy.h"
#include "filter/filter_engine.h"
#include "filter/list_loader.h"
#include "filter/list_snapshot_builder.h"

namespace esafe::filter {
namespace {

constexpr size_t kTargetDomains = 1'000'000;
constexpr size_t kTargetUrls = 100'000;
constexpr size_t kStreamLength = 200'000;
constexpr size_t kHashedEntries = 10'000;

std::filesystem::path DataDirectory() {
  if (const char* data = std::getenv("ESAFE_SHARED_DATA")) return data;
  return std::filesystem::path(__FILE__).parent_path() / "../../shared/data";
}

size_t ResidentBytes() {
  malloc_trim(0);
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

std::string SyntheticDomain(std::mt19937_64& random, size_t i) {
  static const char* kTlds[] = {"com", "net", "org", "fr", "co.uk", "info", "xyz", "de"};
  std::string name;
  const int length = 5 + static_cast<int>(random() % 12);
  for (int k = 0; k < length; ++k) name.push_back(static_cast<char>('a' + random() % 26));
  return name + std::to_string(i % 997) + "." + kTlds[random() % 8];
}

// Everything the benchmarks share, built once.
struct World {
  std::shared_ptr<const FilterState> state;         // UT1 + synthetic, all categories blocked
  std::shared_ptr<const FilterState> hashed_state;  // the same plus a mandatory hashed list
  std::shared_ptr<const FilterState> proxy_state;   // `state` with the shipped content proxies
  // URLs, about half hits and half misses, laid out one after another in one buffer the
  // way a helper reads them from its input (200,000 separately allocated strings would
  // measure cache misses on the benchmark's own data instead).
  std::string stream_text;
  std::vector<std::string_view> stream;
  double load_seconds = 0;
  double resident_mb = 0;
  size_t domains = 0;
  size_t urls = 0;
  size_t hits_in_stream = 0;

  World() {
    std::mt19937_64 random(42);
    const size_t resident_before = ResidentBytes();
    const auto start = std::chrono::steady_clock::now();

    ListSnapshotBuilder builder;
    LoadReport report;
    const auto ut1 = DataDirectory() / "ut1";
    if (auto loaded = LoadSquidGuardDirectory(ut1, {}, builder, report); !loaded) {
      std::fprintf(stderr, "UT1 lists not loaded (%s); synthetic lists only\n", loaded.error().message.c_str());
    }
    // Synthetic entries as list text, so that parsing and canonicalisation are timed too.
    std::vector<std::string> listed_hosts;
    std::string synthetic_domains;
    const size_t real_domains = builder.entry_count();
    for (size_t i = 0; real_domains + i < kTargetDomains + 50'000; ++i) {
      std::string domain = SyntheticDomain(random, i);
      if (i % 20 == 0) listed_hosts.push_back(domain);
      synthetic_domains += domain;
      synthetic_domains += '\n';
    }
    (void)LoadListText(synthetic_domains, "synthetic/domains", "synthetic", ListFormat::kDomains, builder, report);
    std::string synthetic_urls;
    std::vector<std::string> listed_urls;
    for (size_t i = 0; i < kTargetUrls; ++i) {
      std::string url = SyntheticDomain(random, i + 7) + "/p" + std::to_string(i) + "/page";
      if (i % 10 == 0) listed_urls.push_back(url);
      synthetic_urls += url;
      synthetic_urls += '\n';
    }
    (void)LoadListText(synthetic_urls, "synthetic/urls", "synthetic-urls", ListFormat::kUrls, builder, report);
    auto lists = builder.Build();

    const auto end = std::chrono::steady_clock::now();
    load_seconds = std::chrono::duration<double>(end - start).count();
    synthetic_domains.clear();
    synthetic_domains.shrink_to_fit();
    synthetic_urls.clear();
    synthetic_urls.shrink_to_fit();
    resident_mb = static_cast<double>(ResidentBytes() - std::min(ResidentBytes(), resident_before)) / 1e6;
    domains = lists->domain_count();
    urls = lists->url_count();

    CategoryPolicy policy;
    policy.block = lists->categories();
    state = *MakeFilterState(lists, policy);

    // Same lists again with a mandatory hashed list (an IWF-sized list of digests).
    ListSnapshotBuilder hashed_builder;
    LoadReport hashed_report;
    (void)LoadSquidGuardDirectory(ut1, {"gambling", "phishing"}, hashed_builder, hashed_report);
    std::string digests;
    for (size_t i = 0; i < kHashedEntries; ++i) {
      digests += DigestToHex(Sha256("hidden" + std::to_string(i) + ".example/img/" + std::to_string(i) + ".jpg"));
      digests += '\n';
    }
    (void)LoadListText(digests, "iwf", "iwf", ListFormat::kUrlHashes, hashed_builder, hashed_report);
    CategoryPolicy hashed_policy;
    hashed_policy.block = {"gambling", "phishing"};
    hashed_policy.mandatory = {"iwf"};
    hashed_state = *MakeFilterState(hashed_builder.Build(), hashed_policy);

    std::vector<ProfileProblem> proxy_problems;
    const char* source = std::getenv("ESAFE_SOURCE_DIR");
    const std::filesystem::path root = source ? source : std::filesystem::path(__FILE__).parent_path() / "..";
    auto proxies = ContentProxies::Load(root / "data/filter/content-proxies.yaml", proxy_problems);
    if (!proxies) {
      std::fprintf(stderr, "content proxies: %s\n", proxies.error().message.c_str());
      std::exit(1);
    }
    auto with_proxies = std::make_shared<FilterState>(*state);
    with_proxies->proxies = std::move(*proxies);
    proxy_state = std::move(with_proxies);

    // The stream: listed hosts under made-up subdomains and paths, listed URLs and below,
    // real UT1 hosts, and misses on unlisted hosts, shuffled.
    std::vector<std::string> owned_stream;
    for (size_t i = 0; i < kStreamLength; ++i) {
      switch (i % 4) {
        case 0:
          owned_stream.push_back("http://www." + listed_hosts[random() % listed_hosts.size()] + "/index.html?id=" +
                           std::to_string(i));
          break;
        case 1:
          owned_stream.push_back("https://" + listed_urls[random() % listed_urls.size()] + "/deeper");
          break;
        default:
          owned_stream.push_back("http://cdn" + std::to_string(i) + ".unlisted-site" + std::to_string(random() % 5000) +
                           ".org/assets/app.js?v=" + std::to_string(i));
      }
    }
    std::shuffle(owned_stream.begin(), owned_stream.end(), random);
    std::vector<size_t> offsets;
    for (const auto& url : owned_stream) {
      offsets.push_back(stream_text.size());
      stream_text += url;
    }
    for (size_t k = 0; k < owned_stream.size(); ++k) {
      stream.emplace_back(stream_text.data() + offsets[k], owned_stream[k].size());
    }
    for (const auto& url : stream) {
      auto decision = FilterEngine(state).Decide(url);
      if (decision.ok() && decision->action == Action::kBlock) ++hits_in_stream;
    }
  }
};

World& TheWorld() {
  static World world;
  return world;
}

void BM_LoadAndMemory(benchmark::State& bench) {
  World& world = TheWorld();
  for (auto _ : bench) benchmark::DoNotOptimize(world.domains);
  const double entries_millions = static_cast<double>(world.domains + world.urls) / 1e6;
  bench.counters["domains"] = static_cast<double>(world.domains);
  bench.counters["urls"] = static_cast<double>(world.urls);
  bench.counters["load_s"] = world.load_seconds;
  bench.counters["rss_MB"] = world.resident_mb;
  bench.counters["MB_per_M_entries"] = world.resident_mb / entries_millions;
  bench.counters["stream_block_share"] = static_cast<double>(world.hits_in_stream) / world.stream.size();
}
BENCHMARK(BM_LoadAndMemory)->Iterations(1)->Unit(benchmark::kMillisecond);

// Decides the stream, round and round, on `state`.
void DecideStream(benchmark::State& bench, std::shared_ptr<const FilterState> state) {
  const World& world = TheWorld();
  FilterEngine engine(std::move(state));
  size_t i = 0;
  for (auto _ : bench) {
    auto decision = engine.Decide(world.stream[i]);
    benchmark::DoNotOptimize(decision);
    if (++i == world.stream.size()) i = 0;
  }
  bench.SetItemsProcessed(bench.iterations());
}

// The whole decision: canonicalise, look up, choose, with the atomic load of the state.
void BM_Decide(benchmark::State& bench) {
  DecideStream(bench, TheWorld().state);
}
BENCHMARK(BM_Decide);

// BM_Decide's stream (no proxy forms) with the shipped content proxies in force: the cost
// of looking for a proxy on every ordinary host (issue 22: at most 10% of BM_Decide).
void BM_DecideWithContentProxies(benchmark::State& bench) {
  DecideStream(bench, TheWorld().proxy_state);
}
BENCHMARK(BM_DecideWithContentProxies);

void BM_DecideWithMandatoryHashedList(benchmark::State& bench) {
  DecideStream(bench, TheWorld().hashed_state);
}
BENCHMARK(BM_DecideWithMandatoryHashedList);

void BM_Canonicalise(benchmark::State& bench) {
  World& world = TheWorld();
  size_t i = 0;
  for (auto _ : bench) {
    auto url = CanonicalUrl::Parse(world.stream[i]);
    benchmark::DoNotOptimize(url);
    if (++i == world.stream.size()) i = 0;
  }
  bench.SetItemsProcessed(bench.iterations());
}
BENCHMARK(BM_Canonicalise);

void BM_MatchCanonical(benchmark::State& bench) {
  World& world = TheWorld();
  std::vector<CanonicalUrl> canonical;
  for (const auto& url : world.stream) canonical.push_back(*CanonicalUrl::Parse(url));
  const ListSnapshot& lists = *world.state->lists;
  size_t i = 0;
  for (auto _ : bench) {
    ListMatches matches;
    lists.Match(canonical[i], matches);
    benchmark::DoNotOptimize(matches.size);
    if (++i == canonical.size()) i = 0;
  }
  bench.SetItemsProcessed(bench.iterations());
}
BENCHMARK(BM_MatchCanonical);

// Latency percentiles of single decisions (each timed on its own, so the figures include
// about 20 ns of clock overhead).
void BM_DecideLatency(benchmark::State& bench) {
  World& world = TheWorld();
  FilterEngine engine(world.state);
  std::vector<double> nanoseconds;
  nanoseconds.reserve(world.stream.size());
  for (auto _ : bench) {
    nanoseconds.clear();
    for (const auto& url : world.stream) {
      const auto start = std::chrono::steady_clock::now();
      auto decision = engine.Decide(url);
      benchmark::DoNotOptimize(decision);
      nanoseconds.push_back(std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count());
    }
  }
  std::sort(nanoseconds.begin(), nanoseconds.end());
  bench.counters["p50_ns"] = nanoseconds[nanoseconds.size() / 2];
  bench.counters["p99_ns"] = nanoseconds[nanoseconds.size() * 99 / 100];
  bench.counters["max_ns"] = nanoseconds.back();
}
BENCHMARK(BM_DecideLatency)->Iterations(3)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace esafe::filter

BENCHMARK_MAIN();
