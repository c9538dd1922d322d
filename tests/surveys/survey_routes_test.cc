// Surveys through the web App, as the server calls it: a public submission with no
// account (form token, range checks, closed surveys, one submission per device),
// what a response row holds, threshold suppression, and who sees which results.
#include <gtest/gtest.h>

#include "core/clock.h"
#include "directory/directory.h"
#include "support/app_client.h"
#include "support/test_database.h"
#include "surveys/surveys.h"
#include "web/app.h"

namespace esafe::web {
namespace {

class SurveyRoutes : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(directory::LoadDemo(tdb.db(), kPassword).ok());
    app = std::make_unique<App>(tdb.db());
    lead = SignIn("lead");
    auto created = As(lead, "POST", "/api/v1/surveys", {{"shipped", "being-safe-online-8-11"}});
    ASSERT_EQ(created.status, 201) << created.body;
    survey_id = Json::parse(created.body)["id"];
    const std::string today = clock::NowIso8601().substr(0, 10);
    auto opened = As(lead, "PATCH", Path(""), {{"status", "open"}, {"opens_on", "2020-09-01"}, {"closes_on", "2099-07-31"}});
    ASSERT_EQ(opened.status, 200) << opened.body;
    // Riverside Primary School is agency 1, the County Library Service agency 3 (demo order).
    for (int agency : {1, 3}) {
      auto s = As(lead, "POST", Path("/settings"), {{"agency_id", agency}});
      ASSERT_EQ(s.status, 201) << s.body;
      codes[agency] = Json::parse(s.body)["code"];
      setting_ids[agency] = Json::parse(s.body)["id"];
    }
  }

  using Client = testing::AppClient::Session;

  std::string Path(const std::string& rest) { return "/api/v1/surveys/" + std::to_string(survey_id) + rest; }

  Response Send(const std::string& method, const std::string& target, const std::string& body,
                std::map<std::string, std::string> headers, const std::string& ip = "192.0.2.10") {
    return testing::AppClient(*app).SendFrom(ip, method, target, body, std::move(headers));
  }

  Client SignIn(const std::string& user) { return testing::AppClient(*app, "192.0.2.10").SignIn(user, kPassword); }

  Response As(const Client& c, const std::string& method, const std::string& target, const Json& body = nullptr) {
    return Send(method, target, body.is_null() ? "" : body.dump(), {{"cookie", c.cookie}, {"x-csrf-token", c.csrf}});
  }

  static Json Answers(bool bedroom_internet, const char* who_tell) {
    return {{"where_online", {"home", "school"}},
            {"devices", {"tablet"}},
            {"devices_in_bedroom", bedroom_internet ? Json{"internet"} : Json{"none"}},
            {"social_networks", {"video"}},
            {"upset", "no"},
            {"who_tell", who_tell},
            {"feel_safe", 4}};
  }

  // Opens the public survey (no account) and sends `answers`; `cookie` is the
  // device's cookie header.
  Response Submit(const std::string& code, const Json& answers, const std::string& cookie = "",
                  const std::string& ip = "192.0.2.10") {
    auto page = Send("GET", "/api/v1/public/surveys/" + code, "", {{"cookie", cookie}}, ip);
    EXPECT_EQ(page.status, 200) << page.body;
    const std::string token = Json::parse(page.body).value("form_token", "");
    return Send("POST", "/api/v1/public/surveys/" + code + "/responses",
                Json{{"form_token", token}, {"answers", answers}}.dump(), {{"cookie", cookie}}, ip);
  }

  static constexpr const char* kPassword = "survey-test-password-1";
  testing::TestDatabase tdb;
  std::unique_ptr<App> app;
  Client lead;
  int64_t survey_id = 0;
  std::map<int, std::string> codes;
  std::map<int, int64_t> setting_ids;
};

