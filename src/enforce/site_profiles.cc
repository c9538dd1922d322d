#include "enforce/site_profiles.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/clock.h"

namespace esafe::enforce {
namespace {

std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

constexpr const char* kSelectSite =
    "SELECT s.id AS id, s.agency_id AS agency_id, s.name AS name, p.profile AS profile, p.updated_at AS updated_at "
    "FROM sites s LEFT JOIN filter_site_profiles p ON p.site_id = s.id WHERE s.id = ?";

bool MayChange(const access::Principal& who, int64_t agency_id) {
  if (who.IsPartnershipManager()) return true;
  return who.role == access::Role::kAgencyOfficer && who.CanWriteAgency(agency_id);
}

Json SiteProfileJson(const store::Row& row, const access::Principal& who) {
  Json out = {{"site_id", row.Int("id")},
              {"site", row.Text("name")},
              {"agency_id", row.Int("agency_id")},
              {"profile", nullptr},
              {"updated_at", nullptr},
              {"can_edit", MayChange(who, row.Int("agency_id"))}};
  if (!row.IsNull("profile")) {
    out["profile"] = row.Text("profile");
    out["updated_at"] = row.Text("updated_at");
  }
  return out;
}

// The site as `who` may see it: NotFound for no such site or one outside `who`'s reach.
Result<store::Row> VisibleSite(store::Connection& c, const access::Principal& who, int64_t site_id) {
  auto row = c.QueryOne(kSelectSite, {site_id}, "site");
  if (!row) return row.error();
  if (!who.CanReadAgency(row->Int("agency_id"))) return Error::NotFound("site not found");
  return row;
}

// Replaces the site's profile (one row per site).
Result<void> WriteSiteProfile(store::Connection& c, int64_t site_id, const std::string& profile) {
  ESAFE_TRY(c.Execute("DELETE FROM filter_site_profiles WHERE site_id = ?", {site_id}));
  ESAFE_TRY(c.Execute("INSERT INTO filter_site_profiles (site_id, profile, updated_at) VALUES (?, ?, ?)",
                      {site_id, profile, clock::NowIso8601()}));
  return Ok();
}

}  // namespace

Result<Json> GetSiteProfile(store::Database& db, const access::Principal& who, int64_t site_id) {
  if (who.role == access::Role::kBoardMember) {
    return Error::Forbidden("board members see figures, not a site's filtering");
  }
  return db.Read<Json>([&](store::Connection& c) -> Result<Json> {
    auto row = VisibleSite(c, who, site_id);
    if (!row) return row.error();
    return SiteProfileJson(*row, who);
  });
}

Result<Json> SetSiteProfile(store::Database& db, const access::Principal& who, int64_t site_id,
                            const std::string& profile, const std::vector<std::string>& known_profiles) {
  if (!who.IsPartnershipManager() && who.role != access::Role::kAgencyOfficer) {
    return Error::Forbidden("only the agency's e-safety officer or a partnership manager can set a site's filtering "
                            "profile");
  }
  if (known_profiles.empty()) {
    return Error::Conflict("the filtering profiles file is not loaded on this server, so no profile can be checked; "
                           "start esafe serve with --profiles FILE");
  }
  return db.Transaction<Json>([&](store::Connection& c) -> Result<Json> {
    auto row = VisibleSite(c, who, site_id);
    if (!row) return row.error();
    if (!MayChange(who, row->Int("agency_id"))) return Error::NotFound("site not found");
    if (std::find(known_profiles.begin(), known_profiles.end(), profile) == known_profiles.end()) {
      return Error::Invalid(fmt::format("choose one of the filtering profiles: {}", fmt::join(known_profiles, ", ")),
                            "profile");
    }
    const std::string old_profile = row->IsNull("profile") ? "" : row->Text("profile");
    ESAFE_TRY(WriteSiteProfile(c, site_id, profile));
    ESAFE_TRY(access::RecordAudit(c, &who, "update", "filter_site_profile", site_id,
                                  fmt::format("filtering profile of site {} ({}): {} -> {}", site_id,
                                              row->Text("name"), old_profile.empty() ? "(none)" : old_profile,
                                              profile)));
    auto updated = c.QueryOne(kSelectSite, {site_id}, "site");
    if (!updated) return updated.error();
    return SiteProfileJson(*updated, who);
  });
}

Result<std::vector<filter::ClientRange>> LoadSiteRanges(store::Database& db) {
  return db.Read<std::vector<filter::ClientRange>>([](store::Connection& c) -> Result<std::vector<filter::ClientRange>> {
    auto rows = c.Query(
        "SELECT s.id AS id, s.agency_id AS agency_id, s.name AS name, s.ip_ranges AS ip_ranges, "
        "COALESCE(p.profile, '') AS profile FROM sites s LEFT JOIN filter_site_profiles p ON p.site_id = s.id "
        "WHERE s.ip_ranges IS NOT NULL AND s.ip_ranges <> '' ORDER BY s.id");
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
  return db.Transaction<void>([&](store::Connection& c) -> Result<void> {
    auto site = c.QueryOne("SELECT id FROM sites WHERE id = ?", {site_id}, "site");
    if (!site) return site.error();
    return WriteSiteProfile(c, site_id, profile);
  });
}

}  // namespace esafe::enforce
