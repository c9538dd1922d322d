// `esafe monitor run --db URL --log DIR [--since T] [--until T] [--terms DIR] [--rules FILE]`
//
// Evaluates the early-warning rules over the activity log store (src/activity) and
// records each alert in the database (AlertLog), where the agencies' e-safety
// officers see and triage them (#/alerts). Prints one line per new alert and a summary.
// An alert already recorded (an earlier run over the same range, or the live monitor
// inside `esafe serve`) is counted, not recorded again.
// Exit status: 0 on success, 2 on bad options or files, 1 when the log or database
// cannot be read or written.
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>

#include <spdlog/spdlog.h>

#include "activity/activity.h"
#include "cli/commands.h"
#include "monitoring/monitoring.h"
#include "store/database.h"

namespace esafe::cli {
namespace {

[[noreturn]] void FailMonitorCommand(const Error& e) {
  std::cerr << "esafe: " << e.message << (e.field.empty() ? "" : " (" + e.field + ")") << "\n";
  throw CLI::RuntimeError(e.kind == ErrorKind::kInvalid ? 2 : 1);
}

struct MonitorOptions {
  std::string db, log, since, until, terms = "data/monitoring/terms", rules;
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
  monitoring::RuleSettings settings;
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

void PrintLiveStats(const monitoring::LiveMonitorStats& s) {
  std::cerr << "esafe serve: monitoring evaluated " << s.batches << " batches and recorded " << s.alerts
            << " alerts; " << s.mails << " e-mails sent; " << s.dropped_batches << " batches (" << s.dropped_events
            << " events) dropped because its queue was full, " << s.late_batches << " evaluated late\n";
}

// A fingerprint of the term library folder: each *.yaml's name, size and time of change.
std::string FolderSignature(const std::string& dir) {
  std::string signature;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".yaml") continue;
    std::error_code size_ec, time_ec;
    const auto size = entry.file_size(size_ec);
    const auto changed = entry.last_write_time(time_ec).time_since_epoch().count();
    signature += entry.path().filename().string() + ':' + std::to_string(size_ec ? 0 : size) + ':' +
                 std::to_string(time_ec ? 0 : changed) + ';';
  }
  return signature;
}

}  // namespace

struct LiveActivity::Impl {
  LiveActivityOptions options;
  monitoring::TermsInForce terms;
  std::unique_ptr<monitoring::LiveMonitor> monitor;
  std::unique_ptr<activity::Store> store;
  std::unique_ptr<activity::IngestServer> ingest;
  std::thread ingest_thread;
  std::jthread terms_watch;
};

LiveActivity::LiveActivity(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::unique_ptr<LiveActivity> LiveActivity::Start(store::Database& db, const LiveActivityOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  monitoring::RuleSettings settings;
  if (!options.rules_file.empty()) {
    auto parsed = monitoring::LoadRuleSettings(options.rules_file);
    if (!parsed.ok()) FailMonitorCommand(parsed.error());
    settings = std::move(*parsed);
  }
  std::optional<monitoring::SmtpSettings> mail;
  if (!options.smtp_file.empty()) {
    auto parsed = monitoring::LoadSmtpSettings(options.smtp_file);
    if (!parsed.ok()) FailMonitorCommand(parsed.error());
    mail = std::move(*parsed);
  }
  if (auto loaded = impl->terms.Reload(options.terms_dir); !loaded.ok()) {
    std::cerr << "esafe serve: the risky-search rule is idle until a term library loads: "
              << loaded.error().message << "\n";
  }
  impl->monitor = std::make_unique<monitoring::LiveMonitor>(db, impl->terms, std::move(settings), std::move(mail));
  // Partnerships edit their term libraries while esafe runs: a change is put in force,
  // a broken one refused with its file, line and reason while the running terms stay.
  impl->terms_watch = std::jthread([raw = impl.get()](std::stop_token stop) {
    std::string seen = FolderSignature(raw->options.terms_dir);
    while (!stop.stop_requested()) {
      for (int i = 0; i < 20 && !stop.stop_requested(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      const std::string now = FolderSignature(raw->options.terms_dir);
      if (now == seen) continue;
      seen = now;
      if (auto loaded = raw->terms.Reload(raw->options.terms_dir); loaded.ok()) {
        spdlog::info("monitoring: term libraries in {} reloaded", raw->options.terms_dir);
      } else {
        spdlog::error("monitoring: term libraries refused, the terms in force stay: {}", loaded.error().message);
      }
    }
  });
  return std::unique_ptr<LiveActivity>(new LiveActivity(std::move(impl)));
}

std::function<void(std::span<const activity::ActivityEvent>)> LiveActivity::Observer() {
  return [monitor = impl_->monitor.get()](std::span<const activity::ActivityEvent> batch) { monitor->Offer(batch); };
}

void LiveActivity::StartIngest() {
  if (impl_->options.ingest_socket.empty()) return;
  auto store = activity::Store::Open(impl_->options.log_dir);
  if (!store.ok()) FailMonitorCommand(store.error());
  impl_->store = std::move(*store);
  impl_->store->SetBatchObserver(Observer());
  auto server = activity::IngestServer::Create(*impl_->store, impl_->options.ingest_socket);
  if (!server.ok()) FailMonitorCommand(server.error());
  impl_->ingest = std::move(*server);
  impl_->ingest_thread = std::thread([server = impl_->ingest.get()] { server->Run(); });
  std::cout << "accepting filtering decisions on " << impl_->options.ingest_socket << std::endl;
}

LiveActivity::~LiveActivity() {
  if (impl_->ingest) {
    impl_->ingest->Stop();
    impl_->ingest_thread.join();
  }
  impl_->ingest.reset();
  impl_->store.reset();
  impl_->terms_watch = {};
  if (impl_->monitor) {
    PrintLiveStats(impl_->monitor->stats());
    impl_->monitor.reset();  // evaluates what is queued, completes open windows, sends their mail
  }
}

void RegisterMonitorCommands(CLI::App& app) {
  auto* monitor = app.add_subcommand("monitor", "Early warning over the activity log");
  monitor->require_subcommand(1);
  auto options = std::make_shared<MonitorOptions>();
  auto* run = monitor->add_subcommand("run", "Evaluate the rules over the activity log and record the alerts");
  run->add_option("--db", options->db, "Database the alerts are recorded in (sqlite:PATH or postgresql://…)")->required();
  run->add_option("--log", options->log, "Activity log store directory")->required();
  run->add_option("--since", options->since, "Only events from this time (RFC 3339 or a date)");
  run->add_option("--until", options->until, "Only events before this time (RFC 3339 or a date)");
  run->add_option("--terms", options->terms, "Term libraries directory (default data/monitoring/terms)");
  run->add_option("--rules", options->rules, "Rule settings YAML (default: the built-in thresholds)");
  run->callback([options] { RunMonitor(*options); });
}

}  // namespace esafe::cli
