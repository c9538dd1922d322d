// The forensic activity log: every filtering decision, kept append-only and
// tamper-evident for a set period, searchable by URL, time slot and IP range, and
// exported as spreadsheets and evidence packs (seeds 004 Annex A, Havering).
//
// Read this header first. The on-disk design is in docs/activity.md.
//
// A log is a directory:
//   chain.log        one line per ledger entry: "<sha256 hex> <json>", each hash
//                    chained to the previous one. Entries: sealed segments, retention
//                    deletions and rewrites, legal holds placed and released.
//   seg-<seq>.esl    sealed segments: time-sorted events in zstd-compressed columns,
//                    with an index (time, client address range, agency / category /
//                    site sets, host and user bloom filters) that lets queries skip them.
//   wal-<gen>.log    the active part: acknowledged batches not yet sealed, each with a
//                    checksum; a torn tail is cut off on open.
//   LOCK             flock()ed by the one writer (Store).
//
// Thread-safety: a Store is safe for concurrent use from many threads (one mutex);
// only one Store may have a directory open at a time (enforced by flock). A LogReader
// is an immutable snapshot, safe for concurrent reads, and may be opened while a Store
// writes. Free functions are thread-safe.
//
// Errors travel as Result values; nothing here throws across this interface.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace esafe::activity {

// ---- Events ----

// A client address. IPv4 is held as an IPv4-mapped IPv6 address (::ffff:a.b.c.d),
// so one ordering covers both families.
struct IpAddress {
  std::array<uint8_t, 16> bytes{};
  auto operator<=>(const IpAddress&) const = default;
  bool IsV4() const;
};

// Parses "192.0.2.1" or "2001:db8::1"; nullopt otherwise.
std::optional<IpAddress> ParseIp(std::string_view text);
// "192.0.2.1" for mapped IPv4, RFC 5952 text for IPv6.
std::string FormatIp(const IpAddress& ip);

// An inclusive address range, from a CIDR ("10.0.0.0/8", "2001:db8::/32") or a bare address.
struct IpRange {
  IpAddress first;
  IpAddress last;
  bool Contains(const IpAddress& ip) const { return first <= ip && ip <= last; }
};
// Fails (kInvalid, field "cidr") on anything that is not a CIDR or an address, or
// when host bits are set below the prefix ("10.0.0.1/8").
Result<IpRange> ParseCidr(std::string_view text);

// What the filter did.
enum class Action : uint8_t { kAllow = 0, kBlock = 1, kWarn = 2, kOverride = 3 };
std::string_view ActionName(Action action);            // "allow", "block", "warn", "override"
std::optional<Action> ParseAction(std::string_view name);

// One filtering decision: the one event type of the system. The enforcement points
// (src/enforce: the Squid helper, the ICAP service, `esafe filter check`) fill one per
// decision and hand it to a DecisionSink; the log stores, searches and exports it; its
// JSON-lines form (FormatEventJson) is both the enforcement points' --decision-log line
// and what the ingest socket and `esafe log ingest --stdin` read.
// Times are microseconds since the Unix epoch, UTC.
struct ActivityEvent {
  int64_t time_us = 0;
  IpAddress client;
  std::string user;          // pseudonymous reference, may be empty
  std::string site;          // the site's name, "" when unknown
  std::string agency;        // the directory's agency id in decimal ("3"): what search scoping matches
  std::string profile;
  std::string url;
  std::string host;          // canonical (lower-case) host
  std::string category;      // empty when uncategorised
  std::string list;          // the list that matched
  std::string list_version;
  Action action = Action::kAllow;
  std::string point;         // the enforcement point: "squid-helper", "icap", "filter-check"; "" when unknown
  std::string reason;        // why: "category", "time rule", "mandatory list", "override", "no match"…
  std::string entry;         // the list entry that matched, "" when none
  std::string node;          // the sending node's name (set by the ingest server); "" by default
  bool safe_search = false;  // the request was rewritten for safe search

  bool operator==(const ActivityEvent&) const = default;
};

// Limits on one event; longer fields are rejected, never truncated.
inline constexpr size_t kMaxUrlBytes = 8192;
inline constexpr size_t kMaxFieldBytes = 512;
// Every event within the field caps formats to a line under this (two 8 KiB fields and
// eleven of 512 B, doubled by JSON escaping at worst, plus the keys: under 45 KiB), so
// ParseEventJson takes every line FormatEventJson writes.
inline constexpr size_t kMaxLineBytes = 65536;