TEST_F(SurveyRoutes, APublicSubmissionIsStoredWithoutAnythingAboutTheRespondent) {
  auto page = Send("GET", "/s/" + codes[1], "", {});
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("/ui/survey_take.js"), std::string::npos);
  auto survey = Send("GET", "/api/v1/public/surveys/" + codes[1], "", {});
  ASSERT_EQ(survey.status, 200) << survey.body;
  EXPECT_EQ(Json::parse(survey.body)["setting"], "Riverside Primary School");
  EXPECT_EQ(Json::parse(survey.body)["already_done"], false);

  auto audit_count = [&] {
    auto n = tdb.db().Read<store::Rows>([](store::Connection& c) { return c.Query("SELECT COUNT(*) AS n FROM audit_events"); });
    return n.ok() ? (*n)[0].Int("n") : -1;
  };
  const int64_t audit_before = audit_count();
  auto sent = Submit(codes[1], Answers(true, "teacher"));
  ASSERT_EQ(sent.status, 201) << sent.body;
  std::string set_cookie;
  for (const auto& [k, v] : sent.headers) if (k == "Set-Cookie") set_cookie = v;
  EXPECT_EQ(set_cookie.rfind(surveys::DoneCookieName(survey_id) + "=1;", 0), 0u) << set_cookie;
  EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos);

  auto rows = tdb.db().Read<store::Rows>([](store::Connection& c) { return c.Query("SELECT * FROM survey_responses"); });
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  const auto& row = (*rows)[0];
  EXPECT_EQ(row.columns(), (std::vector<std::string>{"id", "survey_id", "setting_id", "age_band", "year",
                                                     "submitted_day", "answers"}));
  EXPECT_EQ(row.Text("submitted_day"), clock::NowIso8601().substr(0, 10));  // a day, not a time
  EXPECT_EQ(row.Int("year"), 2020);
  EXPECT_EQ(row.Text("answers").find("192.0.2.10"), std::string::npos);
  // Nothing was written to the audit trail either: its time would add what the row lacks.
  EXPECT_EQ(audit_count(), audit_before);
}

TEST_F(SurveyRoutes, RefusesBadAnswersClosedSurveysAndASecondSubmissionFromTheDevice) {
  Json out_of_range = Answers(true, "teacher");
  out_of_range["feel_safe"] = 9;
  auto r = Submit(codes[1], out_of_range);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Json::parse(r.body)["field"], "feel_safe");
  Json unknown_option = Answers(true, "granny");
  r = Submit(codes[1], unknown_option);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(Json::parse(r.body)["error"].get<std::string>().find("'granny' is not one of the answers"), std::string::npos);
  Json missing = Answers(true, "teacher");
  missing.erase("who_tell");
  r = Submit(codes[1], missing);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(Json::parse(r.body)["error"].get<std::string>().find("Please answer question"), std::string::npos);

  // No form token, or a made-up one: refused.
  r = Send("POST", "/api/v1/public/surveys/" + codes[1] + "/responses",
           Json{{"form_token", "1.ab"}, {"answers", Answers(true, "teacher")}}.dump(), {});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Json::parse(r.body)["field"], "form_token");
  // From another site: refused by the App's origin check.
  r = Send("POST", "/api/v1/public/surveys/" + codes[1] + "/responses", Json{{"answers", Json::object()}}.dump(),
           {{"origin", "https://evil.example"}, {"host", "esafe.example"}});
  EXPECT_EQ(r.status, 403);

  // The first submission sets the device's cookie; the device then sends it back.
  r = Submit(codes[1], Answers(true, "teacher"));
  ASSERT_EQ(r.status, 201) << r.body;
  std::string cookie;
  for (const auto& [k, v] : r.headers) if (k == "Set-Cookie") cookie = v.substr(0, v.find(';'));
  EXPECT_EQ(cookie, surveys::DoneCookieName(survey_id) + "=1");
  auto again = Submit(codes[1], Answers(false, "parent"), cookie);
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_NE(Json::parse(again.body)["error"].get<std::string>().find("already sent your answers"), std::string::npos);
  auto page = Send("GET", "/api/v1/public/surveys/" + codes[1], "", {{"cookie", cookie}});
  EXPECT_EQ(Json::parse(page.body)["already_done"], true);

  // Unknown code, then a closed survey.
  EXPECT_EQ(Send("GET", "/api/v1/public/surveys/nosuchcode", "", {}).status, 404);
  ASSERT_EQ(As(lead, "PATCH", Path(""), {{"status", "closed"}}).status, 200);
  auto closed = Send("GET", "/api/v1/public/surveys/" + codes[1], "", {});
  EXPECT_EQ(closed.status, 409);
}

TEST_F(SurveyRoutes, RepeatedSubmissionsFromOneAddressAreRateLimited) {
  int accepted = 0, throttled = 0;
  for (int i = 0; i < 105; ++i) {
    auto r = Submit(codes[3], Answers(i % 2 == 0, "parent"), "", "198.51.100.7");
    accepted += r.status == 201;
    throttled += r.status == 429;
  }
  EXPECT_EQ(accepted, 100);
  EXPECT_EQ(throttled, 5);
  EXPECT_EQ(Submit(codes[3], Answers(true, "parent"), "", "198.51.100.8").status, 201);  // another address
}

