// Every path through every shipped flowchart, walked and recorded through the
// HTTP API (issue 16). For each outcome reached:
//   - one that may involve illegal material refuses an evidence file (409, with
//     the Annex B Chart 3 instruction) whatever category the incident is given,
//     and one that may not accepts it (so the refusal is the outcome's doing);
//   - a significant risk names someone to tell, and every party told has a
//     contact entry on the outcome page;
//   - an outcome about grooming, sexual images of a child or a disclosure of
//     abuse tells children's social care; one about an adult who works with
//     children tells the LADO;
//   - its illegal_material flag and concerns are the ones written below, from
//     the seeds, so a later edit cannot drop a flag without failing here.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "directory/directory.h"
#include "incidents/flowchart/flowchart.h"
#include "incidents/flowchart/shipped.h"
#include "support/app_client.h"
#include "support/test_database.h"
#include "web/app.h"

namespace esafe::incidents {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using Json = nlohmann::json;

struct Expected {
  bool illegal;
  std::set<std::string> concerns;
};

// Each shipped outcome: may it involve illegal material (Annex B Chart 3), and
// what is it about. Written from the seeds, outcome by outcome; docs/incidents.md
// has the same table with the passages.
const std::map<std::string, Expected>& ExpectedOutcomes() {
  static const std::set<std::string> none;
  static const std::map<std::string, Expected> table = {
      {"child-discloses-abuse/immediate_danger", {false, {"grooming"}}},
      {"child-discloses-abuse/abuse", {true, {"abuse_disclosure"}}},
      {"child-discloses-abuse/grooming", {true, {"grooming"}}},
      {"child-discloses-abuse/strong_suspicion", {false, {"grooming"}}},
      {"child-discloses-abuse/uncomfortable", {false, none}},
      {"cyberbullying/sexual_images_shared", {true, {"sexual_images_of_child"}}},
      {"cyberbullying/at_risk", {false, none}},
      {"cyberbullying/investigate_here", {false, none}},
      {"cyberbullying/report_to_site", {false, none}},
      {"inappropriate-content-child/advert_closed", {false, none}},
      {"inappropriate-content-child/accident_here", {false, none}},
      {"inappropriate-content-child/accident_elsewhere", {false, none}},
      {"inappropriate-content-child/deliberate_adult", {false, none}},
      {"inappropriate-content-child/harmful", {false, none}},
      {"inappropriate-content-child/extremist", {true, none}},
      {"inappropriate-content-child/possibly_illegal", {true, none}},
      {"mobile-phone/subscription_ignored", {false, none}},
      {"mobile-phone/subscription_replied", {false, none}},
      {"mobile-phone/phone_bullying", {false, none}},
      {"mobile-phone/phone_stranger", {false, none}},
      {"mobile-phone/phone_grooming", {true, {"grooming"}}},
      {"mobile-phone/phone_images", {true, {"sexual_images_of_child"}}},
      {"mobile-phone/phone_taken", {false, none}},
      {"online-safety-concern/suspected_harm", {false, {"grooming"}}},
      {"online-safety-concern/grooming_signs", {true, {"grooming"}}},
      {"online-safety-concern/stranger_contact", {false, none}},
      {"online-safety-concern/handled_well", {false, none}},
      {"online-safety-concern/privacy", {false, none}},
      {"online-safety-concern/exposed", {false, none}},
      {"online-safety-concern/wellbeing_risk", {false, none}},
      {"online-safety-concern/crime", {false, none}},
      {"online-safety-concern/wellbeing_support", {false, none}},
      {"online-safety-concern/money_talk", {false, none}},
      {"online-safety-concern/money_lost_outcome", {false, none}},
      {"online-safety-concern/credentials", {false, none}},
      {"online-safety-concern/group_education", {false, none}},
      {"online-safety-concern/parent_advice", {false, none}},
      {"online-safety-concern/vetting", {false, none}},
      {"staff-misuse/illegal_by_staff", {true, {"sexual_images_of_child", "adult_working_with_children"}}},
      {"staff-misuse/illegal_by_infrastructure_staff",
       {true, {"sexual_images_of_child", "adult_working_with_children"}}},
      {"staff-misuse/allegation", {false, {"adult_working_with_children"}}},
      {"staff-misuse/inappropriate_by_staff", {false, {"adult_working_with_children"}}},
      {"staff-misuse/staff_accident", {false, none}},
      {"staff-misuse/equipment_origin", {false, none}},
      {"suspected-illegal-content/known_person", {true, {"sexual_images_of_child"}}},
      {"suspected-illegal-content/staff_suspected", {true, {"sexual_images_of_child", "adult_working_with_children"}}},
      {"suspected-illegal-content/found_device", {true, {"sexual_images_of_child"}}},
      {"suspected-illegal-content/report_online", {true, {"sexual_images_of_child"}}},
      {"suspected-illegal-content/report_adult_illegal", {true, none}},
      {"suspicious-email/illegal", {true, {"sexual_images_of_child"}}},
      {"suspicious-email/internal", {false, none}},
      {"suspicious-email/external", {false, none}},
      {"suspicious-email/spam", {false, none}},
      {"suspicious-email/scam", {false, none}},
  };
  return table;
}

class EveryPath : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(directory::LoadDemo(tdb.db(), kPassword).ok());
    app = std::make_unique<web::App>(tdb.db());
    client = std::make_unique<testing::AppClient>(*app);
    officer = client->SignIn("riverside.eslo", kPassword);
  }

  static constexpr const char* kPassword = "every-path-password-1";
  testing::TestDatabase tdb;
  std::unique_ptr<web::App> app;
  std::unique_ptr<testing::AppClient> client;
  testing::AppClient::Session officer;
};

