// The storage interface every capability writes through, with two
// implementations: SQLite (embedded, the default) and PostgreSQL.
//
// SQL is written once with `?` placeholders; the PostgreSQL implementation
// rewrites them to $1, $2, … . Values are bound as parameters, never spliced
// into SQL. The schema is made by the migrations of store/migrations.h.
//
// Thread-safety: a Database is safe to use from many threads. Transactions run
// one at a time on the writing connection. An opened Database (Open) also keeps a
// pool of reading connections: each Read runs on one of them inside a read-only
// snapshot, in parallel with other reads and with the writer, so a long import or
// a heavy report does not stall everyone else (issue 19, finding 3). A Read sees
// one consistent state of the database, as a transaction would. Small writes that
// only need to be durable (audit records of reads) go through WriteGrouped, which
// commits many callers' writes in one transaction.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <condition_variable>
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
  using Opener = std::function<Result<std::unique_ptr<Connection>>()>;

  // One connection for everything, every call in turn.
  explicit Database(std::unique_ptr<Connection> connection) : connection_(std::move(connection)) {}
  // `writer` for transactions; up to `max_readers` more, opened by `open_reader` when
  // needed, for reads. A reader that cannot be opened leaves reads to the ones open,
  // or to the writer's turn when there are none.
  Database(std::unique_ptr<Connection> writer, Opener open_reader, int max_readers);
  ~Database();

  Dialect dialect() const { return connection_->dialect(); }

  // Runs `work` on a reading connection inside a read-only snapshot (for reads).
  template <typename T>
  Result<T> Read(const std::function<Result<T>(Connection&)>& work) {
    ReaderLease lease(*this);
    if (!lease.connection()) {
      std::lock_guard lock(mutex_);
      return work(*connection_);
    }
    Connection& c = *lease.connection();
    ESAFE_TRY(c.ExecuteScript(BeginRead()));
    std::optional<Result<T>> result;
    try {
      result.emplace(work(c));
    } catch (...) {
      (void)c.ExecuteScript("ROLLBACK");
      throw;
    }
    // Nothing was written: ending the snapshot either way is the same.
    if (auto ended = c.ExecuteScript("COMMIT"); !ended.ok()) {
      (void)c.ExecuteScript("ROLLBACK");
      if (result->ok()) return ended.error();
    }
    return std::move(*result);
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

  // Runs `write` in a transaction shared with the other WriteGrouped calls queued
  // within `group_window` of the first or while the previous group was committing:
  // one commit (one fsync) for all of them instead of one each. Returns once this
  // caller's write is committed, or with its error; nothing of a failed write is
  // kept. When the shared transaction fails, each write of the group is retried in
  // a transaction of its own, so one bad write fails only its caller. `write` must
  // change nothing but the database (it may run twice) and is run on another
  // caller's thread.
  Result<void> WriteGrouped(const std::function<Result<void>(Connection&)>& write);
  // How long the first write of a group waits for others to join it (default 1 ms).
  void set_group_window(std::chrono::microseconds window) { group_window_ = window; }
  // Transactions WriteGrouped has committed (for tests and monitoring).
  int64_t grouped_commits() const;

  // Reading connections open now (for tests and monitoring).
  int open_readers() const;

 private:
  // A reading connection for one Read, given back when it ends; none (nullptr)
  // when this Database has no reader pool.
  class ReaderLease {
   public:
    explicit ReaderLease(Database& db);
    ~ReaderLease();
    ReaderLease(const ReaderLease&) = delete;
    ReaderLease& operator=(const ReaderLease&) = delete;
    Connection* connection() const { return connection_.get(); }

   private:
    Database& db_;
    std::unique_ptr<Connection> connection_;
  };

  const char* Begin() const { return dialect() == Dialect::kSqlite ? "BEGIN IMMEDIATE" : "BEGIN"; }
  const char* BeginRead() const {
    return dialect() == Dialect::kSqlite ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";
  }

  // One caller's write queued for WriteGrouped; `result` is set under group_mutex_.
  struct GroupedWrite {
    const std::function<Result<void>(Connection&)>* write;
    std::optional<Result<void>> result;
  };
  std::vector<Result<void>> CommitGroup(const std::vector<GroupedWrite*>& group);

  std::mutex mutex_;
  std::unique_ptr<Connection> connection_;

  std::chrono::microseconds group_window_{1000};
  mutable std::mutex group_mutex_;
  std::condition_variable group_committed_;
  std::vector<GroupedWrite*> group_queue_;
  bool group_leader_ = false;
  int64_t grouped_commits_ = 0;

  Opener open_reader_;
  int max_readers_ = 0;
  mutable std::mutex pool_mutex_;
  std::condition_variable reader_returned_;
  std::vector<std::unique_ptr<Connection>> idle_readers_;
  int open_readers_ = 0;
};

// Opens "sqlite:PATH" (creating the file and its folder) or "postgresql://…"
// and applies every migration not yet applied. The Database reads through a pool
// of up to `max_readers` connections besides the writing one. Fails with a message a person
// can act on (bad URL, cannot connect, migration failed).
Result<std::unique_ptr<Database>> Open(std::string_view url, int max_readers = 8);

// The connection implementations, for tests that need one directly.
Result<std::unique_ptr<Connection>> OpenSqlite(const std::string& path);
Result<std::unique_ptr<Connection>> OpenPostgres(const std::string& conninfo);
// The same, for a connection that may only read: a write through it fails, so a Read
// that writes is found at once rather than racing the writer.
Result<std::unique_ptr<Connection>> OpenSqliteReader(const std::string& path);
Result<std::unique_ptr<Connection>> OpenPostgresReader(const std::string& conninfo);

// Applies pending migrations (see store/migrations.h); returns the schema version.
Result<int64_t> Migrate(Database& db);
// The migrations this esafe knows that the database on `c` has not applied, as
// "NNNN_name", in order; applies nothing (a read-only connection will do). Fails when
// the database has no schema_migrations table (esafe never opened it) or cannot be read.
Result<std::vector<std::string>> PendingMigrations(Connection& c);

}  // namespace esafe::store
