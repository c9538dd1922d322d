// Survey definitions: the shipped surveys load; a broken file is refused with file,
// line and reason; answers out of a question's range are refused; indicators count
// what they say.
#include <gtest/gtest.h>

#include "surveys/surveys.h"

namespace esafe::surveys {
namespace {

constexpr const char* kSurvey = R"(key: test-survey
version: 1
title: Test survey
age_band: "8-11"
opens_on: 2026-09-01
closes_on: 2027-07-31
questions:
  - id: bedroom
    type: multiple_choice
    text: What is in your bedroom?
    options:
      - {value: internet, label: The internet}
      - {value: tablet, label: A tablet}
      - {value: none, label: None of these, exclusive: true}
  - id: who_tell
    type: single_choice
    text: Who would you tell?
    options:
      - {value: parent, label: A parent}
      - {value: teacher, label: A teacher}
      - {value: friend, label: A friend}
  - id: upset
    type: yes_no
    text: Has something upset you?
  - id: safe
    type: scale
    text: How safe do you feel?
    min: 1
    max: 5
    min_label: Not safe
    max_label: Very safe
  - id: more
    type: free_text
    text: Anything else?
    required: false
    max_length: 20
indicators:
  - id: bedroom_internet
    title: Internet in the bedroom
    question: bedroom
    includes: [internet]
  - id: would_tell_adult
    title: Would tell an adult
    question: who_tell
    in: [parent, teacher]
  - id: feel_safe
    title: Feel safe
    question: safe
    at_least: 4
)";

SurveyDefinition Load() {
  auto s = ParseSurvey(kSurvey, "test.yaml");
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  return s.ok() ? *s : SurveyDefinition{};
}

Json Complete() {
  return {{"bedroom", {"internet"}}, {"who_tell", "teacher"}, {"upset", "no"}, {"safe", 4}};
}

TEST(SurveyDefinition, ShippedSurveysAreValidAndChildFriendlyInLength) {
  ASSERT_GE(ShippedSurveys().size(), 2u);
  std::set<std::string> bands;
  for (const auto& shipped : ShippedSurveys()) {
    auto s = ParseSurvey(shipped.yaml, shipped.file);
    ASSERT_TRUE(s.ok()) << shipped.file << ": " << s.error().message;
    bands.insert(s->age_band);
    EXPECT_NE(s->Find("devices_in_bedroom"), nullptr) << shipped.file;
    EXPECT_NE(s->Find("who_tell"), nullptr) << shipped.file;
    for (const auto& q : s->questions) EXPECT_LE(q.text.size(), 70u) << shipped.file << ": " << q.text;
    std::set<std::string> ids;
    for (const auto& i : s->indicators) ids.insert(i.id);
    EXPECT_TRUE(ids.count("bedroom_internet") && ids.count("would_tell_adult")) << shipped.file;
  }
  EXPECT_TRUE(bands.count("8-11") && bands.count("12-16"));
}

TEST(SurveyDefinition, ParsesQuestionsAndIndicators) {
  auto s = Load();
  EXPECT_EQ(s.key, "test-survey");
  ASSERT_EQ(s.questions.size(), 5u);
  EXPECT_EQ(s.questions[2].options.size(), 2u);  // yes_no gets yes and no
  EXPECT_TRUE(s.questions[0].options[2].exclusive);
  EXPECT_FALSE(s.questions[4].required);
  EXPECT_EQ(s.questions[1].line, 15);
  ASSERT_EQ(s.indicators.size(), 3u);
  EXPECT_EQ(s.report_threshold, 10);
}

TEST(SurveyDefinition, BrokenFileNamesFileLineAndReason) {
  std::string broken = kSurvey;
  broken.replace(broken.find("type: single_choice"), 19, "type: pick_one");
  auto s = ParseSurvey(broken, "broken.yaml");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("broken.yaml:16: 'type' 'pick_one' is not one of"), std::string::npos)
      << s.error().message;

  std::string bad_indicator = kSurvey;
  bad_indicator.replace(bad_indicator.find("in: [parent, teacher]"), 21, "in: [parent, granny]");
  s = ParseSurvey(bad_indicator, "ind.yaml");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("ind.yaml:"), std::string::npos);
  EXPECT_NE(s.error().message.find("'granny' is not an option of question 'who_tell'"), std::string::npos)
      << s.error().message;

  s = ParseSurvey("key: x\ntitle: [unclosed\n", "syntax.yaml");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message.rfind("syntax.yaml:", 0), 0u) << s.error().message;

  std::string dates = kSurvey;
  dates.replace(dates.find("closes_on: 2027-07-31"), 21, "closes_on: 2026-02-30");
  s = ParseSurvey(dates, "dates.yaml");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("dates.yaml:6: 'closes_on' must be a date"), std::string::npos) << s.error().message;

  std::string wrong_condition = kSurvey;
  wrong_condition.replace(wrong_condition.find("includes: [internet]"), 20, "in: [internet]");
  s = ParseSurvey(wrong_condition, "cond.yaml");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("the condition must be 'includes'"), std::string::npos) << s.error().message;
}

