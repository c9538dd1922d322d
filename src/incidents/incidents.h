// incidents: the e-safety incident log every member agency keeps, the response
// flowcharts that walk a member of staff through what to do, escalation to
// other agencies, serious-incident review and the partnership's statistics
// (seeds 004 Section 3 'Responding to specific incidents', Section 5, Annexes
// B, D, E and F).
//
// Read this header first. Everything goes through one class, IncidentLog; each
// public method is one API route. Every method takes the Principal asking and
// applies the rules itself:
//
//   * Scoping, as in the directory: an incident belongs to one agency. Its
//     e-safety officers read and change it; a member of staff reads the
//     incidents they reported; the partnership lead and admins read every
//     agency's. Records a principal may not see do not exist for it
//     (NotFound); records it can see but not change give Forbidden. Board
//     members and auditors see statistics only.
//   * Names of the people involved are visible only inside the owning agency;
//     everyone else sees the pseudonymous reference.
//   * Sharing: referring an incident to another member agency shares it with
//     that agency's e-safety officers, who read the shared part (no names) and
//     the chronology, and acknowledge it.
//   * Every change appends to the incident's chronology (an append-only table)
//     in the same transaction, and every read is written to the audit trail.
//     Nothing is deleted: an incident recorded in error is withdrawn with a
//     reason and keeps its history.
//
// Records travel as JSON validated by the RecordSchemas below (the same
// schemas give the OpenAPI document). Times are ISO 8601 UTC text
// ("2024-03-01T09:30:00Z"; an offset or a bare date is accepted and
// normalised). Errors are values: Invalid (with the field), NotFound,
// Forbidden, Conflict.
//
// An IncidentLog holds only a reference to the Database and is safe to use
// from many threads.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "access/access.h"
#include "store/keyset.h"
#include "core/record_schema.h"
#include "core/result.h"
#include "incidents/flowchart/flowchart.h"
#include "incidents/vocabulary.h"
#include "store/database.h"

namespace esafe::incidents {

// ---- Record schemas (input validation and OpenAPI) ----

// The incident itself. On create: agency_id (optional for agency roles: their
// own), site_id, occurred_at, reported_at (default now), reported_by (default
// the principal's display name), how_identified, category, technology,
// service, device_owner, description, risk_level; optionally flowchart_id and
// answers (see Create).
const RecordSchema& IncidentSchema();
// A person involved: role, reference (pseudonymous, e.g. "Child A"), age
// (children), name (optional; shown only inside the owning agency), notes.
const RecordSchema& PersonSchema();
// An action: what, who, due_at, required.
const RecordSchema& ActionSchema();
// A referral or escalation: target (ReferralTargets()), agency_id (for
// "member_agency"), referred_at, reference_number, contact, notes.
const RecordSchema& ReferralSchema();
// An evidence register entry: what, held_where, secured_by, secured_at, sha256, notes.
const RecordSchema& EvidenceSchema();
// A chain-of-custody entry: at, from_holder, to_holder, purpose.
const RecordSchema& CustodySchema();
// Closing: conclusion, outcome, lessons_learned, open_actions_reason.
const RecordSchema& ClosureSchema();
// The serious-incident review: the four Section 5 questions.
const RecordSchema& ReviewSchema();

// Parses an ISO 8601 time or date and returns it as "YYYY-MM-DDTHH:MM:SSZ" in
// UTC; nullopt when it is not one.
std::optional<std::string> NormaliseTime(std::string_view text);

// ---- Queries ----

struct ListQuery {
  std::optional<int64_t> agency_id;
  std::optional<std::string> status;    // open, closed, withdrawn
  std::optional<std::string> category;
  std::optional<bool> serious;
  int64_t limit = 500;  // List only: the newest `limit`; ListPage pages instead
};

struct StatisticsQuery {
  std::optional<std::string> from;      // reported on or after (date or time)
  std::optional<std::string> to;        // reported before
  std::optional<int64_t> agency_id;     // partnership roles: narrow to one agency
  bool per_year = false;                // periods are quarters ("2024-Q1") unless per_year ("2024")
};

// The text shown instead of a count from 1 to 4 in partnership and board views.
inline constexpr const char* kFewerThanFive = "fewer than 5";

class IncidentLog {
 public:
  explicit IncidentLog(store::Database& db) : db_(db) {}

