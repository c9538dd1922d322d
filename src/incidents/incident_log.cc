// IncidentLog: recording, reading and changing incidents, their people, the
// flowchart answers, closure and withdrawal (seeds 004 Section 5 'What should be
// monitored at member agency level?'). Actions, referrals and evidence are in
// actions.cc, referrals.cc and evidence.cc; the rules they share in incident_records.h.
#include <fmt/format.h>

#include <algorithm>

#include "core/clock.h"
#include "core/text.h"
#include "incidents/incidents.h"
#include "incidents/incident_records.h"

namespace esafe::incidents {

namespace {

Result<std::map<std::string, std::string>> AnswersFrom(const Json& j) {
  std::map<std::string, std::string> out;
  if (j.is_null()) return out;
  if (!j.is_object()) return Error::Invalid("answers must be an object of question id to answer value", "answers");
  if (j.size() > flowchart::kMaxNodes) return Error::Invalid("too many answers", "answers");
  for (const auto& [k, v] : j.items()) {
    if (!v.is_string() || k.size() > 64 || v.get_ref<const std::string&>().size() > 200) {
      return Error::Invalid("each answer must be a short text value", "answers");
    }
    out[k] = v.get<std::string>();
  }
  return out;
}

}  // namespace

Result<Json> IncidentLog::Create(const Principal& who, const Json& raw) {
  if (!raw.is_object()) return Error::Invalid("an incident must be a JSON object");
  if (who.role == access::Role::kBoardMember || who.role == access::Role::kAuditor) {
    return Error::Forbidden("board members and auditors do not record incidents");
  }
  Json input = raw;
  std::optional<std::string> flowchart_id;
  if (input.contains("flowchart_id")) {
    if (!input["flowchart_id"].is_null()) {
      if (!input["flowchart_id"].is_string()) return Error::Invalid("flowchart_id must be text", "flowchart_id");
      flowchart_id = input["flowchart_id"].get<std::string>();
    }
    input.erase("flowchart_id");
  }
  auto answers = AnswersFrom(input.contains("answers") ? input["answers"] : Json(nullptr));
  if (!answers.ok()) return answers.error();
  input.erase("answers");

  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    std::optional<flowchart::Flowchart> chart;
    std::optional<flowchart::Walk> walk;
    if (flowchart_id) {
      auto loaded = internal::LoadFlowchart(c, *flowchart_id, std::nullopt);
      if (!loaded.ok()) {
        if (loaded.error().kind == ErrorKind::kNotFound) return Error::Invalid(loaded.error().message, "flowchart_id");
        return loaded.error();
      }
      chart = std::move(*loaded);
      if (!input.contains("category") && !chart->category.empty()) input["category"] = chart->category;
      auto w = flowchart::WalkAnswers(*chart, *answers);
      if (!w.ok()) return w.error();
      walk = std::move(*w);
    }
    auto valid = IncidentSchema().Validate(input, false);
    if (!valid.ok()) return valid.error();
    ESAFE_TRY(NormaliseTimeField(*valid, "occurred_at"));
    ESAFE_TRY(NormaliseTimeField(*valid, "reported_at"));
    if (!valid->contains("reported_at") || (*valid)["reported_at"].is_null()) (*valid)["reported_at"] = internal::Now();

    int64_t agency = 0;
    if (valid->contains("agency_id") && !(*valid)["agency_id"].is_null()) {
      agency = (*valid)["agency_id"].get<int64_t>();
    } else if (who.agency_id) {
      agency = *who.agency_id;
    } else {
      return Error::Invalid("agency_id is required", "agency_id");
    }
    auto found = c.Query("SELECT id FROM agencies WHERE id = ?", {agency});
    if (!found.ok()) return found.error();
    bool own = who.agency_id && *who.agency_id == agency;
    if (found->empty() || !(who.IsPartnershipManager() || own)) {
      return Error::Invalid("no agency has that id", "agency_id");
    }
    if (!who.CanWriteAgency(agency) && !(own && who.role == access::Role::kAgencyStaff)) {
      return Error::Forbidden("you may only record incidents for your own agency");
    }
    if (valid->contains("site_id") && !(*valid)["site_id"].is_null()) {
      auto site = c.Query("SELECT agency_id FROM sites WHERE id = ?", {(*valid)["site_id"].get<int64_t>()});
      if (!site.ok()) return site.error();
      if (site->empty() || (*site)[0].Int("agency_id") != agency) {
        return Error::Invalid("no site of this agency has that id", "site_id");
      }
    }

    std::vector<std::string> columns = {"agency_id", "status", "reported_by_user_id"};
    std::vector<Value> values = {agency, std::string("open"), who.user_id};
    for (const auto& f : IncidentSchema().fields()) {
      if (f.read_only || f.name == "agency_id" || !valid->contains(f.name)) continue;
      columns.push_back(f.name);
      values.push_back(internal::ToValue(f, (*valid)[f.name]));
    }
    if (!valid->contains("reported_by") || (*valid)["reported_by"].is_null()) {
      columns.push_back("reported_by");
      values.emplace_back(who.display_name.empty() ? who.username : who.display_name);
    }
    if (!chart && (!valid->contains("risk_level") || (*valid)["risk_level"].is_null())) {
      return Error::Invalid("without a flowchart, say how serious it is: choose the risk level (Annex D: little or "
                            "no danger, encourage safe behaviour, or significant risk)", "risk_level");
    }
    bool illegal = IsSuspectedIllegalMaterial((*valid)["category"].get<std::string>());
    if (chart) {
      illegal |= walk->complete() ? walk->outcome->illegal_material
                                  : flowchart::MayReachIllegalMaterial(*chart, walk->next_question);
    }
    columns.push_back("illegal_material");
    values.emplace_back(int64_t{illegal ? 1 : 0});
    std::map<std::string, std::string> path_answers;
    if (chart) {
      for (const auto& s : walk->path) path_answers[s.node] = s.answer;
      columns.insert(columns.end(), {"flowchart_key", "flowchart_version", "flowchart_answers"});
      values.insert(values.end(), {chart->id, chart->version, Json(path_answers).dump()});
    }
    std::string now = internal::Now();
    columns.insert(columns.end(), {"serious", "created_at", "updated_at"});
    values.insert(values.end(), {int64_t{0}, now, now});
    std::string placeholders;
    for (size_t i = 0; i < columns.size(); ++i) placeholders += i ? ", ?" : "?";
    auto rows = c.Query(fmt::format("INSERT INTO incidents ({}) VALUES ({}) RETURNING id", fmt::join(columns, ", "),
                                    placeholders),
                        values);
    if (!rows.ok()) return rows.error();
    int64_t id = (*rows)[0].Int("id");
    ESAFE_TRY(internal::AppendEvent(
        c, &who, id, "created",
        fmt::format("recorded: {}", Label(Categories(), (*valid)["category"].get<std::string>())),
        chart ? Json{{"flowchart", chart->id}, {"version", chart->version}, {"answers", path_answers}} : Json()));
    if (walk && walk->complete()) {
      ESAFE_TRY(internal::ApplyOutcome(c, who, id, (*valid)["reported_at"].get<std::string>(),
                                       (*valid)["category"].get<std::string>(), *chart, *walk));
    }
    if (!chart && (*valid)["risk_level"] == "significant_risk") {
      // No flowchart fitted, but the reporter judged the child at significant
      // risk: Annex E's first two steps apply whatever the kind of concern.
      const std::string at_once = (*valid)["reported_at"].get<std::string>();
      ESAFE_TRY(internal::AddRequiredTells(
          c, id,
          {{"designated_safeguarding_lead", "the designated lead decides on the referral at once", at_once},
           {"childrens_social_care", "a child at significant risk is referred to children's social care at once",
            at_once}},
          "risk"));
    }
    ESAFE_TRY(access::RecordAudit(c, &who, "create", "incident", id, "incident recorded"));
    return Reload(c, who, id);
  });
}

