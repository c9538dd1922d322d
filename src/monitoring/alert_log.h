// monitoring: alerts in the database (migrations 8 and 12), their state and triage.
// Part of the monitoring capability's interface; monitoring/monitoring.h is the overview.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "access/access.h"
#include "monitoring/monitor.h"
#include "store/database.h"
#include "store/keyset.h"

namespace esafe::monitoring {

enum class AlertState : uint8_t { kNew, kIncident, kFalsePositive, kDismissed };
std::string_view AlertStateName(AlertState state);  // "new", "incident", "false_positive", "dismissed"
std::optional<AlertState> ParseAlertState(std::string_view name);

struct AlertQuery {
  std::optional<int64_t> agency_id;
  std::optional<std::string> state;
  std::optional<std::string> rule;
  std::optional<std::string> min_severity;
  std::optional<std::string> severity;  // exactly this severity
  int64_t limit = 200;  // List only: the newest `limit`; ListPage pages instead
};

// Alerts in the database, scoped like incidents: an alert belongs to the agency the
// activity log names (matched to an agency by id or by name; when none matches, to
// the partnership). Its agency's e-safety officers read and triage it; the
// partnership lead and admins read and triage every alert; other roles see none
// (Forbidden). Reads are audited; every state change is recorded in the alert's
// history and in the audit trail in the same transaction.
class AlertLog {
 public:
  explicit AlertLog(store::Database& db) : db_(db) {}

  // Stores a raised alert (state new) with its event references; returns its id.
  // The system raises alerts, so there is no principal; audited as the system.
  // Fails kInvalid on a draft with an unknown incident category or no events.
  // An alert already recorded (see RecordOnce) is not stored again; its id is returned.
  Result<int64_t> Record(const AlertDraft& draft);
  // As Record, but says whether the alert is new: nullopt when the same alert is
  // already recorded — same rule, agency, site, client, user, subject and first event
  // time (migration 12) — as when `esafe monitor run` covers the same stretch of log
  // twice, or covers events the live monitor already saw.
  Result<std::optional<int64_t>> RecordOnce(const AlertDraft& draft);

  // Summaries of the alerts the principal may see, newest first.
  Result<Json> List(const access::Principal& who, const AlertQuery& query);
  // One page of the same, newest first (store/keyset.h); Invalid naming "cursor"
  // when page.after is not a key of it.
  Result<store::Page> ListPage(const access::Principal& who, const AlertQuery& query, const store::PageQuery& page);
  // One alert with its event references ("events": [{"time","client","position"}])
  // and its history ("history": [{"at","by","from","to","reason"}]).
  Result<Json> Get(const access::Principal& who, int64_t id);

  // Triages a new alert into an incident: creates an incident through IncidentLog
  // pre-filled from the alert (category from the rule or term library, how identified
  // "filtering_alert", occurred_at the first event, service the site, a description
  // summarising the evidence); `extra` may override or add incident fields. Returns
  // {"alert": …, "incident": …}. Conflict unless the alert is new.
  Result<Json> TriageToIncident(const access::Principal& who, int64_t id, const Json& extra = Json::object());
  // Closes a new alert as a false positive / dismissed; `reason` (required, 3 to
  // 2000 characters) is kept. Conflict unless the alert is new.
  Result<Json> MarkFalsePositive(const access::Principal& who, int64_t id, const std::string& reason);
  Result<Json> Dismiss(const access::Principal& who, int64_t id, const std::string& reason);

  // E-mail recipients: each an agency's officer (agency_id) or, with no agency, the
  // partnership (alerts no agency owns). Officers manage their own agency's;
  // partnership managers any. Refuses an address that is not local@domain.
  Result<Json> AddRecipient(const access::Principal& who, std::optional<int64_t> agency_id,
                            const std::string& name, const std::string& email);
  Result<Json> ListRecipients(const access::Principal& who, std::optional<int64_t> agency_id);
  // Removes recipient `id` (audited); NotFound when it is not one the principal manages.
  Result<void> RemoveRecipient(const access::Principal& who, int64_t id);

 private:
  Result<Json> Close(const access::Principal& who, int64_t id, AlertState to, const std::string& reason);
  store::Database& db_;
};

}  // namespace esafe::monitoring
