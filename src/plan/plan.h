// plan: the registers through which a partnership runs and evidences its
// e-safety strategy — the strategy action plan with its RAG+blue status
// (seeds 000 Telford, 002 Wandsworth, 004 Annex G), the training register and
// needs matrix (004 Section 4), and the register of disclosure requests for
// communications data (004 Section 3 'Legislative considerations', Annex C).
//
// Every operation takes the Principal asking and applies its own rules; every
// change and every read of a disclosure request is written to the audit trail
// in the same transaction. Records the caller may not see do not exist for it
// (NotFound); records it may see but not change give Forbidden.
//
// ActionPlan, TrainingRegister and DisclosureRegister hold only a reference to
// the Database and are safe to use from many threads. Results are JSON values
// owned by the caller.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "access/access.h"
#include "core/record_schema.h"
#include "core/result.h"
#include "store/database.h"
#include "store/keyset.h"

namespace esafe::plan {

// ---- Vocabulary ----

// The Telford scale, in order: "not_achieved" (red), "in_progress" (gold),
// "completed" (green), "achieved_evolving" (achieved but continuously evolving: blue).
const std::vector<std::string>& ActionStatuses();
// The RAG+blue colour name of a status ("red", "gold", "green", "blue"); "" when unknown.
std::string StatusColour(std::string_view status);
// Section 4 audiences and focuses of training, in the seed's order.
const std::vector<std::string>& Audiences();
const std::vector<std::string>& Focuses();
// A person's audience when none is recorded, from their directory e-safety role:
// network / infrastructure -> those who work with technology; senior manager ->
// leaders / managers / strategists; every other role -> those who work with children.
std::string DefaultAudience(std::string_view esafety_role);

const RecordSchema& StrandSchema();
const RecordSchema& ObjectiveSchema();
const RecordSchema& ActionSchema();
const RecordSchema& ProgressUpdateSchema();
const RecordSchema& CourseSchema();
const RecordSchema& SessionSchema();
const RecordSchema& AttendanceSchema();
const RecordSchema& DisclosureSchema();
const RecordSchema& ValidationSchema();
const RecordSchema& ResponseSchema();

// Result of a CSV import: all rows were imported, or none and `errors` says
// which lines are wrong and why ("line 4: status must be one of: …").
struct ImportReport {
  int64_t imported = 0;
  std::vector<std::string> errors;
};

// ---- Strategy and action plan ----

struct ActionQuery {
  std::optional<int64_t> strand_id;
  std::optional<int64_t> lead_agency_id;
  std::optional<int64_t> lead_person_id;
  std::optional<std::string> status;
  bool overdue_only = false;  // due before `today` and neither completed nor achieved
  std::string today;          // YYYY-MM-DD; empty means the real date
};

// Everyone signed in reads the plan (it is the board's document); the
// partnership (admin, lead) changes strands, objectives and actions; an agency
// officer records progress on actions its agency leads.
class ActionPlan {
 public:
  explicit ActionPlan(store::Database& db) : db_(db) {}

  Result<Json> ListStrands(const access::Principal& who);
  Result<Json> CreateStrand(const access::Principal& who, const Json& input);
  Result<Json> ListObjectives(const access::Principal& who, std::optional<int64_t> strand_id);
  Result<Json> CreateObjective(const access::Principal& who, const Json& input);

  // Actions with strand, objective and lead names, ordered by strand, objective, id.
  // Each carries `overdue` (bool) computed against query.today.
  Result<Json> ListActions(const access::Principal& who, const ActionQuery& query);
  // One action with its progress updates, oldest first.
  Result<Json> GetAction(const access::Principal& who, int64_t id);
  Result<Json> CreateAction(const access::Principal& who, const Json& input);
  // Changes the fields given. A change of status is also written as a progress update.
  Result<Json> UpdateAction(const access::Principal& who, int64_t id, const Json& input);
  // Appends a dated progress update (note, optionally a new status); updates are never
  // changed or deleted. Returns the action as it now is.
  Result<Json> AddProgress(const access::Principal& who, int64_t action_id, const Json& input);

  // The board's one-page summary: counts by status overall, by strand and by lead,
  // and the number overdue. No names of children; leads are agencies and staff.
  Result<Json> Summary(const access::Principal& who, const std::string& today = "");

