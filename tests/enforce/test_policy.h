// Helpers for the enforce tests: a small profiles file and lists, built in memory.
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "enforce/enforcer.h"
#include "filter/list_loader.h"
#include "filter/profile_policy.h"
#include "filter/url_hash.h"

namespace esafe::enforce::testing {

// Pupils block adult and gambling, games in school hours; staff block gambling only;
// "iwf" is mandatory. The primary profile's override tries to allow a mandatory domain.
inline constexpr const char* kProfilesYaml = R"yaml(
version: "test-1"
default_profile: primary
mandatory:
  - category: iwf
    file: iwf.hashes
    format: hashes
  - category: iwf_domains
    file: iwf.domains
    format: domains
profiles:
  - name: primary
    safe_search: true
    block: [adult, gambling]
    warn: [chat]
    time_rules:
      - days: [weekdays]
        from: "09:00"
        to: "15:30"
        block: [games]
    overrides:
      allow: [allowed.casino.example, illegal.example, mixed.example/ok]
      block: [blocked-by-override.example]
  - name: staff
    block: [gambling]
agency_overrides:
  - agency: 7
    allow: [casino.example]
clients:
  - cidr: 10.0.0.0/8
    profile: primary
    site: School
    site_id: 3
    agency: 7
  - cidr: 10.9.0.0/16
    profile: staff
  - cidr: 2001:db8::/32
    profile: staff
groups:
  - name: teachers
    profile: staff
    members: ["*@staff.example", carol]
)yaml";

inline std::shared_ptr<const filter::PolicyState> TestPolicy() {
  std::vector<filter::ProfileProblem> problems;
  auto set = filter::ParseProfileSet(kProfilesYaml, "/test/profiles.yaml", problems);
  EXPECT_TRUE(set.ok()) << (set.ok() ? "" : set.error().message);
  filter::ListSnapshotBuilder builder;
  filter::LoadReport report;
  auto load = [&](std::string_view text, std::string_view category, filter::ListFormat format) {
    EXPECT_TRUE(filter::LoadListText(text, category, category, format, builder, report).ok());
  };
  load("adult.example\nmixed.example\n", "adult", filter::ListFormat::kDomains);
  load("casino.example\n", "gambling", filter::ListFormat::kDomains);
  load("games.example\n", "games", filter::ListFormat::kDomains);
  load("chat.example\n", "chat", filter::ListFormat::kDomains);
  load(filter::DigestToHex(filter::Sha256("hidden.example/abuse")) + "\n", "iwf", filter::ListFormat::kUrlHashes);
  load("illegal.example\n", "iwf_domains", filter::ListFormat::kDomains);
  auto state = filter::BuildPolicyState(std::make_shared<const filter::ProfileSet>(std::move(*set)), builder, problems);
  EXPECT_TRUE(state.ok()) << (state.ok() ? "" : state.error().message);
  return *state;
}

inline Enforcement TestEnforcement() {
  auto policy = TestPolicy();
  auto clients = filter::ClientMap::Build(*policy->profiles);
  EXPECT_TRUE(clients.ok());
  return {policy, std::make_shared<const filter::ClientMap>(std::move(*clients))};
}

// Keeps every event, for assertions.
class MemorySink final : public DecisionSink {
 public:
  void Record(const activity::ActivityEvent& event) override {
    std::lock_guard lock(mutex_);
    events_.push_back(event);
  }
  std::vector<activity::ActivityEvent> events() const {
    std::lock_guard lock(mutex_);
    return events_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<activity::ActivityEvent> events_;
};

// Monday 10:00 (school hours) and Saturday 10:00.
inline constexpr filter::LocalTime kSchoolHours{0, 600};
inline constexpr filter::LocalTime kWeekend{5, 600};

}  // namespace esafe::enforce::testing