TEST_F(SurveyRoutes, SmallCellsAndFreeTextAreSuppressedBelowTheThreshold) {
  surveys::Surveys surveys(tdb.db());
  Json with_text = Answers(true, "teacher");
  with_text["anything_else"] = "I like coding club";
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(surveys.RecordResponse(setting_ids[1], with_text, "2026-10-01").ok());
  for (int i = 0; i < 9; ++i) ASSERT_TRUE(surveys.RecordResponse(setting_ids[3], with_text, "2026-10-01").ok());
  auto r = As(lead, "GET", Path("/results"));
  ASSERT_EQ(r.status, 200) << r.body;
  auto results = Json::parse(r.body);
  EXPECT_EQ(results["threshold"], 10);
  ASSERT_EQ(results["cells"].size(), 2u);
  for (const auto& cell : results["cells"]) {
    if (cell["setting_id"] == setting_ids[1]) {
      EXPECT_FALSE(cell["suppressed"].get<bool>());
      EXPECT_EQ(cell["answers"]["devices_in_bedroom"]["counts"]["internet"], 10);
      EXPECT_EQ(cell["free_text"]["anything_else"].size(), 10u);
    } else {
      EXPECT_TRUE(cell["suppressed"].get<bool>());
      EXPECT_EQ(cell["respondents"], 0);
      EXPECT_EQ(cell["received"], 9);
      EXPECT_FALSE(cell.contains("answers"));
      EXPECT_FALSE(cell.contains("free_text"));
      EXPECT_EQ(cell["age_band"], "8-11");
    }
  }
  EXPECT_EQ(results["total"]["respondents"], 10);
  EXPECT_EQ(results["total"]["received"], 19);
  auto csv = As(lead, "GET", Path("/results/export.csv"));
  ASSERT_EQ(csv.status, 200);
  EXPECT_NE(csv.body.find("fewer than 10"), std::string::npos);
  EXPECT_EQ(csv.body.find("coding club"), std::string::npos);  // free text is never exported
  auto xlsx = As(lead, "GET", Path("/results/export.xlsx"));
  ASSERT_EQ(xlsx.status, 200);
  EXPECT_EQ(xlsx.body.substr(0, 2), "PK");
}

TEST_F(SurveyRoutes, ResultsAreScopedToTheCallersSettingsAndBoardMembersSeeOnlyIndicators) {
  surveys::Surveys surveys(tdb.db());
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(surveys.RecordResponse(setting_ids[1], Answers(i < 6, "teacher"), "2026-10-01").ok());
    ASSERT_TRUE(surveys.RecordResponse(setting_ids[3], Answers(true, i < 3 ? "teacher" : "friend"), "2026-10-01").ok());
  }
  auto library = SignIn("library.eslo");
  auto r = As(library, "GET", Path("/results"));
  ASSERT_EQ(r.status, 200) << r.body;
  auto results = Json::parse(r.body);
  ASSERT_EQ(results["cells"].size(), 1u);
  EXPECT_EQ(results["cells"][0]["setting_id"], setting_ids[3]);
  EXPECT_EQ(results["total"]["respondents"], 10);
  auto survey = Json::parse(As(library, "GET", Path("")).body);
  ASSERT_EQ(survey["settings"].size(), 1u);  // only their own code
  EXPECT_EQ(survey["settings"][0]["code"], codes[3]);
  // An agency officer cannot make a code for another agency.
  EXPECT_EQ(As(library, "POST", Path("/settings"), {{"agency_id", 2}}).status, 403);

  auto board = SignIn("board");
  EXPECT_EQ(As(board, "GET", Path("/results")).status, 403);
  EXPECT_EQ(As(board, "GET", Path("/results/export.csv")).status, 403);
  EXPECT_TRUE(Json::parse(As(board, "GET", Path("")).body)["settings"].empty());
  auto indicators = As(board, "GET", "/api/v1/surveys/indicators");
  ASSERT_EQ(indicators.status, 200) << indicators.body;
  const int64_t year = Json::parse(As(lead, "GET", Path("")).body)["year"];
  auto find = [&](const Json& all, const char* id) {
    for (const auto& i : all["indicators"]) {
      if (i["id"] == id && i["age_band"] == "8-11") {
        for (const auto& p : i["points"]) {
          if (p["year"] == year) return p;
        }
      }
    }
    return Json();
  };
  auto all = Json::parse(indicators.body);
  EXPECT_EQ(find(all, "bedroom_internet")["respondents"], 20);
  EXPECT_EQ(find(all, "bedroom_internet")["count"], 16);
  EXPECT_EQ(find(all, "bedroom_internet")["percent"], 80.0);
  EXPECT_EQ(find(all, "would_tell_adult")["count"], 13);
  // The library's officer sees the indicators over their own setting only.
  auto own = Json::parse(As(library, "GET", "/api/v1/surveys/indicators").body);
  EXPECT_EQ(find(own, "would_tell_adult")["respondents"], 10);
  EXPECT_EQ(find(own, "would_tell_adult")["count"], 3);
  EXPECT_EQ(find(own, "would_tell_adult")["percent"], 30.0);
  // Agency staff see no results; only partnership managers create or open surveys.
  EXPECT_EQ(As(library, "POST", "/api/v1/surveys", {{"shipped", "online-life-12-16"}}).status, 403);
  EXPECT_EQ(As(library, "PATCH", Path(""), {{"status", "closed"}}).status, 403);
}

