// The rules over generated activity: the planted risky searches, repeated block
// attempts, rate spike and proxy use raise exactly the expected alerts, and the same
// day without them raises none.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "monitoring/generated_activity.h"
#include "monitoring/monitoring.h"

namespace esafe::monitoring {
namespace {

using activity::Action;
using testing::Event;
using testing::kMinuteUs;
using testing::kStartUs;

std::string TermsDir() { return std::string(std::getenv("ESAFE_SOURCE_DIR")) + "/data/monitoring/terms"; }

class MonitorTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(terms.Reload(TermsDir()).ok()); }

  std::vector<AlertDraft> Run(const std::vector<activity::ActivityEvent>& events, RuleSettings settings = {}) {
    std::vector<AlertDraft> alerts;
    Monitor monitor(terms, settings, [&](AlertDraft&& d) { alerts.push_back(std::move(d)); });
    // Fed in batches of varying size, as the ingest path delivers them.
    size_t i = 0, batch = 1;
    while (i < events.size()) {
      const size_t n = std::min(batch, events.size() - i);
      monitor.Feed(std::span(events).subspan(i, n));
      i += n;
      batch = batch * 3 % 997 + 1;
    }
    monitor.Flush();
    stats = monitor.stats();
    return alerts;
  }

  TermsInForce terms;
  MonitorStats stats;
};

TEST_F(MonitorTest, CleanDayRaisesNothing) {
  auto clean = testing::CleanActivity();
  auto alerts = Run(clean);
  for (const auto& a : alerts) ADD_FAILURE() << RuleName(a.rule) << ": " << a.summary;
  EXPECT_EQ(stats.events, clean.size());
  EXPECT_GT(stats.searches, 1000u);
  EXPECT_EQ(stats.search_matches, 0u);
}

TEST_F(MonitorTest, PlantedEventsRaiseExactlyTheExpectedAlerts) {
  const auto events = testing::Merge(testing::CleanActivity(), testing::Plants());
  auto alerts = Run(events);
  std::map<std::string, std::vector<const AlertDraft*>> by_rule;
  for (const auto& a : alerts) by_rule[std::string(RuleName(a.rule))].push_back(&a);
  // Both planted self-harm searches are critical: the first is raised at once, the
  // second two minutes later follows it; the extremism search is raised at once.
  ASSERT_EQ(alerts.size(), 6u);
  ASSERT_EQ(by_rule["risky_search"].size(), 3u);
  ASSERT_EQ(by_rule["repeated_blocks"].size(), 1u);
  ASSERT_EQ(by_rule["block_rate_spike"].size(), 1u);
  ASSERT_EQ(by_rule["proxy_avoidance"].size(), 1u);

  const AlertDraft* self_harm = nullptr;
  const AlertDraft* follow_up = nullptr;
  const AlertDraft* extremism = nullptr;
  for (const auto* a : by_rule["risky_search"]) {
    if (a->subject != "self-harm-and-suicide") {
      extremism = a;
    } else {
      (a->detail.contains("follows_alert_raised_at_once") ? follow_up : self_harm) = a;
    }
  }
  ASSERT_TRUE(self_harm && follow_up && extremism);
  EXPECT_EQ(self_harm->severity, Severity::kCritical);
  EXPECT_EQ(self_harm->detail.value("raised_at_once", false), true);
  EXPECT_EQ(self_harm->client, "10.0.1.201");
  EXPECT_EQ(self_harm->user, "u-201");
  EXPECT_EQ(self_harm->site, "S1");
  EXPECT_EQ(self_harm->agency, "Northfield School");
  EXPECT_EQ(self_harm->incident_category, "self_harm_suicide");
  EXPECT_EQ(self_harm->event_count, 1u);
  ASSERT_EQ(self_harm->events.size(), 1u);
  EXPECT_EQ(follow_up->severity, Severity::kCritical);
  EXPECT_EQ(follow_up->client, "10.0.1.201");
  EXPECT_EQ(follow_up->event_count, 1u);
  ASSERT_EQ(follow_up->events.size(), 1u);
  // The references point at the planted events' times and stream positions.
  EXPECT_EQ(follow_up->events[0].time_us - self_harm->events[0].time_us, 2 * kMinuteUs);
  EXPECT_EQ(events[self_harm->events[0].position].url.find("K1LL") != std::string::npos, true);
  EXPECT_THAT(self_harm->detail["terms"].get<std::vector<std::string>>(), ::testing::Contains("how to kill myself"));
  EXPECT_THAT(self_harm->detail["terms"].get<std::vector<std::string>>(), ::testing::Not(::testing::Contains("suicide method")));
  EXPECT_THAT(follow_up->detail["terms"].get<std::vector<std::string>>(), ::testing::Contains("suicide method"));
  EXPECT_THAT(follow_up->summary, ::testing::HasSubstr("after the alert raised at once"));
  // The summary never repeats what was typed, and gives the time as a person reads it.
  EXPECT_EQ(self_harm->summary.find("k1ll"), std::string::npos);
  EXPECT_THAT(self_harm->summary, ::testing::ContainsRegex(" at [0-9]+ [A-Z][a-z][a-z] 20[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9] UTC\\.$"));

  EXPECT_EQ(extremism->subject, "radicalisation-and-extremism");
  EXPECT_EQ(extremism->incident_category, "radicalisation");
  EXPECT_EQ(extremism->site, "S3");
  EXPECT_EQ(extremism->event_count, 1u);

  const auto& repeated = *by_rule["repeated_blocks"][0];
  EXPECT_EQ(repeated.client, "10.0.1.203");
  EXPECT_EQ(repeated.event_count, 10u);
  EXPECT_EQ(repeated.subject, "adult");

  const auto& spike = *by_rule["block_rate_spike"][0];
  EXPECT_EQ(spike.site, "S2");
  EXPECT_EQ(spike.client, "");
  EXPECT_GE(spike.event_count, 40u);
  EXPECT_EQ(spike.first_us, kStartUs + 300 * kMinuteUs);
  EXPECT_LT(spike.detail["baseline_share"].get<double>(), 0.06);

  const auto& proxy = *by_rule["proxy_avoidance"][0];
  EXPECT_EQ(proxy.client, "10.0.2.204");
  EXPECT_EQ(proxy.event_count, 3u);
  EXPECT_EQ(proxy.severity, Severity::kMedium);
  EXPECT_EQ(proxy.incident_category, "network_misuse");

  for (const auto& a : alerts) {
    for (const auto& ref : a.events) {
      ASSERT_LT(ref.position, events.size());
      EXPECT_EQ(events[ref.position].time_us, ref.time_us) << RuleName(a.rule);
      EXPECT_EQ(activity::FormatIp(events[ref.position].client), ref.client);
    }
  }
}