  // CSV with columns strand, objective, title, method, lead_agency, lead_person,
  // lead, timescale, due_date, success_measure, status, source, source_ref.
  Result<std::string> ExportCsv(const access::Principal& who);
  // Imports an existing plan in the ExportCsv columns. Strands and objectives are
  // created when named for the first time; agencies and people must exist. All
  // rows or none.
  Result<ImportReport> ImportCsv(const access::Principal& who, std::string_view csv);

  // Adds an action led by `agency_id` that closes a gap the annual audit found
  // (source "audit gap", `source_ref` naming the round and question), under the
  // objective "Close the gaps found by the YEAR e-safety audit" of the
  // 'Inspection and standards' strand, made when first needed. Unlike
  // CreateAction, the agency's own e-safety officer may do this: the audit
  // asks agencies to own their improvement actions. Conflict when an action
  // with that source_ref already exists for the agency. Returns the action.
  Result<Json> CreateAuditGapAction(const access::Principal& who, int64_t agency_id, int64_t year,
                                    const std::string& title, const std::string& source_ref);
  // The id of the agency's action with that audit source_ref, if any.
  Result<std::optional<int64_t>> FindAuditGapAction(int64_t agency_id, const std::string& source_ref);

 private:
  store::Database& db_;
};

// ---- Training register and needs matrix ----

// The matrix and courses are partnership data (partnership managers change
// them); sessions and attendance are recorded by the partnership or by an
// agency officer for the people of their own agency. A person's status is read
// by whoever may read that person's directory record.
class TrainingRegister {
 public:
  explicit TrainingRegister(store::Database& db) : db_(db) {}

  // {"audiences": [...], "focuses": [...], "cells": [{audience, focus, required}]}.
  Result<Json> Matrix(const access::Principal& who);
  // Sets one cell: input {audience, focus, required}.
  Result<Json> SetMatrixCell(const access::Principal& who, const Json& input);

  Result<Json> ListCourses(const access::Principal& who);
  Result<Json> CreateCourse(const access::Principal& who, const Json& input);
  Result<Json> ListSessions(const access::Principal& who, std::optional<int64_t> course_id);
  Result<Json> CreateSession(const access::Principal& who, const Json& input);
  // Records that a person attended a session; Conflict when already recorded.
  Result<Json> RecordAttendance(const access::Principal& who, int64_t session_id, const Json& input);
  // Sets a person's training audience (overriding the default from their role).
  Result<Json> SetAudience(const access::Principal& who, int64_t person_id, const std::string& audience);

  // People the caller may read, each with audience, status ("up_to_date",
  // "refresher_due", "never_trained"), last_trained, refresher_due_on, the
  // focuses the matrix requires for the audience and those not yet covered.
  // `today` YYYY-MM-DD, empty for the real date.
  Result<Json> PeopleStatus(const access::Principal& who, std::optional<int64_t> agency_id,
                            const std::string& today = "");
  // One page of the same, ordered by name then id (store/keyset.h); Invalid naming
  // "cursor" when page.after is not a key of it.
  Result<store::Page> PeopleStatusPage(const access::Principal& who, std::optional<int64_t> agency_id,
                                       const store::PageQuery& page, const std::string& today = "");
  // Counts of each status by agency and by audience (no names).
  Result<Json> Coverage(const access::Principal& who, const std::string& today = "");
  // Attendance list for one session: columns person (full name), agency. All or none.
  Result<ImportReport> ImportAttendance(const access::Principal& who, int64_t session_id, std::string_view csv);

 private:
  store::Database& db_;
};

// ---- Disclosure requests (RIPA) ----

// A request exists only for the named handlers and partnership admins: anyone
// else — including other users of the same agency — gets NotFound, because
// tipping off can be an offence. Every read, list included, is audited. A
// response cannot be recorded before the validation record.
class DisclosureRegister {
 public:
  explicit DisclosureRegister(store::Database& db) : db_(db) {}

  // Partnership admins, and agency officers for their own agency, register a
  // request; the registering user is always a handler. `handler_user_ids` names
  // the other senior staff handling it.
  Result<Json> Create(const access::Principal& who, const Json& input);
  Result<Json> List(const access::Principal& who);
  Result<Json> Get(const access::Principal& who, int64_t id);
  // Records who confirmed the officer is bona fide: office_contacted, contacted_on, confirmed_by.
  Result<Json> RecordValidation(const access::Principal& who, int64_t id, const Json& input);
  // Records what was provided; Invalid (field "validation") before validation is recorded,
  // and unless exactly_as_requested is true.
  Result<Json> RecordResponse(const access::Principal& who, int64_t id, const Json& input);

