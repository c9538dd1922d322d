// The subcommands of `esafe`, each registered by the file that implements it.
// Commands are thin: they parse, call one capability function, and format.
#pragma once

#include <CLI/CLI.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <string>
#include <thread>
#include <vector>

#include "core/result.h"
#include "store/database.h"

namespace esafe::cli::config {
struct ConfigFile;
struct EffectiveValue;
}

namespace esafe::monitoring {
struct RuleSettings;
struct SmtpSettings;
}

namespace esafe::health {
struct Deployment;
}

namespace esafe::activity {
struct ActivityEvent;
struct IngestOptions;
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

// The options of the ingest endpoint that `esafe log ingest` and `esafe serve` share:
// the TLS listener, its certificate, key and node tokens, the socket's mode and group.
void AddIngestEndpointOptions(CLI::App* command, activity::IngestOptions& options);

// `esafe backup` and `esafe restore` (backup_command.cc).
void RegisterBackupCommands(CLI::App& app);

// `esafe monitor run` (monitor_command.cc).
void RegisterMonitorCommands(CLI::App& app);

// The configuration file (config_command.cc, cli/config/config_file.h). main() calls
// LoadConfiguration before registering the commands (it sets the data directory their
// defaults derive from), then ApplyConfiguration before parsing. Each prints every
// problem as FILE:LINE: reason on standard error and returns false; esafe then exits 2
// with nothing started.
bool LoadConfiguration(std::span<const std::string> args);
bool ApplyConfiguration(CLI::App& app);
// `esafe config check [FILE]`.
void RegisterConfigCommands(CLI::App& app);
// The file in force, nullptr when esafe runs on its flags alone.
const config::ConfigFile* ConfigurationFile();
// The file's inline smtp: and monitoring: sections, parsed (checked already by
// ApplyConfiguration); nullopt when the file has no such section.
std::optional<monitoring::SmtpSettings> InlineSmtpSettings();
std::optional<monitoring::RuleSettings> InlineRuleSettings();
// Under `esafe doctor` a wrong file does not stop esafe: its problems (FILE:LINE: reason)
// are kept here for doctor to report; empty otherwise.
std::vector<std::string> ConfigurationProblems();
// The file's path when one is in force or was named and refused; "" when none.
std::string ConfigurationPath();
// A command section's effective settings ("serve", "icap", …; config_file.h, EffectiveValues).
std::vector<config::EffectiveValue> EffectiveSectionSettings(CLI::App& app, std::string_view section);

// `esafe doctor` (doctor_command.cc).
void RegisterDoctorCommands(CLI::App& app);
// What `esafe serve` would run with according to the configuration in force: its serve
// section, the icap and squid-helper sections' lists, the smtp section (doctor_command.cc).
health::Deployment ConfiguredDeployment(CLI::App& app, const std::string& service_user = "esafe");

// `esafe retention run` (retention_command.cc).
void RegisterRetentionCommands(CLI::App& app);
// The daily retention run inside `esafe serve`: checks every `check_every`
// and runs the job once per UTC day. Stops when the thread is destroyed.
std::jthread StartDailyRetentionRun(store::Database& db, std::chrono::seconds check_every = std::chrono::hours(1));

}  // namespace esafe::cli
