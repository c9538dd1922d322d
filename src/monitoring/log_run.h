// monitoring: running the rules over the activity log once (esafe monitor run).
// Part of the monitoring capability's interface; monitoring/monitoring.h is the overview.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "activity/activity.h"
#include "monitoring/notifier.h"
#include "store/database.h"

namespace esafe::monitoring {

// Rule settings from a YAML file (ParseRuleSettings); kInvalid naming the file when
// it cannot be read.
Result<RuleSettings> LoadRuleSettings(const std::string& path);
// SMTP settings from a YAML file (ParseSmtpSettings), likewise.
Result<SmtpSettings> LoadSmtpSettings(const std::string& path);

struct LogRunReport {
  MonitorStats monitor;
  uint64_t recorded = 0;  // alerts new to the database
  uint64_t repeats = 0;   // alerts raised again that were already recorded
};

// Evaluates the rules over the events of the activity log in `log_dir` that `query`
// selects (in the log's order), records each alert through AlertLog::RecordOnce and
// tells `on_alert` about each new one (may be empty). Running it twice over the same
// range records nothing new. Fails as LogReader::Open / Search and AlertLog do;
// alerts recorded before a failure stay recorded.
using AlertRecordedFn = std::function<void(int64_t id, const AlertDraft& draft)>;
Result<LogRunReport> RunOverLog(store::Database& db, const std::string& log_dir, const activity::Query& query,
                                const TermsInForce& terms, const RuleSettings& settings,
                                const AlertRecordedFn& on_alert = {});

}  // namespace esafe::monitoring
