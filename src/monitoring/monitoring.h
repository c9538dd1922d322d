// monitoring: early warning over the activity log. Rules run over the stream of
// filtering decisions and raise alerts that an agency's e-safety officer triages
// into an incident, marks a false positive or dismisses (seeds 004 Section 3
// 'Monitoring and reporting': "tracking and identifying trends in advance of
// e-safety issues arising"; 000: "unacceptable content hits are recorded and action
// evaluated").
//
// Read this header first. The pieces, in the order an event meets them:
//
//   TermLibrary      risky search terms by risk (self-harm and suicide, grooming,
//                    bullying, radicalisation, weapons, drugs) as YAML data the
//                    partnership extends (data/monitoring/terms/*.yaml).
//   ExtractSearch    the words a child typed, from a search-engine or video-site URL.
//   TermMatcher      every term of every library compiled into one Hyperscan database,
//                    tolerant of case, spacing, repeated letters and digits for letters.
//   TermsInForce     the matcher in force; a failed reload leaves it in force.
//   Monitor          the rules, evaluated as events stream past in time order, with
//                    bounded state; emits AlertDrafts.
//   AlertLog         alerts in the database: the events behind each by reference
//                    (time, client, stream position; never a copy), their state,
//                    every change audited, scoped to the agency.
//   SmtpClient,      e-mail to the agency's recipients: the most severe at once,
//   Notifier         the rest in a digest.
//
// Thread-safety: TermLibrary, TermMatcher and the free functions are immutable or
// stateless and safe from many threads. TermsInForce is safe from many threads. A
// Monitor is used by one thread at a time. AlertLog and Notifier hold only a reference
// to the Database and are safe from many threads; SmtpClient is one connection's worth
// of state, safe from one thread at a time.
//
// Errors travel as Result values; nothing here throws across this interface.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "access/access.h"
#include "activity/activity.h"
#include "core/result.h"
#include "store/database.h"
#include "store/keyset.h"

namespace esafe::monitoring {

using Json = nlohmann::json;

// ---- Severity ----

// Ordered: a rule or term's severity decides whether an alert is e-mailed at once.
enum class Severity : uint8_t { kLow = 0, kMedium = 1, kHigh = 2, kCritical = 3 };
std::string_view SeverityName(Severity severity);  // "low", "medium", "high", "critical"
std::optional<Severity> ParseSeverity(std::string_view name);

// ---- Term libraries (data/monitoring/terms/*.yaml) ----

// One risky term. `text` is lower-case letters, digits, spaces, hyphens and
// apostrophes, 2 to 80 characters; spacing and case in the searched text do not
// matter (see TermMatcher for the tolerance).
struct Term {
  std::string text;
  Severity risk = Severity::kMedium;
  bool prefix = false;                   // also matches longer words ("suicid" → suicidal)
  std::vector<std::string> variants;     // extra spellings matched as the same term
  int line = 0;                          // where it was written, for messages
};

struct TermLibrary {
  std::string id;                 // "self-harm-and-suicide": a slug, unique among libraries
  int64_t version = 0;            // >= 1
  std::string title;
  std::string incident_category;  // an incidents::Categories() key, for triage
  std::string source;             // the public guidance it was written from
  std::vector<Term> terms;
  std::string file;               // where it was loaded from
};

// Parses and validates one library. Fails kInvalid with "FILE:LINE: reason" (every
// problem found, one a line) on YAML errors, unknown or missing keys, a bad slug,
// version, severity or incident category, a term with characters outside the
// allowed set, a duplicate term, or an empty library.
Result<TermLibrary> ParseTermLibrary(std::string_view yaml, std::string_view file_name);
// Loads every *.yaml in `dir` (sorted by name). Fails when any one file fails (the
// message lists each "FILE:LINE: reason"), when two files share an id, or when the
// folder holds no library.
Result<std::vector<TermLibrary>> LoadTermLibraries(const std::string& dir);

// ---- Search terms in URLs ----

// What someone searched for.
struct SearchQuery {
  std::string engine;  // "google", "bing", "duckduckgo", "youtube", "yahoo", …
  std::string text;    // percent- and plus-decoded, lower-cased, spaces collapsed
};

// The search words in `url` when it is a search on a known search engine or video
// site (Google, Bing, DuckDuckGo, YouTube, Yahoo, Ecosia, Yandex, Baidu, Ask, Brave,
// Startpage, Qwant, TikTok, Vimeo, Reddit), from the query string or the fragment;
// nullopt for any other URL, a search with no words, or malformed encoding.
// Never fails on any input. At most kMaxSearchBytes of decoded text are kept.
std::optional<SearchQuery> ExtractSearch(std::string_view url);
inline constexpr size_t kMaxSearchBytes = 512;

// ---- Matching ----

struct TermHit {
  uint32_t library = 0;  // index into TermMatcher::libraries()
  uint32_t term = 0;     // index into that library's terms
};

// The Hyperscan pattern that TermMatcher compiles for `term` (exposed for tests and
// the fuzz target). Each letter becomes a class with its common digit/symbol
// stand-ins and may repeat ("sooo", "5uicide"); a run of one letter collapses to one
// ("kil" and "killl" match "kill"); words may be separated by any run of spaces, dots,
// dashes, underscores or apostrophes, or none ("killmyself"). Matches start at a word
// start and, unless `prefix`, end at a word end. Spaced-out letters ("s u i c i d e")
// are joined in the text before scanning (MatchScratch::Scan), not in the pattern.
std::string TermPattern(std::string_view text, bool prefix);

// Every term of a set of libraries, compiled. Immutable once built; Scan needs a
// scratch space per thread (MatchScratch).
class TermMatcher {
 public:
  // Compiles the libraries. Each word of at least kMisspellingMinLetters letters also
  // matches with one slip: a letter left out or two neighbouring letters swapped
  // (after the first letter). Fails kInvalid when Hyperscan refuses a pattern (naming
  // the library file, line and term).
  static Result<std::shared_ptr<const TermMatcher>> Build(std::vector<TermLibrary> libraries);
  ~TermMatcher();
  TermMatcher(const TermMatcher&) = delete;
  TermMatcher& operator=(const TermMatcher&) = delete;

