// Site profiles: the filtering profile each directory site's clients get. A site's
// address ranges are the directory's (sites.ip_ranges, comma-separated CIDRs); the profile
// is stored beside it in filter_site_profiles (migration 3). Ranges from the profiles
// file's `clients:` win over these when equally specific.
//
// Functions take the Database and are as thread-safe as it is.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "filter/profile_set.h"
#include "store/database.h"

namespace esafe::enforce {

// One ClientRange per CIDR of every site that has a profile set, labelled with the
// site's name, id and agency. Fails with the database error.
Result<std::vector<filter::ClientRange>> LoadSiteRanges(store::Database& db);

// Sets (or replaces) the profile of site `site_id`. NotFound when there is no such site.
// The profile name is not checked here: the profiles file may change independently;
// LoadEnforcement reports a site naming a profile the file lacks.
Result<void> SetSiteProfile(store::Database& db, int64_t site_id, const std::string& profile);

}  // namespace esafe::enforce
