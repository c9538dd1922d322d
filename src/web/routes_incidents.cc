// Routes: the incident log — response flowcharts (list, read, walk, publish),
// incidents and everything recorded against them, escalation between agencies,
// serious-incident review, overdue actions and statistics (capability:
// src/incidents). Scoping and validation live in IncidentLog; these handlers
// parse, call one method, and format.
#include <fmt/format.h>

#include "core/text.h"
#include "incidents/incidents.h"
#include "web/paging.h"
#include "web/route_table.h"

namespace esafe::web {
namespace {

using incidents::IncidentLog;

// The {key} path parameter: a flowchart id is lower-case letters, digits and '-'.
Result<std::string> PathKey(const Call& call) {
  auto it = call.params.find("key");
  std::string key = it == call.params.end() ? "" : it->second;
  if (key.empty() || key.size() > 64 || key.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos) {
    return Error::Invalid("a flowchart id is lower-case letters, digits and '-'", "key");
  }
  return key;
}

// {"answers": {question: value}} from a JSON body; an absent object is no answers.
Result<std::map<std::string, std::string>> AnswersOf(const Json& body) {
  std::map<std::string, std::string> out;
  if (!body.contains("answers") || body["answers"].is_null()) return out;
  const Json& a = body["answers"];
  if (!a.is_object()) return Error::Invalid("answers must be an object of question id to answer value", "answers");
  if (a.size() > 300) return Error::Invalid("too many answers", "answers");
  for (const auto& [k, v] : a.items()) {
    if (!v.is_string() || k.size() > 64 || v.get_ref<const std::string&>().size() > 200) {
      return Error::Invalid("each answer must be a short text value", "answers");
    }
    out[k] = v.get<std::string>();
  }
  return out;
}

Result<incidents::StatisticsQuery> StatisticsQueryOf(const Request& req) {
  incidents::StatisticsQuery q;
  auto agency = QueryInt(req, "agency_id");
  if (!agency.ok()) return agency.error();
  q.agency_id = *agency;
  q.from = QueryText(req, "from");
  q.to = QueryText(req, "to");
  std::string per = QueryText(req, "per").value_or("quarter");
  if (per != "quarter" && per != "year") return Error::Invalid("per must be quarter or year", "per");
  q.per_year = per == "year";
  return q;
}

Json ObjectSchema(std::initializer_list<std::pair<const char*, Json>> props, std::vector<std::string> required = {}) {
  Json p = Json::object();
  for (const auto& [k, v] : props) p[k] = v;
  Json s = {{"type", "object"}, {"properties", p}};
  if (!required.empty()) s["required"] = required;
  return s;
}

}  // namespace

void AddIncidentRoutes(RouteTable& t) {
  auto* db = &t.db;
  const AppOptions* opts = &t.options;
  auto body_of = [opts](const Call& call) { return ParseJsonBody(call.request, opts->max_json_body); };
  const Json text = {{"type", "string"}};
  const Json answers = {{"type", "object"}, {"additionalProperties", {{"type", "string"}}},
                        {"description", "question node id -> answer value"}};

  // ---- OpenAPI components ----
  Json incident = incidents::IncidentSchema().OpenApi(false);
  for (const char* k : {"agency_name", "sector", "site_name", "category_label", "risk_label",
                        "illegal_material_instruction"}) {
    incident["properties"][k] = {{"type", "string"}, {"readOnly", true}};
  }
  incident["properties"]["shared"] = {{"type", "boolean"}, {"readOnly", true}};
  incident["properties"]["must_not"] = {{"type", "array"}, {"items", text}, {"readOnly", true}};
  incident["properties"]["flowchart_answers"] = answers;
  for (const char* k : {"people", "actions", "referrals", "evidence", "shares"}) {
    incident["properties"][k] = {{"type", "array"}, {"items", {{"type", "object"}}}, {"readOnly", true}};
  }
  incident["properties"]["review"] = {{"type", "object"}, {"nullable", true}, {"readOnly", true}};
  t.schemas["Incident"] = incident;
  Json incident_in = incidents::IncidentSchema().OpenApi(true);
  incident_in["properties"]["flowchart_id"] = {{"type", "string"},
                                               {"description", "the flowchart walked; its answers set the risk "
                                                               "level and required actions"}};
  incident_in["properties"]["answers"] = answers;
  t.schemas["IncidentInput"] = incident_in;
  Json incident_change = incidents::IncidentSchema().OpenApi(true);
  if (incident_change.contains("required")) incident_change.erase("required");
  t.schemas["IncidentChange"] = incident_change;
  t.schemas["IncidentPersonInput"] = incidents::PersonSchema().OpenApi(true);
  t.schemas["IncidentActionInput"] = incidents::ActionSchema().OpenApi(true);
  t.schemas["IncidentReferralInput"] = incidents::ReferralSchema().OpenApi(true);
  t.schemas["IncidentEvidenceInput"] = incidents::EvidenceSchema().OpenApi(true);
  t.schemas["IncidentCustodyInput"] = incidents::CustodySchema().OpenApi(true);
  t.schemas["IncidentClosureInput"] = incidents::ClosureSchema().OpenApi(true);
  t.schemas["IncidentReviewInput"] = incidents::ReviewSchema().OpenApi(true);
  t.schemas["IncidentActionCompletion"] = ObjectSchema({{"note", text}, {"not_done_reason", text}});
  t.schemas["ReasonInput"] = ObjectSchema({{"reason", text}}, {"reason"});
  t.schemas["FlowchartAnswers"] = ObjectSchema({{"answers", answers}});
  t.schemas["Flowchart"] = {{"type", "object"},
                            {"description", "id, title, description, version, category, start, and the nodes: "
                                            "questions with answers, outcomes with risk, actions, tell, must_not"}};
  t.schemas["FlowchartSummary"] = {{"type", "object"}, {"description", "a flowchart in force: id, version, title"}};
  t.schemas["FlowchartWalk"] = {{"type", "object"},
                                {"description", "path so far; next question (node, question, help, answers) or the "
                                                "outcome (risk, summary, actions with due times, tell in order, "
                                                "must_not)"}};
  t.schemas["FlowchartPublished"] = ObjectSchema(
      {{"id", text}, {"version", {{"type", "integer"}}}, {"previous_version", {{"type", "integer"}}}});
  t.schemas["IncidentVocabulary"] = {{"type", "object"},
                                     {"description", "categories, how identified, risk levels, escalation and "
                                                     "referral targets, person roles, device owners: [{key, label}]"}};
  t.schemas["IncidentEvent"] = ObjectSchema({{"id", {{"type", "integer"}}}, {"at", text}, {"by", text},
                                             {"kind", text}, {"summary", text}, {"detail", {{"type", "object"}}}});
  t.schemas["SharedIncident"] = {{"type", "object"},
                                 {"description", "an incident shared with your agency, and whether it is acknowledged"}};
  t.schemas["ReferralAgency"] = ObjectSchema({{"id", {{"type", "integer"}}}, {"name", text}, {"sector", text}});
  t.schemas["SeriousIncident"] = {{"type", "object"},
                                  {"description", "a serious incident with its review answers and status; no people"}};
  t.schemas["Acknowledgement"] = ObjectSchema(
      {{"incident_id", {{"type", "integer"}}}, {"acknowledged_by", text}, {"agency_id", {{"type", "integer"}}}});
  t.schemas["SeriousMarked"] = ObjectSchema(
      {{"incident_id", {{"type", "integer"}}}, {"serious", {{"type", "boolean"}}}, {"review_opened_at", text}});
  t.schemas["IncidentReview"] = incidents::ReviewSchema().OpenApi(false);
  t.schemas["OverdueAction"] = {{"type", "object"},
                                {"description", "a required action not done by its due time, with its incident"}};
  t.schemas["IncidentStatistics"] = {
      {"type", "object"},
      {"description", "scope (agency or partnership), suppressed, periods, tables [{dimension, rows [{period, key, "
                      "label, count, display}]}]; partnership views show counts from 1 to 4 as 'fewer than 5'"}};

  // ---- flowcharts ----
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/flowcharts",
                      .handler = [db](const Call& call) { return Reply(IncidentLog(*db).ListFlowcharts(call.who())); },
                      .summary = "The response flowcharts in force", .tag = "incidents",
                      .response_schema = "[FlowchartSummary]"});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/flowcharts",
                      .handler = [db](const Call& call) {
                        std::string type = text::Lower(call.request.Header("content-type"));
                        if (!type.starts_with("application/yaml") && !type.starts_with("text/yaml") &&
                            !type.starts_with("text/plain")) {
                          return ErrorResponse(400, "send the flowchart file as application/yaml");
                        }
                        std::string name = QueryText(call.request, "file_name").value_or("flowchart.yaml");
                        return Reply(IncidentLog(*db).PublishFlowchart(call.who(), call.request.body, name), 201);
                      },
                      .summary = "Publish a new version of a flowchart (partnership); an invalid file is refused "
                                 "with FILE:LINE: reason and the version in force stays",
                      .tag = "incidents", .request_schema = "yaml", .request_content = "application/yaml",
                      .response_schema = "FlowchartPublished", .query_params = {"file_name"},
                      .success_status = 201});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/flowcharts/{key}",
                      .handler = [db](const Call& call) {
                        auto key = PathKey(call);
                        if (!key.ok()) return ErrorResponse(key.error());
                        auto version = QueryInt(call.request, "version");
                        if (!version.ok()) return ErrorResponse(version.error());
                        return Reply(IncidentLog(*db).GetFlowchart(call.who(), *key, *version));
                      },
                      .summary = "One flowchart: the version in force, or ?version=", .tag = "incidents",
                      .response_schema = "Flowchart", .query_params = {"version"}});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/flowcharts/{key}/walk",
                      .handler = [db, body_of](const Call& call) {
                        auto key = PathKey(call);
                        if (!key.ok()) return ErrorResponse(key.error());
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        auto given = AnswersOf(*body);
                        if (!given.ok()) return ErrorResponse(given.error());
                        return Reply(IncidentLog(*db).WalkFlowchart(call.who(), *key, *given));
                      },
                      .summary = "Where the answers lead: the next question, or the outcome with required actions, "
                                 "due times, who to tell and what not to do (nothing is stored)",
                      .tag = "incidents", .request_schema = "FlowchartAnswers", .response_schema = "FlowchartWalk"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/incident-vocabulary",
                      .handler = [](const Call&) { return JsonResponse(200, incidents::VocabularyJson()); },
                      .summary = "The words an incident uses: categories, how identified, risk levels, targets, roles",
                      .tag = "incidents", .response_schema = "IncidentVocabulary"});

  // ---- incidents ----
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/incidents",
                      .handler = [db](const Call& call) {
                        incidents::ListQuery q;
                        auto read = QueryInts(call.request, {{"agency_id", &q.agency_id}});
                        if (!read.ok()) return ErrorResponse(read.error());
                        q.status = QueryText(call.request, "status");
                        if (q.status && *q.status != "open" && *q.status != "closed" && *q.status != "withdrawn") {
                          return ErrorResponse(400, "status must be open, closed or withdrawn", "status");
                        }
                        q.category = QueryText(call.request, "category");
                        if (auto s = QueryText(call.request, "serious")) {
                          if (*s != "0" && *s != "1") return ErrorResponse(400, "serious must be 0 or 1", "serious");
                          q.serious = *s == "1";
                        }
                        return PagedReply(call, IncidentLog(*db).ListPage(call.who(), q, call.page));
                      },
                      .summary = "Incidents you may see (your agency's, and those shared with it), newest first; "
                                 "no people; audited",
                      .tag = "incidents", .response_schema = "[Incident]",
                      .query_params = {"agency_id", "status", "category", "serious"}, .pages_in_sql = true});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/incidents",
                      .handler = [db, body_of](const Call& call) {
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        return Reply(IncidentLog(*db).Create(call.who(), *body), 201);
                      },
                      .summary = "Record an incident; with flowchart_id and answers, the outcome's risk level and "
                                 "required actions are stored",
                      .tag = "incidents", .request_schema = "IncidentInput", .response_schema = "Incident",
                      .success_status = 201});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/incidents/{id}",
                      .handler = [db](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        return Reply(IncidentLog(*db).Get(call.who(), *id));
                      },
                      .summary = "One incident with people, actions (overdue flagged), referrals, evidence, shares "
                                 "and review; an agency it is shared with sees the shared part; audited",
                      .tag = "incidents", .response_schema = "Incident"});
  t.routes.push_back({.method = "PATCH", .pattern = "/api/v1/incidents/{id}",
                      .handler = [db, body_of](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        return Reply(IncidentLog(*db).Update(call.who(), *id, *body));
                      },
                      .summary = "Change an open incident's own fields (kept in the chronology)", .tag = "incidents",
                      .request_schema = "IncidentChange", .response_schema = "Incident"});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/incidents/{id}/answers",
                      .handler = [db, body_of](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        auto given = AnswersOf(*body);
                        if (!given.ok()) return ErrorResponse(given.error());
                        return Reply(IncidentLog(*db).RecordAnswers(call.who(), *id, *given));
                      },
                      .summary = "Record more flowchart answers, against the version the incident started with",
                      .tag = "incidents", .request_schema = "FlowchartAnswers", .response_schema = "Incident"});

  // Sub-records: each appends to the incident and returns the whole incident.
  struct SubRecord {
    const char* path;
    const char* schema;
    const char* summary;
    Result<Json> (IncidentLog::*add)(const access::Principal&, int64_t, const Json&);
  };
  for (const SubRecord& s : {SubRecord{"people", "IncidentPersonInput",
                                       "Add a person involved, by role under a pseudonymous reference (a name is "
                                       "optional and shown only inside the owning agency)",
                                       &IncidentLog::AddPerson},
                             SubRecord{"actions", "IncidentActionInput", "Add an action (what, who, when)",
                                       &IncidentLog::AddAction},
                             SubRecord{"referrals", "IncidentReferralInput",
                                       "Record a referral or escalation; to a member agency it shares the incident "
                                       "with that agency's e-safety officers",
                                       &IncidentLog::AddReferral},
                             SubRecord{"evidence", "IncidentEvidenceInput",
                                       "Register evidence (described, never the material itself)",
                                       &IncidentLog::AddEvidence}}) {
    auto add = s.add;
    t.routes.push_back({.method = "POST", .pattern = fmt::format("/api/v1/incidents/{{id}}/{}", s.path),
                        .handler = [db, body_of, add](const Call& call) {
                          auto id = PathId(call);
                          if (!id.ok()) return ErrorResponse(id.error());
                          auto body = body_of(call);
                          if (!body.ok()) return ErrorResponse(body.error());
                          IncidentLog log(*db);
                          return Reply((log.*add)(call.who(), *id, *body), 201);
                        },
                        .summary = s.summary, .tag = "incidents", .request_schema = s.schema,
                        .response_schema = "Incident", .success_status = 201});
  }
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/incidents/{id}/actions/{action_id}/complete",
                      .handler = [db, body_of](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        auto action = PathInt(call, "action_id");
                        if (!action.ok()) return ErrorResponse(action.error());
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        return Reply(IncidentLog(*db).CompleteAction(call.who(), *id, *action, *body));
                      },
                      .summary = "Mark an action done (note), or record why it will not be done (not_done_reason)",
                      .tag = "incidents", .request_schema = "IncidentActionCompletion",
                      .response_schema = "Incident"});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/incidents/{id}/evidence/{evidence_id}/custody",
                      .handler = [db, body_of](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        auto evidence = PathInt(call, "evidence_id");
                        if (!evidence.ok()) return ErrorResponse(evidence.error());
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        return Reply(IncidentLog(*db).AddCustody(call.who(), *id, *evidence, *body), 201);
                      },
                      .summary = "Add a chain-of-custody entry to evidence", .tag = "incidents",
                      .request_schema = "IncidentCustodyInput", .response_schema = "Incident",
                      .success_status = 201});
  t.routes.push_back({.method = "PUT", .pattern = "/api/v1/incidents/{id}/evidence/{evidence_id}/file",
                      .handler = [db](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        auto evidence = PathInt(call, "evidence_id");
                        if (!evidence.ok()) return ErrorResponse(evidence.error());
                        auto name = QueryText(call.request, "file_name");
                        if (!name) return ErrorResponse(400, "give the file's name as ?file_name=", "file_name");
                        return Reply(IncidentLog(*db).AttachEvidenceFile(call.who(), *id, *evidence, *name,
                                                                         call.request.body));
                      },
                      .summary = "Attach a file to evidence (its SHA-256 is stored); refused with the Annex B "
                                 "Chart 3 instruction for suspected illegal material",
                      .tag = "incidents", .request_schema = "file", .request_content = "application/octet-stream",
                      .response_schema = "Incident", .query_params = {"file_name"}});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/incidents/{id}/close",
                      .handler = [db, body_of](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        return Reply(IncidentLog(*db).Close(call.who(), *id, *body));
                      },
                      .summary = "Close with the conclusion; refused while a required action is open unless "
                                 "open_actions_reason is given",
                      .tag = "incidents", .request_schema = "IncidentClosureInput", .response_schema = "Incident"});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/incidents/{id}/withdraw",
                      .handler = [db, body_of](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        auto reason = TextField(*body, "reason");
                        if (!reason.ok()) return ErrorResponse(reason.error());
                        return Reply(IncidentLog(*db).Withdraw(call.who(), *id, *reason));
                      },
                      .summary = "Withdraw an incident recorded in error, with the reason; its history stays",
                      .tag = "incidents", .request_schema = "ReasonInput", .response_schema = "Incident"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/incidents/{id}/chronology",
                      .handler = [db](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        return Reply(IncidentLog(*db).Chronology(call.who(), *id));
                      },
                      .summary = "Every change to the incident, oldest first; audited", .tag = "incidents",
                      .response_schema = "[IncidentEvent]"});

  // ---- escalation between agencies ----
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/incidents/shared",
                      .handler = [db](const Call& call) { return Reply(IncidentLog(*db).SharedWithMe(call.who())); },
                      .summary = "Incidents shared with your agency, and whether each is acknowledged",
                      .tag = "incidents", .response_schema = "[SharedIncident]"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/incidents/referral-agencies",
                      .handler = [db](const Call& call) { return Reply(IncidentLog(*db).ReferralAgencies(call.who())); },
                      .summary = "The member agencies an incident may be escalated to (names only)",
                      .tag = "incidents", .response_schema = "[ReferralAgency]"});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/incidents/{id}/acknowledge",
                      .handler = [db](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        return Reply(IncidentLog(*db).Acknowledge(call.who(), *id));
                      },
                      .summary = "Acknowledge an incident shared with your agency (its e-safety officers)",
                      .tag = "incidents", .response_schema = "Acknowledgement"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/incidents/overdue",
                      .handler = [db](const Call& call) {
                        auto agency = QueryInt(call.request, "agency_id");
                        if (!agency.ok()) return ErrorResponse(agency.error());
                        return Reply(IncidentLog(*db).Overdue(call.who(), *agency));
                      },
                      .summary = "Required actions past their due time (your agency's; every agency's for the "
                                 "partnership)",
                      .tag = "incidents", .response_schema = "[OverdueAction]", .query_params = {"agency_id"}});

  // ---- serious incidents ----
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/incidents/{id}/serious",
                      .handler = [db, body_of](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        auto reason = TextField(*body, "reason");
                        if (!reason.ok()) return ErrorResponse(reason.error());
                        return Reply(IncidentLog(*db).MarkSerious(call.who(), *id, *reason));
                      },
                      .summary = "Mark the incident serious and open its review (the four Section 5 questions)",
                      .tag = "incidents", .request_schema = "ReasonInput", .response_schema = "SeriousMarked"});
  t.routes.push_back({.method = "PATCH", .pattern = "/api/v1/incidents/{id}/review",
                      .handler = [db, body_of](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        return Reply(IncidentLog(*db).UpdateReview(call.who(), *id, *body));
                      },
                      .summary = "Answer the serious-incident review questions; complete: true closes the review",
                      .tag = "incidents", .request_schema = "IncidentReviewInput", .response_schema = "IncidentReview"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/incidents/serious",
                      .handler = [db](const Call& call) { return Reply(IncidentLog(*db).ListSerious(call.who())); },
                      .summary = "Serious incidents with their review status (no people)", .tag = "incidents",
                      .response_schema = "[SeriousIncident]"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/incidents/serious/export.csv",
                      .handler = [db](const Call& call) {
                        return DownloadResponse(IncidentLog(*db).ExportSeriousCsv(call.who()), kCsvType,
                                                "serious-incidents.csv");
                      },
                      .summary = "Serious incidents as CSV, for the sub-group's standing agenda item",
                      .tag = "incidents", .response_schema = "csv", .response_content = "text/csv",
                      .background = "incidents.serious.export"});

  // ---- statistics ----
  const std::vector<std::string> stats_params = {"from", "to", "agency_id", "per"};
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/incidents/statistics",
                      .handler = [db](const Call& call) {
                        auto q = StatisticsQueryOf(call.request);
                        if (!q.ok()) return ErrorResponse(q.error());
                        return Reply(IncidentLog(*db).Statistics(call.who(), *q));
                      },
                      .summary = "Counts by category, agency, sector, how identified, risk level and escalation "
                                 "target per quarter (per=year: per year); partnership and board views show 1 to 4 "
                                 "as 'fewer than 5'",
                      .tag = "incidents", .response_schema = "IncidentStatistics", .query_params = stats_params});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/incidents/statistics/export.csv",
                      .handler = [db](const Call& call) {
                        auto q = StatisticsQueryOf(call.request);
                        if (!q.ok()) return ErrorResponse(q.error());
                        return DownloadResponse(IncidentLog(*db).StatisticsCsv(call.who(), *q), kCsvType,
                                                "incident-statistics.csv");
                      },
                      .summary = "The statistics as CSV (period, dimension, key, label, count)", .tag = "incidents",
                      .response_schema = "csv", .response_content = "text/csv", .query_params = stats_params,
                      .background = "incidents.statistics.export"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/incidents/statistics/export.xlsx",
                      .handler = [db](const Call& call) {
                        auto q = StatisticsQueryOf(call.request);
                        if (!q.ok()) return ErrorResponse(q.error());
                        return DownloadResponse(IncidentLog(*db).StatisticsXlsx(call.who(), *q), kXlsxType,
                                                "incident-statistics.xlsx");
                      },
                      .summary = "The statistics as an XLSX workbook, one sheet per dimension", .tag = "incidents",
                      .response_schema = "xlsx",
                      .response_content = kXlsxType,
                      .query_params = stats_params, .background = "incidents.statistics.export"});
}

}  // namespace esafe::web
