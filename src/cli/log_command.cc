// `esafe log …`: the forensic activity log from the shell (src/activity, docs/activity.md).
//
//   esafe log search DIR [query options] [--count-by FIELD] [--format jsonl|csv|xlsx --out FILE] [--limit N]
//     Matching events as JSON lines on stdout (or counts: {"<field>":…,"count":N} per line,
//     largest first); a summary line on stderr. Exit 2 for a bad CIDR, time, pattern or option.
//   esafe log verify DIR [--expect-head HASH]
//     One JSON report; exit 0 when intact, 1 when tampered (the first bad segment is named).
//   esafe log ingest DIR --socket PATH   (serve the JSON-lines ingest socket until SIGINT/SIGTERM)
//   esafe log ingest DIR --stdin         (append JSON lines from standard input, batch by batch)
//   esafe log retention DIR [--default-days 90] [--agency-days AGENCY=DAYS …] [--now TIME]
//   esafe log hold add|release|list DIR …
//   esafe log extract DIR --out OUTDIR --who NAME --reference REF [query options] [--formats jsonl,csv,xlsx]
//   esafe log mirror DIR --postgres URL [--schema NAME] [--partition day|month] [--follow [--interval S]]
//     Copies sealed segments into time-partitioned PostgreSQL tables and removes what
//     retention removed; one JSON line per pass that changed something (PgMirror).
//
// Query options: --from T --to T (RFC 3339 or a date; [from, to)), --cidr C (repeatable),
// --host H | --host-prefix P | --host-contains S, --url U | --url-prefix P | --url-contains S,
// --user, --site, --agency, --category, --point, --reason (repeatable),
// --action allow|block|warn|override.
//
// The CLI has no account, so its searches are not in the SQL audit trail; the web layer
// passes an AuditHook (activity.h) that is.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "activity/activity.h"
#include "activity/pg_follow.h"
#include "activity/shipper.h"
#include "cli/commands.h"
#include "cli/config/config_file.h"
#include "cli/log_query.h"
#include "core/hangup.h"
#include "core/text.h"

