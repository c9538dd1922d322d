// ActionPlan: strands, objectives, actions on the Telford RAG+blue scale, and
// their append-only progress history.
#include <fmt/format.h>

#include <map>

#include "core/clock.h"
#include "core/csv.h"
#include "core/text.h"
#include "plan/internal.h"
#include "plan/plan.h"

namespace esafe::plan {
namespace {

using access::Principal;
using store::Connection;
using store::Value;

constexpr const char* kActionSelect =
    "SELECT t.*, o.title AS objective, o.strand_id AS strand_id, s.name AS strand, s.position AS strand_position, "
    "a.name AS lead_agency, p.full_name AS lead_person "
    "FROM plan_actions t JOIN plan_objectives o ON o.id = t.objective_id JOIN plan_strands s ON s.id = o.strand_id "
    "LEFT JOIN agencies a ON a.id = t.lead_agency_id LEFT JOIN people p ON p.id = t.lead_person_id";

bool IsDone(const std::string& status) { return status == "completed" || status == "achieved_evolving"; }

Json ActionJson(const store::Row& r, const std::string& today) {
  Json out = internal::FromRow(ActionSchema(), r);
  out["objective"] = r.Text("objective");
  out["strand_id"] = r.Int("strand_id");
  out["strand"] = r.Text("strand");
  out["lead_agency"] = r.OptionalText("lead_agency") ? Json(r.Text("lead_agency")) : Json(nullptr);
  out["lead_person"] = r.OptionalText("lead_person") ? Json(r.Text("lead_person")) : Json(nullptr);
  std::string lead = r.Text("lead_person");
  if (lead.empty()) lead = r.Text("lead");
  if (lead.empty()) lead = r.Text("lead_agency");
  out["lead_display"] = lead;
  out["colour"] = StatusColour(r.Text("status"));
  std::string due = r.Text("due_date");
  out["overdue"] = !due.empty() && due < today && !IsDone(r.Text("status"));
  return out;
}

bool CanManage(const Principal& who) { return who.IsPartnershipManager(); }

Error Duplicate(const Error& e, const char* what, const char* field) {
  if (e.kind == ErrorKind::kConflict) return Error::Conflict(fmt::format("a {} with that name already exists", what), field);
  return e;
}

// Checks the references of an action's input exist and are visible.
Result<void> CheckActionRefs(Connection& c, const Principal& who, const Json& v) {
  if (v.contains("objective_id")) {
    auto r = c.Query("SELECT id FROM plan_objectives WHERE id = ?", {v["objective_id"].get<int64_t>()});
    if (!r.ok()) return r.error();
    if (r->empty()) return Error::Invalid("no objective has that id", "objective_id");
  }
  if (v.contains("lead_agency_id") && !v["lead_agency_id"].is_null()) {
    auto r = c.Query("SELECT id FROM agencies WHERE id = ?", {v["lead_agency_id"].get<int64_t>()});
    if (!r.ok()) return r.error();
    if (r->empty()) return Error::Invalid("no agency has that id", "lead_agency_id");
  }
  if (v.contains("lead_person_id") && !v["lead_person_id"].is_null()) {
    auto r = c.Query("SELECT agency_id FROM people WHERE id = ?", {v["lead_person_id"].get<int64_t>()});
    if (!r.ok()) return r.error();
    if (r->empty() || !who.CanReadAgency((*r)[0].Int("agency_id"))) {
      return Error::Invalid("no person has that id", "lead_person_id");
    }
  }
  return Ok();
}

Result<Json> LoadAction(Connection& c, int64_t id, const std::string& today) {
  auto row = c.QueryOne(std::string(kActionSelect) + " WHERE t.id = ?", {id}, "action");
  if (!row.ok()) return Error::NotFound("action not found");
  Json out = ActionJson(*row, today);
  auto updates = c.Query("SELECT * FROM plan_progress WHERE action_id = ? ORDER BY id", {id});
  if (!updates.ok()) return updates.error();
  out["updates"] = Json::array();
  for (const auto& u : *updates) out["updates"].push_back(internal::FromRow(ProgressUpdateSchema(), u));
  return out;
}

Result<void> AppendProgress(Connection& c, const Principal& who, int64_t action_id, const Json& status,
                            const std::string& note) {
  ESAFE_TRY(c.Execute("INSERT INTO plan_progress (action_id, at, user_id, username, status, note) VALUES (?, ?, ?, ?, ?, ?)",
                      {action_id, clock::NowIso8601(), who.user_id ? Value(who.user_id) : Value(),
                       who.username, status.is_null() ? Value() : Value(status.get<std::string>()), note}));
  return Ok();
}

const std::vector<std::string>& CsvColumns() {
  static const std::vector<std::string> v = {"strand", "objective", "title", "method", "lead_agency", "lead_person",
                                             "lead", "timescale", "due_date", "success_measure", "status", "source",
                                             "source_ref"};
  return v;
}

}  // namespace

Result<Json> ActionPlan::ListStrands(const Principal&) {
  return db_.Read<Json>([&](Connection& c) -> Result<Json> {
    auto rows = c.Query("SELECT * FROM plan_strands ORDER BY position, id");
    if (!rows.ok()) return rows.error();
    Json out = Json::array();
    for (const auto& r : *rows) out.push_back(internal::FromRow(StrandSchema(), r));
    return out;
  });
}

Result<Json> ActionPlan::CreateStrand(const Principal& who, const Json& input) {
  if (!CanManage(who)) return Error::Forbidden("only the partnership changes the plan's strands");
  auto valid = StrandSchema().Validate(input, false);
  if (!valid.ok()) return valid.error();
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto id = internal::Insert(c, "plan_strands", StrandSchema(), *valid, {});
    if (!id.ok()) return Duplicate(id.error(), "strand", "name");
    ESAFE_TRY(access::RecordAudit(c, &who, "create", "plan_strand", *id, "strand created"));
    auto row = c.QueryOne("SELECT * FROM plan_strands WHERE id = ?", {*id}, "strand");
    if (!row.ok()) return row.error();
    return internal::FromRow(StrandSchema(), *row);
  });
}

