// monitoring: the rules and their thresholds (rules YAML).
// Part of the monitoring capability's interface; monitoring/monitoring.h is the overview.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "monitoring/severity.h"

namespace esafe::monitoring {

enum class Rule : uint8_t { kRiskySearch, kRepeatedBlocks, kBlockRateSpike, kProxyAvoidance };
std::string_view RuleName(Rule rule);  // "risky_search", "repeated_blocks", "block_rate_spike", "proxy_avoidance"
std::optional<Rule> ParseRule(std::string_view name);

// The thresholds. The defaults are a starting point a partnership tunes.
struct RuleSettings {
  // Risky searches: matches by one client (address + user) within `search_window`
  // become one alert, raised when the window closes, at the worst term's risk. A
  // match at `search_immediate_severity` or above is raised at once, as it arrives;
  // later matches in the same window gather into one follow-up alert.
  std::chrono::seconds search_window{300};
  Severity search_immediate_severity = Severity::kCritical;

  // Repeated attempts on blocked categories: `repeat_threshold` blocked requests by
  // one client within `repeat_window` raise one alert; then that client is quiet
  // for `repeat_window`.
  uint32_t repeat_threshold = 10;
  std::chrono::seconds repeat_window{600};
  Severity repeat_severity = Severity::kMedium;

  // A site's blocked-request rate against its own baseline: requests are counted in
  // buckets of `spike_bucket`; a bucket spikes when it has at least
  // `spike_min_blocked` blocked requests and its blocked share is at least
  // `spike_factor` times the site's baseline share (an exponentially weighted mean
  // over earlier buckets with at least `spike_min_requests`, weight `spike_alpha`)
  // and at least `spike_min_increase` above it. The baseline needs
  // `spike_warmup_buckets` buckets first; a spike bucket does not move it.
  std::chrono::seconds spike_bucket{600};
  uint32_t spike_min_requests = 20;
  uint32_t spike_min_blocked = 20;
  double spike_factor = 3.0;
  double spike_min_increase = 0.10;
  double spike_alpha = 0.2;
  uint32_t spike_warmup_buckets = 6;
  Severity spike_severity = Severity::kMedium;

  // Proxy-avoidance and VPN services, by filter category or by host (the host or a
  // parent domain listed). Requests by one client within `proxy_window` become one
  // alert: `proxy_allowed_severity` when any got through, `proxy_blocked_severity`
  // when all were blocked.
  std::vector<std::string> proxy_categories = {"proxy", "proxies", "vpn", "anonymizer", "anonymiser",
                                               "proxy_avoidance", "redirector"};
  std::vector<std::string> proxy_hosts;
  std::chrono::seconds proxy_window{600};
  Severity proxy_allowed_severity = Severity::kHigh;
  Severity proxy_blocked_severity = Severity::kMedium;

  // Memory bound: at most this many clients and sites are tracked; beyond it those
  // not seen within their rule's window are forgotten first, then any (an alert in
  // the making may be lost, never a raised one; counted in MonitorStats::evicted). At most `max_refs` events are referenced from one alert; the
  // count of events is kept exactly.
  size_t max_tracked = 200000;
  size_t max_refs = 50;
};

// Parses rules YAML (thresholds by the names above, durations in seconds, e.g.
// "repeat_threshold: 10", "proxy_hosts: [example-vpn.com]"); every key optional,
// unknown keys refused. Fails kInvalid with "FILE:LINE: reason".
Result<RuleSettings> ParseRuleSettings(std::string_view yaml, std::string_view file_name);

}  // namespace esafe::monitoring
