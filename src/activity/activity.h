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
//
// The interface, one header per concept (include this one for all of them):
//   activity/event.h               One filtering decision (ActivityEvent), addresses, JSON lines.
//   activity/store.h               The append-only writer (Store), its options, retention and legal holds.
//   activity/verify.h              Proving the log unaltered (VerifyLog).
//   activity/backup.h              Backup and restore of a log directory (docs/operations.md, "Backups").
//   activity/search.h              Queries, the reader (LogReader) and the audit hook every search passes.
//   activity/query_input.h         A query as typed (web API or `esafe log`), and its one parser.
//   activity/scope.h               Who may search the log, over which agencies; its audit record.
//                                  (Include it on its own: it brings in access and store.)
//   activity/export.h              Exports (CSV, JSON lines, XLSX) and evidence extracts.
//   activity/blocked_summary.h     The summary of blocked requests behind the charts.
//   activity/demo_log.h            A demonstration log for trying esafe out.
//   activity/maintenance.h         Sealing and retention while the log is written.
//   activity/ingest_server.h       The ingest endpoint enforcement points send events to.
//   activity/pg_mirror.h           The PostgreSQL mirror of the sealed segments.
#pragma once

// The standard headers this file brought before it was split, which its includers use.
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

#include "activity/event.h"
#include "activity/store.h"
#include "activity/verify.h"
#include "activity/backup.h"
#include "activity/search.h"
#include "activity/query_input.h"
#include "activity/export.h"
#include "activity/blocked_summary.h"
#include "activity/demo_log.h"
#include "activity/maintenance.h"
#include "activity/ingest_server.h"
#include "activity/pg_mirror.h"
