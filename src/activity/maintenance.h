// The activity log: sealing and retention while the log is written.
// Part of the activity capability's interface; activity/activity.h is the overview.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>

#include "activity/store.h"
#include "core/result.h"

namespace esafe::activity {

// Seals the store's active part every `seal_interval` while it holds events, so the
// hash chain covers every event within that time however slowly events arrive (a
// school's proxy may take days to fill a segment), and applies `daily_retention`
// once a day when set. Runs its own thread from construction until destruction; the
// store must outlive it. Failures are counted and logged, never thrown.
struct MaintenanceOptions {
  std::chrono::seconds seal_interval{300};
  std::optional<RetentionPolicy> daily_retention;  // unset: retention is left to `esafe log retention`
};

struct MaintenanceStats {
  uint64_t seals = 0;
  uint64_t seal_failures = 0;
  uint64_t retention_runs = 0;
  uint64_t retention_failures = 0;
  int64_t last_seal_us = 0;       // when the chain last covered every event; 0 before the first
  int64_t last_retention_us = 0;  // 0 before the first run
};

class LogMaintenance {
 public:
  LogMaintenance(Store& store, MaintenanceOptions options);
  ~LogMaintenance();  // stops the thread; a seal in progress completes first
  LogMaintenance(const LogMaintenance&) = delete;
  LogMaintenance& operator=(const LogMaintenance&) = delete;
  MaintenanceStats stats() const;

  struct Impl;
 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace esafe::activity
