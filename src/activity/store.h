// The activity log: the append-only writer (Store), its options, retention and legal holds.
// Part of the activity capability's interface; activity/activity.h is the overview.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "activity/event.h"
#include "core/result.h"

namespace esafe::activity {

// Names one batch a sender (an enforcement point's spool) sent: the spool's random
// generation, the batch's number within it (rising from 1), and the node that sent it.
struct BatchMark {
  std::string node;
  std::string generation;  // 1..64 characters [0-9A-Za-z_-]
  uint64_t seq = 0;
};

struct StoreOptions {
  size_t segment_events = 262144;  // seal the active part at this many events
  int segment_zstd_level = 1;  // as small as -3 on these columns (21.87 against 21.90 bytes/event), and faster
  bool sync = true;                // fdatasync before acknowledging; never off in production
};

// What a chain entry recorded about a lawful removal, and what verify reads back.
struct RetentionPolicy {
  int64_t default_days = 90;                    // Annex A: at least three months
  std::map<std::string, int64_t> agency_days;   // per-agency overrides
  int64_t DaysFor(const std::string& agency) const;
};

// Keeps matching events past retention until released. Empty/unset parts match all;
// at least one part must be set.
struct LegalHold {
  std::string id;                    // chosen by the caller, unique
  std::optional<int64_t> from_us;    // [from, to)
  std::optional<int64_t> to_us;
  std::optional<std::string> cidr;
  std::optional<std::string> user;
  std::string reason;                // e.g. the incident or disclosure reference
  bool Matches(const ActivityEvent& event) const;  // cidr pre-validated by PlaceHold
};

struct RetentionReport {
  uint64_t segments_deleted = 0;
  uint64_t segments_rewritten = 0;
  uint64_t events_deleted = 0;
  uint64_t events_kept_by_hold = 0;
};

// The append-only writer. Open it once per directory (flock); Append is safe from many threads.
class Store {
 public:
  // Opens or creates `dir`. Cleans up after a crash: cuts a torn WAL tail and a torn
  // chain line, removes a segment whose seal did not reach the chain, and replays the
  // acknowledged batches. Fails kConflict when another process holds the lock and
  // kInternal when the directory is corrupt (run Verify to locate the damage).
  static Result<std::unique_ptr<Store>> Open(const std::string& dir, const StoreOptions& options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Appends `batch` atomically: on success every event is durable (fsync'd) and
  // will be in every later search; on failure none is. Events need not be in time
  // order. Seals a segment when the active part is full.
  Result<void> Append(std::span<const ActivityEvent> batch);

  // Appends `batch` as Append does unless the batch `mark` names was appended before
  // (a sender resending after a lost acknowledgement): then nothing is written and
  // the answer is false. The mark is written with the batch, in the same WAL record,
  // and carried into the chain at each seal, so a kill -9 between the write and the
  // acknowledgement, or a restart, still knows the batch. Marks of one generation
  // must rise (a sender's spool numbers its batches in order).
  Result<bool> AppendOnce(std::span<const ActivityEvent> batch, const BatchMark& mark);
  // The highest batch appended for `generation`, 0 when none.
  uint64_t LastBatch(const std::string& generation) const;

  // Seals the active part into a segment now (no-op when empty).
  Result<void> Seal();

  // Called with each batch Append made durable, just before Append returns success,
  // on the appending thread and outside the store's lock (so batches from concurrent
  // appends may arrive out of order). It must hand the batch off quickly, never block.
  // Replaces any earlier observer; an empty one removes it.
  using BatchObserver = std::function<void(std::span<const ActivityEvent>)>;
  void SetBatchObserver(BatchObserver observer);

  // Deletes events older than the policy allows, as of `now_us`. A segment whose
  // events are all expired and unheld is deleted; one with some expired and some kept
  // (another agency's longer period, or a legal hold) is rewritten with the kept
  // events. Every deletion and rewrite is a chain entry naming the range, the time
  // and the rule. When any unsealed event has expired, the active part is sealed first.
  Result<RetentionReport> ApplyRetention(const RetentionPolicy& policy, int64_t now_us);

  // Places or releases a legal hold; both are chain entries. kConflict on a duplicate
  // id, kInvalid on a hold that matches everything or a bad CIDR, kNotFound on release
  // of an unknown hold.
  Result<void> PlaceHold(const LegalHold& hold, const std::string& who);
  Result<void> ReleaseHold(const std::string& id, const std::string& who);
  std::vector<LegalHold> Holds() const;

  // The hash at the end of the chain. Record it outside the log (the audit trail)
  // so that a rewrite of the whole chain is detectable too: Verify(dir, head).
  std::string HeadHash() const;
  uint64_t ActiveEvents() const;

  struct Impl;

 private:
  Result<bool> AppendMarked(std::span<const ActivityEvent> batch, const BatchMark* mark);
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace esafe::activity
