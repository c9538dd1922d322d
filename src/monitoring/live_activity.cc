// LiveActivity: the live monitor, the ingest socket and the watch on the partnership's
// term libraries and rule settings, as `esafe serve` runs them.
#include "monitoring/live_activity.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <mutex>
#include <thread>

#include "activity/activity.h"

namespace esafe::monitoring {
namespace {

// A fingerprint of files: each one's name, size and time of change. Editors replace
// files rather than rewrite them, so the name alone or the size alone would miss edits.
std::string FileSignature(const std::filesystem::path& path) {
  std::error_code size_ec, time_ec;
  const auto size = std::filesystem::file_size(path, size_ec);
  const auto changed = std::filesystem::last_write_time(path, time_ec).time_since_epoch().count();
  return path.filename().string() + ':' + std::to_string(size_ec ? 0 : size) + ':' +
         std::to_string(time_ec ? 0 : changed) + ';';
}

std::string FolderSignature(const std::string& dir) {
  std::string signature;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".yaml") signature += FileSignature(entry.path());
  }
  return signature;
}

}  // namespace

Json StatusJson(const LiveActivityStatus& s) {
  const auto& m = s.monitor;
  return Json{{"ingesting", s.ingesting},
              {"batches", m.batches},
              {"events", m.monitor.events},
              {"queued_batches", m.queued},
              {"dropped_batches", m.dropped_batches},
              {"dropped_events", m.dropped_events},
              {"late_batches", m.late_batches},
              {"alerts", m.alerts},
              {"alerts_already_recorded", m.repeats},
              {"record_failures", m.record_failures},
              {"mails", m.mails},
              {"mail_failures", m.mail_failures},
              {"mail_undeliverable", m.mail_undeliverable},
              {"out_of_order_events", m.monitor.out_of_order},
              {"terms_loaded", s.terms_loaded},
              {"terms_problem", s.terms_problem},
              {"terms_reloads", s.terms_reloads},
              {"rules_problem", s.rules_problem},
              {"rules_reloads", s.rules_reloads},
              {"seals", s.maintenance.seals},
              {"seal_failures", s.maintenance.seal_failures},
              {"retention_runs", s.maintenance.retention_runs},
              {"retention_failures", s.maintenance.retention_failures},
              {"ingest_connections", s.ingest.connections},
              {"ingest_refused", s.ingest.refused},
              {"ingest_rejected_events", s.ingest.rejected},
              {"ingest_duplicate_batches", s.ingest.duplicates}};
}

struct LiveActivity::Impl {
  LiveActivityOptions options;
  TermsInForce terms;
  std::unique_ptr<LiveMonitor> monitor;
  std::unique_ptr<activity::Store> store;
  std::unique_ptr<activity::IngestServer> ingest;
  std::unique_ptr<activity::LogMaintenance> maintenance;
  std::thread ingest_thread;
  std::jthread watch;

  mutable std::mutex mutex;  // the fields below
  std::string terms_problem, rules_problem;
  uint64_t terms_reloads = 0, rules_reloads = 0;

  void ReloadTerms() {
    auto loaded = terms.Reload(options.terms_dir);
    std::lock_guard lock(mutex);
    if (loaded.ok()) {
      ++terms_reloads;
      terms_problem.clear();
      spdlog::info("monitoring: term libraries in {} put in force", options.terms_dir);
    } else {
      terms_problem = loaded.error().message;
      spdlog::error("monitoring: term libraries refused, the terms in force stay: {}", terms_problem);
    }
  }

  void ReloadRules() {
    auto parsed = LoadRuleSettings(options.rules_file);
    std::lock_guard lock(mutex);
    if (parsed.ok()) {
      monitor->SetRules(std::move(*parsed));
      ++rules_reloads;
      rules_problem.clear();
      spdlog::info("monitoring: rule settings in {} put in force", options.rules_file);
    } else {
      rules_problem = parsed.error().message;
      spdlog::error("monitoring: rule settings refused, the settings in force stay: {}", rules_problem);
    }
  }

  void Watch(std::stop_token stop) {
    std::string terms_seen = FolderSignature(options.terms_dir);
    std::string rules_seen = options.rules_file.empty() ? "" : FileSignature(options.rules_file);
    const auto step = std::min(options.watch_every, std::chrono::milliseconds(100));
    while (!stop.stop_requested()) {
      for (auto waited = std::chrono::milliseconds(0); waited < options.watch_every && !stop.stop_requested();
           waited += step) {
        std::this_thread::sleep_for(step);
      }
      if (stop.stop_requested()) return;
      if (auto now = FolderSignature(options.terms_dir); now != terms_seen) {
        terms_seen = now;
        ReloadTerms();
      }
      if (options.rules_file.empty()) continue;
      if (auto now = FileSignature(options.rules_file); now != rules_seen) {
        rules_seen = now;
        ReloadRules();
      }
    }
  }
};