TEST_F(SurveyRoutes, IndicatorsBelowTheThresholdAreSuppressed) {
  surveys::Surveys surveys(tdb.db());
  for (int i = 0; i < 9; ++i) ASSERT_TRUE(surveys.RecordResponse(setting_ids[1], Answers(true, "teacher"), "2026-10-01").ok());
  auto all = Json::parse(As(lead, "GET", "/api/v1/surveys/indicators").body);
  bool seen = false;
  for (const auto& i : all["indicators"]) {
    for (const auto& p : i["points"]) {
      seen = true;
      EXPECT_TRUE(p["suppressed"].get<bool>()) << i.dump();
      EXPECT_TRUE(p["percent"].is_null());
      EXPECT_TRUE(p["count"].is_null());
    }
  }
  EXPECT_TRUE(seen);
  ASSERT_TRUE(surveys.RecordResponse(setting_ids[1], Answers(true, "teacher"), "2026-10-01").ok());
  all = Json::parse(As(lead, "GET", "/api/v1/surveys/indicators").body);
  for (const auto& i : all["indicators"]) {
    if (i["id"] == "bedroom_internet") {
      EXPECT_EQ(i["points"][0]["percent"], 100.0);
    }
  }
  auto csv = As(lead, "GET", "/api/v1/surveys/indicators/export.csv");
  ASSERT_EQ(csv.status, 200);
  EXPECT_NE(csv.body.find("bedroom_internet,Share with internet access in their bedroom,8-11"), std::string::npos) << csv.body;
}

TEST_F(SurveyRoutes, UploadedYamlIsValidatedWithFileAndLine) {
  auto r = As(lead, "POST", "/api/v1/surveys",
              {{"definition", "key: x\nversion: 1\ntitle: T\nage_band: \"8-11\"\nopens_on: 2026-09-01\n"
                              "closes_on: 2026-13-01\nquestions: []\n"},
               {"file_name", "mine.yaml"}});
  ASSERT_EQ(r.status, 400);
  auto error = Json::parse(r.body)["error"].get<std::string>();
  EXPECT_NE(error.find("mine.yaml:6: 'closes_on' must be a date"), std::string::npos) << error;
  EXPECT_NE(error.find("mine.yaml:7: 'questions' must be a list"), std::string::npos) << error;
}

TEST_F(SurveyRoutes, DemoLoadsTwoYearsWithAVisibleChange) {
  testing::TestDatabase fresh;
  ASSERT_TRUE(directory::LoadDemo(fresh.db(), kPassword).ok());
  auto loaded = surveys::LoadSurveysDemo(fresh.db());
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_TRUE(*loaded);
  EXPECT_FALSE(*surveys::LoadSurveysDemo(fresh.db()));  // only once
  access::Principal board;
  board.role = access::Role::kBoardMember;
  auto indicators = surveys::Surveys(fresh.db()).Indicators(board);
  ASSERT_TRUE(indicators.ok());
  bool found = false;
  for (const auto& i : (*indicators)["indicators"]) {
    if (i["id"] != "would_tell_adult") continue;
    ASSERT_EQ(i["points"].size(), 2u);
    EXPECT_FALSE(i["points"][0]["suppressed"].get<bool>());
    EXPECT_FALSE(i["points"][1]["suppressed"].get<bool>());
    EXPECT_NE(i["points"][0]["percent"], i["points"][1]["percent"]);
    found = true;
  }
  EXPECT_TRUE(found);
}