  // ---- Flowcharts ----
  // The flowcharts in force: each id with its newest published version. The
  // shipped flowcharts (flowchart/shipped.h) are published as version 1 the
  // first time the log is used, so a new partnership has them at once.
  Result<Json> ListFlowcharts(const access::Principal& who);
  // One flowchart as JSON (ToJson), the version in force or `version`.
  Result<Json> GetFlowchart(const access::Principal& who, const std::string& id,
                            std::optional<int64_t> version = std::nullopt);
  // Publishes a new version from YAML (partnership lead and admins only). The
  // file must load and validate and its version must be higher than the one
  // in force; otherwise Invalid, whose message lists every "FILE:LINE:
  // reason", and the previous version stays in force. Returns {id, version}.
  Result<Json> PublishFlowchart(const access::Principal& who, std::string_view yaml, std::string_view file_name);
  // Where `answers` lead in the flowchart in force: the path so far and the
  // next question, or the outcome (flowchart::ToJson(chart, walk)). Nothing is
  // stored; this drives the step-by-step walk before an incident is saved.
  Result<Json> WalkFlowchart(const access::Principal& who, const std::string& id,
                             const std::map<std::string, std::string>& answers);

  // ---- Incidents ----
  // Records a new incident and returns it as Get does. When `input` carries
  // "flowchart_id" (and "answers": {node: value}), the answers are stored with
  // the flowchart version in force; if they reach an outcome, the outcome's
  // risk level, must-not list, required actions and who-to-tell actions are
  // stored, each due at reported_at + its due time. Any member of an agency's
  // staff may record an incident for their own agency.
  Result<Json> Create(const access::Principal& who, const Json& input);
  // Records (more) flowchart answers for an incident started with a flowchart,
  // against the version it started with. Once an outcome is reached its actions
  // are added (once); the answers then cannot change.
  Result<Json> RecordAnswers(const access::Principal& who, int64_t id,
                             const std::map<std::string, std::string>& answers);
  // The incident with its people, actions (each with "overdue"), referrals,
  // evidence, shares and review. Audited as a read. A principal reading through
  // a share gets the shared part: no names, no evidence files.
  Result<Json> Get(const access::Principal& who, int64_t id);
  // Summaries (no people) of the incidents the principal may see, newest first,
  // including those shared with the principal's agency (marked "shared": true).
  Result<Json> List(const access::Principal& who, const ListQuery& query);
  // One page of the same, newest first (store/keyset.h); Invalid naming "cursor"
  // when page.after is not a key of it.
  Result<store::Page> ListPage(const access::Principal& who, const ListQuery& query, const store::PageQuery& page);
  // Changes the incident's own fields (not status); recorded in the chronology
  // with the fields changed. Conflict once closed or withdrawn.
  Result<Json> Update(const access::Principal& who, int64_t id, const Json& input);

