// The activity log: a demonstration log for trying esafe out.
// Part of the activity capability's interface; activity/activity.h is the overview.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "activity/store.h"
#include "core/result.h"

namespace esafe::activity {

// A site that demonstration events come from.
struct DemoSite {
  std::string agency;   // the agency key events carry (the directory's agency id)
  std::string site;     // the site's name
  std::string cidr;     // its client addresses, e.g. "10.20.1.0/24"
  std::string profile;  // the filtering profile its users get, e.g. "primary"
};
// Appends `events` plausible filtering decisions (mostly allowed, some blocked in
// categories children meet: social networking, gaming, adult, gambling, proxies) spread
// over the `days` days before `now_us` at `sites`, through Store::Append, so they are
// chained and sealed like any others. The same arguments give the same events. Returns
// the count; kInvalid when `sites` is empty or a cidr is not an IPv4 range.
Result<uint64_t> WriteDemoLog(Store& store, const std::vector<DemoSite>& sites, int64_t now_us, int days,
                              uint64_t events, uint64_t seed);

}  // namespace esafe::activity