  const std::vector<TermLibrary>& libraries() const { return libraries_; }
  size_t term_count() const { return ids_.size(); }

  struct Database;
 private:
  friend class MatchScratch;
  TermMatcher() = default;
  std::vector<TermLibrary> libraries_;
  std::vector<TermHit> ids_;  // Hyperscan expression id → term
  Database* db_ = nullptr;    // owns the hs_database_t
  uint64_t serial_ = 0;       // unique per built matcher, so scratch knows what it fits
};

inline constexpr size_t kMisspellingMinLetters = 7;

// Hyperscan scratch space for one thread, grown to fit whichever matcher it scans with.
class MatchScratch {
 public:
  MatchScratch() = default;
  ~MatchScratch();
  MatchScratch(const MatchScratch&) = delete;
  MatchScratch& operator=(const MatchScratch&) = delete;

  // The terms found in `text` (each at most once), in library then term order.
  // Fails kInternal only when Hyperscan cannot allocate scratch space.
  Result<std::vector<TermHit>> Scan(const TermMatcher& matcher, std::string_view text);

 private:
  void* scratch_ = nullptr;  // hs_scratch_t
  uint64_t fitted_serial_ = 0;
};

// The term matcher in force, swapped whole on reload.
class TermsInForce {
 public:
  // Loads `dir` and puts it in force. On failure returns the error (FILE:LINE:
  // reason) and the matcher in force, if any, stays in force.
  Result<void> Reload(const std::string& dir);
  // Puts already-loaded libraries in force (same rule on failure).
  Result<void> Set(std::vector<TermLibrary> libraries);
  // The matcher in force; nullptr before the first successful load.
  std::shared_ptr<const TermMatcher> current() const;

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const TermMatcher> current_;
};

// ---- Rules ----

enum class Rule : uint8_t { kRiskySearch, kRepeatedBlocks, kBlockRateSpike, kProxyAvoidance };
std::string_view RuleName(Rule rule);  // "risky_search", "repeated_blocks", "block_rate_spike", "proxy_avoidance"
std::optional<Rule> ParseRule(std::string_view name);

// The thresholds. The defaults are a starting point a partnership tunes.
struct RuleSettings {
  // Risky searches: matches by one client (address + user) within `search_window`
  // become one alert, raised when the window closes, at the worst term's risk. A
  // match at `search_immediate_severity` or above is raised at once, as it arrives;
  // later matches in the same window gather into one follow-up alert.
  std::chrono::seconds search_window{300};
  Severity search_immediate_severity = Severity::kCritical;