Result<Json> IncidentLog::RecordAnswers(const Principal& who, int64_t id,
                                        const std::map<std::string, std::string>& answers) {
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto v = internal::LoadVisible(c, who, id);
    if (!v.ok()) return v.error();
    if (!v->can_write() && v->reach != Reach::kReporter) return Error::Forbidden("you may not change this incident");
    if (v->status() != "open") return Error::Conflict("this incident is no longer open");
    if (v->row.IsNull("flowchart_key")) return Error::Invalid("this incident was not started with a flowchart");
    if (!v->row.IsNull("flowchart_outcome")) {
      return Error::Conflict("the flowchart already reached an outcome; its answers cannot change");
    }
    auto chart = internal::LoadFlowchart(c, v->row.Text("flowchart_key"), v->row.Int("flowchart_version"));
    if (!chart.ok()) return chart.error();
    std::map<std::string, std::string> merged;
    auto stored = ParseJsonText(v->row, "flowchart_answers", Json::object());
    for (const auto& [k, val] : stored.items()) {
      if (val.is_string()) merged[k] = val.get<std::string>();
    }
    for (const auto& [k, val] : answers) merged[k] = val;
    auto walk = flowchart::WalkAnswers(*chart, merged);
    if (!walk.ok()) return walk.error();
    std::map<std::string, std::string> path_answers;
    for (const auto& s : walk->path) path_answers[s.node] = s.answer;
    const bool may_be_illegal = IsSuspectedIllegalMaterial(v->row.Text("category")) ||
                                (!walk->complete() && flowchart::MayReachIllegalMaterial(*chart, walk->next_question));
    ESAFE_TRY(c.Execute("UPDATE incidents SET flowchart_answers = ?, updated_at = ?, illegal_material = ? WHERE id = ?",
                        {Json(path_answers).dump(), internal::Now(), int64_t{may_be_illegal ? 1 : 0}, id}));
    ESAFE_TRY(internal::AppendEvent(c, &who, id, "answers",
                                    fmt::format("{} flowchart answers recorded", path_answers.size()),
                                    {{"answers", path_answers}}));
    if (walk->complete()) {
      ESAFE_TRY(internal::ApplyOutcome(c, who, id, v->row.Text("reported_at"), v->row.Text("category"), *chart,
                                       *walk));
    }
    ESAFE_TRY(access::RecordAudit(c, &who, "update", "incident", id, "flowchart answers recorded"));
    auto out = Reload(c, who, id);
    if (!out.ok()) return out.error();
    (*out)["walk"] = flowchart::ToJson(*chart, *walk);
    return out;
  });
}

