#include <sqlite3.h>

#include <filesystem>

#include <fmt/format.h>

#include "store/database.h"

namespace esafe::store {
namespace {

Error SqliteError(sqlite3* db, int code) {
  int ext = sqlite3_extended_errcode(db);
  std::string msg = sqlite3_errmsg(db);
  if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return Error::Conflict("a record with the same unique value already exists");
  }
  if (ext == SQLITE_CONSTRAINT_FOREIGNKEY) return Error::Conflict("the record is referenced by, or refers to, another");
  if ((code & 0xFF) == SQLITE_CONSTRAINT) return Error::Conflict(msg);
  return Error::Internal("database: " + msg);
}

class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  ~SqliteConnection() override { sqlite3_close_v2(db_); }

  Dialect dialect() const override { return Dialect::kSqlite; }

  Result<Rows> Query(std::string_view sql, const std::vector<Value>& params) override {
    Rows rows;
    auto r = Run(sql, params, &rows);
    if (!r.ok()) return r.error();
    return rows;
  }

  Result<int64_t> Execute(std::string_view sql, const std::vector<Value>& params) override {
    auto r = Run(sql, params, nullptr);
    if (!r.ok()) return r.error();
    return static_cast<int64_t>(sqlite3_changes(db_));
  }

  Result<void> ExecuteScript(std::string_view sql) override {
    char* err = nullptr;
    std::string s(sql);
    int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      if ((rc & 0xFF) == SQLITE_CONSTRAINT) return Error::Conflict(msg);
      return Error::Internal("database: " + msg);
    }
    return Ok();
  }

 private:
  Result<void> Run(std::string_view sql, const std::vector<Value>& params, Rows* rows) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, rc);
    std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> guard(stmt, &sqlite3_finalize);
    for (size_t i = 0; i < params.size(); ++i) {
      int idx = static_cast<int>(i + 1);
      const Value& v = params[i];
      if (std::holds_alternative<std::monostate>(v)) rc = sqlite3_bind_null(stmt, idx);
      else if (auto* n = std::get_if<int64_t>(&v)) rc = sqlite3_bind_int64(stmt, idx, *n);
      else if (auto* d = std::get_if<double>(&v)) rc = sqlite3_bind_double(stmt, idx, *d);
      else {
        const auto& s = std::get<std::string>(v);
        rc = sqlite3_bind_text(stmt, idx, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
      }
      if (rc != SQLITE_OK) return SqliteError(db_, rc);
    }
    std::shared_ptr<std::vector<std::string>> columns;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      if (rows == nullptr) continue;
      int n = sqlite3_column_count(stmt);
      if (!columns) {
        columns = std::make_shared<std::vector<std::string>>();
        for (int c = 0; c < n; ++c) columns->push_back(sqlite3_column_name(stmt, c));
      }
      std::vector<Value> values;
      values.reserve(n);
      for (int c = 0; c < n; ++c) {
        switch (sqlite3_column_type(stmt, c)) {
          case SQLITE_NULL: values.emplace_back(std::monostate{}); break;
          case SQLITE_INTEGER: values.emplace_back(static_cast<int64_t>(sqlite3_column_int64(stmt, c))); break;
          case SQLITE_FLOAT: values.emplace_back(sqlite3_column_double(stmt, c)); break;
          default: {
            const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
            values.emplace_back(std::string(p, sqlite3_column_bytes(stmt, c)));
          }
        }
      }
      rows->emplace_back(columns, std::move(values));
    }
    if (rc != SQLITE_DONE) return SqliteError(db_, rc);
    return Ok();
  }

  sqlite3* db_;
};

}  // namespace

Result<std::unique_ptr<Connection>> OpenSqlite(const std::string& path) {
  std::error_code ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return Error::Internal(fmt::format("cannot open SQLite database {}: {}", path, msg));
  }
  sqlite3_busy_timeout(db, 5000);
  auto conn = std::make_unique<SqliteConnection>(db);
  // WAL keeps readers going during writes and, with synchronous=FULL, a commit
  // survives power loss; foreign keys are off by default in SQLite.
  ESAFE_TRY(conn->ExecuteScript("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"));
  return std::unique_ptr<Connection>(std::move(conn));
}

Result<std::unique_ptr<Connection>> OpenSqliteReader(const std::string& path) {
  auto conn = OpenSqlite(path);
  if (!conn.ok()) return conn.error();
  ESAFE_TRY((*conn)->ExecuteScript("PRAGMA query_only=ON;"));
  return conn;
}

}  // namespace esafe::store
