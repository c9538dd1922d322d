// The activity log: proving the log unaltered (VerifyLog).
// Part of the activity capability's interface; activity/activity.h is the overview.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "activity/event.h"
#include "core/result.h"

namespace esafe::activity {

struct VerifyReport {
  bool ok = true;
  uint64_t entries = 0;         // chain entries checked
  uint64_t segments = 0;        // live segments checked
  uint64_t events = 0;          // events in live segments
  uint64_t wal_events = 0;      // acknowledged, not yet sealed
  uint64_t lawful_deletions = 0;
  std::string head_hash;
  // The first problem, located: the chain entry / segment sequence number and file.
  std::optional<uint64_t> first_bad_seq;
  std::string first_bad_file;
  std::vector<std::string> problems;  // every problem found, first one first
};

// Proves that no sealed event was altered, removed, inserted or reordered since it
// was sealed: re-hashes every chain entry and every live segment, decodes each
// segment and checks its count, time range and sequence number, checks that every
// missing segment was removed by a retention entry whose rule allowed it, and that no
// file outside the chain sits among the segments. With `expect_head`, also that the
// chain ends at that hash. Fails only when `dir` cannot be read at all; tampering is
// reported in the VerifyReport.
Result<VerifyReport> Verify(const std::string& dir, const std::string& expect_head = {});

}  // namespace esafe::activity
