// What the seeds say is right for the three Annex F case studies, every Annex D
// dilemma card and its "What happened next?" page, and the Annex E disclosure
// steps (seeds 004): the flowchart and answers a member of staff would give from
// the card's text alone (written before looking at the outcome), and the risk
// level, who must be told (in order, and how soon), the required actions and the
// prohibitions the outcome must carry. One table, so that the capability's
// acceptance tests (scenarios_test.cc) and the API's (incident_routes_test.cc)
// check the same expectations.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>
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
  std::vector<std::string> must_not_absent;    // fragments the must-not list must not carry
  int illegal = -1;                            // 1: may involve illegal material; 0: not; -1: not stated
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
  for (const auto& fragment : c.must_not_absent) EXPECT_THAT(MustNot(incident), Not(HasSubstr(fragment)));
  if (c.illegal >= 0) {
    EXPECT_EQ(incident["illegal_material"], c.illegal == 1) << "illegal_material";
  }
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
       .actions = {"every child the person can reach"},
       .must_not = {"view", "social workers", "Do not tell the person"}, .illegal = 1},
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
       .must_not = {"Do not promise confidentiality", "leading"}, .illegal = 1},
      {.name = "Annex F case 3: cyberbullying video posted by pupils",
       .flowchart = "cyberbullying",
       .answers = {{"sexual_images", "no"}, {"harm_self", "no"}, {"who_posted", "ours"}},
       .extra = {{"how_identified", "child_disclosure"}, {"service", "video-sharing site"}},
       .risk = "encourage_safe_behaviour", .category = "bullying_harassment",
       .told = {"senior_manager"},
       .not_told = {"service_provider", "police"},
       .actions = {"anti-bullying policy", "remove the content", "did the right thing|right thing to do"},
       .illegal = 0},
  };
  return cases;
}

// Annex E, the steps for a teacher a child confides in: a private place; calm,
// serious listening; not to blame; no promise of confidentiality; "you will have
// to tell other people"; few, open questions, no leading ones; the designated
// person refers to children's social care immediately; a written record within
// 12 hours; support for the teacher.
inline const Case& AnnexEDisclosureSteps() {
  static const Case c = {
      .name = "Annex E: a child discloses abuse to a teacher",
      .flowchart = "child-discloses-abuse",
      .answers = {{"danger", "no"}, {"what_told", "abuse"}},
      .extra = {{"how_identified", "child_disclosure"}},
      .risk = "significant_risk",
      .told = {"designated_safeguarding_lead", "childrens_social_care"},
      .told_at_once = {"designated_safeguarding_lead", "childrens_social_care"},
      .told_before = {{"designated_safeguarding_lead", "childrens_social_care"}},
      .told_first = "designated_safeguarding_lead",
      .actions = {"private", "not to blame", "own words", "cannot keep it secret", "written record", "support"},
      .must_not = {"promise confidentiality", "leading", "repeat their account", "family first"},
      .illegal = 1};
  return c;
}