LiveActivity::LiveActivity(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<LiveActivity>> LiveActivity::Start(store::Database& db, const LiveActivityOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  RuleSettings settings = options.rules.value_or(RuleSettings{});
  if (!options.rules_file.empty()) {
    auto parsed = LoadRuleSettings(options.rules_file);
    if (!parsed.ok()) return parsed.error();
    settings = std::move(*parsed);
  }
  std::optional<SmtpSettings> mail = options.smtp;
  if (!options.smtp_file.empty()) {
    auto parsed = LoadSmtpSettings(options.smtp_file);
    if (!parsed.ok()) return parsed.error();
    mail = std::move(*parsed);
  }
  if (auto loaded = impl->terms.Reload(options.terms_dir); !loaded.ok()) {
    impl->terms_problem = loaded.error().message;
    spdlog::error("monitoring: the risky-search rule is idle until a term library loads: {}", impl->terms_problem);
  }
  impl->monitor = std::make_unique<LiveMonitor>(db, impl->terms, std::move(settings), std::move(mail),
                                                MailTransport{}, options.monitor);
  impl->watch = std::jthread([raw = impl.get()](std::stop_token stop) { raw->Watch(stop); });
  return std::unique_ptr<LiveActivity>(new LiveActivity(std::move(impl)));
}

std::function<void(std::span<const activity::ActivityEvent>)> LiveActivity::Observer() {
  return [monitor = impl_->monitor.get()](std::span<const activity::ActivityEvent> batch) { monitor->Offer(batch); };
}

Result<void> LiveActivity::StartIngest() {
  activity::IngestOptions ingest = impl_->options.ingest;
  if (!impl_->options.ingest_socket.empty()) ingest.socket_path = impl_->options.ingest_socket;
  if (ingest.socket_path.empty() && ingest.listen.empty()) return {};
  auto store = activity::Store::Open(impl_->options.log_dir);
  if (!store.ok()) return store.error();
  impl_->store = std::move(*store);
  impl_->store->SetBatchObserver(Observer());
  auto server = activity::IngestServer::Create(*impl_->store, ingest);
  if (!server.ok()) {
    impl_->store.reset();
    return server.error();
  }
  impl_->ingest = std::move(*server);
  impl_->maintenance = std::make_unique<activity::LogMaintenance>(*impl_->store, impl_->options.maintenance);
  impl_->ingest_thread = std::thread([server = impl_->ingest.get()] { server->Run(); });
  return {};
}

void LiveActivity::Reload() {
  impl_->ReloadTerms();
  if (!impl_->options.rules_file.empty()) impl_->ReloadRules();
}

activity::Store* LiveActivity::store() { return impl_->store.get(); }

uint16_t LiveActivity::ingest_port() const { return impl_->ingest ? impl_->ingest->port() : 0; }

LiveActivityStatus LiveActivity::status() const {
  LiveActivityStatus s;
  s.monitor = impl_->monitor->stats();
  s.ingesting = impl_->ingest != nullptr;
  if (impl_->maintenance) s.maintenance = impl_->maintenance->stats();
  if (impl_->ingest) s.ingest = impl_->ingest->stats();
  s.terms_loaded = impl_->terms.current() != nullptr;
  std::lock_guard lock(impl_->mutex);
  s.terms_problem = impl_->terms_problem;
  s.rules_problem = impl_->rules_problem;
  s.terms_reloads = impl_->terms_reloads;
  s.rules_reloads = impl_->rules_reloads;
  return s;
}

LiveActivity::~LiveActivity() {
  if (impl_->ingest) {
    impl_->ingest->Stop();
    impl_->ingest_thread.join();
  }
  impl_->ingest.reset();
  impl_->maintenance.reset();
  impl_->store.reset();
  impl_->watch = {};
  const auto s = impl_->monitor->stats();
  spdlog::info("monitoring evaluated {} batches and recorded {} alerts; {} e-mails sent; {} batches ({} events) "
               "dropped because its queue was full, {} evaluated late",
               s.batches, s.alerts, s.mails, s.dropped_batches, s.dropped_events, s.late_batches);
  impl_->monitor.reset();  // evaluates what is queued, completes open windows, sends their mail
}

}  // namespace esafe::monitoring
