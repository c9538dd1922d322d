// Helpers shared by the plan registers: moving records between RecordSchema
// JSON and table rows. Internal to src/plan.
#pragma once

#include <string>
#include <vector>

#include "core/record_schema.h"
#include "core/result.h"
#include "store/database.h"
#include "store/record_row.h"

namespace esafe::plan::internal {

using store::FromRow;
using store::ToValue;
// INSERTs the writable fields of `valid` plus `extra` columns (and created_at,
// updated_at when `stamped`) into `table`; returns the new id.
Result<int64_t> Insert(store::Connection& c, const std::string& table, const RecordSchema& schema,
                       const Json& valid, std::vector<std::pair<std::string, store::Value>> extra,
                       bool stamped = true);
// UPDATEs the writable fields present in `valid`; returns the names changed.
Result<std::vector<std::string>> Update(store::Connection& c, const std::string& table,
                                        const RecordSchema& schema, const Json& valid, int64_t id);
// Today's date (UTC) as YYYY-MM-DD when `today` is empty, else `today`.
std::string Today(const std::string& today);
// `date` (YYYY-MM-DD) plus `months`, clamped to the month's last day.
std::string AddMonths(const std::string& date, int64_t months);

}  // namespace esafe::plan::internal
