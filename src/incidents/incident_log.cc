// IncidentLog: recording, reading and changing incidents, their people,
// actions, referrals, evidence and closure (seeds 004 Section 5 'What should be
// monitored at member agency level?'). Shared rules live in internal.h.
#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <ctime>

#include "core/clock.h"
#include "core/text.h"
#include "incidents/incidents.h"
#include "incidents/internal.h"

namespace esafe::incidents {
namespace internal {

std::string Now() { return clock::NowIso8601(); }

int64_t ToUnix(std::string_view iso) {
  auto n = NormaliseTime(iso);
  if (!n) return 0;
  std::tm tm{};
  if (!strptime(n->c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm)) return 0;
  return static_cast<int64_t>(timegm(&tm));
}

Value ToValue(const FieldSpec& f, const Json& v) {
  if (v.is_null()) return Value();
  switch (f.type) {
    case FieldType::kBoolean: return Value(static_cast<int64_t>(v.get<bool>()));
    case FieldType::kInteger:
    case FieldType::kReference: return Value(v.get<int64_t>());
    default: return Value(v.get<std::string>());
  }
}

Json FromRow(const RecordSchema& schema, const store::Row& row) {
  Json out = Json::object();
  const auto& columns = row.columns();
  for (const auto& f : schema.fields()) {
    if (std::find(columns.begin(), columns.end(), f.name) == columns.end() || row.IsNull(f.name)) {
      out[f.name] = nullptr;
      continue;
    }
    switch (f.type) {
      case FieldType::kBoolean: out[f.name] = row.Int(f.name) != 0; break;
      case FieldType::kInteger:
      case FieldType::kReference: out[f.name] = row.Int(f.name); break;
      default: out[f.name] = row.Text(f.name);
    }
  }
  return out;
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

}  // namespace internal

using internal::Connection;
using internal::Principal;
using internal::Reach;
using internal::Value;
using internal::Visible;

namespace {

// The escalation target that a member agency of `sector` is (directory Sectors()).
std::string TargetForSector(const std::string& sector) {
  if (sector == "police") return "police";
  if (sector == "children's social care") return "childrens_social_care";
  if (sector == "health") return "health";
  return "";
}

Json ParseJsonText(const store::Row& row, std::string_view column, Json fallback) {
  if (row.IsNull(column)) return fallback;
  auto parsed = Json::parse(row.Text(column), nullptr, false);
  return parsed.is_discarded() ? fallback : parsed;
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

// An action due "at once" (at the moment the incident was reported) is given
// an hour before it counts as overdue: a referral made by phone within the
// hour is on time, and the page must not shout at the person still making it.
constexpr int64_t kAtOnceGraceSeconds = 3600;

std::string GraceCutoff(const std::string& now) { return clock::Iso8601(internal::ToUnix(now) - kAtOnceGraceSeconds); }

bool IsOverdue(const std::string& due_at, const std::string& reported_at, const std::string& now) {
  if (due_at.empty() || !(due_at < now)) return false;
  return due_at > reported_at || due_at < GraceCutoff(now);
}

Json ActionJson(const store::Row& r, const std::string& now, const std::string& reported_at) {
  Json a = internal::FromRow(ActionSchema(), r);
  a["notify_label"] = r.IsNull("notify") ? Json(nullptr) : Json(Label(EscalationTargets(), r.Text("notify")));
  bool open = r.IsNull("done_at") && r.IsNull("not_done_reason");
  a["open"] = open;
  a["overdue"] = open && !r.IsNull("due_at") && IsOverdue(r.Text("due_at"), reported_at, now);
  return a;
}

// The incident as JSON. `full` adds people, actions, referrals, evidence,
// shares and the review; names only when the principal sees them.
Result<Json> IncidentJson(Connection& c, const Visible& v, bool full) {
  const auto& row = v.row;
  int64_t id = row.Int("id");
  Json out = internal::FromRow(IncidentSchema(), row);
  out["agency_name"] = row.Text("agency_name");
  out["sector"] = row.Text("sector");
  out["site_name"] = row.IsNull("site_name") ? Json(nullptr) : Json(row.Text("site_name"));
  out["category_label"] = Label(Categories(), row.Text("category"));
  out["risk_label"] = row.IsNull("risk_level") ? Json(nullptr) : Json(Label(RiskLevels(), row.Text("risk_level")));
  out["flowchart_answers"] = ParseJsonText(row, "flowchart_answers", Json(nullptr));
  out["must_not"] = ParseJsonText(row, "must_not", Json::array());
  out["shared"] = v.reach == Reach::kShared;
  out["illegal_material_instruction"] = out["illegal_material"] == true ? Json(kIllegalMaterialInstruction) : Json(nullptr);
  if (!full) return out;

  std::string now = internal::Now();
  auto people = c.Query("SELECT * FROM incident_people WHERE incident_id = ? ORDER BY id", {id});
  if (!people.ok()) return people.error();
  out["people"] = Json::array();
  for (const auto& p : *people) {
    Json j = internal::FromRow(PersonSchema(), p);
    if (!v.sees_names()) j.erase("name");
    out["people"].push_back(j);
  }
  auto actions = c.Query("SELECT * FROM incident_actions WHERE incident_id = ? ORDER BY position, id", {id});
  if (!actions.ok()) return actions.error();
  out["actions"] = Json::array();
  for (const auto& a : *actions) out["actions"].push_back(ActionJson(a, now, row.Text("reported_at")));
  auto referrals = c.Query(
      "SELECT r.*, a.name AS agency_name FROM incident_referrals r LEFT JOIN agencies a ON a.id = r.agency_id "
      "WHERE r.incident_id = ? ORDER BY r.referred_at, r.id", {id});
  if (!referrals.ok()) return referrals.error();
  out["referrals"] = Json::array();
  for (const auto& r : *referrals) {
    Json j = internal::FromRow(ReferralSchema(), r);
    j["target_label"] = Label(ReferralTargets(), r.Text("target"));
    j["agency_name"] = r.IsNull("agency_name") ? Json(nullptr) : Json(r.Text("agency_name"));
    out["referrals"].push_back(j);
  }
  auto shares = c.Query(
      "SELECT s.*, a.name AS agency_name FROM incident_shares s JOIN agencies a ON a.id = s.agency_id "
      "WHERE s.incident_id = ? ORDER BY s.id", {id});
  if (!shares.ok()) return shares.error();
  out["shares"] = Json::array();
  for (const auto& s : *shares) {
    out["shares"].push_back({{"agency_id", s.Int("agency_id")},
                             {"agency_name", s.Text("agency_name")},
                             {"shared_at", s.Text("shared_at")},
                             {"shared_by", s.Text("shared_by")},
                             {"acknowledged_at", s.IsNull("acknowledged_at") ? Json(nullptr)
                                                                             : Json(s.Text("acknowledged_at"))},
                             {"acknowledged_by", s.IsNull("acknowledged_by") ? Json(nullptr)
                                                                             : Json(s.Text("acknowledged_by"))}});
  }
  if (v.reach == Reach::kShared) return out;  // the shared part ends here

  auto evidence = c.Query("SELECT * FROM incident_evidence WHERE incident_id = ? ORDER BY id", {id});
  if (!evidence.ok()) return evidence.error();
  out["evidence"] = Json::array();
  for (const auto& e : *evidence) {
    Json j = internal::FromRow(EvidenceSchema(), e);
    auto custody = c.Query("SELECT * FROM incident_custody WHERE evidence_id = ? ORDER BY id", {e.Int("id")});
    if (!custody.ok()) return custody.error();
    j["custody"] = Json::array();
    for (const auto& k : *custody) j["custody"].push_back(internal::FromRow(CustodySchema(), k));
    out["evidence"].push_back(j);
  }
  auto review = c.Query("SELECT * FROM incident_reviews WHERE incident_id = ?", {id});
  if (!review.ok()) return review.error();
  out["review"] = review->empty() ? Json(nullptr) : internal::FromRow(ReviewSchema(), (*review)[0]);
  if (!review->empty()) out["review"]["complete"] = !(*review)[0].IsNull("completed_at");
  return out;
}

Result<Json> Reload(Connection& c, const Principal& who, int64_t id) {
  auto v = internal::LoadVisible(c, who, id);
  if (!v.ok()) return v.error();
  return IncidentJson(c, *v, true);
}

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

Result<Json> IncidentLog::AddReferral(const Principal& who, int64_t id, const Json& input) {
  auto valid = ReferralSchema().Validate(input, false);
  if (!valid.ok()) return valid.error();
  ESAFE_TRY(NormaliseTimeField(*valid, "referred_at"));
  std::string target = (*valid)["target"].get<std::string>();
  bool to_agency = target == "member_agency";
  bool has_agency = valid->contains("agency_id") && !(*valid)["agency_id"].is_null();
  if (to_agency && !has_agency) return Error::Invalid("choose the member agency to refer to", "agency_id");
  if (!to_agency && has_agency) return Error::Invalid("agency_id is only for a referral to a member agency", "agency_id");
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto v = internal::LoadVisible(c, who, id);
    if (!v.ok()) return v.error();
    // The member of staff who reported it may record the referral they made
    // themselves ("phoned 101, ref …"); sharing with another agency stays with
    // the agency's officers.
    bool reporter_recording = v->reach == Reach::kReporter && !to_agency;
    if (!v->can_write() && !reporter_recording) {
      return Error::Forbidden(to_agency ? "only the agency's e-safety officers escalate to another agency"
                                        : "you may not change this incident");
    }
    if (v->status() != "open") {
      return Error::Conflict(fmt::format("this incident is {}; it can no longer be changed", v->status()));
    }
    std::string label = Label(ReferralTargets(), target);
    // The escalation target an agency of this sector stands for: escalating to the
    // police team's or social care's own agency is telling the police or social care.
    std::string agency_stands_for;
    if (to_agency) {
      int64_t agency = (*valid)["agency_id"].get<int64_t>();
      if (agency == v->agency_id()) return Error::Invalid("the incident already belongs to that agency", "agency_id");
      auto found = c.Query("SELECT name, sector FROM agencies WHERE id = ?", {agency});
      if (!found.ok()) return found.error();
      if (found->empty()) return Error::Invalid("no agency has that id", "agency_id");
      label = (*found)[0].Text("name");
      agency_stands_for = TargetForSector((*found)[0].Text("sector"));
    }
    std::string referred_at = valid->value("referred_at", Json()).is_null()
                                  ? internal::Now()
                                  : (*valid)["referred_at"].get<std::string>();
    auto text = [&](const char* f) { return internal::ToValue(*ReferralSchema().Find(f), valid->value(f, Json())); };
    auto rows = c.Query(
        "INSERT INTO incident_referrals (incident_id, target, agency_id, referred_at, reference_number, contact, notes, "
        "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        {id, target, text("agency_id"), referred_at, text("reference_number"), text("contact"), text("notes"),
         who.username, internal::Now()});
    if (!rows.ok()) return rows.error();
    int64_t referral_id = (*rows)[0].Int("id");
    std::string ref = valid->value("reference_number", Json()).is_null()
                          ? ""
                          : " (reference " + (*valid)["reference_number"].get<std::string>() + ")";
    ESAFE_TRY(internal::AppendEvent(c, &who, id, "referral", fmt::format("referred to {}{}", label, ref),
                                    {{"target", target}, {"referral_id", referral_id}}));
    // A referral satisfies the flowchart's open 'tell' actions for the same target.
    for (const std::string& told : {target, agency_stands_for}) {
      if (told.empty()) continue;
      auto satisfied = c.Execute(
          "UPDATE incident_actions SET done_at = ?, done_by = ?, done_note = ? WHERE incident_id = ? AND notify = ? "
          "AND done_at IS NULL AND not_done_reason IS NULL",
          {referred_at, who.username, fmt::format("referral {} ({})", referral_id, label), id, told});
      if (!satisfied.ok()) return satisfied.error();
    }
    if (to_agency) {
      int64_t agency = (*valid)["agency_id"].get<int64_t>();
      auto existing = c.Query("SELECT id FROM incident_shares WHERE incident_id = ? AND agency_id = ?", {id, agency});
      if (!existing.ok()) return existing.error();
      if (existing->empty()) {
        ESAFE_TRY(c.Execute("INSERT INTO incident_shares (incident_id, agency_id, referral_id, shared_at, shared_by) "
                            "VALUES (?, ?, ?, ?, ?)",
                            {id, agency, referral_id, internal::Now(), who.username}));
        ESAFE_TRY(internal::AppendEvent(c, &who, id, "shared",
                                        fmt::format("shared with {}; waiting for acknowledgement", label),
                                        {{"agency_id", agency}}));
        ESAFE_TRY(access::RecordAudit(c, &who, "share", "incident", id, fmt::format("shared with agency {}", agency)));
      }
    }
    ESAFE_TRY(internal::Touch(c, id));
    ESAFE_TRY(access::RecordAudit(c, &who, "update", "incident", id, fmt::format("referral to {}", target)));
    return Reload(c, who, id);
  });
}

Result<Json> IncidentLog::AddEvidence(const Principal& who, int64_t id, const Json& input) {
  auto valid = EvidenceSchema().Validate(input, false);
  if (!valid.ok()) return valid.error();
  ESAFE_TRY(NormaliseTimeField(*valid, "secured_at"));
  if (valid->contains("sha256") && !(*valid)["sha256"].is_null()) {
    std::string h = (*valid)["sha256"].get<std::string>();
    std::transform(h.begin(), h.end(), h.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    if (h.size() != 64 || h.find_first_not_of("0123456789abcdef") != std::string::npos) {
      return Error::Invalid("sha256 must be 64 hexadecimal digits", "sha256");
    }
    (*valid)["sha256"] = h;
  }
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto v = internal::LoadWritable(c, who, id);
    if (!v.ok()) return v.error();
    auto f = [&](const char* name) { return internal::ToValue(*EvidenceSchema().Find(name), valid->value(name, Json())); };
    auto rows = c.Query(
        "INSERT INTO incident_evidence (incident_id, what, held_where, secured_by, secured_at, sha256, notes, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        {id, f("what"), f("held_where"), f("secured_by"), f("secured_at"), f("sha256"), f("notes"), internal::Now()});
    if (!rows.ok()) return rows.error();
    int64_t evidence_id = (*rows)[0].Int("id");
    ESAFE_TRY(c.Execute("INSERT INTO incident_custody (evidence_id, incident_id, at, from_holder, to_holder, purpose, "
                        "recorded_by) VALUES (?, ?, ?, NULL, ?, 'secured', ?)",
                        {evidence_id, id, (*valid)["secured_at"].get<std::string>(),
                         (*valid)["secured_by"].get<std::string>(), who.username}));
    ESAFE_TRY(internal::AppendEvent(c, &who, id, "evidence_added",
                                    fmt::format("evidence {} registered: held at {}", evidence_id,
                                                (*valid)["held_where"].get<std::string>())));
    ESAFE_TRY(internal::Touch(c, id));
    ESAFE_TRY(access::RecordAudit(c, &who, "update", "incident", id, "evidence registered"));
    return Reload(c, who, id);
  });
}

Result<Json> IncidentLog::AddCustody(const Principal& who, int64_t id, int64_t evidence_id, const Json& input) {
  auto valid = CustodySchema().Validate(input, false);
  if (!valid.ok()) return valid.error();
  ESAFE_TRY(NormaliseTimeField(*valid, "at"));
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto v = internal::LoadWritable(c, who, id);
    if (!v.ok()) return v.error();
    auto e = c.QueryOne("SELECT id FROM incident_evidence WHERE id = ? AND incident_id = ?", {evidence_id, id},
                        "evidence");
    if (!e.ok()) return e.error();
    auto f = [&](const char* name) { return internal::ToValue(*CustodySchema().Find(name), valid->value(name, Json())); };
    std::string at = valid->value("at", Json()).is_null() ? internal::Now() : (*valid)["at"].get<std::string>();
    ESAFE_TRY(c.Execute("INSERT INTO incident_custody (evidence_id, incident_id, at, from_holder, to_holder, purpose, "
                        "recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        {evidence_id, id, at, f("from_holder"), f("to_holder"), f("purpose"), who.username}));
    ESAFE_TRY(internal::AppendEvent(c, &who, id, "custody",
                                    fmt::format("evidence {} passed to {}", evidence_id,
                                                (*valid)["to_holder"].get<std::string>())));
    ESAFE_TRY(access::RecordAudit(c, &who, "update", "incident", id, "chain of custody entry"));
    return Reload(c, who, id);
  });
}

Result<Json> IncidentLog::AttachEvidenceFile(const Principal& who, int64_t id, int64_t evidence_id,
                                             std::string_view file_name, std::string_view bytes) {
  constexpr size_t kMaxFileBytes = 10 * 1024 * 1024;
  bool refused = false;
  auto result = db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto v = internal::LoadWritable(c, who, id);
    if (!v.ok()) return v.error();
    // Keyed on the incident's mark (set from the outcome reached, the outcomes
    // still ahead of an unfinished walk, and the category), never on one chart.
    if (v->row.Int("illegal_material") != 0 || IsSuspectedIllegalMaterial(v->row.Text("category"))) {
      refused = true;
      return Error::Conflict(kIllegalMaterialInstruction, "file");
    }
    if (bytes.size() > kMaxFileBytes) return Error::TooLarge("an evidence file may be at most 10 MiB", "file");
    std::string name(text::Trim(file_name.substr(0, 200)));
    if (name.empty() || !text::IsValidUtf8(name) || text::HasControlCharacters(name)) {
      return Error::Invalid("the file needs a name", "file_name");
    }
    auto e = c.QueryOne("SELECT * FROM incident_evidence WHERE id = ? AND incident_id = ?", {evidence_id, id},
                        "evidence");
    if (!e.ok()) return e.error();
    if (!e->IsNull("file_name")) return Error::Conflict("this evidence entry already has its file");
    std::string hash = internal::Sha256Hex(bytes);
    if (!e->IsNull("sha256") && e->Text("sha256") != hash) {
      return Error::Conflict("the file's SHA-256 differs from the one recorded when the evidence was secured", "file");
    }
    std::string encoded(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(encoded.data(), encoded.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                      bytes.size(), sodium_base64_VARIANT_ORIGINAL);
    encoded.resize(std::strlen(encoded.c_str()));
    ESAFE_TRY(c.Execute("UPDATE incident_evidence SET sha256 = ?, file_name = ?, file_size = ?, file_content = ? "
                        "WHERE id = ?",
                        {hash, name, static_cast<int64_t>(bytes.size()), encoded, evidence_id}));
    ESAFE_TRY(internal::AppendEvent(c, &who, id, "evidence_file",
                                    fmt::format("file attached to evidence {}: SHA-256 {}", evidence_id, hash)));
    ESAFE_TRY(access::RecordAudit(c, &who, "update", "incident", id, "evidence file attached"));
    return Reload(c, who, id);
  });
  if (refused) {
    // The refusal itself is worth knowing about; record it outside the rolled-back transaction.
    (void)db_.Transaction<bool>([&](Connection& c) -> Result<bool> {
      ESAFE_TRY(access::RecordAudit(c, &who, "refused", "incident", id,
                                    "evidence file refused: suspected illegal material"));
      return true;
    });
  }
  return result;
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
