// Site profiles: the filtering profile each directory site's clients get. A site's
// address ranges are the directory's (sites.ip_ranges, comma-separated CIDRs); the profile
// is stored beside it in filter_site_profiles (migration 3). Ranges from the profiles
// file's `clients:` win over these when equally specific.
//
// Start here: GetSiteProfile and SetSiteProfile are what people call (the web app's
// /api/v1/sites/{id}/filtering-profile); they decide who may read and change a site's
// profile and audit every change. LoadSiteRanges is what enforcement points started with
// --db read.
//
// Who may: partnership admins and the partnership lead, any site; an agency's e-safety
// officer, their own agency's sites (another agency's site is NotFound, so its existence
// does not leak). Reading is also open to whoever may read the site in the directory
// (agency staff of its agency, auditors); board members and everyone else are Forbidden.
//
// Functions take the Database and are as thread-safe as it is.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "access/access.h"
#include "core/result.h"
#include "filter/profile_set.h"
#include "store/database.h"

namespace esafe::enforce {

// One ClientRange per CIDR of every site with address ranges, labelled with the site's
// name, id and agency; its profile is the site's, or "" for the default when none is set
// (the site and agency are still named, so its decisions reach that agency). Fails with
// the database error.
Result<std::vector<filter::ClientRange>> LoadSiteRanges(store::Database& db);

// The profile of site `site_id` as {site_id, site, agency_id, profile (null when none),
// updated_at (null when none), can_edit (whether `who` may change it)}. NotFound when
// there is no such site or `who` may not read it; Forbidden for a role that reads no
// site's filtering (board members).
Result<Json> GetSiteProfile(store::Database& db, const access::Principal& who, int64_t site_id);

// Sets (or replaces) the profile of site `site_id` as `who`, and audits the change with
// the old and new profile (entity "filter_site_profile", the site's id). `profile` must be
// one of `known_profiles` (the loaded profiles file's names): Invalid naming field
// "profile" otherwise; Conflict when `known_profiles` is empty (no profiles file loaded,
// so no name can be checked). Forbidden unless `who` is a partnership manager or an agency
// officer; NotFound for another agency's site or no such site. Returns as GetSiteProfile.
Result<Json> SetSiteProfile(store::Database& db, const access::Principal& who, int64_t site_id,
                            const std::string& profile, const std::vector<std::string>& known_profiles);

// Sets (or replaces) the profile of site `site_id`, unchecked and unaudited: for the
// command line and tests. NotFound when there is no such site.
// The profile name is not checked here: the profiles file may change independently;
// LoadEnforcement reports a site naming a profile the file lacks.
Result<void> SetSiteProfile(store::Database& db, int64_t site_id, const std::string& profile);

}  // namespace esafe::enforce
