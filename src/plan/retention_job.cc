// RetentionJob: the retention schedule, legal holds and confirmed deletions.
//
// The default periods (migration 7) are review points, not legal periods: the
// seeds give none, so each is marked "default, the partnership sets its own".
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "plan/internal.h"
#include "plan/retention.h"

namespace esafe::plan {
namespace {

using access::Principal;
using store::Connection;
using store::Value;

// Where each record type lives and which column starts its clock.
struct RecordType {
  const char* name;
  const char* table;
  const char* trigger_sql;  // SQL expression of the trigger date
  const char* summary_sql;  // SQL expression of a short description (no child's name)
};

const RecordType kTypes[] = {
    {"incident", "incidents", "closed_at", "category"},
    {"training_attendance", "training_attendance", "recorded_at",
     "(SELECT c.title FROM training_sessions s JOIN training_courses c ON c.id = s.course_id "
     "WHERE s.id = session_id)"},
    {"disclosure_request", "disclosure_requests", "COALESCE(provided_on, received_on)", "notice_reference"},
    // An acceptance matters while its version is in force; its clock starts when the version is retired.
    {"aup_acceptance", "aup_acceptances",
     "(SELECT v.retired_at FROM aup_versions v WHERE v.id = aup_acceptances.version_id)",
     "(SELECT p.title || ', version ' || v.number || ', ' || aup_acceptances.method FROM aup_versions v "
     "JOIN aup_policies p ON p.id = v.policy_id WHERE v.id = aup_acceptances.version_id)"},
    // An audit round's returns (one per agency) are kept and removed together; the round itself stays.
    {"audit_returns", "audit_rounds", "deadline", "title"},
};

std::string TypeList() {
  std::string out;
  for (const auto& t : kTypes) out += std::string(out.empty() ? "" : ", ") + t.name;
  return out;
}

const RecordType* FindType(const std::string& name) {
  for (const auto& t : kTypes) {
    if (name == t.name) return &t;
  }
  return nullptr;
}

Result<void> AdminOnly(const Principal& who) {
  if (who.role != access::Role::kPartnershipAdmin) {
    return Error::Forbidden("the retention schedule is run by a partnership admin");
  }
  return {};
}

bool ValidNow(const std::string& now) {
  return now.size() >= 10 && now[4] == '-' && now[7] == '-' &&
         std::all_of(now.begin(), now.begin() + 4, ::isdigit);
}

std::string Text(const Json& input, const char* key) {
  return input.contains(key) && input[key].is_string() ? input[key].get<std::string>() : std::string();
}

Json HoldJson(const store::Row& r) {
  return {{"id", r.Int("id")},
          {"record_type", r.Text("record_type")},
          {"record_id", r.Int("record_id")},
          {"reason", r.Text("reason")},
          {"placed_by", r.Text("placed_by")},
          {"placed_at", r.Text("placed_at")},
          {"released_by", r.OptionalText("released_by") ? Json(r.Text("released_by")) : Json()},
          {"released_at", r.OptionalText("released_at") ? Json(r.Text("released_at")) : Json()},
          {"release_reason", r.OptionalText("release_reason") ? Json(r.Text("release_reason")) : Json()}};
}

Json ActionJson(const store::Row& r) {
  return {{"id", r.Int("id")},
          {"record_type", r.Text("record_type")},
          {"record_id", r.Int("record_id")},
          {"action", r.Text("action")},
          {"due_on", r.Text("due_on")},
          {"extended_until", r.OptionalText("extended_until") ? Json(r.Text("extended_until")) : Json()},
          {"note", r.Text("note")},
          {"done_by", r.Text("done_by")},
          {"done_at", r.Text("done_at")}};
}

// Every record of every type with its due date and state at `today`: the one
// computation that ListDue and Confirm share. Records deleted or anonymised
// are left out; `held` carries the hold in force, if any.
struct Candidate {
  std::string record_type;
  int64_t record_id = 0;
  std::string trigger_date, due_on, summary;
  std::optional<Json> hold;
};

Result<std::vector<Candidate>> DueAt(Connection& c, const std::string& today,
                                     std::optional<std::pair<std::string, int64_t>> only = std::nullopt) {
  auto schedule = c.Query("SELECT record_type, months FROM retention_schedule");
  if (!schedule.ok()) return schedule.error();
  std::map<std::string, int64_t> months;
  for (const auto& r : *schedule) months[r.Text("record_type")] = r.Int("months");

  std::vector<Candidate> out;
  for (const auto& t : kTypes) {
    if (only && only->first != t.name) continue;
    if (!months.count(t.name)) continue;
    std::string sql = fmt::format("SELECT id, {} AS trigger_date, {} AS summary FROM {} WHERE {} IS NOT NULL",
                                  t.trigger_sql, t.summary_sql, t.table, t.trigger_sql);
    std::vector<Value> params;
    if (only) {
      sql += " AND id = ?";
      params.push_back(only->second);
    }
    auto rows = c.Query(sql + " ORDER BY id", params);
    if (!rows.ok()) return rows.error();
    for (const auto& r : *rows) {
      Candidate cand{t.name, r.Int("id"), r.Text("trigger_date").substr(0, 10), "", r.Text("summary"), std::nullopt};
      cand.due_on = internal::AddMonths(cand.trigger_date, months[t.name]);
      auto done = c.Query("SELECT action, extended_until FROM retention_actions WHERE record_type = ? AND record_id = ? "
                          "ORDER BY id", {std::string(t.name), cand.record_id});
      if (!done.ok()) return done.error();
      bool finished = false;
      for (const auto& d : *done) {
        if (d.Text("action") == "extended") cand.due_on = std::max(cand.due_on, d.Text("extended_until"));
        else finished = true;
      }
      if (finished || cand.due_on > today) continue;
      auto hold = c.Query("SELECT * FROM retention_holds WHERE record_type = ? AND record_id = ? AND released_at IS NULL "
                          "ORDER BY id", {std::string(t.name), cand.record_id});
      if (!hold.ok()) return hold.error();
      if (!hold->empty()) cand.hold = HoldJson((*hold)[0]);
      out.push_back(std::move(cand));
    }
  }
  return out;
}

// The due list at `today`: {today, due: [...], held: [...]}.
Result<Json> DueList(Connection& c, const std::string& today) {
  auto due = DueAt(c, today);
  if (!due.ok()) return due.error();
  Json out = {{"today", today}, {"due", Json::array()}, {"held", Json::array()}};
  for (const auto& d : *due) {
    Json item = {{"record_type", d.record_type},
                 {"record_id", d.record_id},
                 {"trigger_date", d.trigger_date},
                 {"due_on", d.due_on},
                 {"summary", d.summary}};
    if (d.hold) {
      item["hold"] = *d.hold;
      out["held"].push_back(item);
    } else {
      out["due"].push_back(item);
    }
  }
  return out;
}

Result<bool> RecordExists(Connection& c, const RecordType& t, int64_t id) {
  auto rows = c.Query(fmt::format("SELECT id FROM {} WHERE id = ?", t.table), {id});
  if (!rows.ok()) return rows.error();
  return !rows->empty();
}

// Deletes the record, or anonymises it where dependants must stay. Returns
// the action name recorded: "deleted" or "anonymised".
Result<std::string> Remove(Connection& c, const RecordType& t, int64_t id, const std::string& now) {
  std::string type = t.name;
  if (type == "incident") {
    const char* removed = "[removed under the retention schedule]";
    ESAFE_TRY(c.Execute("UPDATE incidents SET description = ?, conclusion = NULL, outcome = NULL, lessons_learned = NULL, "
                        "closure_note = NULL, must_not = NULL, flowchart_answers = NULL, withdrawn_reason = NULL, "
                        "reported_by = ?, updated_at = ? WHERE id = ?",
                        {std::string(removed), std::string("[removed]"), now, id}));
    ESAFE_TRY(c.Execute("UPDATE incident_people SET name = NULL, notes = NULL, reference = ? WHERE incident_id = ?",
                        {std::string("[removed]"), id}));
    return std::string("anonymised");
  }
  if (type == "audit_returns") {
    ESAFE_TRY(c.Execute("DELETE FROM audit_returns WHERE round_id = ?", {id}));
    return std::string("deleted");
  }
  if (type == "disclosure_request") {
    ESAFE_TRY(c.Execute("DELETE FROM disclosure_handlers WHERE request_id = ?", {id}));
  }
  ESAFE_TRY(c.Execute(fmt::format("DELETE FROM {} WHERE id = ?", t.table), {id}));
  return std::string("deleted");
}

}  // namespace

const std::vector<std::string>& RetentionRecordTypes() {
  static const std::vector<std::string> types = [] {
    std::vector<std::string> v;
    for (const auto& t : kTypes) v.emplace_back(t.name);
    return v;
  }();
  return types;
}

Result<Json> RetentionJob::Schedule(const Principal& who) {
  ESAFE_TRY(AdminOnly(who));
  return db_.Read<Json>([&](Connection& c) -> Result<Json> {
    auto rows = c.Query("SELECT * FROM retention_schedule ORDER BY record_type");
    if (!rows.ok()) return rows.error();
    Json out = Json::array();
    for (const auto& r : *rows) {
      out.push_back({{"record_type", r.Text("record_type")},
                     {"months", r.Int("months")},
                     {"trigger_field", r.Text("trigger_field")},
                     {"basis", r.Text("basis")},
                     {"updated_by", r.OptionalText("updated_by") ? Json(r.Text("updated_by")) : Json()},
                     {"updated_at", r.OptionalText("updated_at") ? Json(r.Text("updated_at")) : Json()}});
    }
    return out;
  });
}

Result<Json> RetentionJob::SetPeriod(const Principal& who, const std::string& record_type, int64_t months,
                                     const std::string& now) {
  ESAFE_TRY(AdminOnly(who));
  if (!FindType(record_type)) return Error::Invalid("unknown record type", "record_type");
  if (months < 1 || months > 1200) return Error::Invalid("months must be between 1 and 1200", "months");
  auto done = db_.Transaction<bool>([&](Connection& c) -> Result<bool> {
    ESAFE_TRY(c.Execute("UPDATE retention_schedule SET months = ?, basis = ?, updated_by = ?, updated_at = ? "
                        "WHERE record_type = ?",
                        {months, std::string("set by the partnership"), who.username, now, record_type}));
    ESAFE_TRY(access::RecordAudit(c, &who, "update", "retention_schedule", std::nullopt,
                                  fmt::format("{} retention set to {} months", record_type, months)));
    return true;
  });
  if (!done.ok()) return done.error();
  return Schedule(who);
}

Result<Json> RetentionJob::ListDue(const Principal& who, const std::string& now) {
  ESAFE_TRY(AdminOnly(who));
  if (!ValidNow(now)) return Error::Invalid("now must be an ISO 8601 date or time", "now");
  std::string today = now.substr(0, 10);
  return db_.Read<Json>([&](Connection& c) -> Result<Json> { return DueList(c, today); });
}

Result<Json> RetentionJob::Run(const Principal* who, const std::string& now) {
  if (who) ESAFE_TRY(AdminOnly(*who));
  if (!ValidNow(now)) return Error::Invalid("now must be an ISO 8601 date or time", "now");
  std::string today = now.substr(0, 10);
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto list = DueList(c, today);
    if (!list.ok()) return list.error();
    int64_t due = static_cast<int64_t>((*list)["due"].size()), held = static_cast<int64_t>((*list)["held"].size());
    std::string by = who ? who->username : std::string("system");
    auto rows = c.Query("INSERT INTO retention_runs (ran_at, ran_by, due, held) VALUES (?, ?, ?, ?) RETURNING id",
                        {now, by, due, held});
    if (!rows.ok()) return rows.error();
    ESAFE_TRY(access::RecordAudit(c, who, "run", "retention_job", (*rows)[0].Int("id"),
                                  fmt::format("retention run: {} due for a person to confirm, {} held", due, held)));
    return Json{{"id", (*rows)[0].Int("id")}, {"ran_at", now}, {"ran_by", by}, {"due", due}, {"held", held},
                {"list", *list}};
  });
}

