// The incident log's routes driven through App::Handle with signed-in clients,
// as the server calls them. Acceptance: the three Annex F case studies and the
// Annex D dilemma cards replayed through the API (expectations shared with
// scenarios_test.cc in annex_cases.h). Also: escalation to another agency and
// its acknowledgement, agency scoping, small-count suppression and the CSV and
// XLSX exports of the statistics endpoints, publishing flowcharts, closing and
// withdrawing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "annex_cases.h"
#include "core/clock.h"
#include "directory/directory.h"
#include "support/app_client.h"
#include "support/test_database.h"
#include "web/app.h"

namespace esafe::web {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
namespace annex = incidents::annex;

class IncidentRoutes : public ::testing::Test {
 protected:
  // The demo partnership (agencies 1 Riverside Primary School, 3 County Library
  // Service, 5 police, …) plus a children's social care agency and an account
  // for each role the tests need.
  void SetUp() override {
    ASSERT_TRUE(directory::LoadDemo(tdb.db(), kPassword).ok());
    app = std::make_unique<App>(tdb.db());
    auto admin = SignIn("admin");
    auto agency = As(admin, "POST", "/api/v1/agencies",
                     {{"name", "Children's Social Care (test)"}, {"sector", "children's social care"},
                      {"membership_type", "board partner"}});
    ASSERT_EQ(agency.status, 201) << agency.body;
    social_care = Json::parse(agency.body)["id"];
    struct NewAccount {
      const char* name;
      access::Role role;
      std::optional<int64_t> agency;
    };
    for (const auto& a : {NewAccount{"school.dsl", access::Role::kAgencyOfficer, kSchool},
                          NewAccount{"school.nurse", access::Role::kAgencyStaff, kSchool},
                          NewAccount{"care.officer", access::Role::kAgencyOfficer, social_care},
                          NewAccount{"police.officer", access::Role::kAgencyOfficer, kPolice}}) {
      ASSERT_TRUE(access::AddAccount(tdb.db(), {.username = a.name, .display_name = a.name, .password = kPassword,
                                                .role = a.role, .agency_id = a.agency}, nullptr).ok());
    }
  }

  // The shared in-process client (tests/support/app_client.h), under the names these tests use.
  using Client = testing::AppClient::Session;
  Response Send(const std::string& method, const std::string& target, const std::string& body,
                std::map<std::string, std::string> headers) {
    return testing::AppClient(*app).Send(method, target, body, std::move(headers));
  }
  Client SignIn(const std::string& user) { return testing::AppClient(*app).SignIn(user, kPassword); }
  Response As(const Client& c, const std::string& method, const std::string& target, const Json& body = nullptr,
              const std::string& content_type = "") {
    return testing::AppClient(*app).As(c, method, target, body, content_type);
  }
  Json Expect(int status, const Client& c, const std::string& method, const std::string& target,
              const Json& body = nullptr) {
    return testing::AppClient(*app).Expect(status, c, method, target, body);
  }

  // Records `c` through POST /api/v1/incidents as `who`.
  Json RecordCase(const Client& who, const annex::Case& c, Json more = Json::object()) {
    Json input = {{"flowchart_id", c.flowchart}, {"answers", c.answers}, {"how_identified", "staff_report"},
                  {"description", c.name}, {"reported_at", annex::kReportedAt}};
    for (const auto& [k, v] : c.extra.items()) input[k] = v;
    for (const auto& [k, v] : more.items()) input[k] = v;
    return Expect(201, who, "POST", "/api/v1/incidents", input);
  }

  static std::string Path(int64_t id, const std::string& rest = "") {
    return "/api/v1/incidents/" + std::to_string(id) + rest;
  }

  static Json Row(const Json& stats, const std::string& dimension, const std::string& period, const std::string& key) {
    for (const auto& t : stats["tables"]) {
      if (t["dimension"] != dimension) continue;
      for (const auto& r : t["rows"]) {
        if (r["period"] == period && r["key"] == key) return r;
      }
    }
    return nullptr;
  }

