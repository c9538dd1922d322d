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

// The one of --NAME, --NAME-prefix and --NAME-contains given, as the value and match kind
// the activity query reads; Invalid naming NAME when more than one is given.
Result<void> Pattern(const std::string& what, const std::string& exact, const std::string& prefix,
                     const std::string& contains, std::optional<std::string>& value,
                     std::optional<std::string>& match) {
  const int given = !exact.empty() + !prefix.empty() + !contains.empty();
  if (given > 1) return Error::Invalid("give only one of --" + what + ", --" + what + "-prefix, --" + what + "-contains", what);
  if (given == 0) return Ok();
  value = !exact.empty() ? exact : !prefix.empty() ? prefix : contains;
  match = !exact.empty() ? "exact" : !prefix.empty() ? "prefix" : "substring";
  return Ok();
}

std::optional<std::string> Given(const std::string& s) {
  const std::string trimmed(text::Trim(s));
  return trimmed.empty() ? std::nullopt : std::optional<std::string>(trimmed);
}

}  // namespace

Result<act::Query> BuildQuery(const QueryOptions& o) {
  act::QueryInput in;
  in.from = Given(o.from);
  in.to = Given(o.to);
  in.action = Given(o.action);
  in.cidrs = o.cidrs;
  ESAFE_TRY(Pattern("host", o.host, o.host_prefix, o.host_contains, in.host, in.host_match));
  ESAFE_TRY(Pattern("url", o.url, o.url_prefix, o.url_contains, in.url, in.url_match));
  in.users = o.users;
  in.sites = o.sites;
  in.agencies = o.agencies;
  in.categories = o.categories;
  in.points = o.points;
  in.reasons = o.reasons;
  return act::ParseQuery(in);
}

}  // namespace esafe::cli::log_query
