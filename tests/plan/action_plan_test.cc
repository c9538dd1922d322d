// The strategy action plan through the capability: RAG+blue status, the
// append-only progress history, views by strand / lead / overdue, the board
// summary, CSV export and all-or-nothing import.
#include <gtest/gtest.h>

#include "directory/directory.h"
#include "plan/plan.h"
#include "support/test_database.h"

namespace esafe::plan {
namespace {

access::Principal Admin() {
  access::Principal p;
  p.user_id = 1;
  p.username = "admin";
  p.role = access::Role::kPartnershipAdmin;
  return p;
}

access::Principal Officer(int64_t agency) {
  access::Principal p;
  p.user_id = 2;
  p.username = "officer";
  p.role = access::Role::kAgencyOfficer;
  p.agency_id = agency;
  return p;
}

class ActionPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(directory::LoadDemo(tdb.db(), "plan-test-password-1").ok());
    auto strands = plan().ListStrands(Admin());
    ASSERT_TRUE(strands.ok());
    ASSERT_EQ(strands->size(), 5u);
    strand = (*strands)[4]["id"];
    auto objective = plan().CreateObjective(Admin(), {{"strand_id", strand}, {"title", "Audit every year"}});
    ASSERT_TRUE(objective.ok()) << objective.error().message;
    objective_id = (*objective)["id"];
  }
  ActionPlan plan() { return ActionPlan(tdb.db()); }
  Json NewAction(const std::string& title, Json extra = Json::object()) {
    Json in = {{"objective_id", objective_id}, {"title", title}};
    in.update(extra);
    auto r = plan().CreateAction(Admin(), in);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : Json();
  }
  testing::TestDatabase tdb;
  int64_t strand = 0, objective_id = 0;
};

TEST_F(ActionPlanTest, DefaultStrandsAreAnnexGs) {
  auto strands = plan().ListStrands(Admin());
  ASSERT_TRUE(strands.ok());
  EXPECT_EQ((*strands)[0]["name"], "Strategy group");
  EXPECT_EQ((*strands)[3]["name"], "Infrastructure and technology");
}

TEST_F(ActionPlanTest, NewActionStartsRedAndStatusChangesAreLoggedAsProgress) {
  Json a = NewAction("Annual audit", {{"lead_agency_id", 3}, {"due_date", "2026-07-01"}});
  EXPECT_EQ(a["status"], "not_achieved");
  EXPECT_EQ(a["colour"], "red");
  auto changed = plan().UpdateAction(Admin(), a["id"], {{"status", "in_progress"}});
  ASSERT_TRUE(changed.ok()) << changed.error().message;
  EXPECT_EQ((*changed)["colour"], "gold");
  ASSERT_EQ((*changed)["updates"].size(), 1u);
  EXPECT_EQ((*changed)["updates"][0]["status"], "in_progress");
  auto progressed = plan().AddProgress(Admin(), a["id"], {{"note", "Returns from 4 of 6 agencies"}, {"status", "achieved_evolving"}});
  ASSERT_TRUE(progressed.ok());
  EXPECT_EQ((*progressed)["colour"], "blue");
  EXPECT_EQ((*progressed)["updates"].size(), 2u);
  EXPECT_EQ((*progressed)["updates"][1]["note"], "Returns from 4 of 6 agencies");
  EXPECT_FALSE((*progressed)["updates"][1]["at"].get<std::string>().empty());
}

