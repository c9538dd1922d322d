// The files of src/store/migrations/ read as migrations: grouped by number, checksummed,
// and turned into the steps one database runs, with the `-- esafe:` directives expanded.
#include <sodium.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

#include <fmt/format.h>

#include "store/migrations.h"

namespace esafe::store {
namespace {

bool IsIdentifier(std::string_view s) {
  if (s.empty() || !(std::islower(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_';
  });
}

// "0005_plan.postgres.sql" → 5, "plan", "postgres"; data files have the kind "yaml" and no name.
struct FileName {
  int64_t version = 0;
  std::string name;
  std::string kind;  // "sql" (both databases), "sqlite", "postgres" or "yaml"
};

Result<FileName> ParseFileName(const std::string& file) {
  auto bad = [&] {
    return Error::Internal(fmt::format(
        "migration file {}: the name must be NNNN_name.sql, NNNN_name.sqlite.sql, NNNN_name.postgres.sql or "
        "NNNN_name.yaml",
        file));
  };
  if (file.size() < 6 || file[4] != '_') return bad();
  FileName f;
  auto [end, ec] = std::from_chars(file.data(), file.data() + 4, f.version);
  if (ec != std::errc() || end != file.data() + 4 || f.version <= 0) return bad();
  std::string rest = file.substr(5);
  for (std::string kind : {"sqlite", "postgres"}) {
    std::string suffix = "." + kind + ".sql";
    if (rest.ends_with(suffix)) {
      f.name = rest.substr(0, rest.size() - suffix.size());
      f.kind = kind;
    }
  }
  if (f.kind.empty() && rest.ends_with(".sql")) {
    f.name = rest.substr(0, rest.size() - 4);
    f.kind = "sql";
  } else if (f.kind.empty() && rest.ends_with(".yaml")) {
    f.kind = "yaml";
    return f;
  }
  if (!IsIdentifier(f.name)) return bad();
  return f;
}

std::string Checksum(const std::vector<MigrationFile>& files) {
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  auto add = [&](std::string_view s) {
    // Each part is preceded by its length, so no two different lists of files hash alike.
    std::string length = std::to_string(s.size()) + ":";
    crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(length.data()), length.size());
    crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(s.data()), s.size());
  };
  for (const auto& f : files) {
    add(f.name);
    add(f.content);
  }
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&st, digest);
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

// The words of a directive line; a 'quoted string' ('' inside it is one quote) is one word.
Result<std::vector<std::string>> Words(std::string_view line, const std::string& where) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < line.size()) {
    if (line[i] == ' ') {
      ++i;
    } else if (line[i] == '\'') {
      std::string word;
      for (++i;; ++i) {
        if (i >= line.size()) return Error::Internal(where + ": a quoted string is not closed");
        if (line[i] == '\'' && i + 1 < line.size() && line[i + 1] == '\'') {
          word += '\'';
          ++i;
        } else if (line[i] == '\'') {
          break;
        } else {
          word += line[i];
        }
      }
      words.push_back(word);
      ++i;
    } else {
      size_t end = line.find(' ', i);
      if (end == std::string_view::npos) end = line.size();
      words.emplace_back(line.substr(i, end - i));
      i = end;
    }
  }
  return words;
}

std::string Quoted(std::string_view text) {
  std::string q = "'";
  for (char c : text) q += c == '\'' ? std::string("''") : std::string(1, c);
  return q + "'";
}

// A plain YAML scalar that is a whole number binds as an integer; anything quoted as text.
Result<Value> RowValue(const YAML::Node& node, const std::string& where) {
  if (node.IsNull()) return Value{};
  if (!node.IsScalar()) return Error::Internal(fmt::format("{}:{}: a value must be a scalar", where, node.Mark().line + 1));
  const std::string& s = node.Scalar();
  if (node.Tag() == "?") {
    int64_t n = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec == std::errc() && end == s.data() + s.size()) return Value{n};
  }
  return Value{s};
}

