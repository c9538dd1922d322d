// Backups of an esafe installation: the database's part, and the manifest that
// describes a whole backup directory (docs/operations.md, "Backups").
//
// A backup directory holds
//   manifest.json      written last, so a directory without it is not a backup:
//                      the esafe version, the time, the database kind and schema
//                      version, and the size and SHA-256 of every file copied
//   database.sqlite    the SQLite database (absent for PostgreSQL: pg_dump takes it)
//   activity/          the activity log (activity::BackupLog)
//
// The activity log's part lives in the activity capability; `esafe backup` calls
// both and then WriteBackupManifest, and `esafe restore` calls CheckBackup first.
//
// Thread-safety: the functions are free functions that share nothing; two backups
// into different directories may run at once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace esafe::store {

// The name of the database file inside a backup directory.
inline constexpr std::string_view kBackupDatabaseFile = "database.sqlite";

// What BackupDatabase took.
struct DatabaseBackup {
  std::string kind;            // "sqlite" or "postgresql"
  int64_t schema_version = 0;  // the latest migration applied
  bool copied = false;         // false for PostgreSQL: pg_dump -Fc takes the database
  std::string note;            // what the administrator must do besides, "" when nothing
};

// SQLite ("sqlite:PATH"): copies the database into `dest_file` through the SQLite
// online backup API from a connection of its own, so `esafe serve` may keep writing
// (WAL mode: the copy is one read transaction, a snapshot as of its start). The copy
// is written 0600 under a temporary name, fsync'd, then renamed into place.
// PostgreSQL: copies nothing; connects only to read the schema version and returns
// the note on pg_dump. Fails kInvalid on a bad URL, kNotFound when the SQLite file
// does not exist, kInternal when the copy fails (nothing is left at `dest_file`).
Result<DatabaseBackup> BackupDatabase(std::string_view url, const std::string& dest_file);

// Whether RestoreDatabase may write the database `url` names: fails kInvalid when
// the file exists and is not empty and `force` is false, and kInvalid for a
// PostgreSQL URL (pg_restore restores PostgreSQL).
Result<void> CheckDatabaseRestoreTarget(std::string_view url, bool force);

// Restores the SQLite file `backup_file` as the database `url` names: copied beside
// it under a temporary name (0600, fsync), the old database's -wal and -shm files
// removed, then renamed into place, so the target is either the old database or the
// whole backup. Stop `esafe serve` first. Fails as CheckDatabaseRestoreTarget does,
// and kInternal on an I/O failure (the old database is then untouched).
Result<void> RestoreDatabase(const std::string& backup_file, std::string_view url, bool force);

// A file in a backup, by its path relative to the backup directory.
struct BackupFile {
  std::string path;
  uint64_t size = 0;
  std::string sha256;  // lower-case hex
};

struct BackupManifest {
  std::string esafe_version;
  std::string created_at;      // ISO 8601 UTC
  std::string database_kind;   // "sqlite" or "postgresql"
  int64_t schema_version = 0;
  std::string activity_log;    // the folder of the log inside the backup, "" when none
  std::string activity_head;   // the chain's head hash as copied, "" when none
  std::vector<BackupFile> files;
  std::vector<std::string> notes;  // things the backup leaves to the administrator
};

// Hashes every file in `manifest.files` (by path; size and sha256 are filled in here)
// under `dir` and writes dir/manifest.json (0600, fsync, rename). Returns the
// manifest as written. Fails kInternal when a file cannot be read or written.
Result<BackupManifest> WriteBackupManifest(const std::string& dir, BackupManifest manifest);

// Reads dir/manifest.json and checks every file it lists: present, of its size, of
// its SHA-256. Returns the manifest. Fails kNotFound when `dir` or its manifest is
// missing or a listed file is, kInvalid when the manifest is malformed or names a
// path outside `dir`, and kConflict when a file's size or hash differs (the backup
// was altered or damaged), naming the file.
Result<BackupManifest> CheckBackup(const std::string& dir);

// The SHA-256 of a file's bytes, streamed, in lower-case hex, and its size.
Result<BackupFile> HashFile(const std::string& path);

// Whether `dir` is missing or an empty directory: where a backup may be written.
// Fails kInvalid (field "dest") otherwise.
Result<void> CheckEmptyDestination(const std::string& dir);

}  // namespace esafe::store
