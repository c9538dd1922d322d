// Serious incidents: marking one opens a review with the four questions of
// seeds 004 Section 5, and the sub-group lists them as a standing agenda item.
#include <fmt/format.h>

#include "core/csv.h"
#include "core/text.h"
#include "incidents/incidents.h"
#include "incidents/incident_records.h"

namespace esafe::incidents {

Result<Json> IncidentLog::MarkSerious(const Principal& who, int64_t id, const std::string& raw_reason) {
  std::string reason(text::Trim(raw_reason));
  if (reason.size() > 2000) return Error::Invalid("the reason is too long", "reason");
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto v = internal::LoadVisible(c, who, id);
    if (!v.ok()) return v.error();
    if (!v->can_write()) return Error::Forbidden("you may not change this incident");
    if (v->status() == "withdrawn") return Error::Conflict("a withdrawn incident cannot be marked serious");
    if (v->row.Int("serious") != 0) return Error::Conflict("this incident is already marked serious");
    std::string now = internal::Now();
    ESAFE_TRY(c.Execute("UPDATE incidents SET serious = 1, updated_at = ? WHERE id = ?", {now, id}));
    ESAFE_TRY(c.Execute("INSERT INTO incident_reviews (incident_id, reason, opened_at, opened_by, updated_at) "
                        "VALUES (?, ?, ?, ?, ?)",
                        {id, reason.empty() ? Value() : Value(reason), now, who.username, now}));
    ESAFE_TRY(internal::AppendEvent(c, &who, id, "serious",
                                    reason.empty() ? std::string("marked serious; review opened")
                                                   : "marked serious; review opened: " + reason));
    ESAFE_TRY(access::RecordAudit(c, &who, "update", "incident", id, "marked serious"));
    auto out = internal::LoadVisible(c, who, id);
    if (!out.ok()) return out.error();
    return Json{{"incident_id", id}, {"serious", true}, {"review_opened_at", now}};
  });
}

Result<Json> IncidentLog::UpdateReview(const Principal& who, int64_t id, const Json& input) {
  auto valid = ReviewSchema().Validate(input, true);
  if (!valid.ok()) return valid.error();
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto v = internal::LoadVisible(c, who, id);
    if (!v.ok()) return v.error();
    if (!v->can_write()) return Error::Forbidden("you may not change this review");
    auto review = c.Query("SELECT * FROM incident_reviews WHERE incident_id = ?", {id});
    if (!review.ok()) return review.error();
    if (review->empty()) return Error::NotFound("this incident has no review; mark it serious first");
    if (!(*review)[0].IsNull("completed_at")) return Error::Conflict("this review is complete");
    std::vector<std::string> sets, changed;
    std::vector<Value> values;
    for (const char* f : {"why_happened", "prevention", "response", "lessons"}) {
      if (!valid->contains(f)) continue;
      sets.push_back(std::string(f) + " = ?");
      values.push_back(internal::ToValue(*ReviewSchema().Find(f), (*valid)[f]));
      changed.push_back(f);
    }
    std::string now = internal::Now();
    bool complete = valid->value("complete", Json(false)).is_boolean() && valid->value("complete", false);
    if (complete) {
      sets.push_back("completed_at = ?");
      values.emplace_back(now);
    }
    sets.push_back("updated_at = ?");
    values.emplace_back(now);
    values.emplace_back(id);
    ESAFE_TRY(c.Execute(fmt::format("UPDATE incident_reviews SET {} WHERE incident_id = ?", fmt::join(sets, ", ")),
                        values));
    if (complete) {
      auto done = c.QueryOne("SELECT * FROM incident_reviews WHERE incident_id = ?", {id}, "review");
      if (!done.ok()) return done.error();
      for (const char* f : {"why_happened", "prevention", "response", "lessons"}) {
        if (done->IsNull(f)) {
          return Error::Invalid(fmt::format("answer '{}' before completing the review",
                                            ReviewSchema().Find(f)->description), f);
        }
      }
    }
    ESAFE_TRY(internal::AppendEvent(c, &who, id, complete ? "review_complete" : "review",
                                    complete ? std::string("serious-incident review completed")
                                             : fmt::format("review updated: {}", fmt::join(changed, ", "))));
    ESAFE_TRY(access::RecordAudit(c, &who, "update", "incident_review", id, "review updated"));
    auto row = c.QueryOne("SELECT * FROM incident_reviews WHERE incident_id = ?", {id}, "review");
    if (!row.ok()) return row.error();
    Json out = internal::FromRow(ReviewSchema(), *row);
    out["complete"] = !row->IsNull("completed_at");
    out["incident_id"] = id;
    return out;
  });
}