Result<Json> RetentionJob::Runs(const Principal& who, int64_t limit) {
  ESAFE_TRY(AdminOnly(who));
  return db_.Read<Json>([&](Connection& c) -> Result<Json> {
    auto rows = c.Query("SELECT * FROM retention_runs ORDER BY id DESC LIMIT ?", {std::clamp<int64_t>(limit, 1, 100)});
    if (!rows.ok()) return rows.error();
    Json out = Json::array();
    for (const auto& r : *rows) {
      out.push_back({{"id", r.Int("id")}, {"ran_at", r.Text("ran_at")}, {"ran_by", r.Text("ran_by")},
                     {"due", r.Int("due")}, {"held", r.Int("held")}});
    }
    return out;
  });
}

Result<Json> RetentionJob::Confirm(const Principal& who, const Json& input, const std::string& now) {
  ESAFE_TRY(AdminOnly(who));
  if (!ValidNow(now)) return Error::Invalid("now must be an ISO 8601 date or time", "now");
  if (!input.is_object()) return Error::Invalid("expected a JSON object");
  const RecordType* type = FindType(Text(input, "record_type"));
  if (!type) return Error::Invalid("record_type must be one of: " + TypeList(), "record_type");
  if (!input.contains("record_id") || !input["record_id"].is_number_integer() || input["record_id"].get<int64_t>() <= 0) {
    return Error::Invalid("record_id must be a record's id", "record_id");
  }
  int64_t id = input["record_id"];
  std::string action = Text(input, "action");
  if (action != "delete" && action != "extend") return Error::Invalid("action must be delete or extend", "action");
  std::string note = Text(input, "note");
  if (note.empty() || note.size() > 2000) return Error::Invalid("say why (a note of up to 2000 characters)", "note");
  int64_t months = 0;
  if (action == "extend") {
    if (!input.contains("months") || !input["months"].is_number_integer() || input["months"].get<int64_t>() < 1 ||
        input["months"].get<int64_t>() > 120) {
      return Error::Invalid("months must be between 1 and 120", "months");
    }
    months = input["months"];
  }
  std::string today = now.substr(0, 10);
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto exists = RecordExists(c, *type, id);
    if (!exists.ok()) return exists.error();
    if (!*exists) return Error::NotFound(fmt::format("{} {} not found", type->name, id));
    auto due = DueAt(c, today, std::make_pair(std::string(type->name), id));
    if (!due.ok()) return due.error();
    if (due->empty()) return Error::Conflict("the record is not due for review");
    const Candidate& cand = (*due)[0];
    if (cand.hold) {
      return Error::Conflict(fmt::format("the record is under a legal hold: {}", (*cand.hold)["reason"].get<std::string>()));
    }
    std::string done;
    Value until;
    if (action == "extend") {
      done = "extended";
      until = internal::AddMonths(today, months);
    } else {
      auto removed = Remove(c, *type, id, now);
      if (!removed.ok()) return removed.error();
      done = *removed;
    }
    ESAFE_TRY(c.Execute("INSERT INTO retention_actions (record_type, record_id, action, due_on, extended_until, note, "
                        "done_by, done_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        {std::string(type->name), id, done, cand.due_on, until, note, who.username, now}));
    ESAFE_TRY(access::RecordAudit(c, &who, "retention_" + done, type->name, id,
                                  fmt::format("retention: {} ({})", done, note)));
    auto row = c.QueryOne("SELECT * FROM retention_actions WHERE record_type = ? AND record_id = ? ORDER BY id DESC LIMIT 1",
                          {std::string(type->name), id}, "retention action");
    if (!row.ok()) return row.error();
    return ActionJson(*row);
  });
}