 private:
  store::Database& db_;
};

// ---- Acceptable-use policies ----

// The user groups an agency writes an AUP for, in display order: "staff",
// "pupils_under_11", "pupils_11_to_16", "pupils_over_16", "parents", "visitors", "public".
const std::vector<std::string>& AupUserGroups();
// Version states: "draft", "current", "retired".
const std::vector<std::string>& AupVersionStates();
const RecordSchema& AupPolicySchema();
const RecordSchema& AupVersionSchema();
const RecordSchema& AupAcceptanceSchema();

// Each agency's acceptable-use policy per user group, its numbered versions and
// who accepted which version, when and how. A version is written as a draft,
// published (it becomes current and the previous current version is retired
// in the same transaction) and retired; no other transition exists, and only
// the current version can be accepted — anything else is Conflict with the
// reason. Agency officers manage their own agency's policies; the partnership
// (admin, lead) all; staff read their agency's current versions and accept
// them online; board members see coverage counts only (Forbidden elsewhere).
// Every change, and every read that names people, is audited.
//
// The directory does not link accounts to people, so an online acceptance
// counts for the register person of the account's agency whose full name is
// the account's display name (when exactly one matches); it is always kept
// against the account as well.
class AupRegister {
 public:
  explicit AupRegister(store::Database& db) : db_(db) {}

  // Policies the caller may see, each with its current version (or null) and
  // its number of versions. Staff see their own agency's only.
  Result<Json> ListPolicies(const access::Principal& who, std::optional<int64_t> agency_id);
  // input {agency_id (officers may leave it out), user_group, title}. Conflict
  // when the agency already has a policy for that group.
  Result<Json> CreatePolicy(const access::Principal& who, const Json& input);
  // One policy with all its versions (staff: the current one only) and, for
  // those who manage it, the acceptances of each version (audited).
  Result<Json> GetPolicy(const access::Principal& who, int64_t id);
  // Adds a draft version numbered one more than the last: input {body and/or
  // document_ref, effective_on, review_on (after effective_on)}.
  Result<Json> CreateVersion(const access::Principal& who, int64_t policy_id, const Json& input);
  // draft -> current; the previous current version becomes retired.
  Result<Json> Publish(const access::Principal& who, int64_t version_id);
  // current -> retired, leaving the policy without a current version.
  Result<Json> Retire(const access::Principal& who, int64_t version_id);
  // A paper acceptance recorded by an officer: input {person_id (a register
  // person of the policy's agency) or subject_reference (pupils, parents,
  // visitors: a pseudonymous reference), accepted_on (not in the future nor
  // before the version took effect)}. Conflict when not current or already accepted.
  Result<Json> RecordPaperAcceptance(const access::Principal& who, int64_t version_id, const Json& input);
  // The caller's own online acceptance of its agency's current staff version.
  Result<Json> AcceptOnline(const access::Principal& who, int64_t version_id);
  // Per policy: accepted and not-accepted counts of its current version; for
  // the staff group, measured against the agency's people register, with the
  // names of those who have not accepted (not for board members; audited).
  // Other groups have no register: only the number accepted.
  Result<Json> Coverage(const access::Principal& who, const std::string& today = "");
  // Policies whose current version's review date is before `today`
  // (YYYY-MM-DD; empty for the real date), oldest review first.
  Result<Json> Reminders(const access::Principal& who, const std::string& today = "");

 private:
  store::Database& db_;
};

// ---- Subject access ----

// Everything held about one person, gathered into one JSON document for a
// partnership admin or lead to review before release: the directory record,
// training audience and attendance, AUP acceptances, incidents where they are
// a person involved (by pseudonymous reference) or the reporter, disclosure
// requests whose requested data names them, and audit events about them.
// `subject` is {person_id} (a directory person), {user_id} (an account) or
// {reference} (an incident's pseudonymous reference); at least one. Anyone
// else gets Forbidden. The export itself is audited. Thread-safe like the rest.
Result<Json> SubjectAccessExport(store::Database& db, const access::Principal& who, const Json& subject,
                                 const std::string& now);

// Loads demonstration objectives, actions, courses and sessions into a database
// that holds the directory demo and no actions yet. Returns true when it loaded.
Result<bool> LoadPlanDemo(store::Database& db);

}  // namespace esafe::plan
