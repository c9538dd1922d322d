// The activity log's query as a person gives it — the text of each field, from the web
// API's query string or JSON body or from `esafe log search` options — and the one
// parser that checks it and makes the Query. Both edges (web/activity_query.cc,
// cli/log_query.cc) fill a QueryInput and call ParseQuery, so a field means the same
// and is refused with the same message wherever it is typed.
//
// Thread-safety: free functions, safe from many threads.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "activity/search.h"
#include "core/result.h"

namespace esafe::activity {

// The longest text any one field may hold.
inline constexpr size_t kMaxQueryFieldBytes = 2048;

// Each field as given, trimmed; absent (nullopt or empty list) when not given.
struct QueryInput {
  std::optional<std::string> from, to;  // a date (2026-11-23) or an RFC 3339 time; [from, to)
  std::vector<std::string> cidrs;       // each an address or network, or several separated by commas
  std::optional<std::string> host, host_match;  // host_match: exact (the default), prefix or substring
  std::optional<std::string> url, url_match;    // url_match: exact, prefix (the default) or substring
  std::vector<std::string> users, sites, agencies, categories, points, reasons;
  std::optional<std::string> action;  // allow, block, warn or override
};

// The query `in` asks for: host and categories lower-cased, each list matching any of
// its values. Invalid naming the field as the web API names it ("from", "host_match",
// "cidr" …) on a bad time, from not before to, a bad range, a host with characters no
// host has, a URL with spaces or control characters, an unknown match or action, or a
// field longer than kMaxQueryFieldBytes.
Result<Query> ParseQuery(const QueryInput& in);

// The field a count is grouped by ("user", "site", … "node"); Invalid naming "count_by".
Result<Field> ParseCountBy(std::string_view name);

}  // namespace esafe::activity
