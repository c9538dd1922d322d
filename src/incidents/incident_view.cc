// The incident as the principal may see it, as JSON: its row, and with `full` its
// people, actions, referrals, evidence, shares and review (incidents/incident_records.h).
#include <fmt/format.h>

#include "core/clock.h"
#include "incidents/incidents.h"
#include "incidents/incident_records.h"

namespace esafe::incidents::internal {

Json ParseJsonText(const store::Row& row, std::string_view column, Json fallback) {
  if (row.IsNull(column)) return fallback;
  auto parsed = Json::parse(row.Text(column), nullptr, false);
  return parsed.is_discarded() ? fallback : parsed;
}

namespace {

// An action due "at once" (at the moment the incident was reported) is given
// an hour before it counts as overdue: a referral made by phone within the
// hour is on time, and the page must not shout at the person still making it.
constexpr int64_t kAtOnceGraceSeconds = 3600;

}  // namespace

std::string GraceCutoff(const std::string& now) { return clock::Iso8601(internal::ToUnix(now) - kAtOnceGraceSeconds); }

namespace {

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

}  // namespace

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

}  // namespace esafe::incidents::internal