// Reads a data file: `table`, `columns` and `rows` (one list of values per row).
Result<MigrationStep> RowsStep(const MigrationFile& file) {
  YAML::Node doc;
  try {
    doc = YAML::Load(std::string(file.content));
  } catch (const YAML::Exception& e) {
    return Error::Internal(fmt::format("{}:{}: {}", file.name, e.mark.line + 1, e.msg));
  }
  auto line = [](const YAML::Node& n) { return n.Mark().line + 1; };
  if (!doc.IsMap() || !doc["table"] || !doc["columns"].IsSequence() || !doc["rows"].IsSequence()) {
    return Error::Internal(file.name + ": needs table, columns (a list) and rows (a list of lists)");
  }
  std::string table = doc["table"].as<std::string>("");
  if (!IsIdentifier(table)) return Error::Internal(fmt::format("{}:{}: bad table name", file.name, line(doc["table"])));
  std::vector<std::string> columns;
  for (const auto& c : doc["columns"]) {
    std::string name = c.IsScalar() ? c.Scalar() : "";
    if (!IsIdentifier(name)) return Error::Internal(fmt::format("{}:{}: bad column name", file.name, line(c)));
    columns.push_back(name);
  }
  MigrationStep step;
  std::string marks;
  for (size_t i = 0; i < columns.size(); ++i) marks += i ? ", ?" : "?";
  step.insert = fmt::format("INSERT INTO {} ({}) VALUES ({})", table, fmt::join(columns, ", "), marks);
  for (const auto& r : doc["rows"]) {
    if (!r.IsSequence() || r.size() != columns.size()) {
      return Error::Internal(fmt::format("{}:{}: a row needs {} values", file.name, line(r), columns.size()));
    }
    std::vector<Value> values;
    for (const auto& v : r) {
      auto value = RowValue(v, file.name);
      if (!value.ok()) return value.error();
      values.push_back(*value);
    }
    step.rows.push_back(std::move(values));
  }
  return step;
}

// Expands one SQL file of a migration into `steps` for `dialect`.
class ScriptReader {
 public:
  ScriptReader(const Migration& m, Dialect dialect, std::vector<MigrationStep>& steps)
      : m_(m), dialect_(dialect), steps_(steps) {}

  Result<void> Read(const MigrationFile& file) {
    std::string_view text = file.content;
    int number = 0;
    while (!text.empty()) {
      size_t end = text.find('\n');
      std::string_view line = text.substr(0, end);
      text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
      ++number;
      if (!line.starts_with("-- esafe:")) {
        script_ += line;
        script_ += '\n';
        continue;
      }
      std::string where = fmt::format("{}:{}", file.name, number);
      auto words = Words(line.substr(9), where);
      if (!words.ok()) return words.error();
      ESAFE_TRY(Directive(*words, where));
    }
    Flush();
    return {};
  }

 private:
  Result<void> Directive(const std::vector<std::string>& w, const std::string& where) {
    const std::string& what = w.empty() ? "" : w[0];
    if (what == "postgres-function" && w.size() == 3 && IsIdentifier(w[1])) {
      if (functions_.count(w[1])) return Error::Internal(where + ": " + w[1] + " is declared twice");
      functions_.insert(w[1]);
      Function(w[1], w[2]);
      return {};
    }
    if ((what == "append-only" || what == "no-delete") && (w.size() == 3 || (w.size() == 5 && w[3] == "via")) &&
        IsIdentifier(w[1])) {
      bool append_only = what == "append-only";
      const std::string& table = w[1];
      std::string function = table + (append_only ? "_append_only" : "_never_deleted");
      if (w.size() == 5) {
        function = w[4];
        if (!functions_.count(function)) {
          return Error::Internal(where + ": declare " + function + " with -- esafe:postgres-function first");
        }
      } else {
        Function(function, w[2]);
      }
      Guard(table, append_only, w[2], function);
      return {};
    }
    if (what == "rows" && w.size() == 2) {
      auto file = std::find_if(m_.files.begin(), m_.files.end(), [&](const auto& f) { return f.name == w[1]; });
      if (file == m_.files.end() || !file->name.ends_with(".yaml")) {
        return Error::Internal(where + ": " + w[1] + " is not a data file of migration " + m_.name);
      }
      auto step = RowsStep(*file);
      if (!step.ok()) return step.error();
      Flush();
      steps_.push_back(std::move(*step));
      return {};
    }
    return Error::Internal(where + ": expected -- esafe:append-only TABLE 'message' [via FUNCTION], "
                                   "no-delete TABLE 'message' [via FUNCTION], postgres-function FUNCTION 'message' "
                                   "or rows FILE.yaml");
  }

