// The subcommands of `esafe`, each registered by the file that implements it.
// Commands are thin: they parse, call one capability function, and format.
#pragma once

#include <CLI/CLI.hpp>

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

}  // namespace esafe::cli
