// The board report: measures by sector and year, returns, the trend, level
// profiles, incident figures with small counts suppressed, the CSV and XLSX
// exports; and suggested actions accepted into the action plan.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "directory/directory.h"
#include "plan/plan.h"
#include "standards/standards.h"
#include "support/test_database.h"

namespace esafe::standards {
namespace {

using access::Principal;
using access::Role;

Principal BoardReportWho(Role role, std::optional<int64_t> agency = std::nullopt) {
  Principal p;
  p.username = std::string(access::RoleName(role));
  p.role = role;
  p.agency_id = agency;
  p.ip = "127.0.0.1";
  return p;
}

const Json* Table(const Json& report, const std::string& id) {
  for (const auto& t : report["tables"]) {
    if (t["id"] == id) return &t;
  }
  return nullptr;
}

class BoardReportTest : public ::testing::Test {
 protected:
  testing::TestDatabase tdb;
  Principal lead = BoardReportWho(Role::kPartnershipLead);
  std::vector<int64_t> agencies;
  std::map<int64_t, int64_t> rounds;  // year -> round id
  const char* kSectors[3] = {"education", "library", "health"};

  // Agency i answers "yes" to the AUP unless i % 3 == 0 (and, in the later year, i == 0 has one);
  // its levels are 1 + (i % 5), one more in the later year.
  Json Answers(const Template& t, size_t i, int64_t year) {
    Json answers = Json::object();
    for (const auto& s : t.sections) {
      for (const auto& q : s.questions) {
        if (q.type == QuestionType::kYesNo) answers[q.id] = "yes";
        if (q.type == QuestionType::kLevel) answers[q.id] = std::min<int64_t>(5, 1 + static_cast<int64_t>(i % 5) + (year == 2026));
      }
    }
    bool aup = i % 3 != 0 || (year == 2026 && i == 0);
    answers["aup_in_place"] = aup ? "yes" : "no";
    return answers;
  }

  void SetUp() override {
    directory::Directory dir(tdb.db());
    for (int i = 0; i < 9; ++i) {
      auto a = dir.Create(directory::Kind::kAgency, lead,
                          {{"name", fmt::format("Agency {}", i)}, {"sector", kSectors[i % 3]},
                           {"membership_type", "board partner"}});
      ASSERT_TRUE(a.ok()) << a.error().message;
      agencies.push_back((*a)["id"]);
    }
    Standards st(tdb.db());
    ASSERT_TRUE(st.EnsureDefaultTemplate().ok());
    int64_t template_id = (*st.ListTemplates(lead))[0]["template_id"];
    auto t = ParseTemplate(DefaultTemplateYaml(), "t");
    ASSERT_TRUE(t.ok());
    for (int64_t year : {2025, 2026}) {
      auto round = st.OpenRound(lead, {{"title", fmt::format("Return {}", year)}, {"year", year},
                                       {"template_id", template_id}, {"deadline", fmt::format("{}-07-01", year)}});
      ASSERT_TRUE(round.ok()) << round.error().message;
      rounds[year] = (*round)["id"];
      for (size_t i = 0; i < agencies.size(); ++i) {
        Principal officer = BoardReportWho(Role::kAgencyOfficer, agencies[i]);
        ASSERT_TRUE(st.SaveDraft(officer, rounds[year], agencies[i], {{"answers", Answers(*t, i, year)}}).ok());
        if (year == 2026 && i == 8) continue;  // one return missing this year
        ASSERT_TRUE(st.Submit(officer, rounds[year], agencies[i]).ok());
      }
    }
    // Incidents in 2026: three of one category (suppressed), six of another.
    auto added = tdb.db().Transaction<bool>([&](store::Connection& c) -> Result<bool> {
      for (int n = 0; n < 9; ++n) {
        ESAFE_TRY(c.Execute(
            "INSERT INTO incidents (agency_id, status, reported_at, reported_by, how_identified, category, description, "
            "created_at, updated_at) VALUES (?, 'open', ?, 'test', 'staff', ?, 'described', ?, ?)",
            {agencies[static_cast<size_t>(n)], std::string("2026-03-0") + std::to_string(n + 1),
             std::string(n < 3 ? "email_misuse" : "bullying_harassment"), std::string("2026-03-01T00:00:00Z"),
             std::string("2026-03-01T00:00:00Z")}));
      }
      return true;
    });
    ASSERT_TRUE(added.ok()) << added.error().message;
  }
};

TEST_F(BoardReportTest, FiguresAreComputedFromTheReturnsAndTheIncidentLog) {
  Standards st(tdb.db());
  auto report = st.BoardReport(lead, rounds[2026], agencies[4]);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ((*report)["expected"], 9);
  EXPECT_EQ((*report)["received"], 8);

  // AUP: 2026 submitted are agencies 0..7; "no" for i % 3 == 0 except agency 0: agencies 3 and 6.
  const Json* measures = Table(*report, "measures");
  ASSERT_NE(measures, nullptr);
  EXPECT_EQ((*measures)["rows"][0], Json({"An acceptable-use policy", "6", "8", "75%"}));
  const Json* by_sector = Table(*report, "measures_by_sector");
  ASSERT_NE(by_sector, nullptr);
  // education: agencies 0, 3, 6 → yes for 0 only.
  EXPECT_EQ((*by_sector)["rows"][0], Json({"An acceptable-use policy", "education", "1", "3", "33%"}));

  // The trend has both years; 2025 AUP: no for 0, 3, 6 of 9 → 67%.
  const Json* trend = Table(*report, "trend");
  ASSERT_NE(trend, nullptr);
  EXPECT_EQ((*trend)["columns"], Json({"Measure", "2025", "2026"}));
  EXPECT_EQ((*trend)["rows"][0], Json({"An acceptable-use policy", "67%", "75%"}));
  const Json* returns = Table(*report, "returns");
  ASSERT_NE(returns, nullptr);
  ASSERT_EQ((*returns)["rows"].size(), 2u);
  EXPECT_EQ((*returns)["rows"][1], Json({"Return 2026", "2026", "2026-07-01", "9", "8"}));

  // Levels: agency 4's levels are 1 + 4 + 1 = 5 in 2026, beside the average.
  EXPECT_EQ((*report)["radar_agency"]["id"], agencies[4]);
  ASSERT_GE((*report)["levels"].size(), 5u);
  for (const auto& l : (*report)["levels"]) EXPECT_EQ(l["agency"], 5) << l["question_id"];
  const Json* levels = Table(*report, "levels");
  ASSERT_NE(levels, nullptr);
  EXPECT_EQ((*levels)["columns"].back(), "Agency 4");

  // Incidents: 3 email misuse → "fewer than 5"; 6 bullying → "6".
  const Json* incidents = Table(*report, "incidents");
  ASSERT_NE(incidents, nullptr);
  std::map<std::string, std::string> by_label;
  for (const auto& row : (*incidents)["rows"]) by_label[row[0]] = row.back();
  EXPECT_EQ(by_label["inappropriate or illegal use of email"], "fewer than 5");
  EXPECT_EQ(by_label["bullying or harassment using technologies"], "6");
  EXPECT_EQ(by_label["All incidents"], "9");

  // A radar agency without a submitted return is refused, naming the parameter.
  EXPECT_EQ(st.BoardReport(lead, rounds[2026], agencies[8]).error().field, "agency_id");
}

TEST_F(BoardReportTest, BoardMembersSeeAggregatesOnlyAndAgenciesNothing) {
  Standards st(tdb.db());
  auto board = st.BoardReport(BoardReportWho(Role::kBoardMember), rounds[2026]);
  ASSERT_TRUE(board.ok()) << board.error().message;
  EXPECT_TRUE((*board)["agencies"].empty());
  EXPECT_TRUE((*board)["radar_agency"].is_null());
  for (const auto& l : (*board)["levels"]) EXPECT_TRUE(l["agency"].is_null());
  EXPECT_EQ(st.BoardReport(BoardReportWho(Role::kAgencyOfficer, agencies[0]), rounds[2026]).error().kind, ErrorKind::kForbidden);
}

TEST_F(BoardReportTest, EveryTableExportsAsCsvAndXlsx) {
  Standards st(tdb.db());
  auto report = st.BoardReport(lead, rounds[2026]);
  ASSERT_TRUE(report.ok());
  auto tables = ReportTables(*report);
  ASSERT_EQ(tables.size(), 6u);
  for (const auto& t : tables) {
    std::string csv = ReportTableCsv(t);
    EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), static_cast<long>(t.rows.size() + 1)) << t.id;
  }
  EXPECT_EQ(ReportTableCsv(tables[0]).substr(0, 52), "Measure,Agencies with it,Of returns received,Share\r\n");
  auto xlsx = ReportXlsx(*report);
  ASSERT_TRUE(xlsx.ok()) << xlsx.error().message;
  EXPECT_EQ(xlsx->substr(0, 2), "PK");
}