namespace esafe::cli {
namespace {

namespace act = esafe::activity;
using log_query::AddQueryOptions;
using log_query::BuildQuery;
using log_query::QueryOptions;

[[noreturn]] void FailLogCommand(const Error& error, int code = 0) {
  std::cerr << "esafe log: " << error.message << "\n";
  if (code == 0) code = error.kind == ErrorKind::kInvalid || error.kind == ErrorKind::kNotFound ? 2 : 1;
  throw CLI::RuntimeError(code);
}

std::string Line(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string FieldName(act::Field f) {
  static const char* kNames[] = {"user",   "site",   "agency", "profile", "host",  "category", "list",
                                 "action", "client", "day",    "point",   "reason", "node"};
  return kNames[static_cast<int>(f)];
}

void PrintStats(const act::SearchStats& s) {
  nlohmann::ordered_json j;
  j["matched"] = s.events_matched;
  j["events_scanned"] = s.events_scanned;
  j["segments_scanned"] = s.segments_scanned;
  j["segments_total"] = s.segments_total;
  std::cerr << Line(j) << "\n";
}

struct SearchOptions {
  std::string dir;
  QueryOptions query;
  std::string count_by, format, out;
  uint64_t limit = 0;
};

void RunSearch(const SearchOptions& o) {
  auto query = BuildQuery(o.query);
  if (!query) FailLogCommand(query.error());
  std::optional<act::Field> field;
  if (!o.count_by.empty()) {
    auto parsed = act::ParseCountBy(o.count_by);
    if (!parsed) FailLogCommand(parsed.error());
    field = *parsed;
  }
  std::optional<act::ExportFormat> format;
  if (!o.format.empty()) {
    format = act::ParseExportFormat(o.format);
    if (!format) FailLogCommand(Error::Invalid("--format must be jsonl, csv or xlsx"));
    if (o.out.empty()) FailLogCommand(Error::Invalid("--format needs --out FILE"));
  }
  auto reader = act::LogReader::Open(o.dir);
  if (!reader) FailLogCommand(reader.error());
  std::ios::sync_with_stdio(false);
  if (field) {
    act::SearchStats stats;
    auto counts = reader->CountBy(*query, *field, &stats);
    if (!counts) FailLogCommand(counts.error());
    std::vector<std::pair<std::string, uint64_t>> rows(counts->begin(), counts->end());
    std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    for (const auto& [key, n] : rows) {
      nlohmann::ordered_json j;
      j[FieldName(*field)] = key;
      j["count"] = n;
      std::cout << Line(j) << "\n";
    }
    std::cout.flush();
    PrintStats(stats);
    return;
  }
  if (format) {
    auto n = act::Export(*reader, *query, *format, o.out);
    if (!n) FailLogCommand(n.error());
    std::cerr << Line({{"exported", *n}, {"file", o.out}}) << "\n";
    return;
  }
  uint64_t printed = 0;
  auto stats = reader->Search(*query, [&](const act::ActivityEvent& e) {
    std::cout << act::FormatEventJson(e) << "\n";
    return o.limit == 0 || ++printed < o.limit;
  });
  std::cout.flush();
  if (!stats) FailLogCommand(stats.error());
  PrintStats(*stats);
}

void RunVerify(const std::string& dir, const std::string& head) {
  auto report = act::Verify(dir, head);
  if (!report) FailLogCommand(report.error());
  nlohmann::ordered_json j;
  j["ok"] = report->ok;
  j["entries"] = report->entries;
  j["segments"] = report->segments;
  j["events"] = report->events;
  j["unsealed_events"] = report->wal_events;
  j["lawful_deletions"] = report->lawful_deletions;
  j["head_hash"] = report->head_hash;
  if (report->first_bad_seq) {
    j["first_bad_segment"] = *report->first_bad_seq;
    j["first_bad_file"] = report->first_bad_file;
  }
  j["problems"] = report->problems;
  std::cout << Line(j) << "\n";
  if (!report->ok) throw CLI::RuntimeError(1);
}

// Blocks SIGINT/SIGTERM in this thread (and threads it starts) and runs `stop` when one arrives.
std::thread StopOnSignal(std::function<void()> stop) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return std::thread([set, stop = std::move(stop)] {
    int sig = 0;
    sigwait(&set, &sig);
    stop();
  });
}

void RunIngest(const std::string& dir, act::IngestOptions endpoint, bool from_stdin, size_t segment_events,
               int seal_interval) {
  const bool listening = !endpoint.socket_path.empty() || !endpoint.listen.empty();
  if (listening == from_stdin)
    FailLogCommand(Error::Invalid("give --stdin, or --socket PATH and/or --ingest-listen HOST:PORT"));
  act::StoreOptions options;
  if (segment_events > 0) options.segment_events = segment_events;
  auto store = act::Store::Open(dir, options);
  if (!store) FailLogCommand(store.error());
  if (from_stdin) {
    std::vector<act::ActivityEvent> batch;
    uint64_t accepted = 0, rejected = 0, line_no = 0;
    auto flush = [&] {
      if (batch.empty()) return;
      if (auto r = (*store)->Append(batch); !r) FailLogCommand(r.error(), 1);
      accepted += batch.size();
      batch.clear();
    };
    std::string line;
    while (std::getline(std::cin, line)) {
      ++line_no;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) {
        flush();
        continue;
      }
      auto e = act::ParseEventJson(line);
      if (!e) {
        ++rejected;
        std::cerr << Line({{"line", line_no}, {"reason", e.error().message}}) << "\n";
        continue;
      }
      batch.push_back(std::move(*e));
      if (batch.size() >= 10000) flush();
    }
    flush();
    // An import is complete when it ends: seal it, so the chain covers it at once.
    if (auto sealed = (*store)->Seal(); !sealed) FailLogCommand(sealed.error(), 1);
    std::cout << Line({{"accepted", accepted}, {"rejected", rejected}}) << "\n";
    return;
  }
  auto server = act::IngestServer::Create(**store, endpoint);
  if (!server) FailLogCommand(server.error(), server.error().kind == ErrorKind::kInvalid ? 2 : 1);
  act::IngestServer* raw = server->get();
  // First, so that every thread started after blocks SIGINT and SIGTERM and the stopper
  // alone takes them (a thread that did not would be killed by them, unannounced).
  std::thread stopper = StopOnSignal([raw] { raw->Stop(); });
  // After StopOnSignal: the SIGHUP thread it starts must block SIGTERM too, or SIGTERM could
  // land there and end the process before the counters are written. systemctl reload: the
  // node tokens file is read again (a node added or withdrawn); a broken file keeps them.
  hangup::OnHangup([raw, tokens_file = endpoint.tokens_file] {
    auto nodes = raw->ReloadTokens();
    if (!nodes) {
      std::cerr << "esafe log ingest: SIGHUP: node tokens not reloaded, the tokens in force stay: "
                << nodes.error().message << "\n";
    } else if (*nodes > 0) {
      std::cerr << "esafe log ingest: SIGHUP: reloaded the node tokens in " << tokens_file << " (" << *nodes
                << " nodes)\n";
    } else {
      std::cerr << "esafe log ingest: SIGHUP: nothing to reload (no network listener)\n";
    }
  });
  // Sealed on the interval, so the chain covers every event within minutes however slowly
  // the proxies send; retention stays with `esafe log retention` (the lock is this process's).
  act::LogMaintenance maintenance(**store, {.seal_interval = std::chrono::seconds(seal_interval)});
  if (!endpoint.socket_path.empty()) std::cerr << "esafe log: ingesting on " << endpoint.socket_path << "\n";
  if (!endpoint.listen.empty())
    std::cerr << "esafe log: ingesting over TLS on port " << raw->port() << " (" << endpoint.listen << ")\n";
  raw->Run();
  stopper.join();
  const auto s = raw->stats();
  std::cout << Line({{"batches", s.batches}, {"accepted", s.accepted}, {"rejected", s.rejected},
                     {"connections", s.connections}, {"refused", s.refused}, {"duplicates", s.duplicates}})
            << "\n";
}

void RunSpoolStatus(const std::string& dir) {
  auto slots = act::ReadSpoolStatus(dir);
  if (!slots) FailLogCommand(slots.error());
  bool trouble = false;
  for (const auto& slot : *slots) {
    nlohmann::ordered_json line;
    line["slot"] = slot.slot;
    line["running"] = slot.running;
    line["waiting_batches"] = slot.batches;
    line["waiting_bytes"] = slot.bytes;
    auto status = nlohmann::json::parse(slot.status_json, nullptr, false);
    if (!status.is_discarded() && status.is_object()) {
      line["status"] = status;
      if (status.value("dropped", uint64_t{0}) > 0 || status.value("spool_full", false)) trouble = true;
      if (slot.running && !status.value("connected", false) && slot.batches > 0) trouble = true;
    }
    std::cout << Line(line) << "\n";
  }
  if (trouble) {
    std::cerr << "esafe log spool-status: decisions are waiting for an unreachable log host or were dropped\n";
    throw CLI::RuntimeError(1);
  }
}

void RunRetention(const std::string& dir, int64_t default_days, const std::vector<std::string>& agency_days,
                  const std::string& now_text) {
  act::RetentionPolicy policy;
  if (default_days < 1) FailLogCommand(Error::Invalid("--default-days must be at least 1"));
  policy.default_days = default_days;
  for (const auto& item : agency_days) {
    const auto eq = item.rfind('=');
    auto days = eq == std::string::npos ? std::nullopt : text::ParseInt(item.substr(eq + 1));
    if (!days || *days < 1 || eq == 0) FailLogCommand(Error::Invalid("--agency-days takes AGENCY=DAYS, got " + item));
    policy.agency_days[item.substr(0, eq)] = *days;
  }
  int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count();
  if (!now_text.empty()) {
    auto t = act::ParseTime(now_text);
    if (!t) FailLogCommand(t.error());
    now = *t;
  }
  auto store = act::Store::Open(dir);
  if (!store) FailLogCommand(store.error());
  auto report = (*store)->ApplyRetention(policy, now);
  if (!report) FailLogCommand(report.error());
  std::cout << Line({{"segments_deleted", report->segments_deleted},
                     {"segments_rewritten", report->segments_rewritten},
                     {"events_deleted", report->events_deleted},
                     {"events_kept_by_hold", report->events_kept_by_hold},
                     {"head_hash", (*store)->HeadHash()}})
            << "\n";
}

struct MirrorArgs {
  std::string dir, log, postgres, schema = "esafe_activity", partition = "day";
  bool follow = false;
  double interval = 5;
};

nlohmann::ordered_json MirrorJson(const act::PgMirrorReport& r) {
  nlohmann::ordered_json j;
  j["segments_copied"] = r.segments_copied;
  j["events_copied"] = r.events_copied;
  j["segments_removed"] = r.segments_removed;
  j["events_removed"] = r.events_removed;
  if (!r.removed_seqs.empty()) j["removed_segments"] = r.removed_seqs;
  j["partitions_created"] = r.partitions_created;
  j["partitions_dropped"] = r.partitions_dropped;
  j["segments_mirrored"] = r.segments_mirrored;
  j["events_mirrored"] = r.events_mirrored;
  j["seconds"] = std::round(r.copy_seconds * 1000) / 1000;
  if (r.events_copied > 0 && r.copy_seconds > 0)
    j["events_per_second"] = static_cast<uint64_t>(static_cast<double>(r.events_copied) / r.copy_seconds);
  return j;
}

void RunMirror(const MirrorArgs& a) {
  if (a.dir.empty() == a.log.empty()) FailLogCommand(Error::Invalid("give the log directory once: DIR or --log DIR"));
  const std::string& dir = a.dir.empty() ? a.log : a.dir;
  act::PgMirrorOptions options;
  options.schema = a.schema;
  auto partition = act::ParsePgPartition(a.partition);
  if (!partition) FailLogCommand(Error::Invalid("--partition must be day or month"));
  options.partition = *partition;
  if (!(a.interval >= 0.1 && a.interval <= 3600)) FailLogCommand(Error::Invalid("--interval must be 0.1 to 3600 seconds"));
  if (!a.follow) {
    auto mirror = act::PgMirror::Connect(a.postgres, options);
    if (!mirror) FailLogCommand(mirror.error());
    auto report = (*mirror)->MirrorOnce(dir);
    if (!report) FailLogCommand(report.error());
    std::cout << Line(MirrorJson(*report)) << "\n";
    return;
  }
  // Follow: a pass every --interval until SIGINT/SIGTERM.
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  std::thread stopper = StopOnSignal([&] {
    std::lock_guard lock(mu);
    stopping = true;
    cv.notify_all();
  });
  auto follower = act::PgMirrorFollower::Start(
      a.postgres, options, dir, std::chrono::milliseconds(static_cast<int64_t>(a.interval * 1000)),
      [](const Result<act::PgMirrorReport>& report) {
        if (!report) {
          std::cerr << Line({{"error", report.error().message}}) << "\n";
        } else if (report->segments_copied || report->segments_removed) {
          std::cout << Line(MirrorJson(*report)) << "\n" << std::flush;
        }
      });
  if (!follower) {
    ::kill(::getpid(), SIGTERM);  // ends the signal thread, which waits for one
    stopper.join();
    FailLogCommand(follower.error());
  }
  std::cerr << "esafe log: mirroring " << dir << " into schema " << a.schema << " every " << a.interval << " s\n";
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return stopping; });
  }
  follower->reset();
  stopper.join();
}

}  // namespace