Result<Json> IncidentLog::Get(const Principal& who, int64_t id) {
  bool shared = false;
  auto read = db_.Read<Json>([&](Connection& c) -> Result<Json> {
    auto v = internal::LoadVisible(c, who, id);
    if (!v.ok()) return v.error();
    shared = v->reach == Reach::kShared;
    return IncidentJson(c, *v, true);
  });
  if (!read.ok()) return read.error();
  ESAFE_TRY(access::RecordAudit(db_, &who, "read", "incident", id,
                                shared ? "viewed shared incident" : "viewed incident"));
  return read;
}

Result<Json> IncidentLog::List(const Principal& who, const ListQuery& q) {
  auto page = ListPage(who, q, {.limit = std::clamp<int64_t>(q.limit, 1, 5000), .after = nullptr});
  if (!page.ok()) return page.error();
  return std::move(page->items);
}

Result<store::Page> IncidentLog::ListPage(const Principal& who, const ListQuery& q, const store::PageQuery& page) {
  if (who.role == access::Role::kBoardMember || who.role == access::Role::kAuditor) {
    return Error::Forbidden("board members and auditors see statistics only");
  }
  const store::Keyset order{{{"t.reported_at", store::KeyType::kText}, {"t.id", store::KeyType::kInt}}, true};
  std::string sql =
      "SELECT t.*, t.flowchart_key AS flowchart_id, a.name AS agency_name, a.sector AS sector, s.name AS site_name, " +
      order.SelectList() +
      " FROM incidents t JOIN agencies a ON a.id = t.agency_id LEFT JOIN sites s ON s.id = t.site_id WHERE 1=1";
  std::vector<Value> params;
  if (!who.IsPartnershipManager()) {
    if (!who.agency_id) return store::Page{};
    if (who.role == access::Role::kAgencyOfficer) {
      sql += " AND (t.agency_id = ? OR t.id IN (SELECT incident_id FROM incident_shares WHERE agency_id = ?))";
      params.insert(params.end(), {*who.agency_id, *who.agency_id});
    } else {
      sql += " AND t.agency_id = ? AND t.reported_by_user_id = ?";
      params.insert(params.end(), {*who.agency_id, who.user_id});
    }
  }
  if (q.agency_id) { sql += " AND t.agency_id = ?"; params.emplace_back(*q.agency_id); }
  if (q.status) { sql += " AND t.status = ?"; params.emplace_back(*q.status); }
  if (q.category) { sql += " AND t.category = ?"; params.emplace_back(*q.category); }
  if (q.serious) { sql += " AND t.serious = ?"; params.emplace_back(int64_t{*q.serious ? 1 : 0}); }
  ESAFE_TRY(store::AppendKeyset(sql, params, order, page));
  std::vector<int64_t> ids;
  auto read = db_.Read<store::Page>([&](Connection& c) -> Result<store::Page> {
    auto rows = c.Query(sql, params);
    if (!rows.ok()) return rows.error();
    store::Page out = store::TakePage(*rows, order, page, [](const store::Row&) { return Json(); });
    std::string now = internal::Now();
    for (size_t i = 0; i < out.items.size(); ++i) {
      const auto& r = (*rows)[i];
      int64_t id = r.Int("id");
      bool own = who.IsPartnershipManager() || (who.agency_id && *who.agency_id == r.Int("agency_id"));
      Visible v{r, who.IsPartnershipManager() ? Reach::kPartnership : own ? Reach::kOwner : Reach::kShared};
      auto j = IncidentJson(c, v, false);
      if (!j.ok()) return j.error();
      auto open = c.Query(
          "SELECT COUNT(*) AS n, COALESCE(SUM(CASE WHEN due_at < ? AND (due_at > ? OR due_at < ?) THEN 1 ELSE 0 END), "
          "0) AS late FROM incident_actions WHERE incident_id = ? AND required = 1 AND done_at IS NULL "
          "AND not_done_reason IS NULL", {now, r.Text("reported_at"), GraceCutoff(now), id});
      if (!open.ok()) return open.error();
      (*j)["open_actions"] = (*open)[0].Int("n");
      (*j)["overdue_actions"] = (*open)[0].Int("late");
      out.items[i] = std::move(*j);
      ids.push_back(id);
    }
    return out;
  });
  if (!read.ok()) return read.error();
  if (!ids.empty()) {
    ESAFE_TRY(access::RecordAudit(db_, &who, "list", "incident", std::nullopt,
                                  fmt::format("listed incidents {}", fmt::join(ids, ","))));
  }
  return read;
}

