// Retention deletes exactly the expired, unheld events; holds keep theirs; every
// removal is a chain entry and the log still verifies.
#include <gtest/gtest.h>

#include "activity/internal.h"
#include "activity_test_util.h"

namespace esafe::activity {
namespace {

using testing::EventGen;
using testing::kDay;
using testing::kT0;
using testing::TempDir;
using testing::Lines;

TEST(Retention, DeletesOnlyExpiredAndKeepsHeld) {
  TempDir dir;
  EventGen gen(21, /*days=*/120);
  std::vector<ActivityEvent> all;
  auto store = Store::Open(dir.path(), {.segment_events = 250});
  ASSERT_TRUE(store.ok());
  // Time-ordered ingest, as in production: 120 days of events.
  for (int i = 0; i < 12; ++i) {
    auto batch = gen.Batch(200);
    all.insert(all.end(), batch.begin(), batch.end());
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.time_us < b.time_us; });
  for (size_t i = 0; i < all.size(); i += 100)
    ASSERT_TRUE((*store)->Append(std::span(all).subspan(i, 100)).ok());
  ASSERT_TRUE((*store)->Seal().ok());

  LegalHold by_ip{.id = "disclosure-17", .cidr = "10.1.2.0/24", .reason = "RIPA request 17"};
  LegalHold by_user{.id = "incident-4", .user = "u-3", .reason = "incident 4"};
  LegalHold by_time{.id = "incident-9", .from_us = kT0 + 2 * kDay, .to_us = kT0 + 3 * kDay, .reason = "incident 9"};
  for (const auto& h : {by_ip, by_user, by_time}) ASSERT_TRUE((*store)->PlaceHold(h, "lead").ok());
  EXPECT_FALSE((*store)->PlaceHold(by_ip, "lead").ok());                        // duplicate id
  EXPECT_FALSE((*store)->PlaceHold(LegalHold{.id = "all"}, "lead").ok());       // matches everything
  EXPECT_FALSE((*store)->PlaceHold(LegalHold{.id = "x", .cidr = "10.1.2.3/8"}, "lead").ok());

  RetentionPolicy policy;
  policy.default_days = 90;
  policy.agency_days["police"] = 110;
  policy.agency_days["youth"] = 30;
  const int64_t now = kT0 + 125 * kDay;
  auto expired = [&](const ActivityEvent& e) { return e.time_us < now - policy.DaysFor(e.agency) * kDay; };
  std::vector<ActivityEvent> expected;
  for (const auto& e : all) {
    if (!expired(e) || by_ip.Matches(e) || by_user.Matches(e) || by_time.Matches(e)) expected.push_back(e);
  }
  ASSERT_LT(expected.size(), all.size());  // the test deletes something…
  ASSERT_GT(expected.size(), 0u);

  auto report = (*store)->ApplyRetention(policy, now);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->events_deleted, all.size() - expected.size());
  EXPECT_GT(report->events_kept_by_hold, 0u);
  EXPECT_GT(report->segments_rewritten + report->segments_deleted, 0u);
  EXPECT_EQ(Lines(testing::All(dir.path())), Lines(expected));

  // Running it again changes nothing.
  auto again = (*store)->ApplyRetention(policy, now);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->events_deleted, 0u);

  // Releasing the holds lets their events go at the next run.
  for (const auto& id : {"disclosure-17", "incident-4", "incident-9"}) ASSERT_TRUE((*store)->ReleaseHold(id, "lead").ok());
  EXPECT_FALSE((*store)->ReleaseHold("incident-9", "lead").ok());
  ASSERT_TRUE((*store)->ApplyRetention(policy, now).ok());
  std::vector<ActivityEvent> unheld;
  for (const auto& e : all)
    if (!expired(e)) unheld.push_back(e);
  EXPECT_EQ(Lines(testing::All(dir.path())), Lines(unheld));

  auto verify = Verify(dir.path(), (*store)->HeadHash());
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->ok) << verify->problems.front();
  EXPECT_GT(verify->lawful_deletions, 0u);

  // Every removal is in the ledger with its rule and time.
  auto chain = internal::ReadChain(dir.path());
  ASSERT_TRUE(chain.ok());
  int removals = 0;
  for (const auto& e : chain->entries) {
    const std::string kind = e.json["kind"];
    if (kind == "delete" || kind == "rewrite") {
      ++removals;
      EXPECT_EQ(e.json["rule"], "retention");
      EXPECT_EQ(e.json["at"], now);
      EXPECT_EQ(e.json["policy"]["agency_days"]["youth"], 30);
    }
  }
  EXPECT_GE(static_cast<uint64_t>(removals), report->segments_deleted + report->segments_rewritten);
}

TEST(Retention, UnsealedEventsExpireToo) {
  TempDir dir;
  EventGen gen(31, 5);
  auto store = Store::Open(dir.path());  // segments far larger than this log
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Append(gen.Batch(100)).ok());
  RetentionPolicy policy;
  auto report = (*store)->ApplyRetention(policy, kT0 + 200 * kDay);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->events_deleted, 100u);
  EXPECT_TRUE(testing::All(dir.path()).empty());
  EXPECT_EQ((*store)->ActiveEvents(), 0u);
}

TEST(Retention, HoldsSurviveReopen) {
  TempDir dir;
  {
    auto store = Store::Open(dir.path());
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->PlaceHold(LegalHold{.id = "h1", .user = "u-1", .reason = "r"}, "lead").ok());
  }
  auto store = Store::Open(dir.path());
  ASSERT_TRUE(store.ok());
  auto holds = (*store)->Holds();
  ASSERT_EQ(holds.size(), 1u);
  EXPECT_EQ(holds[0].id, "h1");
  EXPECT_EQ(holds[0].user, "u-1");
}

}  // namespace
}  // namespace esafe::activity
