// Escalation to another member agency: a referral to "member_agency" shares the
// incident with that agency's e-safety officers (IncidentLog::AddReferral);
// they see the shared part and the chronology, and acknowledge it here.
#include <fmt/format.h>

#include "incidents/incidents.h"
#include "incidents/incident_records.h"

namespace esafe::incidents {

Result<Json> IncidentLog::ReferralAgencies(const Principal& who) {
  if (who.role == access::Role::kBoardMember || who.role == access::Role::kAuditor) {
    return Error::Forbidden("board members and auditors do not refer incidents");
  }
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto rows = c.Query("SELECT id, name, sector FROM agencies WHERE id <> ? ORDER BY name, id",
                        {who.agency_id.value_or(0)});
    if (!rows.ok()) return rows.error();
    Json out = Json::array();
    for (const auto& r : *rows) {
      out.push_back({{"id", r.Int("id")}, {"name", r.Text("name")}, {"sector", r.Text("sector")}});
    }
    return out;
  });
}

Result<Json> IncidentLog::SharedWithMe(const Principal& who) {
  if (who.role != access::Role::kAgencyOfficer || !who.agency_id) {
    return Error::Forbidden("incidents are shared with agencies' e-safety officers");
  }
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto rows = c.Query(
        "SELECT s.incident_id, s.shared_at, s.shared_by, s.acknowledged_at, s.acknowledged_by, i.category, "
        "i.risk_level, i.status, i.reported_at, a.name AS from_agency FROM incident_shares s "
        "JOIN incidents i ON i.id = s.incident_id JOIN agencies a ON a.id = i.agency_id "
        "WHERE s.agency_id = ? ORDER BY s.shared_at DESC, s.id DESC",
        {*who.agency_id});
    if (!rows.ok()) return rows.error();
    Json out = Json::array();
    for (const auto& r : *rows) {
      out.push_back({{"incident_id", r.Int("incident_id")},
                     {"from_agency", r.Text("from_agency")},
                     {"category", r.Text("category")},
                     {"category_label", Label(Categories(), r.Text("category"))},
                     {"risk_level", r.IsNull("risk_level") ? Json(nullptr) : Json(r.Text("risk_level"))},
                     {"status", r.Text("status")},
                     {"reported_at", r.Text("reported_at")},
                     {"shared_at", r.Text("shared_at")},
                     {"shared_by", r.Text("shared_by")},
                     {"acknowledged", !r.IsNull("acknowledged_at")},
                     {"acknowledged_at", r.IsNull("acknowledged_at") ? Json(nullptr) : Json(r.Text("acknowledged_at"))},
                     {"acknowledged_by", r.IsNull("acknowledged_by") ? Json(nullptr) : Json(r.Text("acknowledged_by"))}});
    }
    ESAFE_TRY(access::RecordAudit(c, &who, "list", "incident_share", std::nullopt,
                                  fmt::format("{} shared incidents listed", out.size())));
    return out;
  });
}

Result<Json> IncidentLog::Acknowledge(const Principal& who, int64_t id) {
  if (who.role != access::Role::kAgencyOfficer || !who.agency_id) {
    return Error::Forbidden("only an e-safety officer of the receiving agency acknowledges a shared incident");
  }
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto share = c.Query("SELECT id, acknowledged_at FROM incident_shares WHERE incident_id = ? AND agency_id = ?",
                         {id, *who.agency_id});
    if (!share.ok()) return share.error();
    if (share->empty()) return Error::NotFound("incident not found");
    if (!(*share)[0].IsNull("acknowledged_at")) return Error::Conflict("this incident is already acknowledged");
    std::string actor = who.display_name.empty() ? who.username : who.display_name;
    ESAFE_TRY(c.Execute("UPDATE incident_shares SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ?",
                        {internal::Now(), actor, (*share)[0].Int("id")}));
    auto agency = c.QueryOne("SELECT name FROM agencies WHERE id = ?", {*who.agency_id}, "agency");
    if (!agency.ok()) return agency.error();
    ESAFE_TRY(internal::AppendEvent(c, &who, id, "acknowledged",
                                    fmt::format("acknowledged by {} ({})", agency->Text("name"), actor),
                                    {{"agency_id", *who.agency_id}}));
    ESAFE_TRY(access::RecordAudit(c, &who, "acknowledge", "incident", id, "shared incident acknowledged"));
    auto v = internal::LoadVisible(c, who, id);
    if (!v.ok()) return v.error();
    return Json{{"incident_id", id}, {"acknowledged_by", actor}, {"agency_id", *who.agency_id}};
  });
}

}  // namespace esafe::incidents
