// The training register: matrix as data, a person's status derived from
// attendance (never trained -> up to date -> refresher due), coverage, and the
// all-or-nothing attendance import.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>

#include "directory/directory.h"
#include "plan/plan.h"
#include "support/test_database.h"

namespace esafe::plan {
namespace {

access::Principal TrainingAdmin() {
  access::Principal p;
  p.user_id = 1;
  p.username = "admin";
  p.role = access::Role::kPartnershipAdmin;
  return p;
}

access::Principal TrainingOfficer(int64_t agency) {
  access::Principal p;
  p.user_id = 2;
  p.username = "officer";
  p.role = access::Role::kAgencyOfficer;
  p.agency_id = agency;
  return p;
}

class TrainingTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(directory::LoadDemo(tdb.db(), "plan-test-password-1").ok()); }
  TrainingRegister reg() { return TrainingRegister(tdb.db()); }
  Json StatusOf(const std::string& name, const std::string& today) {
    auto all = reg().PeopleStatus(TrainingAdmin(), std::nullopt, today);
    EXPECT_TRUE(all.ok());
    for (const auto& p : *all) if (p["full_name"] == name) return p;
    ADD_FAILURE() << name << " not listed";
    return Json();
  }
  int64_t PersonId(const std::string& name) { return StatusOf(name, "2026-01-01")["person_id"]; }
  int64_t Course(Json extra = Json::object()) {
    Json in = {{"title", "Thinkuknow"}, {"provider", "CEOP Thinkuknow"},
               {"audiences", {"those who work with children"}}, {"focuses", {"e-safety awareness"}},
               {"refresher_months", 12}};
    in.update(extra);
    auto c = reg().CreateCourse(TrainingAdmin(), in);
    EXPECT_TRUE(c.ok()) << c.error().message;
    return (*c)["id"];
  }
  int64_t Session(int64_t course, const std::string& date) {
    auto s = reg().CreateSession(TrainingAdmin(), {{"course_id", course}, {"held_on", date}});
    EXPECT_TRUE(s.ok()) << s.error().message;
    return (*s)["id"];
  }
  testing::TestDatabase tdb;
};

TEST_F(TrainingTest, MatrixIsSection4sAndEditable) {
  auto m = reg().Matrix(TrainingAdmin());
  ASSERT_TRUE(m.ok());
  EXPECT_EQ((*m)["cells"].size(), 36u);
  auto cell = [&](const Json& matrix, const std::string& a, const std::string& f) {
    for (const auto& c : matrix["cells"]) if (c["audience"] == a && c["focus"] == f) return c["required"].get<bool>();
    return false;
  };
  EXPECT_TRUE(cell(*m, "children", "e-safety awareness"));
  EXPECT_FALSE(cell(*m, "children", "assessing risks posed by adults"));
  EXPECT_TRUE(cell(*m, "those who work with children", "assessing risks posed by adults"));
  auto set = reg().SetMatrixCell(TrainingAdmin(), {{"audience", "children"}, {"focus", "other safeguarding links"}, {"required", true}});
  ASSERT_TRUE(set.ok());
  EXPECT_TRUE(cell(*set, "children", "other safeguarding links"));
  auto bad = reg().SetMatrixCell(TrainingAdmin(), {{"audience", "pets"}, {"focus", "refresher"}, {"required", true}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "audience");
  EXPECT_EQ(reg().SetMatrixCell(TrainingOfficer(3), {{"audience", "children"}, {"focus", "refresher"}, {"required", true}})
                .error().kind, ErrorKind::kForbidden);
}

TEST_F(TrainingTest, StatusMovesFromNeverTrainedToUpToDateToRefresherDue) {
  EXPECT_EQ(StatusOf("Helen Price", "2026-01-01")["status"], "never_trained");
  int64_t session = Session(Course(), "2025-06-01");
  auto recorded = reg().RecordAttendance(TrainingOfficer(3), session, {{"person_id", PersonId("Helen Price")}});
  ASSERT_TRUE(recorded.ok()) << recorded.error().message;
  Json now = StatusOf("Helen Price", "2026-01-01");
  EXPECT_EQ(now["status"], "up_to_date");
  EXPECT_EQ(now["last_trained"], "2025-06-01");
  EXPECT_EQ(now["refresher_due_on"], "2026-06-01");
  EXPECT_EQ(StatusOf("Helen Price", "2026-06-01")["status"], "refresher_due");
  // Twice is a conflict; another agency's person is refused for an agency officer.
  EXPECT_EQ(reg().RecordAttendance(TrainingAdmin(), session, {{"person_id", PersonId("Helen Price")}}).error().kind,
            ErrorKind::kConflict);
  auto other = reg().RecordAttendance(TrainingOfficer(3), session, {{"person_id", PersonId("Amira Shah")}});
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().field, "person_id");
}

TEST_F(TrainingTest, ACourseForAnotherAudienceDoesNotCount) {
  int64_t tech = Course({{"title", "Network filtering"}, {"audiences", {"those who work with technology"}}});
  ASSERT_TRUE(reg().RecordAttendance(TrainingAdmin(), Session(tech, "2025-09-01"), {{"person_id", PersonId("Helen Price")}}).ok());
  EXPECT_EQ(StatusOf("Helen Price", "2026-01-01")["status"], "never_trained");
  EXPECT_EQ(StatusOf("Tom Fletcher", "2026-01-01")["audience"], "those who work with technology");
  // Setting her audience makes the course count.
  ASSERT_TRUE(reg().SetAudience(TrainingAdmin(), PersonId("Helen Price"), "those who work with technology").ok());
  EXPECT_EQ(StatusOf("Helen Price", "2026-01-01")["status"], "up_to_date");
}

