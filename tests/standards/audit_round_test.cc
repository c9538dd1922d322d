// A whole audit round on generated data: 30 agencies, two years. The measures
// the capability computes must equal a brute-force count over the answers.
#include <gtest/gtest.h>

#include <random>

#include "directory/directory.h"
#include "standards/standards.h"
#include "support/test_database.h"

namespace esafe::standards {
namespace {

using access::Principal;
using access::Role;

Principal Who(Role role, std::optional<int64_t> agency = std::nullopt) {
  Principal p;
  p.username = std::string(access::RoleName(role));
  p.role = role;
  p.agency_id = agency;
  p.ip = "127.0.0.1";
  return p;
}

TEST(AuditTemplate, ShippedTemplateIsValid) {
  auto t = ParseTemplate(DefaultTemplateYaml(), "annual-return.yaml");
  ASSERT_TRUE(t.ok()) << t.error().message;
  for (const auto& m : MeasureNames()) {
    bool fed = false;
    for (const auto& s : t->sections) for (const auto& q : s.questions) fed |= q.measure == m;
    EXPECT_TRUE(fed) << "no question feeds measure " << m;
  }
}

TEST(AuditTemplate, InvalidTemplatesNameFileLineAndReason) {
  auto bad = [](const std::string& yaml, const std::string& expect) {
    auto t = ParseTemplate(yaml, "t.yaml");
    ASSERT_FALSE(t.ok()) << yaml;
    EXPECT_NE(t.error().message.find(expect), std::string::npos) << t.error().message;
    EXPECT_EQ(t.error().message.rfind("t.yaml:", 0), 0u) << t.error().message;
  };
  bad("id: x\nversion: 1\ntitle: T\nsections:\n  - id: s\n    title: S\n    questions:\n      - id: q\n        text: Q\n        type: colour\n",
      "t.yaml:10: unknown question type");
  bad("id: x\nversion: 1\ntitle: T\nsections:\n  - id: s\n    title: S\n    questions:\n      - id: q\n        text: Q\n        type: level\n        levels: [a, b]\n",
      "exactly five");
  bad("id: x\nversion: 1\ntitle: T\nsections:\n  - id: s\n    title: S\n    questions:\n      - id: q\n        text: Q\n        type: yes_no\n        measure: happiness\n",
      "t.yaml:11: unknown measure");
  bad("id: x\nversion: one\n", "t.yaml:2: version must be a whole number");
  bad("id: [unclosed\n", "t.yaml:");
}

TEST(AuditTemplate, AnswersThatDoNotFitAreRefusedNamingTheQuestion) {
  auto t = ParseTemplate(DefaultTemplateYaml(), "annual-return.yaml");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(CheckAnswers(*t, {{"aup_reviewed", "2026-02-30"}}).error().field, "aup_reviewed");
  EXPECT_EQ(CheckAnswers(*t, {{"policy_level", 6}}).error().field, "policy_level");
  EXPECT_EQ(CheckAnswers(*t, {{"aup_in_place", "maybe"}}).error().field, "aup_in_place");
  EXPECT_EQ(CheckAnswers(*t, {{"aup_signed_share", 101}}).error().field, "aup_signed_share");
  EXPECT_EQ(CheckAnswers(*t, {{"no_such_question", 1}}).error().field, "no_such_question");
  EXPECT_TRUE(CheckAnswers(*t, {{"aup_in_place", "yes"}, {"policy_level", 3}}).ok());
}

class AuditRound : public ::testing::Test {
 protected:
  testing::TestDatabase tdb;
  Principal lead = Who(Role::kPartnershipLead);
  std::vector<int64_t> agencies;
  std::vector<std::string> sectors;