  static constexpr const char* kPassword = "incident-routes-password-1";
  static constexpr int64_t kSchool = 1, kLibrary = 3, kPolice = 5;
  testing::TestDatabase tdb;
  std::unique_ptr<App> app;
  int64_t social_care = 0;
};

TEST_F(IncidentRoutes, AnnexFCaseStudiesThroughTheApi) {
  auto officer = SignIn("school.dsl");
  auto nurse = SignIn("school.nurse");
  for (size_t i = 0; i < annex::AnnexFCases().size(); ++i) {
    const auto& c = annex::AnnexFCases()[i];
    SCOPED_TRACE(c.name);
    // The walk alone (nothing stored) reaches the same outcome the record gets.
    Json walk = Expect(200, officer, "POST", std::string("/api/v1/flowcharts/") + c.flowchart + "/walk",
                       {{"answers", c.answers}});
    ASSERT_TRUE(walk["outcome"].is_object()) << walk.dump();
    EXPECT_EQ(walk["outcome"]["risk"], c.risk);
    EXPECT_TRUE(walk["next"].is_null());
    std::vector<std::string> tell;
    for (const auto& t : walk["outcome"]["tell"]) tell.push_back(t["who"]);
    for (const auto& who : c.told) EXPECT_THAT(tell, Contains(who));
    // Case 3 is recorded by the school nurse, a member of staff.
    Json inc = RecordCase(i == 2 ? nurse : officer, c);
    annex::ExpectOutcome(inc, c);
    EXPECT_EQ(inc["flowchart_id"], c.flowchart);
    EXPECT_EQ(inc["flowchart_version"], 2);
  }
}

TEST_F(IncidentRoutes, AnnexDDilemmaCardsThroughTheApi) {
  auto officer = SignIn("school.dsl");
  ASSERT_GE(annex::AnnexDCards().size(), 10u);
  for (const auto& card : annex::AnnexDCards()) {
    SCOPED_TRACE(card.name);
    annex::ExpectOutcome(RecordCase(officer, card), card);
  }
}

// Annex F case 1 continued through the API: nobody attaches the images; the
// police and social care are told; the incident is shared with social care,
// whose officer acknowledges it; both sides see the chronology; names stay
// inside the owning agency; other agencies cannot see it at all.
TEST_F(IncidentRoutes, EscalationToAnotherAgencyIsSharedAndAcknowledged) {
  auto school = SignIn("school.dsl");
  auto care = SignIn("care.officer");
  auto police = SignIn("police.officer");
  auto library = SignIn("library.eslo");
  Json inc = RecordCase(school, annex::AnnexFCases()[0]);
  int64_t id = inc["id"];
  ASSERT_FALSE(inc["illegal_material_instruction"].is_null());

  Expect(201, school, "POST", Path(id, "/people"),
         {{"role", "child"}, {"reference", "Young person A"}, {"age", 15}, {"name", "Jordan Example"}});
  Json with_evidence = Expect(201, school, "POST", Path(id, "/evidence"),
                              {{"what", "young person's desktop computer"},
                               {"held_where", "seized by police under warrant"}, {"secured_by", "police"},
                               {"secured_at", "2024-04-01"}});
  int64_t evidence = with_evidence["evidence"][0]["id"];
  auto refused = As(school, "PUT", Path(id, "/evidence/" + std::to_string(evidence) + "/file?file_name=video.avi"),
                    std::string("not the images"), "application/octet-stream");
  EXPECT_EQ(refused.status, 409);
  EXPECT_THAT(Json::parse(refused.body)["error"].get<std::string>(), HasSubstr("Internet Watch Foundation"));
  EXPECT_THAT(Json::parse(refused.body)["error"].get<std::string>(), HasSubstr("Chart 3"));
  Expect(201, school, "POST", Path(id, "/evidence/" + std::to_string(evidence) + "/custody"),
         {{"from_holder", "police"}, {"to_holder", "police digital forensics"}, {"purpose", "examination"}});

  // The school may pick any other member agency, by name, though it reads only its own agency's record.
  Json choices = Expect(200, school, "GET", "/api/v1/incidents/referral-agencies");
  std::vector<int64_t> choice_ids;
  for (const auto& a : choices) choice_ids.push_back(a["id"]);
  EXPECT_THAT(choice_ids, Contains(social_care));
  EXPECT_THAT(choice_ids, Not(Contains(kSchool)));
  Expect(403, SignIn("board"), "GET", "/api/v1/incidents/referral-agencies");
  // Bad referrals are refused by field.
  EXPECT_EQ(Expect(400, school, "POST", Path(id, "/referrals"), {{"target", "member_agency"}})["field"], "agency_id");
  EXPECT_EQ(Expect(400, school, "POST", Path(id, "/referrals"), {{"target", "the vicar"}})["field"], "target");
  Expect(201, school, "POST", Path(id, "/referrals"), {{"target", "police"}, {"reference_number", "CAIT/0001"}});
  Json shared = Expect(201, school, "POST", Path(id, "/referrals"),
                       {{"target", "member_agency"}, {"agency_id", social_care}});
  ASSERT_EQ(shared["shares"].size(), 1u);
  EXPECT_TRUE(shared["shares"][0]["acknowledged_at"].is_null());

  // Social care sees it in its list, reads the shared part (no names, no evidence) and acknowledges.
  Json mine = Expect(200, care, "GET", "/api/v1/incidents/shared");
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0]["incident_id"], id);
  EXPECT_EQ(mine[0]["acknowledged"], false);
  Json seen = Expect(200, care, "GET", Path(id));
  EXPECT_EQ(seen["shared"], true);
  EXPECT_FALSE(seen["people"][0].contains("name"));
  EXPECT_FALSE(seen.contains("evidence"));
  EXPECT_EQ(Expect(403, care, "POST", Path(id, "/actions"), {{"what", "not theirs to add"}}).is_object(), true);
  Expect(200, care, "POST", Path(id, "/acknowledge"));
  Expect(409, care, "POST", Path(id, "/acknowledge"));
  EXPECT_EQ(Expect(200, care, "GET", "/api/v1/incidents/shared")[0]["acknowledged"], true);
  // Both sides see the chronology with the acknowledgement.
  for (const auto* who : {&school, &care}) {
    Json events = Expect(200, *who, "GET", Path(id, "/chronology"));
    std::vector<std::string> kinds;
    for (const auto& e : events) kinds.push_back(e["kind"]);
    EXPECT_THAT(kinds, Contains("shared"));
    EXPECT_THAT(kinds, Contains("acknowledged"));
  }
  // The owner sees the name; agencies it is not shared with cannot find it.
  EXPECT_EQ(Expect(200, school, "GET", Path(id))["people"][0]["name"], "Jordan Example");
  Expect(404, police, "GET", Path(id));
  Expect(404, library, "GET", Path(id, "/chronology"));
  Expect(404, library, "POST", Path(id, "/acknowledge"));
  for (const auto& row : Expect(200, library, "GET", "/api/v1/incidents")) EXPECT_NE(row["id"], id);
}

