// The schema as numbered SQL files, src/store/migrations/, compiled into the binary
// (cmake/embed_files.cmake). Start here to add a migration: docs/operations.md,
// "Adding a migration", says how the files are named and what the `-- esafe:` lines do.
//
// A migration is every file whose name starts with its number:
//   NNNN_name.sql            run on both databases first, with {ID} expanded to the
//                            dialect's auto-numbered primary key
//   NNNN_name.sqlite.sql     then on SQLite only
//   NNNN_name.postgres.sql   then on PostgreSQL only
//   NNNN_anything.yaml       default rows, loaded where an `-- esafe:rows` line names it
// A migration's checksum covers all of its files; the one recorded when it was applied
// must match the one compiled in, so a released migration that was edited is refused at
// start instead of leaving databases that differ by when they were made.
//
// Thread-safety: the functions hold no state beyond the compiled-in file list.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "store/database.h"

namespace esafe::store {

// One file of src/store/migrations/: its name ("0005_plan.sql") and its text.
struct MigrationFile {
  std::string name;
  std::string_view content;
};

// Every file of src/store/migrations/, sorted by name, as compiled in. The texts live as
// long as the program.
const std::vector<MigrationFile>& EmbeddedMigrationFiles();

// One numbered migration and the files it is made of.
struct Migration {
  int64_t version = 0;
  std::string name;      // "0005_plan", recorded in schema_migrations and named in errors
  std::string checksum;  // SHA-256 (hex) over its files' names and texts, in name order
  std::vector<MigrationFile> files;
};

// Groups `files` into migrations by their number, in version order. Fails naming the file
// whose name does not follow the pattern above, or when one number has two names.
Result<std::vector<Migration>> LoadMigrations(const std::vector<MigrationFile>& files);

// One thing a migration does on one database: a script of SQL statements, or rows
// inserted one by one with `insert` (parameterised: one `?` per column).
struct MigrationStep {
  std::string script;
  std::string insert;
  std::vector<std::vector<Value>> rows;
};

// What `m` runs on `dialect`, in order: its shared file, then the dialect's, with the
// `-- esafe:` directives expanded (append-only triggers, default rows). Fails with
// "FILE:LINE: reason" on a directive it cannot read.
Result<std::vector<MigrationStep>> MigrationSteps(const Migration& m, Dialect dialect);

// Checks the checksums of the migrations already applied (recording them for databases
// applied before checksums were kept), then applies, in one transaction and in order, every
// one of `migrations` not applied yet. Returns the newest version applied. Fails, applying
// nothing, with "migration NNNN_name has been changed since it was applied" or with the
// migration that failed and why. Tests pass their own list; Migrate(db) the compiled-in one.
Result<int64_t> Migrate(Database& db, const std::vector<Migration>& migrations);

}  // namespace esafe::store