TEST_F(MonitorTest, ProxyThatGotThroughIsMoreSevereAndHostListsCount) {
  RuleSettings settings;
  settings.proxy_hosts = {"tunnel-vpn.example"};
  std::vector<activity::ActivityEvent> events = {
      Event(kStartUs, 0, 50, "https://eu1.tunnel-vpn.example/connect", "", Action::kAllow),
      Event(kStartUs + 1000000, 0, 50, "https://tunnel-vpn.example/", "", Action::kAllow),
      Event(kStartUs + 2000000, 0, 51, "https://nottunnel-vpn.example/", "", Action::kAllow),
  };
  auto alerts = Run(events, settings);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].severity, Severity::kHigh);
  EXPECT_EQ(alerts[0].event_count, 2u);
}

// A request decided through a content proxy (the enforcer names it in the reason, issue
// 22) counts as proxy use, and the alert names the proxy with the site behind it.
TEST_F(MonitorTest, ContentProxyRequestsCountAsProxyAvoidance) {
  std::vector<activity::ActivityEvent> events = {
      Event(kStartUs, 0, 52, "http://adult.test/page", "adult", Action::kBlock),
      Event(kStartUs + 1000000, 0, 52, "http://ok.test/", "", Action::kAllow),
      Event(kStartUs + 2000000, 0, 53, "http://ok.test/", "", Action::kAllow),
  };
  events[0].reason = "category via translate.google.com";
  events[1].reason = "no match via web.archive.org";
  auto alerts = Run(events);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].rule, Rule::kProxyAvoidance);
  EXPECT_EQ(alerts[0].event_count, 2u);
  EXPECT_EQ(alerts[0].severity, Severity::kHigh);  // the archived page got through
  EXPECT_THAT(alerts[0].summary, ::testing::HasSubstr("translate.google.com (adult.test)"));
}

TEST_F(MonitorTest, SearchesOutsideTheWindowAreSeparateAlerts) {
  RuleSettings settings;
  settings.search_window = std::chrono::seconds(60);
  std::vector<activity::ActivityEvent> events = {
      Event(kStartUs, 0, 60, "https://www.google.com/search?q=sexting", "", Action::kAllow),
      Event(kStartUs + 30 * 1000000LL, 0, 60, "https://www.google.com/search?q=sugar+daddy", "", Action::kAllow),
      Event(kStartUs + 90 * 1000000LL, 0, 60, "https://www.google.com/search?q=sexting", "", Action::kAllow),
  };
  auto alerts = Run(events, settings);
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].event_count, 2u);
  EXPECT_EQ(alerts[0].severity, Severity::kHigh);  // sugar daddy: high; sexting: medium
  EXPECT_EQ(alerts[1].event_count, 1u);
  EXPECT_EQ(alerts[1].severity, Severity::kMedium);
}

