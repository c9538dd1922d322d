// Generated activity for the monitoring tests and benchmark: three sites of two
// agencies browsing for eight hours (10 requests a minute a site, 2% blocked, ordinary
// searches), and, optionally, the plants the rules must find. Deterministic.
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "activity/activity.h"

namespace esafe::monitoring::testing {

inline constexpr int64_t kMinuteUs = 60LL * 1000000LL;
inline constexpr int64_t kStartUs = 1788339600LL * 1000000LL;  // 2026-09-02T09:00:00Z

struct SiteSpec {
  const char* agency;
  const char* site;
  int subnet;
};
inline constexpr SiteSpec kSites[] = {
    {"Northfield School", "S1", 1}, {"Northfield School", "S2", 2}, {"Central Library", "S3", 3}};

inline activity::ActivityEvent Event(int64_t time_us, int site, int client, std::string url, std::string category,
                                     activity::Action action, std::string user = {}) {
  activity::ActivityEvent e;
  e.time_us = time_us;
  e.client = *activity::ParseIp("10.0." + std::to_string(kSites[site].subnet) + "." + std::to_string(client));
  e.user = std::move(user);
  e.site = kSites[site].site;
  e.agency = kSites[site].agency;
  e.profile = "secondary";
  e.url = std::move(url);
  const auto scheme = e.url.find("://");
  e.host = e.url.substr(scheme + 3, e.url.find('/', scheme + 3) - scheme - 3);
  e.category = std::move(category);
  e.list = "test-lists";
  e.list_version = "2026-09-01";
  e.action = action;
  return e;
}

// The ordinary day: nothing in it should raise an alert.
inline std::vector<activity::ActivityEvent> CleanActivity(int minutes = 480) {
  static const char* kHosts[] = {"www.bbc.co.uk", "en.wikipedia.org", "www.khanacademy.org", "scratch.mit.edu",
                                 "www.nationalgeographic.com", "www.metoffice.gov.uk"};
  static const char* kSearches[] = {
      "https://www.google.co.uk/search?q=homework+help+fractions",
      "https://www.bing.com/search?q=football%20scores%20today",
      "https://www.google.com/search?q=killer+whale+facts",
      "https://duckduckgo.com/?q=how+to+draw+a+horse",
      "https://www.youtube.com/results?search_query=minecraft+skins",
      "https://search.yahoo.com/search?p=skills+for+a+cv",
      "https://www.google.com/search?q=suitcase+sizes+for+hand+luggage",
      "https://www.google.com/search?q=pros+and+cons+of+school+uniform",
      "https://www.google.com/search?q=hot+cocoa+recipe",
      "https://www.bing.com/search?q=inspiration+for+art+homework",
      "https://www.google.com/search?q=the+great+fire+of+london",
      "https://www.youtube.com/results?search_query=how+to+kick+a+football",
  };
  static const char* kBlocked[] = {"adult", "gambling", "games", "dating"};
  std::mt19937 rng(20260902);
  std::vector<activity::ActivityEvent> out;
  for (int m = 0; m < minutes; ++m) {
    for (int s = 0; s < 3; ++s) {
      for (int i = 0; i < 10; ++i) {
        const int64_t t = kStartUs + m * kMinuteUs + (i * 6 + s) * 1000000LL;
        const int client = 10 + static_cast<int>(rng() % 30);
        const uint32_t roll = rng() % 100;
        if (roll < 2) {
          out.push_back(Event(t, s, client, "http://blocked" + std::to_string(rng() % 50) + ".example/",
                              kBlocked[rng() % 4], activity::Action::kBlock));
        } else if (roll < 12) {
          out.push_back(Event(t, s, client, kSearches[rng() % std::size(kSearches)], "search", activity::Action::kAllow));
        } else {
          out.push_back(Event(t, s, client, std::string("https://") + kHosts[rng() % std::size(kHosts)] + "/page" +
                                                std::to_string(rng() % 1000),
                              "education", activity::Action::kAllow));
        }
      }
    }
  }
  return out;
}

// The plants, each at a time when nothing else of its kind happens:
//   client .201 at S1: two self-harm searches two minutes apart (one alert, critical);
//   client .202 at S3: one radicalisation search on YouTube (one alert, critical);
//   client .203 at S1: 12 blocked requests in 4 minutes (one repeated-blocks alert);
//   S2, minutes 300-309: 40 blocked requests from 20 clients (one spike alert);
//   client .204 at S2: 3 blocked requests to a proxy service (one proxy alert, medium).
inline std::vector<activity::ActivityEvent> Plants() {
  using activity::Action;
  std::vector<activity::ActivityEvent> out;
  const int64_t t1 = kStartUs + 120 * kMinuteUs + 7 * 1000000LL;
  out.push_back(Event(t1, 0, 201, "https://www.google.co.uk/search?q=how+to+K1LL++mys3lf&hl=en", "search", Action::kAllow, "u-201"));
  out.push_back(Event(t1 + 2 * kMinuteUs, 0, 201, "https://www.bing.com/search?q=suicide%20methods", "search", Action::kAllow, "u-201"));
  out.push_back(Event(kStartUs + 200 * kMinuteUs + 3000000, 2, 202,
                      "https://m.youtube.com/results?search_query=how+to+join+isiss", "video", Action::kAllow));
  for (int i = 0; i < 12; ++i) {
    out.push_back(Event(kStartUs + 240 * kMinuteUs + i * 20 * 1000000LL + 500000, 0, 203,
                        "http://adult" + std::to_string(i) + ".example/", "adult", Action::kBlock));
  }
  for (int i = 0; i < 40; ++i) {
    out.push_back(Event(kStartUs + 300 * kMinuteUs + i * 15 * 1000000LL + 250000, 1, 100 + i % 20,
                        "http://game" + std::to_string(i) + ".example/", "games", Action::kBlock));
  }
  for (int i = 0; i < 3; ++i) {
    out.push_back(Event(kStartUs + 360 * kMinuteUs + i * 30 * 1000000LL + 750000, 1, 204,
                        "https://free-proxy.example/browse?u=x", "proxy", Action::kBlock));
  }
  return out;
}

inline std::vector<activity::ActivityEvent> Merge(std::vector<activity::ActivityEvent> a,
                                                  const std::vector<activity::ActivityEvent>& b) {
  a.insert(a.end(), b.begin(), b.end());
  std::stable_sort(a.begin(), a.end(), [](const auto& x, const auto& y) { return x.time_us < y.time_us; });
  return a;
}

}  // namespace esafe::monitoring::testing