// Parses one JSON-lines event, the form FormatEventJson writes:
//   {"time":"2026-11-23T09:15:02.125000Z","client":"10.1.2.3","user":"u-81","site":"S12",
//    "agency":"3","profile":"primary","url":"http://ex.com/a","host":"ex.com",
//    "category":"gambling","list":"gambling","list_version":"2026-11-01","action":"block",
//    "point":"squid-helper","reason":"category","entry":"ex.com","node":"",
//    "safe_search":false}
// time (RFC 3339, UTC "Z" or an offset), client, url and action are required; host is
// taken from the URL when absent; every other key is optional (the older ingest form,
// without point … safe_search, is read as before). safe_search is a JSON boolean, every
// other value a string. Fails (kInvalid, field = the offending key) with a reason on
// anything else: bad JSON, unknown keys, wrong types, invalid UTF-8, control
// characters, over-long fields.
Result<ActivityEvent> ParseEventJson(std::string_view line);
// The JSON-lines form ParseEventJson reads (no trailing newline): every field, always,
// in the order above, the time with microseconds. ParseEventJson(FormatEventJson(e)) == e
// for every event whose strings are within the caps and free of control characters and
// whose host is lower case.
std::string FormatEventJson(const ActivityEvent& event);

// RFC 3339 → microseconds since the epoch; kInvalid on anything else. Also accepts a
// bare date "2026-11-23" (midnight UTC).
Result<int64_t> ParseTime(std::string_view text);
// "2026-11-23T09:15:02.125000Z".
std::string FormatTime(int64_t time_us);

// ---- The writer ----

// Names one batch a sender (an enforcement point's spool) sent: the spool's random
// generation, the batch's number within it (rising from 1), and the node that sent it.
struct BatchMark {
  std::string node;
  std::string generation;  // 1..64 characters [0-9A-Za-z_-]
  uint64_t seq = 0;
};

struct StoreOptions {
  size_t segment_events = 262144;  // seal the active part at this many events
  int segment_zstd_level = 1;  // as small as -3 on these columns (21.87 against 21.90 bytes/event), and faster
  bool sync = true;                // fdatasync before acknowledging; never off in production
};

// What a chain entry recorded about a lawful removal, and what verify reads back.
struct RetentionPolicy {
  int64_t default_days = 90;                    // Annex A: at least three months
  std::map<std::string, int64_t> agency_days;   // per-agency overrides
  int64_t DaysFor(const std::string& agency) const;
};

// Keeps matching events past retention until released. Empty/unset parts match all;
// at least one part must be set.
struct LegalHold {
  std::string id;                    // chosen by the caller, unique
  std::optional<int64_t> from_us;    // [from, to)
  std::optional<int64_t> to_us;
  std::optional<std::string> cidr;
  std::optional<std::string> user;
  std::string reason;                // e.g. the incident or disclosure reference
  bool Matches(const ActivityEvent& event) const;  // cidr pre-validated by PlaceHold
};

struct RetentionReport {
  uint64_t segments_deleted = 0;
  uint64_t segments_rewritten = 0;
  uint64_t events_deleted = 0;
  uint64_t events_kept_by_hold = 0;
};

