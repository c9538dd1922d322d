// IncidentLog: the actions on an incident, adding and completing them, and the
// partnership-wide list of those overdue.
#include <fmt/format.h>

#include "core/clock.h"
#include "incidents/incident_records.h"
#include "incidents/incidents.h"

namespace esafe::incidents {

Result<Json> IncidentLog::AddAction(const Principal& who, int64_t id, const Json& input) {
  auto valid = ActionSchema().Validate(input, false);
  if (!valid.ok()) return valid.error();
  ESAFE_TRY(NormaliseTimeField(*valid, "due_at"));
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto v = internal::LoadWritable(c, who, id);
    if (!v.ok()) return v.error();
    auto max = c.Query("SELECT COALESCE(MAX(position), 0) AS p FROM incident_actions WHERE incident_id = ?", {id});
    if (!max.ok()) return max.error();
    bool required = valid->value("required", Json(false)).is_boolean() && valid->value("required", false);
    ESAFE_TRY(c.Execute("INSERT INTO incident_actions (incident_id, position, what, who, due_at, required, source, "
                        "created_at) VALUES (?, ?, ?, ?, ?, ?, 'manual', ?)",
                        {id, (*max)[0].Int("p") + 1, (*valid)["what"].get<std::string>(),
                         internal::ToValue(*ActionSchema().Find("who"), valid->value("who", Json())),
                         internal::ToValue(*ActionSchema().Find("due_at"), valid->value("due_at", Json())),
                         int64_t{required ? 1 : 0}, internal::Now()}));
    ESAFE_TRY(internal::AppendEvent(c, &who, id, "action_added",
                                    fmt::format("action: {}", (*valid)["what"].get<std::string>())));
    ESAFE_TRY(internal::Touch(c, id));
    ESAFE_TRY(access::RecordAudit(c, &who, "update", "incident", id, "action added"));
    return Reload(c, who, id);
  });
}

Result<Json> IncidentLog::CompleteAction(const Principal& who, int64_t id, int64_t action_id, const Json& input) {
  static const RecordSchema schema("incident_action_completion",
                                   {{.name = "note", .type = FieldType::kText, .max_length = 2000},
                                    {.name = "not_done_reason", .type = FieldType::kText, .max_length = 2000}});
  auto valid = schema.Validate(input.is_null() ? Json::object() : input, true);
  if (!valid.ok()) return valid.error();
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto v = internal::LoadWritable(c, who, id);
    if (!v.ok()) return v.error();
    auto action = c.QueryOne("SELECT * FROM incident_actions WHERE id = ? AND incident_id = ?", {action_id, id},
                             "action");
    if (!action.ok()) return action.error();
    if (!action->IsNull("done_at") || !action->IsNull("not_done_reason")) {
      return Error::Conflict("this action is already closed");
    }
    std::string actor = who.display_name.empty() ? who.username : who.display_name;
    auto reason = valid->value("not_done_reason", Json());
    if (!reason.is_null()) {
      ESAFE_TRY(c.Execute("UPDATE incident_actions SET not_done_reason = ?, done_by = ? WHERE id = ?",
                          {reason.get<std::string>(), actor, action_id}));
      ESAFE_TRY(internal::AppendEvent(c, &who, id, "action_not_done",
                                      fmt::format("will not be done: {} — {}", action->Text("what"),
                                                  reason.get<std::string>())));
    } else {
      auto note = valid->value("note", Json());
      ESAFE_TRY(c.Execute("UPDATE incident_actions SET done_at = ?, done_by = ?, done_note = ? WHERE id = ?",
                          {internal::Now(), actor, note.is_null() ? Value() : Value(note.get<std::string>()),
                           action_id}));
      ESAFE_TRY(internal::AppendEvent(c, &who, id, "action_done", fmt::format("done: {}", action->Text("what"))));
    }
    ESAFE_TRY(internal::Touch(c, id));
    ESAFE_TRY(access::RecordAudit(c, &who, "update", "incident", id, "action completed"));
    return Reload(c, who, id);
  });
}

Result<Json> IncidentLog::Overdue(const Principal& who, std::optional<int64_t> agency_id, const std::string& now_in) {
  std::string now = now_in.empty() ? internal::Now() : NormaliseTime(now_in).value_or("");
  if (now.empty()) return Error::Invalid("now must be an ISO 8601 time", "now");
  std::string sql =
      "SELECT x.id AS action_id, x.what, x.notify, x.due_at, i.id AS incident_id, i.agency_id, a.name AS agency_name, "
      "i.category, i.risk_level FROM incident_actions x JOIN incidents i ON i.id = x.incident_id "
      "JOIN agencies a ON a.id = i.agency_id WHERE i.status = 'open' AND x.required = 1 AND x.done_at IS NULL "
      "AND x.not_done_reason IS NULL AND x.due_at < ? AND (x.due_at > i.reported_at OR x.due_at < ?)";
  std::vector<Value> params = {now, GraceCutoff(now)};
  if (who.IsPartnershipManager()) {
    if (agency_id) { sql += " AND i.agency_id = ?"; params.emplace_back(*agency_id); }
  } else if (who.role == access::Role::kAgencyOfficer && who.agency_id) {
    if (agency_id && *agency_id != *who.agency_id) return Error::Forbidden("you may only see your own agency");
    sql += " AND i.agency_id = ?";
    params.emplace_back(*who.agency_id);
  } else {
    return Error::Forbidden("overdue actions are for e-safety officers and the partnership");
  }
  sql += " ORDER BY x.due_at, x.id";
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto rows = c.Query(sql, params);
    if (!rows.ok()) return rows.error();
    Json out = Json::array();
    for (const auto& r : *rows) {
      out.push_back({{"incident_id", r.Int("incident_id")},
                     {"agency_id", r.Int("agency_id")},
                     {"agency_name", r.Text("agency_name")},
                     {"category", r.Text("category")},
                     {"risk_level", r.IsNull("risk_level") ? Json(nullptr) : Json(r.Text("risk_level"))},
                     {"action_id", r.Int("action_id")},
                     {"what", r.Text("what")},
                     {"notify", r.IsNull("notify") ? Json(nullptr) : Json(r.Text("notify"))},
                     {"due_at", r.Text("due_at")}});
    }
    ESAFE_TRY(access::RecordAudit(c, &who, "list", "incident_action", std::nullopt,
                                  fmt::format("{} overdue actions listed", out.size())));
    return out;
  });
}

}  // namespace esafe::incidents