  Result<Json> AddPerson(const access::Principal& who, int64_t id, const Json& input);
  Result<Json> AddAction(const access::Principal& who, int64_t id, const Json& input);
  // Marks an action done (`input`: {"note"}), or, with {"not_done_reason"},
  // records why it will not be done.
  Result<Json> CompleteAction(const access::Principal& who, int64_t id, int64_t action_id, const Json& input);
  // Records a referral or escalation. Open who-to-tell actions for the same
  // target are marked done by it. A referral to "member_agency" shares the
  // incident with that agency (see Acknowledge).
  Result<Json> AddReferral(const access::Principal& who, int64_t id, const Json& input);
  Result<Json> AddEvidence(const access::Principal& who, int64_t id, const Json& input);
  Result<Json> AddCustody(const access::Principal& who, int64_t id, int64_t evidence_id, const Json& input);
  // Attaches a file to an evidence entry: stores its SHA-256, size and name and
  // the bytes (at most 10 MiB). Refused (Forbidden, with
  // kIllegalMaterialInstruction) when the incident's category is suspected
  // illegal material, or it was recorded through the suspected illegal content
  // flowchart.
  Result<Json> AttachEvidenceFile(const access::Principal& who, int64_t id, int64_t evidence_id,
                                  std::string_view file_name, std::string_view bytes);
  // Closes the incident with its conclusion. Conflict while a required action
  // is open, unless `input` carries "open_actions_reason", which is recorded
  // against each open action.
  Result<Json> Close(const access::Principal& who, int64_t id, const Json& input);
  // Withdraws an incident recorded in error; `reason` is required. The record
  // and its chronology stay.
  Result<Json> Withdraw(const access::Principal& who, int64_t id, const std::string& reason);
  // The chronology, oldest first. Readable by whoever may read the incident,
  // including agencies it is shared with. Audited.
  Result<Json> Chronology(const access::Principal& who, int64_t id);

  // Required actions not done by their due time as of `now` (ISO 8601; empty:
  // the current time). Agency roles: their agency; partnership roles: every
  // agency, or `agency_id`. Each row names the incident, agency and action.
  Result<Json> Overdue(const access::Principal& who, std::optional<int64_t> agency_id = std::nullopt,
                       const std::string& now = {});

  // ---- Escalation to another agency ----
  // The member agencies an incident may be referred to (every agency of the
  // partnership except the principal's own): [{id, name, sector}]. Names only,
  // so that an agency officer, who otherwise reads only their own agency, can
  // choose whom to escalate to. Forbidden for board members and auditors.
  Result<Json> ReferralAgencies(const access::Principal& who);
  // Incidents shared with the principal's agency, with whether each is acknowledged.
  Result<Json> SharedWithMe(const access::Principal& who);
  // The receiving agency's officer acknowledges a shared incident. Conflict if
  // already acknowledged; NotFound if not shared with their agency.
  Result<Json> Acknowledge(const access::Principal& who, int64_t id);

  // ---- Serious incidents (Section 5) ----
  // Marks the incident serious and opens its review (owning agency officers and
  // the partnership). Conflict if already serious.
  Result<Json> MarkSerious(const access::Principal& who, int64_t id, const std::string& reason);
  // Records answers to the four review questions (partnership lead and admins,
  // and the owning agency's officers); "complete": true closes the review.
  Result<Json> UpdateReview(const access::Principal& who, int64_t id, const Json& input);
  // Serious incidents the principal may see, with their review status; no people.
  Result<Json> ListSerious(const access::Principal& who);
  // The same as CSV for the sub-group's standing agenda item.
  Result<std::string> ExportSeriousCsv(const access::Principal& who);

  // ---- Statistics (Section 5 'What should be monitored at LSCB level?') ----
  // Counts of incidents (withdrawn ones excluded) by category, agency, sector,
  // how identified, risk level and escalation target, per quarter or year.
  // Agency roles see their own agency, exactly. Partnership roles, board
  // members and auditors see the partnership: counts only, and a count from 1
  // to 4 is shown as kFewerThanFive ("count": null, "suppressed": true).
  // Returns {"scope", "suppressed", "periods", "tables": [{"dimension",
  // "rows": [{"period","key","label","count","display"}]}]}.
  Result<Json> Statistics(const access::Principal& who, const StatisticsQuery& query);
  // The same rows as CSV: period, dimension, key, label, count (the display text).
  Result<std::string> StatisticsCsv(const access::Principal& who, const StatisticsQuery& query);
  // The same as an XLSX workbook (one sheet per dimension), as bytes.
  Result<std::string> StatisticsXlsx(const access::Principal& who, const StatisticsQuery& query);

 private:
  store::Database& db_;
};

}  // namespace esafe::incidents
