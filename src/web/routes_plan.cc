// Routes: the strategy action plan, the training register and needs matrix,
// the register of disclosure requests, acceptable-use policies, the retention
// job and subject-access exports (capability: src/plan).
#include <fmt/format.h>

#include "core/clock.h"
#include "core/text.h"
#include "plan/plan.h"
#include "plan/retention.h"
#include "web/paging.h"
#include "web/route_table.h"

namespace esafe::web {
namespace {

Response Imported(const Result<plan::ImportReport>& report) {
  if (!report.ok()) return ErrorResponse(report.error());
  Json body = {{"imported", report->imported}, {"errors", report->errors}};
  if (!report->errors.empty()) {
    body["error"] = fmt::format("{} line(s) have errors; nothing was imported", report->errors.size());
    body["field"] = nullptr;
    return JsonResponse(400, body);
  }
  return JsonResponse(200, body);
}

bool IsCsv(const Call& call) { return text::Lower(call.request.Header("content-type")).starts_with("text/csv"); }

// A POST on a version with no body: publish, retire, accept.
template <typename F>
Route VersionAction(const char* suffix, const char* summary, F act) {
  return {.method = "POST", .pattern = std::string("/api/v1/aup/versions/{id}/") + suffix,
          .handler = [act](const Call& call) {
            auto id = PathId(call);
            if (!id.ok()) return ErrorResponse(id.error());
            return act(call, *id);
          },
          .summary = summary, .tag = "aup", .response_schema = "AupVersion"};
}

void AddAupRoutes(RouteTable& t) {
  auto* db = &t.db;
  const AppOptions* opts = &t.options;
  auto body_of = [opts](const Call& call) { return ParseJsonBody(call.request, opts->max_json_body); };

  t.schemas["AupPolicyInput"] = plan::AupPolicySchema().OpenApi(true);
  Json policy = plan::AupPolicySchema().OpenApi(false);
  policy["properties"]["agency_name"] = {{"type", "string"}, {"readOnly", true}};
  policy["properties"]["current_version"] = {{"$ref", "#/components/schemas/AupVersion"}};
  policy["properties"]["versions"] = {{"description", "a count in lists; the versions (with acceptances, for managers) "
                                                      "when one policy is read"}};
  policy["properties"]["review_overdue"] = {{"type", "boolean"}, {"readOnly", true}};
  policy["properties"]["accepted_by_me"] = {{"type", "boolean"}, {"readOnly", true}};
  t.schemas["AupPolicy"] = policy;
  t.schemas["AupVersion"] = plan::AupVersionSchema().OpenApi(false);
  t.schemas["AupVersionInput"] = plan::AupVersionSchema().OpenApi(true);
  t.schemas["AupAcceptance"] = plan::AupAcceptanceSchema().OpenApi(false);
  t.schemas["AupAcceptanceInput"] = plan::AupAcceptanceSchema().OpenApi(true);
  t.schemas["AupCoverage"] = {{"type", "object"},
                              {"description", "per policy: accepted and not-accepted counts of the current version "
                                              "(staff: against the people register, with names except for the board); "
                                              "totals by user group"}};
  t.schemas["AupReminder"] = {{"type", "object"},
                              {"description", "a policy whose current version's review date has passed"}};

  t.routes.push_back({.method = "GET", .pattern = "/api/v1/aup/policies",
                      .handler = [db](const Call& call) {
                        auto agency = QueryInt(call.request, "agency_id");
                        if (!agency.ok()) return ErrorResponse(agency.error());
                        return Reply(plan::AupRegister(*db).ListPolicies(call.who(), *agency));
                      },
                      .summary = "Acceptable-use policies you may see, each with its current version", .tag = "aup",
                      .response_schema = "[AupPolicy]", .query_params = {"agency_id"}});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/aup/policies",
                      .handler = [db, body_of](const Call& call) {
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        return Reply(plan::AupRegister(*db).CreatePolicy(call.who(), *body), 201);
                      },
                      .summary = "Add an agency's policy for one user group", .tag = "aup",
                      .request_schema = "AupPolicyInput", .response_schema = "AupPolicy"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/aup/policies/{id}",
                      .handler = [db](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        return Reply(plan::AupRegister(*db).GetPolicy(call.who(), *id));
                      },
                      .summary = "One policy with its versions and (for those who manage it) acceptances; audited",
                      .tag = "aup", .response_schema = "AupPolicy"});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/aup/policies/{id}/versions",
                      .handler = [db, body_of](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        return Reply(plan::AupRegister(*db).CreateVersion(call.who(), *id, *body), 201);
                      },
                      .summary = "Add a draft version", .tag = "aup", .request_schema = "AupVersionInput",
                      .response_schema = "AupVersion"});
  t.routes.push_back(VersionAction("publish", "Publish a draft: it becomes current and the previous current version "
                                              "is retired",
                                   [db](const Call& call, int64_t id) {
                                     return Reply(plan::AupRegister(*db).Publish(call.who(), id));
                                   }));
  t.routes.push_back(VersionAction("retire", "Retire the current version",
                                   [db](const Call& call, int64_t id) {
                                     return Reply(plan::AupRegister(*db).Retire(call.who(), id));
                                   }));
  Route accept = VersionAction("accept", "Accept your agency's current staff policy online, as the signed-in account",
                               [db](const Call& call, int64_t id) {
                                 return Reply(plan::AupRegister(*db).AcceptOnline(call.who(), id), 201);
                               });
  accept.response_schema = "AupAcceptance";
  t.routes.push_back(std::move(accept));
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/aup/versions/{id}/acceptances",
                      .handler = [db, body_of](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        return Reply(plan::AupRegister(*db).RecordPaperAcceptance(call.who(), *id, *body), 201);
                      },
                      .summary = "Record an acceptance signed on paper", .tag = "aup",
                      .request_schema = "AupAcceptanceInput", .response_schema = "AupAcceptance"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/aup/coverage",
                      .handler = [db](const Call& call) { return Reply(plan::AupRegister(*db).Coverage(call.who())); },
                      .summary = "Who has not accepted the current version, per policy and user group", .tag = "aup",
                      .response_schema = "AupCoverage"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/aup/reminders",
                      .handler = [db](const Call& call) { return Reply(plan::AupRegister(*db).Reminders(call.who())); },
                      .summary = "Policies whose review date has passed", .tag = "aup",
                      .response_schema = "[AupReminder]"});
}

