// What the seeds say is right for the three Annex F case studies and the Annex
// D dilemma cards (seeds 004): the flowchart and answers a member of staff
// would give, and the risk level, who must be told (in order, and how soon) and
// the required actions and prohibitions the outcome must carry. One table, so
// that the capability's acceptance tests (scenarios_test.cc) and the API's
// (incident_routes_test.cc) check the same expectations.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "incidents/vocabulary.h"

namespace esafe::incidents::annex {

using Json = nlohmann::json;

// When the cases are recorded as reported; "at once" means due at this time.
inline constexpr const char* kReportedAt = "2024-03-01T09:00:00Z";

struct Case {
  const char* name;
  const char* flowchart;
  Json answers;
  Json extra = Json::object();                 // other incident fields the case gives
  const char* risk = "";
  const char* category = nullptr;              // the category the record must end with, when the seeds say
  std::vector<std::string> told;               // must be among those told
  std::vector<std::string> not_told;           // must not be told
  std::vector<std::string> told_at_once;       // told with a due time of the moment it was reported
  std::vector<std::pair<std::string, std::string>> told_before;  // (a, b): a is told before b
  std::string told_first;                      // the first to be told, when the seeds say
  std::vector<std::string> actions;            // fragments of required actions; "a|b": either
  std::vector<std::string> must_not;           // fragments of what must not be done
};

// ---- Reading an incident as the API returns it ----

// The escalation targets the required actions say must be told, in order.
inline std::vector<std::string> Told(const Json& incident) {
  std::vector<std::string> out;
  for (const auto& a : incident["actions"]) {
    if (!a["notify"].is_null()) out.push_back(a["notify"]);
  }
  return out;
}
inline std::string DueFor(const Json& incident, const std::string& notify) {
  for (const auto& a : incident["actions"]) {
    if (a["notify"] == notify) return a["due_at"];
  }
  return "";
}
inline bool HasAction(const Json& incident, const std::string& fragment) {
  for (const auto& a : incident["actions"]) {
    if (a["what"].get<std::string>().find(fragment) != std::string::npos) return true;
  }
  return false;
}
inline std::string MustNot(const Json& incident) {
  std::string out;
  for (const auto& m : incident["must_not"]) out += m.get<std::string>() + "\n";
  return out;
}
inline bool Before(const std::vector<std::string>& order, const std::string& a, const std::string& b) {
  auto ia = std::find(order.begin(), order.end(), a), ib = std::find(order.begin(), order.end(), b);
  return ia != order.end() && ib != order.end() && ia < ib;
}

// Checks a recorded incident against what the seeds say for `c`.
inline void ExpectOutcome(const Json& incident, const Case& c) {
  using ::testing::Contains;
  using ::testing::HasSubstr;
  using ::testing::Not;
  ASSERT_TRUE(incident.is_object()) << incident.dump();
  EXPECT_EQ(incident["risk_level"], c.risk);
  if (c.category) {
    EXPECT_EQ(incident["category"], c.category);
  }
  auto told = Told(incident);
  for (const auto& who : c.told) EXPECT_THAT(told, Contains(who));
  for (const auto& who : c.not_told) EXPECT_THAT(told, Not(Contains(who)));
  for (const auto& who : c.told_at_once) {
    EXPECT_EQ(DueFor(incident, who), kReportedAt) << who << " at once";
  }
  for (const auto& [a, b] : c.told_before) {
    EXPECT_TRUE(Before(told, a, b)) << a << " before " << b;
  }
  if (!c.told_first.empty()) {
    ASSERT_FALSE(told.empty());
    EXPECT_EQ(told.front(), c.told_first);
  }
  for (const auto& fragment : c.actions) {
    bool any = false;
    size_t start = 0;
    while (true) {
      size_t bar = fragment.find('|', start);
      any |= HasAction(incident, fragment.substr(start, bar == std::string::npos ? std::string::npos : bar - start));
      if (bar == std::string::npos) break;
      start = bar + 1;
    }
    EXPECT_TRUE(any) << "required action: " << fragment;
  }
  for (const auto& fragment : c.must_not) EXPECT_THAT(MustNot(incident), HasSubstr(fragment));
  if (std::string(c.risk) == "significant_risk") {
    bool escalated = false;
    for (const auto& t : told) escalated |= incidents::Contains(ReferralTargets(), t);
    EXPECT_TRUE(escalated) << "significant risk must be escalated";
  }
  EXPECT_FALSE(incident["actions"].empty());
}

// ---- The cases ----

// Annex F: 1, child abuse images on a looked-after young person's computer (the
// fostering agency should have told social care and the police at once; social
// care should have involved the partnership e-safety lead; nobody views the
// images; the sister's safety had to be considered); 2, a Year 9 girl reveals a
// man made her strip on webcam (social care, joint interview with police, a
// written record within 12 hours, Annex E); 3, a video posted by girls at
// school, dealt with under the anti-bullying policy, removed by them.
inline const std::vector<Case>& AnnexFCases() {
  static const std::vector<Case> cases = {
      {.name = "Annex F case 1: child abuse images on a looked-after young person's computer",
       .flowchart = "suspected-illegal-content",
       .answers = {{"kind", "child_abuse_images"}, {"where", "known_person"}},
       .extra = {{"how_identified", "found_on_device"}, {"device_owner", "child_personal"},
                 {"technology", "home computer (not connected)"}},
       .risk = "significant_risk", .category = "accidental_illegal",
       .told = {"childrens_social_care", "police", "partnership_esafety_lead"},
       .told_at_once = {"childrens_social_care", "police"},
       .told_before = {{"police", "partnership_esafety_lead"}},
       .actions = {"every child the person can reach", "Do not tell the person"},
       .must_not = {"view", "social workers"}},
      {.name = "Annex F case 2: revelation of abuse on webcam",
       .flowchart = "child-discloses-abuse",
       .answers = {{"danger", "no"}, {"what_told", "abuse"}},
       .extra = {{"how_identified", "child_disclosure"}, {"category", "sexual_exploitation"},
                 {"technology", "webcam"}},
       .risk = "significant_risk", .category = "sexual_exploitation",
       .told = {"ceop"},
       .told_at_once = {"childrens_social_care"},
       .told_before = {{"childrens_social_care", "police"}},
       .told_first = "designated_safeguarding_lead",
       .actions = {"written record", "cannot keep it secret", "for the police to preserve"},
       .must_not = {"Do not promise confidentiality", "leading questions"}},
      {.name = "Annex F case 3: cyberbullying video posted by pupils",
       .flowchart = "cyberbullying",
       .answers = {{"sexual_images", "no"}, {"harm_self", "no"}, {"who_posted", "ours"}},
       .extra = {{"how_identified", "child_disclosure"}, {"service", "video-sharing site"}},
       .risk = "encourage_safe_behaviour", .category = "bullying_harassment",
       .told = {"senior_manager"},
       .not_told = {"service_provider", "police"},
       .actions = {"anti-bullying policy", "remove the content", "did the right thing|right thing to do"}},
  };
  return cases;
}

// Annex D Part 1 dilemma cards, graded on the three Annex D levels, with Part 3
// ('What happened next?') for who was involved.
inline const std::vector<Case>& AnnexDCards() {
  static const std::vector<Case> cards = {
      {.name = "Anika: prize pop-up in an ICT lesson, closed", .flowchart = "inappropriate-content-child",
       .answers = {{"how", "advert_closed"}}, .risk = "little_or_no_danger", .not_told = {"police", "parents_carers"}},
      {.name = "Millie: upsetting pictures by accident in an internet cafe", .flowchart = "inappropriate-content-child",
       .answers = {{"how", "accident"}, {"where", "no"}}, .risk = "encourage_safe_behaviour",
       .told = {"parents_carers"}, .not_told = {"police"}},
      {.name = "Robert: 'adult sex' link in a class search on Thailand", .flowchart = "inappropriate-content-child",
       .answers = {{"how", "accident"}, {"where", "yes"}}, .risk = "encourage_safe_behaviour",
       .told = {"filtering_provider", "esafety_officer"}, .not_told = {"police"}},
      {.name = "Mrs Morisson: boy printing hardcore pornography in the ICT suite",
       .flowchart = "inappropriate-content-child", .answers = {{"how", "deliberate"}, {"what_kind", "adult"}},
       .risk = "encourage_safe_behaviour", .told = {"parents_carers", "filtering_provider"},
       .not_told = {"police", "iwf"}},
      {.name = "Shona: friend starving herself, thin-model websites", .flowchart = "inappropriate-content-child",
       .answers = {{"how", "deliberate"}, {"what_kind", "harmful"}}, .risk = "significant_risk",
       .told = {"designated_safeguarding_lead", "health"}, .not_told = {"police"}},
      {.name = "David: webcam 'friend' asks for things he is uncomfortable with", .flowchart = "child-discloses-abuse",
       .answers = {{"danger", "no"}, {"what_told", "grooming"}}, .risk = "significant_risk",
       .told = {"ceop", "police"}},
      {.name = "Sophie: older online 'boyfriend' sending explicit messages", .flowchart = "child-discloses-abuse",
       .answers = {{"danger", "no"}, {"what_told", "grooming"}}, .risk = "significant_risk",
       .told = {"ceop", "designated_safeguarding_lead"}},
      {.name = "Jack: online 'friend' asks to meet in the park in secret tomorrow", .flowchart = "child-discloses-abuse",
       .answers = {{"danger", "yes"}}, .risk = "significant_risk", .told = {"police"}},
      {.name = "Ahmed: 'you could win a camera' e-mail", .flowchart = "suspicious-email",
       .answers = {{"content", "scam"}}, .risk = "encourage_safe_behaviour", .told = {"esafety_officer"},
       .not_told = {"police", "iwf"}},
      {.name = "Edith: hate website with a vote, posters unknown", .flowchart = "cyberbullying",
       .answers = {{"sexual_images", "no"}, {"harm_self", "no"}, {"who_posted", "unknown_or_elsewhere"}},
       .risk = "encourage_safe_behaviour", .told = {"parents_carers", "service_provider"}, .not_told = {"police"}},
      {.name = "Liam: trousers pulled down on the bus and videoed by pupils", .flowchart = "cyberbullying",
       .answers = {{"sexual_images", "no"}, {"harm_self", "no"}, {"who_posted", "ours"}},
       .risk = "encourage_safe_behaviour", .told = {"senior_manager", "parents_carers"}},
      {.name = "Paige: topless photo posted by her ex-boyfriend", .flowchart = "cyberbullying",
       .answers = {{"sexual_images", "yes"}}, .risk = "significant_risk",
       .told = {"police", "service_provider", "designated_safeguarding_lead"}},
      {.name = "A teacher's laptop: abusive image of a child in temporary internet files",
       .flowchart = "suspected-illegal-content", .answers = {{"kind", "child_abuse_images"}, {"where", "staff_device"}},
       .risk = "significant_risk", .told = {"police", "lado", "senior_manager"}},
      {.name = "USB stick found in the playground: photos of partially dressed teenage girls",
       .flowchart = "suspected-illegal-content", .answers = {{"kind", "child_abuse_images"}, {"where", "found_device"}},
       .risk = "significant_risk", .told = {"police"}},
      {.name = "Mr Webster: adult pornography on a donated computer, there before it came", .flowchart = "staff-misuse",
       .answers = {{"what", "inappropriate"}, {"whose_doing", "no"}}, .risk = "little_or_no_danger",
       .told = {"esafety_officer"}, .not_told = {"police", "lado"}},
      {.name = "Sunshine Primary's technician suspected of viewing child abuse images", .flowchart = "staff-misuse",
       .answers = {{"what", "illegal"}, {"infrastructure", "yes"}}, .risk = "significant_risk",
       .told = {"filtering_provider", "police", "lado"}},
  };
  return cards;
}

}  // namespace esafe::incidents::annex
