// Rule thresholds as YAML, so a partnership tunes them without a release. Every key
// is optional (the defaults in RuleSettings stand); anything unknown or out of range
// is refused with its line, and the settings in force stay in force.
#include <fmt/format.h>

#include "monitoring/monitoring.h"
#include "monitoring/yaml_reader.h"

namespace esafe::monitoring {
namespace {

constexpr int64_t kMaxWindowSeconds = 7 * 86400;

void Seconds(internal::YamlReader& in, const YAML::Node& root, std::string_view key, std::chrono::seconds& out) {
  if (auto v = in.Integer(root, key, false, 1, kMaxWindowSeconds)) out = std::chrono::seconds(*v);
}

void Count(internal::YamlReader& in, const YAML::Node& root, std::string_view key, uint32_t& out) {
  if (auto v = in.Integer(root, key, false, 1, 1000000)) out = static_cast<uint32_t>(*v);
}

void SeverityKey(internal::YamlReader& in, const YAML::Node& root, std::string_view key, Severity& out) {
  if (auto v = in.Text(root, key, false, 20)) {
    if (auto s = ParseSeverity(*v)) {
      out = *s;
    } else {
      in.Fail(root[std::string(key)].Mark(), fmt::format("'{}' must be low, medium, high or critical", key));
    }
  }
}

bool ValidHost(std::string_view h) {
  if (h.empty() || h.size() > 253 || h.front() == '.' || h.back() == '.') return false;
  for (char c : h) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
  }
  return h.find("..") == std::string_view::npos;
}

}  // namespace

Result<RuleSettings> ParseRuleSettings(std::string_view yaml, std::string_view file_name) {
  internal::YamlReader in(file_name);
  auto root = in.ParseMap(yaml, "rule settings");
  if (!root) return in.ToError();
  in.CheckKeys(*root,
               {"search_window", "search_immediate_severity", "repeat_threshold", "repeat_window", "repeat_severity", "spike_bucket",
                "spike_min_requests", "spike_min_blocked", "spike_factor", "spike_min_increase", "spike_alpha",
                "spike_warmup_buckets", "spike_severity", "proxy_categories", "proxy_hosts", "proxy_window",
                "proxy_allowed_severity", "proxy_blocked_severity", "max_tracked", "max_refs"},
               "rules");
  RuleSettings s;
  Seconds(in, *root, "search_window", s.search_window);
  SeverityKey(in, *root, "search_immediate_severity", s.search_immediate_severity);
  Count(in, *root, "repeat_threshold", s.repeat_threshold);
  Seconds(in, *root, "repeat_window", s.repeat_window);
  SeverityKey(in, *root, "repeat_severity", s.repeat_severity);
  Seconds(in, *root, "spike_bucket", s.spike_bucket);
  Count(in, *root, "spike_min_requests", s.spike_min_requests);
  Count(in, *root, "spike_min_blocked", s.spike_min_blocked);
  if (auto v = in.Number(*root, "spike_factor", 1.0, 1000.0)) s.spike_factor = *v;
  if (auto v = in.Number(*root, "spike_min_increase", 0.0, 1.0)) s.spike_min_increase = *v;
  if (auto v = in.Number(*root, "spike_alpha", 0.001, 1.0)) s.spike_alpha = *v;
  Count(in, *root, "spike_warmup_buckets", s.spike_warmup_buckets);
  SeverityKey(in, *root, "spike_severity", s.spike_severity);
  if (auto v = in.TextList(*root, "proxy_categories", 200, 64)) s.proxy_categories = *v;
  if (auto v = in.TextList(*root, "proxy_hosts", 100000, 253)) {
    for (const auto& h : *v) {
      if (!ValidHost(h)) {
        in.Fail((*root)["proxy_hosts"].Mark(), fmt::format("'proxy_hosts': '{}' is not a lower-case host name", h.substr(0, 60)));
      }
    }
    s.proxy_hosts = *v;
  }
  Seconds(in, *root, "proxy_window", s.proxy_window);
  SeverityKey(in, *root, "proxy_allowed_severity", s.proxy_allowed_severity);
  SeverityKey(in, *root, "proxy_blocked_severity", s.proxy_blocked_severity);
  if (auto v = in.Integer(*root, "max_tracked", false, 100, 100000000)) s.max_tracked = static_cast<size_t>(*v);
  if (auto v = in.Integer(*root, "max_refs", false, 1, 10000)) s.max_refs = static_cast<size_t>(*v);
  if (!in.ok()) return in.ToError();
  return s;
}

}  // namespace esafe::monitoring