Result<Json> ActionPlan::ListObjectives(const Principal&, std::optional<int64_t> strand_id) {
  return db_.Read<Json>([&](Connection& c) -> Result<Json> {
    std::string sql = "SELECT o.*, s.name AS strand FROM plan_objectives o JOIN plan_strands s ON s.id = o.strand_id";
    std::vector<Value> params;
    if (strand_id) { sql += " WHERE o.strand_id = ?"; params.emplace_back(*strand_id); }
    auto rows = c.Query(sql + " ORDER BY s.position, o.id", params);
    if (!rows.ok()) return rows.error();
    Json out = Json::array();
    for (const auto& r : *rows) {
      Json o = internal::FromRow(ObjectiveSchema(), r);
      o["strand"] = r.Text("strand");
      out.push_back(o);
    }
    return out;
  });
}

Result<Json> ActionPlan::CreateObjective(const Principal& who, const Json& input) {
  if (!CanManage(who)) return Error::Forbidden("only the partnership changes the plan's objectives");
  auto valid = ObjectiveSchema().Validate(input, false);
  if (!valid.ok()) return valid.error();
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto strand = c.Query("SELECT id FROM plan_strands WHERE id = ?", {(*valid)["strand_id"].get<int64_t>()});
    if (!strand.ok()) return strand.error();
    if (strand->empty()) return Error::Invalid("no strand has that id", "strand_id");
    auto id = internal::Insert(c, "plan_objectives", ObjectiveSchema(), *valid, {});
    if (!id.ok()) return Duplicate(id.error(), "objective", "title");
    ESAFE_TRY(access::RecordAudit(c, &who, "create", "plan_objective", *id, "objective created"));
    auto row = c.QueryOne("SELECT * FROM plan_objectives WHERE id = ?", {*id}, "objective");
    if (!row.ok()) return row.error();
    return internal::FromRow(ObjectiveSchema(), *row);
  });
}

Result<Json> ActionPlan::ListActions(const Principal&, const ActionQuery& q) {
  std::string today = internal::Today(q.today);
  std::string sql = std::string(kActionSelect) + " WHERE 1=1";
  std::vector<Value> params;
  if (q.strand_id) { sql += " AND o.strand_id = ?"; params.emplace_back(*q.strand_id); }
  if (q.lead_agency_id) { sql += " AND t.lead_agency_id = ?"; params.emplace_back(*q.lead_agency_id); }
  if (q.lead_person_id) { sql += " AND t.lead_person_id = ?"; params.emplace_back(*q.lead_person_id); }
  if (q.status) { sql += " AND t.status = ?"; params.emplace_back(*q.status); }
  if (q.overdue_only) {
    sql += " AND t.due_date IS NOT NULL AND t.due_date < ? AND t.status NOT IN ('completed', 'achieved_evolving')";
    params.emplace_back(today);
  }
  sql += " ORDER BY s.position, s.id, o.id, t.id";
  return db_.Read<Json>([&](Connection& c) -> Result<Json> {
    auto rows = c.Query(sql, params);
    if (!rows.ok()) return rows.error();
    Json out = Json::array();
    for (const auto& r : *rows) out.push_back(ActionJson(r, today));
    return out;
  });
}

