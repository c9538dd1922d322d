// The activity log: the PostgreSQL mirror of the sealed segments, a consortium's copy
// for its own tools.
// Part of the activity capability's interface; activity/activity.h is the overview.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "activity/search.h"
#include "core/result.h"

namespace esafe::activity {

// Copies the log's *sealed* segments into PostgreSQL so that a partnership can query
// them with psql or a BI tool. The file store stays the record (the hash chain lives
// there); the mirror is a derived copy that can always be rebuilt from it.
//
// In `schema` (default "esafe_activity") it keeps:
//   events      PARTITION BY RANGE (time), one partition per UTC day or month
//               (events_YYYYMMDD / events_YYYYMM), created on demand; columns time
//               timestamptz, client inet, user_ref, site, agency, profile, host, url,
//               category, list, list_version, action, segment_seq, point, reason,
//               entry, node, safe_search (empty fields are NULL;
//               "user" is user_ref because a bare `user` in SQL means current_user).
//   segments    one row per mirrored segment (seq, sha256, events, min/max time,
//               mirrored_at), written in the same transaction as the segment's rows, so
//               a rerun or a kill -9 mid-copy never duplicates or half-copies a segment.
//   removals    one row per segment that retention removed from the log and so from
//               the mirror (when, how many events, the chain entry that removed it).
//   mirror_meta the schema version, the partition granularity and the identity of the
//               log (the hash of its first chain entry): one schema mirrors one log.
//
// Thread-safety: a PgMirror is one PostgreSQL connection; use it from one thread at a
// time. Only one mirror runs per schema at once (a PostgreSQL advisory lock).

enum class PgPartition : uint8_t { kDay, kMonth };
std::optional<PgPartition> ParsePgPartition(std::string_view name);  // "day", "month"

struct PgMirrorOptions {
  std::string schema = "esafe_activity";  // [a-z_][a-z0-9_]{0,39}
  PgPartition partition = PgPartition::kDay;
  // Test hook: called after a segment's rows are sent and before its transaction
  // commits. Tests kill the process here to prove a half-copied segment never lands.
  std::function<void(uint64_t seq)> before_commit;
};

struct PgMirrorReport {
  uint64_t segments_copied = 0;
  uint64_t events_copied = 0;
  uint64_t segments_removed = 0;     // removed from the log by retention, so from PG too
  uint64_t events_removed = 0;
  uint64_t partitions_created = 0;
  uint64_t partitions_dropped = 0;   // partitions whose every segment was removed
  uint64_t segments_mirrored = 0;    // segments in PostgreSQL after this pass
  uint64_t events_mirrored = 0;
  std::vector<uint64_t> removed_seqs;
  double copy_seconds = 0;           // wall time spent reading segments and copying them
};

// The mirror of one log into one PostgreSQL schema.
class PgMirror {
 public:
  // Connects to `url` (a libpq URI, postgresql://user@host:port/db) and creates the
  // schema and tables if missing. Fails kInvalid on a bad schema name, kInternal when
  // PostgreSQL cannot be reached, and kConflict when the schema exists with another
  // partition granularity or a newer schema version.
  static Result<std::unique_ptr<PgMirror>> Connect(const std::string& url, const PgMirrorOptions& options = {});
  ~PgMirror();
  PgMirror(const PgMirror&) = delete;
  PgMirror& operator=(const PgMirror&) = delete;

  // One pass: copies every live sealed segment of `log_dir` not yet in PostgreSQL (each
  // in its own transaction, after checking its SHA-256 against the chain) and removes
  // from PostgreSQL every segment the chain no longer has (retention), dropping a
  // partition when nothing live is left in it and deleting by segment otherwise.
  // Unsealed events are not copied. Fails kConflict when another mirror holds the
  // schema or the schema mirrors a different log, kInternal when the log is corrupt
  // (a segment does not match the chain) or PostgreSQL fails; what committed before
  // the failure stays, and the next pass carries on from there.
  Result<PgMirrorReport> MirrorOnce(const std::string& log_dir);

  struct Impl;
 private:
  explicit PgMirror(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace esafe::activity
