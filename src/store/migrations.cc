// The schema, as numbered migrations applied in order at start. A migration is
// never edited once released; a change is a new migration. Timestamps are
// ISO 8601 UTC text; booleans are 0/1 integers; lists are comma-separated text.
#include <fmt/format.h>

#include "core/clock.h"
#include "store/database.h"

namespace esafe::store {
namespace {

struct Migration {
  int64_t version;
  const char* name;
  const char* common;    // both dialects, after token expansion
  const char* sqlite;    // SQLite only
  const char* postgres;  // PostgreSQL only
};

constexpr Migration kMigrations[] = {
    {1, "directory and access",
     R"sql(
CREATE TABLE agencies (
  id {ID},
  name TEXT NOT NULL,
  sector TEXT NOT NULL,
  membership_type TEXT NOT NULL,
  address TEXT,
  phone TEXT,
  email TEXT,
  notes TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX agencies_name_unique ON agencies (lower(name));

CREATE TABLE sites (
  id {ID},
  agency_id BIGINT NOT NULL REFERENCES agencies (id),
  name TEXT NOT NULL,
  site_type TEXT NOT NULL,
  address TEXT,
  postcode TEXT,
  ip_ranges TEXT,
  notes TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX sites_name_unique ON sites (agency_id, lower(name));

CREATE TABLE access_locations (
  id {ID},
  agency_id BIGINT NOT NULL REFERENCES agencies (id),
  site_id BIGINT NOT NULL REFERENCES sites (id),
  name TEXT NOT NULL,
  access_type TEXT NOT NULL,
  device_count BIGINT,
  age_groups TEXT,
  equipment_owner TEXT NOT NULL,
  connection_provider TEXT,
  filtering_provider TEXT,
  filtering_accredited BIGINT,
  monitoring_in_place BIGINT,
  last_reviewed TEXT,
  notes TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX access_locations_site ON access_locations (site_id);
CREATE UNIQUE INDEX access_locations_name_unique ON access_locations (site_id, lower(name));

CREATE TABLE people (
  id {ID},
  agency_id BIGINT NOT NULL REFERENCES agencies (id),
  full_name TEXT NOT NULL,
  job_title TEXT,
  email TEXT,
  phone TEXT,
  esafety_role TEXT NOT NULL,
  subgroup_role TEXT NOT NULL,
  notes TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX people_agency ON people (agency_id);

CREATE TABLE users (
  id {ID},
  username TEXT NOT NULL,
  display_name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL,
  agency_id BIGINT REFERENCES agencies (id),
  disabled BIGINT NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX users_username_unique ON users (lower(username));

CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  ip TEXT,
  created_at BIGINT NOT NULL,
  last_seen BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);

CREATE TABLE login_attempts (
  id {ID},
  username TEXT NOT NULL,
  ip TEXT NOT NULL,
  at BIGINT NOT NULL,
  succeeded BIGINT NOT NULL
);
CREATE INDEX login_attempts_username ON login_attempts (username, at);
CREATE INDEX login_attempts_ip ON login_attempts (ip, at);

CREATE TABLE audit_events (
  id {ID},
  at TEXT NOT NULL,
  user_id BIGINT,
  username TEXT,
  role TEXT,
  agency_id BIGINT,
  action TEXT NOT NULL,
  entity TEXT NOT NULL,
  entity_id BIGINT,
  summary TEXT,
  ip TEXT
);
CREATE INDEX audit_events_entity ON audit_events (entity, entity_id);
)sql",
     R"sql(
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
)sql",
     R"sql(
CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
)sql"},
};

std::string Expand(std::string sql, Dialect d) {
  auto replace_all = [&](std::string_view token, std::string_view with) {
    for (size_t pos; (pos = sql.find(token)) != std::string::npos;) sql.replace(pos, token.size(), with);
  };
  replace_all("{ID}", d == Dialect::kSqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY");
  return sql;
}

}  // namespace

Result<int64_t> Migrate(Database& db) {
  return db.Transaction<int64_t>([&](Connection& c) -> Result<int64_t> {
    if (c.dialect() == Dialect::kPostgres) {
      // Two servers starting together must not both migrate.
      ESAFE_TRY(c.ExecuteScript("SELECT pg_advisory_xact_lock(4242001)"));
    }
    ESAFE_TRY(c.ExecuteScript(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, "
        "applied_at TEXT NOT NULL)"));
    auto rows = c.Query("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations");
    if (!rows.ok()) return rows.error();
    int64_t current = (*rows)[0].Int("v");
    for (const auto& m : kMigrations) {
      if (m.version <= current) continue;
      std::string sql = Expand(m.common, c.dialect());
      sql += c.dialect() == Dialect::kSqlite ? m.sqlite : m.postgres;
      auto applied = c.ExecuteScript(sql);
      if (!applied.ok()) {
        return Error::Internal(fmt::format("migration {} ({}) failed: {}", m.version, m.name, applied.error().message));
      }
      ESAFE_TRY(c.Execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                          {m.version, std::string(m.name), clock::NowIso8601()}));
      current = m.version;
    }
    return current;
  });
}

Result<std::unique_ptr<Database>> Open(std::string_view url) {
  Result<std::unique_ptr<Connection>> conn = Error::Invalid("unset");
  if (url.starts_with("sqlite:")) {
    std::string path(url.substr(7));
    if (path.empty()) return Error::Invalid("--db sqlite: needs a file path, e.g. sqlite:var/esafe.db", "db");
    conn = OpenSqlite(path);
  } else if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    conn = OpenPostgres(std::string(url));
  } else {
    return Error::Invalid("--db must be sqlite:PATH or postgresql://…", "db");
  }
  if (!conn.ok()) return conn.error();
  auto db = std::make_unique<Database>(std::move(conn.value()));
  auto migrated = Migrate(*db);
  if (!migrated.ok()) return migrated.error();
  return db;
}

}  // namespace esafe::store
