// WriteDemoLog: a fortnight of plausible filtering decisions, so that a demonstration
// partnership has an activity log to search, report on and chart.
#include <algorithm>
#include <random>
#include <span>

#include "activity/activity.h"

namespace esafe::activity {
namespace {

constexpr int64_t kSecondUs = 1000000LL;
constexpr int64_t kDayUs = 86400LL * kSecondUs;

struct DemoHost {
  const char* host;
  const char* category;  // "" when uncategorised
  const char* path;
  int weight;
};

// Mostly ordinary sites children use for school work; a minority the profiles block.
constexpr DemoHost kHosts[] = {
    {"www.bbc.co.uk", "news", "/bitesize/subjects", 30},
    {"www.google.com", "search", "/search?q=volcano+facts", 40},
    {"en.wikipedia.org", "reference", "/wiki/Ancient_Egypt", 25},
    {"www.youtube.com", "video", "/watch?v=dQw4w9WgXcQ", 20},
    {"classroom.google.com", "education", "/u/0/h", 18},
    {"www.nationalgeographic.com", "education", "/animals", 8},
    {"www.gov.uk", "government", "/browse/education", 6},
    {"www.met.police.uk", "government", "/advice", 2},
    {"www.nhs.uk", "health", "/conditions", 5},
    {"cdn.jsdelivr.net", "", "/npm/chart.js", 10},
    {"www.tiktok.com", "social_networks", "/foryou", 9},
    {"www.instagram.com", "social_networks", "/explore", 7},
    {"discord.com", "chat", "/channels/@me", 5},
    {"www.roblox.com", "games", "/games", 8},
    {"poki.com", "games", "/en/g/subway-surfers", 6},
    {"www.bet365.com", "gambling", "/#/HO/", 2},
    {"www.pokerstars.uk", "gambling", "/poker/", 1},
    {"adult-example.xxx", "adult", "/", 1},
    {"proxysite-example.com", "redirector", "/browse.php?u=tiktok.com", 2},
    {"vpn-free-example.net", "redirector", "/download", 1},
    {"knife-shop-example.co.uk", "weapons", "/catalogue", 1},
};

// Categories the demonstration profiles block (as data/filter/profiles.yaml does for children).
bool Blocked(std::string_view category, std::string_view profile) {
  static constexpr std::string_view kAlways[] = {"gambling", "adult", "redirector", "weapons"};
  if (std::find(std::begin(kAlways), std::end(kAlways), category) != std::end(kAlways)) return true;
  if (profile == "adult_public_access" || profile == "staff") return false;
  return category == "social_networks" || category == "chat" || (profile == "primary" && category == "games");
}

// What the early-warning rules exist to find, a few times in the fortnight, so that a
// demonstration's Alerts page shows each kind: a critical self-harm search and one that
// follows it, a high-risk bullying search, and a burst of attempts on blocked sites.
void PlantEarlyWarnings(std::vector<ActivityEvent>& all, const std::vector<DemoSite>& sites,
                        const std::vector<IpRange>& ranges, int64_t start, int days, int64_t now_us) {
  auto plant = [&](size_t s, int day, int64_t minute_of_day, uint8_t host_byte, std::string host, std::string path,
                   std::string category, Action action) {
    ActivityEvent e;
    e.time_us = start + static_cast<int64_t>(days - 1 - day) * kDayUs + minute_of_day * 60 * kSecondUs;
    if (e.time_us > now_us) e.time_us = now_us - static_cast<int64_t>(all.size() % 1000) * kSecondUs;
    e.client = ranges[s].first;
    e.client.bytes[15] = host_byte;
    e.user = "u-" + std::to_string(s * 100 + host_byte % 40);
    e.site = sites[s].site;
    e.agency = sites[s].agency;
    e.profile = sites[s].profile;
    e.host = std::move(host);
    e.url = "https://" + e.host + path;
    e.category = std::move(category);
    e.list = e.category.empty() ? "" : "ut1";
    e.list_version = e.category.empty() ? "" : "ut1-2026-11-01";
    e.action = action;
    all.push_back(std::move(e));
  };
  const size_t first = 0, second = sites.size() > 1 ? 1 : 0, third = sites.size() > 2 ? 2 : 0;
  plant(first, 1, 10 * 60 + 15, 150, "www.google.com", "/search?q=i+want+to+die", "search", Action::kAllow);
  plant(first, 1, 10 * 60 + 18, 150, "www.bing.com", "/search?q=how+to+kill+myself", "search", Action::kAllow);
  plant(second, 3, 13 * 60 + 40, 160, "www.google.com", "/search?q=everyone+hates+me", "search", Action::kAllow);
  for (int i = 0; i < 12; ++i) {
    plant(third, 2, 14 * 60 + 5 + i / 3, 170, i % 2 ? "adult-example.xxx" : "www.bet365.com", "/",
          i % 2 ? "adult" : "gambling", Action::kBlock);
  }
}

}  // namespace

Result<uint64_t> WriteDemoLog(Store& store, const std::vector<DemoSite>& sites, int64_t now_us, int days,
                              uint64_t events, uint64_t seed) {
  if (sites.empty()) return Error::Invalid("no sites to make demonstration activity for", "sites");
  if (days < 1) return Error::Invalid("days must be at least 1", "days");
  std::vector<IpRange> ranges;
  for (const auto& s : sites) {
    auto r = ParseCidr(s.cidr);
    if (!r || !r->first.IsV4()) return Error::Invalid("site " + s.site + " has no IPv4 range", "cidr");
    ranges.push_back(*r);
  }
  std::mt19937_64 rng(seed);
  std::vector<int> weights;
  for (const auto& h : kHosts) weights.push_back(h.weight);
  std::discrete_distribution<size_t> pick_host(weights.begin(), weights.end());
  // Bigger sites (the libraries, the academy) are busier.
  std::vector<double> site_weights;
  for (size_t i = 0; i < sites.size(); ++i) site_weights.push_back(1.0 + static_cast<double>((i * 7) % 5));
  std::discrete_distribution<size_t> pick_site(site_weights.begin(), site_weights.end());

  const int64_t start = (now_us / kDayUs - days + 1) * kDayUs;  // midnight UTC, `days` days ago
  std::vector<ActivityEvent> all;
  all.reserve(events);
  for (uint64_t i = 0; i < events; ++i) {
    // In time order: day by day, within opening hours (08:00–18:00), weekends quieter.
    const int64_t day = static_cast<int64_t>(i * static_cast<uint64_t>(days) / events);
    const int64_t weekday = ((start / kDayUs + day) % 7 + 3) % 7;  // 0 = Monday
    if (weekday >= 5 && rng() % 3 != 0) continue;
    const int64_t at = start + day * kDayUs + 8 * 3600 * kSecondUs +
                       static_cast<int64_t>(rng() % static_cast<uint64_t>(10 * 3600 * kSecondUs));
    if (at > now_us) continue;
    const size_t s = pick_site(rng);
    const auto& site = sites[s];
    const auto& host = kHosts[pick_host(rng)];
    // Filter avoidance is rare and comes from a few curious clients, not from anyone at
    // random: otherwise the demonstration's alerts page drowns in proxy alerts.
    const bool avoidance = std::string_view(host.category) == "redirector";
    if (avoidance && rng() % 80 != 0) continue;
    ActivityEvent e;
    e.time_us = at;
    e.client = ranges[s].first;
    e.client.bytes[15] = static_cast<uint8_t>(avoidance ? 211 + rng() % 2 : 10 + rng() % 200);
    e.user = "u-" + std::to_string(s * 100 + rng() % 40);
    e.site = site.site;
    e.agency = site.agency;
    e.profile = site.profile;
    e.host = host.host;
    e.url = std::string("https://") + host.host + host.path;
    e.category = host.category;
    e.list = host.category[0] ? "ut1" : "";
    e.list_version = host.category[0] ? "ut1-2026-11-01" : "";
    e.action = Blocked(e.category, e.profile) ? Action::kBlock : Action::kAllow;
    all.push_back(std::move(e));
  }
  PlantEarlyWarnings(all, sites, ranges, start, days, now_us);
  std::stable_sort(all.begin(), all.end(), [](const ActivityEvent& a, const ActivityEvent& b) { return a.time_us < b.time_us; });
  constexpr size_t kBatch = 4096;
  for (size_t i = 0; i < all.size(); i += kBatch) {
    ESAFE_TRY(store.Append(std::span(all).subspan(i, std::min(kBatch, all.size() - i))));
  }
  ESAFE_TRY(store.Seal());
  return all.size();
}

}  // namespace esafe::activity
