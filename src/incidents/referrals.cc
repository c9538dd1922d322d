// IncidentLog: referrals of an incident to another agency (police, children's
// social care, health, …), and sharing it with a member agency that is one.
#include <fmt/format.h>

#include "incidents/incident_records.h"
#include "incidents/incidents.h"

namespace esafe::incidents {

namespace {

// The escalation target that a member agency of `sector` is (directory Sectors()).
std::string TargetForSector(const std::string& sector) {
  if (sector == "police") return "police";
  if (sector == "children's social care") return "childrens_social_care";
  if (sector == "health") return "health";
  return "";
}

}  // namespace

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

}  // namespace esafe::incidents
