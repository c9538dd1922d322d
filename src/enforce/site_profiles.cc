#include "enforce/site_profiles.h"

#include "core/clock.h"

namespace esafe::enforce {
namespace {

std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<std::vector<filter::ClientRange>> LoadSiteRanges(store::Database& db) {
  return db.Read<std::vector<filter::ClientRange>>([](store::Connection& c) -> Result<std::vector<filter::ClientRange>> {
    auto rows = c.Query(
        "SELECT s.id AS id, s.agency_id AS agency_id, s.name AS name, s.ip_ranges AS ip_ranges, "
        "p.profile AS profile FROM sites s JOIN filter_site_profiles p ON p.site_id = s.id ORDER BY s.id");
    if (!rows) return rows.error();
    std::vector<filter::ClientRange> out;
    for (const auto& row : *rows) {
      std::string_view ranges_text;
      const std::string ranges = row.Text("ip_ranges");
      ranges_text = ranges;
      while (!ranges_text.empty()) {
        const size_t comma = ranges_text.find(',');
        const std::string_view cidr = TrimBlanks(ranges_text.substr(0, comma));
        ranges_text.remove_prefix(comma == std::string_view::npos ? ranges_text.size() : comma + 1);
        if (cidr.empty()) continue;
        filter::ClientRange range;
        range.cidr = std::string(cidr);
        range.profile = row.Text("profile");
        range.site = row.Text("name");
        range.site_id = row.Int("id");
        range.agency_id = row.Int("agency_id");
        out.push_back(std::move(range));
      }
    }
    return out;
  });
}

Result<void> SetSiteProfile(store::Database& db, int64_t site_id, const std::string& profile) {
  auto changed = db.Transaction<int64_t>([&](store::Connection& c) -> Result<int64_t> {
    auto site = c.QueryOne("SELECT id FROM sites WHERE id = ?", {site_id}, "site");
    if (!site) return site.error();
    ESAFE_TRY(c.Execute("DELETE FROM filter_site_profiles WHERE site_id = ?", {site_id}));
    return c.Execute("INSERT INTO filter_site_profiles (site_id, profile, updated_at) VALUES (?, ?, ?)",
                     {site_id, profile, clock::NowIso8601()});
  });
  if (!changed) return changed.error();
  return Ok();
}

}  // namespace esafe::enforce