  // Repeated attempts on blocked categories: `repeat_threshold` blocked requests by
  // one client within `repeat_window` raise one alert; then that client is quiet
  // for `repeat_window`.
  uint32_t repeat_threshold = 10;
  std::chrono::seconds repeat_window{600};
  Severity repeat_severity = Severity::kMedium;

  // A site's blocked-request rate against its own baseline: requests are counted in
  // buckets of `spike_bucket`; a bucket spikes when it has at least
  // `spike_min_blocked` blocked requests and its blocked share is at least
  // `spike_factor` times the site's baseline share (an exponentially weighted mean
  // over earlier buckets with at least `spike_min_requests`, weight `spike_alpha`)
  // and at least `spike_min_increase` above it. The baseline needs
  // `spike_warmup_buckets` buckets first; a spike bucket does not move it.
  std::chrono::seconds spike_bucket{600};
  uint32_t spike_min_requests = 20;
  uint32_t spike_min_blocked = 20;
  double spike_factor = 3.0;
  double spike_min_increase = 0.10;
  double spike_alpha = 0.2;
  uint32_t spike_warmup_buckets = 6;
  Severity spike_severity = Severity::kMedium;

  // Proxy-avoidance and VPN services, by filter category or by host (the host or a
  // parent domain listed). Requests by one client within `proxy_window` become one
  // alert: `proxy_allowed_severity` when any got through, `proxy_blocked_severity`
  // when all were blocked.
  std::vector<std::string> proxy_categories = {"proxy", "proxies", "vpn", "anonymizer", "anonymiser",
                                               "proxy_avoidance", "redirector"};
  std::vector<std::string> proxy_hosts;
  std::chrono::seconds proxy_window{600};
  Severity proxy_allowed_severity = Severity::kHigh;
  Severity proxy_blocked_severity = Severity::kMedium;

  // Memory bound: at most this many clients and sites are tracked; beyond it those
  // not seen within their rule's window are forgotten first, then any (an alert in
  // the making may be lost, never a raised one; counted in MonitorStats::evicted). At most `max_refs` events are referenced from one alert; the
  // count of events is kept exactly.
  size_t max_tracked = 200000;
  size_t max_refs = 50;
};

// Parses rules YAML (thresholds by the names above, durations in seconds, e.g.
// "repeat_threshold: 10", "proxy_hosts: [example-vpn.com]"); every key optional,
// unknown keys refused. Fails kInvalid with "FILE:LINE: reason".
Result<RuleSettings> ParseRuleSettings(std::string_view yaml, std::string_view file_name);

// How an alert refers to an event of the activity log, without copying it: the
// event's time and client address (which LogReader::Search finds it by) and its
// position in the stream the monitor was fed.
struct EventRef {
  int64_t time_us = 0;
  std::string client;     // FormatIp
  uint64_t position = 0;  // 0-based position in the monitored stream
  bool operator==(const EventRef&) const = default;
};

// An alert as a rule raises it, before it is stored.
struct AlertDraft {
  Rule rule = Rule::kRiskySearch;
  Severity severity = Severity::kLow;
  std::string agency;             // as the activity log names it
  std::string site;
  std::string client;             // "" for site-wide alerts
  std::string user;               // pseudonymous reference, may be empty
  std::string subject;            // risky search: the library id; blocks: the categories; spike: "site"; proxy: the host(s)
  std::string incident_category;  // incidents::Categories() key a triage pre-fills
  std::string summary;            // what happened, for a person; never the search words themselves
  int64_t first_us = 0, last_us = 0;
  uint64_t event_count = 0;       // all events behind it (refs may be capped)
  std::vector<EventRef> events;
  Json detail = Json::object();   // rule-specific figures (terms matched, rates, …)
};

struct MonitorStats {
  uint64_t events = 0;
  uint64_t searches = 0;        // events whose URL was a search
  uint64_t search_matches = 0;  // searches matching at least one term
  uint64_t alerts = 0;
  uint64_t out_of_order = 0;    // events older than one already seen (evaluated at the newest time)
  uint64_t evicted = 0;         // tracked clients or sites forgotten for the memory bound
  size_t tracked = 0;           // clients and sites tracked now
};

// The rules, evaluated over events fed in time order. Each alert is handed to the
// sink once, when complete: a risky-search or proxy alert when its window closes, a
// repeated-blocks alert when the threshold is reached, a spike when its bucket ends.
// Flush(now) completes everything whose window has closed by `now`; Flush() without
// a time completes everything (end of stream).
class Monitor {
 public:
  using Sink = std::function<void(AlertDraft&&)>;
  // `terms` may have nothing in force yet; the search rule is then idle.
  Monitor(const TermsInForce& terms, RuleSettings settings, Sink sink);
  ~Monitor();
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  void Feed(const activity::ActivityEvent& event);
  void Feed(std::span<const activity::ActivityEvent> events);
  void Flush(int64_t now_us);
  void Flush();
  MonitorStats stats() const;
  // New thresholds from the next event on. Windows already open close at the time
  // they were given; what is being counted is kept.
  void Reconfigure(RuleSettings settings);