TEST_F(BoardReportTest, SuggestedActionsAreAcceptedIntoTheActionPlan) {
  Standards st(tdb.db());
  // Agency 3 answered "no" to the AUP in 2026.
  Principal officer = BoardReportWho(Role::kAgencyOfficer, agencies[3]);
  auto gaps = st.SuggestedActions(officer, rounds[2026], agencies[3]);
  ASSERT_TRUE(gaps.ok());
  ASSERT_EQ(gaps->size(), 1u);
  EXPECT_TRUE((*gaps)[0]["plan_action_id"].is_null());

  auto action = st.AcceptSuggestedAction(officer, rounds[2026], agencies[3], "aup_in_place");
  ASSERT_TRUE(action.ok()) << action.error().message;
  EXPECT_EQ((*action)["lead_agency_id"], agencies[3]);
  EXPECT_EQ((*action)["source"], "audit gap");
  EXPECT_EQ((*action)["status"], "not_achieved");
  EXPECT_EQ((*action)["strand"], "Inspection and standards");
  EXPECT_NE((*action)["title"].get<std::string>().find("acceptable-use policy"), std::string::npos);

  auto after = st.SuggestedActions(officer, rounds[2026], agencies[3]);
  EXPECT_EQ((*after)[0]["plan_action_id"], (*action)["id"]);
  // Once only; only where there is a gap; only for your own agency.
  EXPECT_EQ(st.AcceptSuggestedAction(officer, rounds[2026], agencies[3], "aup_in_place").error().kind, ErrorKind::kConflict);
  EXPECT_EQ(st.AcceptSuggestedAction(officer, rounds[2026], agencies[3], "training_plan").error().field, "question_id");
  EXPECT_EQ(st.AcceptSuggestedAction(officer, rounds[2026], agencies[6], "aup_in_place").error().kind, ErrorKind::kNotFound);
  // The same gap found again next year is a new action; both sit under their year's objective.
  auto plan = plan::ActionPlan(tdb.db()).ListActions(lead, {});
  ASSERT_TRUE(plan.ok());
  int64_t audit_actions = 0;
  for (const auto& a : *plan) audit_actions += a["source"] == "audit gap";
  EXPECT_EQ(audit_actions, 1);
}

}  // namespace
}  // namespace esafe::standards