// The append-only writer. Open it once per directory (flock); Append is safe from many threads.
class Store {
 public:
  // Opens or creates `dir`. Cleans up after a crash: cuts a torn WAL tail and a torn
  // chain line, removes a segment whose seal did not reach the chain, and replays the
  // acknowledged batches. Fails kConflict when another process holds the lock and
  // kInternal when the directory is corrupt (run Verify to locate the damage).
  static Result<std::unique_ptr<Store>> Open(const std::string& dir, const StoreOptions& options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Appends `batch` atomically: on success every event is durable (fsync'd) and
  // will be in every later search; on failure none is. Events need not be in time
  // order. Seals a segment when the active part is full.
  Result<void> Append(std::span<const ActivityEvent> batch);

  // Appends `batch` as Append does unless the batch `mark` names was appended before
  // (a sender resending after a lost acknowledgement): then nothing is written and
  // the answer is false. The mark is written with the batch, in the same WAL record,
  // and carried into the chain at each seal, so a kill -9 between the write and the
  // acknowledgement, or a restart, still knows the batch. Marks of one generation
  // must rise (a sender's spool numbers its batches in order).
  Result<bool> AppendOnce(std::span<const ActivityEvent> batch, const BatchMark& mark);
  // The highest batch appended for `generation`, 0 when none.
  uint64_t LastBatch(const std::string& generation) const;

  // Seals the active part into a segment now (no-op when empty).
  Result<void> Seal();

  // Called with each batch Append made durable, just before Append returns success,
  // on the appending thread and outside the store's lock (so batches from concurrent
  // appends may arrive out of order). It must hand the batch off quickly, never block.
  // Replaces any earlier observer; an empty one removes it.
  using BatchObserver = std::function<void(std::span<const ActivityEvent>)>;
  void SetBatchObserver(BatchObserver observer);

  // Deletes events older than the policy allows, as of `now_us`. A segment whose
  // events are all expired and unheld is deleted; one with some expired and some kept
  // (another agency's longer period, or a legal hold) is rewritten with the kept
  // events. Every deletion and rewrite is a chain entry naming the range, the time
  // and the rule. When any unsealed event has expired, the active part is sealed first.
  Result<RetentionReport> ApplyRetention(const RetentionPolicy& policy, int64_t now_us);

  // Places or releases a legal hold; both are chain entries. kConflict on a duplicate
  // id, kInvalid on a hold that matches everything or a bad CIDR, kNotFound on release
  // of an unknown hold.
  Result<void> PlaceHold(const LegalHold& hold, const std::string& who);
  Result<void> ReleaseHold(const std::string& id, const std::string& who);
  std::vector<LegalHold> Holds() const;

  // The hash at the end of the chain. Record it outside the log (the audit trail)
  // so that a rewrite of the whole chain is detectable too: Verify(dir, head).
  std::string HeadHash() const;
  uint64_t ActiveEvents() const;

  struct Impl;

 private:
  Result<bool> AppendMarked(std::span<const ActivityEvent> batch, const BatchMark* mark);
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// ---- Verification ----

struct VerifyReport {
  bool ok = true;
  uint64_t entries = 0;         // chain entries checked
  uint64_t segments = 0;        // live segments checked
  uint64_t events = 0;          // events in live segments
  uint64_t wal_events = 0;      // acknowledged, not yet sealed
  uint64_t lawful_deletions = 0;
  std::string head_hash;
  // The first problem, located: the chain entry / segment sequence number and file.
  std::optional<uint64_t> first_bad_seq;
  std::string first_bad_file;
  std::vector<std::string> problems;  // every problem found, first one first
};

// Proves that no sealed event was altered, removed, inserted or reordered since it
// was sealed: re-hashes every chain entry and every live segment, decodes each
// segment and checks its count, time range and sequence number, checks that every
// missing segment was removed by a retention entry whose rule allowed it, and that no
// file outside the chain sits among the segments. With `expect_head`, also that the
// chain ends at that hash. Fails only when `dir` cannot be read at all; tampering is
// reported in the VerifyReport.
Result<VerifyReport> Verify(const std::string& dir, const std::string& expect_head = {});

// ---- Backup and restore (backup.cc; docs/operations.md, "Backups") ----

// What BackupLog copied.
struct LogBackup {
  std::vector<std::string> files;  // names written into the destination, chain.log first
  uint64_t entries = 0;            // chain entries copied
  std::string head_hash;           // the copied chain's last hash
  uint64_t segments = 0;           // live segments copied
  uint64_t wal_events = 0;         // acknowledged events not yet sealed, copied from the WAL
  uint64_t attempts = 0;           // reads of the chain it took (a seal meanwhile costs one more)
};

// Copies the log at `src` into `dest` (created; must be missing or empty) while a
// Store in another process keeps appending, sealing and applying retention, without
// taking its lock. The copy is the log as of one chain entry: the chain up to that
// entry, the live segments it names (each checked against its SHA-256 in the chain),
// and a prefix of the WAL that follows it ending at a record boundary. Every event
// acknowledged before the call is in the copy, and Verify accepts the copy. A seal
// while the WAL is read makes it start again from the chain (segments already copied
// are kept); it gives up after 100 tries. Fails kInvalid when `dest` is not empty,
// kInternal when `src` is corrupt (run Verify) or cannot be read, or a write fails.
Result<LogBackup> BackupLog(const std::string& src, const std::string& dest);

// Whether RestoreLog may write `dest`: fails kInvalid when it holds anything and
// `force` is false, and kConflict when a Store has it open (esafe serve is running).
Result<void> CheckLogRestoreTarget(const std::string& dest, bool force);

// Restores the log BackupLog wrote at `backup` into `dest`: verifies the backup
// first (kConflict when it does not verify, with the first problem), copies it into
// a folder beside `dest`, then swaps that folder into place, so `dest` is either the
// old log or the whole backup, never a mixture. Returns the backup's VerifyReport.
// Fails as CheckLogRestoreTarget does, and kInternal on an I/O failure.
Result<VerifyReport> RestoreLog(const std::string& backup, const std::string& dest, bool force);

// ---- Search ----

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

// ---- Export ----

enum class ExportFormat : uint8_t { kCsv, kJsonLines, kXlsx };
std::optional<ExportFormat> ParseExportFormat(std::string_view name);  // "csv", "jsonl", "xlsx"

// Writes the matching events to `path` in `format`, streaming (XLSX in libxlsxwriter's
// constant-memory mode, a new sheet every 1,000,000 rows). CSV cells are neutralised
// so that a spreadsheet never runs them as formulas. Returns the event count.
// `progress` as for LogReader::Search.
Result<uint64_t> Export(const LogReader& reader, const Query& query, ExportFormat format,
                        const std::string& path, const ProgressFn& progress = {});
std::string_view ExportExtension(ExportFormat format);    // "csv", "jsonl", "xlsx"
std::string_view ExportMediaType(ExportFormat format);    // "text/csv; charset=utf-8", …

// ---- Summary of blocked requests (for charts) ----

// "2026-W48": the ISO 8601 week (Monday to Sunday, UTC) that `time_us` falls in.
std::string IsoWeek(int64_t time_us);

struct NameCount {
  std::string name;
  uint64_t count = 0;
};
// The blocked events of one group: a week, a site, or a site in a week.
struct BlockedGroup {
  std::string week;  // "" when the group spans all weeks
  std::string site;  // "" when the group spans all sites
  uint64_t blocked = 0;
  std::vector<NameCount> categories;  // the top ones, most first (ties by name); "" = uncategorised
  std::vector<NameCount> hosts;
};
struct BlockedSummary {
  uint64_t blocked = 0;
  std::vector<BlockedGroup> by_week;       // in week order
  std::vector<BlockedGroup> by_site;       // most blocked first
  std::vector<BlockedGroup> by_site_week;  // by site name, then week
  SearchStats stats;
};
// Summarises the blocked events among those matching `query` (whose action, if set,
// is replaced by block): per ISO week, per site and per site and week, the `top`
// categories and hosts. Fails as LogReader::Search does.
Result<BlockedSummary> SummariseBlocked(const LogReader& reader, const Query& query, size_t top = 5);

// ---- Demonstration log ----

// A site that demonstration events come from.
struct DemoSite {
  std::string agency;   // the agency key events carry (the directory's agency id)
  std::string site;     // the site's name
  std::string cidr;     // its client addresses, e.g. "10.20.1.0/24"
  std::string profile;  // the filtering profile its users get, e.g. "primary"
};
// Appends `events` plausible filtering decisions (mostly allowed, some blocked in
// categories children meet: social networking, gaming, adult, gambling, proxies) spread
// over the `days` days before `now_us` at `sites`, through Store::Append, so they are
// chained and sealed like any others. The same arguments give the same events. Returns
// the count; kInvalid when `sites` is empty or a cidr is not an IPv4 range.
Result<uint64_t> WriteDemoLog(Store& store, const std::vector<DemoSite>& sites, int64_t now_us, int days,
                              uint64_t events, uint64_t seed);

// ---- Evidence extract ----

struct ExtractRequest {
  Query query;
  std::string who;        // the person making the extract
  std::string reference;  // the incident or disclosure request it is for
  std::vector<ExportFormat> formats = {ExportFormat::kJsonLines, ExportFormat::kCsv};
};
struct ExtractResult {
  uint64_t events = 0;
  std::string manifest_path;
  std::map<std::string, std::string> sha256;  // file name → hex digest
};

// Writes exactly the matching events into `out_dir` (created; must not exist or be
// empty) as events.<ext> per format plus manifest.json: the query, the time of
// extract, who, the reference, the event count, the log's head hash and the SHA-256
// of each file. Calls `audit` first when given.
Result<ExtractResult> WriteExtract(const std::string& log_dir, const ExtractRequest& request,
                                   const std::string& out_dir, const AuditHook& audit = {});

// ---- Keeping the log sealed and within its retention while it is written ----

// Seals the store's active part every `seal_interval` while it holds events, so the
// hash chain covers every event within that time however slowly events arrive (a
// school's proxy may take days to fill a segment), and applies `daily_retention`
// once a day when set. Runs its own thread from construction until destruction; the
// store must outlive it. Failures are counted and logged, never thrown.
struct MaintenanceOptions {
  std::chrono::seconds seal_interval{300};
  std::optional<RetentionPolicy> daily_retention;  // unset: retention is left to `esafe log retention`
};

struct MaintenanceStats {
  uint64_t seals = 0;
  uint64_t seal_failures = 0;
  uint64_t retention_runs = 0;
  uint64_t retention_failures = 0;
  int64_t last_seal_us = 0;       // when the chain last covered every event; 0 before the first
  int64_t last_retention_us = 0;  // 0 before the first run
};

class LogMaintenance {
 public:
  LogMaintenance(Store& store, MaintenanceOptions options);
  ~LogMaintenance();  // stops the thread; a seal in progress completes first
  LogMaintenance(const LogMaintenance&) = delete;
  LogMaintenance& operator=(const LogMaintenance&) = delete;
  MaintenanceStats stats() const;

  struct Impl;
 private:
  std::unique_ptr<Impl> impl_;
};

// ---- Ingest endpoint ----

struct IngestStats {
  uint64_t batches = 0;
  uint64_t accepted = 0;
  uint64_t rejected = 0;
  uint64_t connections = 0;
  uint64_t refused = 0;     // connections refused: no, or a wrong, token
  uint64_t duplicates = 0;  // batches already in the log (resent after a lost answer), dropped
};

struct IngestOptions {
  size_t max_batch_events = 10000;  // a batch is committed at this size even without a blank line
  size_t max_connections = 256;
  // The Unix socket, "" for none. Its mode, and its group when set, say which local
  // processes may send (the proxy's user): anyone who can connect can send events.
  std::string socket_path;
  unsigned socket_mode = 0660;
  std::string socket_group;
  // TLS over TCP for enforcement points on other machines, "" for none: HOST:PORT,
  // the server's certificate chain and key (PEM), and the node tokens file, one
  // "NODE TOKEN" a line; a connection must say hello with a token from it.
  std::string listen;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tokens_file;
  std::chrono::seconds hello_timeout{10};
};

// Accepts JSON-lines events from enforcement points, on a Unix socket and over TLS.
// Protocol (docs/activity.md, "Sending events"):
//   {"hello":1,"node":"NAME","token":"T"}   first line; required over TLS, where the
//       token names the node; optional on the Unix socket. Answer {"ok":true,"node":…}
//       or {"ok":false,"error":…} and the connection is closed.
//   {"batch":N,"generation":"G"}             optional first line of a batch: its mark.
//   event lines, then a blank line (or EOF, or max_batch_events lines) ending a batch.
// The server appends the batch's valid events atomically, fsyncs, and answers one line
// {"ok":true,"accepted":N,"rejected":M,"errors":[{"line":i,"reason":…}],"duplicate":false}.
// A marked batch the log already holds is answered "duplicate":true and not appended
// again. Malformed events are rejected one by one with a reason, never stored; every
// event is attributed to the node that sent it.
class IngestServer {
 public:
  // Binds what `options` names (at least one of socket_path and listen). Fails if it
  // cannot, or on a bad certificate, key or tokens file.
  static Result<std::unique_ptr<IngestServer>> Create(Store& store, const IngestOptions& options);
  // The Unix socket only (as before the network listener).
  static Result<std::unique_ptr<IngestServer>> Create(Store& store, const std::string& socket_path,
                                                      const IngestOptions& options = {});
  ~IngestServer();
  // Serves until Stop() (from any thread or a signal handler thread).
  void Run();
  void Stop();
  IngestStats stats() const;
  // The TCP port listened on (after Create with `listen`; useful with port 0), else 0.
  uint16_t port() const;
  // Reads the node tokens file again (SIGHUP) and puts it in force for connections that
  // sign in from now on; returns how many nodes it lists. On failure (a bad line, no node)
  // the tokens in force stay. Nothing to do (0) without a network listener.
  Result<size_t> ReloadTokens();

  struct Impl;
 private:
  explicit IngestServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Node tokens: "NODE TOKEN" a line, '#' comments. A node is 1..64 of [A-Za-z0-9._-];
// a token 32..256 printable characters without spaces. Fails with file and line.
Result<std::map<std::string, std::string>> LoadNodeTokens(const std::string& path);  // token → node
// A fresh random token (43 characters, URL-safe base64 of 32 bytes).
std::string NewNodeToken();

// ---- PostgreSQL mirror (a consortium's copy for its own tools; pg_mirror.cc) ----
//
// Copies the log's *sealed* segments into PostgreSQL so that a partnership can query
// them with psql or a BI tool. The file store stays the record (the hash chain lives
// there); the mirror is a derived copy that can always be rebuilt from it.
//
// In `schema` (default "esafe_activity") it keeps:
//   events      PARTITION BY RANGE (time), one partition per UTC day or month
//               (events_YYYYMMDD / events_YYYYMM), created on demand; columns time
//               timestamptz, client inet, user_ref, site, agency, profile, host, url,
//               category, list, list_version, action, segment_seq, point, reason,
//               entry, node, safe_search (empty fields are NULL;
//               "user" is user_ref because a bare `user` in SQL means current_user).
//   segments    one row per mirrored segment (seq, sha256, events, min/max time,
//               mirrored_at), written in the same transaction as the segment's rows, so
//               a rerun or a kill -9 mid-copy never duplicates or half-copies a segment.
//   removals    one row per segment that retention removed from the log and so from
//               the mirror (when, how many events, the chain entry that removed it).
//   mirror_meta the schema version, the partition granularity and the identity of the
//               log (the hash of its first chain entry): one schema mirrors one log.
//
// Thread-safety: a PgMirror is one PostgreSQL connection; use it from one thread at a
// time. Only one mirror runs per schema at once (a PostgreSQL advisory lock).

enum class PgPartition : uint8_t { kDay, kMonth };
std::optional<PgPartition> ParsePgPartition(std::string_view name);  // "day", "month"

struct PgMirrorOptions {
  std::string schema = "esafe_activity";  // [a-z_][a-z0-9_]{0,39}
  PgPartition partition = PgPartition::kDay;
  // Test hook: called after a segment's rows are sent and before its transaction
  // commits. Tests kill the process here to prove a half-copied segment never lands.
  std::function<void(uint64_t seq)> before_commit;
};

struct PgMirrorReport {
  uint64_t segments_copied = 0;
  uint64_t events_copied = 0;
  uint64_t segments_removed = 0;     // removed from the log by retention, so from PG too
  uint64_t events_removed = 0;
  uint64_t partitions_created = 0;
  uint64_t partitions_dropped = 0;   // partitions whose every segment was removed
  uint64_t segments_mirrored = 0;    // segments in PostgreSQL after this pass
  uint64_t events_mirrored = 0;
  std::vector<uint64_t> removed_seqs;
  double copy_seconds = 0;           // wall time spent reading segments and copying them
};

// The mirror of one log into one PostgreSQL schema.
class PgMirror {
 public:
  // Connects to `url` (a libpq URI, postgresql://user@host:port/db) and creates the
  // schema and tables if missing. Fails kInvalid on a bad schema name, kInternal when
  // PostgreSQL cannot be reached, and kConflict when the schema exists with another
  // partition granularity or a newer schema version.
  static Result<std::unique_ptr<PgMirror>> Connect(const std::string& url, const PgMirrorOptions& options = {});
  ~PgMirror();
  PgMirror(const PgMirror&) = delete;
  PgMirror& operator=(const PgMirror&) = delete;

  // One pass: copies every live sealed segment of `log_dir` not yet in PostgreSQL (each
  // in its own transaction, after checking its SHA-256 against the chain) and removes
  // from PostgreSQL every segment the chain no longer has (retention), dropping a
  // partition when nothing live is left in it and deleting by segment otherwise.
  // Unsealed events are not copied. Fails kConflict when another mirror holds the
  // schema or the schema mirrors a different log, kInternal when the log is corrupt
  // (a segment does not match the chain) or PostgreSQL fails; what committed before
  // the failure stays, and the next pass carries on from there.
  Result<PgMirrorReport> MirrorOnce(const std::string& log_dir);

  struct Impl;
 private:
  explicit PgMirror(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace esafe::activity
