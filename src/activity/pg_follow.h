// PgMirrorFollower: keeps a PostgreSQL mirror of an activity log up to date, a pass
// every `interval` on a thread of its own, for `esafe log mirror --follow` and
// `esafe serve --activity-postgres`.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "activity/activity.h"

namespace esafe::activity {

struct PgFollowStats {
  uint64_t passes = 0;
  uint64_t failed_passes = 0;
  uint64_t events_copied = 0;     // by this follower since it started
  uint64_t segments_mirrored = 0; // in PostgreSQL after the last good pass
  std::string last_error;         // of the last failed pass; "" after a good one
};

class PgMirrorFollower {
 public:
  using PassObserver = std::function<void(const Result<PgMirrorReport>&)>;
  // Connects (failing as PgMirror::Connect does) and runs a first pass at once. A
  // failed pass is reported to `on_pass` (the caller logs it) and retried next time; what it
  // committed stays, so nothing is copied twice.
  static Result<std::unique_ptr<PgMirrorFollower>> Start(const std::string& url, const PgMirrorOptions& options,
                                                         const std::string& log_dir,
                                                         std::chrono::milliseconds interval,
                                                         PassObserver on_pass = {});
  ~PgMirrorFollower();  // finishes the pass under way, then stops
  PgMirrorFollower(const PgMirrorFollower&) = delete;
  PgMirrorFollower& operator=(const PgMirrorFollower&) = delete;

  PgFollowStats stats() const;

  struct Impl;
 private:
  explicit PgMirrorFollower(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace esafe::activity
