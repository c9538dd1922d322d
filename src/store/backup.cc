#include "store/backup.h"

#include <fcntl.h>
#include <sodium.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "store/database.h"

#ifndef ESAFE_VERSION
#define ESAFE_VERSION "unknown"
#endif

namespace esafe::store {
namespace {

namespace fs = std::filesystem;

Error BackupIoError(const std::string& what) { return Error::Internal(what + ": " + std::strerror(errno)); }

bool IsSqliteUrl(std::string_view url) { return url.starts_with("sqlite:"); }
bool IsPostgresUrl(std::string_view url) {
  return url.starts_with("postgresql://") || url.starts_with("postgres://");
}

Result<std::string> SqlitePathOf(std::string_view url) {
  if (IsSqliteUrl(url)) {
    std::string path(url.substr(7));
    if (path.empty()) return Error::Invalid("--db sqlite: needs a file path, e.g. sqlite:var/esafe.db", "db");
    return path;
  }
  if (IsPostgresUrl(url)) return std::string();
  return Error::Invalid("--db must be sqlite:PATH or postgresql://…", "db");
}

std::string ParentOf(const std::string& path) {
  std::string parent = fs::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

Result<void> SyncPath(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return BackupIoError("open " + path);
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return BackupIoError("fsync " + path);
  return Ok();
}

// The file is made here, 0600, before SQLite opens it: SQLite would create it with
// the umask's mode, and a database copy is as sensitive as the database.
Result<void> CreatePrivateFile(const std::string& path) {
  ::unlink(path.c_str());
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return BackupIoError("create " + path);
  ::close(fd);
  return Ok();
}

void RemoveSqliteFiles(const std::string& path) {
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) ::unlink((path + suffix).c_str());
}

int64_t SchemaVersionOf(sqlite3* db) {
  sqlite3_stmt* stmt = nullptr;
  int64_t version = 0;
  if (sqlite3_prepare_v2(db, "SELECT max(version) FROM schema_migrations", -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW)
    version = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  return version;
}

// Copies `from` into the database file `to` (which exists, empty) through the online
// backup API. Each step that finds the source busy or locked is retried for up to a
// minute: a writer holds the lock only for a commit.
Result<int64_t> OnlineCopy(sqlite3* from, const std::string& to) {
  sqlite3* dest = nullptr;
  std::unique_ptr<sqlite3, decltype(&sqlite3_close_v2)> dest_guard(nullptr, &sqlite3_close_v2);
  if (sqlite3_open_v2(to.c_str(), &dest, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    std::string msg = dest ? sqlite3_errmsg(dest) : "out of memory";
    sqlite3_close_v2(dest);
    return Error::Internal("cannot open the copy " + to + ": " + msg);
  }
  dest_guard.reset(dest);
  sqlite3_busy_timeout(dest, 5000);
  sqlite3_backup* backup = sqlite3_backup_init(dest, "main", from, "main");
  if (backup == nullptr) return Error::Internal(std::string("cannot start the database backup: ") + sqlite3_errmsg(dest));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  int rc = SQLITE_OK;
  // All pages in one step: one read transaction, so the copy is the database as of one
  // moment. In WAL mode the writers carry on meanwhile; a copy in smaller steps would
  // restart whenever another process commits, and might never finish.
  while ((rc = sqlite3_backup_step(backup, -1)) != SQLITE_DONE) {
    if (rc != SQLITE_OK && rc != SQLITE_BUSY && rc != SQLITE_LOCKED) break;
    if (std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const int finished = sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE || finished != SQLITE_OK)
    return Error::Internal(std::string("the database backup failed: ") + sqlite3_errstr(rc != SQLITE_DONE ? rc : finished));
  // The copy is a file of its own: no WAL beside it, whatever the source used.
  char* err = nullptr;
  if (sqlite3_exec(dest, "PRAGMA journal_mode=DELETE", nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return Error::Internal("the database backup failed: " + msg);
  }
  return SchemaVersionOf(dest);
}

}  // namespace

Result<DatabaseBackup> BackupDatabase(std::string_view url, const std::string& dest_file) {
  auto path = SqlitePathOf(url);
  if (!path.ok()) return path.error();
  DatabaseBackup out;
  if (path->empty()) {
    out.kind = "postgresql";
    auto conn = OpenPostgres(std::string(url));
    if (!conn.ok()) return conn.error();
    auto rows = (*conn)->Query("SELECT max(version) AS version FROM schema_migrations");
    if (!rows.ok()) return rows.error();
    if (!rows->empty()) out.schema_version = rows->front().Int("version");
    out.note = "the PostgreSQL database is not in this backup: take it with pg_dump -Fc at the same time "
               "(docs/operations.md, Backups)";
    return out;
  }
  out.kind = "sqlite";
  std::error_code ec;
  if (!fs::is_regular_file(*path, ec)) return Error::NotFound("no SQLite database at " + *path);
  sqlite3* src = nullptr;
  // Read-only and without creating: a backup never changes what it copies.
  if (sqlite3_open_v2(path->c_str(), &src, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::string msg = src ? sqlite3_errmsg(src) : "out of memory";
    sqlite3_close_v2(src);
    return Error::Internal(fmt::format("cannot open SQLite database {}: {}", *path, msg));
  }
  std::unique_ptr<sqlite3, decltype(&sqlite3_close_v2)> src_guard(src, &sqlite3_close_v2);
  sqlite3_busy_timeout(src, 5000);

  const std::string tmp = ParentOf(dest_file) + "/." + fs::path(dest_file).filename().string() + ".tmp";
  ESAFE_TRY(CreatePrivateFile(tmp));
  auto version = OnlineCopy(src, tmp);
  if (!version.ok()) {
    RemoveSqliteFiles(tmp);
    return version.error();
  }
  if (auto synced = SyncPath(tmp, O_RDONLY); !synced.ok()) {
    RemoveSqliteFiles(tmp);
    return synced.error();
  }
  if (::rename(tmp.c_str(), dest_file.c_str()) != 0) {
    Error e = BackupIoError("rename " + tmp);
    RemoveSqliteFiles(tmp);
    return e;
  }
  ESAFE_TRY(SyncPath(ParentOf(dest_file), O_RDONLY | O_DIRECTORY));
  out.schema_version = *version;
  out.copied = true;
  return out;
}

Result<void> CheckDatabaseRestoreTarget(std::string_view url, bool force) {
  auto path = SqlitePathOf(url);
  if (!path.ok()) return path.error();
  if (path->empty())
    return Error::Invalid("a PostgreSQL database is restored with pg_restore (docs/operations.md); "
                          "esafe restore restores the activity log beside it",
                          "db");
  std::error_code ec;
  if (!force && fs::exists(*path, ec) && fs::file_size(*path, ec) > 0)
    return Error::Invalid("the database " + *path + " exists and is not empty; stop esafe serve and add --force "
                          "to replace it",
                          "db");
  return Ok();
}

Result<void> RestoreDatabase(const std::string& backup_file, std::string_view url, bool force) {
  ESAFE_TRY(CheckDatabaseRestoreTarget(url, force));
  const std::string path = *SqlitePathOf(url);
  std::error_code ec;
  fs::create_directories(ParentOf(path), ec);
  const std::string tmp = ParentOf(path) + "/." + fs::path(path).filename().string() + ".restore.tmp";
  ESAFE_TRY(CreatePrivateFile(tmp));
  auto cleanup = [&](Error e) -> Error {
    ::unlink(tmp.c_str());
    return e;
  };
  const int in = ::open(backup_file.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return cleanup(BackupIoError("open " + backup_file));
  const int out = ::open(tmp.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (out < 0) {
    ::close(in);
    return cleanup(BackupIoError("open " + tmp));
  }
  std::string buffer(1 << 20, '\0');
  Result<void> copied = Ok();
  for (;;) {
    const ssize_t n = ::read(in, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      copied = BackupIoError("read " + backup_file);
      break;
    }
    if (n == 0) break;
    for (ssize_t done = 0; done < n;) {
      const ssize_t w = ::write(out, buffer.data() + done, static_cast<size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        copied = BackupIoError("write " + tmp);
        break;
      }
      done += w;
    }
    if (!copied.ok()) break;
  }
  if (copied.ok() && ::fsync(out) != 0) copied = BackupIoError("fsync " + tmp);
  ::close(in);
  ::close(out);
  if (!copied.ok()) return cleanup(copied.error());
  // The old database's WAL would be replayed onto the restored file: it goes first.
  ::unlink((path + "-wal").c_str());
  ::unlink((path + "-shm").c_str());
  ::unlink((path + "-journal").c_str());
  if (::rename(tmp.c_str(), path.c_str()) != 0) return cleanup(BackupIoError("rename " + tmp));
  return SyncPath(ParentOf(path), O_RDONLY | O_DIRECTORY);
}

Result<BackupFile> HashFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Error::NotFound("missing file " + path);
    return BackupIoError("open " + path);
  }
  if (sodium_init() < 0) {
    ::close(fd);
    return Error::Internal("libsodium could not start");
  }
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  std::string buffer(1 << 20, '\0');
  BackupFile out;
  out.path = path;
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Error e = BackupIoError("read " + path);
      ::close(fd);
      return e;
    }
    if (n == 0) break;
    crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(buffer.data()),
                              static_cast<unsigned long long>(n));
    out.size += static_cast<uint64_t>(n);
  }
  ::close(fd);
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, digest);
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  out.sha256 = hex;
  return out;
}

Result<void> CheckEmptyDestination(const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return Ok();
  if (!fs::is_directory(dir, ec)) return Error::Invalid(dir + " exists and is not a directory", "dest");
  if (!fs::is_empty(dir, ec)) return Error::Invalid(dir + " is not empty: a backup goes into a new or empty directory",
                                                    "dest");
  return Ok();
}

Result<BackupManifest> WriteBackupManifest(const std::string& dir, BackupManifest manifest) {
  manifest.esafe_version = ESAFE_VERSION;
  manifest.created_at = clock::NowIso8601();
  nlohmann::ordered_json files = nlohmann::ordered_json::array();
  for (auto& file : manifest.files) {
    auto hashed = HashFile(dir + "/" + file.path);
    if (!hashed.ok()) return hashed.error();
    file.size = hashed->size;
    file.sha256 = hashed->sha256;
    files.push_back({{"path", file.path}, {"size", file.size}, {"sha256", file.sha256}});
  }
  nlohmann::ordered_json j;
  j["format"] = "esafe-backup";
  j["format_version"] = 1;
  j["esafe_version"] = manifest.esafe_version;
  j["created_at"] = manifest.created_at;
  j["database"] = {{"kind", manifest.database_kind}, {"schema_version", manifest.schema_version}};
  j["activity_log"] = {{"dir", manifest.activity_log}, {"head_hash", manifest.activity_head}};
  j["files"] = files;
  j["notes"] = manifest.notes;
  const std::string text = j.dump(2) + "\n";
  const std::string tmp = dir + "/.manifest.json.tmp";
  ESAFE_TRY(CreatePrivateFile(tmp));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return BackupIoError("open " + tmp);
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) {
    Error e = BackupIoError("write " + tmp);
    ::unlink(tmp.c_str());
    return e;
  }
  if (::rename(tmp.c_str(), (dir + "/manifest.json").c_str()) != 0) return BackupIoError("rename " + tmp);
  ESAFE_TRY(SyncPath(dir, O_RDONLY | O_DIRECTORY));
  return manifest;
}

Result<BackupManifest> CheckBackup(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Error::NotFound("no backup directory " + dir);
  const std::string path = dir + "/manifest.json";
  if (!fs::exists(path, ec)) return Error::NotFound(dir + " has no manifest.json: not a backup, or an unfinished one");
  std::string text;
  {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return BackupIoError("open " + path);
    char buf[65536];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
    ::close(fd);
  }
  auto j = nlohmann::json::parse(text, nullptr, false);
  auto malformed = [&](const std::string& why) { return Error::Invalid(path + " is malformed: " + why, "manifest"); };
  if (j.is_discarded() || !j.is_object()) return malformed("not a JSON object");
  if (j.value("format", "") != "esafe-backup") return malformed("format is not esafe-backup");
  if (!j.contains("files") || !j["files"].is_array()) return malformed("no files list");
  BackupManifest m;
  try {
    m.esafe_version = j.value("esafe_version", "");
    m.created_at = j.value("created_at", "");
    m.database_kind = j.at("database").at("kind").get<std::string>();
    m.schema_version = j.at("database").at("schema_version").get<int64_t>();
    m.activity_log = j.at("activity_log").at("dir").get<std::string>();
    m.activity_head = j.at("activity_log").at("head_hash").get<std::string>();
    for (const auto& f : j["files"])
      m.files.push_back({f.at("path").get<std::string>(), f.at("size").get<uint64_t>(), f.at("sha256").get<std::string>()});
    if (j.contains("notes")) m.notes = j["notes"].get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    return malformed(e.what());
  }
  if (m.database_kind != "sqlite" && m.database_kind != "postgresql") return malformed("unknown database kind");
  for (const auto& f : m.files) {
    const fs::path rel(f.path);
    bool escapes = rel.empty() || rel.is_absolute();
    for (const auto& part : rel) escapes = escapes || part == "..";
    if (escapes) return malformed("file path " + f.path + " is outside the backup");
    auto actual = HashFile(dir + "/" + f.path);
    if (!actual.ok()) {
      if (actual.error().kind == ErrorKind::kNotFound)
        return Error::NotFound("the backup is missing " + f.path + " (listed in its manifest)");
      return actual.error();
    }
    if (actual->size != f.size || actual->sha256 != f.sha256)
      return Error::Conflict(fmt::format("{} does not match the manifest ({} bytes, SHA-256 {}; expected {} bytes, {}): "
                                         "the backup was altered or damaged",
                                         f.path, actual->size, actual->sha256, f.size, f.sha256),
                             "manifest");
  }
  return m;
}

}  // namespace esafe::store
