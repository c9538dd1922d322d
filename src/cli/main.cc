// esafe: one binary, many subcommands (see `esafe --help`).
#include <sys/stat.h>

#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "cli/commands.h"

int main(int argc, char** argv) {
  // Whatever umask esafe is started with, nothing it writes (the database and its WAL, the
  // activity log, reports, spools) is readable by other users: the data is about children.
  ::umask(027);
  // Diagnostics go to standard error: standard output is the command's answer (a zone,
  // search results) or, for the Squid helper, the protocol Squid reads.
  spdlog::set_default_logger(spdlog::stderr_color_mt("esafe"));
  // The configuration file first: its data-dir decides the defaults the commands register.
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (!esafe::cli::LoadConfiguration(args)) return 2;
  CLI::App app{"esafe — e-safety for safeguarding partnerships"};
  app.require_subcommand(1);
  esafe::cli::RegisterServeCommands(app);
  esafe::cli::RegisterFilterCommands(app);
  esafe::cli::RegisterEnforceCommands(app);
  esafe::cli::RegisterIncidentCommands(app);
  esafe::cli::RegisterLogCommands(app);
  esafe::cli::RegisterRetentionCommands(app);
  esafe::cli::RegisterMonitorCommands(app);
  esafe::cli::RegisterBackupCommands(app);
  esafe::cli::RegisterConfigCommands(app);
  esafe::cli::RegisterDoctorCommands(app);
  if (!esafe::cli::ApplyConfiguration(app)) return 2;
  CLI11_PARSE(app, argc, argv);
  return 0;
}
