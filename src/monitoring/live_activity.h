// LiveActivity: what `esafe serve --activity-log DIR` runs beside the web app. Every
// batch the server's own Store acknowledges (the --demo fortnight, and decisions sent
// to the ingest socket) goes to a LiveMonitor; the term libraries and the rule settings
// file are watched, so a partnership's edits take effect without a restart, and a
// broken edit is refused with file, line and reason while what is in force stays.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "core/result.h"
#include "monitoring/monitoring.h"

namespace esafe::store {
class Database;
}

namespace esafe::monitoring {

struct LiveActivityOptions {
  std::string log_dir;
  std::string ingest_socket;  // "" for none
  // The TLS listener and the socket's mode and group (ingest.socket_path is ingest_socket).
  activity::IngestOptions ingest;
  std::string terms_dir = "data/monitoring/terms";
  std::string rules_file;     // "" for the built-in thresholds
  std::string smtp_file;      // "" for no e-mail
  // Settings given inline (esafe.yaml's monitoring: and smtp: sections), used when the
  // matching file is "": inline rules are not watched, they change with a restart.
  std::optional<RuleSettings> rules;
  std::optional<SmtpSettings> smtp;
  std::chrono::milliseconds watch_every{2000};
  LiveMonitorOptions monitor;
  // While serve writes the log: seal on this interval, and apply this retention daily.
  activity::MaintenanceOptions maintenance{.seal_interval = std::chrono::seconds(300),
                                           .daily_retention = activity::RetentionPolicy{}};
};

// What an administrator needs to trust that monitoring is keeping up.
struct LiveActivityStatus {
  LiveMonitorStats monitor;
  bool ingesting = false;
  bool terms_loaded = false;        // a term library is in force (the risky-search rule runs)
  std::string terms_problem;        // the last refused change, "" when the folder loads
  std::string rules_problem;        // likewise for the rule settings file
  uint64_t terms_reloads = 0, rules_reloads = 0;  // changes put in force since start
  activity::MaintenanceStats maintenance;           // timed seals and retention runs
  activity::IngestStats ingest;                     // senders: refused tokens, rejected events, resent batches
};
Json StatusJson(const LiveActivityStatus& status);

class LiveActivity {
 public:
  // Refuses a broken rules or SMTP file (file, line and reason). Broken or missing term
  // libraries are reported in the status; the other rules run and the risky-search rule
  // waits for a library that loads.
  static Result<std::unique_ptr<LiveActivity>> Start(store::Database& db, const LiveActivityOptions& options);
  ~LiveActivity();  // stops ingest, then monitoring (which completes open windows and mails)
  LiveActivity(const LiveActivity&) = delete;
  LiveActivity& operator=(const LiveActivity&) = delete;

  // The observer to give a Store whose appends should be monitored (the --demo load).
  std::function<void(std::span<const activity::ActivityEvent>)> Observer();
  // Opens the activity log for writing and accepts events on the ingest socket and the
  // TLS listener, when either was given. Call after any other Store on the log is closed.
  Result<void> StartIngest();
  LiveActivityStatus status() const;
  // Reads the term libraries and the rule settings file again now (SIGHUP), rather than at
  // the next change the watch notices; a broken one is refused and what is in force stays
  // (status() says why). Logs one line for each.
  void Reload();
  // The TLS listener's port (after StartIngest with ingest.listen), else 0.
  uint16_t ingest_port() const;
  // The store this server writes (after StartIngest with a socket), for the activity
  // log's retention and legal-hold routes while it runs; nullptr when none is open.
  activity::Store* store();

  struct Impl;
 private:
  explicit LiveActivity(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace esafe::monitoring