TEST(SurveyDefinition, AnswersInRangeAreAccepted) {
  auto s = Load();
  Json answers = Complete();
  answers["bedroom"] = {"tablet", "internet"};
  answers["more"] = "  hello  ";
  auto v = ValidateAnswers(s, answers);
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ((*v)["bedroom"], Json({"internet", "tablet"}));  // stored in the question's order
  EXPECT_EQ((*v)["more"], "hello");
  answers.erase("more");
  v = ValidateAnswers(s, answers);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->contains("more"));
}

TEST(SurveyDefinition, AnswersOutOfRangeAreRefusedNamingTheQuestion) {
  auto s = Load();
  struct Case {
    const char* question;
    Json value;
    const char* says;
  };
  const Case cases[] = {
      {"safe", 6, "choose a number from 1 to 5"},
      {"safe", 0, "choose a number from 1 to 5"},
      {"safe", "4", "choose a number from 1 to 5"},
      {"who_tell", "granny", "'granny' is not one of the answers"},
      {"who_tell", Json::array({"parent"}), "choose one answer"},
      {"upset", "maybe", "'maybe' is not one of the answers"},
      {"bedroom", Json::array({"internet", "internet"}), "chosen twice"},
      {"bedroom", Json::array({"internet", "none"}), "cannot be chosen with other answers"},
      {"bedroom", "internet", "choose from the answers given"},
      {"more", std::string(21, 'a'), "no more than 20 letters"},
  };
  for (const auto& c : cases) {
    Json answers = Complete();
    answers[c.question] = c.value;
    auto v = ValidateAnswers(s, answers);
    ASSERT_FALSE(v.ok()) << c.question << " " << c.value.dump();
    EXPECT_EQ(v.error().field, c.question);
    EXPECT_NE(v.error().message.find(c.says), std::string::npos) << v.error().message;
  }
  Json unknown = Complete();
  unknown["shoe_size"] = 3;
  auto v = ValidateAnswers(s, unknown);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().field, "shoe_size");
  Json missing = Complete();
  missing.erase("who_tell");
  v = ValidateAnswers(s, missing);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().message, "Please answer question 2: Who would you tell?");
  EXPECT_EQ(v.error().field, "who_tell");
}

TEST(SurveyDefinition, IndicatorsCountTheirCondition) {
  auto s = Load();
  auto holds = [&](const char* id, const Json& answers) {
    for (const auto& i : s.indicators) {
      if (i.id == id) return IndicatorHolds(s, i, answers);
    }
    ADD_FAILURE() << id;
    return std::optional<bool>();
  };
  Json a = Complete();
  EXPECT_EQ(holds("bedroom_internet", a), true);
  EXPECT_EQ(holds("would_tell_adult", a), true);
  EXPECT_EQ(holds("feel_safe", a), true);
  a["bedroom"] = {"tablet"};
  a["who_tell"] = "friend";
  a["safe"] = 3;
  EXPECT_EQ(holds("bedroom_internet", a), false);
  EXPECT_EQ(holds("would_tell_adult", a), false);
  EXPECT_EQ(holds("feel_safe", a), false);
  a.erase("who_tell");
  EXPECT_EQ(holds("would_tell_adult", a), std::nullopt);  // not answered: left out of the share
}

TEST(SubmissionGuardTest, FormTokensAreBoundToCodeAndTime) {
  SubmissionGuard guard(3, 600);
  const auto token = guard.IssueFormToken("abcdefghjk", 1000);
  EXPECT_TRUE(guard.CheckFormToken("abcdefghjk", token, 1100).ok());
  EXPECT_FALSE(guard.CheckFormToken("zzzzzzzzzz", token, 1100).ok());
  EXPECT_FALSE(guard.CheckFormToken("abcdefghjk", token, 1000 + SubmissionGuard::kFormTokenSeconds + 1).ok());
  EXPECT_FALSE(guard.CheckFormToken("abcdefghjk", "1000.00", 1100).ok());
  EXPECT_FALSE(guard.CheckFormToken("abcdefghjk", "", 1100).ok());
  SubmissionGuard other(3, 600);  // another process: another key
  EXPECT_FALSE(other.CheckFormToken("abcdefghjk", token, 1100).ok());
}

TEST(SubmissionGuardTest, RateLimitsPerCodeAndAddressWithinTheWindow) {
  SubmissionGuard guard(3, 600);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(guard.Admit("code-one", "10.0.0.1", 1000 + i).ok());
  auto fourth = guard.Admit("code-one", "10.0.0.1", 1010);
  ASSERT_FALSE(fourth.ok());
  EXPECT_EQ(fourth.error().kind, ErrorKind::kThrottled);
  EXPECT_TRUE(guard.Admit("code-one", "10.0.0.2", 1010).ok());  // another address
  EXPECT_TRUE(guard.Admit("code-two", "10.0.0.1", 1010).ok());  // another setting
  EXPECT_TRUE(guard.Admit("code-one", "10.0.0.1", 1000 + 600 + 1).ok());  // the window has moved on
}

}  // namespace
}  // namespace esafe::surveys
