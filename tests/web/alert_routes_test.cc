// The early-warning alert routes through App::Handle: scoped to the agency the alert
// belongs to (another agency's officer gets 404), triage into a pre-filled incident,
// closing with a required reason, and board members refused.
#include <gtest/gtest.h>

#include "directory/directory.h"
#include "monitoring/monitoring.h"
#include "support/app_client.h"
#include "support/test_database.h"
#include "web/app.h"

namespace esafe::web {
namespace {

class AlertRoutes : public ::testing::Test {
 protected:
  using Signed = esafe::testing::AppClient::Session;

  void SetUp() override {
    ASSERT_TRUE(directory::LoadDemo(tdb.db(), kPassword).ok());
    app = std::make_unique<App>(tdb.db());
    library = SignIn("library.eslo");
    riverside = SignIn("riverside.eslo");
    lead = SignIn("lead");
    board = SignIn("board");
  }

  Response Send(const std::string& method, const std::string& target, const Signed* as, const std::string& body = "") {
    std::map<std::string, std::string> headers;
    if (as) {
      headers["cookie"] = as->cookie;
      if (method != "GET") headers["x-csrf-token"] = as->csrf;
    }
    return esafe::testing::AppClient(*app, "10.20.1.9", "esafe.test").Send(method, target, body, std::move(headers));
  }

  Signed SignIn(const std::string& username) {
    return esafe::testing::AppClient(*app, "10.20.1.9", "esafe.test").SignIn(username, kPassword);
  }

  // An alert for the library officer's agency, recorded as the monitor records one.
  int recorded_ = 0;
  int64_t RecordAlert() {
    monitoring::AlertDraft d;
    d.rule = monitoring::Rule::kRepeatedBlocks;
    d.severity = monitoring::Severity::kHigh;
    d.agency = std::to_string(library.user["agency_id"].get<int64_t>());
    d.site = "Central Library";
    d.client = "10.0.1.203";
    d.subject = "adult";
    d.incident_category = "deliberate_inappropriate";
    d.summary = "10 blocked requests for adult sites within 10 minutes";
    // Each call a different alert (the same one twice is recorded once, migration 12).
    d.first_us = 1'790'000'000'000'000 + 1'000'000'000 * recorded_++;
    d.last_us = d.first_us + 60'000'000;
    d.event_count = 2;
    d.events = {{d.first_us, d.client, 4}, {d.last_us, d.client, 9}};
    auto id = monitoring::AlertLog(tdb.db()).Record(d);
    EXPECT_TRUE(id.ok()) << id.error().message;
    return id.ok() ? *id : 0;
  }

