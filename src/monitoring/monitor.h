// monitoring: the rules evaluated over the stream of events, emitting alert drafts.
// Part of the monitoring capability's interface; monitoring/monitoring.h is the overview.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "activity/activity.h"
#include "monitoring/rule_settings.h"
#include "monitoring/term_matcher.h"

namespace esafe::monitoring {

// How an alert refers to an event of the activity log, without copying it: the
// event's time and client address (which LogReader::Search finds it by) and its
// position in the stream the monitor was fed.
struct EventRef {
  int64_t time_us = 0;
  std::string client;     // FormatIp
  uint64_t position = 0;  // 0-based position in the monitored stream
  bool operator==(const EventRef&) const = default;
};

// An alert as a rule raises it, before it is stored.
struct AlertDraft {
  Rule rule = Rule::kRiskySearch;
  Severity severity = Severity::kLow;
  std::string agency;             // as the activity log names it
  std::string site;
  std::string client;             // "" for site-wide alerts
  std::string user;               // pseudonymous reference, may be empty
  std::string subject;            // risky search: the library id; blocks: the categories; spike: "site"; proxy: the host(s)
  std::string incident_category;  // incidents::Categories() key a triage pre-fills
  std::string summary;            // what happened, for a person; never the search words themselves
  int64_t first_us = 0, last_us = 0;
  uint64_t event_count = 0;       // all events behind it (refs may be capped)
  std::vector<EventRef> events;
  Json detail = Json::object();   // rule-specific figures (terms matched, rates, …)
};

struct MonitorStats {
  uint64_t events = 0;
  uint64_t searches = 0;        // events whose URL was a search
  uint64_t search_matches = 0;  // searches matching at least one term
  uint64_t alerts = 0;
  uint64_t out_of_order = 0;    // events older than one already seen (evaluated at the newest time)
  uint64_t evicted = 0;         // tracked clients or sites forgotten for the memory bound
  size_t tracked = 0;           // clients and sites tracked now
};

// The rules, evaluated over events fed in time order. Each alert is handed to the
// sink once, when complete: a risky-search or proxy alert when its window closes, a
// repeated-blocks alert when the threshold is reached, a spike when its bucket ends.
// Flush(now) completes everything whose window has closed by `now`; Flush() without
// a time completes everything (end of stream).
class Monitor {
 public:
  using Sink = std::function<void(AlertDraft&&)>;
  // `terms` may have nothing in force yet; the search rule is then idle.
  Monitor(const TermsInForce& terms, RuleSettings settings, Sink sink);
  ~Monitor();
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  void Feed(const activity::ActivityEvent& event);
  void Feed(std::span<const activity::ActivityEvent> events);
  void Flush(int64_t now_us);
  void Flush();
  MonitorStats stats() const;
  // New thresholds from the next event on. Windows already open close at the time
  // they were given; what is being counted is kept.
  void Reconfigure(RuleSettings settings);

  struct State;
 private:
  std::unique_ptr<State> state_;
};

}  // namespace esafe::monitoring
