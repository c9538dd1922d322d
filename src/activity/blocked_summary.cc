// SummariseBlocked: the top blocked categories and hosts per ISO week and per site,
// for the activity page's charts.
#include <algorithm>
#include <cstdio>
#include <map>

#include "activity/activity.h"

namespace esafe::activity {
namespace {

constexpr int64_t kDayUs = 86400LL * 1000000LL;

// Days since 1970-01-01 → civil date (Howard Hinnant's algorithm).
void CivilFromDays(int64_t z, int& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int>(yy + (m <= 2));
}

// Civil date → days since 1970-01-01 (the inverse of CivilFromDays).
int64_t DaysFromCivil(int y, unsigned m, unsigned d) {
  const int64_t yy = y - (m <= 2);
  const int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(yy - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct Tally {
  uint64_t blocked = 0;
  std::map<std::string, uint64_t> categories, hosts;
  void Add(const ActivityEvent& e) {
    ++blocked;
    ++categories[e.category];
    ++hosts[e.host];
  }
};

std::vector<NameCount> Top(const std::map<std::string, uint64_t>& counts, size_t top) {
  std::vector<NameCount> out;
  for (const auto& [name, n] : counts) out.push_back({name, n});
  // Stable on the name order the map gives, so ties stay alphabetical.
  std::stable_sort(out.begin(), out.end(), [](const NameCount& a, const NameCount& b) { return a.count > b.count; });
  if (out.size() > top) out.resize(top);
  return out;
}

BlockedGroup GroupOf(const std::string& week, const std::string& site, const Tally& t, size_t top) {
  return {week, site, t.blocked, Top(t.categories, top), Top(t.hosts, top)};
}

}  // namespace

std::string IsoWeek(int64_t time_us) {
  int64_t days = time_us / kDayUs;
  if (time_us % kDayUs < 0) --days;
  // 1970-01-01 was a Thursday; ISO weekday 1 = Monday … 7 = Sunday.
  const int64_t weekday = ((days % 7) + 7 + 3) % 7 + 1;
  // The ISO year is the year of this week's Thursday.
  const int64_t thursday = days - weekday + 4;
  int y;
  unsigned m, d;
  CivilFromDays(thursday, y, m, d);
  const int64_t jan1 = DaysFromCivil(y, 1, 1);
  const int64_t week = (thursday - jan1) / 7 + 1;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-W%02d", y, static_cast<int>(week));
  return buf;
}

Result<BlockedSummary> SummariseBlocked(const LogReader& reader, const Query& query, size_t top) {
  Query q = query;
  q.action = Action::kBlock;
  Tally all;
  std::map<std::string, Tally> weeks, sites;
  std::map<std::pair<std::string, std::string>, Tally> site_weeks;
  std::map<int64_t, std::string> week_of_day;  // IsoWeek is not free; events come day by day
  auto stats = reader.Search(q, [&](const ActivityEvent& e) {
    int64_t day = e.time_us / kDayUs - (e.time_us % kDayUs < 0 ? 1 : 0);
    auto it = week_of_day.find(day);
    if (it == week_of_day.end()) it = week_of_day.emplace(day, IsoWeek(e.time_us)).first;
    all.Add(e);
    weeks[it->second].Add(e);
    sites[e.site].Add(e);
    site_weeks[{e.site, it->second}].Add(e);
    return true;
  });
  if (!stats) return stats.error();
  BlockedSummary out;
  out.blocked = all.blocked;
  out.stats = *stats;
  for (const auto& [week, t] : weeks) out.by_week.push_back(GroupOf(week, "", t, top));
  for (const auto& [site, t] : sites) out.by_site.push_back(GroupOf("", site, t, top));
  std::stable_sort(out.by_site.begin(), out.by_site.end(),
                   [](const BlockedGroup& a, const BlockedGroup& b) { return a.blocked > b.blocked; });
  for (const auto& [key, t] : site_weeks) out.by_site_week.push_back(GroupOf(key.second, key.first, t, top));
  return out;
}

}  // namespace esafe::activity
