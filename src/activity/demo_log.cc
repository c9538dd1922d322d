// WriteDemoLog: a fortnight of plausible filtering decisions, so that a demonstration
// partnership has an activity log to search, report on and chart.
#include <algorithm>
#include <random>

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
  std::vector<ActivityEvent> batch;
  batch.reserve(4096);
  uint64_t written = 0;
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
    if (avoidance && rng() % 25 != 0) continue;
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
    batch.push_back(std::move(e));
    if (batch.size() == batch.capacity()) {
      ESAFE_TRY(store.Append(batch));
      written += batch.size();
      batch.clear();
    }
  }
  if (!batch.empty()) {
    ESAFE_TRY(store.Append(batch));
    written += batch.size();
  }
  ESAFE_TRY(store.Seal());
  return written;
}

}  // namespace esafe::activity