Result<Json> IncidentLog::ListSerious(const Principal& who) {
  if (who.role == access::Role::kBoardMember || who.role == access::Role::kAuditor) {
    return Error::Forbidden("board members and auditors see statistics only");
  }
  if (!who.IsPartnershipManager() && who.role != access::Role::kAgencyOfficer) {
    return Error::Forbidden("serious incidents are reviewed by e-safety officers and the partnership");
  }
  std::string sql =
      "SELECT i.id, i.agency_id, a.name AS agency_name, i.category, i.risk_level, i.status, i.reported_at, "
      "r.reason, r.opened_at, r.completed_at, r.why_happened, r.prevention, r.response, r.lessons "
      "FROM incidents i JOIN agencies a ON a.id = i.agency_id JOIN incident_reviews r ON r.incident_id = i.id "
      "WHERE i.serious = 1";
  std::vector<Value> params;
  if (!who.IsPartnershipManager()) {
    sql += " AND i.agency_id = ?";
    params.emplace_back(*who.agency_id);
  }
  sql += " ORDER BY r.opened_at, i.id";
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto rows = c.Query(sql, params);
    if (!rows.ok()) return rows.error();
    Json out = Json::array();
    auto opt = [](const store::Row& r, const char* f) { return r.IsNull(f) ? Json(nullptr) : Json(r.Text(f)); };
    for (const auto& r : *rows) {
      out.push_back({{"incident_id", r.Int("id")},
                     {"agency_id", r.Int("agency_id")},
                     {"agency_name", r.Text("agency_name")},
                     {"category", r.Text("category")},
                     {"category_label", Label(Categories(), r.Text("category"))},
                     {"risk_level", opt(r, "risk_level")},
                     {"status", r.Text("status")},
                     {"reported_at", r.Text("reported_at")},
                     {"reason", opt(r, "reason")},
                     {"review_opened_at", r.Text("opened_at")},
                     {"review_complete", !r.IsNull("completed_at")},
                     {"why_happened", opt(r, "why_happened")},
                     {"prevention", opt(r, "prevention")},
                     {"response", opt(r, "response")},
                     {"lessons", opt(r, "lessons")}});
    }
    ESAFE_TRY(access::RecordAudit(c, &who, "list", "incident_review", std::nullopt,
                                  fmt::format("{} serious incidents listed", out.size())));
    return out;
  });
}

Result<std::string> IncidentLog::ExportSeriousCsv(const Principal& who) {
  auto list = ListSerious(who);
  if (!list.ok()) return list.error();
  static const std::vector<std::string> columns = {
      "incident_id", "agency_name", "category_label", "risk_level", "status", "reported_at", "reason",
      "review_opened_at", "review_complete", "why_happened", "prevention", "response", "lessons"};
  std::string out = csv::FormatRow(columns);
  for (const auto& row : *list) {
    std::vector<std::string> cells;
    for (const auto& col : columns) {
      const Json& v = row[col];
      if (v.is_null()) cells.emplace_back();
      else if (v.is_string()) cells.push_back(v.get<std::string>());
      else if (v.is_boolean()) cells.push_back(v.get<bool>() ? "yes" : "no");
      else cells.push_back(v.dump());
    }
    out += csv::FormatRow(cells);
  }
  auto audited = db_.Transaction<bool>([&](Connection& c) -> Result<bool> {
    ESAFE_TRY(access::RecordAudit(c, &who, "export", "incident_review", std::nullopt,
                                  fmt::format("{} serious incidents exported as CSV", list->size())));
    return true;
  });
  if (!audited.ok()) return audited.error();
  return out;
}

}  // namespace esafe::incidents
