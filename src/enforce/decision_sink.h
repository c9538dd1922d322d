// DecisionSink: the one interface through which every enforcement point — the Squid
// helper, the ICAP service, `esafe filter check` — hands each filtering decision to the
// activity log. A decision is an activity::ActivityEvent (src/activity/activity.h): the
// log's one event type, so what an enforcement point records is exactly what the log
// stores. JsonLinesSink writes the event's one JSON form (activity::FormatEventJson), which
// `esafe log ingest --stdin` and the ingest socket read as written.
//
// Thread-safety: Record() may be called from any number of threads at once; every
// implementation must allow that. A sink must not throw; a failure to record is reported
// through failures() (an enforcement point keeps deciding: failing closed on a full disk
// would stop every child's internet access, failing silently would lose evidence, so the
// count is surfaced to the operator instead).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "activity/activity.h"
#include "activity/shipper.h"
#include "core/result.h"

namespace esafe::enforce {

class DecisionSink {
 public:
  virtual ~DecisionSink() = default;
  // Records `event`. Never throws.
  virtual void Record(const activity::ActivityEvent& event) = 0;
  // Events that could not be recorded since start.
  virtual uint64_t failures() const { return 0; }
  // Reopens any file the sink writes whose path now names another file (SIGHUP after
  // logrotate), at once rather than at the next periodic check. Nothing for other sinks.
  virtual void Reopen() {}
};

// Discards every event (when no log is configured).
class NullSink final : public DecisionSink {
 public:
  void Record(const activity::ActivityEvent&) override {}
};

// Appends one JSON line per event (activity::FormatEventJson) to a file, each line one
// write(2) to a file opened O_APPEND, so lines from many threads (or processes) never
// interleave and a crash loses at most the line being written.
//
// Rotation: at most once per `reopen_check` (one stat, not one per line) it checks that
// the path still names the file it has open; when the file was renamed or removed
// (logrotate without copytruncate) it opens the path afresh, so later lines land in the
// new file. A line that cannot be written (a full disk, /dev/full, a reopen that fails
// with nothing open) is counted in failures() and, once per streak of failures, logged
// as an error naming the file; the first line written after a streak logs that writing
// resumed.
class JsonLinesSink final : public DecisionSink {
 public:
  // Opens `path` for appending (creating it, mode 0640). Invalid (field "decision-log")
  // when it cannot.
  static Result<std::unique_ptr<JsonLinesSink>> Open(const std::filesystem::path& path,
                                                     std::chrono::milliseconds reopen_check = std::chrono::seconds(1));
  ~JsonLinesSink() override;
  JsonLinesSink(const JsonLinesSink&) = delete;
  JsonLinesSink& operator=(const JsonLinesSink&) = delete;

  void Record(const activity::ActivityEvent& event) override;
  uint64_t failures() const override { return failures_.load(); }
  // How many times the file was found rotated away and opened afresh.
  uint64_t reopens() const { return reopens_.load(); }
  void Reopen() override;

 private:
  JsonLinesSink(std::filesystem::path path, int fd, std::chrono::milliseconds reopen_check);
  // Under mutex_: reopens the path when it no longer names the open file.
  void ReopenIfRotated();
  void Failed(const std::string& why);  // under mutex_

  const std::filesystem::path path_;
  const std::chrono::milliseconds reopen_check_;
  std::mutex mutex_;
  int fd_ = -1;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  std::chrono::steady_clock::time_point next_check_;
  bool failing_ = false;  // in a streak of failures (logged once)
  std::atomic<uint64_t> failures_{0};
  std::atomic<uint64_t> reopens_{0};
};

// Sends every event to the activity log host through a LogShipper (its spool keeps them
// while the log host is away). failures() counts events the full spool dropped.
class ShipperSink final : public DecisionSink {
 public:
  explicit ShipperSink(std::unique_ptr<activity::LogShipper> shipper) : shipper_(std::move(shipper)) {}
  void Record(const activity::ActivityEvent& event) override;
  uint64_t failures() const override { return shipper_->stats().dropped; }
  activity::LogShipper& shipper() { return *shipper_; }

 private:
  std::unique_ptr<activity::LogShipper> shipper_;
};

// Hands each event to every sink (a decision file and the log host, say).
class FanOutSink final : public DecisionSink {
 public:
  explicit FanOutSink(std::vector<std::unique_ptr<DecisionSink>> sinks) : sinks_(std::move(sinks)) {}
  void Record(const activity::ActivityEvent& event) override {
    for (auto& sink : sinks_) sink->Record(event);
  }
  uint64_t failures() const override {
    uint64_t n = 0;
    for (const auto& sink : sinks_) n += sink->failures();
    return n;
  }
  void Reopen() override {
    for (auto& sink : sinks_) sink->Reopen();
  }

 private:
  std::vector<std::unique_ptr<DecisionSink>> sinks_;
};

}  // namespace esafe::enforce
