// The activity log: queries, the reader (LogReader) and the audit hook every search passes.
// Part of the activity capability's interface; activity/activity.h is the overview.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "activity/event.h"
#include "core/result.h"

namespace esafe::activity {

enum class Match : uint8_t { kExact, kPrefix, kSubstring };
struct TextFilter {
  std::string value;
  Match match = Match::kExact;
};

// All set parts must match (AND); list-valued parts match any of their values (OR).
struct Query {
  std::optional<int64_t> from_us;  // inclusive
  std::optional<int64_t> to_us;    // exclusive
  std::vector<IpRange> clients;
  std::optional<TextFilter> host;  // compared with the lower-cased value
  std::optional<TextFilter> url;
  std::vector<std::string> users, sites, agencies, categories;
  std::vector<std::string> points, reasons;  // enforcement point, reason
  std::optional<Action> action;
};

// The fields a count can be grouped by.
enum class Field : uint8_t {
  kUser, kSite, kAgency, kProfile, kHost, kCategory, kList, kAction, kClient, kDay, kPoint, kReason, kNode
};
std::optional<Field> ParseField(std::string_view name);  // "user", …, "client", "day", "point", "reason", "node"

struct SearchStats {
  uint64_t segments_total = 0;
  uint64_t segments_scanned = 0;  // the rest were skipped by their index
  uint64_t events_scanned = 0;
  // Within the segments scanned: their blocks (ESAFSEG2 segments hold blocks of 1,024
  // events) and those of which any column was decompressed; the rest were skipped by
  // their time and address ranges or the host postings. Search and CountBy only.
  uint64_t blocks_total = 0;
  uint64_t blocks_read = 0;
  uint64_t events_matched = 0;
};

// Called for each matching row; return false to stop. The reference is valid only
// during the call.
using RowFn = std::function<bool(const ActivityEvent&)>;

// Reports how far a search has got: `done` of `total` parts, where the parts are the
// sealed segments (each counted whether its index let it be skipped or it was read)
// plus one for the unsealed events. Called from the searching thread after each part;
// the last call has done == total (unless a RowFn stopped the search early).
using ProgressFn = std::function<void(uint64_t done, uint64_t total)>;

// A read-only snapshot of a log: the sealed segments' indexes plus the acknowledged
// WAL batches at the time of Open. Memory is bounded by one decoded segment at a time.
class LogReader {
 public:
  static Result<LogReader> Open(const std::string& dir);

  // Streams matching events, segment by segment in time order of their first event
  // (within a segment, by time). Fails kNotFound if a segment vanished (retention ran
  // meanwhile) and kInternal if one cannot be decoded.
  // `progress`, when given, is told after each part (see ProgressFn).
  Result<SearchStats> Search(const Query& query, const RowFn& row, const ProgressFn& progress = {}) const;
  // What Search would read for `query`, from the indexes alone (nothing is decoded):
  // segments_total, segments_scanned (those the index cannot rule out) and
  // events_scanned (their events plus the unsealed ones); events_matched is 0. Lets a
  // caller refuse an interactive search that would read too much.
  SearchStats Estimate(const Query& query) const;
  // Counts matching events grouped by `field`.
  Result<std::map<std::string, uint64_t>> CountBy(const Query& query, Field field,
                                                  SearchStats* stats = nullptr) const;

  uint64_t segment_count() const;
  uint64_t event_count() const;

  struct Snapshot;
 private:
  std::shared_ptr<const Snapshot> snapshot_;
};

// ---- Access auditing ----

// Every search and extract reads personal data, so it is audited. The activity
// capability cannot reach the SQL audit trail (that needs a store::Connection); the
// web layer passes a hook that calls access::RecordAudit. When the hook fails, the
// search or extract does not run.
struct AccessNote {
  std::string who;       // username, or "cli:<unix user>"
  std::string action;    // "activity.search", "activity.count", "activity.extract"
  std::string summary;   // the query, described
};
using AuditHook = std::function<Result<void>(const AccessNote&)>;

// A description of `query` for audit trails and manifests (JSON object).
std::string DescribeQuery(const Query& query);

}  // namespace esafe::activity
