// RunOverLog: the rules over a stretch of the stored activity log, as `esafe monitor
// run` evaluates them. Alerts are recorded once (AlertLog::RecordOnce), so a rerun
// over the same range, or over events the live monitor already saw, adds nothing.
#include <fstream>
#include <sstream>

#include "monitoring/monitoring.h"

namespace esafe::monitoring {
namespace {

Result<std::string> ReadWhole(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::Invalid("cannot read the " + std::string(what) + " file " + path, std::string(what));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

Result<RuleSettings> LoadRuleSettings(const std::string& path) {
  auto text = ReadWhole(path, "rules");
  if (!text.ok()) return text.error();
  return ParseRuleSettings(*text, path);
}

Result<SmtpSettings> LoadSmtpSettings(const std::string& path) {
  auto text = ReadWhole(path, "smtp");
  if (!text.ok()) return text.error();
  return ParseSmtpSettings(*text, path);
}

Result<LogRunReport> RunOverLog(store::Database& db, const std::string& log_dir, const activity::Query& query,
                                const TermsInForce& terms, const RuleSettings& settings,
                                const AlertRecordedFn& on_alert) {
  auto reader = activity::LogReader::Open(log_dir);
  if (!reader.ok()) return reader.error();
  AlertLog alerts(db);
  LogRunReport report;
  std::optional<Error> failed;
  Monitor monitor(terms, settings, [&](AlertDraft&& draft) {
    if (failed) return;
    auto id = alerts.RecordOnce(draft);
    if (!id.ok()) {
      failed = id.error();
      return;
    }
    if (!*id) {
      ++report.repeats;
      return;
    }
    ++report.recorded;
    if (on_alert) on_alert(**id, draft);
  });
  auto searched = reader->Search(query, [&](const activity::ActivityEvent& e) {
    monitor.Feed(e);
    return !failed;
  });
  if (!searched.ok()) return searched.error();
  monitor.Flush();
  if (failed) return *failed;
  report.monitor = monitor.stats();
  return report;
}

}  // namespace esafe::monitoring
