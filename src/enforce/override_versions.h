// Override versions: the per-agency allow and block entries that agency e-safety officers
// add by approving review requests, kept in the database as numbered versions. Each
// version holds one agency's complete set of entries after one change, with who made it,
// when and why; versions are append-only (the database refuses updates and deletes), so
// every past state can be read back. The newest version number of all is what an
// enforcement point polls to learn that it should reload (enforce_command.cc).
//
// Entries merge into the profiles file's `agency_overrides` (MergeOverrides) and so keep
// its precedence (profile_policy.h): the mandatory lists first, then overrides.
//
// Functions take the Database (or a Connection inside the caller's transaction) and are
// as thread-safe as it is.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "access/access.h"
#include "core/result.h"
#include "filter/category_policy.h"
#include "filter/profile_set.h"
#include "store/database.h"
#include "store/keyset.h"

namespace esafe::enforce {

// Every agency's entries as of the newest version.
struct OverrideSet {
  int64_t version = 0;  // the newest version number of all; 0 when there is none
  std::map<int64_t, filter::Overrides> agencies;
};

// The newest version number, 0 when none exists: one indexed read, cheap to poll.
Result<int64_t> CurrentOverrideVersion(store::Database& db);

// Each agency's newest entries, read together with the version number.
Result<OverrideSet> LoadOverrideSet(store::Database& db);

// Appends the entries of `overrides` to `set.agency_overrides` and records the version.
void MergeOverrides(const OverrideSet& overrides, filter::ProfileSet& set);

// One change: allow or block `entry` ("example.org" or "example.org/path") for an agency.
struct OverrideChange {
  int64_t agency_id = 0;
  filter::Action action = filter::Action::kAllow;  // kAllow or kBlock
  std::string entry;
  std::optional<int64_t> request_id;  // the review request it answers
  std::string reason;                 // why, for the audit trail and the requester
};

// Writes a new version for the agency (its previous entries with `change` applied: the
// entry leaves the other list) inside the caller's transaction and audits it. Returns the
// new version number. Invalid for an entry that is not a domain or URL, an action other
// than allow or block, or an empty reason; Forbidden unless `actor` may write the agency's
// records. The caller checks the mandatory lists (review_requests.cc does).
Result<int64_t> AddOverrideVersion(store::Connection& c, const access::Principal& actor, const OverrideChange& change);

// Where an entry in force came from: the version that last added it for the agency.
struct OverrideOrigin {
  int64_t version = 0;
  int64_t agency_id = 0;
  std::string action;
  std::string entry;
  std::string reason;
  std::string created_by;  // username
  std::string created_at;
  std::optional<int64_t> request_id;
};

// The origin of `entry` in the agency's newest version; nullopt when it is not there.
Result<std::optional<OverrideOrigin>> FindOverrideOrigin(store::Database& db, int64_t agency_id,
                                                         const std::string& entry);

// The versions `actor` may see, newest first (an agency officer: their agency's; a
// partnership manager: all, or one agency's), with their changes: one page of them
// (keyset by version), or every one.
Result<store::Page> ListOverrideVersionsPage(store::Database& db, const access::Principal& actor,
                                             std::optional<int64_t> agency_id, const store::PageQuery& page);
Result<Json> ListOverrideVersions(store::Database& db, const access::Principal& actor,
                                  std::optional<int64_t> agency_id);

}  // namespace esafe::enforce
