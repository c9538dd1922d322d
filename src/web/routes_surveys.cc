// Routes: young people's surveys (capability: src/surveys).
//
// The public part needs no account: /s/{code} is a plain HTML page that loads one
// ES module (/ui/survey_take.js), which reads the survey from
// /api/v1/public/surveys/{code} and posts the answers back. There is no session,
// so the page's form token (issued with the survey, checked on submission) and
// the App's same-origin check stand in for the CSRF token. Nothing about the
// respondent is kept: not the address (used only, hashed with a per-process
// salt, in the in-memory rate limit), not the user agent, not a device id.
#include <fmt/format.h>

#include <memory>

#include "core/clock.h"
#include "surveys/surveys.h"
#include "web/route_table.h"

namespace esafe::web {
namespace {


std::string Today() { return clock::NowIso8601().substr(0, 10); }

std::string PathCode(const Call& call) {
  auto it = call.params.find("code");
  return it == call.params.end() ? std::string() : it->second;
}

// The survey page: everything is drawn by the module, which reads the code from the
// address. Big type and tap targets come from survey.css.
Response SurveyPage() {
  Response r;
  r.content_type = "text/html; charset=utf-8";
  r.body =
      "<!doctype html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<meta name=\"robots\" content=\"noindex\">"
      "<title>Survey</title><link rel=\"icon\" href=\"/ui/favicon.svg\" type=\"image/svg+xml\">"
      "<link rel=\"stylesheet\" href=\"/ui/survey.css\">"
      "<script type=\"module\" src=\"/ui/survey_take.js\"></script></head>\n<body>\n"
      "<main id=\"survey\" class=\"survey\" tabindex=\"-1\">"
      "<p class=\"survey__loading\">Loading the survey…</p>"
      "<noscript><p>This survey needs JavaScript. Please ask a grown-up to help.</p></noscript>"
      "</main>\n<div id=\"survey-status\" class=\"visually-hidden\" role=\"status\" aria-live=\"polite\"></div>\n"
      "</body></html>\n";
  // So that the module's post carries this site's Origin, while nothing goes to other sites.
  r.headers.emplace_back("Referrer-Policy", "same-origin");
  return r;
}

// State shared by the public routes for the life of the process.
struct PublicState {
  surveys::SubmissionGuard guard{100, 600};
};

}  // namespace

void AddSurveyRoutes(RouteTable& t) {
  auto* db = &t.db;
  const AppOptions* opts = &t.options;
  auto state = std::make_shared<PublicState>();
  auto body_of = [opts](const Call& call) { return ParseJsonBody(call.request, opts->max_json_body); };

  t.schemas["SurveySummary"] = {{"type", "object"},
                                {"properties",
                                 {{"id", {{"type", "integer"}}},
                                  {"key", {{"type", "string"}}},
                                  {"title", {{"type", "string"}}},
                                  {"age_band", {{"type", "string"}}},
                                  {"status", {{"type", "string"}, {"enum", {"draft", "open", "closed"}}}},
                                  {"opens_on", {{"type", "string"}, {"format", "date"}}},
                                  {"closes_on", {{"type", "string"}, {"format", "date"}}},
                                  {"year", {{"type", "integer"}}},
                                  {"responses", {{"type", "integer"}}}}}};
  t.schemas["Survey"] = {{"type", "object"},
                         {"description", "a survey with its questions, indicators, YAML definition and the settings "
                                         "(with access code and link) the caller may see"}};
  t.schemas["SurveyInput"] = {
      {"type", "object"},
      {"description", "either definition (the YAML text, at most 64 KB) with an optional file_name, or shipped "
                      "(the key of a shipped survey)"},
      {"properties", {{"definition", {{"type", "string"}}}, {"file_name", {{"type", "string"}}}, {"shipped", {{"type", "string"}}}}}};
  t.schemas["SurveyUpdate"] = {{"type", "object"},
                               {"properties",
                                {{"status", {{"type", "string"}, {"enum", {"draft", "open", "closed"}}}},
                                 {"opens_on", {{"type", "string"}, {"format", "date"}}},
                                 {"closes_on", {{"type", "string"}, {"format", "date"}}}}}};
  t.schemas["SurveySettingInput"] = {{"type", "object"},
                                     {"required", {"agency_id"}},
                                     {"properties",
                                      {{"agency_id", {{"type", "integer"}}},
                                       {"site_id", {{"type", "integer"}, {"nullable", true}}},
                                       {"label", {{"type", "string"}, {"maxLength", 120}}}}}};
  t.schemas["SurveySetting"] = {{"type", "object"},
                                {"description", "id, agency_id, agency, site_id, label, code, link (/s/{code}), responses"}};
  t.schemas["ShippedSurvey"] = {{"type", "object"},
                                {"properties", {{"key", {{"type", "string"}}}, {"title", {{"type", "string"}}},
                                                {"age_band", {{"type", "string"}}}, {"file", {{"type", "string"}}}}}};
  t.schemas["SurveyResults"] = {
      {"type", "object"},
      {"description", "survey, threshold, scope, questions, cells (one per setting and age band: respondents, "
                      "suppressed, and when not suppressed answers {question: {answered, counts}} and free_text), "
                      "total"}};
  t.schemas["SurveyIndicators"] = {
      {"type", "object"},
      {"description", "scope, indicators: [{id, title, age_band, threshold, points: [{year, respondents, count, "
                      "percent, suppressed}]}]"}};
  t.schemas["PublicSurvey"] = {{"type", "object"},
                               {"description", "survey_id, title, age_band, intro, setting, closes_on, questions, "
                                               "form_token (send it back with the answers), already_done"}};
  t.schemas["SurveyResponseInput"] = {{"type", "object"},
                                      {"required", {"form_token", "answers"}},
                                      {"properties", {{"form_token", {{"type", "string"}}},
                                                      {"answers", {{"type", "object"},
                                                                   {"description", "question id to answer: an option "
                                                                                   "value, a list of them, a whole "
                                                                                   "number or text"}}}}}};
  t.schemas["SurveyThanks"] = {{"type", "object"},
                               {"properties", {{"survey_id", {{"type", "integer"}}}, {"thanks", {{"type", "string"}}}}}};

  // ---- public: no account ----
  t.routes.push_back({.method = "GET", .pattern = "/s", .needs_session = false,
                      .handler = [](const Call&) { return SurveyPage(); },
                      .summary = "The survey page without a code: asks for the code (HTML, no sign-in)",
                      .tag = "surveys", .response_schema = "html", .response_content = "text/html"});
  t.routes.push_back({.method = "GET", .pattern = "/s/{code}", .needs_session = false,
                      .handler = [](const Call&) { return SurveyPage(); },
                      .summary = "The survey page for a setting's code (HTML, no sign-in)", .tag = "surveys",
                      .response_schema = "html", .response_content = "text/html"});
  t.routes.push_back(
      {.method = "GET", .pattern = "/api/v1/public/surveys/{code}", .needs_session = false,
       .handler = [db, state](const Call& call) {
         const std::string code = PathCode(call);
         auto survey = surveys::Surveys(*db).PublicSurvey(code, Today());
         if (!survey.ok()) return ErrorResponse(survey.error());
         Json body = *survey;
         body["form_token"] = state->guard.IssueFormToken(code, clock::NowSeconds());
         body["already_done"] =
             CookieValue(call.request.Header("cookie"), surveys::DoneCookieName(body["survey_id"].get<int64_t>())) == "1";
         return JsonResponse(200, body);
       },
       .summary = "A survey's questions by its setting's code (no sign-in)", .tag = "surveys",
       .response_schema = "PublicSurvey"});
  t.routes.push_back(
      {.method = "POST", .pattern = "/api/v1/public/surveys/{code}/responses", .needs_session = false,
       .handler = [db, state, body_of, opts](const Call& call) {
         const std::string code = PathCode(call);
         const int64_t now = clock::NowSeconds();
         auto body = body_of(call);
         if (!body.ok()) return ErrorResponse(body.error());
         for (const auto& [key, value] : body->items()) {
           if (key != "form_token" && key != "answers") {
             return ErrorResponse(400, fmt::format("unknown field '{}'", key.substr(0, 40)), key.substr(0, 40));
           }
         }
         const std::string token = body->value("form_token", "");
         auto token_ok = state->guard.CheckFormToken(code, token, now);
         if (!token_ok.ok()) return ErrorResponse(token_ok.error());
         surveys::Surveys survey_store(*db);
         auto survey = survey_store.PublicSurvey(code, Today());
         if (!survey.ok()) return ErrorResponse(survey.error());
         const int64_t survey_id = (*survey)["survey_id"];
         const std::string cookie = surveys::DoneCookieName(survey_id);
         if (CookieValue(call.request.Header("cookie"), cookie) == "1") {
           return ErrorResponse(409, "You have already sent your answers from this device. Thank you!");
         }
         auto admitted = state->guard.Admit(code, call.request.remote_ip, now);
         if (!admitted.ok()) return ErrorResponse(admitted.error());
         auto spent = state->guard.SpendFormToken(code, token, now);
         if (!spent.ok()) return ErrorResponse(spent.error());
         auto stored = survey_store.Submit(code, body->value("answers", Json()), Today());
         if (!stored.ok()) {
           state->guard.RefundFormToken(token);
           return ErrorResponse(stored.error());
         }
         Response r = JsonResponse(201, *stored);
         // The same value for every device: it marks "answered here", never who.
         r.headers.emplace_back("Set-Cookie", fmt::format("{}=1; Path=/api/v1/public/surveys/; Max-Age=31536000; "
                                                          "HttpOnly; SameSite=Strict{}",
                                                          cookie, opts->secure_cookies || call.request.tls ? "; Secure" : ""));
         return r;
       },
       .summary = "Send the answers to a survey (no sign-in; one submission per page load and per device; rate-limited)",
       .tag = "surveys", .request_schema = "SurveyResponseInput", .response_schema = "SurveyThanks",
       .success_status = 201});

  // ---- the partnership and agencies ----
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/surveys",
                      .handler = [db](const Call& call) { return Reply(surveys::Surveys(*db).List(call.who())); },
                      .summary = "Surveys, newest first, with the responses you may count", .tag = "surveys",
                      .response_schema = "[SurveySummary]"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/surveys/shipped",
                      .handler = [](const Call&) {
                        Json out = Json::array();
                        for (const auto& s : surveys::ShippedSurveys()) {
                          auto def = surveys::ParseSurvey(s.yaml, s.file);
                          if (!def.ok()) continue;
                          out.push_back({{"key", def->key}, {"title", def->title}, {"age_band", def->age_band},
                                         {"file", s.file}});
                        }
                        return JsonResponse(200, out);
                      },
                      .summary = "The default surveys shipped with esafe, one per age band", .tag = "surveys",
                      .response_schema = "[ShippedSurvey]"});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/surveys",
                      .handler = [db, body_of](const Call& call) {
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        surveys::Surveys survey_store(*db);
                        if (body->contains("shipped")) {
                          if (!(*body)["shipped"].is_string()) return ErrorResponse(400, "'shipped' must be text", "shipped");
                          return Reply(survey_store.CreateShipped(call.who(), (*body)["shipped"].get<std::string>()), 201);
                        }
                        if (!body->contains("definition") || !(*body)["definition"].is_string()) {
                          return ErrorResponse(400, "send the survey's YAML as 'definition' (or a shipped survey's key "
                                                    "as 'shipped')", "definition");
                        }
                        std::string file = body->value("file_name", "survey.yaml");
                        if (file.size() > 100) file = file.substr(0, 100);
                        return Reply(survey_store.Create(call.who(), (*body)["definition"].get<std::string>(), file), 201);
                      },
                      .summary = "Create a survey (draft) from YAML or a shipped survey", .tag = "surveys",
                      .request_schema = "SurveyInput", .response_schema = "Survey", .success_status = 201});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/surveys/indicators",
                      .handler = [db](const Call& call) { return Reply(surveys::Surveys(*db).Indicators(call.who())); },
                      .summary = "The survey indicators per age band, year on year (small numbers suppressed)",
                      .tag = "surveys", .response_schema = "SurveyIndicators"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/surveys/indicators/export.csv",
                      .handler = [db](const Call& call) {
                        return DownloadResponse(surveys::Surveys(*db).IndicatorsCsv(call.who()), kCsvType,
                                                "survey-indicators.csv");
                      },
                      .summary = "The survey indicators as CSV", .tag = "surveys", .response_schema = "csv",
                      .response_content = "text/csv"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/surveys/indicators/export.xlsx",
                      .handler = [db](const Call& call) {
                        return DownloadResponse(surveys::Surveys(*db).IndicatorsXlsx(call.who()), kXlsxType,
                                                "survey-indicators.xlsx");
                      },
                      .summary = "The survey indicators as an Excel workbook", .tag = "surveys",
                      .response_schema = "xlsx", .response_content = kXlsxType});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/surveys/{id}",
                      .handler = [db](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        return Reply(surveys::Surveys(*db).Get(call.who(), *id));
                      },
                      .summary = "One survey with its questions and the settings' codes you may see", .tag = "surveys",
                      .response_schema = "Survey"});
  t.routes.push_back({.method = "PATCH", .pattern = "/api/v1/surveys/{id}",
                      .handler = [db, body_of](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        return Reply(surveys::Surveys(*db).Update(call.who(), *id, *body));
                      },
                      .summary = "Open or close a survey, or change its dates", .tag = "surveys",
                      .request_schema = "SurveyUpdate", .response_schema = "Survey"});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/surveys/{id}/settings",
                      .handler = [db, body_of](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        return Reply(surveys::Surveys(*db).AddSetting(call.who(), *id, *body), 201);
                      },
                      .summary = "Give a school or youth setting a code and link for the survey", .tag = "surveys",
                      .request_schema = "SurveySettingInput", .response_schema = "SurveySetting",
                      .success_status = 201});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/surveys/{id}/results",
                      .handler = [db](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        return Reply(surveys::Surveys(*db).Results(call.who(), *id));
                      },
                      .summary = "Counts per setting and age band (small cells and free text suppressed)",
                      .tag = "surveys", .response_schema = "SurveyResults"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/surveys/{id}/results/export.csv",
                      .handler = [db](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        return DownloadResponse(surveys::Surveys(*db).ResultsCsv(call.who(), *id), kCsvType,
                                                fmt::format("survey-{}-results.csv", *id));
                      },
                      .summary = "A survey's results as CSV (no free text)", .tag = "surveys", .response_schema = "csv",
                      .response_content = "text/csv"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/surveys/{id}/results/export.xlsx",
                      .handler = [db](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        return DownloadResponse(surveys::Surveys(*db).ResultsXlsx(call.who(), *id), kXlsxType,
                                                fmt::format("survey-{}-results.xlsx", *id));
                      },
                      .summary = "A survey's results as an Excel workbook (no free text)", .tag = "surveys",
                      .response_schema = "xlsx", .response_content = kXlsxType});
}

}  // namespace esafe::web
