// The subcommands of `esafe`, each registered by the file that implements it.
// Commands are thin: they parse, call one capability function, and format.
#pragma once

#include <CLI/CLI.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <thread>

#include "store/database.h"

namespace esafe::activity {
struct ActivityEvent;
}

namespace esafe::cli {

// `esafe serve`, `esafe user add`, `esafe demo load` (serve_command.cc).
void RegisterServeCommands(CLI::App& app);

// `esafe filter check` and the other filtering subcommands (filter_command.cc).
void RegisterFilterCommands(CLI::App& app);

// `esafe squid-helper`, `esafe icap`, `esafe rpz export` (enforce_command.cc).
void RegisterEnforceCommands(CLI::App& app);

// `esafe flowchart check` and `esafe flowchart paths` (incident_command.cc).
void RegisterIncidentCommands(CLI::App& app);

// `esafe log search|verify|ingest|retention|hold|extract` (log_command.cc).
void RegisterLogCommands(CLI::App& app);

// `esafe monitor run` (monitor_command.cc).
void RegisterMonitorCommands(CLI::App& app);

// What `esafe serve --activity-log DIR` does with the events it appends itself (the
// --demo fortnight, and decisions sent to --ingest-socket): every acknowledged batch
// goes to the early-warning rules, evaluated on a thread of their own, and alerts are
// recorded and e-mailed (monitor_command.cc). Stops, in order, ingest and monitoring
// when destroyed.
struct LiveActivityOptions {
  std::string log_dir;
  std::string ingest_socket;  // "" for none
  std::string terms_dir = "data/monitoring/terms";
  std::string rules_file;     // "" for the built-in thresholds
  std::string smtp_file;      // "" for no e-mail
};
class LiveActivity {
 public:
  // Fails (exits 2 through CLI::RuntimeError) on a broken rules or SMTP file. Broken or
  // missing term libraries are reported with file, line and reason; the other rules
  // run and the risky-search rule waits for a library that loads. The term library
  // folder is watched: a change is loaded, and a broken change is refused, leaving the
  // terms in force.
  static std::unique_ptr<LiveActivity> Start(store::Database& db, const LiveActivityOptions& options);
  ~LiveActivity();
  // The observer to give a Store whose appends should be monitored (the --demo load).
  std::function<void(std::span<const esafe::activity::ActivityEvent>)> Observer();
  // Opens the activity log for writing and accepts events on the ingest socket, when one
  // was given. Call after any other Store on the log is closed.
  void StartIngest();

  struct Impl;
 private:
  explicit LiveActivity(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// `esafe retention run` (retention_command.cc).
void RegisterRetentionCommands(CLI::App& app);
// The daily retention run inside `esafe serve`: checks every `check_every`
// and runs the job once per UTC day. Stops when the thread is destroyed.
std::jthread StartDailyRetentionRun(store::Database& db, std::chrono::seconds check_every = std::chrono::hours(1));

}  // namespace esafe::cli
