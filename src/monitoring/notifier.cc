// E-mail for alerts. The database is the queue: an alert is unsent until notified_at
// is set after the relay accepted the message, so a failure is retried next time and
// nothing is held in memory. Mail is sent outside any transaction: a slow relay must
// not hold the database.
#include <fmt/format.h>

#include <map>

#include "core/clock.h"
#include "monitoring/monitoring.h"

namespace esafe::monitoring {

using store::Connection;
using store::Value;

namespace {

struct UnsentAlert {
  int64_t id;
  std::optional<int64_t> agency_id;
  std::string rule, severity, site, summary, first_at, last_at;
  int64_t events;
};

std::string AlertText(const UnsentAlert& a, const SmtpSettings& s) {
  std::string text = fmt::format("Alert #{} — {} ({} severity)\nSite: {}\n{}\nEvents: {}, from {} to {}\n", a.id,
                                 a.rule, a.severity, a.site.empty() ? "(unknown)" : a.site, a.summary, a.events,
                                 a.first_at, a.last_at);
  // alert_url_base is the server's address with /alerts/ ("https://esafe.example/alerts/"),
  // which the server sends on to the alert's page in the app.
  if (!s.alert_url_base.empty()) text += fmt::format("Open it: {}{}\n", s.alert_url_base, a.id);
  return text;
}

constexpr const char* kFooter =
    "\n--\nSent by esafe monitoring. The events are in the activity log; this e-mail deliberately names no "
    "child, address or search words. Triage the alert in esafe: raise an incident, or record why it is a false "
    "positive or dismissed.\n";

}  // namespace

Result<NotifyReport> Notifier::SendImmediate() { return Send(true); }
Result<NotifyReport> Notifier::SendDigest() { return Send(false); }

Result<NotifyReport> Notifier::Send(bool immediate) {
  const int64_t threshold = static_cast<int64_t>(settings_.immediate_from);
  struct Work {
    std::vector<UnsentAlert> alerts;
    std::map<std::optional<int64_t>, std::vector<std::string>> recipients;
    std::map<std::optional<int64_t>, std::vector<std::string>> directory_leads;
  };
  auto work = db_.Read<Work>([&](Connection& c) -> Result<Work> {
    Work w;
    auto rows = c.Query(std::string("SELECT id, agency_id, rule, severity, site, summary, first_event_at, last_event_at, "
                                    "event_count FROM monitoring_alerts WHERE notified_at IS NULL AND state = 'new' AND "
                                    "severity_rank ") +
                            (immediate ? ">=" : "<") + " ? ORDER BY id",
                        {threshold});
    if (!rows.ok()) return rows.error();
    for (const auto& r : *rows) {
      w.alerts.push_back({r.Int("id"), r.IsNull("agency_id") ? std::nullopt : std::optional<int64_t>(r.Int("agency_id")),
                          r.Text("rule"), r.Text("severity"), r.Text("site"), r.Text("summary"),
                          r.Text("first_event_at"), r.Text("last_event_at"), r.Int("event_count")});
    }
    auto people = c.Query("SELECT agency_id, email FROM monitoring_recipients ORDER BY id");
    if (!people.ok()) return people.error();
    for (const auto& p : *people) {
      auto agency = p.IsNull("agency_id") ? std::nullopt : std::optional<int64_t>(p.Int("agency_id"));
      w.recipients[agency].push_back(p.Text("email"));
    }
    // Where nobody was named, the directory says who leads: an agency's designated
    // safeguarding lead and e-safety leads (and deputies), and for the partnership the
    // chair of the e-safety sub-group, the partnership e-safety lead (BRIEF).
    auto directory = c.Query(
        "SELECT agency_id, email, esafety_role, subgroup_role FROM people WHERE email IS NOT NULL AND email <> '' "
        "AND (esafety_role IN ('designated safeguarding lead', 'e-safety lead (ESLO / champion)', "
        "'deputy e-safety lead') OR subgroup_role = 'chair') ORDER BY id");
    if (!directory.ok()) return directory.error();
    for (const auto& p : *directory) {
      if (p.Text("subgroup_role") == "chair") w.directory_leads[std::nullopt].push_back(p.Text("email"));
      if (p.Text("esafety_role") != "none") w.directory_leads[p.Int("agency_id")].push_back(p.Text("email"));
    }
    return w;
  });
  if (!work.ok()) return work.error();

  // Who receives an agency's alert, first found: the recipients named for the agency,
  // its leads in the directory, the partnership's named recipients, the partnership
  // e-safety lead in the directory. An alert with no agency starts at the partnership.
  // So an alert always reaches someone who can act on it, or is counted undeliverable.
  auto recipients_for = [&](std::optional<int64_t> agency) -> const std::vector<std::string>* {
    auto found = [](const auto& map, std::optional<int64_t> key) -> const std::vector<std::string>* {
      auto it = map.find(key);
      return it != map.end() && !it->second.empty() ? &it->second : nullptr;
    };
    if (agency) {
      if (const auto* to = found(work->recipients, agency)) return to;
      if (const auto* to = found(work->directory_leads, agency)) return to;
    }
    if (const auto* to = found(work->recipients, std::nullopt)) return to;
    return found(work->directory_leads, std::nullopt);
  };
  auto mark_sent = [&](const std::vector<int64_t>& ids) -> Result<void> {
    return db_.Transaction<void>([&](Connection& c) -> Result<void> {
      const auto now = clock::NowIso8601();
      for (int64_t id : ids) {
        ESAFE_TRY(c.Execute("UPDATE monitoring_alerts SET notified_at = ? WHERE id = ?", {now, id}));
      }
      return Ok();
    });
  };

  NotifyReport report;
  if (immediate) {
    for (const auto& a : work->alerts) {
      const auto* to = recipients_for(a.agency_id);
      if (!to) {
        ++report.undeliverable;
        continue;
      }
      MailMessage m{*to, fmt::format("[esafe] {} alert #{}: {} at {}", a.severity, a.id, a.rule, a.site),
                    AlertText(a, settings_) + kFooter};
      if (!transport_(m).ok()) {
        ++report.failures;
        continue;
      }
      ESAFE_TRY(mark_sent({a.id}));
      ++report.immediate;
      ++report.messages;
    }
    return report;
  }

  std::map<std::vector<std::string>, std::vector<const UnsentAlert*>> digests;
  for (const auto& a : work->alerts) {
    if (const auto* to = recipients_for(a.agency_id)) {
      digests[*to].push_back(&a);
    } else {
      ++report.undeliverable;
    }
  }
  for (const auto& [to, alerts] : digests) {
    std::string body = fmt::format("{} monitoring alert{} waiting for triage:\n\n", alerts.size(),
                                   alerts.size() == 1 ? "" : "s");
    std::vector<int64_t> ids;
    for (const auto* a : alerts) {
      body += AlertText(*a, settings_) + "\n";
      ids.push_back(a->id);
    }
    MailMessage m{to, fmt::format("[esafe] digest: {} monitoring alert{}", alerts.size(), alerts.size() == 1 ? "" : "s"),
                  body + kFooter};
    if (!transport_(m).ok()) {
      ++report.failures;
      continue;
    }
    ESAFE_TRY(mark_sent(ids));
    report.digested += ids.size();
    ++report.messages;
  }
  return report;
}

}  // namespace esafe::monitoring
