// Acceptance: the three Annex F case studies and Annex D dilemma cards (seeds
// 004) replayed through the capability API. Each yields the risk level, the
// people told (in order) and the required actions the seeds say are right.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "annex_cases.h"
#include "incident_fixture.h"

namespace esafe::incidents {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

class Scenarios : public IncidentFixture {};

// The expectations for each case live in annex_cases.h, shared with the API's
// acceptance test (incident_routes_test.cc).
// Annex F case study 1, and what happens next: the images are never attached
// (the record describes the device), the police and social care are told, and
// social care acknowledges the shared incident.
TEST_F(Scenarios, AnnexFCase1ChildAbuseImages) {
  const auto& c = annex::AnnexFCases()[0];
  auto agency_officer = Officer(fostering);
  Json inc = Record(agency_officer, c.flowchart, c.answers, c.extra);
  annex::ExpectOutcome(inc, c);
  int64_t id = inc["id"];
  // Nobody attaches the images: the record describes the device instead.
  auto evidence = log.AddEvidence(agency_officer, id, {{"what", "young person's desktop computer"},
                                                       {"held_where", "seized by police under warrant"},
                                                       {"secured_by", "police"}, {"secured_at", "2024-04-01"}});
  ASSERT_TRUE(evidence.ok());
  auto refused = log.AttachEvidenceFile(agency_officer, id, (*evidence)["evidence"][0]["id"], "video.avi", "x");
  EXPECT_EQ(refused.error().kind, ErrorKind::kConflict);
  EXPECT_THAT(refused.error().message, HasSubstr("Chart 3"));
  // Referring to social care (a member agency) and the police; social care acknowledges.
  ASSERT_TRUE(log.AddReferral(agency_officer, id, {{"target", "childrens_social_care"}}).ok());
  ASSERT_TRUE(log.AddReferral(agency_officer, id, {{"target", "police"}, {"reference_number", "CAIT/0001"}}).ok());
  ASSERT_TRUE(log.AddReferral(agency_officer, id, {{"target", "member_agency"}, {"agency_id", social_care}}).ok());
  ASSERT_TRUE(log.Acknowledge(Officer(social_care), id).ok());
  auto now = log.Get(agency_officer, id);
  std::vector<std::string> still_open;
  for (const auto& a : (*now)["actions"]) {
    if (a["open"] == true && !a["notify"].is_null()) still_open.push_back(a["notify"]);
  }
  EXPECT_THAT(still_open, Not(Contains("police")));
  EXPECT_THAT(still_open, Not(Contains("childrens_social_care")));
  EXPECT_THAT(still_open, Contains("partnership_esafety_lead"));
}

// Annex F case study 2, recorded by the designated teacher.
TEST_F(Scenarios, AnnexFCase2RevelationOfAbuse) {
  const auto& c = annex::AnnexFCases()[1];
  annex::ExpectOutcome(Record(Officer(school), c.flowchart, c.answers, c.extra), c);
}

// Annex F case study 3, recorded by the school nurse (a member of staff).
TEST_F(Scenarios, AnnexFCase3Cyberbullying) {
  const auto& c = annex::AnnexFCases()[2];
  annex::ExpectOutcome(Record(Staff(school), c.flowchart, c.answers, c.extra), c);
}

// Annex E, the steps a teacher follows when a child confides abuse.
TEST_F(Scenarios, AnnexEDisclosureSteps) {
  const auto& c = annex::AnnexEDisclosureSteps();
  annex::ExpectOutcome(Record(Staff(school), c.flowchart, c.answers, c.extra), c);
}

TEST_F(Scenarios, AnnexDDilemmaCards) {
  auto officer = Officer(school);
  for (const auto& card : annex::AnnexDCards()) {
    SCOPED_TRACE(card.name);
    Json inc = Record(officer, card.flowchart, card.answers, card.extra);
    ASSERT_FALSE(inc.is_null());
    annex::ExpectOutcome(inc, card);
  }
}

// When the suspected person runs the network, logs are preserved by someone
// independent of them (Section 3, 'Infrastructure staff').
TEST_F(Scenarios, InfrastructureStaffSuspectedPreserveLogsIndependently) {
  Json inc = Record(Officer(school), "staff-misuse", {{"what", "illegal"}, {"infrastructure", "yes"}});
  EXPECT_TRUE(HasAction(inc, "preserve the logs independently"));
  EXPECT_THAT(MustNot(inc), HasSubstr("Do not ask the suspected person"));
  Json other = Record(Officer(school), "staff-misuse", {{"what", "contact_with_child"}});
  EXPECT_THAT(Told(other), Contains("lado"));
  EXPECT_TRUE(HasAction(other, "independent of the person"));
}

}  // namespace
}  // namespace esafe::incidents