TEST_F(EveryPath, EveryOutcomeOfEveryShippedFlowchartLeadsToTheResponseTheSeedsPrescribe) {
  std::set<std::string> reached;
  size_t paths = 0;
  for (const auto& file : flowchart::ShippedFiles()) {
    auto loaded = flowchart::Load(file.text, file.name);
    ASSERT_TRUE(loaded.ok()) << file.name << ": " << loaded.problems.front().ToString();
    const auto& chart = loaded.flowchart;
    for (const auto& path : flowchart::EnumeratePaths(chart)) {
      ++paths;
      const std::string key = chart.id + "/" + path.outcome_node;
      SCOPED_TRACE(key);
      reached.insert(key);
      Json answers(path.answers);
      Json walk = client->Expect(200, officer, "POST", "/api/v1/flowcharts/" + chart.id + "/walk", {{"answers", answers}});
      ASSERT_TRUE(walk["outcome"].is_object()) << walk.dump();
      const Json& outcome = walk["outcome"];
      auto expected = ExpectedOutcomes().find(key);
      ASSERT_NE(expected, ExpectedOutcomes().end()) << "a new outcome: add it to ExpectedOutcomes() and the docs table";
      EXPECT_EQ(outcome["illegal_material"], expected->second.illegal);
      EXPECT_EQ(walk["illegal_material"], expected->second.illegal);
      std::set<std::string> concerns;
      for (const auto& c : outcome["concerns"]) concerns.insert(c.get<std::string>());
      EXPECT_EQ(concerns, expected->second.concerns);

      std::set<std::string> told;
      for (const auto& t : outcome["tell"]) {
        told.insert(t["who"].get<std::string>());
        ASSERT_TRUE(t["contact"].is_object()) << "no contact entry for " << t["who"];
        EXPECT_FALSE(t["contact"]["name"].get<std::string>().empty());
      }
      if (outcome["risk"] == "significant_risk") {
        EXPECT_FALSE(told.empty());
      }
      for (const char* about : {"grooming", "sexual_images_of_child", "abuse_disclosure"}) {
        if (concerns.count(about)) {
          EXPECT_THAT(told, Contains("childrens_social_care")) << about;
        }
      }
      if (concerns.count("adult_working_with_children")) {
        EXPECT_THAT(told, Contains("lado"));
      }
      if (expected->second.illegal) {
        ASSERT_FALSE(walk["contacts"].empty());
        EXPECT_EQ(walk["contacts"][0]["id"], "illegal_content") << "the first contact must fit illegal material";
        for (const auto& k : walk["contacts"]) EXPECT_NE(k["id"], "fraud");
      }

      // Recorded with a category that is not about illegal material: the outcome decides.
      Json inc = client->Expect(201, officer, "POST", "/api/v1/incidents",
                                {{"flowchart_id", chart.id}, {"answers", answers}, {"how_identified", "staff_report"},
                                 {"category", "other_technology_misuse"}, {"description", key}});
      ASSERT_TRUE(inc.contains("id")) << inc.dump();
      EXPECT_EQ(inc["illegal_material"], expected->second.illegal);
      const std::string base = "/api/v1/incidents/" + std::to_string(inc["id"].get<int64_t>());
      Json with_evidence = client->Expect(201, officer, "POST", base + "/evidence",
                                          {{"what", "the child's phone"}, {"held_where", "the head's safe"},
                                           {"secured_by", "the designated lead"}, {"secured_at", "2026-12-01"}});
      ASSERT_FALSE(with_evidence["evidence"].empty());
      const std::string upload_to = base + "/evidence/" +
                               std::to_string(with_evidence["evidence"][0]["id"].get<int64_t>()) +
                               "/file?file_name=screenshot.png";
      auto upload = client->As(officer, "PUT", upload_to, std::string("bytes"), "application/octet-stream");
      if (expected->second.illegal) {
        EXPECT_TRUE(upload.status == 409 || upload.status == 422) << upload.status;
        EXPECT_THAT(upload.body, HasSubstr("Chart 3"));
      } else {
        EXPECT_EQ(upload.status, 200) << upload.body.substr(0, 300);
      }
    }
  }
  EXPECT_GE(paths, ExpectedOutcomes().size());
  for (const auto& [key, _] : ExpectedOutcomes()) EXPECT_THAT(reached, Contains(key)) << "no path reaches " << key;
}

