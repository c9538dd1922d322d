// The migrations of src/store/migrations/ (store/migrations.h), on SQLite, and on PostgreSQL
// when ESAFE_TEST_DB names one (ctest postgres.migrations): every migration from an empty
// database and from each earlier version, the checksums that refuse an edited migration,
// and the directives that generate triggers and load default rows.
#include "store/migrations.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace esafe::store {
namespace {

namespace fs = std::filesystem;

std::string PostgresUrl() {
  const char* v = std::getenv("ESAFE_TEST_DB");
  return v && std::string_view(v).starts_with("postgres") ? v : "";
}

class MigrationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = LoadMigrations(EmbeddedMigrationFiles());
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    all_ = *loaded;
    ASSERT_GE(all_.size(), 14u);
  }
  void TearDown() override {
    dbs_.clear();
    for (const auto& dir : dirs_) fs::remove_all(dir);
    if (!pg_names_.empty()) {
      auto admin = OpenPostgres(PostgresUrl());
      ASSERT_TRUE(admin.ok());
      for (const auto& name : pg_names_) (void)(*admin)->ExecuteScript("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }
  }

  // A new database with nothing in it, that lives until the test ends.
  Database& Empty() {
    static std::atomic<int> counter{0};
    std::string name = fmt::format("esafe_migrations_{}_{}", ::getpid(), counter++);
    Result<std::unique_ptr<Connection>> conn = Error::Internal("unset");
    if (PostgresUrl().empty()) {
      fs::path dir = fs::temp_directory_path() / name;
      fs::remove_all(dir);
      fs::create_directories(dir);
      dirs_.push_back(dir);
      conn = OpenSqlite((dir / "esafe.db").string());
    } else {
      auto admin = OpenPostgres(PostgresUrl());
      EXPECT_TRUE(admin.ok());
      if (!admin.ok()) throw std::runtime_error(admin.error().message);
      EXPECT_TRUE((*admin)->ExecuteScript("CREATE DATABASE " + name).ok());
      pg_names_.push_back(name);
      std::string url = PostgresUrl();
      conn = OpenPostgres(url.substr(0, url.rfind('/') + 1) + name);
    }
    if (!conn.ok()) throw std::runtime_error(conn.error().message);
    dbs_.push_back(std::make_unique<Database>(std::move(*conn)));
    return *dbs_.back();
  }

  std::vector<Migration> FirstN(size_t n) const { return {all_.begin(), all_.begin() + static_cast<long>(n)}; }

  static Result<void> Run(Database& db, const std::string& sql, const std::vector<Value>& params = {}) {
    auto r = db.Transaction<int64_t>([&](Connection& c) { return c.Execute(sql, params); });
    if (!r.ok()) return r.error();
    return {};
  }
  static int64_t Count(Database& db, const std::string& sql) {
    auto n = db.Read<int64_t>([&](Connection& c) -> Result<int64_t> {
      auto row = c.QueryOne(sql, {}, "count");
      if (!row.ok()) return row.error();
      return row->Int("n");
    });
    EXPECT_TRUE(n.ok()) << sql << ": " << n.error().message;
    return n.ok() ? *n : -1;
  }

  // Everything the schema is made of, one line per object, in name order.
  static std::vector<std::string> Schema(Database& db) {
    std::string sql =
        db.dialect() == Dialect::kSqlite
            ? "SELECT type || ' ' || name || ' ' || tbl_name || ': ' || coalesce(sql, '') AS line FROM sqlite_master"
            : "SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' "
              "|| coalesce(column_default, '') || ' ' || ordinal_position AS line FROM information_schema.columns "
              "WHERE table_schema = 'public' "
              "UNION ALL SELECT 'index ' || indexname || ': ' || indexdef FROM pg_indexes WHERE schemaname = 'public' "
              "UNION ALL SELECT 'trigger ' || tgname || ': ' || pg_get_triggerdef(oid) FROM pg_trigger "
              "WHERE NOT tgisinternal "
              "UNION ALL SELECT 'function ' || proname || ': ' || prosrc FROM pg_proc "
              "WHERE pronamespace = 'public'::regnamespace "
              "UNION ALL SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ': ' || "
              "pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace";
    auto rows = db.Read<std::vector<std::string>>([&](Connection& c) -> Result<std::vector<std::string>> {
      auto r = c.Query(sql + " ORDER BY 1");
      if (!r.ok()) return r.error();
      std::vector<std::string> lines;
      for (const auto& row : *r) lines.push_back(row.Text("line"));
      return lines;
    });
    EXPECT_TRUE(rows.ok()) << rows.error().message;
    return rows.ok() ? *rows : std::vector<std::string>{};
  }

  // A row in the tables that the migrations after `version` change, as a partnership's
  // database at that version would hold.
  static void PutRows(Database& db, int64_t version) {
    if (version < 1) return;
    auto ok = [](const Result<void>& r) { EXPECT_TRUE(r.ok()) << r.error().message; };
    ok(Run(db,
           "INSERT INTO agencies (name, sector, membership_type, created_at, updated_at) VALUES ('Oak School', "
           "'education', 'board partner', 'x', 'x')"));
    ok(Run(db,
           "INSERT INTO users (username, display_name, password_hash, role, created_at, updated_at) VALUES "
           "('eslo', 'ESLO', 'hash', 'agency_eslo', 'x', 'x')"));
    // From migration 14 on, every session has a public id.
    ok(Run(db, version < 14
                   ? "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen, expires_at) "
                     "VALUES ('t1', 1, 'c', 1, 1, 2), ('t2', 1, 'c', 1, 1, 2)"
                   : "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen, expires_at, "
                     "public_id) VALUES ('t1', 1, 'c', 1, 1, 2, 'p1'), ('t2', 1, 'c', 1, 1, 2, 'p2')"));
    ok(Run(db, "INSERT INTO audit_events (at, action, entity) VALUES ('x', 'create', 'agency')"));
    if (version < 2) return;
    ok(Run(db,
           "INSERT INTO incidents (agency_id, status, reported_at, reported_by, how_identified, category, "
           "description, created_at, updated_at) VALUES (1, 'open', 'x', 'eslo', 'staff', 'deliberate_illegal', "
           "'d', 'x', 'x')"));
  }

  std::vector<Migration> all_;
  std::vector<std::unique_ptr<Database>> dbs_;
  std::vector<fs::path> dirs_;
  std::vector<std::string> pg_names_;
};

TEST_F(MigrationsTest, EveryMigrationAppliesToAnEmptyDatabase) {
  Database& db = Empty();
  auto version = Migrate(db, all_);
  ASSERT_TRUE(version.ok()) << version.error().message;
  EXPECT_EQ(*version, all_.back().version);
  EXPECT_EQ(Count(db, "SELECT count(*) AS n FROM schema_migrations WHERE checksum IS NOT NULL"),
            static_cast<int64_t>(all_.size()));
  // The default rows of the data files.
  EXPECT_EQ(Count(db, "SELECT count(*) AS n FROM plan_strands"), 5);
  EXPECT_EQ(Count(db, "SELECT count(*) AS n FROM plan_strands WHERE position = 3 AND name = "
                      "'Education, training and information'"), 1);
  EXPECT_EQ(Count(db, "SELECT count(*) AS n FROM training_matrix"), 36);
  EXPECT_EQ(Count(db, "SELECT sum(required) AS n FROM training_matrix"), 26);
  EXPECT_EQ(Count(db, "SELECT count(*) AS n FROM retention_schedule"), 5);
  EXPECT_EQ(Count(db, "SELECT count(*) AS n FROM retention_schedule WHERE basis LIKE '%round''s deadline'"), 1);
  // The generated triggers.
  PutRows(db, *version);
  auto changed = Run(db, "UPDATE audit_events SET summary = 'rewritten'");
  ASSERT_FALSE(changed.ok());
  EXPECT_NE(changed.error().message.find("the audit trail is append-only"), std::string::npos);
  auto deleted = Run(db, "DELETE FROM incidents");
  ASSERT_FALSE(deleted.ok());
  EXPECT_NE(deleted.error().message.find("incident records are never deleted"), std::string::npos);
  EXPECT_TRUE(Run(db, "UPDATE incidents SET status = 'closed'").ok());
  // Opened again, nothing is applied twice.
  auto again = Migrate(db, all_);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(Count(db, "SELECT count(*) AS n FROM schema_migrations"), static_cast<int64_t>(all_.size()));
}

TEST_F(MigrationsTest, EachEarlierVersionMigratesToTheSameSchemaKeepingItsRows) {
  Database& fresh = Empty();
  ASSERT_TRUE(Migrate(fresh, all_).ok());
  const std::vector<std::string> expected = Schema(fresh);
  ASSERT_GT(expected.size(), 100u);
  for (size_t n = 1; n < all_.size(); ++n) {
    SCOPED_TRACE(fmt::format("from {}", all_[n - 1].name));
    Database& db = Empty();
    auto part = Migrate(db, FirstN(n));
    ASSERT_TRUE(part.ok()) << part.error().message;
    EXPECT_EQ(*part, all_[n - 1].version);
    PutRows(db, *part);
    auto rest = Migrate(db, all_);
    ASSERT_TRUE(rest.ok()) << rest.error().message;
    EXPECT_EQ(Schema(db), expected);
    EXPECT_EQ(Count(db, "SELECT count(*) AS n FROM agencies"), 1);
    EXPECT_EQ(Count(db, "SELECT count(*) AS n FROM sessions WHERE public_id IS NOT NULL"), 2);
    // Migration 13 marks the incidents recorded before it from their category.
    EXPECT_EQ(Count(db, "SELECT count(*) AS n FROM incidents WHERE illegal_material = 1"), *part >= 2 && *part < 13);
  }
}

TEST_F(MigrationsTest, DatabaseFromBeforeChecksumsRecordsThemOnFirstStart) {
  Database& db = Empty();
  ASSERT_TRUE(Migrate(db, FirstN(all_.size() - 1)).ok());
  ASSERT_TRUE(Run(db, "ALTER TABLE schema_migrations DROP COLUMN checksum").ok());
  auto version = Migrate(db, all_);
  ASSERT_TRUE(version.ok()) << version.error().message;
  EXPECT_EQ(*version, all_.back().version);
  auto row = db.Read<Row>([&](Connection& c) {
    return c.QueryOne("SELECT checksum FROM schema_migrations WHERE version = 7", {}, "migration 7");
  });
  ASSERT_TRUE(row.ok()) << row.error().message;
  EXPECT_EQ(row->Text("checksum"), all_[6].checksum);
  EXPECT_EQ(Count(db, "SELECT count(*) AS n FROM schema_migrations WHERE checksum IS NULL"), 0);
  EXPECT_TRUE(Migrate(db, all_).ok());
}

TEST_F(MigrationsTest, AnEditedReleasedMigrationIsRefusedWithItsName) {
  Database& db = Empty();
  ASSERT_TRUE(Migrate(db, all_).ok());
  std::vector<MigrationFile> files = EmbeddedMigrationFiles();
  std::string edited;
  for (auto& f : files) {
    if (f.name == "0007_retention.sql") {
      edited = std::string(f.content) + "CREATE INDEX retention_holds_placed ON retention_holds (placed_at);\n";
      f.content = edited;
    }
  }
  ASSERT_FALSE(edited.empty());
  // A new migration in the same list is not applied either: the start is refused as a whole.
  files.push_back({"0999_later.sql", "CREATE TABLE later (id {ID});\n"});
  auto changed = LoadMigrations(files);
  ASSERT_TRUE(changed.ok()) << changed.error().message;
  auto refused = Migrate(db, *changed);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("migration 0007_retention has been changed since it was applied"),
            std::string::npos)
      << refused.error().message;
  EXPECT_EQ(Count(db, "SELECT count(*) AS n FROM schema_migrations WHERE version = 999"), 0);

  // A data file is part of its migration.
  files = EmbeddedMigrationFiles();
  for (auto& f : files) {
    if (f.name == "0005_training_matrix.yaml") {
      edited = std::string(f.content) + "  - ['parents', 'new focus', 1]\n";
      f.content = edited;
    }
  }
  auto data_changed = LoadMigrations(files);
  ASSERT_TRUE(data_changed.ok());
  auto refused_too = Migrate(db, *data_changed);
  ASSERT_FALSE(refused_too.ok());
  EXPECT_NE(refused_too.error().message.find("migration 0005_plan has been changed"), std::string::npos);
  EXPECT_TRUE(Migrate(db, all_).ok());
}