void AddIngestEndpointOptions(CLI::App* command, act::IngestOptions& options) {
  command->add_option("--ingest-listen", options.listen,
                      "Also accept events over TLS on HOST:PORT from enforcement points on other machines");
  command->add_option("--ingest-tls-cert", options.tls_cert_file, "With --ingest-listen: certificate chain (PEM)")
      ->check(config::PathValue());
  command->add_option("--ingest-tls-key", options.tls_key_file, "With --ingest-listen: private key (PEM)")
      ->check(config::PathValue());
  command->add_option("--ingest-tokens", options.tokens_file,
                      "With --ingest-listen: the node tokens file, one 'NODE TOKEN' a line (esafe log new-token)")
      ->check(config::PathValue());
  command->add_option_function<std::string>(
      "--ingest-socket-mode",
      [&options](const std::string& octal) {
        if (octal.empty() || octal.size() > 4 || octal.find_first_not_of("01234567") != std::string::npos)
          throw CLI::ValidationError("--ingest-socket-mode", "an octal mode such as 0660");
        options.socket_mode = static_cast<unsigned>(std::stoul(octal, nullptr, 8));
      },
      "The Unix socket's mode (default 0660: its owner and group may send)");
  command->add_option("--ingest-socket-group", options.socket_group,
                      "Give the Unix socket to this group (the proxy's, e.g. proxy)");
}

