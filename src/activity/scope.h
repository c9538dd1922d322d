// Who may search the activity log, over which agencies, and the audit record each use
// of the log leaves. The web routes (web/routes_activity.cc) call these for every
// search, count, report and summary; the rule lives here so that it holds however the
// log is reached.
//
// Thread-safety: free functions, safe from many threads.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "access/access.h"
#include "activity/search.h"
#include "core/result.h"
#include "store/database.h"

namespace esafe::activity {

// True when `who`'s role may search the log at all: the partnership administrator and
// lead, auditors, and agency officers tied to an agency. Staff and board members may not.
bool MaySearchLog(const access::Principal& who);

// Sets `q.agencies` to the agencies `who` may search and asked for. `asked` is an agency
// as the person gave it (its directory id or its name, any case); `names` holds the
// directory's agencies by id. The partnership roles (and an auditor not tied to an
// agency) search every agency, or the one asked for; an officer or tied auditor searches
// only their own agency, by its id and its name.
// Forbidden for a role that may not search the log, for an officer tied to no agency,
// and for an officer or tied auditor asking for another agency; `q` is then unchanged.
Result<void> ApplyScope(const access::Principal& who, const std::optional<std::string>& asked,
                        const std::map<int64_t, std::string>& names, Query& q);

// Writes `action` on the activity log ("activity.search", "activity.hold.place" …), with
// `summary`, to the audit trail as done by `who`. The database error when it cannot.
Result<void> RecordLogAudit(store::Database& db, const access::Principal& who, const std::string& action,
                            const std::string& summary);

}  // namespace esafe::activity