TEST_F(IncidentRoutes, ClosingWithdrawingAndSeriousReview) {
  auto school = SignIn("school.dsl");
  auto lead = SignIn("lead");
  auto board = SignIn("board");
  Json inc = RecordCase(school, annex::AnnexFCases()[2]);
  int64_t id = inc["id"];
  // A required action is open: closing needs a recorded reason.
  Json refused = Expect(409, school, "POST", Path(id, "/close"), {{"conclusion", "dealt with"}});
  EXPECT_EQ(refused["field"], "open_actions_reason");
  EXPECT_EQ(Expect(400, school, "POST", Path(id, "/close"), Json::object())["field"], "conclusion");
  int64_t action = inc["actions"][0]["id"];
  Json done = Expect(200, school, "POST", Path(id, "/actions/" + std::to_string(action) + "/complete"),
                     {{"note", "done in the meeting"}});
  EXPECT_EQ(done["actions"][0]["open"], false);
  Json closed = Expect(200, school, "POST", Path(id, "/close"),
                       {{"conclusion", "video removed by the girls"}, {"open_actions_reason", "resolved at school"}});
  EXPECT_EQ(closed["status"], "closed");
  Expect(409, school, "PATCH", Path(id), {{"description", "too late"}});

  // Withdrawn with a reason, never deleted.
  Json other = RecordCase(school, annex::Named("Felix: "));
  int64_t other_id = other["id"];
  EXPECT_EQ(Expect(400, school, "POST", Path(other_id, "/withdraw"), Json::object())["field"], "reason");
  EXPECT_EQ(Expect(200, school, "POST", Path(other_id, "/withdraw"), {{"reason", "recorded twice"}})["status"],
            "withdrawn");
  EXPECT_EQ(Expect(200, school, "GET", Path(other_id))["withdrawn_reason"], "recorded twice");

  // Serious: the review opens; the list and its CSV name it; board members see statistics only.
  Json serious = RecordCase(school, annex::Named("Jack: "));
  int64_t serious_id = serious["id"];
  Expect(400, school, "POST", Path(serious_id, "/serious"), Json::object());
  Expect(200, school, "POST", Path(serious_id, "/serious"), {{"reason", "a child was to meet a stranger"}});
  Expect(409, school, "POST", Path(serious_id, "/serious"), {{"reason", "again"}});
  Json review = Expect(200, lead, "PATCH", Path(serious_id, "/review"), {{"why_happened", "grooming online"}});
  EXPECT_EQ(review["complete"], false);
  Expect(400, lead, "PATCH", Path(serious_id, "/review"), {{"complete", true}});
  Json list = Expect(200, lead, "GET", "/api/v1/incidents/serious");
  ASSERT_EQ(list.size(), 1u);
  auto csv = As(lead, "GET", "/api/v1/incidents/serious/export.csv");
  EXPECT_EQ(csv.status, 200);
  EXPECT_THAT(csv.content_type, HasSubstr("text/csv"));
  EXPECT_EQ(std::count(csv.body.begin(), csv.body.end(), '\n'), 2);
  Expect(403, board, "GET", "/api/v1/incidents/serious");
  Expect(403, board, "GET", "/api/v1/incidents");
  Expect(403, board, "POST", "/api/v1/incidents", {{"category", "grooming"}});
}