  struct State;
 private:
  std::unique_ptr<State> state_;
};

// ---- Alerts in the database (migrations 8 and 12) ----

enum class AlertState : uint8_t { kNew, kIncident, kFalsePositive, kDismissed };
std::string_view AlertStateName(AlertState state);  // "new", "incident", "false_positive", "dismissed"
std::optional<AlertState> ParseAlertState(std::string_view name);

struct AlertQuery {
  std::optional<int64_t> agency_id;
  std::optional<std::string> state;
  std::optional<std::string> rule;
  std::optional<std::string> min_severity;
  std::optional<std::string> severity;  // exactly this severity
  int64_t limit = 200;  // List only: the newest `limit`; ListPage pages instead
};

// Alerts in the database, scoped like incidents: an alert belongs to the agency the
// activity log names (matched to an agency by id or by name; when none matches, to
// the partnership). Its agency's e-safety officers read and triage it; the
// partnership lead and admins read and triage every alert; other roles see none
// (Forbidden). Reads are audited; every state change is recorded in the alert's
// history and in the audit trail in the same transaction.
class AlertLog {
 public:
  explicit AlertLog(store::Database& db) : db_(db) {}

  // Stores a raised alert (state new) with its event references; returns its id.
  // The system raises alerts, so there is no principal; audited as the system.
  // Fails kInvalid on a draft with an unknown incident category or no events.
  // An alert already recorded (see RecordOnce) is not stored again; its id is returned.
  Result<int64_t> Record(const AlertDraft& draft);
  // As Record, but says whether the alert is new: nullopt when the same alert is
  // already recorded — same rule, agency, site, client, user, subject and first event
  // time (migration 12) — as when `esafe monitor run` covers the same stretch of log
  // twice, or covers events the live monitor already saw.
  Result<std::optional<int64_t>> RecordOnce(const AlertDraft& draft);

  // Summaries of the alerts the principal may see, newest first.
  Result<Json> List(const access::Principal& who, const AlertQuery& query);
  // One page of the same, newest first (store/keyset.h); Invalid naming "cursor"
  // when page.after is not a key of it.
  Result<store::Page> ListPage(const access::Principal& who, const AlertQuery& query, const store::PageQuery& page);
  // One alert with its event references ("events": [{"time","client","position"}])
  // and its history ("history": [{"at","by","from","to","reason"}]).
  Result<Json> Get(const access::Principal& who, int64_t id);

  // Triages a new alert into an incident: creates an incident through IncidentLog
  // pre-filled from the alert (category from the rule or term library, how identified
  // "filtering_alert", occurred_at the first event, service the site, a description
  // summarising the evidence); `extra` may override or add incident fields. Returns
  // {"alert": …, "incident": …}. Conflict unless the alert is new.
  Result<Json> TriageToIncident(const access::Principal& who, int64_t id, const Json& extra = Json::object());
  // Closes a new alert as a false positive / dismissed; `reason` (required, 3 to
  // 2000 characters) is kept. Conflict unless the alert is new.
  Result<Json> MarkFalsePositive(const access::Principal& who, int64_t id, const std::string& reason);
  Result<Json> Dismiss(const access::Principal& who, int64_t id, const std::string& reason);