TEST_F(ActionPlanTest, BadStatusAndMissingNoteAreRefusedNamingTheField) {
  auto bad = plan().CreateAction(Admin(), {{"objective_id", objective_id}, {"title", "x"}, {"status", "amber"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "status");
  Json a = NewAction("Something");
  auto no_note = plan().AddProgress(Admin(), a["id"], {{"status", "completed"}});
  ASSERT_FALSE(no_note.ok());
  EXPECT_EQ(no_note.error().field, "note");
  auto bad_date = plan().UpdateAction(Admin(), a["id"], {{"due_date", "2026-13-40"}});
  ASSERT_FALSE(bad_date.ok());
  EXPECT_EQ(bad_date.error().field, "due_date");
}

TEST_F(ActionPlanTest, ProgressHistoryIsAppendOnlyInTheDatabase) {
  Json a = NewAction("Something");
  ASSERT_TRUE(plan().AddProgress(Admin(), a["id"], {{"note", "first"}}).ok());
  auto changed = tdb.db().Transaction<int64_t>([](store::Connection& c) {
    return c.Execute("UPDATE plan_progress SET note = 'rewritten'");
  });
  EXPECT_FALSE(changed.ok());
  auto deleted = tdb.db().Transaction<int64_t>([](store::Connection& c) { return c.Execute("DELETE FROM plan_progress"); });
  EXPECT_FALSE(deleted.ok());
}

TEST_F(ActionPlanTest, OnlyTheLeadAgencysOfficerMayRecordProgressAndNobodyElseChangesActions) {
  Json ours = NewAction("Library Wi-Fi", {{"lead_agency_id", 3}});
  Json theirs = NewAction("School assemblies", {{"lead_agency_id", 1}});
  EXPECT_TRUE(plan().AddProgress(Officer(3), ours["id"], {{"note", "Quote received"}}).ok());
  auto refused = plan().AddProgress(Officer(3), theirs["id"], {{"note", "meddling"}});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::kForbidden);
  auto update = plan().UpdateAction(Officer(3), ours["id"], {{"status", "completed"}});
  ASSERT_FALSE(update.ok());
  EXPECT_EQ(update.error().kind, ErrorKind::kForbidden);
  EXPECT_EQ(plan().CreateAction(Officer(3), {{"objective_id", objective_id}, {"title", "x"}}).error().kind,
            ErrorKind::kForbidden);
}

TEST_F(ActionPlanTest, ViewsByLeadAndOverdueAndTheSummary) {
  NewAction("Late one", {{"lead_agency_id", 3}, {"due_date", "2025-01-31"}});
  NewAction("Late but done", {{"lead_agency_id", 3}, {"due_date", "2025-01-31"}, {"status", "completed"}});
  NewAction("Not yet due", {{"lead_agency_id", 1}, {"due_date", "2027-01-31"}, {"status", "in_progress"}});
  ActionQuery overdue;
  overdue.overdue_only = true;
  overdue.today = "2026-01-01";
  auto late = plan().ListActions(Admin(), overdue);
  ASSERT_TRUE(late.ok());
  ASSERT_EQ(late->size(), 1u);
  EXPECT_EQ((*late)[0]["title"], "Late one");
  EXPECT_TRUE((*late)[0]["overdue"].get<bool>());
  ActionQuery by_lead;
  by_lead.lead_agency_id = 3;
  EXPECT_EQ(plan().ListActions(Admin(), by_lead)->size(), 2u);
  ActionQuery by_strand;
  by_strand.strand_id = (*plan().ListStrands(Admin()))[0]["id"].get<int64_t>();
  EXPECT_EQ(plan().ListActions(Admin(), by_strand)->size(), 0u);

  auto s = plan().Summary(Admin(), "2026-01-01");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)["total"], 3);
  EXPECT_EQ((*s)["overdue"], 1);
  EXPECT_EQ((*s)["by_status"]["not_achieved"], 1);
  EXPECT_EQ((*s)["by_status"]["in_progress"], 1);
  EXPECT_EQ((*s)["by_status"]["completed"], 1);
  EXPECT_EQ((*s)["by_status"]["achieved_evolving"], 0);
  EXPECT_EQ((*s)["by_strand"][4]["total"], 3);
  EXPECT_EQ((*s)["by_lead"].size(), 2u);
}

TEST_F(ActionPlanTest, CsvExportRoundTripsThroughImport) {
  NewAction("Exported action", {{"lead_agency_id", 3}, {"status", "achieved_evolving"}, {"timescale", "ongoing"}});
  auto csv = plan().ExportCsv(Admin());
  ASSERT_TRUE(csv.ok());
  EXPECT_NE(csv->find("Exported action"), std::string::npos);
  EXPECT_NE(csv->find("County Library Service"), std::string::npos);
  // Import the same file into a new strand name to show strands and objectives are created.
  std::string renamed = *csv;
  renamed.replace(renamed.find("Inspection and standards"), 24, "Imported strand");
  auto report = plan().ImportCsv(Admin(), renamed);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->imported, 1) << (report->errors.empty() ? "" : report->errors[0]);
  ActionQuery q;
  q.status = "achieved_evolving";
  EXPECT_EQ(plan().ListActions(Admin(), q)->size(), 2u);
}

TEST_F(ActionPlanTest, ImportWithAnyBadLineImportsNothingAndNamesTheLines) {
  std::string csv =
      "strand,objective,title,lead_agency,status,due_date\n"
      "Strategy group,Report to the board,Good row,County Library Service,green,2026-04-01\n"
      "Strategy group,Report to the board,Bad status,,purple,\n"
      "New strand,New objective,Bad agency,Nowhere Council,red,\n"
      "Strategy group,Report to the board,Bad date,,red,31/04/2026\n";
  auto report = plan().ImportCsv(Admin(), csv);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->imported, 0);
  ASSERT_EQ(report->errors.size(), 3u);
  EXPECT_EQ(report->errors[0].rfind("line 3:", 0), 0u) << report->errors[0];
  EXPECT_EQ(report->errors[1].rfind("line 4:", 0), 0u) << report->errors[1];
  EXPECT_EQ(report->errors[2].rfind("line 5:", 0), 0u) << report->errors[2];
  EXPECT_EQ(plan().ListActions(Admin(), {})->size(), 0u);
  EXPECT_EQ(plan().ListStrands(Admin())->size(), 5u);  // "New strand" was not created either
  auto unknown = plan().ImportCsv(Admin(), "strand,objective,title,colour\n");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("unknown column"), std::string::npos);
}

TEST_F(ActionPlanTest, DemoLoadsOnceAndGivesEveryColour) {
  auto loaded = LoadPlanDemo(tdb.db());
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_TRUE(*loaded);
  EXPECT_FALSE(*LoadPlanDemo(tdb.db()));
  auto s = plan().Summary(Admin(), "2026-01-01");
  for (const auto& status : ActionStatuses()) EXPECT_GT((*s)["by_status"][status].get<int64_t>(), 0) << status;
}

}  // namespace
}  // namespace esafe::plan