Result<Json> ActionPlan::GetAction(const Principal&, int64_t id) {
  return db_.Read<Json>([&](Connection& c) { return LoadAction(c, id, internal::Today("")); });
}

Result<Json> ActionPlan::CreateAction(const Principal& who, const Json& input) {
  if (!CanManage(who)) return Error::Forbidden("only the partnership adds actions to the plan");
  auto valid = ActionSchema().Validate(input, false);
  if (!valid.ok()) return valid.error();
  if (!valid->contains("status") || (*valid)["status"].is_null()) (*valid)["status"] = "not_achieved";
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    ESAFE_TRY(CheckActionRefs(c, who, *valid));
    auto id = internal::Insert(c, "plan_actions", ActionSchema(), *valid, {});
    if (!id.ok()) return id.error();
    ESAFE_TRY(access::RecordAudit(c, &who, "create", "plan_action", *id, "action created"));
    return LoadAction(c, *id, internal::Today(""));
  });
}

Result<Json> ActionPlan::UpdateAction(const Principal& who, int64_t id, const Json& input) {
  auto valid = ActionSchema().Validate(input, true);
  if (!valid.ok()) return valid.error();
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto before = LoadAction(c, id, internal::Today(""));
    if (!before.ok()) return before.error();
    if (!CanManage(who)) return Error::Forbidden("only the partnership changes actions; agency officers add progress");
    if (valid->contains("status") && (*valid)["status"].is_null()) {
      return Error::Invalid("status cannot be empty", "status");
    }
    ESAFE_TRY(CheckActionRefs(c, who, *valid));
    auto changed = internal::Update(c, "plan_actions", ActionSchema(), *valid, id);
    if (!changed.ok()) return changed.error();
    if (changed->empty()) return *before;
    if (valid->contains("status") && (*valid)["status"] != (*before)["status"]) {
      ESAFE_TRY(AppendProgress(c, who, id, (*valid)["status"],
                               fmt::format("status changed from {} to {}", (*before)["status"].get<std::string>(),
                                           (*valid)["status"].get<std::string>())));
    }
    ESAFE_TRY(access::RecordAudit(c, &who, "update", "plan_action", id,
                                  fmt::format("changed {}", fmt::join(*changed, ", "))));
    return LoadAction(c, id, internal::Today(""));
  });
}

Result<Json> ActionPlan::AddProgress(const Principal& who, int64_t action_id, const Json& input) {
  auto valid = ProgressUpdateSchema().Validate(input, false);
  if (!valid.ok()) return valid.error();
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto before = LoadAction(c, action_id, internal::Today(""));
    if (!before.ok()) return before.error();
    bool leads = who.role == access::Role::kAgencyOfficer && who.agency_id && (*before)["lead_agency_id"].is_number() &&
                 (*before)["lead_agency_id"].get<int64_t>() == *who.agency_id;
    if (!CanManage(who) && !leads) {
      return Error::Forbidden("progress is recorded by the partnership or the lead agency's e-safety officer");
    }
    Json status = valid->value("status", Json(nullptr));
    ESAFE_TRY(AppendProgress(c, who, action_id, status, (*valid)["note"].get<std::string>()));
    if (!status.is_null() && status != (*before)["status"]) {
      ESAFE_TRY(c.Execute("UPDATE plan_actions SET status = ?, updated_at = ? WHERE id = ?",
                          {status.get<std::string>(), clock::NowIso8601(), action_id}));
    }
    ESAFE_TRY(access::RecordAudit(c, &who, "progress", "plan_action", action_id, "progress update added"));
    return LoadAction(c, action_id, internal::Today(""));
  });
}

