// Alerts in the database: raised from the generated activity, scoped to the agency,
// triaged into a pre-filled incident, closed as a false positive or dismissed with a
// reason, every change in the history and the audit trail.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "incidents/incident_fixture.h"
#include "monitoring/generated_activity.h"
#include "monitoring/monitoring.h"

namespace esafe::monitoring {
namespace {

using ::testing::HasSubstr;

std::string TermsDir() { return std::string(std::getenv("ESAFE_SOURCE_DIR")) + "/data/monitoring/terms"; }

class AlertLogTest : public incidents::IncidentFixture {
 protected:
  void SetUp() override {
    IncidentFixture::SetUp();
    ASSERT_TRUE(terms.Reload(TermsDir()).ok());
    Monitor monitor(terms, {}, [&](AlertDraft&& d) { drafts.push_back(std::move(d)); });
    monitor.Feed(testing::Merge(testing::CleanActivity(), testing::Plants()));
    monitor.Flush();
    ASSERT_EQ(drafts.size(), 6u);  // the self-harm searches: raised at once, then a follow-up
    for (const auto& d : drafts) {
      auto id = alerts.Record(d);
      ASSERT_TRUE(id.ok()) << id.error().message;
      ids.emplace(std::string(RuleName(d.rule)) + ":" + d.subject, *id);  // the first of a rule and subject
    }
  }

  int64_t Id(const std::string& rule, const std::string& subject) {
    auto it = ids.find(rule + ":" + subject);
    EXPECT_NE(it, ids.end()) << rule << ":" << subject;
    return it == ids.end() ? 0 : it->second;
  }