// Issue 19, finding 5: reading the results before and after a child answers must not
// reveal that child's answers. Through the public form, one answer at a time from many
// addresses, the results (and the indicators) move only when a setting completes a group
// of `step` answers, by exactly that group; between, every reading is identical. Closing
// the survey right after one more child answers shows nothing new either.
TEST_F(SurveyRoutes, ResultsCannotBeDifferencedToFindOneChildsAnswers) {
  Json last_results, last_indicators;
  int changes = 0;
  for (int i = 1; i <= 25; ++i) {
    auto sent = Submit(codes[1], Answers(i % 3 == 0, i % 2 == 0 ? "teacher" : "friend"), "",
                       "192.0.2." + std::to_string(20 + i));
    ASSERT_EQ(sent.status, 201) << sent.body;
    auto r = As(lead, "GET", Path("/results"));
    ASSERT_EQ(r.status, 200) << r.body;
    Json results = Json::parse(r.body);
    const int64_t step = results["step"];
    ASSERT_GE(step, 5);
    const Json total = results["total"];
    EXPECT_EQ(total["received"], i);
    EXPECT_EQ(total["respondents"], i / step * step) << "after " << i << " answers";
    Json indicators = Json::parse(As(lead, "GET", "/api/v1/surveys/indicators").body);
    // What a reader can compare: everything but how many have arrived.
    for (auto& cell : results["cells"]) cell.erase("received");
    results["total"].erase("received");
    if (!last_results.is_null() && results != last_results) {
      ++changes;
      EXPECT_EQ(i % step, 0) << "the results changed after answer " << i;
      EXPECT_EQ(results["total"]["respondents"].get<int64_t>() - last_results["total"].value("respondents", 0), step);
    }
    if (!last_indicators.is_null() && indicators != last_indicators) {
      EXPECT_EQ(i % step, 0) << "the indicators changed after answer " << i;
    }
    last_results = results;
    last_indicators = indicators;
  }
  EXPECT_EQ(changes, 2);  // at 10 and at 20 answers
  // One more answer, then the survey is closed at once: still only the two groups.
  ASSERT_EQ(Submit(codes[1], Answers(true, "teacher"), "", "192.0.2.99").status, 201);
  ASSERT_EQ(As(lead, "PATCH", Path(""), {{"status", "closed"}}).status, 200);
  Json closed = Json::parse(As(lead, "GET", Path("/results")).body);
  EXPECT_EQ(closed["total"]["respondents"], 20);
  EXPECT_EQ(closed["total"]["received"], 26);
}

// A form token is good for one set of answers: a script cannot send many from one page
// load (the done-cookie can be left off), while a child whose answers were refused for a
// missing answer can correct it and send again from the same page.
TEST_F(SurveyRoutes, AFormTokenSendsOneSetOfAnswers) {
  auto page = Send("GET", "/api/v1/public/surveys/" + codes[1], "", {});
  ASSERT_EQ(page.status, 200);
  const std::string token = Json::parse(page.body)["form_token"];
  auto post = [&](const Json& answers) {
    return Send("POST", "/api/v1/public/surveys/" + codes[1] + "/responses",
                Json{{"form_token", token}, {"answers", answers}}.dump(), {});
  };
  Json incomplete = Answers(true, "teacher");
  incomplete.erase("who_tell");
  auto refused = post(incomplete);
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_EQ(post(Answers(true, "teacher")).status, 201);
  auto again = post(Answers(false, "friend"));
  EXPECT_EQ(again.status, 400) << again.body;
  EXPECT_NE(again.body.find("already been sent"), std::string::npos) << again.body;
  // Each page load gets its own token.
  auto other = Send("GET", "/api/v1/public/surveys/" + codes[1], "", {});
  EXPECT_NE(Json::parse(other.body)["form_token"], token);
  auto r = tdb.db().Read<store::Rows>(
      [](store::Connection& c) { return c.Query("SELECT COUNT(*) AS n FROM survey_responses"); });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].Int("n"), 1);
}

}  // namespace
}  // namespace esafe::web