Result<Json> RetentionJob::PlaceHold(const Principal& who, const Json& input, const std::string& now) {
  ESAFE_TRY(AdminOnly(who));
  if (!input.is_object()) return Error::Invalid("expected a JSON object");
  const RecordType* type = FindType(Text(input, "record_type"));
  if (!type) return Error::Invalid("record_type must be one of: " + TypeList(), "record_type");
  if (!input.contains("record_id") || !input["record_id"].is_number_integer() || input["record_id"].get<int64_t>() <= 0) {
    return Error::Invalid("record_id must be a record's id", "record_id");
  }
  int64_t id = input["record_id"];
  std::string reason = Text(input, "reason");
  if (reason.empty() || reason.size() > 2000) return Error::Invalid("say why the record is held", "reason");
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto exists = RecordExists(c, *type, id);
    if (!exists.ok()) return exists.error();
    if (!*exists) return Error::NotFound(fmt::format("{} {} not found", type->name, id));
    ESAFE_TRY(c.Execute("INSERT INTO retention_holds (record_type, record_id, reason, placed_by, placed_at) "
                        "VALUES (?, ?, ?, ?, ?)", {std::string(type->name), id, reason, who.username, now}));
    auto row = c.QueryOne("SELECT * FROM retention_holds WHERE record_type = ? AND record_id = ? ORDER BY id DESC LIMIT 1",
                          {std::string(type->name), id}, "hold");
    if (!row.ok()) return row.error();
    ESAFE_TRY(access::RecordAudit(c, &who, "hold", type->name, id, fmt::format("legal hold placed: {}", reason)));
    return HoldJson(*row);
  });
}

