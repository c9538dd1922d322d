// Routes: early-warning alerts (capability: src/monitoring) — the alerts an agency's
// e-safety officer (or the partnership) may see, one alert with its evidence and
// history, and its triage: into a pre-filled incident, or closed as a false positive
// or dismissed with a reason. Scoping, validation and the audit trail live in
// AlertLog; these handlers parse, call one method, and format.
#include <fmt/format.h>

#include "monitoring/monitoring.h"
#include "web/paging.h"
#include "web/route_table.h"

namespace esafe::web {
namespace {

using monitoring::AlertLog;

// The required "reason" of a JSON body.
Result<std::string> ReasonOf(const Json& body) {
  if (!body.is_object() || !body.contains("reason") || !body["reason"].is_string()) {
    return Error::Invalid("reason is required", "reason");
  }
  return body["reason"].get<std::string>();
}

}  // namespace

void AddMonitoringRoutes(RouteTable& t) {
  auto* db = &t.db;
  const AppOptions* opts = &t.options;
  auto body_of = [opts](const Call& call) { return ParseJsonBody(call.request, opts->max_json_body); };
  const Json text = {{"type", "string"}};

  t.schemas["AlertSummary"] = {
      {"type", "object"},
      {"description", "an alert: id, rule, severity, state, agency_id, agency, site, client, user, subject, "
                      "summary, first/last event times, event_count, raised_at"}};
  t.schemas["Alert"] = {{"type", "object"},
                        {"description", "an alert with its evidence: the events it refers to (time_us, client, "
                                        "position in the activity log), rule-specific detail, and its history "
                                        "[{at, by, from, to, reason}]"}};
  t.schemas["AlertTriage"] = {{"type", "object"},
                              {"description", "alert (after triage), incident (the incident created from "
                                              "it, pre-filled) and incident_id"}};
  t.schemas["AlertTriageInput"] = {{"type", "object"},
                                   {"description", "optional incident fields that override what the alert "
                                                   "pre-fills (description, site_id, …)"}};
  t.schemas["AlertCloseInput"] = {{"type", "object"},
                                  {"properties", {{"reason", text}}},
                                  {"required", Json::array({"reason"})}};

  t.routes.push_back({.method = "GET", .pattern = "/api/v1/alerts",
                      .handler = [db](const Call& call) {
                        monitoring::AlertQuery q;
                        auto read = QueryInts(call.request, {{"agency_id", &q.agency_id}});
                        if (!read.ok()) return ErrorResponse(read.error());
                        q.state = QueryText(call.request, "state");
                        q.rule = QueryText(call.request, "rule");
                        q.min_severity = QueryText(call.request, "min_severity");
                        if (auto s = QueryText(call.request, "severity")) {
                          if (!monitoring::ParseSeverity(*s)) {
                            return ErrorResponse(400, "severity must be low, medium, high or critical", "severity");
                          }
                          q.severity = *s;
                        }
                        return PagedReply(call, AlertLog(*db).ListPage(call.who(), q, call.page));
                      },
                      .summary = "Early-warning alerts you may see (your agency's; the partnership sees all), "
                                 "newest first; filter by state, severity, min_severity, rule; audited",
                      .tag = "monitoring", .response_schema = "[AlertSummary]",
                      .query_params = {"agency_id", "state", "severity", "min_severity", "rule"},
                      .pages_in_sql = true});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/alerts/{id}",
                      .handler = [db](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        return Reply(AlertLog(*db).Get(call.who(), *id));
                      },
                      .summary = "One alert with the events it refers to and its history; the read is audited",
                      .tag = "monitoring", .response_schema = "Alert"});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/alerts/{id}/incident",
                      .handler = [db, body_of](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        Json extra = Json::object();
                        if (!call.request.body.empty()) {
                          auto body = body_of(call);
                          if (!body.ok()) return ErrorResponse(body.error());
                          if (!body->is_object()) return ErrorResponse(400, "send a JSON object");
                          extra = std::move(*body);
                        }
                        auto triaged = AlertLog(*db).TriageToIncident(call.who(), *id, extra);
                        if (!triaged.ok()) return ErrorResponse(triaged.error());
                        Json out = *triaged;
                        out["incident_id"] = out["incident"]["id"];
                        return JsonResponse(201, out);
                      },
                      .summary = "Triage a new alert into an incident, pre-filled from the alert; returns the "
                                 "alert with incident_id",
                      .tag = "monitoring", .request_schema = "AlertTriageInput", .response_schema = "AlertTriage",
                      .success_status = 201});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/alerts/{id}/false-positive",
                      .handler = [db, body_of](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        auto reason = ReasonOf(*body);
                        if (!reason.ok()) return ErrorResponse(reason.error());
                        return Reply(AlertLog(*db).MarkFalsePositive(call.who(), *id, *reason));
                      },
                      .summary = "Close a new alert as a false positive, with the reason", .tag = "monitoring",
                      .request_schema = "AlertCloseInput", .response_schema = "Alert"});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/alerts/{id}/dismissal",
                      .handler = [db, body_of](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        auto reason = ReasonOf(*body);
                        if (!reason.ok()) return ErrorResponse(reason.error());
                        return Reply(AlertLog(*db).Dismiss(call.who(), *id, *reason));
                      },
                      .summary = "Dismiss a new alert, with the reason", .tag = "monitoring",
                      .request_schema = "AlertCloseInput", .response_schema = "Alert"});

  // Who is e-mailed an agency's alerts (its designated lead and deputies) or, with no
  // agency, the partnership's. A separate prefix from /api/v1/alerts/{id}.
  t.schemas["AlertRecipient"] = {{"type", "object"},
                                 {"properties",
                                  {{"id", {{"type", "integer"}, {"readOnly", true}}},
                                   {"agency_id", {{"type", "integer"}, {"nullable", true},
                                                  {"description", "the agency; null for the partnership's"}}},
                                   {"name", text},
                                   {"email", {{"type", "string"}, {"format", "email"}}}}},
                                 {"required", Json::array({"name", "email"})}};
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/alert-recipients",
                      .handler = [db](const Call& call) {
                        auto agency = QueryInt(call.request, "agency_id");
                        if (!agency.ok()) return ErrorResponse(agency.error());
                        std::optional<int64_t> asked = *agency;
                        // An officer's list is their own agency's.
                        if (!asked && !call.who().IsPartnershipManager()) asked = call.who().agency_id;
                        return Reply(AlertLog(*db).ListRecipients(call.who(), asked));
                      },
                      .summary = "Who is e-mailed alerts: an agency's recipients (officers: their own) or all",
                      .tag = "monitoring", .response_schema = "AlertRecipient", .query_params = {"agency_id"}});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/alert-recipients",
                      .handler = [db, body_of](const Call& call) {
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        if (!body->is_object()) return ErrorResponse(Error::Invalid("a recipient must be a JSON object"));
                        for (const auto& [key, value] : body->items()) {
                          if (key != "agency_id" && key != "name" && key != "email") {
                            return ErrorResponse(Error::Invalid("unknown field " + key.substr(0, 40), key.substr(0, 40)));
                          }
                          if (key == "agency_id" ? !(value.is_number_integer() || value.is_null()) : !value.is_string()) {
                            return ErrorResponse(Error::Invalid(key + " has the wrong type", key));
                          }
                        }
                        std::optional<int64_t> agency;
                        if (body->contains("agency_id") && !(*body)["agency_id"].is_null()) {
                          agency = (*body)["agency_id"].get<int64_t>();
                        } else if (!call.who().IsPartnershipManager()) {
                          agency = call.who().agency_id;  // an officer names their own agency's
                        }
                        return Reply(AlertLog(*db).AddRecipient(call.who(), agency, body->value("name", ""),
                                                                body->value("email", "")),
                                     201);
                      },
                      .summary = "Add someone who is e-mailed alerts: an agency's designated lead or deputy, or "
                                 "(no agency) the partnership's; audited",
                      .tag = "monitoring", .request_schema = "AlertRecipient", .response_schema = "AlertRecipient",
                      .success_status = 201});
  t.routes.push_back({.method = "DELETE", .pattern = "/api/v1/alert-recipients/{id}",
                      .handler = [db](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        auto removed = AlertLog(*db).RemoveRecipient(call.who(), *id);
                        if (!removed.ok()) return ErrorResponse(removed.error());
                        return JsonResponse(200, {{"removed", *id}});
                      },
                      .summary = "Stop e-mailing alerts to this recipient; audited", .tag = "monitoring",
                      .response_schema = "AlertRecipient"});
  // The link in an alert e-mail (alert_url_base + id) opens the alert's page in the app.
  t.routes.push_back({.method = "GET", .pattern = "/alerts/{id}", .needs_session = false,
                      .handler = [](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        Response r;
                        r.status = 303;
                        r.headers.emplace_back("Location", "/#/alerts/" + std::to_string(*id));
                        return r;
                      },
                      .summary = "The address in alert e-mails: 303 to the alert's page in the app (sign-in first)",
                      .tag = "monitoring", .success_status = 303});

  t.schemas["MonitoringStatus"] = {
      {"type", "object"},
      {"description", "whether live monitoring runs, and whether it keeps up: batches evaluated, dropped "
                      "(queue full) and late, alerts, e-mails, and any refused term library or rule settings "
                      "change"}};
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/monitoring/status",
                      .handler = [opts](const Call& call) {
                        if (!call.who().IsPartnershipManager()) {
                          return ErrorResponse(403, "only the partnership's administrators see monitoring's status");
                        }
                        if (!opts->live_monitoring) return JsonResponse(200, {{"running", false}});
                        Json status = opts->live_monitoring();
                        status["running"] = true;
                        return JsonResponse(200, status);
                      },
                      .summary = "Whether live monitoring keeps up with the activity log (partnership managers)",
                      .tag = "monitoring", .response_schema = "MonitoringStatus"});
}

}  // namespace esafe::web
