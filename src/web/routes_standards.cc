// Routes: the annual audit — templates, rounds, returns and measures of success.
#include <fmt/format.h>

#include "core/csv.h"

#include "standards/standards.h"
#include "web/board_report_page.h"
#include "web/pdf_renderer.h"
#include "web/route_table.h"
#include "web/ui_assets.h"

namespace esafe::web {
namespace {

// The {id} round and {agency_id} of a return route.
Result<std::pair<int64_t, int64_t>> ReturnKey(const Call& call) {
  auto round = PathId(call);
  if (!round.ok()) return round.error();
  auto agency = PathInt(call, "agency_id");
  if (!agency.ok()) return agency.error();
  return std::pair{*round, *agency};
}

// The board report for the {id} round, with the radar agency from ?agency_id=.
Result<Json> Report(store::Database& db, const Call& call) {
  auto id = PathId(call);
  if (!id.ok()) return id.error();
  auto agency = QueryInt(call.request, "agency_id");
  if (!agency.ok()) return agency.error();
  return standards::Standards(db).BoardReport(call.who(), *id, *agency);
}

// The ReportTable named by ?table=, or every table when absent.
Result<std::vector<standards::ReportTable>> ChosenTables(const Json& report, const Request& req) {
  auto all = standards::ReportTables(report);
  auto wanted = QueryText(req, "table");
  if (!wanted) return all;
  for (auto& t : all) {
    if (t.id == *wanted) return std::vector<standards::ReportTable>{t};
  }
  return Error::Invalid("no table of that name in the board report", "table");
}

std::string ReportCss() {
  for (const UiAsset* a = kUiAssets; a->path != nullptr; ++a) {
    if (std::string_view(a->path) == "/report.css") return std::string(a->data, a->size);
  }
  return {};
}

}  // namespace

void AddStandardsRoutes(RouteTable& t) {
  auto* db = &t.db;
  const AppOptions* opts = &t.options;
  const std::string tag = "audit";
  const std::string ret = "/api/v1/audit-rounds/{id}/returns/{agency_id}";

  t.schemas["AuditTemplate"] = {{"type", "object"},
                                {"description", "sections of questions; see data/audit/annual-return.yaml"}};
  t.schemas["AuditRoundInput"] = {
      {"type", "object"},
      {"additionalProperties", false},
      {"required", {"title", "year", "template_id", "deadline"}},
      {"properties",
       {{"title", {{"type", "string"}, {"maxLength", 200}}},
        {"year", {{"type", "integer"}, {"minimum", 2000}, {"maximum", 2100}}},
        {"template_id", {{"type", "integer"}, {"minimum", 1}}},
        {"deadline", {{"type", "string"}, {"format", "date"}}}}}};
  t.schemas["AuditRound"] = {{"type", "object"}};
  t.schemas["AuditRoundStatus"] = {{"type", "object"}};
  t.schemas["AuditReturn"] = {{"type", "object"}};
  t.schemas["AuditReturnInput"] = {
      {"type", "object"},
      {"additionalProperties", false},
      {"properties",
       {{"answers", {{"type", "object"}, {"description", "question id → answer (yes/no, number, choice, date, text, level 1–5)"}}},
        {"evidence_notes", {{"type", "object"}, {"description", "question id → note about the evidence held"}}}}}};
  t.schemas["ReturnForCorrection"] = {{"type", "object"},
                                      {"additionalProperties", false},
                                      {"required", {"comment"}},
                                      {"properties", {{"comment", {{"type", "string"}, {"maxLength", 2000}}}}}};
  t.schemas["SuggestedAction"] = {{"type", "object"}};
  t.schemas["AcceptSuggestedAction"] = {{"type", "object"},
                                        {"additionalProperties", false},
                                        {"required", {"question_id"}},
                                        {"properties", {{"question_id", {{"type", "string"}, {"maxLength", 64}}}}}};
  t.schemas["BoardReport"] = {{"type", "object"},
                              {"description", "measures by sector, returns, trend, level profiles and incident "
                                              "figures; 'tables' holds every table as exported"}};
  t.schemas["AuditMeasures"] = {
      {"type", "object"},
      {"description", "measures of success (seeds 004 Section 6); board members see 1–4 as 'fewer than 5'"}};

  t.routes.push_back({.method = "GET", .pattern = "/api/v1/audit-templates",
                      .handler = [db](const Call& call) {
                        return Reply(standards::Standards(*db).ListTemplates(call.who()));
                      },
                      .summary = "Audit templates, every version", .tag = tag, .response_schema = "[AuditTemplate]"});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/audit-templates",
                      .handler = [db](const Call& call) {
                        std::string type = call.request.Header("content-type");
                        if (type.find("yaml") == std::string::npos) {
                          return ErrorResponse(400, "send the template as application/yaml");
                        }
                        return Reply(standards::Standards(*db).PublishTemplate(call.who(), call.request.body), 201);
                      },
                      .summary = "Publish a new template version (YAML); a version in use is never edited",
                      .tag = tag, .request_schema = "yaml", .request_content = "application/yaml",
                      .response_schema = "AuditTemplate", .success_status = 201});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/audit-rounds",
                      .handler = [db](const Call& call) { return Reply(standards::Standards(*db).ListRounds(call.who())); },
                      .summary = "Audit rounds, newest first", .tag = tag, .response_schema = "[AuditRound]"});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/audit-rounds",
                      .handler = [db, opts](const Call& call) {
                        auto body = ParseJsonBody(call.request, opts->max_json_body);
                        if (!body.ok()) return ErrorResponse(body.error());
                        return Reply(standards::Standards(*db).OpenRound(call.who(), *body), 201);
                      },
                      .summary = "Open a round: a return is expected from every agency", .tag = tag,
                      .request_schema = "AuditRoundInput", .response_schema = "AuditRound", .success_status = 201});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/audit-rounds/{id}/status",
                      .handler = [db](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        return Reply(standards::Standards(*db).RoundStatus(call.who(), *id));
                      },
                      .summary = "Each agency's return status, with overdue ones flagged", .tag = tag,
                      .response_schema = "AuditRoundStatus"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/audit-rounds/{id}/measures",
                      .handler = [db](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        return Reply(standards::Standards(*db).Measures(call.who(), *id));
                      },
                      .summary = "Measures of success computed from the submitted returns", .tag = tag,
                      .response_schema = "AuditMeasures"});
  t.routes.push_back({.method = "GET", .pattern = ret,
                      .handler = [db](const Call& call) {
                        auto key = ReturnKey(call);
                        if (!key.ok()) return ErrorResponse(key.error());
                        return Reply(standards::Standards(*db).GetReturn(call.who(), key->first, key->second));
                      },
                      .summary = "One agency's return with its questions", .tag = tag,
                      .response_schema = "AuditReturn"});
  t.routes.push_back({.method = "PATCH", .pattern = ret,
                      .handler = [db, opts](const Call& call) {
                        auto key = ReturnKey(call);
                        if (!key.ok()) return ErrorResponse(key.error());
                        auto body = ParseJsonBody(call.request, opts->max_json_body);
                        if (!body.ok()) return ErrorResponse(body.error());
                        return Reply(standards::Standards(*db).SaveDraft(call.who(), key->first, key->second, *body));
                      },
                      .summary = "Save answers and evidence notes as a draft", .tag = tag,
                      .request_schema = "AuditReturnInput", .response_schema = "AuditReturn"});
  t.routes.push_back({.method = "POST", .pattern = ret + "/submit",
                      .handler = [db](const Call& call) {
                        auto key = ReturnKey(call);
                        if (!key.ok()) return ErrorResponse(key.error());
                        return Reply(standards::Standards(*db).Submit(call.who(), key->first, key->second));
                      },
                      .summary = "Submit the return to the partnership", .tag = tag,
                      .response_schema = "AuditReturn"});
  t.routes.push_back({.method = "POST", .pattern = ret + "/return",
                      .handler = [db, opts](const Call& call) {
                        auto key = ReturnKey(call);
                        if (!key.ok()) return ErrorResponse(key.error());
                        auto body = ParseJsonBody(call.request, opts->max_json_body);
                        if (!body.ok()) return ErrorResponse(body.error());
                        for (const auto& [k, v] : body->items()) {
                          if (k != "comment") return ErrorResponse(400, "unknown field '" + k.substr(0, 64) + "'", k.substr(0, 64));
                        }
                        if (!body->contains("comment") || !(*body)["comment"].is_string()) {
                          return ErrorResponse(400, "say what needs correcting", "comment");
                        }
                        return Reply(standards::Standards(*db).ReturnForCorrection(call.who(), key->first, key->second,
                                                                                   (*body)["comment"]));
                      },
                      .summary = "Send a submitted return back for correction", .tag = tag,
                      .request_schema = "ReturnForCorrection", .response_schema = "AuditReturn"});
  t.routes.push_back({.method = "GET", .pattern = ret + "/suggested-actions",
                      .handler = [db](const Call& call) {
                        auto key = ReturnKey(call);
                        if (!key.ok()) return ErrorResponse(key.error());
                        return Reply(standards::Standards(*db).SuggestedActions(call.who(), key->first, key->second));
                      },
                      .summary = "Gaps the answers reveal, each with a suggested action", .tag = tag,
                      .response_schema = "[SuggestedAction]"});
  t.routes.push_back({.method = "POST", .pattern = ret + "/suggested-actions/accept",
                      .handler = [db, opts](const Call& call) {
                        auto key = ReturnKey(call);
                        if (!key.ok()) return ErrorResponse(key.error());
                        auto body = ParseJsonBody(call.request, opts->max_json_body);
                        if (!body.ok()) return ErrorResponse(body.error());
                        for (const auto& [k, v] : body->items()) {
                          if (k != "question_id") return ErrorResponse(400, "unknown field '" + k.substr(0, 64) + "'", k.substr(0, 64));
                        }
                        if (!body->contains("question_id") || !(*body)["question_id"].is_string()) {
                          return ErrorResponse(400, "name the question whose suggested action to accept", "question_id");
                        }
                        return Reply(standards::Standards(*db).AcceptSuggestedAction(
                                         call.who(), key->first, key->second, (*body)["question_id"]),
                                     201);
                      },
                      .summary = "Accept a suggested action into the action plan, led by the agency", .tag = tag,
                      .request_schema = "AcceptSuggestedAction", .response_schema = "PlanAction",
                      .success_status = 201});

  const std::string report = "/api/v1/audit-rounds/{id}/report";
  t.routes.push_back({.method = "GET", .pattern = report,
                      .handler = [db](const Call& call) { return Reply(Report(*db, call)); },
                      .summary = "The annual board report's figures (agency_id: the agency on the radar)", .tag = tag,
                      .response_schema = "BoardReport", .query_params = {"agency_id"}});
  t.routes.push_back({.method = "GET", .pattern = report + ".html",
                      .handler = [db](const Call& call) {
                        auto r = Report(*db, call);
                        if (!r.ok()) return ErrorResponse(r.error());
                        Response page;
                        page.content_type = "text/html; charset=utf-8";
                        page.body = RenderBoardReportPage(*r, {.round_id = (*r)["round"]["id"].get<int64_t>()});
                        return page;
                      },
                      .summary = "The board report as a page laid out for print", .tag = tag,
                      .response_schema = "html", .response_content = "text/html", .query_params = {"agency_id"}});
  t.routes.push_back({.method = "GET", .pattern = report + ".pdf",
                      .handler = [db](const Call& call) {
                        if (!FindChromium()) {
                          return ErrorResponse(503, "PDF rendering needs Chromium, which is not installed on the "
                                                    "server (apt-get install chromium); print the HTML report from "
                                                    "a browser instead");
                        }
                        auto r = Report(*db, call);
                        if (!r.ok()) return ErrorResponse(r.error());
                        int64_t id = (*r)["round"]["id"].get<int64_t>();
                        if (call.job) call.job->Progress(1, 2, "printing the report with Chromium");
                        auto pdf = RenderPdf(RenderBoardReportPage(
                            *r, {.round_id = id, .standalone = true, .inline_css = ReportCss()}));
                        if (!pdf.ok()) return ErrorResponse(pdf.error());
                        return DownloadResponse(std::move(*pdf), "application/pdf",
                                                fmt::format("board-report-{}.pdf", (*r)["round"]["year"].get<int64_t>()));
                      },
                      .summary = "The board report as PDF (headless Chromium on the server)", .tag = tag,
                      .response_schema = "pdf", .response_content = "application/pdf", .query_params = {"agency_id"},
                      .background = "board-report.pdf"});
  t.routes.push_back({.method = "GET", .pattern = report + ".csv",
                      .handler = [db](const Call& call) {
                        auto r = Report(*db, call);
                        if (!r.ok()) return ErrorResponse(r.error());
                        auto tables = ChosenTables(*r, call.request);
                        if (!tables.ok()) return ErrorResponse(tables.error());
                        std::string body;
                        for (const auto& table : *tables) {
                          // Several tables in one file: each after its title and a blank line.
                          if (tables->size() > 1) body += (body.empty() ? "" : "\r\n") + csv::FormatRow({table.title});
                          body += standards::ReportTableCsv(table);
                        }
                        std::string name = tables->size() == 1 ? (*tables)[0].id : std::string("board-report");
                        return DownloadResponse(std::move(body), kCsvType,
                                                fmt::format("{}-{}.csv", name, (*r)["round"]["year"].get<int64_t>()));
                      },
                      .summary = "Board report tables as CSV (table: one table by id; all when absent)", .tag = tag,
                      .response_schema = "csv", .response_content = "text/csv", .query_params = {"agency_id", "table"}});
  t.routes.push_back({.method = "GET", .pattern = report + ".xlsx",
                      .handler = [db](const Call& call) {
                        auto r = Report(*db, call);
                        if (!r.ok()) return ErrorResponse(r.error());
                        auto tables = ChosenTables(*r, call.request);
                        if (!tables.ok()) return ErrorResponse(tables.error());
                        Json chosen = *r;
                        chosen["tables"] = Json::array();
                        for (const auto& table : *tables) {
                          chosen["tables"].push_back({{"id", table.id}, {"title", table.title},
                                                      {"columns", table.columns}, {"rows", table.rows}});
                        }
                        auto xlsx = standards::ReportXlsx(chosen);
                        if (!xlsx.ok()) return ErrorResponse(xlsx.error());
                        std::string name = tables->size() == 1 ? (*tables)[0].id : std::string("board-report");
                        return DownloadResponse(std::move(*xlsx), kXlsxType,
                                                fmt::format("{}-{}.xlsx", name, (*r)["round"]["year"].get<int64_t>()));
                      },
                      .summary = "Board report tables as an XLSX workbook (table: one table by id)", .tag = tag,
                      .response_schema = "xlsx",
                      .response_content = kXlsxType,
                      .query_params = {"agency_id", "table"}});

  // Infrastructure risk assessments per site (the HSE five steps of seeds 004 Section 3).
  t.schemas["RiskAssessment"] = {{"type", "object"},
                                 {"description", "the site's current assessment with the key questions and steps"}};
  t.schemas["RiskAssessmentInput"] = {
      {"type", "object"},
      {"additionalProperties", false},
      {"required", {"hazards", "review_date"}},
      {"properties",
       {{"key_questions", {{"type", "object"}, {"description", "step 1: key question id → answer"}}},
        {"hazards", {{"type", "array"}, {"items", {{"type", "string"}, {"maxLength", 500}}}, {"maxItems", 50}}},
        {"who_might_be_harmed", {{"type", "string"}, {"maxLength", 4000}, {"description", "step 2"}}},
        {"risks", {{"type", "array"}, {"maxItems", 50}, {"description", "step 3: {hazard, level: low|medium|high, precautions_in_place, further_precautions}"}}},
        {"actions", {{"type", "array"}, {"maxItems", 50}, {"description", "step 4: {action, owner, due_date, done}"}}},
        {"review_notes", {{"type", "string"}, {"maxLength", 4000}, {"description", "step 5"}}},
        {"review_date", {{"type", "string"}, {"format", "date"}}}}}};
  t.schemas["RiskAssessmentSummary"] = {{"type", "object"}};
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/risk-assessments",
                      .handler = [db](const Call& call) { return Reply(standards::RiskAssessments(*db).List(call.who())); },
                      .summary = "Every visible site with its risk assessment's review date", .tag = "risk assessments",
                      .response_schema = "[RiskAssessmentSummary]"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/sites/{id}/risk-assessment",
                      .handler = [db](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        return Reply(standards::RiskAssessments(*db).Get(call.who(), *id));
                      },
                      .summary = "A site's infrastructure risk assessment", .tag = "risk assessments",
                      .response_schema = "RiskAssessment"});
  t.routes.push_back({.method = "PUT", .pattern = "/api/v1/sites/{id}/risk-assessment",
                      .handler = [db, opts](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        auto body = ParseJsonBody(call.request, opts->max_json_body);
                        if (!body.ok()) return ErrorResponse(body.error());
                        return Reply(standards::RiskAssessments(*db).Save(call.who(), *id, *body));
                      },
                      .summary = "Record a new version of a site's risk assessment", .tag = "risk assessments",
                      .request_schema = "RiskAssessmentInput", .response_schema = "RiskAssessment"});
}

}  // namespace esafe::web
