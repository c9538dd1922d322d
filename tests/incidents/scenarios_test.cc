// Acceptance: the three Annex F case studies and Annex D dilemma cards (seeds
// 004) replayed through the capability API. Each yields the risk level, the
// people told (in order) and the required actions the seeds say are right.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "incident_fixture.h"

namespace esafe::incidents {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

class Scenarios : public IncidentFixture {};

// Annex F case study 1: a foster carer's son finds child abuse images on a
// looked-after young person's computer. The seeds: the fostering agency should
// have told social care and the police at once; social care should have
// involved the partnership e-safety lead; nobody should view the images; the
// young person's sister's safety had to be considered.
TEST_F(Scenarios, AnnexFCase1ChildAbuseImages) {
  auto agency_officer = Officer(fostering);
  Json inc = Record(agency_officer, "suspected-illegal-content",
                    {{"kind", "child_abuse_images"}, {"where", "known_person"}},
                    {{"how_identified", "found_on_device"}, {"device_owner", "child_personal"},
                     {"technology", "home computer (not connected)"}});
  int64_t id = inc["id"];
  EXPECT_EQ(inc["category"], "accidental_illegal");
  EXPECT_EQ(inc["risk_level"], "significant_risk");
  auto told = Told(inc);
  EXPECT_THAT(told, Contains("childrens_social_care"));
  EXPECT_THAT(told, Contains("police"));
  EXPECT_THAT(told, Contains("partnership_esafety_lead"));
  EXPECT_EQ(DueFor(inc, "childrens_social_care"), "2024-03-01T09:00:00Z");  // at once, not a week later
  EXPECT_EQ(DueFor(inc, "police"), "2024-03-01T09:00:00Z");
  EXPECT_TRUE(Before(told, "police", "partnership_esafety_lead"));
  EXPECT_TRUE(HasAction(inc, "every child the person can reach"));
  EXPECT_TRUE(HasAction(inc, "Do not tell the person"));
  EXPECT_THAT(MustNot(inc), HasSubstr("view"));
  EXPECT_THAT(MustNot(inc), HasSubstr("social workers"));  // the duty manager wanted social workers to look
  // Nobody attaches the images: the record describes the device instead.
  auto evidence = log.AddEvidence(agency_officer, id, {{"what", "young person's desktop computer"},
                                                       {"held_where", "seized by police under warrant"},
                                                       {"secured_by", "police"}, {"secured_at", "2024-04-01"}});
  ASSERT_TRUE(evidence.ok());
  auto refused = log.AttachEvidenceFile(agency_officer, id, (*evidence)["evidence"][0]["id"], "video.avi", "x");
  EXPECT_EQ(refused.error().kind, ErrorKind::kForbidden);
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

// Annex F case study 2: a Year 9 girl, after a lesson on online predators,
// tells the designated teacher a man made her strip on webcam and threatens to
// post the recording. Referral to social care; joint interview with police;
// police preserve evidence on her computer; a written record within 12 hours
// (Annex E).
TEST_F(Scenarios, AnnexFCase2RevelationOfAbuse) {
  auto dsl = Officer(school);
  Json inc = Record(dsl, "child-discloses-abuse", {{"danger", "no"}, {"what_told", "abuse"}},
                    {{"how_identified", "child_disclosure"}, {"category", "sexual_exploitation"},
                     {"technology", "webcam"}});
  EXPECT_EQ(inc["risk_level"], "significant_risk");
  auto told = Told(inc);
  EXPECT_EQ(told.front(), "designated_safeguarding_lead");
  EXPECT_TRUE(Before(told, "childrens_social_care", "police"));
  EXPECT_EQ(DueFor(inc, "childrens_social_care"), "2024-03-01T09:00:00Z");
  EXPECT_THAT(told, Contains("ceop"));
  EXPECT_TRUE(HasAction(inc, "written record"));
  EXPECT_TRUE(HasAction(inc, "cannot keep it secret"));
  EXPECT_TRUE(HasAction(inc, "for the police to preserve"));
  EXPECT_THAT(MustNot(inc), HasSubstr("Do not promise confidentiality"));
  EXPECT_THAT(MustNot(inc), HasSubstr("leading questions"));
}

// Annex F case study 3: a Year 9 girl tells the school nurse a video of her
// has been posted by girls at school; the head records it, investigates under
// the anti-bullying policy, sanctions the girls, who remove the video, so the
// site need not be contacted.
TEST_F(Scenarios, AnnexFCase3Cyberbullying) {
  auto nurse = Staff(school);
  Json inc = Record(nurse, "cyberbullying", {{"sexual_images", "no"}, {"harm_self", "no"}, {"who_posted", "ours"}},
                    {{"how_identified", "child_disclosure"}, {"service", "video-sharing site"}});
  EXPECT_EQ(inc["category"], "bullying_harassment");
  EXPECT_EQ(inc["risk_level"], "encourage_safe_behaviour");
  auto told = Told(inc);
  EXPECT_THAT(told, Contains("senior_manager"));
  EXPECT_THAT(told, Not(Contains("service_provider")));
  EXPECT_THAT(told, Not(Contains("police")));
  EXPECT_TRUE(HasAction(inc, "anti-bullying policy"));
  EXPECT_TRUE(HasAction(inc, "remove the content"));
  EXPECT_TRUE(HasAction(inc, "did the right thing") || HasAction(inc, "right thing to do"));
}

struct Card {
  const char* name;       // the dilemma card
  const char* flowchart;
  Json answers;
  const char* risk;
  std::vector<std::string> told;      // must be among those told
  std::vector<std::string> not_told;  // must not be told
};

// Annex D Part 1 dilemma cards, graded on the three Annex D levels, with Part 3
// ('What happened next?') for who was involved.
TEST_F(Scenarios, AnnexDDilemmaCards) {
  const std::vector<Card> cards = {
      {"Anika: prize pop-up in an ICT lesson, closed", "inappropriate-content-child", {{"how", "advert_closed"}},
       "little_or_no_danger", {}, {"police", "parents_carers"}},
      {"Millie: upsetting pictures by accident in an internet cafe", "inappropriate-content-child",
       {{"how", "accident"}, {"where", "no"}}, "encourage_safe_behaviour", {"parents_carers"}, {"police"}},
      {"Robert: 'adult sex' link in a class search on Thailand", "inappropriate-content-child",
       {{"how", "accident"}, {"where", "yes"}}, "encourage_safe_behaviour", {"filtering_provider", "esafety_officer"},
       {"police"}},
      {"Mrs Morisson: boy printing hardcore pornography in the ICT suite", "inappropriate-content-child",
       {{"how", "deliberate"}, {"what_kind", "adult"}}, "encourage_safe_behaviour",
       {"parents_carers", "filtering_provider"}, {"police", "iwf"}},
      {"Shona: friend starving herself, thin-model websites", "inappropriate-content-child",
       {{"how", "deliberate"}, {"what_kind", "harmful"}}, "significant_risk",
       {"designated_safeguarding_lead", "health"}, {"police"}},
      {"David: webcam 'friend' asks for things he is uncomfortable with", "child-discloses-abuse",
       {{"danger", "no"}, {"what_told", "grooming"}}, "significant_risk", {"ceop", "police"}, {}},
      {"Sophie: older online 'boyfriend' sending explicit messages", "child-discloses-abuse",
       {{"danger", "no"}, {"what_told", "grooming"}}, "significant_risk", {"ceop", "designated_safeguarding_lead"},
       {}},
      {"Jack: online 'friend' asks to meet in the park in secret tomorrow", "child-discloses-abuse",
       {{"danger", "yes"}}, "significant_risk", {"police"}, {}},
      {"Ahmed: 'you could win a camera' e-mail", "suspicious-email", {{"content", "scam"}},
       "encourage_safe_behaviour", {"esafety_officer"}, {"police", "iwf"}},
      {"Edith: hate website with a vote, posters unknown", "cyberbullying",
       {{"sexual_images", "no"}, {"harm_self", "no"}, {"who_posted", "unknown_or_elsewhere"}},
       "encourage_safe_behaviour", {"parents_carers", "service_provider"}, {"police"}},
      {"Liam: trousers pulled down on the bus and videoed by pupils", "cyberbullying",
       {{"sexual_images", "no"}, {"harm_self", "no"}, {"who_posted", "ours"}}, "encourage_safe_behaviour",
       {"senior_manager", "parents_carers"}, {}},
      {"Paige: topless photo posted by her ex-boyfriend", "cyberbullying", {{"sexual_images", "yes"}},
       "significant_risk", {"police", "service_provider", "designated_safeguarding_lead"}, {}},
      {"A teacher's laptop: abusive image of a child in temporary internet files", "suspected-illegal-content",
       {{"kind", "child_abuse_images"}, {"where", "staff_device"}}, "significant_risk",
       {"police", "lado", "senior_manager"}, {}},
      {"USB stick found in the playground: photos of partially dressed teenage girls", "suspected-illegal-content",
       {{"kind", "child_abuse_images"}, {"where", "found_device"}}, "significant_risk", {"police"}, {}},
      {"Mr Webster: adult pornography on a donated computer, there before it came", "staff-misuse",
       {{"what", "inappropriate"}, {"whose_doing", "no"}}, "little_or_no_danger", {"esafety_officer"},
       {"police", "lado"}},
      {"Sunshine Primary's technician suspected of viewing child abuse images", "staff-misuse",
       {{"what", "illegal"}, {"infrastructure", "yes"}}, "significant_risk",
       {"filtering_provider", "police", "lado"}, {}},
  };
  auto officer = Officer(school);
  for (const auto& card : cards) {
    SCOPED_TRACE(card.name);
    Json inc = Record(officer, card.flowchart, card.answers);
    ASSERT_FALSE(inc.is_null());
    EXPECT_EQ(inc["risk_level"], card.risk);
    auto told = Told(inc);
    for (const auto& who : card.told) EXPECT_THAT(told, Contains(who));
    for (const auto& who : card.not_told) EXPECT_THAT(told, Not(Contains(who)));
    if (std::string(card.risk) == "significant_risk") {
      bool escalated = false;
      for (const auto& t : told) escalated |= incidents::Contains(ReferralTargets(), t);
      EXPECT_TRUE(escalated) << "significant risk must be escalated";
    }
    EXPECT_FALSE(inc["actions"].empty());
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
}

}  // namespace
}  // namespace esafe::incidents
