// The storage interface every capability writes through, with two
// implementations: SQLite (embedded, the default) and PostgreSQL.
//
// SQL is written once with `?` placeholders; the PostgreSQL implementation
// rewrites them to $1, $2, … . Values are bound as parameters, never spliced
// into SQL. Migration scripts may use the tokens {ID} (an auto-numbered
// primary key) and {BIGINT} which each dialect expands.
//
// Thread-safety: a Database is safe to use from many threads. Each call to
// Read or Transaction holds the connection for its duration, so work inside
// one call sees a consistent database and other threads wait.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.h"

namespace esafe::store {

using Value = std::variant<std::monostate, int64_t, double, std::string>;

// One result row; columns are read by name.
class Row {
 public:
  Row(std::shared_ptr<const std::vector<std::string>> columns, std::vector<Value> values)
      : columns_(std::move(columns)), values_(std::move(values)) {}

  bool IsNull(std::string_view column) const;
  // The column as an integer (0 when NULL); text holding a number is converted.
  int64_t Int(std::string_view column) const;
  // The column as text ("" when NULL).
  std::string Text(std::string_view column) const;
  std::optional<std::string> OptionalText(std::string_view column) const;
  const Value& Get(std::string_view column) const;
  const std::vector<std::string>& columns() const { return *columns_; }
  const std::vector<Value>& values() const { return values_; }

 private:
  std::shared_ptr<const std::vector<std::string>> columns_;
  std::vector<Value> values_;
};

using Rows = std::vector<Row>;

enum class Dialect { kSqlite, kPostgres };

// A connection in use by one call. Not thread-safe; only valid inside the
// callback that received it.
class Connection {
 public:
  virtual ~Connection() = default;
  virtual Dialect dialect() const = 0;
  // Runs one statement and returns its rows (none for statements without).
  virtual Result<Rows> Query(std::string_view sql, const std::vector<Value>& params = {}) = 0;
  // Runs one statement and returns the number of rows it changed.
  virtual Result<int64_t> Execute(std::string_view sql, const std::vector<Value>& params = {}) = 0;
  // Runs several statements with no parameters (migrations).
  virtual Result<void> ExecuteScript(std::string_view sql) = 0;

  // Convenience: the first row, or NotFound(`what` not found) when there is none.
  Result<Row> QueryOne(std::string_view sql, const std::vector<Value>& params, std::string_view what);
};

class Database {
 public:
  explicit Database(std::unique_ptr<Connection> connection) : connection_(std::move(connection)) {}

  Dialect dialect() const { return connection_->dialect(); }

  // Runs `work` with the connection, outside any transaction (for reads).
  template <typename T>
  Result<T> Read(const std::function<Result<T>(Connection&)>& work) {
    std::lock_guard lock(mutex_);
    return work(*connection_);
  }

  // Runs `work` inside one transaction: committed when it returns success,
  // rolled back when it returns an error (or throws), so a failure half-way
  // leaves the database exactly as before.
  template <typename T>
  Result<T> Transaction(const std::function<Result<T>(Connection&)>& work) {
    std::lock_guard lock(mutex_);
    ESAFE_TRY(connection_->ExecuteScript(Begin()));
    std::optional<Result<T>> result;
    try {
      result.emplace(work(*connection_));
    } catch (...) {
      (void)connection_->ExecuteScript("ROLLBACK");
      throw;
    }
    if (!result->ok()) {
      (void)connection_->ExecuteScript("ROLLBACK");
      return std::move(*result);
    }
    auto committed = connection_->ExecuteScript("COMMIT");
    if (!committed.ok()) {
      (void)connection_->ExecuteScript("ROLLBACK");
      return committed.error();
    }
    return std::move(*result);
  }

 private:
  const char* Begin() const { return dialect() == Dialect::kSqlite ? "BEGIN IMMEDIATE" : "BEGIN"; }

  std::mutex mutex_;
  std::unique_ptr<Connection> connection_;
};

// Opens "sqlite:PATH" (creating the file and its folder) or "postgresql://…"
// and applies every migration not yet applied. Fails with a message a person
// can act on (bad URL, cannot connect, migration failed).
Result<std::unique_ptr<Database>> Open(std::string_view url);

// The connection implementations, for tests that need one directly.
Result<std::unique_ptr<Connection>> OpenSqlite(const std::string& path);
Result<std::unique_ptr<Connection>> OpenPostgres(const std::string& conninfo);

// Applies pending migrations (see migrations.cc); returns the schema version.
Result<int64_t> Migrate(Database& db);

}  // namespace esafe::store