TEST_F(IncidentRoutes, OverdueActionsForTheDashboard) {
  auto school = SignIn("school.dsl");
  auto library = SignIn("library.eslo");
  auto lead = SignIn("lead");
  auto nurse = SignIn("school.nurse");
  // Reported in 2024: every required action with a due time is now overdue.
  Json inc = RecordCase(school, annex::AnnexFCases()[1]);
  int64_t id = inc["id"];
  bool flagged = false;
  for (const auto& a : inc["actions"]) flagged |= a["overdue"] == true;
  EXPECT_TRUE(flagged);
  Json overdue = Expect(200, school, "GET", "/api/v1/incidents/overdue");
  ASSERT_FALSE(overdue.empty());
  EXPECT_EQ(overdue[0]["incident_id"], id);
  EXPECT_TRUE(Expect(200, library, "GET", "/api/v1/incidents/overdue").empty());
  Expect(403, library, "GET", "/api/v1/incidents/overdue?agency_id=1");
  EXPECT_EQ(Expect(200, lead, "GET", "/api/v1/incidents/overdue?agency_id=1").size(), overdue.size());
  Expect(403, nurse, "GET", "/api/v1/incidents/overdue");
  Expect(400, school, "GET", "/api/v1/incidents/overdue?agency_id=one");
  Expect(400, school, "GET", "/api/v1/incidents/overdue?when=now");
}

class IncidentStatisticsRoutes : public IncidentRoutes {
 protected:
  void SetUp() override {
    IncidentRoutes::SetUp();
    auto school = SignIn("school.dsl");
    auto library = SignIn("library.eslo");
    const auto& bullying = annex::AnnexFCases()[2];
    for (int i = 0; i < 5; ++i) RecordCase(school, bullying, {{"reported_at", "2024-02-10"}});
    RecordCase(school, annex::Named("David: "), {{"reported_at", "2024-05-02T10:00:00Z"}});  // grooming, Q2
    const auto& email = annex::Named("Ahmed: ");
    for (const char* day : {"2024-01-05", "2024-03-05", "2024-03-06", "2024-03-07"}) {
      RecordCase(library, email, {{"reported_at", day}});  // four: the most that is still suppressed
    }
  }
};

TEST_F(IncidentStatisticsRoutes, AnAgencySeesOnlyItsOwnExactCounts) {
  auto library = SignIn("library.eslo");
  Json stats = Expect(200, library, "GET", "/api/v1/incidents/statistics");
  EXPECT_EQ(stats["scope"], "agency");
  EXPECT_EQ(stats["suppressed"], false);
  EXPECT_EQ(Row(stats, "total", "2024-Q1", "all")["count"], 4);  // exact, and only its own
  EXPECT_TRUE(Row(stats, "category", "2024-Q1", "bullying_harassment").is_null());
  Expect(403, library, "GET", "/api/v1/incidents/statistics?agency_id=1");
  Expect(403, library, "GET", "/api/v1/incidents/statistics/export.csv?agency_id=1");
  Json school = Expect(200, SignIn("school.dsl"), "GET", "/api/v1/incidents/statistics");
  EXPECT_EQ(Row(school, "category", "2024-Q2", "grooming")["count"], 1);
  Json yearly = Expect(200, library, "GET", "/api/v1/incidents/statistics?per=year");
  EXPECT_EQ(yearly["periods"], Json::array({"2024"}));
  EXPECT_EQ(Expect(400, library, "GET", "/api/v1/incidents/statistics?per=week")["field"], "per");
  EXPECT_EQ(Expect(400, library, "GET", "/api/v1/incidents/statistics?from=spring")["field"], "from");
  Expect(400, library, "GET", "/api/v1/incidents/statistics?colour=red");
}

TEST_F(IncidentStatisticsRoutes, PartnershipAndBoardSeeCountsWithSmallOnesSuppressed) {
  for (const char* user : {"lead", "board", "admin"}) {
    SCOPED_TRACE(user);
    Json stats = Expect(200, SignIn(user), "GET", "/api/v1/incidents/statistics");
    EXPECT_EQ(stats["scope"], "partnership");
    EXPECT_EQ(stats["suppressed"], true);
    EXPECT_EQ(Row(stats, "category", "2024-Q1", "bullying_harassment")["count"], 5);
    EXPECT_EQ(Row(stats, "total", "2024-Q1", "all")["count"], 9);
    Json grooming = Row(stats, "category", "2024-Q2", "grooming");
    EXPECT_TRUE(grooming["count"].is_null());
    EXPECT_EQ(grooming["display"], "fewer than 5");
    Json library_q1 = Row(stats, "agency", "2024-Q1", std::to_string(kLibrary));
    EXPECT_TRUE(library_q1["count"].is_null());
    EXPECT_EQ(library_q1["display"], "fewer than 5");
    for (const auto& t : stats["tables"]) {
      for (const auto& r : t["rows"]) {
        if (r["count"].is_number()) {
          EXPECT_GE(r["count"].get<int64_t>(), 5) << r.dump();
        }
      }
    }
    // Narrowed to one agency, still suppressed.
    Json one = Expect(200, SignIn(user), "GET", "/api/v1/incidents/statistics?agency_id=3");
    EXPECT_EQ(Row(one, "total", "2024-Q1", "all")["display"], "fewer than 5");
  }
}

