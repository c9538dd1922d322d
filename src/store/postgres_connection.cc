#include <libpq-fe.h>

#include <fmt/format.h>

#include "store/database.h"

namespace esafe::store {
namespace {

constexpr unsigned kInt8Oid = 20, kInt2Oid = 21, kInt4Oid = 23, kBoolOid = 16, kFloat4Oid = 700, kFloat8Oid = 701;

// Rewrites `?` placeholders to $1, $2, … outside quoted strings and identifiers.
std::string NumberPlaceholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  char quote = 0;
  for (char c : sql) {
    if (quote) {
      if (c == quote) quote = 0;
      out += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      out += c;
    } else if (c == '?') {
      out += fmt::format("${}", ++n);
    } else {
      out += c;
    }
  }
  return out;
}

using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

Error PostgresError(PGconn* conn, PGresult* res) {
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string msg = res ? PQresultErrorMessage(res) : PQerrorMessage(conn);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  if (state != nullptr) {
    std::string_view s(state);
    if (s == "23505") return Error::Conflict("a record with the same unique value already exists");
    if (s == "23503") return Error::Conflict("the record is referenced by, or refers to, another");
    if (s.starts_with("23")) return Error::Conflict(msg);
  }
  return Error::Internal("database: " + msg);
}

class PostgresConnection final : public Connection {
 public:
  explicit PostgresConnection(PGconn* conn) : conn_(conn) {}
  ~PostgresConnection() override { PQfinish(conn_); }

  Dialect dialect() const override { return Dialect::kPostgres; }

  Result<Rows> Query(std::string_view sql, const std::vector<Value>& params) override {
    auto res = Run(sql, params);
    if (!res.ok()) return res.error();
    PGresult* r = res->get();
    Rows rows;
    int nrows = PQntuples(r), ncols = PQnfields(r);
    auto columns = std::make_shared<std::vector<std::string>>();
    for (int c = 0; c < ncols; ++c) columns->push_back(PQfname(r, c));
    for (int i = 0; i < nrows; ++i) {
      std::vector<Value> values;
      values.reserve(ncols);
      for (int c = 0; c < ncols; ++c) {
        if (PQgetisnull(r, i, c)) { values.emplace_back(std::monostate{}); continue; }
        const char* v = PQgetvalue(r, i, c);
        switch (PQftype(r, c)) {
          case kInt8Oid: case kInt2Oid: case kInt4Oid: values.emplace_back(static_cast<int64_t>(std::stoll(v))); break;
          case kBoolOid: values.emplace_back(static_cast<int64_t>(v[0] == 't')); break;
          case kFloat4Oid: case kFloat8Oid: values.emplace_back(std::stod(v)); break;
          default: values.emplace_back(std::string(v, PQgetlength(r, i, c)));
        }
      }
      rows.emplace_back(columns, std::move(values));
    }
    return rows;
  }

  Result<int64_t> Execute(std::string_view sql, const std::vector<Value>& params) override {
    auto res = Run(sql, params);
    if (!res.ok()) return res.error();
    const char* n = PQcmdTuples(res->get());
    return static_cast<int64_t>(n && *n ? std::stoll(n) : 0);
  }

  Result<void> ExecuteScript(std::string_view sql) override {
    ResultPtr res(PQexec(conn_, std::string(sql).c_str()), &PQclear);
    auto st = PQresultStatus(res.get());
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return PostgresError(conn_, res.get());
    return Ok();
  }

 private:
  Result<ResultPtr> Run(std::string_view sql, const std::vector<Value>& params) {
    std::string numbered = NumberPlaceholders(sql);
    std::vector<std::string> storage(params.size());
    std::vector<const char*> values(params.size());
    std::vector<unsigned> types(params.size(), 0);
    for (size_t i = 0; i < params.size(); ++i) {
      const Value& v = params[i];
      if (std::holds_alternative<std::monostate>(v)) { values[i] = nullptr; continue; }
      if (auto* n = std::get_if<int64_t>(&v)) { storage[i] = std::to_string(*n); types[i] = kInt8Oid; }
      else if (auto* d = std::get_if<double>(&v)) { storage[i] = fmt::format("{}", *d); types[i] = kFloat8Oid; }
      else storage[i] = std::get<std::string>(v);
      values[i] = storage[i].c_str();
    }
    if (PQstatus(conn_) != CONNECTION_OK) PQreset(conn_);
    ResultPtr res(PQexecParams(conn_, numbered.c_str(), static_cast<int>(params.size()), types.data(), values.data(),
                               nullptr, nullptr, 0),
                  &PQclear);
    auto st = PQresultStatus(res.get());
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return PostgresError(conn_, res.get());
    return res;
  }

  PGconn* conn_;
};

}  // namespace

Result<std::unique_ptr<Connection>> OpenPostgres(const std::string& conninfo) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(conn);
    PQfinish(conn);
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    return Error::Internal("cannot connect to PostgreSQL: " + msg);
  }
  auto c = std::make_unique<PostgresConnection>(conn);
  ESAFE_TRY(c->ExecuteScript("SET client_min_messages = warning; SET TIME ZONE 'UTC';"));
  return std::unique_ptr<Connection>(std::move(c));
}

Result<std::unique_ptr<Connection>> OpenPostgresReader(const std::string& conninfo) {
  auto conn = OpenPostgres(conninfo);
  if (!conn.ok()) return conn.error();
  ESAFE_TRY((*conn)->ExecuteScript("SET default_transaction_read_only = on"));
  return conn;
}

}  // namespace esafe::store
