// DecisionSink: the one interface through which every enforcement point — the Squid
// helper, the ICAP service, `esafe filter check` — hands each filtering decision to the
// activity log. The activity capability implements it (append-only, tamper-evident);
// until then JsonLinesSink writes one JSON object a line to a file.
//
// Thread-safety: Record() may be called from any number of threads at once; every
// implementation must allow that. A sink must not throw; a failure to record is reported
// through failures() (an enforcement point keeps deciding: failing closed on a full disk
// would stop every child's internet access, failing silently would lose evidence, so the
// count is surfaced to the operator instead).
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "activity/shipper.h"
#include "core/result.h"

namespace esafe::enforce {

// One filtering decision, as the activity log keeps it.
struct DecisionEvent {
  int64_t time_ms = 0;       // Unix time in milliseconds
  std::string point;         // "squid-helper", "icap", "filter-check"
  std::string client;        // source address as the proxy gave it
  std::string user;          // "" when the proxy did not authenticate the user
  std::string site;          // site label, "" when unknown
  std::optional<int64_t> site_id;
  std::optional<int64_t> agency_id;
  std::string profile;       // "primary"
  std::string url;           // the canonical URL decided
  std::string category;      // "" when nothing matched
  std::string entry;         // the list entry that matched, "" when none
  std::string list_version;  // PolicyState::Version(): profiles version, profiles and list digests
  std::string reason;        // "category", "time rule", "mandatory list", "override", "no match"
  std::string action;        // "allow", "warn", "block"
  bool safe_search = false;  // the request was rewritten for safe search
};

// {"time":"2026-…Z","time_ms":…,"point":…,…}: the JSON line JsonLinesSink writes.
std::string DecisionEventJson(const DecisionEvent& event);

class DecisionSink {
 public:
  virtual ~DecisionSink() = default;
  // Records `event`. Never throws.
  virtual void Record(const DecisionEvent& event) = 0;
  // Events that could not be recorded since start.
  virtual uint64_t failures() const { return 0; }
};

// Discards every event (when no log is configured).
class NullSink final : public DecisionSink {
 public:
  void Record(const DecisionEvent&) override {}
};

// Appends one JSON line per event to a file, flushed per line so that a crash loses at
// most the line being written. Lines from many threads never interleave.
class JsonLinesSink final : public DecisionSink {
 public:
  // Opens `path` for appending (creating it). NotFound-style Invalid when it cannot.
  static Result<std::unique_ptr<JsonLinesSink>> Open(const std::filesystem::path& path);
  ~JsonLinesSink() override;

  void Record(const DecisionEvent& event) override;
  uint64_t failures() const override { return failures_.load(); }

 private:
  explicit JsonLinesSink(std::FILE* file) : file_(file) {}
  std::mutex mutex_;
  std::FILE* file_;
  std::atomic<uint64_t> failures_{0};
};

// Sends every event to the activity log host through a LogShipper (its spool keeps them
// while the log host is away). failures() counts events the full spool dropped.
class ShipperSink final : public DecisionSink {
 public:
  explicit ShipperSink(std::unique_ptr<activity::LogShipper> shipper) : shipper_(std::move(shipper)) {}
  void Record(const DecisionEvent& event) override;
  uint64_t failures() const override { return shipper_->stats().dropped; }
  activity::LogShipper& shipper() { return *shipper_; }

 private:
  std::unique_ptr<activity::LogShipper> shipper_;
};

// Hands each event to every sink (a decision file and the log host, say).
class FanOutSink final : public DecisionSink {
 public:
  explicit FanOutSink(std::vector<std::unique_ptr<DecisionSink>> sinks) : sinks_(std::move(sinks)) {}
  void Record(const DecisionEvent& event) override {
    for (auto& sink : sinks_) sink->Record(event);
  }
  uint64_t failures() const override {
    uint64_t n = 0;
    for (const auto& sink : sinks_) n += sink->failures();
    return n;
  }

 private:
  std::vector<std::unique_ptr<DecisionSink>> sinks_;
};

}  // namespace esafe::enforce
