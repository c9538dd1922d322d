// `esafe backup` and `esafe restore` (docs/operations.md, "Backups").
//
//   esafe backup DEST [--db URL] [--activity-log DIR]
//     DEST is a new or empty directory. The SQLite database through SQLite's online
//     backup API, the activity log through activity::BackupLog (both while esafe serve
//     runs), then DEST/manifest.json with the size and SHA-256 of each file. With a
//     PostgreSQL URL the database is left to pg_dump -Fc and the manifest says so.
//   esafe restore SRC [--db URL] [--activity-log DIR] [--force]
//     Checks SRC against its manifest, refuses targets that hold anything without
//     --force, then puts the database and the log in place, each whole or not at all.
//
// Exit 2 when the command is wrong (a bad URL, DEST not empty, a target not empty
// without --force, a backup of another database kind), 1 when the work fails (a file
// missing from the backup, a hash mismatch, I/O).
//
// demo-login.txt, which `serve --demo` keeps beside a SQLite database, is not copied:
// it is a password in the clear, and the database holds only its hash.
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "activity/activity.h"
#include "cli/commands.h"
#include "store/backup.h"

namespace esafe::cli {
namespace {

[[noreturn]] void FailBackupCommand(const Error& e) {
  std::cerr << "esafe: " << e.message << (e.field.empty() ? "" : " (" + e.field + ")") << "\n";
  throw CLI::RuntimeError(e.kind == ErrorKind::kInvalid ? 2 : 1);
}

template <typename T>
T OrFail(Result<T> result) {
  if (!result.ok()) FailBackupCommand(result.error());
  return std::move(*result);
}
void OrFail(const Result<void>& result) {
  if (!result.ok()) FailBackupCommand(result.error());
}

constexpr const char* kLogFolder = "activity";

struct BackupArgs {
  std::string dir;
  std::string db_url = "sqlite:var/esafe.db";
  std::string activity_log;
  bool force = false;
};

void WriteBackup(const BackupArgs& a) {
  store::BackupManifest manifest;
  const auto db = OrFail(store::BackupDatabase(a.db_url, a.dir + "/" + std::string(store::kBackupDatabaseFile)));
  manifest.database_kind = db.kind;
  manifest.schema_version = db.schema_version;
  if (db.copied) manifest.files.push_back({std::string(store::kBackupDatabaseFile), 0, ""});
  if (!db.note.empty()) manifest.notes.push_back(db.note);
  std::cout << (db.copied ? fmt::format("database: SQLite, schema version {}, copied to {}", db.schema_version,
                                        store::kBackupDatabaseFile)
                          : fmt::format("database: PostgreSQL, schema version {}, not copied: {}", db.schema_version,
                                        db.note))
            << "\n";
  if (!a.activity_log.empty()) {
    const auto log = OrFail(activity::BackupLog(a.activity_log, a.dir + "/" + kLogFolder));
    manifest.activity_log = kLogFolder;
    manifest.activity_head = log.head_hash;
    for (const auto& name : log.files) manifest.files.push_back({std::string(kLogFolder) + "/" + name, 0, ""});
    std::cout << fmt::format("activity log: {} chain entries, {} segments, {} unsealed events, head {}", log.entries,
                             log.segments, log.wal_events, log.head_hash)
              << "\n";
  } else {
    manifest.notes.push_back("no activity log in this backup (esafe backup ran without --activity-log)");
  }
  const auto written = OrFail(store::WriteBackupManifest(a.dir, std::move(manifest)));
  uint64_t bytes = 0;
  for (const auto& f : written.files) bytes += f.size;
  std::cout << fmt::format("backup written to {}: {} files, {} bytes, manifest.json", a.dir, written.files.size(), bytes)
            << std::endl;
}

void RunBackup(const BackupArgs& a) {
  OrFail(store::CheckEmptyDestination(a.dir));
  std::error_code ec;
  const bool existed = std::filesystem::exists(a.dir, ec);
  std::filesystem::create_directories(a.dir, ec);
  if (ec) FailBackupCommand(Error::Internal("cannot create " + a.dir + ": " + ec.message()));
  try {
    WriteBackup(a);
  } catch (const CLI::RuntimeError&) {
    // DEST was empty: what is in it now is this run's, and half a backup is no use to
    // anyone (and would make the next attempt find DEST not empty).
    if (!existed) {
      std::filesystem::remove_all(a.dir, ec);
    } else {
      for (const auto& entry : std::filesystem::directory_iterator(a.dir, ec)) std::filesystem::remove_all(entry, ec);
    }
    throw;
  }
}

void RunRestore(const BackupArgs& a) {
  const auto manifest = OrFail(store::CheckBackup(a.dir));
  const bool sqlite = a.db_url.starts_with("sqlite:");
  if (manifest.database_kind == "sqlite" && !sqlite)
    FailBackupCommand(Error::Invalid("the backup holds a SQLite database; --db must be sqlite:PATH", "db"));
  if (manifest.database_kind == "postgresql" && sqlite)
    FailBackupCommand(Error::Invalid("the backup was taken from PostgreSQL: restore the database with pg_restore "
                                     "and give its postgresql:// URL",
                                     "db"));
  const bool with_log = !manifest.activity_log.empty();
  if (with_log && a.activity_log.empty())
    FailBackupCommand(Error::Invalid("the backup holds an activity log: say where with --activity-log DIR",
                                     "activity-log"));
  // Both targets are checked before either is written.
  if (sqlite) OrFail(store::CheckDatabaseRestoreTarget(a.db_url, a.force));
  if (with_log) OrFail(activity::CheckLogRestoreTarget(a.activity_log, a.force));
  std::cout << fmt::format("backup {} checked: {} files match its manifest (taken {} by esafe {})", a.dir,
                           manifest.files.size(), manifest.created_at, manifest.esafe_version)
            << "\n";
  if (with_log) {
    const auto report = OrFail(activity::RestoreLog(a.dir + "/" + manifest.activity_log, a.activity_log, a.force));
    std::cout << fmt::format("activity log restored to {}: {} chain entries, {} sealed events, {} unsealed, head {}",
                             a.activity_log, report.entries, report.events, report.wal_events, report.head_hash)
              << "\n";
  }
  if (sqlite) {
    OrFail(store::RestoreDatabase(a.dir + "/" + std::string(store::kBackupDatabaseFile), a.db_url, a.force));
    std::cout << fmt::format("database restored to {} (schema version {}; esafe serve applies newer migrations "
                             "when it starts)",
                             a.db_url.substr(7), manifest.schema_version)
              << "\n";
  } else {
    std::cout << "database not restored: restore PostgreSQL with pg_restore (docs/operations.md, Backups)\n";
  }
  std::cout << std::flush;
}

}  // namespace

void RegisterBackupCommands(CLI::App& app) {
  auto backup = std::make_shared<BackupArgs>();
  auto* b = app.add_subcommand("backup", "Copy the database and the activity log into DEST while esafe serve runs");
  b->add_option("dest", backup->dir, "A new or empty directory")->required();
  b->add_option("--db", backup->db_url, "sqlite:PATH or postgresql://… (default sqlite:var/esafe.db)");
  b->add_option("--activity-log", backup->activity_log, "The activity log directory");
  b->callback([backup] { RunBackup(*backup); });

  auto restore = std::make_shared<BackupArgs>();
  auto* r = app.add_subcommand("restore", "Check a backup against its manifest and put it in place");
  r->add_option("src", restore->dir, "A directory esafe backup wrote")->required();
  r->add_option("--db", restore->db_url, "Where the SQLite database goes (sqlite:PATH), or the PostgreSQL URL");
  r->add_option("--activity-log", restore->activity_log, "Where the activity log goes");
  r->add_flag("--force", restore->force, "Replace a database or log that is not empty");
  r->callback([restore] { RunRestore(*restore); });
}

}  // namespace esafe::cli
