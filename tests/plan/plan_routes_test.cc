// The plan's routes driven through App::Handle with signed-in clients, as the
// server calls them: the action plan, training, and the disclosure register's
// visibility and validation-before-response rules.
#include <gtest/gtest.h>

#include "directory/directory.h"
#include "plan/plan.h"
#include "support/app_client.h"
#include "support/test_database.h"
#include "web/app.h"

namespace esafe::web {
namespace {

class PlanRoutes : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(directory::LoadDemo(tdb.db(), kPassword).ok());
    for (auto [name, role] : {std::pair{"library.deputy", access::Role::kAgencyOfficer},
                              std::pair{"library.staff", access::Role::kAgencyStaff}}) {
      ASSERT_TRUE(access::AddAccount(tdb.db(), {.username = name, .display_name = name, .password = kPassword,
                                                .role = role, .agency_id = 3}, nullptr).ok());
    }
    app = std::make_unique<App>(tdb.db());
    client = std::make_unique<testing::AppClient>(*app);
  }

  using Client = testing::AppClient::Session;

  Response Send(const std::string& method, const std::string& target, const std::string& body,
                std::map<std::string, std::string> headers) {
    return client->Send(method, target, body, std::move(headers));
  }
  Client SignIn(const std::string& user) { return client->SignIn(user, kPassword); }
  Response As(const Client& c, const std::string& method, const std::string& target, const Json& body = nullptr,
              const std::string& content_type = "") {
    return client->As(c, method, target, body, content_type);
  }

  static constexpr const char* kPassword = "plan-test-password-1";
  testing::TestDatabase tdb;
  std::unique_ptr<App> app;
  std::unique_ptr<testing::AppClient> client;
};

