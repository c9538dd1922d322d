// A demonstration audit: last year's round, every return in, and this year's
// round open with some returns still to come, so that the rounds page, the
// return form and the board report have something to show.
#include <algorithm>

#include <fmt/format.h>

#include "core/clock.h"
#include "standards/standards.h"

namespace esafe::standards {
namespace {

// A plausible return for the agency at `index` in `year`: agencies improve
// from one year to the next, and a few still have gaps.
Json DemoAnswers(size_t index, int64_t year, int64_t this_year) {
  const bool later = year >= this_year;
  auto yes = [&](bool v) { return Json(v ? "yes" : "no"); };
  auto level = [&](int64_t base) { return Json(std::clamp<int64_t>(base + (later ? 1 : 0), 1, 5)); };
  const int64_t i = static_cast<int64_t>(index);
  return {{"aup_in_place", yes(index != 3 || later)},
          {"aup_reviewed", fmt::format("{}-0{}-15", year - 1, 3 + index % 6)},
          {"aup_signed_share", 60 + 7 * i},
          {"esafety_in_child_protection_policy", yes(index % 2 == 0 || later)},
          {"incident_procedure_adopted", yes(index != 5)},
          {"policy_level", level(2 + i % 3)},
          {"esafety_lead_named", yes(index != 4 || later)},
          {"training_plan", yes(index < 3 || (later && index != 5))},
          {"staff_trained_share", 40 + 9 * i},
          {"training_level", level(1 + i % 4)},
          {"accredited_provider", yes(index != 3)},
          {"filtering_monitoring_plan", yes(index % 3 != 2 || later)},
          {"age_differentiated_filtering", yes(index < 2)},
          {"logs_kept_days", index == 3 ? 30 : 90},
          {"infrastructure_staff_vetted", yes(index != 2)},
          {"filtering_provider_kind", index == 3 ? "commercial provider" : "regional broadband consortium"},
          {"esafety_taught", yes(index < 4)},
          {"parents_reached", yes(index % 2 == 1)},
          {"education_level", level(1 + (i + 1) % 4)},
          {"infrastructure_level", level(2 + (i + 2) % 3)},
          {"incident_log_kept", yes(index != 4)},
          {"incident_response_level", level(1 + (i + 3) % 4)},
          {"incidents_reported", 3 + 2 * i}};
}

}  // namespace

Result<bool> LoadStandardsDemo(store::Database& db) {
  auto state = db.Read<Json>([](store::Connection& c) -> Result<Json> {
    auto r = c.Query(
        "SELECT (SELECT COUNT(*) FROM audit_rounds) AS rounds, (SELECT COUNT(*) FROM agencies) AS agencies, "
        "(SELECT MAX(id) FROM audit_templates WHERE key = 'annual-return') AS template_id");
    if (!r.ok()) return r.error();
    const auto& row = (*r)[0];
    return Json{{"rounds", row.Int("rounds")}, {"agencies", row.Int("agencies")},
                {"template_id", row.IsNull("template_id") ? Json(nullptr) : Json(row.Int("template_id"))}};
  });
  if (!state.ok()) return state.error();
  if ((*state)["rounds"] != 0 || (*state)["agencies"] == 0 || (*state)["template_id"].is_null()) return false;
  auto agencies = db.Read<std::vector<std::pair<int64_t, std::string>>>(
      [](store::Connection& c) -> Result<std::vector<std::pair<int64_t, std::string>>> {
        auto rows = c.Query("SELECT id, name FROM agencies ORDER BY id");
        if (!rows.ok()) return rows.error();
        std::vector<std::pair<int64_t, std::string>> out;
        for (const auto& r : *rows) out.emplace_back(r.Int("id"), r.Text("name"));
        return out;
      });
  if (!agencies.ok()) return agencies.error();

  access::Principal system;
  system.username = "demo-loader";
  system.role = access::Role::kPartnershipAdmin;
  system.ip = "local";
  Standards standards(db);
  const std::string today = clock::NowIso8601().substr(0, 10);
  const int64_t this_year = std::stoll(today.substr(0, 4));
  // This year's deadline is a month ahead of whenever the demo is loaded, so the round is open.
  const std::string deadline = clock::Iso8601(clock::NowSeconds() + 30 * 24 * 3600).substr(0, 10);
  for (int64_t year : {this_year - 1, this_year}) {
    bool current = year == this_year;
    auto round = standards.OpenRound(system, {{"title", fmt::format("Annual e-safety return {}", year)},
                                              {"year", year},
                                              {"template_id", (*state)["template_id"]},
                                              {"deadline", current ? deadline : fmt::format("{}-07-17", year)}});
    if (!round.ok()) return round.error();
    int64_t round_id = (*round)["id"];
    for (size_t i = 0; i < agencies->size(); ++i) {
      const std::string& name = (*agencies)[i].second;
      // This year the library (whose officer has the demo account) and the youth
      // service have not sent theirs yet; the youth service has a draft.
      if (current && name == "County Library Service") continue;
      auto saved = standards.SaveDraft(system, round_id, (*agencies)[i].first,
                                       {{"answers", DemoAnswers(i, year, this_year)}});
      if (!saved.ok()) return saved.error();
      if (current && name == "Eastfield Youth Service") continue;
      auto submitted = standards.Submit(system, round_id, (*agencies)[i].first);
      if (!submitted.ok()) return submitted.error();
    }
  }
  return true;
}

}  // namespace esafe::standards