  static constexpr const char* kPassword = "alert-routes-password-1";
  esafe::testing::TestDatabase tdb;
  std::unique_ptr<App> app;
  Signed library, riverside, lead, board;
};

TEST_F(AlertRoutes, ScopedToTheAgencyAndRefusedToTheBoard) {
  const int64_t id = RecordAlert();
  const std::string path = "/api/v1/alerts/" + std::to_string(id);
  auto listed = Send("GET", "/api/v1/alerts?state=new", &library);
  ASSERT_EQ(listed.status, 200) << listed.body;
  ASSERT_EQ(Json::parse(listed.body).size(), 1u);
  EXPECT_EQ(Json::parse(listed.body)[0]["severity"], "high");
  EXPECT_EQ(Json::parse(Send("GET", "/api/v1/alerts?severity=high", &library).body).size(), 1u);
  EXPECT_EQ(Json::parse(Send("GET", "/api/v1/alerts?severity=low", &library).body).size(), 0u);
  EXPECT_EQ(Send("GET", "/api/v1/alerts?severity=bogus", &library).status, 400);
  EXPECT_EQ(Json::parse(Send("GET", "/api/v1/alerts", &riverside).body).size(), 0u);
  EXPECT_EQ(Json::parse(Send("GET", "/api/v1/alerts", &lead).body).size(), 1u);

  auto one = Send("GET", path, &library);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(Json::parse(one.body)["events"].size(), 2u);
  EXPECT_EQ(Send("GET", path, &riverside).status, 404);
  EXPECT_EQ(Send("POST", path + "/dismissal", &riverside, Json{{"reason", "not ours"}}.dump()).status, 404);
  EXPECT_EQ(Send("GET", "/api/v1/alerts", &board).status, 403);
  EXPECT_EQ(Send("GET", path, &board).status, 403);
  EXPECT_EQ(Send("GET", "/api/v1/alerts", nullptr).status, 401);
}

TEST_F(AlertRoutes, TriageCreatesAPreFilledIncident) {
  const int64_t id = RecordAlert();
  const std::string path = "/api/v1/alerts/" + std::to_string(id);
  auto triaged = Send("POST", path + "/incident", &library);
  ASSERT_EQ(triaged.status, 201) << triaged.body;
  Json out = Json::parse(triaged.body);
  const int64_t incident_id = out["incident_id"];
  EXPECT_EQ(out["alert"]["state"], "incident");
  auto incident = Send("GET", "/api/v1/incidents/" + std::to_string(incident_id), &library);
  ASSERT_EQ(incident.status, 200) << incident.body;
  Json inc = Json::parse(incident.body);
  EXPECT_EQ(inc["category"], "deliberate_inappropriate");
  EXPECT_EQ(inc["agency_id"], library.user["agency_id"]);
  EXPECT_EQ(Send("POST", path + "/incident", &library).status, 409);
  EXPECT_EQ(Send("POST", path + "/dismissal", &library, Json{{"reason", "late"}}.dump()).status, 409);
}

TEST_F(AlertRoutes, ClosingNeedsAReason) {
  const int64_t first = RecordAlert(), second = RecordAlert();
  const std::string a = "/api/v1/alerts/" + std::to_string(first), b = "/api/v1/alerts/" + std::to_string(second);
  EXPECT_EQ(Send("POST", a + "/false-positive", &library, Json::object().dump()).status, 400);
  EXPECT_EQ(Send("POST", a + "/false-positive", &library, Json{{"reason", ""}}.dump()).status, 400);
  EXPECT_EQ(Send("POST", b + "/dismissal", &library, Json{{"reason", 5}}.dump()).status, 400);
  auto fp = Send("POST", a + "/false-positive", &library, Json{{"reason", "a test account's research"}}.dump());
  ASSERT_EQ(fp.status, 200) << fp.body;
  EXPECT_EQ(Json::parse(fp.body)["state"], "false_positive");
  auto dismissed = Send("POST", b + "/dismissal", &library, Json{{"reason", "handled in person"}}.dump());
  ASSERT_EQ(dismissed.status, 200) << dismissed.body;
  EXPECT_EQ(Json::parse(dismissed.body)["state"], "dismissed");
  EXPECT_EQ(Json::parse(Send("GET", "/api/v1/alerts?state=new", &library).body).size(), 0u);
  EXPECT_TRUE(app->OpenApi()["paths"].contains("/api/v1/alerts/{id}/dismissal"));
}

TEST_F(AlertRoutes, MonitoringStatusIsThePartnershipManagersAndSaysWhenNothingRuns) {
  auto idle = Send("GET", "/api/v1/monitoring/status", &lead);
  ASSERT_EQ(idle.status, 200) << idle.body;
  EXPECT_EQ(Json::parse(idle.body)["running"], false);

  AppOptions options;
  options.live_monitoring = [] { return Json{{"batches", 7}, {"dropped_batches", 2}}; };
  app = std::make_unique<App>(tdb.db(), options);
  auto live = Send("GET", "/api/v1/monitoring/status", &lead);
  ASSERT_EQ(live.status, 200) << live.body;
  EXPECT_EQ(Json::parse(live.body)["running"], true);
  EXPECT_EQ(Json::parse(live.body)["dropped_batches"], 2);
  EXPECT_EQ(Send("GET", "/api/v1/monitoring/status", &library).status, 403);
  EXPECT_EQ(Send("GET", "/api/v1/monitoring/status", &board).status, 403);
  EXPECT_EQ(Send("GET", "/api/v1/monitoring/status", nullptr).status, 401);
}

// Issue 17 item 7: who receives alerts is set through the API, officers for their
// own agency only; the link in an alert e-mail opens the alert's page.
TEST_F(AlertRoutes, RecipientsAreSetThroughTheApiAndTheMailLinkOpensTheAlert) {
  const int64_t library_id = library.user["agency_id"];
  auto added = Send("POST", "/api/v1/alert-recipients", &library,
                    Json{{"name", "Library DSL"}, {"email", "dsl@library.example"}}.dump());
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(Json::parse(added.body)["agency_id"], library_id);  // an officer's own agency
  EXPECT_EQ(Send("POST", "/api/v1/alert-recipients", &library,
                 Json{{"name", "x"}, {"email", "x@riverside.example"}, {"agency_id", riverside.user["agency_id"]}}.dump())
                .status, 403);
  EXPECT_EQ(Send("POST", "/api/v1/alert-recipients", &library, Json{{"name", "x"}, {"email", "not-an-address"}}.dump())
                .status, 400);
  auto partnership = Send("POST", "/api/v1/alert-recipients", &lead,
                          Json{{"name", "Partnership lead"}, {"email", "lead@partnership.example"}}.dump());
  ASSERT_EQ(partnership.status, 201) << partnership.body;
  EXPECT_TRUE(Json::parse(partnership.body)["agency_id"].is_null());
  Json mine = Json::parse(Send("GET", "/api/v1/alert-recipients", &library).body);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0]["email"], "dsl@library.example");
  EXPECT_EQ(Json::parse(Send("GET", "/api/v1/alert-recipients", &lead).body).size(), 2u);
  EXPECT_EQ(Send("GET", "/api/v1/alert-recipients", &board).status, 403);
  const int64_t lead_recipient = Json::parse(partnership.body)["id"];
  EXPECT_EQ(Send("DELETE", "/api/v1/alert-recipients/" + std::to_string(lead_recipient), &riverside).status, 404);
  EXPECT_EQ(Send("DELETE", "/api/v1/alert-recipients/" + std::to_string(Json::parse(added.body)["id"].get<int64_t>()),
                 &library).status, 200);
  EXPECT_TRUE(Json::parse(Send("GET", "/api/v1/alert-recipients", &library).body).empty());

  const int64_t id = RecordAlert();
  auto link = Send("GET", "/alerts/" + std::to_string(id), nullptr);
  EXPECT_EQ(link.status, 303);
  bool to_page = false;
  for (const auto& [k, v] : link.headers) to_page |= k == "Location" && v == "/#/alerts/" + std::to_string(id);
  EXPECT_TRUE(to_page);
}

}  // namespace
}  // namespace esafe::web
