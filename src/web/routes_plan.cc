// Routes: the strategy action plan, the training register and needs matrix,
// and the register of disclosure requests (capability: src/plan).
#include <fmt/format.h>

#include "core/text.h"
#include "plan/plan.h"
#include "web/route_table.h"

namespace esafe::web {
namespace {

Response Csv(Result<std::string> csv, const std::string& filename) {
  if (!csv.ok()) return ErrorResponse(csv.error());
  Response r;
  r.content_type = "text/csv; charset=utf-8";
  r.body = std::move(*csv);
  r.headers.emplace_back("Content-Disposition", fmt::format("attachment; filename=\"{}\"", filename));
  return r;
}

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
                        return Csv(plan::ActionPlan(*db).ExportCsv(call.who()), "action-plan.csv");
                      },
                      .summary = "Export the action plan as CSV", .tag = "plan", .response_schema = "csv",
                      .response_content = "text/csv"});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/plan/actions/import",
                      .handler = [db](const Call& call) {
                        if (!IsCsv(call)) return ErrorResponse(400, "send the file as text/csv");
                        return Imported(plan::ActionPlan(*db).ImportCsv(call.who(), call.request.body));
                      },
                      .summary = "Import an action plan from CSV (the columns of the export); all rows or none",
                      .tag = "plan", .request_schema = "csv", .request_content = "text/csv",
                      .response_schema = "ImportReport"});

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
                        return Imported(plan::TrainingRegister(*db).ImportAttendance(call.who(), *id, call.request.body));
                      },
                      .summary = "Import an attendance list (columns person, agency); all rows or none",
                      .tag = "training", .request_schema = "csv", .request_content = "text/csv",
                      .response_schema = "ImportReport"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/training/people",
                      .handler = [db](const Call& call) {
                        auto agency = QueryInt(call.request, "agency_id");
                        if (!agency.ok()) return ErrorResponse(agency.error());
                        return Reply(plan::TrainingRegister(*db).PeopleStatus(call.who(), *agency));
                      },
                      .summary = "Each person's training status (the read is audited)", .tag = "training",
                      .response_schema = "[TrainingStatus]", .query_params = {"agency_id"}});
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
}

}  // namespace esafe::web