Result<Json> ActionPlan::Summary(const Principal& who, const std::string& today_in) {
  ActionQuery q;
  q.today = internal::Today(today_in);
  auto actions = ListActions(who, q);
  if (!actions.ok()) return actions.error();
  auto strands = ListStrands(who);
  if (!strands.ok()) return strands.error();
  auto zero = [] {
    Json o = Json::object();
    for (const auto& s : ActionStatuses()) o[s] = 0;
    return o;
  };
  Json out = {{"today", q.today}, {"total", actions->size()}, {"overdue", 0}, {"by_status", zero()},
              {"colours", Json::object()}};
  for (const auto& s : ActionStatuses()) out["colours"][s] = StatusColour(s);
  std::map<int64_t, Json> by_strand;
  for (const auto& s : *strands) {
    by_strand[s["id"].get<int64_t>()] = {{"strand_id", s["id"]}, {"strand", s["name"]}, {"position", s["position"]},
                                         {"total", 0}, {"overdue", 0}, {"by_status", zero()}};
  }
  std::map<std::string, Json> by_lead;
  for (const auto& a : *actions) {
    std::string st = a["status"];
    bool overdue = a["overdue"].get<bool>();
    out["by_status"][st] = out["by_status"][st].get<int64_t>() + 1;
    if (overdue) out["overdue"] = out["overdue"].get<int64_t>() + 1;
    auto& s = by_strand[a["strand_id"].get<int64_t>()];
    s["total"] = s["total"].get<int64_t>() + 1;
    s["by_status"][st] = s["by_status"][st].get<int64_t>() + 1;
    if (overdue) s["overdue"] = s["overdue"].get<int64_t>() + 1;
    std::string lead = a["lead_agency"].is_string() ? a["lead_agency"].get<std::string>() : a["lead_display"].get<std::string>();
    if (lead.empty()) lead = "(no lead)";
    auto& l = by_lead[lead];
    if (l.is_null()) l = {{"lead", lead}, {"total", 0}, {"overdue", 0}, {"by_status", zero()}};
    l["total"] = l["total"].get<int64_t>() + 1;
    l["by_status"][st] = l["by_status"][st].get<int64_t>() + 1;
    if (overdue) l["overdue"] = l["overdue"].get<int64_t>() + 1;
  }
  out["by_strand"] = Json::array();
  for (const auto& s : *strands) out["by_strand"].push_back(by_strand[s["id"].get<int64_t>()]);
  out["by_lead"] = Json::array();
  for (auto& [_, l] : by_lead) out["by_lead"].push_back(l);
  return out;
}

Result<std::string> ActionPlan::ExportCsv(const Principal& who) {
  auto actions = ListActions(who, {});
  if (!actions.ok()) return actions.error();
  std::string out = csv::FormatRow(CsvColumns());
  for (const auto& a : *actions) {
    std::vector<std::string> cells;
    for (const auto& col : CsvColumns()) {
      const Json& v = col == "lead_agency" ? a["lead_agency"] : col == "lead_person" ? a["lead_person"] : a[col];
      cells.push_back(v.is_string() ? v.get<std::string>() : "");
    }
    out += csv::FormatRow(cells);
  }
  auto audited = db_.Transaction<bool>([&](Connection& c) -> Result<bool> {
    ESAFE_TRY(access::RecordAudit(c, &who, "export", "plan_action", std::nullopt,
                                  fmt::format("{} actions exported as CSV", actions->size())));
    return true;
  });
  if (!audited.ok()) return audited.error();
  return out;
}