  // E-mail recipients: each an agency's officer (agency_id) or, with no agency, the
  // partnership (alerts no agency owns). Officers manage their own agency's;
  // partnership managers any. Refuses an address that is not local@domain.
  Result<Json> AddRecipient(const access::Principal& who, std::optional<int64_t> agency_id,
                            const std::string& name, const std::string& email);
  Result<Json> ListRecipients(const access::Principal& who, std::optional<int64_t> agency_id);
  // Removes recipient `id` (audited); NotFound when it is not one the principal manages.
  Result<void> RemoveRecipient(const access::Principal& who, int64_t id);

 private:
  Result<Json> Close(const access::Principal& who, int64_t id, AlertState to, const std::string& reason);
  store::Database& db_;
};

// ---- E-mail ----

struct SmtpSettings {
  std::string host = "127.0.0.1";
  uint16_t port = 25;
  std::string from;                     // local@domain
  std::string helo = "esafe.localhost";  // the name esafe gives in EHLO
  std::chrono::milliseconds timeout{10000};
  // Alerts at or above this severity are sent at once; the rest wait for the digest.
  Severity immediate_from = Severity::kHigh;
  std::string alert_url_base;           // e.g. "https://esafe.example/alerts/", for links; may be empty
  // STARTTLS (RFC 3207) before anything else is sent; the relay's certificate is checked
  // against `host` and the system's CAs, or `ca_file` when given.
  bool starttls = false;
  std::string ca_file;
  // AUTH PLAIN (RFC 4954), only over TLS; the password is read from password_file
  // (mode 0600) so that it is never in the settings file, the logs or the status.
  std::string username;
  std::string password;
};

// Parses SMTP settings YAML (host, port, from, helo, timeout_ms, immediate_from,
// alert_url_base, starttls, ca_file, username, password_file). Fails kInvalid with
// "FILE:LINE: reason"; a username without starttls is refused (no password in clear),
// and the password file is read when the settings are parsed.
Result<SmtpSettings> ParseSmtpSettings(std::string_view yaml, std::string_view file_name);

// True for a plain local@domain address: no spaces, angle brackets, CR or LF.
bool ValidMailAddress(std::string_view address);

struct MailMessage {
  std::vector<std::string> to;
  std::string subject;  // one line; non-ASCII is replaced
  std::string body;     // UTF-8 text; lines end \n or \r\n
};

// A minimal SMTP client (RFC 5321) over Boost.Asio: EHLO (HELO fallback), MAIL,
// RCPT, DATA with dot-stuffing, QUIT. Plain SMTP; meant for a relay on the same
// host or network. Every step has the settings' timeout.
class SmtpClient {
 public:
  explicit SmtpClient(SmtpSettings settings) : settings_(std::move(settings)) {}
  // Sends one message on one connection. Fails kInvalid on a bad address and
  // kInternal (with the server's reply) when the server refuses or times out.
  Result<void> Send(const MailMessage& message);

 private:
  SmtpSettings settings_;
};

// The transport a Notifier sends through (SmtpClient in production; tests may
// substitute one).
using MailTransport = std::function<Result<void>(const MailMessage&)>;

struct NotifyReport {
  uint64_t immediate = 0;  // alerts sent one by one
  uint64_t digested = 0;   // alerts included in a digest
  uint64_t messages = 0;   // e-mails sent
  uint64_t failures = 0;   // messages the transport refused (alerts stay unsent, retried next time)
  uint64_t undeliverable = 0;  // alerts waiting with nobody to send them to (stay unsent, retried)
};

// Sends alerts not yet sent to their agency's recipients. Contents are the rule,
// severity, site, times, counts and a link, never the client address, the user or
// the words searched (e-mail may cross networks unencrypted).
class Notifier {
 public:
  Notifier(store::Database& db, SmtpSettings settings, MailTransport transport)
      : db_(db), settings_(std::move(settings)), transport_(std::move(transport)) {}
  // New alerts at or above immediate_from, one e-mail each.
  Result<NotifyReport> SendImmediate();
  // Every other unsent new alert: one digest e-mail per recipient group.
  Result<NotifyReport> SendDigest();