Result<Json> IncidentLog::Update(const Principal& who, int64_t id, const Json& input) {
  auto valid = IncidentSchema().Validate(input, true);
  if (!valid.ok()) return valid.error();
  ESAFE_TRY(NormaliseTimeField(*valid, "occurred_at"));
  ESAFE_TRY(NormaliseTimeField(*valid, "reported_at"));
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto v = internal::LoadWritable(c, who, id);
    if (!v.ok()) return v.error();
    if (valid->contains("agency_id") && (*valid)["agency_id"] != Json(v->agency_id())) {
      return Error::Invalid("an incident stays with the agency that recorded it; refer it instead", "agency_id");
    }
    if (valid->contains("site_id") && !(*valid)["site_id"].is_null()) {
      auto site = c.Query("SELECT agency_id FROM sites WHERE id = ?", {(*valid)["site_id"].get<int64_t>()});
      if (!site.ok()) return site.error();
      if (site->empty() || (*site)[0].Int("agency_id") != v->agency_id()) {
        return Error::Invalid("no site of this agency has that id", "site_id");
      }
    }
    Json before = internal::FromRow(IncidentSchema(), v->row);
    std::vector<std::string> sets;
    std::vector<Value> values;
    Json changed = Json::object();
    for (const auto& f : IncidentSchema().fields()) {
      if (f.read_only || f.name == "agency_id" || !valid->contains(f.name)) continue;
      if (before[f.name] == (*valid)[f.name]) continue;
      sets.push_back(f.name + " = ?");
      values.push_back(internal::ToValue(f, (*valid)[f.name]));
      changed[f.name] = {{"from", before[f.name]}, {"to", (*valid)[f.name]}};
    }
    if (sets.empty()) return IncidentJson(c, *v, true);
    if (changed.contains("category") && IsSuspectedIllegalMaterial((*valid)["category"].get<std::string>())) {
      sets.push_back("illegal_material = 1");
    }
    sets.push_back("updated_at = ?");
    values.emplace_back(internal::Now());
    values.emplace_back(id);
    ESAFE_TRY(c.Execute(fmt::format("UPDATE incidents SET {} WHERE id = ?", fmt::join(sets, ", ")), values));
    std::vector<std::string> names;
    for (const auto& [k, _] : changed.items()) names.push_back(k);
    ESAFE_TRY(internal::AppendEvent(c, &who, id, "updated", fmt::format("changed {}", fmt::join(names, ", ")),
                                    {{"changed", changed}}));
    ESAFE_TRY(access::RecordAudit(c, &who, "update", "incident", id, fmt::format("changed {}", fmt::join(names, ", "))));
    return Reload(c, who, id);
  });
}

