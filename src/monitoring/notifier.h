// monitoring: e-mail of alerts to the agencies' recipients: at once or in a digest.
// Part of the monitoring capability's interface; monitoring/monitoring.h is the overview.
#pragma once

#include <cstdint>
#include <functional>

#include "monitoring/alert_log.h"
#include "monitoring/smtp_client.h"
#include "store/database.h"

namespace esafe::monitoring {

// The transport a Notifier sends through (SmtpClient in production; tests may
// substitute one).
using MailTransport = std::function<Result<void>(const MailMessage&)>;

struct NotifyReport {
  uint64_t immediate = 0;  // alerts sent one by one
  uint64_t digested = 0;   // alerts included in a digest
  uint64_t messages = 0;   // e-mails sent
  uint64_t failures = 0;   // messages the transport refused (alerts stay unsent, retried next time)
  uint64_t undeliverable = 0;  // alerts waiting with nobody to send them to (stay unsent, retried)
};

// Sends alerts not yet sent to their agency's recipients. Contents are the rule,
// severity, site, times, counts and a link, never the client address, the user or
// the words searched (e-mail may cross networks unencrypted).
class Notifier {
 public:
  Notifier(store::Database& db, SmtpSettings settings, MailTransport transport)
      : db_(db), settings_(std::move(settings)), transport_(std::move(transport)) {}
  // New alerts at or above immediate_from, one e-mail each.
  Result<NotifyReport> SendImmediate();
  // Every other unsent new alert: one digest e-mail per recipient group.
  Result<NotifyReport> SendDigest();

 private:
  Result<NotifyReport> Send(bool immediate);
  store::Database& db_;
  SmtpSettings settings_;
  MailTransport transport_;
};

}  // namespace esafe::monitoring
