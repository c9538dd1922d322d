// Routes: the annual audit — templates, rounds, returns and measures of success.
#include <fmt/format.h>

#include "standards/standards.h"
#include "web/route_table.h"

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
}

}  // namespace esafe::web