// An incident whose walk has not reached an outcome refuses a file while any
// outcome still ahead may involve illegal material (nothing is uploaded on a guess).
TEST_F(EveryPath, AnUnfinishedWalkThatMayLeadToIllegalMaterialRefusesFiles) {
  Json inc = client->Expect(201, officer, "POST", "/api/v1/incidents",
                            {{"flowchart_id", "suspicious-email"}, {"how_identified", "staff_report"},
                             {"description", "an e-mail nobody has opened"}});
  EXPECT_EQ(inc["illegal_material"], true);
  const std::string base = "/api/v1/incidents/" + std::to_string(inc["id"].get<int64_t>());
  Json ev = client->Expect(201, officer, "POST", base + "/evidence",
                           {{"what", "the e-mail, unopened"}, {"held_where", "a folder in the head's mailbox"},
                            {"secured_by", "the e-safety officer"}, {"secured_at", "2026-12-01"}});
  const std::string upload =
      base + "/evidence/" + std::to_string(ev["evidence"][0]["id"].get<int64_t>()) + "/file?file_name=mail.eml";
  EXPECT_EQ(client->As(officer, "PUT", upload, std::string("x"), "application/octet-stream").status, 409);
  // Answered as a scam: nothing illegal can follow, and the file is accepted.
  Json answered = client->Expect(200, officer, "POST", base + "/answers", {{"answers", {{"content", "scam"}}}});
  EXPECT_EQ(answered["illegal_material"], false);
  EXPECT_EQ(client->As(officer, "PUT", upload, std::string("x"), "application/octet-stream").status, 200);
}

}  // namespace
}  // namespace esafe::incidents
