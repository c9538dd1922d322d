// `esafe doctor [--json]`: checks the deployment `esafe serve` would run with its
// configuration (the serve section of esafe.yaml, and the lists of the icap and
// squid-helper sections) and says what to fix (health/health.h). Exit 0 when nothing is
// wrong, 1 when a check found a problem (warnings alone: 0).
#include <iostream>
#include <map>

#include "cli/commands.h"
#include "cli/config/config_file.h"
#include "health/health.h"
#include "monitoring/monitoring.h"

namespace esafe::cli {
namespace {

using Settings = std::map<std::string, std::vector<std::string>>;

Settings SectionSettings(CLI::App& app, std::string_view section) {
  Settings settings;
  for (auto& v : EffectiveSectionSettings(app, section)) settings[v.key] = std::move(v.values);
  return settings;
}

std::string One(const Settings& settings, const std::string& key) {
  const auto it = settings.find(key);
  return it == settings.end() || it->second.empty() ? std::string() : it->second.front();
}

}  // namespace

health::Deployment ConfiguredDeployment(CLI::App& app, const std::string& service_user) {
  const Settings serve = SectionSettings(app, "serve");
  health::Deployment d;
  d.config_file = ConfigurationPath();
  d.config_problems = ConfigurationProblems();
  d.db_url = One(serve, "db");
  d.activity_log_dir = One(serve, "activity-log");
  if (auto seconds = One(serve, "seal-interval"); !seconds.empty()) {
    try {
      d.seal_interval = std::chrono::seconds(std::stoll(seconds));
    } catch (...) {
      // A bad value is a configuration problem, reported as such; keep the default.
    }
  }
  d.ingest_tokens_file = One(serve, "ingest-tokens");
  d.profiles_file = One(serve, "profiles");
  for (const char* section : {"icap", "squid-helper"}) {
    if (auto lists = One(SectionSettings(app, section), "lists"); !lists.empty()) d.list_dirs.push_back(lists);
  }
  d.activity_postgres = One(serve, "activity-postgres");
  if (auto schema = One(serve, "activity-postgres-schema"); !schema.empty()) d.activity_postgres_schema = schema;
  // The inline smtp: section, else serve's --smtp file, as serve itself chooses.
  std::optional<monitoring::SmtpSettings> smtp;
  if (auto file = One(serve, "smtp"); !file.empty()) {
    auto loaded = monitoring::LoadSmtpSettings(file);
    if (loaded.ok()) {
      smtp = std::move(*loaded);
    } else {
      d.config_problems.push_back(loaded.error().message);
    }
  } else {
    smtp = InlineSmtpSettings();
  }
  if (smtp) {
    d.smtp_host = smtp->host;
    d.smtp_port = smtp->port;
    d.smtp_helo = smtp->helo;
  }
  d.tls_cert = One(serve, "tls-cert");
  d.demo = One(serve, "demo") == "true";
  d.service_user = service_user;
  return d;
}

void RegisterDoctorCommands(CLI::App& app) {
  static bool json = false;
  static std::string service_user = "esafe";
  auto* doctor = app.add_subcommand(
      "doctor", "Check the deployment serve's configuration describes and say what to fix; exit 1 on a problem");
  doctor->add_flag("--json", json, "Print the checks as JSON");
  doctor->add_option("--service-user", service_user,
                     "The account esafe serve runs as: run as root, doctor checks it owns the files")
      ->capture_default_str();
  doctor->callback([&app] {
    const auto checks = health::RunChecks(ConfiguredDeployment(app, service_user));
    if (json) {
      std::cout << health::ToJson(checks).dump(2) << "\n";
    } else {
      std::cout << health::ToText(checks);
    }
    std::cout.flush();
    if (health::Worst(checks) == health::Status::kProblem) throw CLI::RuntimeError(1);
  });
}

}  // namespace esafe::cli
