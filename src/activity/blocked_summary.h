// The activity log: the summary of blocked requests behind the charts.
// Part of the activity capability's interface; activity/activity.h is the overview.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "activity/search.h"
#include "core/result.h"

namespace esafe::activity {

// "2026-W48": the ISO 8601 week (Monday to Sunday, UTC) that `time_us` falls in.
std::string IsoWeek(int64_t time_us);

struct NameCount {
  std::string name;
  uint64_t count = 0;
};
// The blocked events of one group: a week, a site, or a site in a week.
struct BlockedGroup {
  std::string week;  // "" when the group spans all weeks
  std::string site;  // "" when the group spans all sites
  uint64_t blocked = 0;
  std::vector<NameCount> categories;  // the top ones, most first (ties by name); "" = uncategorised
  std::vector<NameCount> hosts;
};
struct BlockedSummary {
  uint64_t blocked = 0;
  std::vector<BlockedGroup> by_week;       // in week order
  std::vector<BlockedGroup> by_site;       // most blocked first
  std::vector<BlockedGroup> by_site_week;  // by site name, then week
  SearchStats stats;
};
// Summarises the blocked events among those matching `query` (whose action, if set,
// is replaced by block): per ISO week, per site and per site and week, the `top`
// categories and hosts. Fails as LogReader::Search does.
Result<BlockedSummary> SummariseBlocked(const LogReader& reader, const Query& query, size_t top = 5);

}  // namespace esafe::activity