TEST_F(IncidentStatisticsRoutes, CsvAndXlsxExportsOpen) {
  auto board = SignIn("board");
  auto csv = As(board, "GET", "/api/v1/incidents/statistics/export.csv");
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_THAT(csv.content_type, HasSubstr("text/csv"));
  EXPECT_THAT(csv.body, HasSubstr("period,dimension,key,label,count\r\n"));
  EXPECT_THAT(csv.body, HasSubstr("2024-Q2,category,grooming,grooming,fewer than 5\r\n"));
  EXPECT_THAT(csv.body, HasSubstr("2024-Q1,category,bullying_harassment,bullying or harassment using technologies,5\r\n"));
  EXPECT_THAT(csv.body, Not(HasSubstr(",4\r\n")));

  auto xlsx = As(board, "GET", "/api/v1/incidents/statistics/export.xlsx?per=quarter");
  ASSERT_EQ(xlsx.status, 200) << xlsx.body;
  EXPECT_THAT(xlsx.content_type, HasSubstr("spreadsheetml"));
  bool attachment = false;
  for (const auto& [k, v] : xlsx.headers) attachment |= k == "Content-Disposition" && v.find(".xlsx") != std::string::npos;
  EXPECT_TRUE(attachment);
  ASSERT_EQ(xlsx.body.substr(0, 2), "PK");
  auto path = std::filesystem::temp_directory_path() / ("esafe-stats-route-" + std::to_string(::getpid()) + ".xlsx");
  {
    std::ofstream out(path, std::ios::binary);
    out << xlsx.body;
  }
  auto run = [](const std::string& cmd) {
    std::string out;
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return out;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    pclose(p);
    return out;
  };
  EXPECT_THAT(run("unzip -t '" + path.string() + "'"), HasSubstr("No errors detected"));
  EXPECT_THAT(run("unzip -p '" + path.string() + "' xl/workbook.xml"), HasSubstr("name=\"Category\""));
  std::string strings = run("unzip -p '" + path.string() + "' xl/sharedStrings.xml");
  EXPECT_THAT(strings, HasSubstr("fewer than 5"));
  EXPECT_THAT(strings, HasSubstr("2024-Q1"));
  std::filesystem::remove(path);

  // An agency's own export is exact.
  auto own = As(SignIn("library.eslo"), "GET", "/api/v1/incidents/statistics/export.csv");
  EXPECT_THAT(own.body, HasSubstr("2024-Q1,total,all,all incidents,4\r\n"));
}