TEST_F(TrainingTest, CoverageCountsByAgencyAndAudience) {
  int64_t session = Session(Course(), "2025-06-01");
  ASSERT_TRUE(reg().RecordAttendance(TrainingAdmin(), session, {{"person_id", PersonId("Helen Price")}}).ok());
  auto cov = reg().Coverage(TrainingAdmin(), "2026-01-01");
  ASSERT_TRUE(cov.ok()) << cov.error().message;
  EXPECT_EQ((*cov)["total"]["total"], 6);
  EXPECT_EQ((*cov)["total"]["up_to_date"], 1);
  EXPECT_EQ((*cov)["total"]["never_trained"], 5);
  bool library = false;
  for (const auto& a : (*cov)["by_agency"]) {
    if (a["agency"] == "County Library Service") {
      library = true;
      EXPECT_EQ(a["up_to_date"], 1);
    }
  }
  EXPECT_TRUE(library);
  access::Principal board;
  board.role = access::Role::kBoardMember;
  auto for_board = reg().Coverage(board, "2026-01-01");
  ASSERT_TRUE(for_board.ok());
  EXPECT_FALSE(for_board->dump().find("Helen") != std::string::npos);
}

// Coverage is counted in one read of the whole register, no longer from the pages of
// PeopleStatus: its figures must still be what the per-person statuses add up to, for
// the partnership and for one agency, and as figures only it records no read of people.
TEST_F(TrainingTest, CoverageOfThousandsAgreesWithEachPersonsStatus) {
  std::string people = "agency,full_name,esafety_role,subgroup_role\n";
  for (int i = 0; i < 2500; ++i) {
    people += fmt::format("{},Person {:04},{},none\n", i % 3 ? "County Library Service" : "Northgate Academy", i,
                          i % 5 ? "none" : "network / infrastructure");
  }
  auto imported = directory::Directory(tdb.db()).ImportCsv(directory::Kind::kPerson, TrainingAdmin(), people);
  ASSERT_TRUE(imported.ok() && imported->errors.empty());
  int64_t early = Session(Course(), "2024-06-01"), late = Session(Course({{"title", "Later"}}), "2025-09-01");
  auto status = reg().PeopleStatus(TrainingAdmin(), std::nullopt, "2026-01-01");
  ASSERT_TRUE(status.ok());
  for (size_t i = 0; i < status->size(); i += 7) {
    ASSERT_TRUE(reg().RecordAttendance(TrainingAdmin(), i % 2 ? early : late, {{"person_id", (*status)[i]["person_id"]}}).ok());
  }
  ASSERT_TRUE(reg().SetAudience(TrainingAdmin(), (*status)[14]["person_id"], "children").ok());

  auto check = [&](const access::Principal& who) {
    auto each = reg().PeopleStatus(who, std::nullopt, "2026-01-01");
    ASSERT_TRUE(each.ok());
    std::map<std::string, int64_t> want;
    for (const auto& p : *each) ++want[p["status"].get<std::string>()];
    int64_t trail_before = 0, trail_after = 0;
    auto count_trail = [&](int64_t& n) {
      auto r = tdb.db().Read<int64_t>([](store::Connection& c) -> Result<int64_t> {
        auto row = c.QueryOne("SELECT COUNT(*) AS n FROM audit_events", {}, "count");
        if (!row.ok()) return row.error();
        return row->Int("n");
      });
      ASSERT_TRUE(r.ok());
      n = *r;
    };
    count_trail(trail_before);
    auto cov = reg().Coverage(who, "2026-01-01");
    ASSERT_TRUE(cov.ok()) << cov.error().message;
    count_trail(trail_after);
    EXPECT_EQ(trail_after, trail_before);
    EXPECT_EQ((*cov)["total"]["total"], static_cast<int64_t>(each->size()));
    for (const char* s : {"up_to_date", "refresher_due", "never_trained"}) EXPECT_EQ((*cov)["total"][s], want[s]) << s;
    int64_t by_audience = 0;
    for (const auto& a : (*cov)["by_audience"]) by_audience += a["total"].get<int64_t>();
    EXPECT_EQ(by_audience, static_cast<int64_t>(each->size()));
  };
  check(TrainingAdmin());
  int64_t library = 0;
  for (const auto& p : *status) {
    if (p["agency_name"] == "County Library Service") library = p["agency_id"];
  }
  ASSERT_GT(library, 0);
  check(TrainingOfficer(library));
}

TEST_F(TrainingTest, AttendanceImportIsAllOrNothingWithLineNumbers) {
  int64_t session = Session(Course(), "2025-06-01");
  auto bad = reg().ImportAttendance(TrainingAdmin(), session,
                                    "person,agency\nHelen Price,County Library Service\nNobody Known,\nHelen Price,\n");
  ASSERT_TRUE(bad.ok()) << bad.error().message;
  EXPECT_EQ(bad->imported, 0);
  ASSERT_EQ(bad->errors.size(), 2u);
  EXPECT_EQ(bad->errors[0].rfind("line 3:", 0), 0u) << bad->errors[0];
  EXPECT_EQ(bad->errors[1].rfind("line 4:", 0), 0u) << bad->errors[1];
  EXPECT_EQ(StatusOf("Helen Price", "2026-01-01")["status"], "never_trained");
  auto good = reg().ImportAttendance(TrainingAdmin(), session, "person,agency\nHelen Price,County Library Service\nDan Murphy,\n");
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->imported, 2) << (good->errors.empty() ? "" : good->errors[0]);
  EXPECT_EQ(StatusOf("Dan Murphy", "2026-01-01")["status"], "up_to_date");
}

}  // namespace
}  // namespace esafe::plan