Result<Json> RetentionJob::ReleaseHold(const Principal& who, int64_t hold_id, const std::string& reason,
                                       const std::string& now) {
  ESAFE_TRY(AdminOnly(who));
  if (reason.empty() || reason.size() > 2000) return Error::Invalid("say why the hold is released", "reason");
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto row = c.QueryOne("SELECT * FROM retention_holds WHERE id = ?", {hold_id}, "hold");
    if (!row.ok()) return row.error();
    if (!row->IsNull("released_at")) return Error::Conflict("the hold has already been released");
    ESAFE_TRY(c.Execute("UPDATE retention_holds SET released_by = ?, released_at = ?, release_reason = ? WHERE id = ?",
                        {who.username, now, reason, hold_id}));
    ESAFE_TRY(access::RecordAudit(c, &who, "release_hold", row->Text("record_type"), row->Int("record_id"),
                                  fmt::format("legal hold {} released: {}", hold_id, reason)));
    auto after = c.QueryOne("SELECT * FROM retention_holds WHERE id = ?", {hold_id}, "hold");
    if (!after.ok()) return after.error();
    return HoldJson(*after);
  });
}

Result<Json> RetentionJob::Holds(const Principal& who) {
  ESAFE_TRY(AdminOnly(who));
  return db_.Read<Json>([&](Connection& c) -> Result<Json> {
    auto rows = c.Query("SELECT * FROM retention_holds ORDER BY id DESC");
    if (!rows.ok()) return rows.error();
    Json out = Json::array();
    for (const auto& r : *rows) out.push_back(HoldJson(r));
    return out;
  });
}

Result<Json> RetentionJob::Actions(const Principal& who) {
  ESAFE_TRY(AdminOnly(who));
  return db_.Read<Json>([&](Connection& c) -> Result<Json> {
    auto rows = c.Query("SELECT * FROM retention_actions ORDER BY id");
    if (!rows.ok()) return rows.error();
    Json out = Json::array();
    for (const auto& r : *rows) out.push_back(ActionJson(r));
    return out;
  });
}

}  // namespace esafe::plan
