// The incident records as the files that implement IncidentLog share them: who may
// see or change an incident (incident_records.cc), its chronology, the outcome of a
// flowchart walk, and the incident as JSON (incident_view.cc). Not part of the
// capability's interface; nothing outside src/incidents includes this.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "incidents/incidents.h"
#include "store/record_row.h"

namespace esafe::incidents::internal {

using access::Principal;
using store::Connection;
using store::Value;

// How a principal reaches an incident.
enum class Reach {
  kOwner,        // an e-safety officer of the owning agency
  kReporter,     // the member of staff who reported it
  kPartnership,  // partnership lead or admin
  kShared,       // an officer of an agency the incident is shared with
};

struct Visible {
  store::Row row;
  Reach reach;
  bool can_write() const { return reach == Reach::kOwner || reach == Reach::kPartnership; }
  bool sees_names() const { return reach == Reach::kOwner || reach == Reach::kReporter; }
  int64_t agency_id() const { return row.Int("agency_id"); }
  std::string status() const { return row.Text("status"); }
};

// The incident row (with agency_name, sector, site_name) if `who` may see it;
// NotFound otherwise, so that ids reveal nothing.
Result<Visible> LoadVisible(Connection& c, const Principal& who, int64_t id);
// LoadVisible, then Forbidden unless the principal may change it, and Conflict
// unless it is open (closed and withdrawn incidents are not changed).
Result<Visible> LoadWritable(Connection& c, const Principal& who, int64_t id);

// Appends one event to the incident's chronology.
Result<void> AppendEvent(Connection& c, const Principal* who, int64_t incident_id, std::string_view kind,
                         std::string_view summary, const Json& detail = nullptr);

// Touches updated_at.
Result<void> Touch(Connection& c, int64_t incident_id);

using store::FromRow;
using store::ToValue;

// Seconds since the epoch for a normalised time; 0 when it does not parse.
int64_t ToUnix(std::string_view iso);
std::string Now();

// The flowchart `key` at `version` (nullopt: the version in force), publishing
// the shipped flowcharts first if the table does not have them yet.
Result<flowchart::Flowchart> LoadFlowchart(Connection& c, const std::string& key, std::optional<int64_t> version);
// Publishes each shipped flowchart whose version is newer than every version of its
// id in the database (a partnership's own higher version stays in force).
Result<void> EnsureShippedFlowcharts(Connection& c);

// Someone a required action says to tell, and by when.
struct RequiredTell {
  std::string who;     // an escalation target key
  std::string why;     // "" when none is given
  std::string due_at;  // ISO 8601
};

// Adds a required "Tell …" action per entry, after the incident's other actions,
// marked with `source` ('flowchart', 'risk').
Result<void> AddRequiredTells(Connection& c, int64_t incident_id, const std::vector<RequiredTell>& tells,
                              std::string_view source);

// Stores the outcome of a completed walk on the incident: risk level,
// must-not list, outcome node, the illegal-material mark (the outcome's, or the
// `category`'s when it is suspected illegal material), required actions and
// who-to-tell actions due from reported_at.
Result<void> ApplyOutcome(Connection& c, const Principal& who, int64_t incident_id, const std::string& reported_at,
                          const std::string& category, const flowchart::Flowchart& chart,
                          const flowchart::Walk& walk);

// Checks and normalises a time field of validated input in place; kInvalid (field
// `field`) when it is not a date or time.
Result<void> NormaliseTimeField(Json& input, const char* field);

// A JSON text column parsed; `fallback` when null or not JSON.
Json ParseJsonText(const store::Row& row, std::string_view column, Json fallback);

// The time before which an action due "at once" counts as overdue at `now`.
std::string GraceCutoff(const std::string& now);

// The incident as JSON. `full` adds people, actions, referrals, evidence,
// shares and the review; names only when the principal sees them.
Result<Json> IncidentJson(Connection& c, const Visible& v, bool full);
// The incident `id` again, in full, as `who` sees it (what a change answers).
Result<Json> Reload(Connection& c, const Principal& who, int64_t id);

// SHA-256 as lower-case hex.
std::string Sha256Hex(std::string_view bytes);

}  // namespace esafe::incidents::internal

namespace esafe::incidents {

// The files that implement IncidentLog use these unqualified.
using internal::Connection;
using internal::GraceCutoff;
using internal::IncidentJson;
using internal::NormaliseTimeField;
using internal::ParseJsonText;
using internal::Principal;
using internal::Reach;
using internal::Reload;
using internal::Value;
using internal::Visible;

}  // namespace esafe::incidents