TEST_F(MonitorTest, CriticalSearchIsRaisedAsItArrivesAndWhatFollowsGathersIntoOneAlert) {
  std::vector<AlertDraft> alerts;
  Monitor monitor(terms, {}, [&](AlertDraft&& d) { alerts.push_back(std::move(d)); });
  monitor.Feed(Event(kStartUs, 0, 61, "https://www.google.com/search?q=painless+way+to+die", "", Action::kAllow));
  // No flush and no later event: the sink already has it.
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].severity, Severity::kCritical);
  EXPECT_EQ(alerts[0].event_count, 1u);
  // Two more matches within the window (one only medium) wait for it to close, as one alert.
  monitor.Feed(Event(kStartUs + 60 * 1000000LL, 0, 61, "https://www.bing.com/search?q=suicide+methods", "", Action::kAllow));
  monitor.Feed(Event(kStartUs + 90 * 1000000LL, 0, 61, "https://www.google.com/search?q=overdose+on+paracetamol", "", Action::kAllow));
  EXPECT_EQ(alerts.size(), 1u);
  monitor.Flush(kStartUs + 300 * 1000000LL);
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[1].event_count, 2u);
  EXPECT_EQ(alerts[1].detail.value("follows_alert_raised_at_once", false), true);
  // A quiet window after an immediate alert raises nothing more.
  monitor.Feed(Event(kStartUs + 3600 * 1000000LL, 0, 62, "https://www.google.com/search?q=painless+way+to+die", "", Action::kAllow));
  monitor.Flush();
  EXPECT_EQ(alerts.size(), 3u);
  EXPECT_EQ(alerts[2].client, "10.0.1.62");
  EXPECT_EQ(alerts[2].detail.value("raised_at_once", false), true);

  // The threshold is the partnership's: at high, a high-risk search is raised at once too.
  std::vector<AlertDraft> gathered;
  auto parsed = ParseRuleSettings("search_immediate_severity: critical\n", "rules.yaml");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->search_immediate_severity, Severity::kCritical);
  auto high = ParseRuleSettings("search_immediate_severity: high\n", "rules.yaml");
  ASSERT_TRUE(high.ok());
  Monitor eager(terms, *high, [&](AlertDraft&& d) { gathered.push_back(std::move(d)); });
  eager.Feed(Event(kStartUs, 0, 63, "https://www.google.com/search?q=sugar+daddy", "", Action::kAllow));
  EXPECT_EQ(gathered.size(), 1u);  // high is raised at once under this setting
  auto bad = ParseRuleSettings("search_immediate_severity: urgent\n", "rules.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message, ::testing::HasSubstr("rules.yaml:1"));
}

TEST_F(MonitorTest, FlushWithATimeCompletesOnlyWhatIsDue) {
  std::vector<AlertDraft> alerts;
  Monitor monitor(terms, {}, [&](AlertDraft&& d) { alerts.push_back(std::move(d)); });
  monitor.Feed(Event(kStartUs, 0, 60, "https://www.google.com/search?q=buy+weed", "", Action::kAllow));
  monitor.Flush(kStartUs + 299 * 1000000LL);
  EXPECT_TRUE(alerts.empty());
  monitor.Flush(kStartUs + 300 * 1000000LL);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].subject, "drugs");
}

TEST_F(MonitorTest, StateStaysWithinTheBound) {
  RuleSettings settings;
  settings.max_tracked = 1000;
  std::vector<activity::ActivityEvent> events;
  // 20,000 distinct clients each blocked once, within one window.
  for (int i = 0; i < 20000; ++i) {
    auto e = Event(kStartUs + i * 1000, 0, 1, "http://x.example/", "adult", Action::kBlock);
    e.user = "u" + std::to_string(i);
    events.push_back(std::move(e));
  }
  Run(events, settings);
  EXPECT_LE(stats.tracked, 1000u + 10u);
  EXPECT_GT(stats.evicted, 0u);
}

TEST_F(MonitorTest, OutOfOrderEventsAreCountedAndStillEvaluated) {
  std::vector<activity::ActivityEvent> events = {
      Event(kStartUs + 10 * 1000000LL, 0, 70, "https://example.org/", "", Action::kAllow),
      Event(kStartUs, 0, 71, "https://www.google.com/search?q=pipe+bomb", "", Action::kAllow),
  };
  auto alerts = Run(events);
  EXPECT_EQ(stats.out_of_order, 1u);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].events[0].time_us, kStartUs);
}

TEST(RuleSettingsTest, ParsesAndRefusesWithLines) {
  auto ok = ParseRuleSettings("repeat_threshold: 5\nproxy_hosts: [vpn.example]\nspike_factor: 2.5\n", "rules.yaml");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->repeat_threshold, 5u);
  EXPECT_EQ(ok->proxy_hosts, std::vector<std::string>{"vpn.example"});
  EXPECT_DOUBLE_EQ(ok->spike_factor, 2.5);

  auto bad = ParseRuleSettings("repeat_threshold: 5\nrepeat_window: -1\nspeed: fast\nproxy_hosts: [Bad Host]\n",
                               "rules.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message, ::testing::HasSubstr("rules.yaml:2: 'repeat_window' must be from 1"));
  EXPECT_THAT(bad.error().message, ::testing::HasSubstr("rules.yaml:3: rules: unknown key 'speed'"));
  EXPECT_THAT(bad.error().message, ::testing::HasSubstr("rules.yaml:4: 'proxy_hosts': 'Bad Host'"));
}

}  // namespace
}  // namespace esafe::monitoring
