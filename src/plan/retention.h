// RetentionJob: the retention schedule of the partnership's records (issue 7,
// 'Retention of records'), legal holds, and the daily list of records due for
// review or deletion that a person confirms one by one.
//
// Record types: "incident" (from closure), "training_attendance" (from when
// it was recorded), "disclosure_request" (from the response, or receipt
// when there is none), "aup_acceptance" (from when the version accepted was
// retired) and "audit_returns" (an audit round's returns, from the round's
// deadline; record_id is the round's id, and the round itself is kept). Each
// has a period in months, stored in the database with defaults that the
// partnership changes (SetPeriod).
//
// Nothing is removed without a person's confirmation. Each confirmation is
// written to the append-only retention_actions table (who, when, what) and to
// the audit trail in the same transaction as the change. Training attendance
// and disclosure requests (with their handler list) are deleted; incidents are
// never deleted (their dependants — people, actions, referrals, evidence,
// custody, chronology — are protected by triggers), so they are anonymised:
// free text and the names of people involved are cleared. Audit events are
// never deleted.
//
// Every operation is for partnership admins only; anyone else gets Forbidden.
// `now` is an ISO 8601 UTC time (clock::NowIso8601() in production, a fixed
// value in tests). RetentionJob holds only a reference to the Database and is
// safe to use from many threads. Results are JSON values owned by the caller.
#pragma once

#include <string>
#include <vector>

#include "access/access.h"
#include "core/result.h"
#include "store/database.h"

namespace esafe::plan {

// The record types the schedule covers, in display order.
const std::vector<std::string>& RetentionRecordTypes();

class RetentionJob {
 public:
  explicit RetentionJob(store::Database& db) : db_(db) {}

  // [{record_type, months, trigger_field, basis, updated_by, updated_at}].
  Result<Json> Schedule(const access::Principal& who);
  // Sets a record type's period (1..1200 months). Invalid (field "record_type"
  // or "months") for unknown types or out-of-range periods.
  Result<Json> SetPeriod(const access::Principal& who, const std::string& record_type, int64_t months,
                         const std::string& now);

  // {"due": [...], "held": [...]}: records whose period has run out by `now`
  // and that have not been deleted or anonymised, nor extended past `now`.
  // Each is {record_type, record_id, trigger_date, due_on, summary}; held ones
  // also carry `hold` {id, reason, placed_by, placed_at} and are only in "held".
  Result<Json> ListDue(const access::Principal& who, const std::string& now);

  // A person's decision on one due record. input: {record_type, record_id,
  // action: "delete" | "extend", note, months (extend only, 1..120)}.
  // "delete" deletes or anonymises the record (see above). Invalid for bad
  // input; NotFound when no such record; Conflict when it is held or not due.
  // Returns the retention_actions row written.
  Result<Json> Confirm(const access::Principal& who, const Json& input, const std::string& now);

  // Places a legal hold: input {record_type, record_id, reason}. Returns the hold.
  Result<Json> PlaceHold(const access::Principal& who, const Json& input, const std::string& now);
  // Releases hold `hold_id` with a reason; Conflict when already released.
  Result<Json> ReleaseHold(const access::Principal& who, int64_t hold_id, const std::string& reason,
                           const std::string& now);
  // Holds in force (released_at empty) and released, newest first.
  Result<Json> Holds(const access::Principal& who);
  // The retention actions confirmed so far, oldest first.
  Result<Json> Actions(const access::Principal& who);

  // The daily run: computes the due list at `now` and records the run (when,
  // by whom — "system" when `who` is nullptr — and how many were due and
  // held) in retention_runs and the audit trail. Nothing is removed: the due
  // records wait for a person's Confirm. Returns the run with the due list.
  Result<Json> Run(const access::Principal* who, const std::string& now);
  // The most recent runs, newest first (at most `limit`).
  Result<Json> Runs(const access::Principal& who, int64_t limit = 10);

 private:
  store::Database& db_;
};

}  // namespace esafe::plan
