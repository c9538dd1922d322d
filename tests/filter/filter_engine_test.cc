#include "filter/filter_engine.h"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "filter/list_loader.h"
#include "filter/list_snapshot_builder.h"

namespace esafe::filter {
namespace {

std::shared_ptr<const ListSnapshot> Lists(std::string_view gambling_domains) {
  ListSnapshotBuilder builder;
  LoadReport report;
  EXPECT_TRUE(LoadListText(gambling_domains, "g", "gambling", ListFormat::kDomains, builder, report).ok());
  EXPECT_TRUE(LoadListText("games.example\nmixed.example\n", "m", "games", ListFormat::kDomains, builder, report).ok());
  EXPECT_TRUE(LoadListText("mixed.example/edu\n", "e", "education", ListFormat::kUrls, builder, report).ok());
  EXPECT_TRUE(LoadListText(DigestToHex(Sha256("games.example/abuse")) + "\n", "h", "iwf", ListFormat::kUrlHashes,
                           builder, report)
                  .ok());
  return builder.Build();
}

std::shared_ptr<const FilterState> State(std::shared_ptr<const ListSnapshot> lists, CategoryPolicy policy) {
  auto state = MakeFilterState(std::move(lists), policy);
  EXPECT_TRUE(state.ok()) << (state.ok() ? "" : state.error().message);
  return *state;
}

TEST(FilterEngineTest, BlockWarnAllow) {
  CategoryPolicy policy;
  policy.block = {"gambling"};
  policy.warn = {"games"};
  FilterEngine engine(State(Lists("casino.example\n"), policy));
  auto blocked = engine.Decide("http://www.casino.example/");
  ASSERT_TRUE(blocked.ok());
  EXPECT_EQ(blocked->action, Action::kBlock);
  EXPECT_EQ(blocked->category, "gambling");
  EXPECT_EQ(blocked->entry, "casino.example");
  EXPECT_EQ(blocked->canonical.spec(), "http://www.casino.example/");
  auto warned = engine.Decide("games.example/x");
  ASSERT_TRUE(warned.ok());
  EXPECT_EQ(warned->action, Action::kWarn);
  EXPECT_EQ(warned->category, "games");
  auto allowed = engine.Decide("http://example.org/");
  ASSERT_TRUE(allowed.ok());
  EXPECT_EQ(allowed->action, Action::kAllow);
  EXPECT_TRUE(allowed->entry.empty());
  auto bad = engine.Decide("http://[::1/");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::kInvalid);
}

TEST(FilterEngineTest, BlockBeatsAMoreSpecificWarnAndMandatoryBeatsAll) {
  CategoryPolicy policy;
  policy.block = {"games"};
  policy.warn = {"education"};
  policy.mandatory = {"iwf"};
  FilterEngine engine(State(Lists("casino.example\n"), policy));
  auto mixed = engine.Decide("http://mixed.example/edu/page");
  ASSERT_TRUE(mixed.ok());
  EXPECT_EQ(mixed->action, Action::kBlock);
  EXPECT_EQ(mixed->category, "games");
  auto abuse = engine.Decide("http://games.example/abuse/1");
  ASSERT_TRUE(abuse.ok());
  EXPECT_EQ(abuse->action, Action::kBlock);
  EXPECT_TRUE(abuse->mandatory);
  EXPECT_EQ(abuse->category, "iwf");
  EXPECT_EQ(abuse->entry, DigestToHex(Sha256("games.example/abuse")));

  // Even a policy that only warns on games cannot let the mandatory entry through.
  CategoryPolicy lenient;
  lenient.warn = {"games", "iwf"};
  lenient.mandatory = {"iwf"};
  FilterEngine lenient_engine(State(Lists("casino.example\n"), lenient));
  EXPECT_EQ(lenient_engine.Decide("http://games.example/abuse")->action, Action::kBlock);
  EXPECT_EQ(lenient_engine.Decide("http://games.example/other")->action, Action::kWarn);
}

TEST(FilterEngineTest, UnknownCategoryInPolicyIsAnError) {
  CategoryPolicy policy;
  policy.block = {"gambling", "casinos"};
  auto state = MakeFilterState(Lists("casino.example\n"), policy);
  ASSERT_FALSE(state.ok());
  EXPECT_EQ(state.error().message, "unknown category 'casinos'; the lists hold: gambling, games, education, iwf");
  EXPECT_EQ(state.error().field, "block");
}

// Readers decide continuously while a writer swaps list versions. Version A blocks only
// a.example, version B only b.example: every decision must be consistent with exactly one
// version (never both blocked, never neither), and must report the generation that made it.
TEST(FilterEngineTest, ReloadIsAtomicForReadersInFlight) {
  CategoryPolicy policy;
  policy.block = {"gambling"};
  auto version_a = State(Lists("a.example\n"), policy);
  auto version_b = State(Lists("b.example\n"), policy);
  const uint64_t generation_a = version_a->lists->generation();
  const uint64_t generation_b = version_b->lists->generation();
  FilterEngine engine(version_a);

  std::atomic<bool> stop{false};
  std::atomic<size_t> decisions{0};
  std::atomic<size_t> inconsistent{0};
  std::atomic<size_t> saw_a{0}, saw_b{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      while (!stop.load(std::memory_order_relaxed)) {
        // One state for both URLs, as a request pins the version it started with.
        auto state = engine.Current();
        const Decision a = FilterEngine::DecideCanonical(*CanonicalUrl::Parse("http://a.example/"), state);
        const Decision b = FilterEngine::DecideCanonical(*CanonicalUrl::Parse("http://b.example/"), state);
        const bool is_a = a.action == Action::kBlock && b.action == Action::kAllow &&
                          a.state->lists->generation() == generation_a;
        const bool is_b = a.action == Action::kAllow && b.action == Action::kBlock &&
                          b.state->lists->generation() == generation_b;
        if (is_a) ++saw_a;
        if (is_b) ++saw_b;
        if (!is_a && !is_b) ++inconsistent;
        auto single = engine.Decide("http://a.example/x");
        if (!single.ok() || (single->action == Action::kBlock) != (single->state->lists->generation() == generation_a)) {
          ++inconsistent;
        }
        ++decisions;
      }
    });
  }
  for (int swap = 0; swap < 2000; ++swap) {
    engine.Install(swap % 2 ? version_a : version_b);
    if (swap % 100 == 0) std::this_thread::yield();
  }
  // Keep swapping until readers have seen both versions, then stop. Bounded by time, not
  // by a count of swaps, and each version is left in place long enough for a reader to
  // be scheduled: on two busy cores a tight loop of swaps could end before any reader ran.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (int i = 0; (saw_a == 0 || saw_b == 0) && std::chrono::steady_clock::now() < deadline; ++i) {
    engine.Install(i % 2 ? version_a : version_b);
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  stop = true;
  for (auto& reader : readers) reader.join();
  EXPECT_EQ(inconsistent.load(), 0u);
  EXPECT_GT(decisions.load(), 0u);
  EXPECT_GT(saw_a.load(), 0u);
  EXPECT_GT(saw_b.load(), 0u);
}

// A retired version stays valid for as long as a decision made on it is held.
TEST(FilterEngineTest, DecisionKeepsItsVersionAlive) {
  CategoryPolicy policy;
  policy.block = {"gambling"};
  FilterEngine engine(State(Lists("old.example\n"), policy));
  auto held = engine.Decide("http://old.example/");
  ASSERT_TRUE(held.ok());
  engine.Install(State(Lists("new.example\n"), policy));
  EXPECT_EQ(engine.Decide("http://old.example/")->action, Action::kAllow);
  EXPECT_EQ(held->entry, "old.example");  // would read freed memory under ASan if not kept alive
  EXPECT_EQ(held->category, "gambling");
}

}  // namespace
}  // namespace esafe::filter
