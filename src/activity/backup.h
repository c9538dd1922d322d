// The activity log: backup and restore of a log directory (docs/operations.md, "Backups").
// Part of the activity capability's interface; activity/activity.h is the overview.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "activity/verify.h"
#include "core/result.h"

namespace esafe::activity {

// What BackupLog copied.
struct LogBackup {
  std::vector<std::string> files;  // names written into the destination, chain.log first
  uint64_t entries = 0;            // chain entries copied
  std::string head_hash;           // the copied chain's last hash
  uint64_t segments = 0;           // live segments copied
  uint64_t wal_events = 0;         // acknowledged events not yet sealed, copied from the WAL
  uint64_t attempts = 0;           // reads of the chain it took (a seal meanwhile costs one more)
};

// Copies the log at `src` into `dest` (created; must be missing or empty) while a
// Store in another process keeps appending, sealing and applying retention, without
// taking its lock. The copy is the log as of one chain entry: the chain up to that
// entry, the live segments it names (each checked against its SHA-256 in the chain),
// and a prefix of the WAL that follows it ending at a record boundary. Every event
// acknowledged before the call is in the copy, and Verify accepts the copy. A seal
// while the WAL is read makes it start again from the chain (segments already copied
// are kept); it gives up after 100 tries. Fails kInvalid when `dest` is not empty,
// kInternal when `src` is corrupt (run Verify) or cannot be read, or a write fails.
Result<LogBackup> BackupLog(const std::string& src, const std::string& dest);

// Whether RestoreLog may write `dest`: fails kInvalid when it holds anything and
// `force` is false, and kConflict when a Store has it open (esafe serve is running).
Result<void> CheckLogRestoreTarget(const std::string& dest, bool force);

// Restores the log BackupLog wrote at `backup` into `dest`: verifies the backup
// first (kConflict when it does not verify, with the first problem), copies it into
// a folder beside `dest`, then swaps that folder into place, so `dest` is either the
// old log or the whole backup, never a mixture. Returns the backup's VerifyReport.
// Fails as CheckLogRestoreTarget does, and kInternal on an I/O failure.
Result<VerifyReport> RestoreLog(const std::string& backup, const std::string& dest, bool force);

}  // namespace esafe::activity