Result<Json> IncidentLog::AddPerson(const Principal& who, int64_t id, const Json& input) {
  auto valid = PersonSchema().Validate(input, false);
  if (!valid.ok()) return valid.error();
  if ((*valid)["role"] == "child" && (!valid->contains("age") || (*valid)["age"].is_null())) {
    return Error::Invalid("age is required for a child or young person", "age");
  }
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto v = internal::LoadVisible(c, who, id);
    if (!v.ok()) return v.error();
    if (!v->can_write() && v->reach != Reach::kReporter) return Error::Forbidden("you may not change this incident");
    if (v->status() != "open") return Error::Conflict("this incident is no longer open");
    auto str = [&](const char* f) { return internal::ToValue(*PersonSchema().Find(f), valid->value(f, Json())); };
    ESAFE_TRY(c.Execute("INSERT INTO incident_people (incident_id, role, reference, age, name, notes, created_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)",
                        {id, str("role"), str("reference"), str("age"), str("name"), str("notes"), internal::Now()}));
    // The chronology is shared with other agencies: the reference, never the name.
    std::string ref = (*valid)["reference"].get<std::string>();
    std::string role = Label(PersonRoles(), (*valid)["role"].get<std::string>());
    std::string summary = valid->contains("age") && !(*valid)["age"].is_null()
                              ? fmt::format("person involved: {} ({}, age {})", ref, role, (*valid)["age"].get<int64_t>())
                              : fmt::format("person involved: {} ({})", ref, role);
    ESAFE_TRY(internal::AppendEvent(c, &who, id, "person_added", summary));
    ESAFE_TRY(internal::Touch(c, id));
    ESAFE_TRY(access::RecordAudit(c, &who, "update", "incident", id, "person added"));
    return Reload(c, who, id);
  });
}

