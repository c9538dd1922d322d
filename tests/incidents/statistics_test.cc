// Statistics: agency scoping, small-count suppression in partnership and board
// views, periods, and the CSV and XLSX exports (the XLSX is read back).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "incident_fixture.h"

namespace esafe::incidents {
namespace {

using ::testing::HasSubstr;

class Statistics : public IncidentFixture {
 protected:
  void SetUp() override {
    IncidentFixture::SetUp();
    auto school_officer = Officer(school);
    auto library_officer = Officer(library);
    Json bullying = {{"sexual_images", "no"}, {"harm_self", "no"}, {"who_posted", "ours"}};
    for (int i = 0; i < 5; ++i) Record(school_officer, "cyberbullying", bullying, {{"reported_at", "2024-02-10"}});
    Record(school_officer, "child-discloses-abuse", {{"danger", "no"}, {"what_told", "grooming"}},
           {{"reported_at", "2024-05-02T10:00:00Z"}});
    Json withdrawn = Record(school_officer, "cyberbullying", bullying, {{"reported_at", "2024-02-11"}});
    EXPECT_TRUE(log.Withdraw(school_officer, withdrawn["id"], "duplicate").ok());
    Record(library_officer, "suspicious-email", {{"content", "scam"}}, {{"reported_at", "2024-01-05"}});
    Record(library_officer, "suspicious-email", {{"content", "scam"}}, {{"reported_at", "2024-03-05"}});
    // Four in one cell: the largest count that must still be suppressed.
    Record(library_officer, "suspicious-email", {{"content", "scam"}}, {{"reported_at", "2024-03-06"}});
    Record(library_officer, "suspicious-email", {{"content", "scam"}}, {{"reported_at", "2024-03-07"}});
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
};

TEST_F(Statistics, AnAgencySeesOnlyItsOwnExactCounts) {
  auto stats = log.Statistics(Officer(library), {});
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ((*stats)["scope"], "agency");
  EXPECT_EQ((*stats)["suppressed"], false);
  EXPECT_EQ(Row(*stats, "total", "2024-Q1", "all")["count"], 4);  // exact, its own
  EXPECT_TRUE(Row(*stats, "category", "2024-Q1", "bullying_harassment").is_null());  // not the school's
  EXPECT_EQ(log.Statistics(Officer(library), {.agency_id = school}).error().kind, ErrorKind::kForbidden);
  auto school_stats = log.Statistics(Officer(school), {});
  EXPECT_EQ(Row(*school_stats, "category", "2024-Q1", "bullying_harassment")["count"], 5);  // withdrawn excluded
  EXPECT_EQ(Row(*school_stats, "category", "2024-Q2", "grooming")["count"], 1);
}

TEST_F(Statistics, PartnershipAndBoardViewsSuppressCountsFromOneToFour) {
  for (const auto& who : {Lead(), Board()}) {
    auto stats = log.Statistics(who, {});
    ASSERT_TRUE(stats.ok()) << stats.error().message;
    EXPECT_EQ((*stats)["scope"], "partnership");
    EXPECT_EQ((*stats)["suppressed"], true);
    EXPECT_EQ(Row(*stats, "category", "2024-Q1", "bullying_harassment")["count"], 5);
    Json grooming = Row(*stats, "category", "2024-Q2", "grooming");
    EXPECT_TRUE(grooming["count"].is_null());
    EXPECT_EQ(grooming["display"], "fewer than 5");
    Json library_q1 = Row(*stats, "agency", "2024-Q1", std::to_string(library));  // exactly 4
    EXPECT_TRUE(library_q1["count"].is_null());
    EXPECT_EQ(library_q1["display"], "fewer than 5");
    EXPECT_EQ(Row(*stats, "total", "2024-Q1", "all")["count"], 9);
    EXPECT_EQ(Row(*stats, "sector", "2024-Q1", "education")["count"], 5);
    EXPECT_EQ(Row(*stats, "risk_level", "2024-Q1", "encourage_safe_behaviour")["count"], 9);
    // No row anywhere carries a count from 1 to 4.
    for (const auto& t : (*stats)["tables"]) {
      for (const auto& r : t["rows"]) {
        if (r["count"].is_number()) {
          EXPECT_GE(r["count"].get<int64_t>(), 5) << r.dump();
        }
      }
    }
  }
}

TEST_F(Statistics, PerYearAndDateRangeAndEscalationTargets) {
  auto officer = Officer(school);
  auto list = log.List(officer, {.category = "grooming"});
  ASSERT_EQ(list->size(), 1u);
  ASSERT_TRUE(log.AddReferral(officer, (*list)[0]["id"], {{"target", "ceop"}}).ok());
  auto yearly = log.Statistics(officer, {.per_year = true});
  EXPECT_EQ((*yearly)["periods"], Json::array({"2024"}));
  EXPECT_EQ(Row(*yearly, "total", "2024", "all")["count"], 6);
  EXPECT_EQ(Row(*yearly, "escalation_target", "2024", "ceop")["count"], 1);
  auto ranged = log.Statistics(officer, {.from = "2024-04-01", .to = "2024-07-01"});
  EXPECT_EQ((*ranged)["periods"], Json::array({"2024-Q2"}));
  EXPECT_EQ(log.Statistics(officer, {.from = "spring"}).error().field, "from");
}

TEST_F(Statistics, CsvAndXlsxExports) {
  auto lead = Lead();
  auto csv = log.StatisticsCsv(lead, {});
  ASSERT_TRUE(csv.ok());
  EXPECT_THAT(*csv, HasSubstr("period,dimension,key,label,count\r\n"));
  EXPECT_THAT(*csv, HasSubstr("2024-Q2,category,grooming,grooming,fewer than 5\r\n"));
  EXPECT_THAT(*csv, HasSubstr("2024-Q1,category,bullying_harassment,bullying or harassment using technologies,5\r\n"));

  auto xlsx = log.StatisticsXlsx(lead, {});
  ASSERT_TRUE(xlsx.ok()) << xlsx.error().message;
  ASSERT_GT(xlsx->size(), 100u);
  EXPECT_EQ(xlsx->substr(0, 2), "PK");  // a zip container
  auto path = std::filesystem::temp_directory_path() / ("esafe-stats-test-" + std::to_string(::getpid()) + ".xlsx");
  {
    std::ofstream out(path, std::ios::binary);
    out << *xlsx;
  }
  // Read it back with unzip: the workbook lists the sheets, and the shared
  // strings hold the suppressed display text.
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
  std::string workbook = run("unzip -p '" + path.string() + "' xl/workbook.xml");
  EXPECT_THAT(workbook, HasSubstr("name=\"Category\""));
  EXPECT_THAT(workbook, HasSubstr("name=\"Escalated to\""));
  std::string strings = run("unzip -p '" + path.string() + "' xl/sharedStrings.xml");
  EXPECT_THAT(strings, HasSubstr("fewer than 5"));
  EXPECT_THAT(strings, HasSubstr("bullying or harassment using technologies"));
  std::string test = run("unzip -t '" + path.string() + "'");
  EXPECT_THAT(test, HasSubstr("No errors detected"));
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace esafe::incidents