 private:
  Result<NotifyReport> Send(bool immediate);
  store::Database& db_;
  SmtpSettings settings_;
  MailTransport transport_;
};

// ---- Running the rules ----

// Rule settings from a YAML file (ParseRuleSettings); kInvalid naming the file when
// it cannot be read.
Result<RuleSettings> LoadRuleSettings(const std::string& path);
// SMTP settings from a YAML file (ParseSmtpSettings), likewise.
Result<SmtpSettings> LoadSmtpSettings(const std::string& path);

struct LogRunReport {
  MonitorStats monitor;
  uint64_t recorded = 0;  // alerts new to the database
  uint64_t repeats = 0;   // alerts raised again that were already recorded
};

// Evaluates the rules over the events of the activity log in `log_dir` that `query`
// selects (in the log's order), records each alert through AlertLog::RecordOnce and
// tells `on_alert` about each new one (may be empty). Running it twice over the same
// range records nothing new. Fails as LogReader::Open / Search and AlertLog do;
// alerts recorded before a failure stay recorded.
using AlertRecordedFn = std::function<void(int64_t id, const AlertDraft& draft)>;
Result<LogRunReport> RunOverLog(store::Database& db, const std::string& log_dir, const activity::Query& query,
                                const TermsInForce& terms, const RuleSettings& settings,
                                const AlertRecordedFn& on_alert = {});

struct LiveMonitorOptions {
  // Batches waiting for the monitor thread. When full, a new batch is dropped (never
  // waited for) and counted: ingest must not slow down because monitoring has.
  size_t max_queued_batches = 1024;
  // How often the monitor closes windows by the wall clock when no events arrive,
  // and sends the digest (when SMTP is configured).
  std::chrono::milliseconds tick{1000};
  std::chrono::seconds digest_every{3600};
};

struct LiveMonitorStats {
  uint64_t batches = 0;          // batches evaluated
  uint64_t dropped_batches = 0;  // batches not evaluated because the queue was full
  uint64_t dropped_events = 0;
  uint64_t late_batches = 0;     // batches that waited more than 5 seconds in the queue
  uint64_t alerts = 0;           // alerts recorded
  uint64_t repeats = 0;          // alerts raised again that were already recorded
  uint64_t record_failures = 0;  // alerts the database refused (logged)
  uint64_t mails = 0;            // e-mails the relay accepted
  uint64_t mail_failures = 0;
  uint64_t mail_undeliverable = 0;  // alerts waiting at the last pass with nobody to send them to
  size_t queued = 0;             // batches waiting now
  MonitorStats monitor;
};

// The rules evaluated continuously over the live activity log: Offer() each batch the
// Store acknowledged (Store::SetBatchObserver); a background thread feeds them to a
// Monitor, closes windows as the wall clock passes them, records alerts through
// AlertLog and, when `mail` is set, sends alerts at or above its immediate_from at
// once (Notifier::SendImmediate) and the rest in a digest every digest_every.
//
// Thread-safety: Offer and stats may be called from any thread at once. The terms in
// force may be reloaded meanwhile (TermsInForce); a failed reload leaves the running
// terms in force. Destruction finishes the batch in hand, completes the open windows
// and joins the thread.
class LiveMonitor {
 public:
  LiveMonitor(store::Database& db, const TermsInForce& terms, RuleSettings settings,
              std::optional<SmtpSettings> mail, MailTransport transport = {}, LiveMonitorOptions options = {});
  ~LiveMonitor();
  LiveMonitor(const LiveMonitor&) = delete;
  LiveMonitor& operator=(const LiveMonitor&) = delete;

  // Copies `batch` onto the queue and returns at once; false when it was dropped
  // because the queue is full.
  bool Offer(std::span<const activity::ActivityEvent> batch);
  LiveMonitorStats stats() const;
  // New rule settings, in force from the next batch evaluated.
  void SetRules(RuleSettings settings);

  struct Impl;
 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace esafe::monitoring
