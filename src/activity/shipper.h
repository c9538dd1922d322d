// LogShipper: how an enforcement point sends its events to the activity log host.
//
// Every event goes through a bounded on-disk spool: Send() queues it in memory; every
// batch interval the queue becomes one numbered batch file in the spool; a sender
// thread delivers the spool's batches in order, each marked with the spool's generation
// and number, and deletes a batch only when the log host has acknowledged it. The log
// host drops a batch it already holds, so a batch resent after a lost acknowledgement
// (or a killed log host) is stored once. While the log host is away the spool grows up
// to its limit; past it the configured policy drops events, which are counted, logged
// and shown by `esafe log spool-status`.
//
// Several processes may share one spool directory (Squid runs several helpers): each
// takes a numbered slot below it, locked while it runs, and resumes what a previous
// process left in that slot.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"

namespace esafe::activity {

enum class SpoolFullPolicy : uint8_t {
  kDropNew,     // keep what is spooled (the oldest evidence); count and drop new events
  kDropOldest,  // keep the newest; delete the oldest batches to make room
};

struct ShipperOptions {
  std::string address;     // "unix:/run/esafe/ingest.sock" or "tls://loghost.example:6514"
  std::string token_file;  // tls: the file holding this node's token (first line)
  std::string ca_file;     // tls: the CA that signed the log host's certificate; "" for the system's
  std::string node;        // unix: the name sent in hello ("" for the host name)
  std::string spool_dir;
  uint64_t spool_max_bytes = 256ULL << 20;
  SpoolFullPolicy when_full = SpoolFullPolicy::kDropNew;
  size_t batch_events = 1000;
  std::chrono::milliseconds batch_interval{200};
  std::chrono::milliseconds retry_max{5000};
};

struct ShipperStats {
  uint64_t queued = 0;          // events handed to Send
  uint64_t spooled = 0;         // events written to the spool
  uint64_t delivered = 0;       // events the log host acknowledged
  uint64_t batches_sent = 0;
  uint64_t duplicates = 0;      // batches the log host already held
  uint64_t rejected = 0;        // events the log host refused as malformed
  uint64_t dropped = 0;         // events lost to a full spool or a failed spool write
  uint64_t spool_batches = 0;   // waiting in the spool now
  uint64_t spool_bytes = 0;
  bool connected = false;
  bool spool_full = false;
  std::string last_error;       // the last delivery or spool problem, "" when none
};

class LogShipper {
 public:
  // Checks the options (address form, token file, CA file), opens the spool slot and
  // starts the spooling and sending threads. Does not wait for the log host.
  static Result<std::unique_ptr<LogShipper>> Start(const ShipperOptions& options);
  // Spools what is queued and gives the sender up to two seconds to deliver it; what is
  // left stays in the spool for the next start.
  ~LogShipper();
  LogShipper(const LogShipper&) = delete;
  LogShipper& operator=(const LogShipper&) = delete;

  // Queues one JSON event line (no newline). Thread-safe; never waits for the network.
  void Send(std::string line);
  ShipperStats stats() const;
  // The spool slot this process writes.
  std::string slot_dir() const;

  struct Impl;
 private:
  explicit LogShipper(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// What `esafe log spool-status DIR` shows: each slot's status file, as JSON text, and
// whether any slot is full or has dropped events.
struct SpoolSlotStatus {
  std::string slot;
  std::string status_json;  // as the running process last wrote it ("" when none)
  uint64_t batches = 0;     // batch files waiting now
  uint64_t bytes = 0;
  bool running = false;     // a process holds the slot's lock
};
Result<std::vector<SpoolSlotStatus>> ReadSpoolStatus(const std::string& spool_dir);

}  // namespace esafe::activity
