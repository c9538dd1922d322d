// `esafe retention run` and the daily run inside `esafe serve`: the retention
// job lists the records due for review or deletion and records that it ran.
// Nothing is removed here — a partnership admin confirms each record in the
// web app (Plan → Retention), which records what was done.
#include <condition_variable>
#include <iostream>
#include <mutex>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "core/clock.h"
#include "plan/retention.h"
#include "store/database.h"

namespace esafe::cli {
namespace {

// The job reads the last run as the partnership admin it stands in for.
access::Principal System() {
  access::Principal p;
  p.username = "system";
  p.role = access::Role::kPartnershipAdmin;
  p.ip = "local";
  return p;
}

// Runs the job unless it already ran today (UTC). Returns the run, or null when skipped.
Result<Json> RunIfNotToday(store::Database& db, const std::string& now) {
  plan::RetentionJob job(db);
  auto runs = job.Runs(System(), 1);
  if (!runs.ok()) return runs.error();
  if (!runs->empty() && (*runs)[0]["ran_at"].get<std::string>().substr(0, 10) == now.substr(0, 10)) return Json();
  return job.Run(nullptr, now);
}

}  // namespace

std::jthread StartDailyRetentionRun(store::Database& db, std::chrono::seconds check_every) {
  return std::jthread([&db, check_every](std::stop_token stop) {
    std::mutex m;
    std::condition_variable_any wake;
    while (!stop.stop_requested()) {
      auto run = RunIfNotToday(db, clock::NowIso8601());
      if (!run.ok()) {
        spdlog::error("retention run failed: {}", run.error().message);
      } else if (!run->is_null()) {
        spdlog::info("retention run: {} record(s) due for a person to confirm, {} held", (*run)["due"].get<int64_t>(),
                     (*run)["held"].get<int64_t>());
      }
      std::unique_lock lock(m);
      wake.wait_for(lock, stop, check_every, [] { return false; });
    }
  });
}

void RegisterRetentionCommands(CLI::App& app) {
  static std::string db_url = "sqlite:var/esafe.db";
  static std::string now;
  auto* retention = app.add_subcommand("retention", "The retention schedule of the partnership's records");
  retention->require_subcommand(1);
  auto* run = retention->add_subcommand(
      "run", "List the records due for review or deletion (as JSON) and record the run; a partnership admin "
             "confirms each one in the web app");
  run->add_option("--db", db_url, "sqlite:PATH or postgresql://…")->capture_default_str();
  run->add_option("--now", now, "the time to run as, ISO 8601 UTC (default: now)");
  run->callback([] {
    auto db = store::Open(db_url);
    if (!db.ok()) {
      std::cerr << "esafe: " << db.error().message << "\n";
      throw CLI::RuntimeError(1);
    }
    auto result = plan::RetentionJob(**db).Run(nullptr, now.empty() ? clock::NowIso8601() : now);
    if (!result.ok()) {
      std::cerr << "esafe: " << result.error().message
                << (result.error().field.empty() ? "" : " (" + result.error().field + ")") << "\n";
      throw CLI::RuntimeError(result.error().kind == ErrorKind::kInvalid ? 2 : 1);
    }
    std::cout << result->dump(2) << std::endl;
  });
}

}  // namespace esafe::cli