void RegisterLogCommands(CLI::App& app) {
  auto* log = app.add_subcommand("log", "The forensic activity log: search, verify, ingest, retention, holds, extracts");
  log->require_subcommand(1);

  auto search = std::make_shared<SearchOptions>();
  auto* s = log->add_subcommand("search", "Search the log; JSON lines on stdout");
  s->add_option("dir", search->dir, "Log directory")->required();
  AddQueryOptions(s, search->query);
  s->add_option("--count-by", search->count_by, "Count matches grouped by this field");
  s->add_option("--format", search->format, "Write an export instead: jsonl, csv or xlsx (needs --out)");
  s->add_option("--out", search->out, "Export file");
  s->add_option("--limit", search->limit, "Stop after this many rows");
  s->callback([search] { RunSearch(*search); });

  auto verify_dir = std::make_shared<std::string>();
  auto head = std::make_shared<std::string>();
  auto* v = log->add_subcommand("verify", "Prove the log was not altered; names the first bad segment");
  v->add_option("dir", *verify_dir, "Log directory")->required();
  v->add_option("--expect-head", *head, "The head hash recorded earlier (detects a removed or rewritten tail)");
  v->callback([verify_dir, head] { RunVerify(*verify_dir, *head); });

  struct IngestArgs {
    std::string dir;
    act::IngestOptions endpoint;
    bool from_stdin = false;
    size_t segment_events = 0;
    int seal_interval = 300;
  };
  auto ingest = std::make_shared<IngestArgs>();
  auto* i = log->add_subcommand("ingest", "Accept events: a Unix socket for enforcement points, or stdin");
  i->add_option("dir", ingest->dir, "Log directory")->required()
      ->check(config::PathValue());
  i->add_option("--socket", ingest->endpoint.socket_path, "Unix socket path to listen on")
      ->check(config::PathValue());
  AddIngestEndpointOptions(i, ingest->endpoint);
  i->add_flag("--stdin", ingest->from_stdin, "Read JSON lines from standard input");
  i->add_option("--segment-events", ingest->segment_events, "Seal a segment at this many events (0: the store's default)")
      ->capture_default_str();
  i->add_option("--seal-interval", ingest->seal_interval,
                 "With --socket: seal new events into a chained segment every SECONDS")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  i->callback([ingest] {
    RunIngest(ingest->dir, ingest->endpoint, ingest->from_stdin, ingest->segment_events, ingest->seal_interval);
  });

  auto token_node = std::make_shared<std::string>();
  auto* nt = log->add_subcommand("new-token", "Print a tokens-file line with a new random token for a node");
  nt->add_option("node", *token_node, "The enforcement point's name, as the log will record it")->required();
  nt->callback([token_node] {
    if (token_node->empty() || token_node->size() > 64 ||
        token_node->find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
            std::string::npos)
      FailLogCommand(Error::Invalid("a node name is 1 to 64 letters, digits, '.', '-' or '_'", "node"));
    std::cout << *token_node << " " << act::NewNodeToken() << "\n";
  });

  auto spool_dir = std::make_shared<std::string>();
  auto* ss = log->add_subcommand("spool-status",
                                 "Check an enforcement point's spool: what waits for the log host, and whether "
                                 "anything was dropped (exit 1 when so)");
  ss->add_option("dir", *spool_dir, "The --spool directory")->required();
  ss->callback([spool_dir] { RunSpoolStatus(*spool_dir); });

  struct RetentionArgs {
    std::string dir, now;
    int64_t default_days = 90;
    std::vector<std::string> agency_days;
  };
  auto ret = std::make_shared<RetentionArgs>();
  auto* r = log->add_subcommand("retention", "Delete expired events (except held ones); every deletion is chained");
  r->add_option("dir", ret->dir, "Log directory")->required();
  r->add_option("--default-days", ret->default_days, "Retention period (default 90 days)");
  r->add_option("--agency-days", ret->agency_days, "Per-agency period, AGENCY=DAYS (repeatable)");
  r->add_option("--now", ret->now, "Run as of this time (default: now)");
  r->callback([ret] { RunRetention(ret->dir, ret->default_days, ret->agency_days, ret->now); });

  struct HoldArgs {
    std::string dir, id, from, to, cidr, user, reason, by;
  };
  auto hold = std::make_shared<HoldArgs>();
  auto* h = log->add_subcommand("hold", "Legal holds: keep matching events past retention");
  h->require_subcommand(1);
  auto* add = h->add_subcommand("add", "Place a hold (a time range, IP range and/or user)");
  add->add_option("dir", hold->dir)->required();
  add->add_option("--id", hold->id, "Hold id, e.g. the incident or disclosure reference")->required();
  add->add_option("--from", hold->from);
  add->add_option("--to", hold->to);
  add->add_option("--cidr", hold->cidr);
  add->add_option("--user", hold->user);
  add->add_option("--reason", hold->reason)->required();
  add->add_option("--by", hold->by, "Who places it")->required();
  add->callback([hold] {
    act::LegalHold lh;
    lh.id = hold->id;
    lh.reason = hold->reason;
    for (auto [text, slot] : {std::pair{&hold->from, &lh.from_us}, std::pair{&hold->to, &lh.to_us}}) {
      if (text->empty()) continue;
      auto t = act::ParseTime(*text);
      if (!t) FailLogCommand(t.error());
      *slot = *t;
    }
    if (!hold->cidr.empty()) lh.cidr = hold->cidr;
    if (!hold->user.empty()) lh.user = hold->user;
    auto store = act::Store::Open(hold->dir);
    if (!store) FailLogCommand(store.error());
    if (auto placed = (*store)->PlaceHold(lh, hold->by); !placed) FailLogCommand(placed.error());
    std::cout << Line({{"placed", lh.id}, {"head_hash", (*store)->HeadHash()}}) << "\n";
  });
  auto* rel = h->add_subcommand("release", "Release a hold");
  rel->add_option("dir", hold->dir)->required();
  rel->add_option("--id", hold->id)->required();
  rel->add_option("--by", hold->by)->required();
  rel->callback([hold] {
    auto store = act::Store::Open(hold->dir);
    if (!store) FailLogCommand(store.error());
    if (auto released = (*store)->ReleaseHold(hold->id, hold->by); !released) FailLogCommand(released.error());
    std::cout << Line({{"released", hold->id}, {"head_hash", (*store)->HeadHash()}}) << "\n";
  });
  auto* list = h->add_subcommand("list", "List the holds in force");
  list->add_option("dir", hold->dir)->required();
  list->callback([hold] {
    auto store = act::Store::Open(hold->dir);
    if (!store) FailLogCommand(store.error());
    for (const auto& x : (*store)->Holds()) {
      nlohmann::ordered_json j;
      j["id"] = x.id;
      if (x.from_us) j["from"] = act::FormatTime(*x.from_us);
      if (x.to_us) j["to"] = act::FormatTime(*x.to_us);
      if (x.cidr) j["cidr"] = *x.cidr;
      if (x.user) j["user"] = *x.user;
      j["reason"] = x.reason;
      std::cout << Line(j) << "\n";
    }
  });

  struct ExtractArgs {
    std::string dir, out, who, reference;
    QueryOptions query;
    std::vector<std::string> formats{"jsonl", "csv"};
  };
  auto ex = std::make_shared<ExtractArgs>();
  auto* e = log->add_subcommand("extract", "Evidence extract: exactly the matching events plus a manifest");
  e->add_option("dir", ex->dir, "Log directory")->required();
  e->add_option("--out", ex->out, "Output directory (new or empty)")->required();
  e->add_option("--who", ex->who, "Who makes the extract")->required();
  e->add_option("--reference", ex->reference, "The incident or disclosure request")->required();
  e->add_option("--formats", ex->formats, "jsonl, csv, xlsx")->delimiter(',');
  AddQueryOptions(e, ex->query);
  e->callback([ex] {
    auto query = BuildQuery(ex->query);
    if (!query) FailLogCommand(query.error());
    act::ExtractRequest request;
    request.query = *query;
    request.who = ex->who;
    request.reference = ex->reference;
    request.formats.clear();
    for (const auto& f : ex->formats) {
      auto format = act::ParseExportFormat(f);
      if (!format) FailLogCommand(Error::Invalid("--formats takes jsonl, csv, xlsx"));
      request.formats.push_back(*format);
    }
    auto result = act::WriteExtract(ex->dir, request, ex->out);
    if (!result) FailLogCommand(result.error());
    nlohmann::ordered_json j;
    j["events"] = result->events;
    j["manifest"] = result->manifest_path;
    j["sha256"] = result->sha256;
    std::cout << Line(j) << "\n";
  });

  auto mirror = std::make_shared<MirrorArgs>();
  auto* m = log->add_subcommand("mirror", "Copy sealed segments into time-partitioned PostgreSQL tables");
  m->add_option("dir", mirror->dir, "Log directory");
  m->add_option("--log", mirror->log, "Log directory (the same as DIR)");
  m->add_option("--postgres", mirror->postgres, "postgresql:// URL of the consortium's database")->required();
  m->add_option("--schema", mirror->schema, "Schema to write (default esafe_activity)");
  m->add_option("--partition", mirror->partition, "day (default) or month");
  m->add_flag("--follow", mirror->follow, "Keep mirroring new segments until SIGINT/SIGTERM");
  m->add_option("--interval", mirror->interval, "Seconds between passes with --follow (default 5)");
  m->callback([mirror] { RunMirror(*mirror); });
}

}  // namespace esafe::cli
