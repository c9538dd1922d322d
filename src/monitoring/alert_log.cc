// Alerts in the database. The events behind an alert stay in the activity log;
// an alert holds references to them (time, client address, stream position), so the
// evidence is never duplicated outside the tamper-evident log and its retention
// rules still apply to it.
#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>

#include "core/clock.h"
#include "incidents/incidents.h"
#include "incidents/vocabulary.h"
#include "monitoring/monitoring.h"

namespace esafe::monitoring {

using access::Principal;
using store::Connection;
using store::Value;

namespace {

constexpr size_t kMaxReason = 2000;

int64_t Rank(Severity s) { return static_cast<int64_t>(s); }

bool SeesAlerts(const Principal& who) {
  return who.role == access::Role::kPartnershipAdmin || who.role == access::Role::kPartnershipLead ||
         who.role == access::Role::kAgencyOfficer;
}

bool MayHandle(const Principal& who, std::optional<int64_t> agency_id) {
  if (who.role == access::Role::kPartnershipAdmin || who.role == access::Role::kPartnershipLead) return true;
  return who.role == access::Role::kAgencyOfficer && agency_id && who.agency_id && *who.agency_id == *agency_id;
}

std::optional<int64_t> OptionalInt(const store::Row& r, std::string_view column) {
  if (r.IsNull(column)) return std::nullopt;
  return r.Int(column);
}

// Each alert with its agency's name, for people (the activity log may name the agency by id).
constexpr std::string_view kSelectAlerts =
    "SELECT *, (SELECT name FROM agencies WHERE agencies.id = monitoring_alerts.agency_id) AS agency_name "
    "FROM monitoring_alerts";

Json AlertJson(const store::Row& r) {
  Json detail = Json::parse(r.Text("detail"), nullptr, false);
  if (detail.is_discarded()) detail = Json::object();
  auto nullable_int = [&](std::string_view c) { return r.IsNull(c) ? Json(nullptr) : Json(r.Int(c)); };
  auto nullable_text = [&](std::string_view c) { return r.IsNull(c) ? Json(nullptr) : Json(r.Text(c)); };
  return Json{{"id", r.Int("id")},
              {"rule", r.Text("rule")},
              {"severity", r.Text("severity")},
              {"agency_id", nullable_int("agency_id")},
              {"agency", r.Text("agency_key")},
              {"agency_name", nullable_text("agency_name")},
              {"site", r.Text("site")},
              {"client", r.Text("client")},
              {"user", r.Text("user_ref")},
              {"subject", r.Text("subject")},
              {"incident_category", r.Text("incident_category")},
              {"summary", r.Text("summary")},
              {"detail", detail},
              {"first_event_at", r.Text("first_event_at")},
              {"last_event_at", r.Text("last_event_at")},
              {"event_count", r.Int("event_count")},
              {"state", r.Text("state")},
              {"state_reason", nullable_text("state_reason")},
              {"incident_id", nullable_int("incident_id")},
              {"notified_at", nullable_text("notified_at")},
              {"created_at", r.Text("created_at")}};
}

// The agency an alert belongs to: the activity log names agencies by their id or by
// their name; anything else belongs to the partnership (no agency).
Result<std::optional<int64_t>> ResolveAgency(Connection& c, const std::string& key) {
  if (key.empty()) return std::optional<int64_t>();
  if (key.size() < 19 && std::all_of(key.begin(), key.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
    auto rows = c.Query("SELECT id FROM agencies WHERE id = ?", {static_cast<int64_t>(std::stoll(key))});
    if (!rows.ok()) return rows.error();
    if (!rows->empty()) return std::optional<int64_t>((*rows)[0].Int("id"));
  }
  auto rows = c.Query("SELECT id FROM agencies WHERE lower(name) = lower(?)", {key});
  if (!rows.ok()) return rows.error();
  if (rows->size() == 1) return std::optional<int64_t>((*rows)[0].Int("id"));
  return std::optional<int64_t>();
}

Result<store::Row> LoadAlert(Connection& c, const Principal& who, int64_t id) {
  if (!SeesAlerts(who)) return Error::Forbidden("only e-safety officers and the partnership see monitoring alerts");
  auto row = c.QueryOne(std::string(kSelectAlerts) + " WHERE id = ?", {id}, "alert");
  if (!row.ok()) return row.error();
  if (!MayHandle(who, OptionalInt(*row, "agency_id"))) return Error::NotFound("alert not found");
  return row;
}

Result<void> RecordHistory(Connection& c, const Principal* who, int64_t id, std::optional<std::string> from,
                           const std::string& to, const std::string& reason) {
  ESAFE_TRY(c.Execute(
      "INSERT INTO monitoring_alert_history (alert_id, at, user_id, username, from_state, to_state, reason) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)",
      {id, clock::NowIso8601(), who ? Value(who->user_id) : Value(), who ? Value(who->username) : Value(),
       from ? Value(*from) : Value(), to, reason.empty() ? Value() : Value(reason)}));
  return access::RecordAudit(c, who, "monitoring.alert." + to, "monitoring_alert", id,
                             reason.empty() ? fmt::format("alert {} is {}", id, to)
                                            : fmt::format("alert {} is {}: {}", id, to, reason));
}

Result<std::string> CheckReason(const std::string& raw) {
  std::string reason = raw;
  while (!reason.empty() && (reason.back() == ' ' || reason.back() == '\n')) reason.pop_back();
  while (!reason.empty() && (reason.front() == ' ' || reason.front() == '\n')) reason.erase(reason.begin());
  if (reason.size() < 3) return Error::Invalid("a reason is required (at least 3 characters)", "reason");
  if (reason.size() > kMaxReason) return Error::TooLarge(fmt::format("the reason is longer than {} characters", kMaxReason), "reason");
  for (unsigned char ch : reason) {
    if ((ch < 0x20 && ch != '\n') || ch == 0x7f) return Error::Invalid("the reason contains control characters", "reason");
  }
  return reason;
}

std::string IncidentRiskLevel(std::string_view severity) {
  if (severity == "critical" || severity == "high") return "significant_risk";
  if (severity == "medium") return "encourage_safe_behaviour";
  return "little_or_no_danger";
}

}  // namespace

std::string_view AlertStateName(AlertState state) {
  switch (state) {
    case AlertState::kNew: return "new";
    case AlertState::kIncident: return "incident";
    case AlertState::kFalsePositive: return "false_positive";
    case AlertState::kDismissed: return "dismissed";
  }
  return "new";
}

std::optional<AlertState> ParseAlertState(std::string_view name) {
  for (auto s : {AlertState::kNew, AlertState::kIncident, AlertState::kFalsePositive, AlertState::kDismissed}) {
    if (AlertStateName(s) == name) return s;
  }
  return std::nullopt;
}

// What makes two raised alerts the same alert: a rule raises at most one alert for
// one client (or site) and subject starting at one event time. The event count and
// last time are left out, so that a window the live monitor closed early by the wall
// clock still matches the same window found later by `esafe monitor run`.
namespace {

std::string Fingerprint(const AlertDraft& d) {
  const std::string key = fmt::format("{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}", RuleName(d.rule), d.agency, d.site,
                                      d.client, d.user, d.subject, d.first_us);
  unsigned char digest[16];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(key.data()), key.size(), nullptr, 0);
  char hex[sizeof digest * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

}  // namespace

Result<int64_t> AlertLog::Record(const AlertDraft& d) {
  auto recorded = RecordOnce(d);
  if (!recorded.ok()) return recorded.error();
  if (*recorded) return **recorded;
  return db_.Read<int64_t>([&](Connection& c) -> Result<int64_t> {
    auto row = c.QueryOne("SELECT id FROM monitoring_alerts WHERE fingerprint = ?", {Fingerprint(d)}, "alert");
    if (!row.ok()) return row.error();
    return row->Int("id");
  });
}

Result<std::optional<int64_t>> AlertLog::RecordOnce(const AlertDraft& d) {
  if (!incidents::Contains(incidents::Categories(), d.incident_category)) {
    return Error::Invalid("the alert's incident category is not an incident category", "incident_category");
  }
  if (d.events.empty()) return Error::Invalid("an alert needs the events behind it", "events");
  if (d.summary.empty() || d.summary.size() > 4000) return Error::Invalid("an alert needs a summary", "summary");
  for (const auto* text : {&d.agency, &d.site, &d.client, &d.user, &d.subject}) {
    if (text->size() > activity::kMaxFieldBytes) return Error::Invalid("an alert field is too long");
  }
  const std::string fingerprint = Fingerprint(d);
  return db_.Transaction<std::optional<int64_t>>([&](Connection& c) -> Result<std::optional<int64_t>> {
    auto agency = ResolveAgency(c, d.agency);
    if (!agency.ok()) return agency.error();
    const auto now = clock::NowIso8601();
    // ON CONFLICT DO NOTHING: two writers recording the same alert at once (the live
    // monitor and a `monitor run`) both succeed, and it is stored once.
    auto rows = c.Query(
        "INSERT INTO monitoring_alerts (rule, severity, severity_rank, agency_id, agency_key, site, client, user_ref, "
        "subject, incident_category, summary, detail, first_event_at, last_event_at, event_count, state, created_at, "
        "updated_at, fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'new', ?, ?, ?) "
        "ON CONFLICT (fingerprint) DO NOTHING RETURNING id",
        {std::string(RuleName(d.rule)), std::string(SeverityName(d.severity)), Rank(d.severity),
         *agency ? Value(**agency) : Value(), d.agency, d.site, d.client, d.user, d.subject, d.incident_category,
         d.summary, d.detail.dump(-1, ' ', false, Json::error_handler_t::replace), activity::FormatTime(d.first_us),
         activity::FormatTime(d.last_us), static_cast<int64_t>(d.event_count), now, now, fingerprint});
    if (!rows.ok()) return rows.error();
    if (rows->empty()) return std::optional<int64_t>();
    const int64_t id = (*rows)[0].Int("id");
    for (size_t i = 0; i < d.events.size(); ++i) {
      ESAFE_TRY(c.Execute(
          "INSERT INTO monitoring_alert_events (alert_id, ordinal, event_time_us, client, stream_position) "
          "VALUES (?, ?, ?, ?, ?)",
          {id, static_cast<int64_t>(i), d.events[i].time_us, d.events[i].client,
           static_cast<int64_t>(d.events[i].position)}));
    }
    ESAFE_TRY(RecordHistory(c, nullptr, id, std::nullopt, "new", ""));
    return std::optional<int64_t>(id);
  });
}

Result<Json> AlertLog::List(const Principal& who, const AlertQuery& q) {
  if (q.limit < 1 || q.limit > 1000) return Error::Invalid("limit must be from 1 to 1000", "limit");
  auto page = ListPage(who, q, {.limit = q.limit, .after = nullptr});
  if (!page.ok()) return page.error();
  return std::move(page->items);
}

Result<store::Page> AlertLog::ListPage(const Principal& who, const AlertQuery& q, const store::PageQuery& page) {
  if (!SeesAlerts(who)) return Error::Forbidden("only e-safety officers and the partnership see monitoring alerts");
  if (q.state && !ParseAlertState(*q.state)) return Error::Invalid("unknown state", "state");
  if (q.rule && !ParseRule(*q.rule)) return Error::Invalid("unknown rule", "rule");
  std::optional<Severity> min_severity;
  if (q.min_severity) {
    min_severity = ParseSeverity(*q.min_severity);
    if (!min_severity) return Error::Invalid("unknown severity", "min_severity");
  }
  std::optional<int64_t> agency = q.agency_id;
  if (who.role == access::Role::kAgencyOfficer) {
    if (agency && agency != who.agency_id) return Error::Forbidden("you see your own agency's alerts only");
    agency = who.agency_id;
  }
  const store::Keyset order{{{"id", store::KeyType::kInt}}, true};
  std::string sql = std::string(kSelectAlerts) + " WHERE 1 = 1";
  sql.insert(sql.rfind(" FROM "), ", " + order.SelectList());
  std::vector<Value> params;
  if (agency) {
    sql += " AND agency_id = ?";
    params.emplace_back(*agency);
  }
  if (q.state) {
    sql += " AND state = ?";
    params.emplace_back(*q.state);
  }
  if (q.rule) {
    sql += " AND rule = ?";
    params.emplace_back(*q.rule);
  }
  if (q.severity) {
    auto exact = ParseSeverity(*q.severity);
    if (!exact) return Error::Invalid("unknown severity", "severity");
    sql += " AND severity_rank = ?";
    params.emplace_back(Rank(*exact));
  }
  if (min_severity) {
    sql += " AND severity_rank >= ?";
    params.emplace_back(Rank(*min_severity));
  }
  ESAFE_TRY(store::AppendKeyset(sql, params, order, page));
  auto read = db_.Read<store::Page>([&](Connection& c) -> Result<store::Page> {
    auto rows = c.Query(sql, params);
    if (!rows.ok()) return rows.error();
    return store::TakePage(*rows, order, page, [](const store::Row& r) { return AlertJson(r); });
  });
  if (!read.ok()) return read.error();
  ESAFE_TRY(access::RecordAudit(db_, &who, "monitoring.alert.list", "monitoring_alert", std::nullopt,
                                fmt::format("{} alerts listed", read->items.size())));
  return read;
}

Result<Json> AlertLog::Get(const Principal& who, int64_t id) {
  auto read = db_.Read<Json>([&](Connection& c) -> Result<Json> {
    auto row = LoadAlert(c, who, id);
    if (!row.ok()) return row.error();
    Json out = AlertJson(*row);
    auto events = c.Query(
        "SELECT event_time_us, client, stream_position FROM monitoring_alert_events WHERE alert_id = ? "
        "ORDER BY ordinal",
        {id});
    if (!events.ok()) return events.error();
    out["events"] = Json::array();
    for (const auto& e : *events) {
      out["events"].push_back({{"time", activity::FormatTime(e.Int("event_time_us"))},
                               {"time_us", e.Int("event_time_us")},
                               {"client", e.Text("client")},
                               {"position", e.Int("stream_position")}});
    }
    auto history = c.Query(
        "SELECT at, username, from_state, to_state, reason FROM monitoring_alert_history WHERE alert_id = ? "
        "ORDER BY id",
        {id});
    if (!history.ok()) return history.error();
    out["history"] = Json::array();
    for (const auto& h : *history) {
      out["history"].push_back({{"at", h.Text("at")},
                                {"by", h.IsNull("username") ? Json("system") : Json(h.Text("username"))},
                                {"from", h.IsNull("from_state") ? Json(nullptr) : Json(h.Text("from_state"))},
                                {"to", h.Text("to_state")},
                                {"reason", h.IsNull("reason") ? Json(nullptr) : Json(h.Text("reason"))}});
    }
    return out;
  });
  if (!read.ok()) return read.error();
  ESAFE_TRY(access::RecordAudit(db_, &who, "monitoring.alert.read", "monitoring_alert", id, "alert read"));
  return read;
}

Result<Json> AlertLog::TriageToIncident(const Principal& who, int64_t id, const Json& extra) {
  if (!extra.is_object()) return Error::Invalid("incident fields must be a JSON object");
  auto alert = Get(who, id);
  if (!alert.ok()) return alert.error();
  const Json& a = *alert;
  if (a["state"] != "new") return Error::Conflict(fmt::format("the alert is already {}", a["state"].get<std::string>()));

  Json input = {{"how_identified", "filtering_alert"},
                {"category", a["incident_category"]},
                {"technology", "web"},
                {"risk_level", IncidentRiskLevel(a["severity"].get<std::string>())}};
  if (!a["agency_id"].is_null()) input["agency_id"] = a["agency_id"];
  if (auto first = activity::ParseTime(a["first_event_at"].get<std::string>()); first.ok()) {
    input["occurred_at"] = clock::Iso8601(*first / 1000000);
  }
  const auto& detail = a["detail"];
  if (a["rule"] == "risky_search" && detail.contains("engines")) {
    std::string engines;
    for (const auto& e : detail["engines"]) engines += (engines.empty() ? "" : ", ") + e.get<std::string>();
    input["service"] = "search: " + engines;
  } else if (a["rule"] == "proxy_avoidance") {
    input["service"] = a["subject"].get<std::string>().substr(0, 200);
  }
  std::string description = fmt::format(
      "Raised by esafe monitoring, alert #{} (rule {}, severity {}).\n{}\n", id, a["rule"].get<std::string>(),
      a["severity"].get<std::string>(), a["summary"].get<std::string>());
  if (detail.contains("terms")) {
    std::string terms;
    for (const auto& t : detail["terms"]) terms += (terms.empty() ? "" : ", ") + t.get<std::string>();
    description += fmt::format("Library terms matched: {}.\n", terms);
  }
  description += fmt::format(
      "Evidence: {} event(s) in the activity log from {} to {}{}{}; {} are referenced by time and client address "
      "on the alert. Search the activity log for them; they are not copied here.",
      a["event_count"].get<int64_t>(), a["first_event_at"].get<std::string>(), a["last_event_at"].get<std::string>(),
      a["client"].get<std::string>().empty() ? "" : ", client ", a["client"].get<std::string>(),
      a["events"].size());
  input["description"] = description;
  for (const auto& [key, value] : extra.items()) input[key] = value;
  if (!input.contains("agency_id")) {
    return Error::Invalid("this alert belongs to no agency: give the agency_id the incident is for", "agency_id");
  }

  incidents::IncidentLog incidents_log(db_);
  auto incident = incidents_log.Create(who, input);
  if (!incident.ok()) return incident.error();
  const int64_t incident_id = (*incident)["id"].get<int64_t>();

  auto linked = db_.Transaction<bool>([&](Connection& c) -> Result<bool> {
    auto changed = c.Execute(
        "UPDATE monitoring_alerts SET state = 'incident', incident_id = ?, updated_at = ? WHERE id = ? AND state = 'new'",
        {incident_id, clock::NowIso8601(), id});
    if (!changed.ok()) return changed.error();
    if (*changed == 0) return false;
    ESAFE_TRY(RecordHistory(c, &who, id, "new", "incident", fmt::format("incident {}", incident_id)));
    return true;
  });
  if (!linked.ok() || !*linked) {
    // Another officer triaged it meanwhile (or the link failed): the incident just
    // made is withdrawn, not deleted, so its creation stays on record.
    (void)incidents_log.Withdraw(who, incident_id, fmt::format("monitoring alert {} was triaged by someone else first", id));
    if (!linked.ok()) return linked.error();
    return Error::Conflict("the alert was triaged by someone else first");
  }
  auto after = Get(who, id);
  if (!after.ok()) return after.error();
  return Json{{"alert", *after}, {"incident", *incident}};
}

Result<Json> AlertLog::MarkFalsePositive(const Principal& who, int64_t id, const std::string& reason) {
  return Close(who, id, AlertState::kFalsePositive, reason);
}

Result<Json> AlertLog::Dismiss(const Principal& who, int64_t id, const std::string& reason) {
  return Close(who, id, AlertState::kDismissed, reason);
}

Result<Json> AlertLog::Close(const Principal& who, int64_t id, AlertState to, const std::string& raw_reason) {
  auto reason = CheckReason(raw_reason);
  if (!reason.ok()) return reason.error();
  auto done = db_.Transaction<bool>([&](Connection& c) -> Result<bool> {
    auto row = LoadAlert(c, who, id);
    if (!row.ok()) return row.error();
    if (row->Text("state") != "new") return Error::Conflict(fmt::format("the alert is already {}", row->Text("state")));
    const std::string state(AlertStateName(to));
    auto changed = c.Execute(
        "UPDATE monitoring_alerts SET state = ?, state_reason = ?, updated_at = ? WHERE id = ? AND state = 'new'",
        {state, *reason, clock::NowIso8601(), id});
    if (!changed.ok()) return changed.error();
    if (*changed == 0) return Error::Conflict("the alert was changed by someone else first");
    ESAFE_TRY(RecordHistory(c, &who, id, "new", state, *reason));
    return true;
  });
  if (!done.ok()) return done.error();
  return Get(who, id);
}

Result<Json> AlertLog::AddRecipient(const Principal& who, std::optional<int64_t> agency_id, const std::string& name,
                                    const std::string& email) {
  if (!ValidMailAddress(email)) return Error::Invalid("not an e-mail address (local@domain)", "email");
  if (name.empty() || name.size() > 200) return Error::Invalid("a name of 1 to 200 characters is required", "name");
  for (unsigned char ch : name) {
    if (ch < 0x20 || ch == 0x7f) return Error::Invalid("the name contains control characters", "name");
  }
  const bool manager = who.role == access::Role::kPartnershipAdmin || who.role == access::Role::kPartnershipLead;
  if (!manager && !(who.role == access::Role::kAgencyOfficer && agency_id && agency_id == who.agency_id)) {
    return Error::Forbidden("officers manage their own agency's alert recipients");
  }
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    if (agency_id) {
      auto found = c.Query("SELECT id FROM agencies WHERE id = ?", {*agency_id});
      if (!found.ok()) return found.error();
      if (found->empty()) return Error::Invalid("no agency has that id", "agency_id");
    }
    auto rows = c.Query(
        "INSERT INTO monitoring_recipients (agency_id, name, email, created_at) VALUES (?, ?, ?, ?) RETURNING id",
        {agency_id ? Value(*agency_id) : Value(), name, email, clock::NowIso8601()});
    if (!rows.ok()) return rows.error();
    const int64_t id = (*rows)[0].Int("id");
    ESAFE_TRY(access::RecordAudit(c, &who, "monitoring.recipient.add", "monitoring_recipient", id,
                                  fmt::format("alert recipient added for {}",
                                              agency_id ? fmt::format("agency {}", *agency_id) : "the partnership")));
    return Json{{"id", id}, {"agency_id", agency_id ? Json(*agency_id) : Json(nullptr)}, {"name", name}, {"email", email}};
  });
}

Result<Json> AlertLog::ListRecipients(const Principal& who, std::optional<int64_t> agency_id) {
  const bool manager = who.role == access::Role::kPartnershipAdmin || who.role == access::Role::kPartnershipLead;
  if (!manager && !(who.role == access::Role::kAgencyOfficer && agency_id && agency_id == who.agency_id)) {
    return Error::Forbidden("officers see their own agency's alert recipients");
  }
  return db_.Read<Json>([&](Connection& c) -> Result<Json> {
    auto rows = agency_id ? c.Query("SELECT * FROM monitoring_recipients WHERE agency_id = ? ORDER BY id", {*agency_id})
                          : c.Query("SELECT * FROM monitoring_recipients ORDER BY id");
    if (!rows.ok()) return rows.error();
    Json out = Json::array();
    for (const auto& r : *rows) {
      out.push_back({{"id", r.Int("id")},
                     {"agency_id", r.IsNull("agency_id") ? Json(nullptr) : Json(r.Int("agency_id"))},
                     {"name", r.Text("name")},
                     {"email", r.Text("email")}});
    }
    return out;
  });
}

Result<void> AlertLog::RemoveRecipient(const Principal& who, int64_t id) {
  const bool manager = who.role == access::Role::kPartnershipAdmin || who.role == access::Role::kPartnershipLead;
  if (!manager && who.role != access::Role::kAgencyOfficer) {
    return Error::Forbidden("officers manage their own agency's alert recipients");
  }
  return db_.Transaction<void>([&](Connection& c) -> Result<void> {
    auto row = c.QueryOne("SELECT agency_id, name FROM monitoring_recipients WHERE id = ?", {id}, "recipient");
    if (!row.ok()) return row.error();
    const bool own = !row->IsNull("agency_id") && who.agency_id && row->Int("agency_id") == *who.agency_id;
    if (!manager && !own) return Error::NotFound("recipient not found");
    ESAFE_TRY(c.Execute("DELETE FROM monitoring_recipients WHERE id = ?", {id}));
    ESAFE_TRY(access::RecordAudit(c, &who, "monitoring.recipient.remove", "monitoring_recipient", id,
                                  "alert recipient removed"));
    return Ok();
  });
}

}  // namespace esafe::monitoring
