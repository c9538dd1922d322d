// Deployment health: the checks `esafe doctor`, GET /api/v1/health/details and the
// partnership administrator's dashboard panel share (issue 18, item 5). Start here.
//
// A Deployment says what a running `esafe serve` uses (its configuration file,
// database, activity log, lists, SMTP relay, certificate…); RunChecks looks at each and
// answers one Check a thing: ok, not configured, warning or problem, what was found,
// and for anything wrong what the administrator should do about it. Each check is a
// small function of its own, declared below, so that tests call it directly.
//
// Nothing here changes the deployment: the database is opened read-only and never
// migrated, the activity log only read, the SMTP relay sent EHLO and QUIT.
//
// Thread safety: every function is safe to call from many threads at once. Network
// checks (SMTP, the PostgreSQL mirror) give up after Thresholds::network_timeout; the
// log's verification after Thresholds::verify_timeout, when that is set.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace esafe::access {
struct Principal;
}

namespace esafe::store {
class Connection;
}

namespace esafe::health {

enum class Status { kOk, kNotConfigured, kWarning, kProblem };
// "ok", "not configured", "warning", "problem".
std::string_view StatusName(Status status);

// One thing checked. `advice` is "" when there is nothing to do.
struct Check {
  std::string name;    // "database file modes", "filtering lists", …
  Status status = Status::kOk;
  std::string detail;  // what was found, for an administrator
  std::string advice;  // what to do about it
};

// When something counts as late, old or slow. Documented in docs/operations.md
// ("Checking a deployment").
struct Thresholds {
  std::chrono::hours list_warning{14 * 24};   // a list file older than this: warning
  std::chrono::hours list_problem{30 * 24};   // older than this: problem
  std::chrono::minutes node_silent{60};       // a node heard from this week but not since: problem
  std::chrono::hours node_known_window{7 * 24};
  std::chrono::hours cert_warning{30 * 24};   // a certificate expiring sooner: warning
  int64_t mirror_lag_segments = 2;            // more sealed segments than this not in PostgreSQL: problem
  std::chrono::milliseconds network_timeout{2000};
  // 0: verify the whole log however long it takes (esafe doctor); the route bounds it.
  std::chrono::milliseconds verify_timeout{0};
};

// What `esafe serve` is configured with: the serve section of esafe.yaml (doctor) or
// serve's own options (the route). Empty strings mean "not configured".
struct Deployment {
  std::string config_file;
  std::vector<std::string> config_problems;  // FILE:LINE: reason, as `esafe config check` reports them
  std::string db_url;                         // sqlite:PATH or postgresql://…
  std::string activity_log_dir;
  std::chrono::seconds seal_interval{300};
  std::string ingest_tokens_file;             // the nodes expected to send events
  std::string profiles_file;                  // its mandatory lists are checked
  std::vector<std::string> list_dirs;         // squidGuard/UT1 folders (icap, squid-helper --lists)
  std::string activity_postgres;              // the PostgreSQL mirror, postgresql://…
  std::string activity_postgres_schema = "esafe_activity";
  std::string smtp_host;
  int smtp_port = 25;
  std::string smtp_helo = "esafe.localhost";
  std::string tls_cert;
  bool demo = false;                          // serve runs with --demo
  // The account the service runs as: files must belong to it when doctor runs as root.
  std::string service_user = "esafe";
  Thresholds thresholds;
};

// Every check below, in the order an administrator reads them. Checks that need the
// network run in parallel, so the whole takes about the slowest one.
std::vector<Check> RunChecks(const Deployment& deployment);

// RunChecks for the partnership administrator only: kForbidden for any other role.
Result<std::vector<Check>> DeploymentHealth(const access::Principal& who, const Deployment& deployment);

// {"status": worst status, "checks": [{name, status, detail, advice}]}.
nlohmann::json ToJson(const std::vector<Check>& checks);
// One line a check: "problem  database file modes: … — chmod 0640 …".
std::string ToText(const std::vector<Check>& checks);
// The worst status among `checks` (kOk when empty; kNotConfigured counts as ok).
Status Worst(const std::vector<Check>& checks);

// ---- The checks, one a function ----

Check CheckConfiguration(const Deployment& d);
// Modes (nothing readable by every user; the configuration file holds secrets) and,
// when `running_as_root`, owners (the service user) of the database with its -wal and
// -shm files, the activity log folder and the configuration file.
std::vector<Check> CheckFileModes(const Deployment& d, bool running_as_root);
// Reachable, and every migration this esafe knows applied (read-only: never migrates).
Check CheckDatabase(const Deployment& d);
// Demo accounts: none is ok; present and suspended is a warning; one that can sign in
// while the server runs without --demo is a problem.
Check CheckDemoAccounts(const Deployment& d);
// Every list file present, and how old its newest file is compared with the thresholds.
std::vector<Check> CheckListFiles(const Deployment& d, std::chrono::system_clock::time_point now);
// Enforcement points: each node named in the ingest tokens file or heard from within
// node_known_window must have sent events within node_silent.
std::vector<Check> CheckNodes(const Deployment& d, std::chrono::system_clock::time_point now);
// The hash chain verifies, and nothing acknowledged waits unsealed for much longer than
// the seal interval.
Check CheckActivityLog(const Deployment& d, std::chrono::system_clock::time_point now);
// How many of the log's sealed segments the PostgreSQL mirror lacks.
Check CheckMirror(const Deployment& d);
// TCP connect and EHLO within network_timeout.
Check CheckSmtp(const Deployment& d);
// The certificate's notAfter against now and cert_warning.
Check CheckTlsCertificate(const Deployment& d, std::chrono::system_clock::time_point now);

}  // namespace esafe::health
