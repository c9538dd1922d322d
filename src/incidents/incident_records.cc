// The incident rows as the IncidentLog files share them: who may see or change one,
// its chronology, and the outcome of a flowchart walk stored on it
// (incidents/incident_records.h).
#include <fmt/format.h>

#include <ctime>

#include "core/clock.h"
#include "incidents/incidents.h"
#include "incidents/incident_records.h"

namespace esafe::incidents::internal {

std::string Now() { return clock::NowIso8601(); }

int64_t ToUnix(std::string_view iso) {
  auto n = NormaliseTime(iso);
  if (!n) return 0;
  std::tm tm{};
  if (!strptime(n->c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm)) return 0;
  return static_cast<int64_t>(timegm(&tm));
}

namespace {
const char* kSelectIncident =
    "SELECT t.*, t.flowchart_key AS flowchart_id, a.name AS agency_name, a.sector AS sector, s.name AS site_name "
    "FROM incidents t JOIN agencies a ON a.id = t.agency_id LEFT JOIN sites s ON s.id = t.site_id";
}  // namespace

Result<Visible> LoadVisible(Connection& c, const Principal& who, int64_t id) {
  auto row = c.QueryOne(std::string(kSelectIncident) + " WHERE t.id = ?", {id}, "incident");
  if (!row.ok()) return row.error();
  int64_t agency = row->Int("agency_id");
  if (who.IsPartnershipManager()) return Visible{std::move(*row), Reach::kPartnership};
  if (who.agency_id && *who.agency_id == agency) {
    if (who.role == access::Role::kAgencyOfficer) return Visible{std::move(*row), Reach::kOwner};
    if (who.role == access::Role::kAgencyStaff && row->Int("reported_by_user_id") == who.user_id) {
      return Visible{std::move(*row), Reach::kReporter};
    }
  }
  if (who.role == access::Role::kAgencyOfficer && who.agency_id) {
    auto shared = c.Query("SELECT id FROM incident_shares WHERE incident_id = ? AND agency_id = ?",
                          {id, *who.agency_id});
    if (!shared.ok()) return shared.error();
    if (!shared->empty()) return Visible{std::move(*row), Reach::kShared};
  }
  return Error::NotFound("incident not found");
}

Result<Visible> LoadWritable(Connection& c, const Principal& who, int64_t id) {
  auto v = LoadVisible(c, who, id);
  if (!v.ok()) return v.error();
  if (!v->can_write()) return Error::Forbidden("you may not change this incident");
  if (v->status() != "open") {
    return Error::Conflict(fmt::format("this incident is {}; it can no longer be changed", v->status()));
  }
  return v;
}

Result<void> AppendEvent(Connection& c, const Principal* who, int64_t incident_id, std::string_view kind,
                         std::string_view summary, const Json& detail) {
  auto r = c.Execute(
      "INSERT INTO incident_events (incident_id, at, user_id, username, agency_id, kind, summary, detail) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      {incident_id, Now(), who ? Value(who->user_id) : Value(),
       who ? Value(who->username) : Value(std::string("system")),
       who && who->agency_id ? Value(*who->agency_id) : Value(), std::string(kind),
       std::string(summary.substr(0, 1000)), detail.is_null() ? Value() : Value(detail.dump())});
  if (!r.ok()) return r.error();
  return Ok();
}

Result<void> Touch(Connection& c, int64_t incident_id) {
  auto r = c.Execute("UPDATE incidents SET updated_at = ? WHERE id = ?", {Now(), incident_id});
  if (!r.ok()) return r.error();
  return Ok();
}

Result<void> AddRequiredTells(Connection& c, int64_t incident_id, const std::vector<RequiredTell>& tells,
                              std::string_view source) {
  auto max = c.Query("SELECT COALESCE(MAX(position), 0) AS p FROM incident_actions WHERE incident_id = ?",
                     {incident_id});
  if (!max.ok()) return max.error();
  int64_t position = (*max)[0].Int("p");
  const std::string now = Now();
  for (const auto& t : tells) {
    std::string what = "Tell " + Label(EscalationTargets(), t.who);
    if (!t.why.empty()) what += ": " + t.why;
    ESAFE_TRY(c.Execute("INSERT INTO incident_actions (incident_id, position, what, notify, due_at, required, "
                        "source, created_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?)",
                        {incident_id, ++position, what, t.who, t.due_at, std::string(source), now}));
  }
  return Ok();
}

Result<void> ApplyOutcome(Connection& c, const Principal& who, int64_t incident_id, const std::string& reported_at,
                          const std::string& category, const flowchart::Flowchart& chart,
                          const flowchart::Walk& walk) {
  const flowchart::Outcome& o = *walk.outcome;
  int64_t base = ToUnix(reported_at);
  // The outcome decides the mark, except that a category of suspected illegal
  // material keeps it (the category and the walk are two people's words).
  const bool illegal = o.illegal_material || IsSuspectedIllegalMaterial(category);
  ESAFE_TRY(c.Execute("UPDATE incidents SET risk_level = ?, must_not = ?, flowchart_outcome = ?, updated_at = ?, "
                      "illegal_material = ? WHERE id = ?",
                      {o.risk, Json(o.must_not).dump(), walk.outcome_node, Now(), int64_t{illegal ? 1 : 0},
                       incident_id}));
  auto max = c.Query("SELECT COALESCE(MAX(position), 0) AS p FROM incident_actions WHERE incident_id = ?",
                     {incident_id});
  if (!max.ok()) return max.error();
  int64_t position = (*max)[0].Int("p");
  std::string now = Now();
  for (const auto& a : o.actions) {
    ESAFE_TRY(c.Execute("INSERT INTO incident_actions (incident_id, position, what, due_at, required, source, "
                        "created_at) VALUES (?, ?, ?, ?, 1, 'flowchart', ?)",
                        {incident_id, ++position, a.text, clock::Iso8601(base + a.within_seconds), now}));
  }
  std::vector<RequiredTell> tells;
  for (const auto& t : o.tell) tells.push_back({t.who, t.why, clock::Iso8601(base + t.within_seconds)});
  ESAFE_TRY(AddRequiredTells(c, incident_id, tells, "flowchart"));
  Json told = Json::array();
  for (const auto& t : o.tell) told.push_back(t.who);
  ESAFE_TRY(AppendEvent(c, &who, incident_id, "flowchart_outcome",
                        fmt::format("flowchart {} v{} reached '{}': {}", chart.id, chart.version, walk.outcome_node,
                                    Label(RiskLevels(), o.risk)),
                        {{"outcome", walk.outcome_node}, {"risk", o.risk}, {"tell", told},
                         {"actions", o.actions.size()}}));
  return Ok();
}

// Checks and normalises a time field of validated input in place.
Result<void> NormaliseTimeField(Json& input, const char* field) {
  if (!input.contains(field) || input[field].is_null()) return Ok();
  auto n = NormaliseTime(input[field].get<std::string>());
  if (!n) {
    return Error::Invalid(fmt::format("{} must be a date or time written like 2024-03-01T09:30:00Z", field), field);
  }
  input[field] = *n;
  return Ok();
}

}  // namespace esafe::incidents::internal
