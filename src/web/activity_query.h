// The activity log's query as the web routes read it, from the query string or a JSON
// body (used by routes_activity.cc); the scope and audit record are activity/scope.h.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "access/access.h"
#include "activity/activity.h"
#include "activity/query_input.h"
#include "core/record_schema.h"
#include "core/result.h"
#include "store/database.h"
#include "web/http.h"

namespace esafe::web::activity_query {

// The query fields a search, count and report accept, in the query string or a JSON body.
const std::vector<std::string>& QueryFieldNames();

// Reads one named parameter: nullopt when absent or empty; Invalid naming it when it
// is not text or too long.
using Lookup = std::function<Result<std::optional<std::string>>(const std::string& name)>;
// The parameters of a request's query string; the request must outlive the Lookup.
Lookup FromQueryString(const Request& req);
// The members of a JSON body; the body must outlive the Lookup.
Lookup FromJson(const Json& body);

// What a request asks for, before the caller's scope is applied.
struct Asked {
  activity::Query query;
  std::optional<std::string> agency;  // as asked: an id or a name
};

// The query fields read through `get`, checked by activity::ParseQuery; Invalid naming
// the field that is wrong.
Result<Asked> ParseQuery(const Lookup& get);

// Directory agencies by id, for names in rows and for resolving an agency filter.
Result<std::map<int64_t, std::string>> AgencyNames(store::Database& db);

}  // namespace esafe::web::activity_query
