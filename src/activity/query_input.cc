// The one parser of the activity log's query (activity/query_input.h).
#include "activity/query_input.h"

#include <algorithm>
#include <cctype>
#include <sstream>

#include <fmt/format.h>

#include "core/text.h"

namespace esafe::activity {

namespace {

Result<void> CheckLength(const std::string& value, const std::string& field) {
  if (value.size() > kMaxQueryFieldBytes)
    return Error::Invalid(fmt::format("{} is longer than {} characters", field, kMaxQueryFieldBytes), field);
  return Ok();
}

Result<Match> ParseMatchKind(const std::optional<std::string>& value, const std::string& field, Match fallback) {
  if (!value) return fallback;
  if (*value == "exact") return Match::kExact;
  if (*value == "prefix") return Match::kPrefix;
  if (*value == "substring") return Match::kSubstring;
  return Error::Invalid(fmt::format("{} must be exact, prefix or substring", field), field);
}

bool HasSpaceOrControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; });
}

bool IsHostText(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' || c == ':' || c == '[' ||
           c == ']';
  });
}

Result<int64_t> ParseBound(const std::string& value, const std::string& field) {
  auto t = ParseTime(value);
  if (!t.ok()) {
    return Error::Invalid(
        fmt::format("{} must be a date (2026-11-23) or an RFC 3339 time (2026-11-23T09:00:00Z)", field), field);
  }
  return *t;
}

Result<void> AddRanges(const std::string& value, std::vector<IpRange>& into) {
  std::stringstream parts(value);
  std::string part;
  while (std::getline(parts, part, ',')) {
    const std::string item(text::Trim(part));
    if (item.empty()) continue;
    auto range = ParseCidr(item);
    if (!range.ok()) {
      return Error::Invalid(fmt::format("cidr '{}' is not an address or a network such as 10.20.1.0/24 or "
                                        "2001:db8::/48 (with no host bits set)", item.substr(0, 64)),
                            "cidr");
    }
    into.push_back(*range);
  }
  return Ok();
}

}  // namespace

Result<Query> ParseQuery(const QueryInput& in) {
  const std::vector<std::pair<const char*, const std::optional<std::string>*>> single = {
      {"from", &in.from}, {"to", &in.to},     {"host", &in.host},        {"host_match", &in.host_match},
      {"url", &in.url},   {"url_match", &in.url_match}, {"action", &in.action}};
  for (const auto& [name, value] : single) {
    if (*value) ESAFE_TRY(CheckLength(**value, name));
  }
  const std::vector<std::pair<const char*, const std::vector<std::string>*>> lists = {
      {"cidr", &in.cidrs},           {"user", &in.users},   {"site", &in.sites},    {"agency", &in.agencies},
      {"category", &in.categories}, {"point", &in.points}, {"reason", &in.reasons}};
  for (const auto& [name, values] : lists) {
    for (const auto& v : *values) ESAFE_TRY(CheckLength(v, name));
  }

  Query q;
  auto host_match = ParseMatchKind(in.host_match, "host_match", Match::kExact);
  if (!host_match.ok()) return host_match.error();
  auto url_match = ParseMatchKind(in.url_match, "url_match", Match::kPrefix);
  if (!url_match.ok()) return url_match.error();
  if (in.host) {
    if (!IsHostText(*in.host)) {
      return Error::Invalid("host must be a host name or part of one (letters, digits, dots and hyphens; no "
                            "wildcards: use host_match=prefix or substring)", "host");
    }
    q.host = TextFilter{text::Lower(*in.host), *host_match};
  }
  if (in.url) {
    if (!text::IsValidUtf8(*in.url) || HasSpaceOrControl(*in.url))
      return Error::Invalid("url must be UTF-8 text without spaces or control characters", "url");
    q.url = TextFilter{*in.url, *url_match};
  }
  if (in.from) {
    auto t = ParseBound(*in.from, "from");
    if (!t.ok()) return t.error();
    q.from_us = *t;
  }
  if (in.to) {
    auto t = ParseBound(*in.to, "to");
    if (!t.ok()) return t.error();
    q.to_us = *t;
  }
  if (q.from_us && q.to_us && *q.from_us >= *q.to_us) return Error::Invalid("from must be before to", "to");
  for (const auto& c : in.cidrs) ESAFE_TRY(AddRanges(c, q.clients));
  q.users = in.users;
  q.sites = in.sites;
  q.agencies = in.agencies;
  for (const auto& c : in.categories) q.categories.push_back(text::Lower(c));
  q.points = in.points;
  q.reasons = in.reasons;
  if (in.action) {
    auto a = ParseAction(*in.action);
    if (!a) return Error::Invalid("action must be allow, block, warn or override", "action");
    q.action = *a;
  }
  return q;
}

Result<Field> ParseCountBy(std::string_view name) {
  auto f = ParseField(name);
  if (!f) {
    return Error::Invalid("count_by must be user, site, agency, profile, host, category, list, action, client, day, "
                          "point, reason or node", "count_by");
  }
  return *f;
}

}  // namespace esafe::activity