Result<Json> IncidentLog::Close(const Principal& who, int64_t id, const Json& input) {
  auto valid = ClosureSchema().Validate(input, false);
  if (!valid.ok()) return valid.error();
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto v = internal::LoadWritable(c, who, id);
    if (!v.ok()) return v.error();
    auto open = c.Query("SELECT id, what FROM incident_actions WHERE incident_id = ? AND required = 1 "
                        "AND done_at IS NULL AND not_done_reason IS NULL ORDER BY position", {id});
    if (!open.ok()) return open.error();
    auto reason = valid->value("open_actions_reason", Json());
    if (!open->empty() && reason.is_null()) {
      std::vector<std::string> what;
      for (const auto& r : *open) what.push_back(r.Text("what").substr(0, 80));
      return Error::Conflict(fmt::format("{} required action(s) still open: {}. Complete them or give "
                                         "open_actions_reason.", open->size(), fmt::join(what, "; ")),
                             "open_actions_reason");
    }
    if (v->row.Text("risk_level") == "significant_risk") {
      auto referrals = c.Query("SELECT COUNT(*) AS n FROM incident_referrals WHERE incident_id = ?", {id});
      if (!referrals.ok()) return referrals.error();
      if ((*referrals)[0].Int("n") == 0) {
        return Error::Conflict("a significant risk must be escalated: record the referral before closing");
      }
    }
    for (const auto& r : *open) {
      ESAFE_TRY(c.Execute("UPDATE incident_actions SET not_done_reason = ? WHERE id = ?",
                          {reason.get<std::string>(), r.Int("id")}));
    }
    auto text = [&](const char* f) { return internal::ToValue(*ClosureSchema().Find(f), valid->value(f, Json())); };
    ESAFE_TRY(c.Execute("UPDATE incidents SET status = 'closed', conclusion = ?, outcome = ?, lessons_learned = ?, "
                        "closed_at = ?, closure_note = ?, updated_at = ? WHERE id = ?",
                        {text("conclusion"), text("outcome"), text("lessons_learned"), internal::Now(),
                         text("open_actions_reason"), internal::Now(), id}));
    ESAFE_TRY(internal::AppendEvent(
        c, &who, id, "closed",
        open->empty() ? std::string("closed") : fmt::format("closed with {} required action(s) not done: {}",
                                                             open->size(), reason.get<std::string>())));
    ESAFE_TRY(access::RecordAudit(c, &who, "close", "incident", id, "incident closed"));
    return Reload(c, who, id);
  });
}

Result<Json> IncidentLog::Withdraw(const Principal& who, int64_t id, const std::string& raw_reason) {
  std::string reason(text::Trim(raw_reason));
  if (reason.empty()) return Error::Invalid("say why the incident is withdrawn", "reason");
  if (reason.size() > 2000 || !text::IsValidUtf8(reason)) return Error::Invalid("the reason is too long", "reason");
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto v = internal::LoadVisible(c, who, id);
    if (!v.ok()) return v.error();
    if (!v->can_write()) return Error::Forbidden("you may not change this incident");
    if (v->status() == "withdrawn") return Error::Conflict("this incident is already withdrawn");
    ESAFE_TRY(c.Execute("UPDATE incidents SET status = 'withdrawn', withdrawn_at = ?, withdrawn_reason = ?, "
                        "updated_at = ? WHERE id = ?",
                        {internal::Now(), reason, internal::Now(), id}));
    ESAFE_TRY(internal::AppendEvent(c, &who, id, "withdrawn", "withdrawn: " + reason));
    ESAFE_TRY(access::RecordAudit(c, &who, "withdraw", "incident", id, "incident withdrawn"));
    return Reload(c, who, id);
  });
}

Result<Json> IncidentLog::Chronology(const Principal& who, int64_t id) {
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto v = internal::LoadVisible(c, who, id);
    if (!v.ok()) return v.error();
    auto rows = c.Query("SELECT * FROM incident_events WHERE incident_id = ? ORDER BY id", {id});
    if (!rows.ok()) return rows.error();
    Json out = Json::array();
    for (const auto& r : *rows) {
      out.push_back({{"id", r.Int("id")},
                     {"at", r.Text("at")},
                     {"by", r.Text("username")},
                     {"kind", r.Text("kind")},
                     {"summary", r.Text("summary")},
                     {"detail", ParseJsonText(r, "detail", Json(nullptr))}});
    }
    ESAFE_TRY(access::RecordAudit(c, &who, "read", "incident", id, "viewed chronology"));
    return out;
  });
}

}  // namespace esafe::incidents