TEST_F(MigrationsTest, DirectivesOfANewMigration) {
  Database& db = Empty();
  std::vector<MigrationFile> files = EmbeddedMigrationFiles();
  files.push_back({"0900_guarded.sql",
                   "CREATE TABLE guarded (id {ID}, note TEXT, n BIGINT);\n"
                   "-- esafe:rows 0900_guarded.yaml\n"
                   "-- esafe:append-only guarded 'guarded rows are append-only, 100% so'\n"
                   "CREATE TABLE kept (id {ID}, note TEXT);\n"
                   "-- esafe:no-delete kept 'kept rows are never deleted'\n"});
  files.push_back({"0900_guarded.yaml",
                   "table: guarded\ncolumns: [note, n]\nrows:\n  - ['it''s one', 1]\n  - ['2', ~]\n  - [007, 2]\n"});
  auto migrations = LoadMigrations(files);
  ASSERT_TRUE(migrations.ok()) << migrations.error().message;
  ASSERT_TRUE(Migrate(db, *migrations).ok());
  EXPECT_EQ(Count(db, "SELECT count(*) AS n FROM guarded WHERE note = 'it''s one' AND n = 1"), 1);
  EXPECT_EQ(Count(db, "SELECT count(*) AS n FROM guarded WHERE note = '2' AND n IS NULL"), 1);
  auto update = Run(db, "UPDATE guarded SET note = 'x'");
  ASSERT_FALSE(update.ok());
  EXPECT_NE(update.error().message.find("guarded rows are append-only, 100% so"), std::string::npos)
      << update.error().message;
  EXPECT_FALSE(Run(db, "DELETE FROM guarded").ok());
  ASSERT_TRUE(Run(db, "INSERT INTO kept (note) VALUES ('a')").ok());
  EXPECT_TRUE(Run(db, "UPDATE kept SET note = 'b'").ok());
  auto del = Run(db, "DELETE FROM kept");
  ASSERT_FALSE(del.ok());
  EXPECT_NE(del.error().message.find("kept rows are never deleted"), std::string::npos);
}

