// The query options `esafe log search` and `esafe log extract` share, and the
// activity query they make (cli/log_query.h).
#include "cli/log_query.h"

#include "core/text.h"

namespace esafe::cli::log_query {

namespace act = esafe::activity;

void AddQueryOptions(CLI::App* cmd, QueryOptions& o) {
  cmd->add_option("--from", o.from, "Start time, inclusive (RFC 3339 or YYYY-MM-DD)");
  cmd->add_option("--to", o.to, "End time, exclusive");
  cmd->add_option("--cidr", o.cidrs, "Client address range (repeatable)");
  cmd->add_option("--host", o.host, "Host, exact");
  cmd->add_option("--host-prefix", o.host_prefix, "Host prefix");
  cmd->add_option("--host-contains", o.host_contains, "Host substring");
  cmd->add_option("--url", o.url, "URL, exact");
  cmd->add_option("--url-prefix", o.url_prefix, "URL prefix");
  cmd->add_option("--url-contains", o.url_contains, "URL substring");
  cmd->add_option("--user", o.users, "User reference (repeatable)");
  cmd->add_option("--site", o.sites, "Site (repeatable)");
  cmd->add_option("--agency", o.agencies, "Agency (repeatable)");
  cmd->add_option("--category", o.categories, "Category (repeatable)");
  cmd->add_option("--point", o.points, "Enforcement point: squid-helper, icap, filter-check (repeatable)");
  cmd->add_option("--reason", o.reasons, "Reason: category, time rule, mandatory list, override, no match (repeatable)");
  cmd->add_option("--action", o.action, "allow, block, warn or override");
}

namespace {

Result<std::optional<act::TextFilter>> Pattern(const std::string& what, const std::string& exact,
                                               const std::string& prefix, const std::string& contains) {
  const int given = !exact.empty() + !prefix.empty() + !contains.empty();
  if (given > 1) return Error::Invalid("give only one of --" + what + ", --" + what + "-prefix, --" + what + "-contains", what);
  if (given == 0) return std::optional<act::TextFilter>();
  act::TextFilter f;
  f.value = !exact.empty() ? exact : !prefix.empty() ? prefix : contains;
  f.match = !exact.empty() ? act::Match::kExact : !prefix.empty() ? act::Match::kPrefix : act::Match::kSubstring;
  if (!text::IsValidUtf8(f.value) || text::HasControlCharacters(f.value) || f.value.size() > act::kMaxUrlBytes)
    return Error::Invalid("bad --" + what + " pattern: control characters, invalid UTF-8 or too long", what);
  return std::optional<act::TextFilter>(f);
}

}  // namespace

Result<act::Query> BuildQuery(const QueryOptions& o) {
  act::Query q;
  if (!o.from.empty()) {
    auto t = act::ParseTime(o.from);
    if (!t) return Error::Invalid("--from: " + t.error().message, "from");
    q.from_us = *t;
  }
  if (!o.to.empty()) {
    auto t = act::ParseTime(o.to);
    if (!t) return Error::Invalid("--to: " + t.error().message, "to");
    q.to_us = *t;
  }
  if (q.from_us && q.to_us && *q.to_us <= *q.from_us) return Error::Invalid("--to must be after --from", "to");
  for (const auto& c : o.cidrs) {
    auto r = act::ParseCidr(c);
    if (!r) return r.error();
    q.clients.push_back(*r);
  }
  auto host = Pattern("host", o.host, o.host_prefix, o.host_contains);
  if (!host) return host.error();
  q.host = *host;
  auto url = Pattern("url", o.url, o.url_prefix, o.url_contains);
  if (!url) return url.error();
  q.url = *url;
  q.users = o.users;
  q.sites = o.sites;
  q.agencies = o.agencies;
  q.categories = o.categories;
  q.points = o.points;
  q.reasons = o.reasons;
  if (!o.action.empty()) {
    auto a = act::ParseAction(o.action);
    if (!a) return Error::Invalid("--action must be allow, block, warn or override", "action");
    q.action = *a;
  }
  return q;
}

}  // namespace esafe::cli::log_query