TEST_F(IncidentRoutes, PublishingAFlowchartKeepsTheOldVersionWhenTheNewOneIsInvalid) {
  auto lead = SignIn("lead");
  auto officer = SignIn("school.dsl");
  Json charts = Expect(200, officer, "GET", "/api/v1/flowcharts");
  ASSERT_EQ(charts.size(), 8u);
  Json chart = Expect(200, officer, "GET", "/api/v1/flowcharts/suspicious-email");
  EXPECT_EQ(chart["version"], 2);
  Expect(400, officer, "GET", "/api/v1/flowcharts/Not_A_Key");
  Expect(404, officer, "GET", "/api/v1/flowcharts/no-such-chart");

  const char* src = std::getenv("ESAFE_SOURCE_DIR");
  ASSERT_NE(src, nullptr) << "ESAFE_SOURCE_DIR is set by ctest";
  std::ifstream in(std::string(src) + "/data/flowcharts/suspicious-email.yaml");
  std::stringstream text;
  text << in.rdbuf();
  std::string yaml = text.str();
  ASSERT_FALSE(yaml.empty());
  auto version_at = yaml.find("version: 2");
  ASSERT_NE(version_at, std::string::npos);
  std::string v2 = yaml;  // the partnership's next version: 3
  v2.replace(version_at, 10, "version: 3");

  // A dangling answer: refused with file, line and reason; version 1 stays.
  std::string broken = v2 + "\n  - id: orphan\n    question: Is this reachable?\n    answers:\n"
                            "      - {value: yes, text: Yes, next: nowhere}\n";
  auto bad = As(lead, "POST", "/api/v1/flowcharts?file_name=suspicious-email.yaml", broken, "application/yaml");
  EXPECT_EQ(bad.status, 400) << bad.body;
  EXPECT_THAT(Json::parse(bad.body)["error"].get<std::string>(), HasSubstr("suspicious-email.yaml:"));
  EXPECT_EQ(Expect(200, officer, "GET", "/api/v1/flowcharts/suspicious-email")["version"], 2);
  // Not YAML at all, and the wrong content type.
  EXPECT_EQ(As(lead, "POST", "/api/v1/flowcharts", std::string("id: [unclosed"), "application/yaml").status, 400);
  EXPECT_EQ(As(lead, "POST", "/api/v1/flowcharts", Json{{"id", "x"}}).status, 400);
  // Only the partnership publishes; a valid, newer version is then in force.
  EXPECT_EQ(As(officer, "POST", "/api/v1/flowcharts", v2, "application/yaml").status, 403);
  auto ok = As(lead, "POST", "/api/v1/flowcharts?file_name=suspicious-email.yaml", v2, "application/yaml");
  ASSERT_EQ(ok.status, 201) << ok.body;
  EXPECT_EQ(Json::parse(ok.body)["previous_version"], 2);
  EXPECT_EQ(Expect(200, officer, "GET", "/api/v1/flowcharts/suspicious-email")["version"], 3);
  EXPECT_EQ(Expect(200, officer, "GET", "/api/v1/flowcharts/suspicious-email?version=2")["version"], 2);
  EXPECT_EQ(As(lead, "POST", "/api/v1/flowcharts", v2, "application/yaml").status, 409);  // not newer

  // A walk with an answer the question does not offer is refused by name.
  auto walk = As(officer, "POST", "/api/v1/flowcharts/suspicious-email/walk", Json{{"answers", {{"content", "cake"}}}});
  EXPECT_EQ(walk.status, 400) << walk.body;
  Json first = Expect(200, officer, "POST", "/api/v1/flowcharts/suspicious-email/walk", Json::object());
  EXPECT_TRUE(first["outcome"].is_null());
  EXPECT_FALSE(first["next"]["question"].get<std::string>().empty());
}

// Issue 16 finding 4: "None of these fits" no longer records an incident with no
// risk, no actions and no escalation. The reporter grades it; at significant risk
// the designated lead and children's social care become required actions, at once.
TEST_F(IncidentRoutes, WithoutAFlowchartTheReporterGradesTheRisk) {
  auto school = SignIn("school.dsl");
  Json worry = {{"how_identified", "staff_report"}, {"category", "grooming"},
                {"description", "a child's webcam is reachable by a man who may harm children"},
                {"reported_at", annex::kReportedAt}};
  Json refused = Expect(400, school, "POST", "/api/v1/incidents", worry);
  EXPECT_EQ(refused["field"], "risk_level");
  worry["risk_level"] = "significant_risk";
  Json inc = Expect(201, school, "POST", "/api/v1/incidents", worry);
  auto told = annex::Told(inc);
  EXPECT_THAT(told, Contains("designated_safeguarding_lead"));
  EXPECT_THAT(told, Contains("childrens_social_care"));
  EXPECT_EQ(annex::DueFor(inc, "childrens_social_care"), annex::kReportedAt);
  worry["risk_level"] = "encourage_safe_behaviour";
  EXPECT_TRUE(Expect(201, school, "POST", "/api/v1/incidents", worry)["actions"].empty());
}

// Issue 16 finding 7: escalating to the member agency that is the police (or
// children's social care) is telling them, and closes that "tell" action.
TEST_F(IncidentRoutes, EscalatingToThePoliceOrSocialCareAgencyClosesTellingThem) {
  auto school = SignIn("school.dsl");
  Json inc = RecordCase(school, annex::AnnexFCases()[1]);  // social care at once, police within 24h
  int64_t id = inc["id"];
  auto open_for = [](const Json& incident, const std::string& who) {
    for (const auto& a : incident["actions"]) {
      if (a["notify"] == who) return a["open"].get<bool>();
    }
    ADD_FAILURE() << "no action to tell " << who;
    return false;
  };
  ASSERT_TRUE(open_for(inc, "police"));
  Json after = Expect(201, school, "POST", Path(id, "/referrals"), {{"target", "member_agency"}, {"agency_id", kPolice}});
  EXPECT_FALSE(open_for(after, "police"));
  EXPECT_TRUE(open_for(after, "childrens_social_care"));
  after = Expect(201, school, "POST", Path(id, "/referrals"), {{"target", "member_agency"}, {"agency_id", social_care}});
  EXPECT_FALSE(open_for(after, "childrens_social_care"));
}