TEST_F(MigrationsTest, UnreadableFilesAreNamed) {
  auto bad_name = LoadMigrations({{"12_short.sql", "SELECT 1;\n"}});
  ASSERT_FALSE(bad_name.ok());
  EXPECT_NE(bad_name.error().message.find("12_short.sql"), std::string::npos);
  auto two_names = LoadMigrations({{"0001_a.sql", ""}, {"0001_b.sql", ""}});
  ASSERT_FALSE(two_names.ok());
  EXPECT_NE(two_names.error().message.find("share a number"), std::string::npos);

  auto steps_error = [](std::vector<MigrationFile> files) {
    auto m = LoadMigrations(files);
    EXPECT_TRUE(m.ok());
    if (!m.ok()) return std::string();
    auto steps = MigrationSteps(m->front(), Dialect::kSqlite);
    EXPECT_FALSE(steps.ok());
    return steps.ok() ? std::string() : steps.error().message;
  };
  EXPECT_NE(steps_error({{"0001_a.sql", "CREATE TABLE t (id {ID});\n-- esafe:append-only t\n"}}).find("0001_a.sql:2:"),
            std::string::npos);
  EXPECT_NE(steps_error({{"0001_a.sql", "-- esafe:no-delete t 'gone' via missing_function\n"}}).find("declare missing_function"),
            std::string::npos);
  EXPECT_NE(steps_error({{"0001_a.sql", "-- esafe:rows 0002_b.yaml\n"}}).find("is not a data file of migration 0001_a"),
            std::string::npos);
  EXPECT_NE(steps_error({{"0001_a.sql", "-- esafe:rows 0001_a.yaml\n"},
                         {"0001_a.yaml", "table: t\ncolumns: [a, b]\nrows:\n  - [1, 2]\n  - [3]\n"}})
                .find("0001_a.yaml:5: a row needs 2 values"),
            std::string::npos);
}

}  // namespace
}  // namespace esafe::store
