// The query options `esafe log search` and `esafe log extract` share: --from, --to,
// --cidr, the host and URL patterns, and the lists (see log_command.cc).
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "activity/activity.h"
#include "core/result.h"

namespace esafe::cli::log_query {

struct QueryOptions {
  std::string from, to;
  std::vector<std::string> cidrs, users, sites, agencies, categories, points, reasons;
  std::string host, host_prefix, host_contains, url, url_prefix, url_contains, action;
};


// Adds the query options to `cmd`, read into `o`.
void AddQueryOptions(CLI::App* cmd, QueryOptions& o);

// The activity query the options ask for; kInvalid naming the option (without its
// dashes) on a bad time, CIDR, pattern or action, or more than one host or URL pattern.
Result<activity::Query> BuildQuery(const QueryOptions& o);

}  // namespace esafe::cli::log_query