void AddRetentionRoutes(RouteTable& t) {
  auto* db = &t.db;
  const AppOptions* opts = &t.options;
  auto body_of = [opts](const Call& call) { return ParseJsonBody(call.request, opts->max_json_body); };
  t.schemas["RetentionSchedule"] = {{"type", "object"},
                                    {"properties",
                                     {{"record_type", {{"type", "string"}, {"enum", plan::RetentionRecordTypes()}}},
                                      {"months", {{"type", "integer"}}},
                                      {"trigger_field", {{"type", "string"}}},
                                      {"basis", {{"type", "string"}}}}}};
  t.schemas["RetentionPeriodInput"] = {{"type", "object"},
                                       {"required", {"record_type", "months"}},
                                       {"properties",
                                        {{"record_type", {{"type", "string"}, {"enum", plan::RetentionRecordTypes()}}},
                                         {"months", {{"type", "integer"}, {"minimum", 1}, {"maximum", 1200}}}}}};
  t.schemas["RetentionDue"] = {{"type", "object"},
                               {"description", "records due for review or deletion ('due') and those under a legal "
                                               "hold ('held'), each {record_type, record_id, trigger_date, due_on, summary}"}};
  t.schemas["RetentionHold"] = {{"type", "object"}, {"description", "a legal hold on one record"}};
  t.schemas["RetentionHoldInput"] = {{"type", "object"},
                                     {"required", {"record_type", "record_id", "reason"}},
                                     {"properties",
                                      {{"record_type", {{"type", "string"}, {"enum", plan::RetentionRecordTypes()}}},
                                       {"record_id", {{"type", "integer"}}},
                                       {"reason", {{"type", "string"}}}}}};
  t.schemas["RetentionReleaseInput"] = {{"type", "object"},
                                        {"required", {"reason"}},
                                        {"properties", {{"reason", {{"type", "string"}}}}}};
  t.schemas["RetentionConfirmInput"] = {
      {"type", "object"},
      {"required", {"record_type", "record_id", "action", "note"}},
      {"properties",
       {{"record_type", {{"type", "string"}, {"enum", plan::RetentionRecordTypes()}}},
        {"record_id", {{"type", "integer"}}},
        {"action", {{"type", "string"}, {"enum", {"delete", "extend"}},
                    {"description", "delete (or anonymise, for incidents), or extend: defer the review by `months`"}}},
        {"months", {{"type", "integer"}, {"minimum", 1}, {"maximum", 120}}},
        {"note", {{"type", "string"}, {"description", "why"}}}}}};
  t.schemas["RetentionAction"] = {{"type", "object"}, {"description", "what a person confirmed was done with a record"}};
  t.schemas["RetentionRun"] = {{"type", "object"}, {"description", "one run of the daily retention job"}};

  t.routes.push_back({.method = "GET", .pattern = "/api/v1/retention/schedule",
                      .handler = [db](const Call& call) { return Reply(plan::RetentionJob(*db).Schedule(call.who())); },
                      .summary = "The retention schedule (partnership admins)", .tag = "retention",
                      .response_schema = "[RetentionSchedule]"});
  t.routes.push_back({.method = "PUT", .pattern = "/api/v1/retention/schedule",
                      .handler = [db, body_of](const Call& call) {
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        if (!body->contains("record_type") || !(*body)["record_type"].is_string()) {
                          return ErrorResponse(400, "record_type is required", "record_type");
                        }
                        if (!body->contains("months") || !(*body)["months"].is_number_integer()) {
                          return ErrorResponse(400, "months must be a whole number", "months");
                        }
                        return Reply(plan::RetentionJob(*db).SetPeriod(call.who(), (*body)["record_type"],
                                                                       (*body)["months"], clock::NowIso8601()));
                      },
                      .summary = "Set one record type's retention period", .tag = "retention",
                      .request_schema = "RetentionPeriodInput", .response_schema = "[RetentionSchedule]"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/retention/due",
                      .handler = [db](const Call& call) {
                        return Reply(plan::RetentionJob(*db).ListDue(call.who(), clock::NowIso8601()));
                      },
                      .summary = "Records due for review or deletion today, and those held", .tag = "retention",
                      .response_schema = "RetentionDue"});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/retention/confirm",
                      .handler = [db, body_of](const Call& call) {
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        return Reply(plan::RetentionJob(*db).Confirm(call.who(), *body, clock::NowIso8601()), 201);
                      },
                      .summary = "Confirm what is done with a due record: delete, or extend (defer) with a reason",
                      .tag = "retention", .request_schema = "RetentionConfirmInput",
                      .response_schema = "RetentionAction"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/retention/actions",
                      .handler = [db](const Call& call) { return Reply(plan::RetentionJob(*db).Actions(call.who())); },
                      .summary = "What was done with due records, oldest first", .tag = "retention",
                      .response_schema = "[RetentionAction]"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/retention/holds",
                      .handler = [db](const Call& call) { return Reply(plan::RetentionJob(*db).Holds(call.who())); },
                      .summary = "Legal holds, newest first", .tag = "retention", .response_schema = "[RetentionHold]"});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/retention/holds",
                      .handler = [db, body_of](const Call& call) {
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        return Reply(plan::RetentionJob(*db).PlaceHold(call.who(), *body, clock::NowIso8601()), 201);
                      },
                      .summary = "Place a legal hold on a record", .tag = "retention",
                      .request_schema = "RetentionHoldInput", .response_schema = "RetentionHold"});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/retention/holds/{id}/release",
                      .handler = [db, body_of](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        std::string reason = body->contains("reason") && (*body)["reason"].is_string()
                                                 ? (*body)["reason"].get<std::string>() : std::string();
                        return Reply(plan::RetentionJob(*db).ReleaseHold(call.who(), *id, reason, clock::NowIso8601()));
                      },
                      .summary = "Lift a legal hold, saying why", .tag = "retention",
                      .request_schema = "RetentionReleaseInput", .response_schema = "RetentionHold"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/retention/runs",
                      .handler = [db](const Call& call) { return Reply(plan::RetentionJob(*db).Runs(call.who())); },
                      .summary = "The latest runs of the daily retention job", .tag = "retention",
                      .response_schema = "[RetentionRun]"});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/retention/runs",
                      .handler = [db](const Call& call) {
                        return Reply(plan::RetentionJob(*db).Run(&call.who(), clock::NowIso8601()), 201);
                      },
                      .summary = "Run the retention job now (it also runs daily in esafe serve)", .tag = "retention",
                      .response_schema = "RetentionRun"});

  t.schemas["SubjectAccessExport"] = {{"type", "object"},
                                      {"description", "everything held about one person, for review before release"}};
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/subject-access",
                      .handler = [db](const Call& call) {
                        Json subject = Json::object();
                        auto ids = QueryInt(call.request, "person_id");
                        if (!ids.ok()) return ErrorResponse(ids.error());
                        if (*ids) subject["person_id"] = **ids;
                        auto user = QueryInt(call.request, "user_id");
                        if (!user.ok()) return ErrorResponse(user.error());
                        if (*user) subject["user_id"] = **user;
                        if (auto ref = QueryText(call.request, "reference")) subject["reference"] = *ref;
                        std::string now = clock::NowIso8601();
                        auto out = plan::SubjectAccessExport(*db, call.who(), subject, now);
                        if (!out.ok()) return ErrorResponse(out.error());
                        Response r = JsonResponse(200, *out);
                        r.headers.emplace_back("Content-Disposition",
                                               fmt::format("attachment; filename=\"subject-access-{}.json\"",
                                                           now.substr(0, 10)));
                        return r;
                      },
                      .summary = "Everything held about one person (partnership admin or lead; audited), as a file",
                      .tag = "retention", .response_schema = "SubjectAccessExport",
                      .query_params = {"person_id", "user_id", "reference"}});
}

}  // namespace

