// Helpers for the activity tests: temporary directories and seeded random events.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "activity/activity.h"

namespace esafe::activity::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "esafe-activity-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline constexpr int64_t kDay = 86400LL * 1000000LL;
// 2026-09-01T00:00:00Z
inline constexpr int64_t kT0 = 1788220800LL * 1000000LL;

// Random but plausible events: a few IPv4 /24s and an IPv6 /64, hosts with shared
// prefixes and substrings, times over `days` days from kT0. With `decision_fields` (the
// default) they carry the enforcement point's fields too (point, reason, entry, node,
// safe_search); without, only what logs held before them (for the old-format tests).
class EventGen {
 public:
  explicit EventGen(uint64_t seed, int days = 10, bool decision_fields = true)
      : rng_(seed), days_(days), decision_fields_(decision_fields) {}

  ActivityEvent Next() {
    ActivityEvent e;
    e.time_us = kT0 + static_cast<int64_t>(rng_() % static_cast<uint64_t>(days_ * kDay));
    if (Pick(10) == 0) {
      e.client = *ParseIp("2001:db8:0:" + std::to_string(Pick(3)) + "::" + std::to_string(1 + Pick(200)));
    } else {
      e.client = *ParseIp("10." + std::to_string(Pick(3)) + "." + std::to_string(Pick(4)) + "." +
                          std::to_string(Pick(256)));
    }
    static const char* kHosts[] = {"example.com", "www.example.com", "mail.example.com", "bbc.co.uk",
                                   "news.bbc.co.uk", "poker.example.net", "casino-example.org", "xn--bcher-kva.de",
                                   "school.sch.uk", "video.example.com"};
    static const char* kCats[] = {"", "gambling", "news", "education", "adult", "social"};
    static const char* kAgencies[] = {"havering-schools", "libraries", "youth", "police"};
    e.host = kHosts[Pick(10)];
    e.url = "http://" + e.host + "/" + std::string(Pick(2) ? "path/" : "p?q=") + std::to_string(Pick(50));
    e.user = "u-" + std::to_string(Pick(30));
    e.site = "S" + std::to_string(Pick(8));
    e.agency = kAgencies[Pick(4)];
    e.profile = Pick(2) ? "primary" : "staff";
    e.category = kCats[Pick(6)];
    e.list = "bl";
    e.list_version = "2026-0" + std::to_string(1 + Pick(3));
    e.action = static_cast<Action>(Pick(4));
    if (decision_fields_) {
      static const char* kPoints[] = {"squid-helper", "icap", "filter-check"};
      static const char* kReasons[] = {"category", "time rule", "mandatory list", "override", "no match"};
      e.point = kPoints[Pick(3)];
      e.reason = e.category.empty() ? "no match" : kReasons[Pick(4)];
      e.entry = e.category.empty() ? "" : (Pick(2) ? e.host : e.host + "/path");
      e.node = Pick(3) ? "node-a" : "";
      e.safe_search = Pick(5) == 0;
    }
    return e;
  }

  std::vector<ActivityEvent> Batch(size_t n) {
    std::vector<ActivityEvent> out;
    for (size_t i = 0; i < n; ++i) out.push_back(Next());
    return out;
  }

  uint64_t Pick(uint64_t n) { return rng_() % n; }

 private:
  std::mt19937_64 rng_;
  int days_;
  bool decision_fields_;
};

inline std::vector<ActivityEvent> All(const std::string& dir) {
  std::vector<ActivityEvent> out;
  auto reader = LogReader::Open(dir);
  if (!reader) return out;
  (void)reader->Search({}, [&](const ActivityEvent& e) {
    out.push_back(e);
    return true;
  });
  return out;
}

// The events as a multiset of JSON lines: compares what a search or the log returns with
// a reference, whatever the order.
inline std::multiset<std::string> Lines(const std::vector<ActivityEvent>& events) {
  std::multiset<std::string> out;
  for (const auto& e : events) out.insert(FormatEventJson(e));
  return out;
}

}  // namespace esafe::activity::testing