Result<ImportReport> ActionPlan::ImportCsv(const Principal& who, std::string_view data) {
  if (!CanManage(who)) return Error::Forbidden("only the partnership imports a plan");
  auto table = csv::Parse(data);
  if (!table.ok()) return table.error();
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < table->header.size(); ++i) {
    const auto& h = table->header[i];
    if (std::find(CsvColumns().begin(), CsvColumns().end(), h) == CsvColumns().end()) {
      return Error::Invalid(fmt::format("line 1: unknown column '{}'; expected: {}", h.substr(0, 64),
                                        fmt::join(CsvColumns(), ", ")));
    }
    index[h] = i;
  }
  for (const char* need : {"strand", "objective", "title"}) {
    if (!index.count(need)) return Error::Invalid(fmt::format("line 1: the column '{}' is missing", need));
  }
  ImportReport report;
  auto result = db_.Transaction<ImportReport>([&](Connection& c) -> Result<ImportReport> {
    auto cell = [&](const csv::Row& row, const char* col) -> std::string {
      auto it = index.find(col);
      return it == index.end() ? "" : std::string(text::Trim(row.cells[it->second]));
    };
    std::map<std::string, int64_t> agencies, people, strands;
    auto load = [&](const char* sql, std::map<std::string, int64_t>& into) -> Result<void> {
      auto rows = c.Query(sql);
      if (!rows.ok()) return rows.error();
      for (const auto& r : *rows) into[text::Lower(r.Text("n"))] = r.Int("id");
      return Ok();
    };
    ESAFE_TRY(load("SELECT id, name AS n FROM agencies", agencies));
    ESAFE_TRY(load("SELECT id, full_name AS n FROM people", people));
    ESAFE_TRY(load("SELECT id, name AS n FROM plan_strands", strands));
    int64_t next_position = 100;
    std::map<std::pair<int64_t, std::string>, int64_t> objectives;
    for (const auto& row : table->rows) {
      auto fail = [&](const std::string& msg) { report.errors.push_back(fmt::format("line {}: {}", row.line, msg)); };
      Json input = Json::object();
      bool row_ok = true;
      for (const char* col : {"title", "method", "lead", "timescale", "due_date", "success_measure", "status", "source",
                              "source_ref"}) {
        std::string v = cell(row, col);
        if (v.empty()) continue;
        if (std::string(col) == "status") {
          // Accept the colour or the Telford words too.
          std::string l = text::Lower(v);
          for (char& ch : l) if (ch == ' ' || ch == '-') ch = '_';
          if (l == "red") l = "not_achieved";
          else if (l == "gold" || l == "amber") l = "in_progress";
          else if (l == "green") l = "completed";
          else if (l == "blue" || l == "achieved_but_continuously_evolving") l = "achieved_evolving";
          v = l;
        }
        auto parsed = ActionSchema().FromCell(*ActionSchema().Find(col), v);
        if (!parsed.ok()) { fail(parsed.error().message); row_ok = false; break; }
        if (!parsed->is_null()) input[col] = *parsed;
      }
      if (!row_ok) continue;
      std::string agency = cell(row, "lead_agency"), person = cell(row, "lead_person");
      if (!agency.empty()) {
        auto it = agencies.find(text::Lower(agency));
        if (it == agencies.end()) { fail(fmt::format("no agency is named '{}'", agency)); continue; }
        input["lead_agency_id"] = it->second;
      }
      if (!person.empty()) {
        auto it = people.find(text::Lower(person));
        if (it == people.end()) { fail(fmt::format("no person is named '{}'", person)); continue; }
        input["lead_person_id"] = it->second;
      }
      std::string strand = cell(row, "strand"), objective = cell(row, "objective");
      if (strand.empty()) { fail("strand is required"); continue; }
      if (objective.empty()) { fail("objective is required"); continue; }
      input["objective_id"] = 1;  // placeholder so the schema check passes; replaced below
      auto valid = ActionSchema().Validate(input, false);
      if (!valid.ok()) { fail(valid.error().message); continue; }
      if (!report.errors.empty()) continue;  // once a row fails, only check the rest
      auto sit = strands.find(text::Lower(strand));
      int64_t strand_id;
      if (sit == strands.end()) {
        auto id = internal::Insert(c, "plan_strands", StrandSchema(), {{"name", strand}, {"position", next_position++}}, {});
        if (!id.ok()) return id.error();
        strand_id = strands[text::Lower(strand)] = *id;
      } else {
        strand_id = sit->second;
      }
      auto key = std::make_pair(strand_id, text::Lower(objective));
      if (!objectives.count(key)) {
        auto found = c.Query("SELECT id FROM plan_objectives WHERE strand_id = ? AND lower(title) = lower(?)",
                             {strand_id, objective});
        if (!found.ok()) return found.error();
        if (!found->empty()) {
          objectives[key] = (*found)[0].Int("id");
        } else {
          auto id = internal::Insert(c, "plan_objectives", ObjectiveSchema(),
                                     {{"strand_id", strand_id}, {"title", objective}}, {});
          if (!id.ok()) return id.error();
          objectives[key] = *id;
        }
      }
      (*valid)["objective_id"] = objectives[key];
      if (!valid->contains("status") || (*valid)["status"].is_null()) (*valid)["status"] = "not_achieved";
      auto id = internal::Insert(c, "plan_actions", ActionSchema(), *valid, {});
      if (!id.ok()) { fail(id.error().message); continue; }
      ++report.imported;
    }
    if (!report.errors.empty()) return Error::Invalid("errors");  // rolls back; nothing imported
    ESAFE_TRY(access::RecordAudit(c, &who, "import", "plan_action", std::nullopt,
                                  fmt::format("{} actions imported from CSV", report.imported)));
    return report;
  });
  if (!result.ok()) {
    if (!report.errors.empty()) {
      report.imported = 0;
      return report;
    }
    return result.error();
  }
  return result;
}

}  // namespace esafe::plan