void AddPlanRoutes(RouteTable& t) {
  auto* db = &t.db;
  const AppOptions* opts = &t.options;
  auto body_of = [opts](const Call& call) { return ParseJsonBody(call.request, opts->max_json_body); };

  t.schemas["PlanStrand"] = plan::StrandSchema().OpenApi(false);
  t.schemas["PlanStrandInput"] = plan::StrandSchema().OpenApi(true);
  t.schemas["PlanObjective"] = plan::ObjectiveSchema().OpenApi(false);
  t.schemas["PlanObjectiveInput"] = plan::ObjectiveSchema().OpenApi(true);
  Json action = plan::ActionSchema().OpenApi(false);
  for (const char* k : {"objective", "strand", "lead_agency", "lead_person", "lead_display", "colour"}) {
    action["properties"][k] = {{"type", "string"}, {"readOnly", true}};
  }
  action["properties"]["strand_id"] = {{"type", "integer"}, {"readOnly", true}};
  action["properties"]["overdue"] = {{"type", "boolean"}, {"readOnly", true}};
  action["properties"]["updates"] = {{"type", "array"}, {"readOnly", true},
                                     {"items", {{"$ref", "#/components/schemas/PlanProgress"}}}};
  t.schemas["PlanAction"] = action;
  t.schemas["PlanActionInput"] = plan::ActionSchema().OpenApi(true);
  t.schemas["PlanProgress"] = plan::ProgressUpdateSchema().OpenApi(false);
  t.schemas["PlanProgressInput"] = plan::ProgressUpdateSchema().OpenApi(true);
  t.schemas["PlanSummary"] = {{"type", "object"},
                              {"description", "counts of actions by status (RAG+blue), by strand and by lead; overdue"}};
  t.schemas["TrainingMatrix"] = {{"type", "object"}, {"description", "audiences, focuses and which cells are required"}};
  t.schemas["TrainingMatrixCell"] = {
      {"type", "object"},
      {"required", {"audience", "focus", "required"}},
      {"properties",
       {{"audience", {{"type", "string"}, {"enum", plan::Audiences()}}},
        {"focus", {{"type", "string"}, {"enum", plan::Focuses()}}},
        {"required", {{"type", "boolean"}}}}}};
  t.schemas["TrainingCourse"] = plan::CourseSchema().OpenApi(false);
  t.schemas["TrainingCourseInput"] = plan::CourseSchema().OpenApi(true);
  t.schemas["TrainingSession"] = plan::SessionSchema().OpenApi(false);
  t.schemas["TrainingSessionInput"] = plan::SessionSchema().OpenApi(true);
  t.schemas["TrainingAttendanceInput"] = plan::AttendanceSchema().OpenApi(true);
  t.schemas["TrainingAudienceInput"] = {
      {"type", "object"},
      {"required", {"audience"}},
      {"properties", {{"audience", {{"type", "string"}, {"enum", plan::Audiences()}}}}}};
  t.schemas["TrainingStatus"] = {
      {"type", "object"},
      {"properties",
       {{"person_id", {{"type", "integer"}}},
        {"full_name", {{"type", "string"}}},
        {"agency_name", {{"type", "string"}}},
        {"audience", {{"type", "string"}}},
        {"status", {{"type", "string"}, {"enum", {"up_to_date", "refresher_due", "never_trained"}}}},
        {"last_trained", {{"type", "string"}, {"nullable", true}}},
        {"refresher_due_on", {{"type", "string"}, {"nullable", true}}}}}};
  t.schemas["TrainingCoverage"] = {{"type", "object"}, {"description", "status counts by agency and audience; no names"}};
  Json disclosure = plan::DisclosureSchema().OpenApi(false);
  disclosure["properties"]["stage"] = {{"type", "string"},
                                       {"enum", {"awaiting_validation", "validated", "responded"}},
                                       {"readOnly", true}};
  disclosure["properties"]["handler_user_ids"] = {{"type", "array"}, {"items", {{"type", "integer"}}}};
  t.schemas["DisclosureRequest"] = disclosure;
  Json disclosure_in = plan::DisclosureSchema().OpenApi(true);
  disclosure_in["properties"]["handler_user_ids"] = {
      {"type", "array"}, {"items", {{"type", "integer"}}},
      {"description", "accounts of the senior staff handling the request, besides whoever registers it"}};
  t.schemas["DisclosureRequestInput"] = disclosure_in;
  t.schemas["DisclosureValidationInput"] = plan::ValidationSchema().OpenApi(true);
  t.schemas["DisclosureResponseInput"] = plan::ResponseSchema().OpenApi(true);

  // ---- strategy and action plan ----
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/plan/strands",
                      .handler = [db](const Call& call) { return Reply(plan::ActionPlan(*db).ListStrands(call.who())); },
                      .summary = "The plan's strands (Annex G)", .tag = "plan", .response_schema = "[PlanStrand]"});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/plan/strands",
                      .handler = [db, body_of](const Call& call) {
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        return Reply(plan::ActionPlan(*db).CreateStrand(call.who(), *body), 201);
                      },
                      .summary = "Add a strand", .tag = "plan", .request_schema = "PlanStrandInput",
                      .response_schema = "PlanStrand"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/plan/objectives",
                      .handler = [db](const Call& call) {
                        auto strand = QueryInt(call.request, "strand_id");
                        if (!strand.ok()) return ErrorResponse(strand.error());
                        return Reply(plan::ActionPlan(*db).ListObjectives(call.who(), *strand));
                      },
                      .summary = "Objectives, optionally of one strand", .tag = "plan",
                      .response_schema = "[PlanObjective]", .query_params = {"strand_id"}});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/plan/objectives",
                      .handler = [db, body_of](const Call& call) {
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        return Reply(plan::ActionPlan(*db).CreateObjective(call.who(), *body), 201);
                      },
                      .summary = "Add an objective", .tag = "plan", .request_schema = "PlanObjectiveInput",
                      .response_schema = "PlanObjective"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/plan/actions",
                      .handler = [db](const Call& call) {
                        plan::ActionQuery q;
                        auto read = QueryInts(call.request, {{"strand_id", &q.strand_id},
                                                             {"lead_agency_id", &q.lead_agency_id},
                                                             {"lead_person_id", &q.lead_person_id}});
                        if (!read.ok()) return ErrorResponse(read.error());
                        q.status = QueryText(call.request, "status");
                        q.overdue_only = QueryText(call.request, "overdue").value_or("") == "1";
                        return Reply(plan::ActionPlan(*db).ListActions(call.who(), q));
                      },
                      .summary = "Actions: by strand, by lead, by status, or overdue=1", .tag = "plan",
                      .response_schema = "[PlanAction]",
                      .query_params = {"strand_id", "lead_agency_id", "lead_person_id", "status", "overdue"}});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/plan/actions",
                      .handler = [db, body_of](const Call& call) {
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        return Reply(plan::ActionPlan(*db).CreateAction(call.who(), *body), 201);
                      },
                      .summary = "Add an action", .tag = "plan", .request_schema = "PlanActionInput",
                      .response_schema = "PlanAction"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/plan/actions/{id}",
                      .handler = [db](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        return Reply(plan::ActionPlan(*db).GetAction(call.who(), *id));
                      },
                      .summary = "One action with its progress history", .tag = "plan",
                      .response_schema = "PlanAction"});
  t.routes.push_back({.method = "PATCH", .pattern = "/api/v1/plan/actions/{id}",
                      .handler = [db, body_of](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        return Reply(plan::ActionPlan(*db).UpdateAction(call.who(), *id, *body));
                      },
                      .summary = "Change fields of an action (a status change is also logged as progress)",
                      .tag = "plan", .request_schema = "PlanActionInput", .response_schema = "PlanAction"});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/plan/actions/{id}/progress",
                      .handler = [db, body_of](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        return Reply(plan::ActionPlan(*db).AddProgress(call.who(), *id, *body), 201);
                      },
                      .summary = "Append a dated progress update (optionally with a new status)", .tag = "plan",
                      .request_schema = "PlanProgressInput", .response_schema = "PlanAction"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/plan/summary",
                      .handler = [db](const Call& call) { return Reply(plan::ActionPlan(*db).Summary(call.who())); },
                      .summary = "The board's RAG+blue summary of the plan", .tag = "plan",
                      .response_schema = "PlanSummary"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/plan/actions/export.csv",
                      .handler = [db](const Call& call) {
                        return DownloadResponse(plan::ActionPlan(*db).ExportCsv(call.who()), kCsvType,
                                                "action-plan.csv");
                      },
                      .summary = "Export the action plan as CSV", .tag = "plan", .response_schema = "csv",
                      .response_content = "text/csv", .background = "plan.export"});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/plan/actions/import",
                      .handler = [db](const Call& call) {
                        if (!IsCsv(call)) return ErrorResponse(400, "send the file as text/csv");
                        ReportImportStarting(call, call.request.Body());
                        return Imported(plan::ActionPlan(*db).ImportCsv(call.who(), call.request.Body()));
                      },
                      .summary = "Import an action plan from CSV (the columns of the export); all rows or none",
                      .tag = "plan", .request_schema = "csv", .request_content = "text/csv",
                      .response_schema = "ImportReport", .background = "plan.import"});

  // ---- training register ----
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/training/matrix",
                      .handler = [db](const Call& call) { return Reply(plan::TrainingRegister(*db).Matrix(call.who())); },
                      .summary = "The training needs matrix (audience by focus)", .tag = "training",
                      .response_schema = "TrainingMatrix"});
  t.routes.push_back({.method = "PUT", .pattern = "/api/v1/training/matrix",
                      .handler = [db, body_of](const Call& call) {
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        return Reply(plan::TrainingRegister(*db).SetMatrixCell(call.who(), *body));
                      },
                      .summary = "Set whether one audience needs one focus of training", .tag = "training",
                      .request_schema = "TrainingMatrixCell", .response_schema = "TrainingMatrix"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/training/courses",
                      .handler = [db](const Call& call) { return Reply(plan::TrainingRegister(*db).ListCourses(call.who())); },
                      .summary = "Courses", .tag = "training", .response_schema = "[TrainingCourse]"});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/training/courses",
                      .handler = [db, body_of](const Call& call) {
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        return Reply(plan::TrainingRegister(*db).CreateCourse(call.who(), *body), 201);
                      },
                      .summary = "Add a course", .tag = "training", .request_schema = "TrainingCourseInput",
                      .response_schema = "TrainingCourse"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/training/sessions",
                      .handler = [db](const Call& call) {
                        auto course = QueryInt(call.request, "course_id");
                        if (!course.ok()) return ErrorResponse(course.error());
                        return Reply(plan::TrainingRegister(*db).ListSessions(call.who(), *course));
                      },
                      .summary = "Sessions, newest first", .tag = "training", .response_schema = "[TrainingSession]",
                      .query_params = {"course_id"}});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/training/sessions",
                      .handler = [db, body_of](const Call& call) {
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        return Reply(plan::TrainingRegister(*db).CreateSession(call.who(), *body), 201);
                      },
                      .summary = "Record a session", .tag = "training", .request_schema = "TrainingSessionInput",
                      .response_schema = "TrainingSession"});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/training/sessions/{id}/attendance",
                      .handler = [db, body_of](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        return Reply(plan::TrainingRegister(*db).RecordAttendance(call.who(), *id, *body), 201);
                      },
                      .summary = "Record that a person attended", .tag = "training",
                      .request_schema = "TrainingAttendanceInput"});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/training/sessions/{id}/attendance/import",
                      .handler = [db](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        if (!IsCsv(call)) return ErrorResponse(400, "send the file as text/csv");
                        ReportImportStarting(call, call.request.Body());
                        return Imported(plan::TrainingRegister(*db).ImportAttendance(call.who(), *id, call.request.Body()));
                      },
                      .summary = "Import an attendance list (columns person, agency); all rows or none",
                      .tag = "training", .request_schema = "csv", .request_content = "text/csv",
                      .response_schema = "ImportReport", .background = "training.attendance.import"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/training/people",
                      .handler = [db](const Call& call) {
                        auto agency = QueryInt(call.request, "agency_id");
                        if (!agency.ok()) return ErrorResponse(agency.error());
                        return PagedReply(call, plan::TrainingRegister(*db).PeopleStatusPage(call.who(), *agency,
                                                                                             call.page));
                      },
                      .summary = "Each person's training status (the read is audited)", .tag = "training",
                      .response_schema = "[TrainingStatus]", .query_params = {"agency_id"}, .pages_in_sql = true});
  t.routes.push_back({.method = "PUT", .pattern = "/api/v1/training/people/{id}/audience",
                      .handler = [db, body_of](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        if (!body->contains("audience") || !(*body)["audience"].is_string()) {
                          return ErrorResponse(400, "audience is required", "audience");
                        }
                        return Reply(plan::TrainingRegister(*db).SetAudience(call.who(), *id, (*body)["audience"]));
                      },
                      .summary = "Set a person's training audience", .tag = "training",
                      .request_schema = "TrainingAudienceInput"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/training/coverage",
                      .handler = [db](const Call& call) { return Reply(plan::TrainingRegister(*db).Coverage(call.who())); },
                      .summary = "Training status counts by agency and audience (no names)", .tag = "training",
                      .response_schema = "TrainingCoverage"});

  // ---- disclosure requests ----
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/disclosures",
                      .handler = [db](const Call& call) { return Reply(plan::DisclosureRegister(*db).List(call.who())); },
                      .summary = "Disclosure requests you handle (all, for partnership admins); audited",
                      .tag = "disclosures", .response_schema = "[DisclosureRequest]"});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/disclosures",
                      .handler = [db, body_of](const Call& call) {
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        return Reply(plan::DisclosureRegister(*db).Create(call.who(), *body), 201);
                      },
                      .summary = "Register a disclosure request", .tag = "disclosures",
                      .request_schema = "DisclosureRequestInput", .response_schema = "DisclosureRequest"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/disclosures/{id}",
                      .handler = [db](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        return Reply(plan::DisclosureRegister(*db).Get(call.who(), *id));
                      },
                      .summary = "One disclosure request (handlers and partnership admins only; audited)",
                      .tag = "disclosures", .response_schema = "DisclosureRequest"});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/disclosures/{id}/validation",
                      .handler = [db, body_of](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        return Reply(plan::DisclosureRegister(*db).RecordValidation(call.who(), *id, *body));
                      },
                      .summary = "Record who confirmed the requesting officer is bona fide", .tag = "disclosures",
                      .request_schema = "DisclosureValidationInput", .response_schema = "DisclosureRequest"});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/disclosures/{id}/response",
                      .handler = [db, body_of](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        auto body = body_of(call);
                        if (!body.ok()) return ErrorResponse(body.error());
                        return Reply(plan::DisclosureRegister(*db).RecordResponse(call.who(), *id, *body));
                      },
                      .summary = "Record what was provided (refused before validation)", .tag = "disclosures",
                      .request_schema = "DisclosureResponseInput", .response_schema = "DisclosureRequest"});
  AddAupRoutes(t);
  AddRetentionRoutes(t);
}

}  // namespace esafe::web