// Annex D Part 1, every dilemma card, graded on the three Annex D levels from the
// card's text alone; and Part 3, "What happened next?", for the cards that have
// one, answered from what that page adds. Answers are what a teacher, social
// worker or youth worker would pick reading the card, not what makes a test pass.
inline const std::vector<Case>& AnnexDCards() {
  static const std::vector<Case> cards = {
      // Felix, 12: a pop-up from 'Justin, 10' asking him to e-mail; nothing more yet.
      {.name = "Felix: pop-up message from a stranger", .flowchart = "online-safety-concern",
       .answers = {{"concern", "contact"}, {"contact_further", "no"}}, .risk = "encourage_safe_behaviour",
       .told = {"parents_carers"}, .not_told = {"police", "childrens_social_care"}},
      {.name = "Felix, what happened next: ignored it and closed it", .flowchart = "online-safety-concern",
       .answers = {{"concern", "contact"}, {"contact_further", "handled"}}, .risk = "little_or_no_danger",
       .not_told = {"police", "parents_carers"}},
      // Millie: upsetting pictures found by accident in an internet café.
      {.name = "Millie: upsetting pictures by accident in an internet cafe", .flowchart = "inappropriate-content-child",
       .answers = {{"how", "accident"}, {"where", "no"}}, .risk = "encourage_safe_behaviour",
       .told = {"parents_carers"}, .not_told = {"police"}, .illegal = 0},
      {.name = "Millie, what happened next: told her mum, who reassured her", .flowchart = "inappropriate-content-child",
       .answers = {{"how", "accident"}, {"where", "no"}}, .risk = "encourage_safe_behaviour",
       .told = {"parents_carers"}, .not_told = {"police"}, .actions = {"not their fault"}},
      // Osian: an online 'friend' asks for his address and phone number.
      {.name = "Osian: online 'friend' asks for his address and phone number", .flowchart = "online-safety-concern",
       .answers = {{"concern", "contact"}, {"contact_further", "no"}}, .risk = "encourage_safe_behaviour",
       .told = {"parents_carers"}, .not_told = {"police"}, .actions = {"personal details private"}},
      {.name = "Osian, what happened next: the 'friend' was a classmate's cousin; his dad took him",
       .flowchart = "online-safety-concern", .answers = {{"concern", "contact"}, {"contact_further", "handled"}},
       .risk = "little_or_no_danger", .not_told = {"police"}},
      // Kiereen, Year 7: 'We h8 yuhh. We r goin 2 get yuhh l8r' on her mobile.
      {.name = "Kiereen: threatening text on her mobile", .flowchart = "mobile-phone",
       .answers = {{"what", "threats"}}, .risk = "encourage_safe_behaviour",
       .told = {"senior_manager", "parents_carers"}, .not_told = {"police"},
       .actions = {"Keep the messages", "anti-bullying policy"}, .must_not = {"Do not reply"}},
      {.name = "Kiereen, what happened next: classmates had been unkind; she showed her tutor",
       .flowchart = "cyberbullying", .answers = {{"sexual_images", "no"}, {"harm_self", "no"}, {"who_posted", "ours"}},
       .risk = "encourage_safe_behaviour", .told = {"senior_manager", "parents_carers"}, .not_told = {"police"},
       .actions = {"anti-bullying policy"}},
      // Lois: 150 'friends' from shared address books, most unknown to her.
      {.name = "Lois: 150 contacts from a shared address book", .flowchart = "online-safety-concern",
       .answers = {{"concern", "contact"}, {"contact_further", "no"}}, .risk = "encourage_safe_behaviour",
       .told = {"parents_carers"}},
      {.name = "Lois, what happened next: strangers grouped, nothing personal shared, no webcam",
       .flowchart = "online-safety-concern", .answers = {{"concern", "contact"}, {"contact_further", "handled"}},
       .risk = "little_or_no_danger", .not_told = {"police"}},
      // Lee, 10: 'Cool ring tones. Just text YES to download.'
      {.name = "Lee: ring-tone subscription text", .flowchart = "mobile-phone",
       .answers = {{"what", "subscription"}, {"replied", "no"}}, .risk = "little_or_no_danger",
       .told = {"parents_carers"}, .not_told = {"police"}, .must_not = {"Do not reply"}, .illegal = 0},
      {.name = "Lee, what happened next: he replied YES and was charged over GBP 10",
       .flowchart = "mobile-phone", .answers = {{"what", "subscription"}, {"replied", "yes"}},
       .risk = "encourage_safe_behaviour", .told = {"parents_carers", "service_provider"}, .not_told = {"police"},
       .actions = {"stop the subscription", "Keep the texts"}, .must_not_absent = {"Do not reply"}},
      // James, 7: someone in a virtual pizza parlour wants to chat 'outside' and swap e-mails.
      {.name = "James: asked to chat 'outside' a virtual world and swap e-mail addresses",
       .flowchart = "online-safety-concern", .answers = {{"concern", "contact"}, {"contact_further", "no"}},
       .risk = "encourage_safe_behaviour", .told = {"parents_carers"}},
      {.name = "James, what happened next: his mum was beside him and explained",
       .flowchart = "online-safety-concern", .answers = {{"concern", "contact"}, {"contact_further", "handled"}},
       .risk = "little_or_no_danger", .not_told = {"police"}},
      // Surika: a 'cool' site's profile asks for all her personal information.
      {.name = "Surika: a profile page asks for all her personal information", .flowchart = "online-safety-concern",
       .answers = {{"concern", "personal_info"}, {"info_where", "no"}}, .risk = "encourage_safe_behaviour",
       .told = {"parents_carers"}},
      {.name = "Surika, what happened next: she invented a persona", .flowchart = "online-safety-concern",
       .answers = {{"concern", "personal_info"}, {"info_where", "handled"}}, .risk = "little_or_no_danger"},
      // Jago: a friend's public MySpace page carries photos of him.
      {.name = "Jago: photos of him on a friend's public page", .flowchart = "online-safety-concern",
       .answers = {{"concern", "personal_info"}, {"info_where", "no"}}, .risk = "encourage_safe_behaviour",
       .told = {"parents_carers"}},
      {.name = "Jago, what happened next: his friend made the site private", .flowchart = "online-safety-concern",
       .answers = {{"concern", "personal_info"}, {"info_where", "handled"}}, .risk = "little_or_no_danger"},
      // David: a webcam 'friend' asks him to do things he is uncomfortable with.
      {.name = "David: webcam 'friend' asks for things he is uncomfortable with", .flowchart = "child-discloses-abuse",
       .answers = {{"danger", "no"}, {"what_told", "grooming"}}, .risk = "significant_risk",
       .told = {"ceop", "police", "childrens_social_care"}, .told_at_once = {"childrens_social_care"},
       .told_first = "designated_safeguarding_lead", .illegal = 1},
      // Shona: her friend is starving herself and admires thin-model websites.
      {.name = "Shona: friend starving herself, thin-model websites", .flowchart = "inappropriate-content-child",
       .answers = {{"how", "deliberate"}, {"what_kind", "harmful"}}, .risk = "significant_risk",
       .told = {"designated_safeguarding_lead", "health"}, .not_told = {"police"}},
      {.name = "Shona, what happened next: the friends told their drama group leader",
       .flowchart = "online-safety-concern", .answers = {{"concern", "wellbeing"}, {"wellbeing_what", "self_harm"}},
       .risk = "significant_risk", .told = {"designated_safeguarding_lead", "health"}, .not_told = {"police"}},
      // Ahmed: 'Your details have been safely received... you could win a digital camera.'
      {.name = "Ahmed: 'you could win a camera' e-mail", .flowchart = "suspicious-email",
       .answers = {{"content", "scam"}}, .risk = "encourage_safe_behaviour", .told = {"esafety_officer"},
       .not_told = {"police", "iwf"}, .actions = {"investigation is complete"}, .must_not = {"Do not click"},
       .illegal = 0},
      {.name = "Ahmed, what happened next: recognised the scam, warned friends and teachers",
       .flowchart = "suspicious-email", .answers = {{"content", "scam"}}, .risk = "encourage_safe_behaviour",
       .told = {"esafety_officer"}, .not_told = {"police", "iwf"}, .actions = {"Warn colleagues or classmates"}},
      // Jack: an online 'friend' asks him to meet in the park in the holidays.
      {.name = "Jack: online 'friend' asks to meet in the park", .flowchart = "child-discloses-abuse",
       .answers = {{"danger", "yes"}}, .risk = "significant_risk", .told = {"police", "childrens_social_care"},
       .told_at_once = {"police", "childrens_social_care"}},
      {.name = "Jack, what happened next: he went with his dad, and the friend's dad came too",
       .flowchart = "online-safety-concern", .answers = {{"concern", "contact"}, {"contact_further", "handled"}},
       .risk = "little_or_no_danger", .not_told = {"police"}},
      // Anika: a prize pop-up in an ICT lesson.
      {.name = "Anika: prize pop-up in an ICT lesson", .flowchart = "inappropriate-content-child",
       .answers = {{"how", "advert_closed"}}, .risk = "little_or_no_danger", .not_told = {"police", "parents_carers"}},
      {.name = "Anika, what happened next: she knew it was an advert and closed it",
       .flowchart = "inappropriate-content-child", .answers = {{"how", "advert_closed"}},
       .risk = "little_or_no_danger", .not_told = {"police"}, .actions = {"did the right thing"}},
      // Isobel: her friend is down and takes advice from others online who feel the same.
      {.name = "Isobel: friend feeling down, taking advice from others online", .flowchart = "online-safety-concern",
       .answers = {{"concern", "wellbeing"}, {"wellbeing_what", "not_sure"}}, .risk = "significant_risk",
       .told = {"designated_safeguarding_lead", "health"}},
      {.name = "Isobel, what happened next: she gave her friend ChildLine's details",
       .flowchart = "online-safety-concern", .answers = {{"concern", "wellbeing"}, {"wellbeing_what", "not_sure"}},
       .risk = "significant_risk", .told = {"designated_safeguarding_lead", "health"}},
      // Karl: a friend suggests bidding on a sister's signed-in auction account.
      {.name = "Karl: 'Let's make some bids!' on a sister's account", .flowchart = "online-safety-concern",
       .answers = {{"concern", "money"}, {"money_lost", "no"}}, .risk = "encourage_safe_behaviour",
       .told = {"parents_carers"}, .not_told = {"police"}},
      {.name = "Karl, what happened next: he e-mailed himself the item instead", .flowchart = "online-safety-concern",
       .answers = {{"concern", "money"}, {"money_lost", "handled"}}, .risk = "little_or_no_danger"},
      // Sophie: a secret older 'boyfriend' online now sends explicit messages.
      {.name = "Sophie: older online 'boyfriend' sending explicit messages", .flowchart = "child-discloses-abuse",
       .answers = {{"danger", "no"}, {"what_told", "grooming"}}, .risk = "significant_risk",
       .told = {"ceop", "designated_safeguarding_lead", "childrens_social_care"},
       .told_at_once = {"childrens_social_care"}, .must_not = {"Do not delete the messages"}, .illegal = 1},
      {.name = "Sophie, what happened next: she reported him with the 'report abuse' button",
       .flowchart = "child-discloses-abuse", .answers = {{"danger", "no"}, {"what_told", "grooming"}},
       .risk = "significant_risk", .told = {"ceop", "childrens_social_care"}},
      // Edith: a classmates' website is horrible about her, with a hate 'vote'.
      {.name = "Edith: hate website with a vote, posters unknown", .flowchart = "cyberbullying",
       .answers = {{"sexual_images", "no"}, {"harm_self", "no"}, {"who_posted", "unknown_or_elsewhere"}},
       .risk = "encourage_safe_behaviour", .told = {"parents_carers", "service_provider"}, .not_told = {"police"}},
      {.name = "Edith, what happened next: parents told the school and the site took it down",
       .flowchart = "cyberbullying",
       .answers = {{"sexual_images", "no"}, {"harm_self", "no"}, {"who_posted", "unknown_or_elsewhere"}},
       .risk = "encourage_safe_behaviour", .told = {"service_provider"}, .actions = {"Report the content to the site"}},
      // Sharima, 14: a public blog of her emerging sexual experiences.
      {.name = "Sharima: public blog of her sexual experiences", .flowchart = "online-safety-concern",
       .answers = {{"concern", "personal_info"}, {"info_where", "yes"}}, .risk = "significant_risk",
       .told = {"designated_safeguarding_lead", "service_provider"}},
      {.name = "Sharima, what happened next: friends told an adult but not the blog's address",
       .flowchart = "online-safety-concern", .answers = {{"concern", "personal_info"}, {"info_where", "yes"}},
       .risk = "significant_risk", .told = {"designated_safeguarding_lead"}},
      // Liam: trousers pulled down on the bus, videoed on pupils' phones. Whether the
      // video is indecent cannot be told from the card: "not sure" is the honest answer.
      {.name = "Liam: trousers pulled down on the bus and videoed by pupils", .flowchart = "cyberbullying",
       .answers = {{"sexual_images", "not_sure"}}, .risk = "significant_risk",
       .told = {"designated_safeguarding_lead", "childrens_social_care", "police"},
       .told_at_once = {"childrens_social_care"}, .must_not = {"Do not look at"}, .illegal = 1},
      {.name = "Liam, what happened next: the driver called the school; videos not posted online",
       .flowchart = "cyberbullying", .answers = {{"sexual_images", "not_sure"}}, .risk = "significant_risk",
       .told = {"designated_safeguarding_lead", "childrens_social_care"}, .illegal = 1},
      // A USB stick found in the playground: photos including teenage girls partially dressed.
      {.name = "USB stick found in the playground: photos of partially dressed teenage girls",
       .flowchart = "suspected-illegal-content", .answers = {{"kind", "not_sure"}, {"where", "found_device"}},
       .risk = "significant_risk", .told = {"police", "childrens_social_care"}, .told_at_once = {"police"},
       .must_not = {"identify the children"}, .illegal = 1},
      {.name = "USB stick, what happened next: police found the owner; pictures circulated without consent",
       .flowchart = "suspected-illegal-content", .answers = {{"kind", "child_abuse_images"}, {"where", "found_device"}},
       .risk = "significant_risk", .told = {"police", "childrens_social_care"}, .illegal = 1},
      // Paige, 13: her topless photo posted by her ex-boyfriend.
      {.name = "Paige: topless photo posted by her ex-boyfriend", .flowchart = "cyberbullying",
       .answers = {{"sexual_images", "yes"}}, .risk = "significant_risk",
       .told = {"police", "service_provider", "designated_safeguarding_lead", "childrens_social_care"},
       .told_at_once = {"designated_safeguarding_lead", "childrens_social_care"}, .illegal = 1},
      // Mr Webster: adult pornography on his classroom computer, which was donated. From
      // the card alone nobody can yet tell whether he put it there: an allegation.
      {.name = "Mr Webster: adult pornography found on his classroom computer", .flowchart = "staff-misuse",
       .answers = {{"what", "inappropriate"}, {"whose_doing", "yes"}}, .risk = "significant_risk",
       .told = {"senior_manager", "lado", "filtering_provider"}, .not_told = {"police"},
       .actions = {"preserve the filtering logs"}, .illegal = 0},
      {.name = "Mr Webster, what happened next: the files predate the donation", .flowchart = "staff-misuse",
       .answers = {{"what", "inappropriate"}, {"whose_doing", "no"}}, .risk = "little_or_no_danger",
       .told = {"esafety_officer"}, .not_told = {"police", "lado"}},
      // Mrs Morisson: a Year 9 boy printing hardcore adult pornography in the ICT suite.
      {.name = "Mrs Morisson: boy printing hardcore pornography in the ICT suite",
       .flowchart = "inappropriate-content-child", .answers = {{"how", "deliberate"}, {"what_kind", "adult"}},
       .risk = "encourage_safe_behaviour", .told = {"parents_carers", "filtering_provider"},
       .not_told = {"police", "iwf"}, .illegal = 0},
      // A teacher's laptop: an abusive image of a child in the temporary internet files.
      {.name = "A teacher's laptop: abusive image of a child in temporary internet files",
       .flowchart = "suspected-illegal-content", .answers = {{"kind", "child_abuse_images"}, {"where", "staff_device"}},
       .risk = "significant_risk", .told = {"police", "lado", "senior_manager", "childrens_social_care"},
       .must_not = {"question or warn"}, .illegal = 1},
      // A social worker visits a sex offender living with his preteen daughter, who has her own webcam.
      {.name = "Social worker: a sex offender's preteen daughter has her own webcam",
       .flowchart = "child-discloses-abuse", .answers = {{"danger", "no"}, {"what_told", "own_concern"}},
       .risk = "significant_risk", .told = {"designated_safeguarding_lead", "childrens_social_care"},
       .told_at_once = {"designated_safeguarding_lead", "childrens_social_care"}},
      // Jess and Dan find pupils' and staff IDs and passwords at an open evening.
      {.name = "Jess and Dan: pupils' and staff passwords left out at an open evening",
       .flowchart = "online-safety-concern", .answers = {{"concern", "passwords"}},
       .risk = "encourage_safe_behaviour", .told = {"esafety_officer", "senior_manager"},
       .told_at_once = {"esafety_officer"}, .actions = {"password reset"}},
      // Mubo, Year 5: labelled photos, home details, route to school and weekly activities online.
      {.name = "Mubo: home details and route to school on her website", .flowchart = "online-safety-concern",
       .answers = {{"concern", "personal_info"}, {"info_where", "yes"}}, .risk = "significant_risk",
       .told = {"designated_safeguarding_lead", "parents_carers", "service_provider"}},
      // A 14-year-old boy took his own life; a website carries hate comments and glee.
      {.name = "A boy took his own life; a hate website about him", .flowchart = "cyberbullying",
       .answers = {{"sexual_images", "no"}, {"harm_self", "yes"}}, .risk = "significant_risk",
       .told = {"designated_safeguarding_lead", "health", "police", "service_provider"}},
      // Elliot, 12: a Year 12 pupil grabs his phone, which uploads straight to his website.
      {.name = "Elliot: phone with an instant upload link grabbed by an older pupil", .flowchart = "mobile-phone",
       .answers = {{"what", "taken"}}, .risk = "encourage_safe_behaviour",
       .told = {"parents_carers", "senior_manager", "service_provider"}, .actions = {"lock the phone"}},
      // Rashid, 10: long hours on an online game, grumpy, locks his door.
      {.name = "Rashid: long hours on an online game, locks his door", .flowchart = "online-safety-concern",
       .answers = {{"concern", "wellbeing"}, {"wellbeing_what", "no"}}, .risk = "encourage_safe_behaviour",
       .told = {"parents_carers"}, .not_told = {"police"}},
      // Russell, 15: his anonymous blog tells local young people where drugs are on offer.
      {.name = "Russell: a blog telling young people where drugs are on offer", .flowchart = "online-safety-concern",
       .answers = {{"concern", "wellbeing"}, {"wellbeing_what", "crime"}}, .risk = "significant_risk",
       .told = {"designated_safeguarding_lead", "police"}},
      // Sunshine Primary: a technician from a pool works on the network one afternoon a week.
      {.name = "Sunshine Primary: a pool technician on the school network", .flowchart = "online-safety-concern",
       .answers = {{"concern", "vetting"}}, .risk = "encourage_safe_behaviour",
       .told = {"senior_manager", "esafety_officer"}, .not_told = {"police", "lado"},
       .actions = {"safer-recruitment checks"}},
      // Joe, Year 1: a new friend 'Tom, also 7' in a virtual world.
      {.name = "Joe: a 'new friend' aged 7 in a virtual world", .flowchart = "online-safety-concern",
       .answers = {{"concern", "contact"}, {"contact_further", "no"}}, .risk = "encourage_safe_behaviour",
       .told = {"parents_carers"}},
      // Reece: worried about his mum meeting strangers from a dating site.
      {.name = "Reece: worried about his mum's online dating", .flowchart = "online-safety-concern",
       .answers = {{"concern", "wellbeing"}, {"wellbeing_what", "no"}}, .risk = "encourage_safe_behaviour",
       .told = {"designated_safeguarding_lead"}, .not_told = {"police"}},
      // A Year 1 class: 55% have had embarrassing or uncomfortable experiences online.
      {.name = "A Year 1 class: 55% report uncomfortable experiences online", .flowchart = "online-safety-concern",
       .answers = {{"concern", "class"}}, .risk = "encourage_safe_behaviour",
       .told = {"esafety_officer", "parents_carers", "designated_safeguarding_lead"}, .actions = {"lessons"}},
      // Jetinda: isolated, long hours online, moblogs several times a day to collected numbers.
      {.name = "Jetinda: isolated, moblogging to online 'friends'", .flowchart = "online-safety-concern",
       .answers = {{"concern", "wellbeing"}, {"wellbeing_what", "no"}}, .risk = "encourage_safe_behaviour",
       .told = {"parents_carers"}},
      // Georgia: an e-mail 'from her bank' asks for her details and PIN.
      {.name = "Georgia: phishing e-mail asking for her PIN", .flowchart = "suspicious-email",
       .answers = {{"content", "scam"}}, .risk = "encourage_safe_behaviour", .told = {"esafety_officer"},
       .must_not = {"PINs"}},
      // Amanda: no internet at home, so she buys her son a games console that goes online by wi-fi.
      {.name = "Amanda: a games console for a son she keeps offline", .flowchart = "online-safety-concern",
       .answers = {{"concern", "parent_advice"}}, .risk = "little_or_no_danger", .not_told = {"police"},
       .actions = {"parental controls"}},
      // Robert: an 'adult sex' link in a class search on Thailand.
      {.name = "Robert: 'adult sex' link in a class search on Thailand", .flowchart = "inappropriate-content-child",
       .answers = {{"how", "accident"}, {"where", "yes"}}, .risk = "encourage_safe_behaviour",
       .told = {"filtering_provider", "esafety_officer"}, .not_told = {"police"}},
  };
  return cards;
}

// The card or case whose name starts with `prefix` (a test failure if none does).
inline const Case& Named(std::string_view prefix) {
  for (const auto* list : {&AnnexDCards(), &AnnexFCases()}) {
    for (const auto& c : *list) {
      if (std::string_view(c.name).starts_with(prefix)) return c;
    }
  }
  ADD_FAILURE() << "no case named " << prefix;
  return AnnexFCases()[0];
}

}  // namespace esafe::incidents::annex
