// Applying the migrations of src/store/migrations/ (see store/migrations.h): each one not
// yet applied, in order, and a check that none applied since has been edited. A migration
// is never edited once released; a change is a new migration.
#include "store/migrations.h"

#include <map>

#include <fmt/format.h>

#include "core/clock.h"
#include "store/database.h"

namespace esafe::store {
namespace {

// The version of every applied migration, with its recorded checksum ("" when it was
// applied before checksums were kept).
Result<std::map<int64_t, std::string>> Applied(Connection& c, bool with_checksums) {
  auto rows = c.Query(with_checksums ? "SELECT version, checksum FROM schema_migrations"
                                     : "SELECT version FROM schema_migrations");
  if (!rows.ok()) return rows.error();
  std::map<int64_t, std::string> applied;
  for (const auto& r : *rows) applied[r.Int("version")] = with_checksums ? r.Text("checksum") : "";
  return applied;
}

// Databases made before checksums were kept gain the column; new ones are made with it.
Result<void> EnsureChecksumColumn(Connection& c) {
  ESAFE_TRY(c.ExecuteScript(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, "
      "applied_at TEXT NOT NULL, checksum TEXT)"));
  if (c.dialect() == Dialect::kPostgres) {
    return c.ExecuteScript("ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS checksum TEXT");
  }
  auto has = c.Query("SELECT 1 FROM pragma_table_info('schema_migrations') WHERE name = 'checksum'");
  if (!has.ok()) return has.error();
  if (!has->empty()) return {};
  return c.ExecuteScript("ALTER TABLE schema_migrations ADD COLUMN checksum TEXT");
}

Result<void> Apply(Connection& c, const Migration& m) {
  auto steps = MigrationSteps(m, c.dialect());
  if (!steps.ok()) return steps.error();
  for (const auto& step : *steps) {
    auto done = step.script.empty() ? Result<void>() : c.ExecuteScript(step.script);
    for (size_t i = 0; done.ok() && i < step.rows.size(); ++i) {
      auto inserted = c.Execute(step.insert, step.rows[i]);
      if (!inserted.ok()) done = inserted.error();
    }
    if (!done.ok()) return Error::Internal(fmt::format("migration {} failed: {}", m.name, done.error().message));
  }
  auto recorded = c.Execute("INSERT INTO schema_migrations (version, name, applied_at, checksum) VALUES (?, ?, ?, ?)",
                            {m.version, m.name, clock::NowIso8601(), m.checksum});
  if (!recorded.ok()) return recorded.error();
  return {};
}

}  // namespace

Result<int64_t> Migrate(Database& db, const std::vector<Migration>& migrations) {
  return db.Transaction<int64_t>([&](Connection& c) -> Result<int64_t> {
    if (c.dialect() == Dialect::kPostgres) {
      // Two servers starting together must not both migrate.
      ESAFE_TRY(c.ExecuteScript("SELECT pg_advisory_xact_lock(4242001)"));
    }
    ESAFE_TRY(EnsureChecksumColumn(c));
    auto applied = Applied(c, true);
    if (!applied.ok()) return applied.error();
    int64_t current = applied->empty() ? 0 : applied->rbegin()->first;
    for (const auto& m : migrations) {
      auto found = applied->find(m.version);
      if (found == applied->end()) continue;
      if (found->second.empty()) {
        ESAFE_TRY(c.Execute("UPDATE schema_migrations SET checksum = ? WHERE version = ?", {m.checksum, m.version}));
      } else if (found->second != m.checksum) {
        return Error::Conflict(fmt::format(
            "migration {} has been changed since it was applied: a released migration is never edited; put its "
            "files back as they were and make the change a new migration",
            m.name));
      }
    }
    // Each migration not yet applied is applied, in order, even when a later
    // one was applied first (migrations written on branches land in any order).
    for (const auto& m : migrations) {
      if (applied->count(m.version)) continue;
      ESAFE_TRY(Apply(c, m));
      current = std::max(current, m.version);
    }
    return current;
  });
}

Result<int64_t> Migrate(Database& db) {
  auto migrations = LoadMigrations(EmbeddedMigrationFiles());
  if (!migrations.ok()) return migrations.error();
  return Migrate(db, *migrations);
}

Result<std::vector<std::string>> PendingMigrations(Connection& c) {
  auto applied = Applied(c, false);
  if (!applied.ok()) return applied.error();
  auto migrations = LoadMigrations(EmbeddedMigrationFiles());
  if (!migrations.ok()) return migrations.error();
  std::vector<std::string> pending;
  for (const auto& m : *migrations) {
    if (!applied->count(m.version)) pending.push_back(m.name);
  }
  return pending;
}

Result<std::unique_ptr<Database>> Open(std::string_view url, int max_readers) {
  Result<std::unique_ptr<Connection>> conn = Error::Invalid("unset");
  Database::Opener open_reader;
  if (url.starts_with("sqlite:")) {
    std::string path(url.substr(7));
    if (path.empty()) return Error::Invalid("--db sqlite: needs a file path, e.g. sqlite:var/esafe.db", "db");
    conn = OpenSqlite(path);
    // An in-memory database exists only in its one connection: a reader would open another, empty.
    if (path == ":memory:" || path.starts_with("file::memory:")) {
      max_readers = 0;
    } else {
      open_reader = [path] { return OpenSqliteReader(path); };
    }
  } else if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    conn = OpenPostgres(std::string(url));
    open_reader = [conninfo = std::string(url)] { return OpenPostgresReader(conninfo); };
  } else {
    return Error::Invalid("--db must be sqlite:PATH or postgresql://…", "db");
  }
  if (!conn.ok()) return conn.error();
  auto db = std::make_unique<Database>(std::move(conn.value()), std::move(open_reader), max_readers);
  auto migrated = Migrate(*db);
  if (!migrated.ok()) return migrated.error();
  return db;
}

}  // namespace esafe::store