// Issue 16 finding 7: the member of staff who reported it records the referral
// they made themselves; escalating to another agency stays with the officers.
TEST_F(IncidentRoutes, TheReporterRecordsTheReferralTheyMade) {
  auto nurse = SignIn("school.nurse");
  Json inc = RecordCase(nurse, annex::AnnexFCases()[1]);
  int64_t id = inc["id"];
  Json after = Expect(201, nurse, "POST", Path(id, "/referrals"),
                      {{"target", "police"}, {"reference_number", "101-2024-0301"}, {"notes", "phoned 101"}});
  bool police_open = true;
  for (const auto& a : after["actions"]) {
    if (a["notify"] == "police") police_open = a["open"];
  }
  EXPECT_FALSE(police_open);
  ASSERT_EQ(after["referrals"].size(), 1u);
  EXPECT_EQ(after["referrals"][0]["reference_number"], "101-2024-0301");
  Expect(403, nurse, "POST", Path(id, "/referrals"), {{"target", "member_agency"}, {"agency_id", social_care}});
}

// Issue 16 finding 7: an action due "at once" is not shown as overdue in the first hour.
TEST_F(IncidentRoutes, AnActionDueAtOnceIsNotOverdueInTheFirstHour) {
  auto school = SignIn("school.dsl");
  auto at_once_overdue = [&](int64_t seconds_ago) {
    Json inc = RecordCase(school, annex::AnnexFCases()[1],
                          {{"reported_at", clock::Iso8601(clock::NowSeconds() - seconds_ago)}});
    bool any = false;
    for (const auto& a : inc["actions"]) {
      if (a["due_at"] == inc["reported_at"]) any |= a["overdue"].get<bool>();
    }
    bool listed = false;
    for (const auto& o : Expect(200, school, "GET", "/api/v1/incidents/overdue")) {
      listed |= o["incident_id"] == inc["id"];
    }
    EXPECT_EQ(any, listed) << "the incident and the overdue list agree";
    Json list = Expect(200, school, "GET", "/api/v1/incidents");
    for (const auto& row : list) {
      if (row["id"] == inc["id"]) {
        EXPECT_EQ(row["overdue_actions"].get<int64_t>() > 0, any);
      }
    }
    return any;
  };
  EXPECT_FALSE(at_once_overdue(30 * 60));
  EXPECT_TRUE(at_once_overdue(2 * 3600));
}

// Issue 16 findings 1 and 5 through the publishing route: a flowchart whose
// outcome forbids handling the material without the illegal_material flag, or
// hides a prohibition inside an action, is refused with its line.
TEST_F(IncidentRoutes, PublishingRefusesAnOutcomeThatMisleadsOnTheCrucialStep) {
  auto lead = SignIn("lead");
  auto publish = [&](const std::string& outcome_lines) {
    std::string yaml = "id: local-images\ntitle: Local\nversion: 1\nnodes:\n"
                       "  - id: q\n    question: What happened?\n    answers:\n"
                       "      - {value: a, text: Pictures were shared, next: o}\n"
                       "  - id: o\n    outcome:\n      risk: significant_risk\n"
                       "      tell:\n        - {who: police, within: immediately}\n" + outcome_lines;
    return As(lead, "POST", "/api/v1/flowcharts?file_name=local.yaml", yaml, "application/yaml");
  };
  auto unflagged = publish("      must_not:\n        - Do not look at or copy the pictures.\n");
  EXPECT_EQ(unflagged.status, 400);
  EXPECT_THAT(unflagged.body, HasSubstr("local.yaml:"));
  EXPECT_THAT(unflagged.body, HasSubstr("illegal_material: true"));
  auto buried = publish("      actions:\n        - {do: 'Write the address down; do not copy and paste it.', within: immediately}\n");
  EXPECT_EQ(buried.status, 400);
  EXPECT_THAT(buried.body, HasSubstr("is a prohibition"));
  auto good = publish("      illegal_material: true\n      must_not:\n        - Do not look at or copy the pictures.\n"
                      "        - Do not copy and paste the address; write it down.\n");
  EXPECT_EQ(good.status, 201) << good.body;
}

