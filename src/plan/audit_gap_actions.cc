// Actions that come from the annual audit: an agency accepts a suggested
// improvement into the strategy action plan (seeds 004 Section 2 'Programme of
// work': the audit feeds the plan; 001 'self-assessment audit').
#include <fmt/format.h>

#include "core/clock.h"
#include "core/text.h"
#include "plan/plan.h"

namespace esafe::plan {

namespace {
constexpr const char* kStandardsStrand = "Inspection and standards";
}  // namespace

Result<std::optional<int64_t>> ActionPlan::FindAuditGapAction(int64_t agency_id, const std::string& source_ref) {
  return db_.Read<std::optional<int64_t>>([&](store::Connection& c) -> Result<std::optional<int64_t>> {
    auto rows = c.Query(
        "SELECT id FROM plan_actions WHERE lead_agency_id = ? AND source = 'audit gap' AND source_ref = ? "
        "ORDER BY id LIMIT 1",
        {agency_id, source_ref});
    if (!rows.ok()) return rows.error();
    if (rows->empty()) return std::optional<int64_t>();
    return std::optional<int64_t>((*rows)[0].Int("id"));
  });
}

Result<Json> ActionPlan::CreateAuditGapAction(const access::Principal& who, int64_t agency_id, int64_t year,
                                              const std::string& title_in, const std::string& source_ref) {
  if (!who.CanWriteAgency(agency_id)) {
    return Error::Forbidden("only the agency's e-safety officer or the partnership may add its audit actions");
  }
  std::string title(text::Trim(title_in));
  if (title.empty() || title.size() > 500 || !text::IsValidUtf8(title)) return Error::Invalid("the action needs a title", "title");
  if (source_ref.empty() || source_ref.size() > 200) return Error::Invalid("source_ref names the audit question", "source_ref");
  auto id = db_.Transaction<int64_t>([&](store::Connection& c) -> Result<int64_t> {
    auto agency = c.Query("SELECT id FROM agencies WHERE id = ?", {agency_id});
    if (!agency.ok()) return agency.error();
    if (agency->empty()) return Error::NotFound("agency not found");
    auto existing = c.Query(
        "SELECT id FROM plan_actions WHERE lead_agency_id = ? AND source = 'audit gap' AND source_ref = ?",
        {agency_id, source_ref});
    if (!existing.ok()) return existing.error();
    if (!existing->empty()) return Error::Conflict("this suggested action is already in the action plan");
    // The strand is seeded by migration 5; a partnership that renamed it gets its last strand.
    auto strand = c.Query("SELECT id FROM plan_strands ORDER BY CASE WHEN name = ? THEN 0 ELSE 1 END, position DESC LIMIT 1",
                          {std::string(kStandardsStrand)});
    if (!strand.ok()) return strand.error();
    if (strand->empty()) return Error::Conflict("the action plan has no strands yet");
    int64_t strand_id = (*strand)[0].Int("id");
    std::string objective_title = fmt::format("Close the gaps found by the {} e-safety audit", year);
    std::string now = clock::NowIso8601();
    auto objective = c.Query("SELECT id FROM plan_objectives WHERE strand_id = ? AND lower(title) = lower(?)",
                             {strand_id, objective_title});
    if (!objective.ok()) return objective.error();
    int64_t objective_id = 0;
    if (objective->empty()) {
      auto made = c.Query(
          "INSERT INTO plan_objectives (strand_id, title, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id",
          {strand_id, objective_title, now, now});
      if (!made.ok()) return made.error();
      objective_id = (*made)[0].Int("id");
      ESAFE_TRY(access::RecordAudit(c, &who, "create", "plan_objective", objective_id, "objective created for audit gaps"));
    } else {
      objective_id = (*objective)[0].Int("id");
    }
    auto made = c.Query(
        "INSERT INTO plan_actions (objective_id, title, lead_agency_id, timescale, status, source, source_ref, "
        "success_measure, created_at, updated_at) VALUES (?, ?, ?, ?, 'not_achieved', 'audit gap', ?, ?, ?, ?) "
        "RETURNING id",
        {objective_id, title, agency_id, fmt::format("Before the {} audit", year + 1), source_ref,
         std::string("The gap is closed in the next annual return"), now, now});
    if (!made.ok()) return made.error();
    int64_t action_id = (*made)[0].Int("id");
    ESAFE_TRY(access::RecordAudit(c, &who, "create", "plan_action", action_id,
                                  fmt::format("audit gap accepted into the plan ({})", source_ref)));
    return action_id;
  });
  if (!id.ok()) return id.error();
  return GetAction(who, *id);
}

}  // namespace esafe::plan