TEST_F(PlanRoutes, ActionStatusChangeShowsInTheSummaryAndHistory) {
  auto admin = SignIn("admin");
  auto strands = Json::parse(As(admin, "GET", "/api/v1/plan/strands").body);
  ASSERT_EQ(strands.size(), 5u);
  auto objective = As(admin, "POST", "/api/v1/plan/objectives", {{"strand_id", strands[2]["id"]}, {"title", "Awareness"}});
  ASSERT_EQ(objective.status, 201) << objective.body;
  auto action = As(admin, "POST", "/api/v1/plan/actions",
                   {{"objective_id", Json::parse(objective.body)["id"]}, {"title", "Thinkuknow in schools"},
                    {"lead_agency_id", 3}, {"due_date", "2020-01-01"}});
  ASSERT_EQ(action.status, 201) << action.body;
  std::string id = std::to_string(Json::parse(action.body)["id"].get<int64_t>());
  auto summary = Json::parse(As(admin, "GET", "/api/v1/plan/summary").body);
  EXPECT_EQ(summary["by_status"]["not_achieved"], 1);
  EXPECT_EQ(summary["overdue"], 1);
  EXPECT_EQ(Json::parse(As(admin, "GET", "/api/v1/plan/actions?overdue=1").body).size(), 1u);

  auto bad = As(admin, "PATCH", "/api/v1/plan/actions/" + id, {{"status", "amber"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Json::parse(bad.body)["field"], "status");

  // The lead agency's officer records progress with a new status.
  auto officer = SignIn("library.eslo");
  auto progress = As(officer, "POST", "/api/v1/plan/actions/" + id + "/progress",
                     {{"note", "Sessions booked"}, {"status", "completed"}});
  ASSERT_EQ(progress.status, 201) << progress.body;
  EXPECT_EQ(As(officer, "PATCH", "/api/v1/plan/actions/" + id, {{"title", "renamed"}}).status, 403);
  summary = Json::parse(As(admin, "GET", "/api/v1/plan/summary").body);
  EXPECT_EQ(summary["by_status"]["not_achieved"], 0);
  EXPECT_EQ(summary["by_status"]["completed"], 1);
  EXPECT_EQ(summary["overdue"], 0);
  auto read = Json::parse(As(admin, "GET", "/api/v1/plan/actions/" + id).body);
  ASSERT_EQ(read["updates"].size(), 1u);
  EXPECT_EQ(read["updates"][0]["username"], "library.eslo");

  auto csv = As(admin, "GET", "/api/v1/plan/actions/export.csv");
  EXPECT_EQ(csv.status, 200);
  EXPECT_NE(csv.body.find("Thinkuknow in schools"), std::string::npos);
  auto import = As(admin, "POST", "/api/v1/plan/actions/import",
                   std::string("strand,objective,title,status\nStrategy group,Report,Bad,purple\n"), "text/csv");
  EXPECT_EQ(import.status, 400);
  EXPECT_EQ(Json::parse(import.body)["errors"][0].get<std::string>().rfind("line 2:", 0), 0u);
}

TEST_F(PlanRoutes, RecordingAttendanceMovesAPersonToUpToDate) {
  auto admin = SignIn("admin");
  auto course = As(admin, "POST", "/api/v1/training/courses",
                   {{"title", "Thinkuknow"}, {"provider", "CEOP Thinkuknow"},
                    {"audiences", {"those who work with children"}}, {"refresher_months", 36}});
  ASSERT_EQ(course.status, 201) << course.body;
  auto officer = SignIn("library.eslo");
  auto session = As(officer, "POST", "/api/v1/training/sessions",
                    {{"course_id", Json::parse(course.body)["id"]}, {"held_on", "2099-01-01"}});
  ASSERT_EQ(session.status, 201) << session.body;
  EXPECT_EQ(Json::parse(session.body)["agency_id"], 3);
  auto people = Json::parse(As(officer, "GET", "/api/v1/training/people").body);
  ASSERT_EQ(people.size(), 1u);  // only the library's own person
  EXPECT_EQ(people[0]["status"], "never_trained");
  std::string sid = std::to_string(Json::parse(session.body)["id"].get<int64_t>());
  auto attended = As(officer, "POST", "/api/v1/training/sessions/" + sid + "/attendance", {{"person_id", people[0]["person_id"]}});
  ASSERT_EQ(attended.status, 201) << attended.body;
  people = Json::parse(As(officer, "GET", "/api/v1/training/people").body);
  EXPECT_EQ(people[0]["status"], "up_to_date");
  auto coverage = Json::parse(As(admin, "GET", "/api/v1/training/coverage").body);
  EXPECT_EQ(coverage["total"]["up_to_date"], 1);
  EXPECT_EQ(As(officer, "PUT", "/api/v1/training/matrix",
                {{"audience", "children"}, {"focus", "refresher"}, {"required", false}}).status, 403);
}

TEST_F(PlanRoutes, DisclosureRequestIsInvisibleToOtherUsersOfTheSameAgency) {
  auto officer = SignIn("library.eslo");
  Json request = {{"requesting_body", "County Police"}, {"investigating_officer", "DC Lee"},
                  {"authorising_officer", "Supt Grant"}, {"notice_reference", "RIPA/2026/041"},
                  {"requested_data", "Subscriber details for 10.20.1.15 on 2026-02-03 14:00-15:00"},
                  {"received_on", "2026-02-04"}, {"deadline", "2026-02-18"}};
  auto created = As(officer, "POST", "/api/v1/disclosures", request);
  ASSERT_EQ(created.status, 201) << created.body;
  std::string id = std::to_string(Json::parse(created.body)["id"].get<int64_t>());
  EXPECT_EQ(Json::parse(created.body)["stage"], "awaiting_validation");

  for (const char* other : {"library.deputy", "library.staff"}) {
    auto c = SignIn(other);
    EXPECT_EQ(As(c, "GET", "/api/v1/disclosures/" + id).status, 404) << other;
    EXPECT_EQ(As(c, "POST", "/api/v1/disclosures/" + id + "/validation",
                 {{"office_contacted", "x"}, {"contacted_on", "2026-02-05"}, {"confirmed_by", "y"}}).status, 404);
    EXPECT_EQ(Json::parse(As(c, "GET", "/api/v1/disclosures").body).size(), 0u) << other;
  }
  // The partnership lead is not a handler either; the partnership admin sees it.
  auto admin = SignIn("admin");
  EXPECT_EQ(As(admin, "GET", "/api/v1/disclosures/" + id).status, 200);
  EXPECT_EQ(Json::parse(As(admin, "GET", "/api/v1/disclosures").body).size(), 1u);

  // Every view is audited.
  auto audit = Json::parse(As(admin, "GET", "/api/v1/audit-events?entity=disclosure_request").body);
  int reads = 0;
  for (const auto& e : audit) if (e["action"] == "read" || e["action"] == "list") ++reads;
  EXPECT_GE(reads, 3);
}

TEST_F(PlanRoutes, ResponseIsRefusedBeforeValidationAndMustBeExactlyWhatWasAsked) {
  auto officer = SignIn("library.eslo");
  auto created = As(officer, "POST", "/api/v1/disclosures",
                    {{"requesting_body", "County Police"}, {"investigating_officer", "DC Lee"},
                     {"authorising_officer", "Supt Grant"}, {"notice_reference", "RIPA/2026/042"},
                     {"requested_data", "Proxy log lines for 10.20.1.15"}, {"received_on", "2026-02-04"},
                     {"deadline", "2026-02-18"}, {"handler_user_ids", Json::array({1})}});
  ASSERT_EQ(created.status, 201) << created.body;
  std::string id = std::to_string(Json::parse(created.body)["id"].get<int64_t>());
  Json response = {{"provided", "12 log lines"}, {"provided_on", "2026-02-10"}, {"exactly_as_requested", true},
                   {"evidence_ref", "activity extract 7"}};
  auto early = As(officer, "POST", "/api/v1/disclosures/" + id + "/response", response);
  EXPECT_EQ(early.status, 400);
  EXPECT_EQ(Json::parse(early.body)["field"], "validation");
  auto validated = As(officer, "POST", "/api/v1/disclosures/" + id + "/validation",
                      {{"office_contacted", "Force SPoC office"}, {"contacted_on", "2026-02-05"},
                       {"confirmed_by", "DS Khan"}});
  ASSERT_EQ(validated.status, 200) << validated.body;
  EXPECT_EQ(Json::parse(validated.body)["stage"], "validated");
  Json more = response;
  more["exactly_as_requested"] = false;
  auto excess = As(officer, "POST", "/api/v1/disclosures/" + id + "/response", more);
  EXPECT_EQ(excess.status, 400);
  EXPECT_EQ(Json::parse(excess.body)["field"], "exactly_as_requested");
  auto answered = As(officer, "POST", "/api/v1/disclosures/" + id + "/response", response);
  ASSERT_EQ(answered.status, 200) << answered.body;
  EXPECT_EQ(Json::parse(answered.body)["stage"], "responded");
  EXPECT_EQ(As(officer, "POST", "/api/v1/disclosures/" + id + "/response", response).status, 409);
  // A handler from another agency who is not an admin cannot be named.
  auto bad = As(officer, "POST", "/api/v1/disclosures",
                {{"requesting_body", "x"}, {"investigating_officer", "x"}, {"authorising_officer", "x"},
                 {"notice_reference", "x"}, {"requested_data", "x"}, {"received_on", "2026-02-04"},
                 {"deadline", "2026-02-01"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Json::parse(bad.body)["field"], "deadline");
  // Staff cannot register requests.
  auto staff = SignIn("library.staff");
  EXPECT_EQ(As(staff, "POST", "/api/v1/disclosures", {{"requesting_body", "x"}}).status, 403);
}

TEST_F(PlanRoutes, EveryPlanRouteIsInTheOpenApiDocument) {
  Json doc = app->OpenApi();
  int plan_routes = 0;
  for (const auto& r : app->routes()) {
    if (r.pattern.find("/plan/") == std::string::npos && r.pattern.find("/training/") == std::string::npos &&
        r.pattern.find("/disclosures") == std::string::npos) continue;
    ++plan_routes;
    std::string method;
    for (char c : r.method) method += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_TRUE(doc["paths"].contains(r.pattern) && doc["paths"][r.pattern].contains(method)) << r.method << " " << r.pattern;
  }
  EXPECT_GE(plan_routes, 25);
}

}  // namespace
}  // namespace esafe::web