TEST_F(IncidentRoutes, BadInputIsRefusedByField) {
  auto school = SignIn("school.dsl");
  EXPECT_EQ(Expect(400, school, "POST", "/api/v1/incidents",
                   {{"how_identified", "staff_report"}, {"description", "x"}})["field"], "category");
  EXPECT_EQ(Expect(400, school, "POST", "/api/v1/incidents",
                   {{"flowchart_id", "no-such-chart"}, {"how_identified", "staff_report"}, {"description", "x"}})["field"],
            "flowchart_id");
  EXPECT_EQ(Expect(400, school, "POST", "/api/v1/incidents",
                   {{"category", "grooming"}, {"how_identified", "staff_report"}, {"description", "x"},
                    {"reported_at", "yesterday"}})["field"], "reported_at");
  EXPECT_EQ(Expect(400, school, "POST", "/api/v1/incidents",
                   {{"category", "grooming"}, {"how_identified", "staff_report"}, {"description", "x"},
                    {"answers", "yes"}})["field"], "answers");
  Expect(400, school, "GET", "/api/v1/incidents?status=lost");
  Expect(400, school, "GET", "/api/v1/incidents/abc");
  Expect(404, school, "GET", "/api/v1/incidents/999999");
  // Recording without a flowchart, then finishing the walk later.
  Json inc = Expect(201, school, "POST", "/api/v1/incidents",
                    {{"flowchart_id", "suspicious-email"}, {"how_identified", "filtering_alert"},
                     {"description", "odd e-mail"}});
  EXPECT_TRUE(inc["risk_level"].is_null());
  Json answered = Expect(200, school, "POST", Path(inc["id"], "/answers"), {{"answers", {{"content", "scam"}}}});
  EXPECT_EQ(answered["risk_level"], "encourage_safe_behaviour");
  Expect(409, school, "POST", Path(inc["id"], "/answers"), {{"answers", {{"content", "scam"}}}});
  // The vocabulary the forms use.
  Json words = Expect(200, school, "GET", "/api/v1/incident-vocabulary");
  EXPECT_GE(words["categories"].size(), 16u);
}

// Issue 19 finding 7: whether another agency's incident exists must not show. For every
// route under /api/v1/incidents/{id} in the OpenAPI document and every method, an officer
// and a member of staff of another agency (with no share) get the same answer for a real
// incident of the school as for an id that was never used.
TEST_F(IncidentRoutes, AnotherAgencysIncidentAnswersAsIfItDidNotExist) {
  auto school = SignIn("school.dsl");
  Json made = RecordCase(school, annex::AnnexFCases().front());
  const int64_t real = made["id"];
  ASSERT_TRUE(access::AddAccount(tdb.db(), {.username = "library.staff", .display_name = "library.staff",
                                            .password = kPassword, .role = access::Role::kAgencyStaff,
                                            .agency_id = kLibrary}, nullptr).ok());
  Json doc = Json::parse(Send("GET", "/api/v1/openapi.json", "", {}).body);
  int checked = 0;
  for (const char* outsider : {"police.officer", "library.staff"}) {
    auto who = SignIn(outsider);
    for (const auto& [path, methods] : doc["paths"].items()) {
      const std::string pattern = path;  // a lambda below uses it: clang cannot capture a structured binding
      if (!pattern.starts_with("/api/v1/incidents/{id}")) continue;
      for (const auto& [method, operation] : methods.items()) {
        std::string verb = method;
        for (auto& ch : verb) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        auto target = [&](int64_t id) {
          std::string t = pattern;
          for (size_t at; (at = t.find('{')) != std::string::npos;) {
            const size_t end = t.find('}', at);
            const bool incident = t.compare(at, end - at + 1, "{id}") == 0;
            t.replace(at, end - at + 1, std::to_string(incident ? id : 1));
          }
          return t;
        };
        const Json body = verb == "GET" || verb == "DELETE" ? Json(nullptr) : Json::object();
        auto on_real = As(who, verb, target(real), body);
        auto on_missing = As(who, verb, target(987654), body);
        EXPECT_EQ(on_real.status, on_missing.status) << outsider << " " << verb << " " << pattern << ": "
                                                     << on_real.body << " vs " << on_missing.body;
        EXPECT_EQ(on_real.body, on_missing.body) << outsider << " " << verb << " " << pattern;
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 20);
}

TEST_F(IncidentRoutes, EveryIncidentRouteIsInTheOpenApiDocument) {
  Json doc = Json::parse(Send("GET", "/api/v1/openapi.json", "", {}).body);
  for (const char* p : {"/api/v1/incidents", "/api/v1/incidents/{id}", "/api/v1/incidents/{id}/referrals",
                        "/api/v1/incidents/{id}/acknowledge", "/api/v1/incidents/statistics/export.xlsx",
                        "/api/v1/flowcharts/{key}/walk", "/api/v1/incidents/overdue"}) {
    EXPECT_TRUE(doc["paths"].contains(p)) << p;
  }
  EXPECT_TRUE(doc["paths"]["/api/v1/incidents"]["post"]["responses"].contains("201"));
  EXPECT_EQ(doc["paths"]["/api/v1/flowcharts/{key}"]["get"]["parameters"][0]["schema"]["type"], "string");
  EXPECT_TRUE(doc["components"]["schemas"].contains("IncidentInput"));
}

}  // namespace
}  // namespace esafe::web
