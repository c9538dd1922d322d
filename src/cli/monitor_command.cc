// `esafe monitor run --db URL --log DIR [--since T] [--until T] [--terms DIR] [--rules FILE]`
// (without --rules, the configuration file's monitoring: section, else the built-in thresholds)
//
// Evaluates the early-warning rules over the activity log store (src/activity) and
// records each alert in the database (AlertLog), where the agencies' e-safety
// officers see and triage them (#/alerts). Prints one line per new alert and a summary.
// An alert already recorded (an earlier run over the same range, or the live monitor
// inside `esafe serve`) is counted, not recorded again.
// Exit status: 0 on success, 2 on bad options or files, 1 when the log or database
// cannot be read or written.
#include <iostream>
#include <string>

#include "activity/activity.h"
#include "cli/commands.h"
#include "core/data_dir.h"
#include "monitoring/monitoring.h"
#include "store/database.h"

namespace esafe::cli {
namespace {

[[noreturn]] void FailMonitorCommand(const Error& e) {
  std::cerr << "esafe: " << e.message << (e.field.empty() ? "" : " (" + e.field + ")") << "\n";
  throw CLI::RuntimeError(e.kind == ErrorKind::kInvalid ? 2 : 1);
}

struct MonitorOptions {
  std::string db, log, since, until, terms = core::DataPath("monitoring/terms"), rules;
};

void RunMonitor(const MonitorOptions& o) {
  activity::Query query;
  if (!o.since.empty()) {
    auto t = activity::ParseTime(o.since);
    if (!t.ok()) FailMonitorCommand(Error::Invalid("--since must be a date or RFC 3339 time", "since"));
    query.from_us = *t;
  }
  if (!o.until.empty()) {
    auto t = activity::ParseTime(o.until);
    if (!t.ok()) FailMonitorCommand(Error::Invalid("--until must be a date or RFC 3339 time", "until"));
    query.to_us = *t;
  }
  if (query.from_us && query.to_us && *query.from_us >= *query.to_us) {
    FailMonitorCommand(Error::Invalid("--since must be before --until", "since"));
  }
  monitoring::RuleSettings settings = InlineRuleSettings().value_or(monitoring::RuleSettings{});
  if (!o.rules.empty()) {
    auto parsed = monitoring::LoadRuleSettings(o.rules);
    if (!parsed.ok()) FailMonitorCommand(parsed.error());
    settings = std::move(*parsed);
  }
  monitoring::TermsInForce terms;
  if (auto loaded = terms.Reload(o.terms); !loaded.ok()) FailMonitorCommand(loaded.error());

  auto opened = store::Open(o.db);
  if (!opened.ok()) FailMonitorCommand(opened.error());
  auto ran = monitoring::RunOverLog(**opened, o.log, query, terms, settings,
                                    [](int64_t id, const monitoring::AlertDraft& d) {
                                      std::cout << "alert " << id << "\t" << monitoring::SeverityName(d.severity)
                                                << "\t" << monitoring::RuleName(d.rule) << "\t" << d.agency << "\t"
                                                << d.summary << "\n";
                                    });
  if (!ran.ok()) FailMonitorCommand(ran.error());
  const auto& stats = ran->monitor;
  std::cout << "monitored " << stats.events << " events (" << stats.searches << " searches, "
            << stats.search_matches << " matching a term); recorded " << ran->recorded << " alerts ("
            << ran->repeats << " already recorded)\n";
}

}  // namespace

void RegisterMonitorCommands(CLI::App& app) {
  auto* monitor = app.add_subcommand("monitor", "Early warning over the activity log");
  monitor->require_subcommand(1);
  auto options = std::make_shared<MonitorOptions>();
  auto* run = monitor->add_subcommand("run", "Evaluate the rules over the activity log and record the alerts");
  run->add_option("--db", options->db, "Database the alerts are recorded in (sqlite:PATH or postgresql://…)")->required();
  run->add_option("--log", options->log, "Activity log store directory")->required();
  run->add_option("--since", options->since, "Only events from this time (RFC 3339 or a date)");
  run->add_option("--until", options->until, "Only events before this time (RFC 3339 or a date)");
  run->add_option("--terms", options->terms, "Term libraries directory")->capture_default_str();
  run->add_option("--rules", options->rules, "Rule settings YAML (default: the built-in thresholds)");
  run->callback([options] { RunMonitor(*options); });

  // An operator's check that alert e-mail gets through: the same settings and client
  // the server uses, one short message, and the relay's answer when it refuses.
  struct MailTest {
    std::string smtp, to;
  };
  auto mail = std::make_shared<MailTest>();
  auto* test = monitor->add_subcommand("mail-test", "Send a test e-mail with the SMTP settings alerts use");
  test->add_option("--smtp", mail->smtp, "SMTP settings YAML (default: the configuration file's smtp: section)");
  test->add_option("--to", mail->to, "Recipient address")->required();
  test->callback([mail] {
    auto inline_settings = InlineSmtpSettings();
    if (mail->smtp.empty() && !inline_settings) {
      FailMonitorCommand(Error::Invalid("give --smtp FILE, or an smtp: section in the configuration file", "smtp"));
    }
    auto settings = mail->smtp.empty() ? Result<monitoring::SmtpSettings>(*inline_settings)
                                       : monitoring::LoadSmtpSettings(mail->smtp);
    if (!settings.ok()) FailMonitorCommand(settings.error());
    monitoring::SmtpClient client(*settings);
    auto sent = client.Send({{mail->to}, "[esafe] test message",
                             "This is a test of the e-mail settings esafe uses for monitoring alerts.\n"});
    if (!sent.ok()) FailMonitorCommand(sent.error());
    std::cout << "sent a test message to " << mail->to << " through " << settings->host << ":" << settings->port
              << (settings->starttls ? " (STARTTLS" : " (no TLS") << (settings->username.empty() ? ")" : ", signed in)")
              << "\n";
  });
}

}  // namespace esafe::cli
