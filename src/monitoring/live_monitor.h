// monitoring: running the rules on events as they are ingested.
// Part of the monitoring capability's interface; monitoring/monitoring.h is the overview.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "activity/activity.h"
#include "monitoring/log_run.h"
#include "store/database.h"

namespace esafe::monitoring {

struct LiveMonitorOptions {
  // Batches waiting for the monitor thread. When full, a new batch is dropped (never
  // waited for) and counted: ingest must not slow down because monitoring has.
  size_t max_queued_batches = 1024;
  // How often the monitor closes windows by the wall clock when no events arrive,
  // and sends the digest (when SMTP is configured).
  std::chrono::milliseconds tick{1000};
  std::chrono::seconds digest_every{3600};
};

struct LiveMonitorStats {
  uint64_t batches = 0;          // batches evaluated
  uint64_t dropped_batches = 0;  // batches not evaluated because the queue was full
  uint64_t dropped_events = 0;
  uint64_t late_batches = 0;     // batches that waited more than 5 seconds in the queue
  uint64_t alerts = 0;           // alerts recorded
  uint64_t repeats = 0;          // alerts raised again that were already recorded
  uint64_t record_failures = 0;  // alerts the database refused (logged)
  uint64_t mails = 0;            // e-mails the relay accepted
  uint64_t mail_failures = 0;
  uint64_t mail_undeliverable = 0;  // alerts waiting at the last pass with nobody to send them to
  size_t queued = 0;             // batches waiting now
  MonitorStats monitor;
};

// The rules evaluated continuously over the live activity log: Offer() each batch the
// Store acknowledged (Store::SetBatchObserver); a background thread feeds them to a
// Monitor, closes windows as the wall clock passes them, records alerts through
// AlertLog and, when `mail` is set, sends alerts at or above its immediate_from at
// once (Notifier::SendImmediate) and the rest in a digest every digest_every.
//
// Thread-safety: Offer and stats may be called from any thread at once. The terms in
// force may be reloaded meanwhile (TermsInForce); a failed reload leaves the running
// terms in force. Destruction finishes the batch in hand, completes the open windows
// and joins the thread.
class LiveMonitor {
 public:
  LiveMonitor(store::Database& db, const TermsInForce& terms, RuleSettings settings,
              std::optional<SmtpSettings> mail, MailTransport transport = {}, LiveMonitorOptions options = {});
  ~LiveMonitor();
  LiveMonitor(const LiveMonitor&) = delete;
  LiveMonitor& operator=(const LiveMonitor&) = delete;

  // Copies `batch` onto the queue and returns at once; false when it was dropped
  // because the queue is full.
  bool Offer(std::span<const activity::ActivityEvent> batch);
  LiveMonitorStats stats() const;
  // New rule settings, in force from the next batch evaluated.
  void SetRules(RuleSettings settings);

  struct Impl;
 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace esafe::monitoring