  TermsInForce terms;
  std::vector<AlertDraft> drafts;
  std::map<std::string, int64_t> ids;
  AlertLog alerts{tdb.db()};
};

TEST_F(AlertLogTest, ScopedToTheAgencyTheActivityLogNames) {
  auto school_alerts = alerts.List(Officer(school), {});
  ASSERT_TRUE(school_alerts.ok()) << school_alerts.error().message;
  EXPECT_EQ(school_alerts->size(), 5u);
  for (const auto& a : *school_alerts) EXPECT_EQ(a["agency_id"], school);
  auto library_alerts = alerts.List(Officer(library), {});
  ASSERT_TRUE(library_alerts.ok());
  ASSERT_EQ(library_alerts->size(), 1u);
  EXPECT_EQ((*library_alerts)[0]["subject"], "radicalisation-and-extremism");
  EXPECT_EQ(alerts.List(Lead(), {})->size(), 6u);
  EXPECT_EQ(alerts.List(Lead(), {.min_severity = "critical"})->size(), 3u);
  EXPECT_EQ(alerts.List(Lead(), {.rule = "block_rate_spike"})->size(), 1u);

  EXPECT_EQ(alerts.List(Staff(school), {}).error().kind, ErrorKind::kForbidden);
  EXPECT_EQ(alerts.List(Board(), {}).error().kind, ErrorKind::kForbidden);
  EXPECT_EQ(alerts.List(Officer(school), {.agency_id = library}).error().kind, ErrorKind::kForbidden);
  EXPECT_EQ(alerts.Get(Officer(library), Id("risky_search", "self-harm-and-suicide")).error().kind,
            ErrorKind::kNotFound);
  EXPECT_EQ(alerts.List(Lead(), {.state = "bogus"}).error().kind, ErrorKind::kInvalid);
}

TEST_F(AlertLogTest, EventsAreReferencedNotCopied) {
  auto a = alerts.Get(Officer(school), Id("repeated_blocks", "adult"));
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ((*a)["state"], "new");
  EXPECT_EQ((*a)["event_count"], 10);
  ASSERT_EQ((*a)["events"].size(), 10u);
  const auto& first = (*a)["events"][0];
  EXPECT_EQ(first["client"], "10.0.1.203");
  EXPECT_TRUE(first.contains("time_us") && first.contains("position"));
  EXPECT_FALSE(first.contains("url"));
  ASSERT_EQ((*a)["history"].size(), 1u);
  EXPECT_EQ((*a)["history"][0]["to"], "new");
  EXPECT_EQ((*a)["history"][0]["by"], "system");
  EXPECT_EQ(CountAudit("monitoring.alert.read", "monitoring_alert", (*a)["id"]), 1);
}

TEST_F(AlertLogTest, TriageCreatesAPrefilledIncident) {
  const int64_t id = Id("risky_search", "self-harm-and-suicide");
  auto officer = Officer(school);
  auto triaged = alerts.TriageToIncident(officer, id);
  ASSERT_TRUE(triaged.ok()) << triaged.error().message;
  const auto& incident = (*triaged)["incident"];
  EXPECT_EQ(incident["agency_id"], school);
  EXPECT_EQ(incident["category"], "self_harm_suicide");
  EXPECT_EQ(incident["how_identified"], "filtering_alert");
  EXPECT_EQ(incident["risk_level"], "significant_risk");
  EXPECT_EQ(incident["technology"], "web");
  EXPECT_EQ(incident["occurred_at"], "2026-09-02T11:00:07Z");
  const std::string description = incident["description"];
  EXPECT_THAT(description, HasSubstr(fmt::format("alert #{}", id)));
  EXPECT_THAT(description, HasSubstr("1 search from one client at site S1"));
  EXPECT_THAT(description, HasSubstr("Library terms matched: "));
  EXPECT_THAT(description, HasSubstr("client 10.0.1.201"));

  const auto& alert = (*triaged)["alert"];
  EXPECT_EQ(alert["state"], "incident");
  EXPECT_EQ(alert["incident_id"], incident["id"]);
  ASSERT_EQ(alert["history"].size(), 2u);
  EXPECT_EQ(alert["history"][1]["by"], officer.username);
  EXPECT_EQ(CountAudit("monitoring.alert.incident", "monitoring_alert", id), 1);

  auto again = alerts.TriageToIncident(Lead(), id);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind, ErrorKind::kConflict);
  // Exactly one incident exists.
  EXPECT_EQ(log.List(Lead(), {})->size(), 1u);
}

TEST_F(AlertLogTest, TriageOverridesAndValidatesThroughTheIncidentLog) {
  const int64_t id = Id("proxy_avoidance", "free-proxy.example");
  auto bad = alerts.TriageToIncident(Officer(school), id, {{"category", "not-a-category"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "category");
  EXPECT_EQ(alerts.Get(Lead(), id)->at("state"), "new");  // nothing changed

  auto ok = alerts.TriageToIncident(Officer(school), id, {{"description", "Officer's own words"}});
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ((*ok)["incident"]["category"], "network_misuse");
  EXPECT_EQ((*ok)["incident"]["service"], "free-proxy.example");
  EXPECT_EQ((*ok)["incident"]["description"], "Officer's own words");
}

TEST_F(AlertLogTest, FalsePositiveAndDismissKeepTheirReasons) {
  const int64_t repeated = Id("repeated_blocks", "adult");
  const int64_t spike = Id("block_rate_spike", "site");
  EXPECT_EQ(alerts.MarkFalsePositive(Officer(school), repeated, "  ").error().field, "reason");
  EXPECT_EQ(alerts.MarkFalsePositive(Officer(library), repeated, "not ours").error().kind, ErrorKind::kNotFound);

  auto fp = alerts.MarkFalsePositive(Officer(school), repeated, "Shared classroom PC: a lesson on filtering");
  ASSERT_TRUE(fp.ok()) << fp.error().message;
  EXPECT_EQ((*fp)["state"], "false_positive");
  EXPECT_EQ((*fp)["state_reason"], "Shared classroom PC: a lesson on filtering");
  EXPECT_EQ((*fp)["history"][1]["reason"], "Shared classroom PC: a lesson on filtering");

  auto dismissed = alerts.Dismiss(Lead(), spike, "List update blocked a games site used in PE");
  ASSERT_TRUE(dismissed.ok());
  EXPECT_EQ((*dismissed)["state"], "dismissed");
  EXPECT_EQ(alerts.Dismiss(Lead(), spike, "again").error().kind, ErrorKind::kConflict);
  EXPECT_EQ(alerts.TriageToIncident(Lead(), repeated).error().kind, ErrorKind::kConflict);
  EXPECT_EQ(CountAudit("monitoring.alert.false_positive", "monitoring_alert", repeated), 1);
  EXPECT_EQ(CountAudit("monitoring.alert.dismissed", "monitoring_alert", spike), 1);
  EXPECT_EQ(alerts.List(Lead(), {.state = "new"})->size(), 4u);

  // The history is append-only.
  auto changed = tdb.db().Transaction<int64_t>([](store::Connection& c) {
    return c.Execute("UPDATE monitoring_alert_history SET reason = 'rewritten'");
  });
  EXPECT_FALSE(changed.ok());
}

TEST_F(AlertLogTest, AnAlertNoAgencyOwnsIsThePartnerships) {
  AlertDraft d = drafts[0];
  d.agency = "Unknown Academy";
  auto id = alerts.Record(d);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(alerts.Get(Officer(school), *id).error().kind, ErrorKind::kNotFound);
  auto a = alerts.Get(Lead(), *id);
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE((*a)["agency_id"].is_null());
  EXPECT_EQ(alerts.TriageToIncident(Lead(), *id).error().field, "agency_id");
  auto triaged = alerts.TriageToIncident(Lead(), *id, {{"agency_id", police}});
  ASSERT_TRUE(triaged.ok()) << triaged.error().message;
  EXPECT_EQ((*triaged)["incident"]["agency_id"], police);

  // By id, too.
  d.agency = std::to_string(library);
  auto by_id = alerts.Record(d);
  ASSERT_TRUE(by_id.ok());
  EXPECT_TRUE(alerts.Get(Officer(library), *by_id).ok());
}

TEST_F(AlertLogTest, RecordRefusesIncompleteDrafts) {
  AlertDraft d = drafts[0];
  d.incident_category = "made_up";
  EXPECT_EQ(alerts.Record(d).error().field, "incident_category");
  d = drafts[0];
  d.events.clear();
  EXPECT_EQ(alerts.Record(d).error().field, "events");
}

}  // namespace
}  // namespace esafe::monitoring
