// The plan's record kinds and vocabularies, as the seeds name them.
#include "plan/plan.h"

namespace esafe::plan {

// Seeds 000 (Telford): NOT ACHIEVED=RED IN PROGRESS=GOLD COMPLETED=GREEN
// ACHIEVED BUT CONTINUOUSLY EVOLVING=BLUE.
const std::vector<std::string>& ActionStatuses() {
  static const std::vector<std::string> v = {"not_achieved", "in_progress", "completed", "achieved_evolving"};
  return v;
}

std::string StatusColour(std::string_view status) {
  if (status == "not_achieved") return "red";
  if (status == "in_progress") return "gold";
  if (status == "completed") return "green";
  if (status == "achieved_evolving") return "blue";
  return "";
}

// Seeds 004 Section 4, 'matrix approach to identifying training needs'.
const std::vector<std::string>& Audiences() {
  static const std::vector<std::string> v = {"children",
                                             "parents",
                                             "those who work with children",
                                             "those who work with adults",
                                             "those who work with technology",
                                             "leaders / managers / strategists"};
  return v;
}

const std::vector<std::string>& Focuses() {
  static const std::vector<std::string> v = {"e-safety awareness",          "technical awareness",
                                             "assessing risks to children", "assessing risks posed by adults",
                                             "other safeguarding links",    "refresher"};
  return v;
}

std::string DefaultAudience(std::string_view role) {
  if (role == "network / infrastructure") return "those who work with technology";
  if (role == "senior manager") return "leaders / managers / strategists";
  return "those who work with children";
}

namespace {

FieldSpec Id() { return {.name = "id", .type = FieldType::kInteger, .read_only = true}; }
FieldSpec Stamp(const char* name) { return {.name = name, .type = FieldType::kString, .read_only = true}; }
FieldSpec ReadOnlyText(const char* name, const char* description = "") {
  return {.name = name, .type = FieldType::kString, .description = description, .read_only = true};
}

}  // namespace

const RecordSchema& StrandSchema() {
  static const RecordSchema s(
      "plan_strand", {Id(),
                      {.name = "name", .type = FieldType::kString, .required = true, .max_length = 200},
                      {.name = "position", .type = FieldType::kInteger, .min = 0, .max = 1000,
                       .description = "order on the plan"},
                      {.name = "description", .type = FieldType::kText, .max_length = 2000},
                      Stamp("created_at"), Stamp("updated_at")});
  return s;
}

const RecordSchema& ObjectiveSchema() {
  static const RecordSchema s(
      "plan_objective", {Id(),
                         {.name = "strand_id", .type = FieldType::kReference, .required = true},
                         {.name = "title", .type = FieldType::kString, .required = true, .max_length = 500},
                         Stamp("created_at"), Stamp("updated_at")});
  return s;
}

const RecordSchema& ActionSchema() {
  static const RecordSchema s(
      "plan_action",
      {Id(),
       {.name = "objective_id", .type = FieldType::kReference, .required = true},
       {.name = "title", .type = FieldType::kString, .required = true, .max_length = 500,
        .description = "the action (Telford 'Activity', Wandsworth 'WSCB Action')"},
       {.name = "method", .type = FieldType::kText, .max_length = 2000},
       {.name = "lead_agency_id", .type = FieldType::kReference, .description = "the agency that leads"},
       {.name = "lead_person_id", .type = FieldType::kReference, .description = "the person who leads, from the directory"},
       {.name = "lead", .type = FieldType::kString, .max_length = 200,
        .description = "lead responsibility as written, when not a directory record"},
       {.name = "timescale", .type = FieldType::kString, .max_length = 200, .description = "e.g. 'April 09', 'ongoing'"},
       {.name = "due_date", .type = FieldType::kDate},
       {.name = "success_measure", .type = FieldType::kText, .max_length = 2000,
        .description = "success / milestones"},
       {.name = "status", .type = FieldType::kChoice, .choices = ActionStatuses(),
        .description = "not_achieved = red, in_progress = gold, completed = green, "
                       "achieved_evolving = blue (achieved but continuously evolving); new actions start not_achieved"},
       {.name = "source", .type = FieldType::kChoice,
        .choices = {"strategy", "audit gap", "serious incident review", "national initiative", "other"}},
       {.name = "source_ref", .type = FieldType::kString, .max_length = 200,
        .description = "the audit question or incident review the action answers"},
       Stamp("created_at"), Stamp("updated_at")});
  return s;
}

const RecordSchema& ProgressUpdateSchema() {
  static const RecordSchema s(
      "plan_progress", {Id(), ReadOnlyText("at"), ReadOnlyText("username"),
                        {.name = "status", .type = FieldType::kChoice, .choices = ActionStatuses(),
                         .description = "the action's status from this update on, when it changes"},
                        {.name = "note", .type = FieldType::kText, .required = true, .max_length = 4000}});
  return s;
}

const RecordSchema& CourseSchema() {
  static const RecordSchema s(
      "training_course",
      {Id(),
       {.name = "title", .type = FieldType::kString, .required = true, .max_length = 200},
       {.name = "provider", .type = FieldType::kString, .required = true, .max_length = 200,
        .description = "e.g. CEOP Thinkuknow, in-house"},
       {.name = "audiences", .type = FieldType::kChoiceSet, .choices = Audiences()},
       {.name = "focuses", .type = FieldType::kChoiceSet, .choices = Focuses()},
       {.name = "refresher_months", .type = FieldType::kInteger, .min = 1, .max = 120,
        .description = "months after which attendance needs a refresher; empty: 36"},
       {.name = "description", .type = FieldType::kText, .max_length = 2000},
       Stamp("created_at"), Stamp("updated_at")});
  return s;
}

const RecordSchema& SessionSchema() {
  static const RecordSchema s(
      "training_session", {Id(),
                           {.name = "course_id", .type = FieldType::kReference, .required = true},
                           {.name = "agency_id", .type = FieldType::kReference,
                            .description = "the agency that ran it; agency officers may leave it out for their own"},
                           {.name = "held_on", .type = FieldType::kDate, .required = true},
                           {.name = "venue", .type = FieldType::kString, .max_length = 200},
                           {.name = "trainer", .type = FieldType::kString, .max_length = 200},
                           Stamp("created_at"), Stamp("updated_at")});
  return s;
}

const RecordSchema& AttendanceSchema() {
  static const RecordSchema s("training_attendance",
                              {Id(), {.name = "person_id", .type = FieldType::kReference, .required = true}});
  return s;
}

const RecordSchema& DisclosureSchema() {
  static const RecordSchema s(
      "disclosure_request",
      {Id(),
       {.name = "agency_id", .type = FieldType::kReference,
        .description = "the agency asked; agency officers may leave it out for their own"},
       {.name = "requesting_body", .type = FieldType::kString, .required = true, .max_length = 200,
        .description = "e.g. the police force or other public authority"},
       {.name = "investigating_officer", .type = FieldType::kString, .required = true, .max_length = 200},
       {.name = "authorising_officer", .type = FieldType::kString, .required = true, .max_length = 200,
        .description = "the designated person who authorised the notice"},
       {.name = "notice_reference", .type = FieldType::kString, .required = true, .max_length = 100},
       {.name = "requested_data", .type = FieldType::kText, .required = true, .max_length = 4000,
        .description = "exactly what the notice asks for"},
       {.name = "received_on", .type = FieldType::kDate, .required = true},
       {.name = "deadline", .type = FieldType::kDate, .required = true},
       ReadOnlyText("office_contacted"), ReadOnlyText("contacted_on"), ReadOnlyText("confirmed_by"),
       ReadOnlyText("validation_recorded_by"), ReadOnlyText("provided"), ReadOnlyText("provided_on"),
       {.name = "exactly_as_requested", .type = FieldType::kBoolean, .read_only = true},
       ReadOnlyText("evidence_ref"), ReadOnlyText("copy_kept_at"), ReadOnlyText("response_recorded_by"),
       Stamp("created_at"), Stamp("updated_at")});
  return s;
}

const RecordSchema& ValidationSchema() {
  static const RecordSchema s(
      "disclosure_validation",
      {{.name = "office_contacted", .type = FieldType::kString, .required = true, .max_length = 200,
        .description = "the office contacted to confirm the officer is bona fide"},
       {.name = "contacted_on", .type = FieldType::kDate, .required = true},
       {.name = "confirmed_by", .type = FieldType::kString, .required = true, .max_length = 200}});
  return s;
}

const RecordSchema& ResponseSchema() {
  static const RecordSchema s(
      "disclosure_response",
      {{.name = "provided", .type = FieldType::kText, .required = true, .max_length = 4000,
        .description = "what was provided"},
       {.name = "provided_on", .type = FieldType::kDate, .required = true},
       {.name = "exactly_as_requested", .type = FieldType::kBoolean, .required = true,
        .description = "must be true: a response gives exactly what was asked for and no more"},
       {.name = "evidence_ref", .type = FieldType::kString, .max_length = 200,
        .description = "the activity-log evidence extract, when there is one"},
       {.name = "copy_kept_at", .type = FieldType::kString, .max_length = 200,
        .description = "where the copy of what was sent is kept"}});
  return s;
}

// Issue 7, 'Acceptable-use policies': staff, pupils by age, parents, visitors, public.
const std::vector<std::string>& AupUserGroups() {
  static const std::vector<std::string> v = {"staff",   "pupils_under_11", "pupils_11_to_16", "pupils_over_16",
                                             "parents", "visitors",        "public"};
  return v;
}

const std::vector<std::string>& AupVersionStates() {
  static const std::vector<std::string> v = {"draft", "current", "retired"};
  return v;
}

const RecordSchema& AupPolicySchema() {
  static const RecordSchema s(
      "aup_policy",
      {Id(),
       {.name = "agency_id", .type = FieldType::kReference,
        .description = "the agency whose policy it is; agency officers may leave it out for their own"},
       {.name = "user_group", .type = FieldType::kChoice, .required = true, .choices = AupUserGroups(),
        .description = "who the policy is for"},
       {.name = "title", .type = FieldType::kString, .required = true, .max_length = 200},
       ReadOnlyText("created_by"), Stamp("created_at"), Stamp("updated_at")});
  return s;
}

const RecordSchema& AupVersionSchema() {
  static const RecordSchema s(
      "aup_version",
      {Id(),
       {.name = "policy_id", .type = FieldType::kInteger, .read_only = true},
       {.name = "number", .type = FieldType::kInteger, .description = "1, 2, 3… within the policy", .read_only = true},
       {.name = "body", .type = FieldType::kText, .max_length = 20000, .description = "the text of the policy"},
       {.name = "document_ref", .type = FieldType::kString, .max_length = 500,
        .description = "where the signed document is kept, when the text is not held here"},
       {.name = "effective_on", .type = FieldType::kDate, .required = true},
       {.name = "review_on", .type = FieldType::kDate, .required = true,
        .description = "when the policy is to be reviewed; a reminder is raised once it passes"},
       {.name = "state", .type = FieldType::kChoice, .choices = AupVersionStates(), .read_only = true},
       ReadOnlyText("created_by"), ReadOnlyText("published_by"), ReadOnlyText("published_at"),
       ReadOnlyText("retired_by"), ReadOnlyText("retired_at"), Stamp("created_at"), Stamp("updated_at")});
  return s;
}

const RecordSchema& AupAcceptanceSchema() {
  static const RecordSchema s(
      "aup_acceptance",
      {Id(),
       {.name = "version_id", .type = FieldType::kInteger, .read_only = true},
       {.name = "person_id", .type = FieldType::kReference, .description = "a person of the agency's register"},
       {.name = "subject_reference", .type = FieldType::kString, .max_length = 100,
        .description = "for pupils, parents and visitors: a pseudonymous reference (no register is kept of them)"},
       {.name = "accepted_on", .type = FieldType::kDate, .required = true,
        .description = "the date on the signed paper form"},
       {.name = "method", .type = FieldType::kChoice, .choices = {"paper", "online"}, .read_only = true},
       {.name = "user_id", .type = FieldType::kInteger, .description = "the account that accepted online",
        .read_only = true},
       ReadOnlyText("recorded_by"), ReadOnlyText("recorded_at")});
  return s;
}

}  // namespace esafe::plan
