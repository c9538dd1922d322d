// The query options `esafe log search` and `esafe log extract` share: --from, --to,
// --cidr, the host and URL patterns, and the lists (see log_command.cc).
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "activity/activity.h"
#include "activity/query_input.h"
#include "core/result.h"

namespace esafe::cli::log_query {

struct QueryOptions {
  std::string from, to;
  std::vector<std::string> cidrs, users, sites, agencies, categories, points, reasons;
  std::string host, host_prefix, host_contains, url, url_prefix, url_contains, action;
};


// Adds the query options to `cmd`, read into `o`.
void AddQueryOptions(CLI::App* cmd, QueryOptions& o);

// The activity query the options ask for, checked by activity::ParseQuery (the same rules
// and messages as the web API); kInvalid naming the field on a bad time, CIDR, pattern or
// action, or when more than one host or URL pattern is given.
Result<activity::Query> BuildQuery(const QueryOptions& o);

}  // namespace esafe::cli::log_query