  // On PostgreSQL a trigger calls a function; SQLite's triggers raise the message themselves.
  void Function(const std::string& name, const std::string& message) {
    if (dialect_ != Dialect::kPostgres) return;
    std::string escaped;
    for (char c : message) escaped += c == '%' ? std::string("%%") : std::string(1, c);
    script_ += fmt::format("CREATE FUNCTION {}() RETURNS trigger AS $$\nBEGIN RAISE EXCEPTION {}; END;\n$$ LANGUAGE plpgsql;\n",
                           name, Quoted(escaped));
  }

  void Guard(const std::string& table, bool append_only, const std::string& message, const std::string& function) {
    if (dialect_ == Dialect::kPostgres) {
      script_ += fmt::format("CREATE TRIGGER {}_{} BEFORE {} ON {}\nFOR EACH ROW EXECUTE FUNCTION {}();\n", table,
                             append_only ? "no_change" : "no_delete", append_only ? "UPDATE OR DELETE" : "DELETE",
                             table, function);
      return;
    }
    for (std::string event : {"UPDATE", "DELETE"}) {
      if (event == "UPDATE" && !append_only) continue;
      std::string lower = event == "UPDATE" ? "update" : "delete";
      script_ += fmt::format("CREATE TRIGGER {}_no_{} BEFORE {} ON {}\nBEGIN SELECT RAISE(ABORT, {}); END;\n", table,
                             lower, event, table, Quoted(message));
    }
  }

  void Flush() {
    if (script_.find_first_not_of(" \n") == std::string::npos) {
      script_.clear();
      return;
    }
    std::string id = dialect_ == Dialect::kSqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGSERIAL PRIMARY KEY";
    for (size_t pos; (pos = script_.find("{ID}")) != std::string::npos;) script_.replace(pos, 4, id);
    steps_.push_back({std::move(script_), {}, {}});
    script_.clear();
  }

  const Migration& m_;
  Dialect dialect_;
  std::vector<MigrationStep>& steps_;
  std::string script_;
  std::set<std::string> functions_;
};

}  // namespace

Result<std::vector<Migration>> LoadMigrations(const std::vector<MigrationFile>& files) {
  std::map<int64_t, Migration> by_version;
  for (const auto& file : files) {
    auto name = ParseFileName(file.name);
    if (!name.ok()) return name.error();
    Migration& m = by_version[name->version];
    m.version = name->version;
    if (!name->name.empty()) {
      std::string full = fmt::format("{:04}_{}", name->version, name->name);
      if (!m.name.empty() && m.name != full) {
        return Error::Internal(fmt::format("migration files {} and {} share a number", m.name, file.name));
      }
      m.name = full;
    }
    m.files.push_back(file);
  }
  std::vector<Migration> out;
  for (auto& [version, m] : by_version) {
    if (m.name.empty()) return Error::Internal(fmt::format("migration {:04} has data files but no .sql file", version));
    std::sort(m.files.begin(), m.files.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    m.checksum = Checksum(m.files);
    out.push_back(std::move(m));
  }
  return out;
}

Result<std::vector<MigrationStep>> MigrationSteps(const Migration& m, Dialect dialect) {
  std::vector<MigrationStep> steps;
  for (std::string kind : {".sql", dialect == Dialect::kSqlite ? ".sqlite.sql" : ".postgres.sql"}) {
    for (const auto& file : m.files) {
      if (file.name != m.name + kind) continue;
      ScriptReader reader(m, dialect, steps);
      ESAFE_TRY(reader.Read(file));
    }
  }
  return steps;
}

}  // namespace esafe::store