  void SetUp() override {
    directory::Directory dir(tdb.db());
    const char* kSectors[] = {"education", "library", "health", "youth service", "police"};
    for (int i = 0; i < 30; ++i) {
      auto a = dir.Create(directory::Kind::kAgency, lead,
                          {{"name", "Agency " + std::to_string(i)}, {"sector", kSectors[i % 5]},
                           {"membership_type", "board partner"}});
      ASSERT_TRUE(a.ok()) << a.error().message;
      agencies.push_back((*a)["id"]);
      sectors.push_back(kSectors[i % 5]);
    }
    ASSERT_TRUE(Standards(tdb.db()).EnsureDefaultTemplate().ok());
  }
};

TEST_F(AuditRound, WholeRoundMeasuresEqualBruteForceCount) {
  Standards st(tdb.db());
  auto templates = st.ListTemplates(lead);
  ASSERT_TRUE(templates.ok());
  ASSERT_EQ(templates->size(), 1u);
  int64_t template_id = (*templates)[0]["template_id"];
  auto parsed = ParseTemplate(DefaultTemplateYaml(), "t");
  ASSERT_TRUE(parsed.ok());

  std::mt19937 rng(20261123);
  for (int year : {2025, 2026}) {
    auto round = st.OpenRound(lead, {{"title", "Annual return " + std::to_string(year)}, {"year", year},
                                     {"template_id", template_id}, {"deadline", std::to_string(year) + "-06-30"}});
    ASSERT_TRUE(round.ok()) << round.error().message;
    int64_t round_id = (*round)["id"];
    EXPECT_EQ((*round)["expected_returns"], 30);

    std::map<int64_t, Json> submitted;  // agency -> answers, for the brute-force count
    for (size_t i = 0; i < agencies.size(); ++i) {
      Principal officer = Who(Role::kAgencyOfficer, agencies[i]);
      Json answers = Json::object();
      for (const auto& s : parsed->sections) {
        for (const auto& q : s.questions) {
          if (q.type == QuestionType::kYesNo) answers[q.id] = rng() % 3 == 0 ? "no" : "yes";
          if (q.type == QuestionType::kLevel) answers[q.id] = static_cast<int64_t>(1 + rng() % 5);
        }
      }
      // Fill in two instalments, as a draft saved and resumed.
      Json first = Json::object(), second = Json::object();
      size_t k = 0;
      for (const auto& [id, v] : answers.items()) (k++ % 2 ? second : first)[id] = v;
      ASSERT_TRUE(st.SaveDraft(officer, round_id, agencies[i], {{"answers", first}}).ok());
      ASSERT_TRUE(st.SaveDraft(officer, round_id, agencies[i],
                               {{"answers", second}, {"evidence_notes", {{"aup_in_place", "signed copies in the office"}}}})
                      .ok());
      if (i >= 28) continue;  // the last two never submit
      auto sub = st.Submit(officer, round_id, agencies[i]);
      ASSERT_TRUE(sub.ok()) << sub.error().message;
      submitted[agencies[i]] = answers;
    }
    // Return one for correction; it changes its AUP answer and submits again.
    auto back = st.ReturnForCorrection(lead, round_id, agencies[0], "Please attach the AUP review date.");
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ((*back)["status"], "returned");
    Principal first_officer = Who(Role::kAgencyOfficer, agencies[0]);
    ASSERT_TRUE(st.SaveDraft(first_officer, round_id, agencies[0],
                             {{"answers", {{"aup_in_place", "no"}, {"aup_reviewed", "2025-09-01"}}}})
                    .ok());
    submitted.erase(agencies[0]);
    auto status = st.RoundStatus(lead, round_id);
    ASSERT_TRUE(status.ok());
    EXPECT_EQ((*status)["received"], 27);
    ASSERT_TRUE(st.Submit(first_officer, round_id, agencies[0]).ok());
    submitted[agencies[0]] = (*st.GetReturn(lead, round_id, agencies[0]))["answers"];

    auto m = st.Measures(lead, round_id);
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_EQ((*m)["expected"], 30);
    EXPECT_EQ((*m)["received"], 28);
    EXPECT_EQ((*m)["not_submitted"].size(), 2u);
    for (const auto& s : parsed->sections) {
      for (const auto& q : s.questions) {
        if (q.measure.empty()) continue;
        int64_t yes = 0;
        std::map<std::string, int64_t> yes_by_sector;
        for (size_t i = 0; i < agencies.size(); ++i) {
          auto it = submitted.find(agencies[i]);
          if (it != submitted.end() && it->second[q.id] == "yes") {
            ++yes;
            ++yes_by_sector[sectors[i]];
          }
        }
        const Json& got = (*m)["measures"][q.measure];
        EXPECT_EQ(got["yes"], yes) << q.measure << " " << year;
        EXPECT_EQ(got["of"], 28);
        for (const auto& [sector, n] : yes_by_sector) EXPECT_EQ(got["by_sector"][sector]["yes"], n) << sector;
      }
      for (const auto& q : s.questions) {
        if (q.type != QuestionType::kLevel) continue;
        double sum = 0;
        for (const auto& [agency, answers] : submitted) sum += answers[q.id].get<int64_t>();
        EXPECT_NEAR((*m)["levels"][q.id]["average"].get<double>(), sum / 28.0, 1e-9) << q.id;
      }
    }
    // Board members see the same measures with small counts suppressed.
    auto board = st.Measures(Who(Role::kBoardMember), round_id);
    ASSERT_TRUE(board.ok());
    EXPECT_EQ(board->contains("agency_levels"), false);
    EXPECT_EQ((*board)["not_submitted"], "fewer than 5");
  }
}

TEST_F(AuditRound, RulesOfTheRound) {
  Standards st(tdb.db());
  int64_t template_id = (*st.ListTemplates(lead))[0]["template_id"];
  auto round = st.OpenRound(lead, {{"title", "R"}, {"year", 2026}, {"template_id", template_id}, {"deadline", "2000-01-01"}});
  ASSERT_TRUE(round.ok());
  int64_t r = (*round)["id"];
  Principal mine = Who(Role::kAgencyOfficer, agencies[1]);
  // Another agency's return: not found; an officer cannot open rounds or return returns.
  EXPECT_EQ(st.GetReturn(mine, r, agencies[2]).error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(st.SaveDraft(mine, r, agencies[2], {{"answers", Json::object()}}).error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(st.OpenRound(mine, {{"title", "R"}, {"year", 2026}, {"template_id", template_id}, {"deadline", "2026-01-01"}})
                .error().kind,
            ErrorKind::kForbidden);
  // Submitting with questions unanswered is refused, naming one.
  auto early = st.Submit(mine, r, agencies[1]);
  ASSERT_FALSE(early.ok());
  EXPECT_FALSE(early.error().field.empty());
  // A gap suggests an action.
  ASSERT_TRUE(st.SaveDraft(mine, r, agencies[1], {{"answers", {{"aup_in_place", "no"}}}}).ok());
  auto gaps = st.SuggestedActions(mine, r, agencies[1]);
  ASSERT_TRUE(gaps.ok());
  ASSERT_EQ(gaps->size(), 1u);
  EXPECT_EQ((*gaps)[0]["question_id"], "aup_in_place");
  // The deadline has passed: everyone not submitted is overdue.
  auto status = st.RoundStatus(lead, r);
  ASSERT_TRUE(status.ok());
  for (const auto& ret : (*status)["returns"]) EXPECT_TRUE(ret["overdue"].get<bool>());
  // An officer sees only their own agency's status.
  EXPECT_EQ((*st.RoundStatus(mine, r))["returns"].size(), 1u);
  // A template version cannot be published twice.
  auto again = st.PublishTemplate(lead, DefaultTemplateYaml());
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind, ErrorKind::kConflict);
}

}  // namespace
}  // namespace esafe::standards
