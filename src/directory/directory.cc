#include "directory/directory.h"

#include <fmt/format.h>

#include <chrono>
#include <map>

#include "core/clock.h"
#include "core/csv.h"
#include "core/text.h"
#include "store/record_row.h"

namespace esafe::directory {
namespace {

using access::Principal;
using store::Connection;
using store::ToValue;
using store::Value;

const char* NameColumn(Kind k) { return k == Kind::kPerson ? "full_name" : "name"; }
const char* TypeColumn(Kind k) {
  switch (k) {
    case Kind::kAgency: return "sector";
    case Kind::kSite: return "site_type";
    case Kind::kAccessLocation: return "access_type";
    case Kind::kPerson: return "esafety_role";
  }
  return "name";
}
// Rows a page when a caller wants every row (exports, whole lists).
constexpr int64_t kWholeListPage = 1000;

const char* AgencyColumn(Kind k) { return k == Kind::kAgency ? "id" : "agency_id"; }

Json FromRow(const KindInfo& info, const store::Row& row) {
  Json out = store::FromRow(*info.schema, row);
  if (info.kind != Kind::kAgency) out["agency_name"] = row.Text("agency_name");
  if (info.kind == Kind::kAccessLocation) out["site_name"] = row.Text("site_name");
  return out;
}

std::string SelectSql(Kind k) {
  const auto& info = Info(k);
  switch (k) {
    case Kind::kAgency: return "SELECT t.* FROM agencies t";
    case Kind::kAccessLocation:
      return "SELECT t.*, a.name AS agency_name, s.name AS site_name FROM access_locations t "
             "JOIN agencies a ON a.id = t.agency_id JOIN sites s ON s.id = t.site_id";
    default:
      return fmt::format("SELECT t.*, a.name AS agency_name FROM {} t JOIN agencies a ON a.id = t.agency_id",
                         info.table);
  }
}

std::string EscapeLike(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// Loads one record by id with no scoping; callers check visibility.
Result<store::Row> LoadRow(Connection& c, Kind k, int64_t id) {
  return c.QueryOne(SelectSql(k) + " WHERE t.id = ?", {id}, Info(k).singular);
}

int64_t OwningAgency(Kind k, const store::Row& row) { return row.Int(k == Kind::kAgency ? "id" : "agency_id"); }

// The visibility rule in one place: records the principal cannot read do not
// exist for it (NotFound, so that ids reveal nothing); board members read no
// records at all, only Summary.
Result<store::Row> LoadVisible(Connection& c, Kind k, const Principal& who, int64_t id) {
  auto row = LoadRow(c, k, id);
  if (!row.ok()) return row.error();
  int64_t agency = OwningAgency(k, *row);
  bool readable = k == Kind::kAgency ? (who.SeesAllAgencies() || (who.agency_id && *who.agency_id == agency))
                                     : who.CanReadAgency(agency);
  if (k == Kind::kPerson && !who.CanReadPeople()) readable = false;
  if (!readable) return Error::NotFound(Info(k).singular + " not found");
  return row;
}

Error WithField(Error e, const KindInfo& info) {
  if (e.kind == ErrorKind::kConflict && e.message.find("unique") != std::string::npos) {
    return Error::Conflict(fmt::format("a {} with that name already exists", info.singular), NameColumn(info.kind));
  }
  return e;
}

// Works out and checks the agency a new or changed record belongs to.
Result<int64_t> ResolveAgency(Connection& c, Kind k, const Principal& who, const Json& input,
                              std::optional<int64_t> current) {
  if (k == Kind::kAccessLocation) {
    if (!input.contains("site_id")) return *current;
    auto site = c.Query("SELECT agency_id FROM sites WHERE id = ?", {input["site_id"].get<int64_t>()});
    if (!site.ok()) return site.error();
    if (site->empty() || !who.CanReadAgency((*site)[0].Int("agency_id"))) {
      return Error::Invalid("no site has that id", "site_id");
    }
    return (*site)[0].Int("agency_id");
  }
  if (input.contains("agency_id") && !input["agency_id"].is_null()) {
    int64_t agency = input["agency_id"].get<int64_t>();
    auto found = c.Query("SELECT id FROM agencies WHERE id = ?", {agency});
    if (!found.ok()) return found.error();
    if (found->empty() || !(who.SeesAllAgencies() || who.CanReadAgency(agency))) {
      return Error::Invalid("no agency has that id", "agency_id");
    }
    return agency;
  }
  if (current) return *current;
  if (who.agency_id) return *who.agency_id;
  return Error::Invalid("agency_id is required", "agency_id");
}

Result<int64_t> InsertRecord(Connection& c, Kind k, const Principal& who, const Json& valid) {
  const auto& info = Info(k);
  std::vector<std::string> columns;
  std::vector<Value> values;
  if (k == Kind::kAgency) {
    if (!who.IsPartnershipManager()) return Error::Forbidden("only the partnership may add agencies");
  } else {
    auto agency = ResolveAgency(c, k, who, valid, std::nullopt);
    if (!agency.ok()) return agency.error();
    if (!who.CanWriteAgency(*agency)) return Error::Forbidden("you may only add records to your own agency");
    columns.push_back("agency_id");
    values.emplace_back(*agency);
  }
  for (const auto& f : info.schema->fields()) {
    if (f.read_only || f.name == "agency_id" || !valid.contains(f.name)) continue;
    columns.push_back(f.name);
    values.push_back(ToValue(f, valid[f.name]));
  }
  std::string now = clock::NowIso8601();
  columns.insert(columns.end(), {"created_at", "updated_at"});
  values.insert(values.end(), {now, now});
  std::string placeholders;
  for (size_t i = 0; i < columns.size(); ++i) placeholders += i ? ", ?" : "?";
  auto rows = c.Query(fmt::format("INSERT INTO {} ({}) VALUES ({}) RETURNING id", info.table,
                                  fmt::join(columns, ", "), placeholders),
                      values);
  if (!rows.ok()) return WithField(rows.error(), info);
  int64_t id = (*rows)[0].Int("id");
  ESAFE_TRY(access::RecordAudit(c, &who, "create", info.singular, id, fmt::format("{} created", info.singular)));
  return id;
}

std::vector<std::string> CsvColumns(Kind k) {
  std::vector<std::string> cols;
  if (k != Kind::kAgency) cols.push_back("agency");
  if (k == Kind::kAccessLocation) cols.push_back("site");
  for (const auto& f : Info(k).schema->fields()) {
    if (f.read_only || f.type == FieldType::kReference) continue;
    cols.push_back(f.name);
  }
  return cols;
}

}  // namespace

Result<store::Page> Directory::ListPage(Kind k, const Principal& who, const ListQuery& q,
                                        const store::PageQuery& page) {
  return ReadPage(k, who, q, page, true);
}

Result<Json> Directory::List(Kind k, const Principal& who, const ListQuery& q) {
  return store::AllItems(kWholeListPage, [&](const store::PageQuery& page) { return ReadPage(k, who, q, page, true); });
}

Result<store::Page> Directory::ReadPage(Kind k, const Principal& who, const ListQuery& q,
                                        const store::PageQuery& page, bool audit_listing) {
  const auto& info = Info(k);
  if (who.role == access::Role::kBoardMember && k != Kind::kAgency) {
    return Error::Forbidden("board members see aggregate figures only");
  }
  if (k == Kind::kPerson && !who.CanReadPeople()) return Error::Forbidden("you may not read people's records");
  const store::Keyset order{{{fmt::format("lower(t.{})", NameColumn(k)), store::KeyType::kText},
                             {"t.id", store::KeyType::kInt}}};
  std::string sql = SelectSql(k);
  sql.insert(sql.find(" FROM "), ", " + order.SelectList());
  sql += " WHERE 1=1";
  std::vector<Value> params;
  if (!who.SeesAllAgencies()) {
    if (!who.agency_id) return store::Page{};
    sql += fmt::format(" AND t.{} = ?", AgencyColumn(k));
    params.emplace_back(*who.agency_id);
  }
  if (q.agency_id) { sql += fmt::format(" AND t.{} = ?", AgencyColumn(k)); params.emplace_back(*q.agency_id); }
  if (q.site_id && k == Kind::kAccessLocation) { sql += " AND t.site_id = ?"; params.emplace_back(*q.site_id); }
  if (q.type) { sql += fmt::format(" AND t.{} = ?", TypeColumn(k)); params.emplace_back(*q.type); }
  if (q.search && !q.search->empty()) {
    sql += fmt::format(" AND lower(t.{}) LIKE ? ESCAPE '\\'", NameColumn(k));
    params.emplace_back("%" + EscapeLike(text::Lower(*q.search)) + "%");
  }
  ESAFE_TRY(store::AppendKeyset(sql, params, order, page));
  std::vector<int64_t> ids;
  auto read = db_.Read<store::Page>([&](Connection& c) -> Result<store::Page> {
    auto rows = c.Query(sql, params);
    if (!rows.ok()) return rows.error();
    return store::TakePage(*rows, order, page, [&](const store::Row& r) {
      ids.push_back(r.Int("id"));
      return FromRow(info, r);
    });
  });
  if (!read.ok()) return read.error();
  if (audit_listing && k == Kind::kPerson && !ids.empty()) {
    ESAFE_TRY(access::RecordAudit(db_, &who, "list", info.singular, std::nullopt,
                                  fmt::format("listed people {}", fmt::join(ids, ","))));
  }
  return read;
}

Result<Json> Directory::Get(Kind k, const Principal& who, int64_t id) {
  const auto& info = Info(k);
  if (who.role == access::Role::kBoardMember && k != Kind::kAgency) {
    return Error::Forbidden("board members see aggregate figures only");
  }
  auto read = db_.Read<Json>([&](Connection& c) -> Result<Json> {
    auto row = LoadVisible(c, k, who, id);
    if (!row.ok()) return row.error();
    return FromRow(info, *row);
  });
  if (!read.ok()) return read.error();
  if (k == Kind::kPerson) ESAFE_TRY(access::RecordAudit(db_, &who, "read", info.singular, id, "viewed record"));
  return read;
}

Result<Json> Directory::Create(Kind k, const Principal& who, const Json& input) {
  const auto& info = Info(k);
  auto valid = info.schema->Validate(input, false);
  if (!valid.ok()) return valid.error();
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto id = InsertRecord(c, k, who, *valid);
    if (!id.ok()) return id.error();
    auto row = LoadRow(c, k, *id);
    if (!row.ok()) return row.error();
    return FromRow(info, *row);
  });
}

Result<Json> Directory::Update(Kind k, const Principal& who, int64_t id, const Json& input) {
  const auto& info = Info(k);
  auto valid = info.schema->Validate(input, true);
  if (!valid.ok()) return valid.error();
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto row = LoadVisible(c, k, who, id);
    if (!row.ok()) return row.error();
    int64_t agency = OwningAgency(k, *row);
    if (!who.CanWriteAgency(agency)) return Error::Forbidden(fmt::format("you may not change this {}", info.singular));
    if (k == Kind::kAgency && valid->contains("membership_type") && !who.IsPartnershipManager()) {
      return Error::Forbidden("only the partnership sets an agency's membership type");
    }
    std::vector<std::string> sets;
    std::vector<Value> values;
    std::vector<std::string> changed;
    if (k != Kind::kAgency) {
      auto new_agency = ResolveAgency(c, k, who, *valid, agency);
      if (!new_agency.ok()) return new_agency.error();
      if (*new_agency != agency) {
        if (!who.CanWriteAgency(*new_agency)) return Error::Forbidden("you may not move records to that agency");
        if (k == Kind::kSite) {
          return Error::Invalid("a site cannot move to another agency; create it there instead", "agency_id");
        }
        sets.push_back("agency_id = ?");
        values.emplace_back(*new_agency);
      }
    }
    for (const auto& f : info.schema->fields()) {
      if (f.read_only || f.name == "agency_id" || !valid->contains(f.name)) continue;
      sets.push_back(f.name + " = ?");
      values.push_back(ToValue(f, (*valid)[f.name]));
      changed.push_back(f.name);
    }
    if (sets.empty()) return FromRow(info, *row);
    sets.push_back("updated_at = ?");
    values.emplace_back(clock::NowIso8601());
    values.emplace_back(id);
    auto r = c.Execute(fmt::format("UPDATE {} SET {} WHERE id = ?", info.table, fmt::join(sets, ", ")), values);
    if (!r.ok()) return WithField(r.error(), info);
    ESAFE_TRY(access::RecordAudit(c, &who, "update", info.singular, id,
                                  fmt::format("changed {}", fmt::join(changed, ", "))));
    auto after = LoadRow(c, k, id);
    if (!after.ok()) return after.error();
    return FromRow(info, *after);
  });
}

Result<void> Directory::Remove(Kind k, const Principal& who, int64_t id) {
  const auto& info = Info(k);
  auto done = db_.Transaction<bool>([&](Connection& c) -> Result<bool> {
    auto row = LoadVisible(c, k, who, id);
    if (!row.ok()) return row.error();
    bool allowed = k == Kind::kAgency ? who.IsPartnershipManager() : who.CanWriteAgency(OwningAgency(k, *row));
    if (!allowed) return Error::Forbidden(fmt::format("you may not delete this {}", info.singular));
    auto r = c.Execute(fmt::format("DELETE FROM {} WHERE id = ?", info.table), {id});
    if (!r.ok()) {
      if (r.error().kind == ErrorKind::kConflict) {
        return Error::Conflict(fmt::format("this {} still has records that depend on it; remove those first",
                                           info.singular));
      }
      return r.error();
    }
    ESAFE_TRY(access::RecordAudit(c, &who, "delete", info.singular, id, fmt::format("{} deleted", info.singular)));
    return true;
  });
  if (!done.ok()) return done.error();
  return Ok();
}

Result<std::string> Directory::ExportCsv(Kind k, const Principal& who) {
  const auto& info = Info(k);
  auto columns = CsvColumns(k);
  std::string out = csv::FormatRow(columns);
  // Every record the person may see, a page at a time: the export is one audit
  // record, not one listing per page.
  int64_t exported = 0;
  auto read = store::ForEachPage(
      kWholeListPage, [&](const store::PageQuery& page) { return ReadPage(k, who, {}, page, false); },
      [&](Json& records) -> Result<void> {
        for (const auto& rec : records) {
          std::vector<std::string> cells;
          for (const auto& col : columns) {
            if (col == "agency") cells.push_back(rec.value("agency_name", ""));
            else if (col == "site") cells.push_back(rec.value("site_name", ""));
            else cells.push_back(RecordSchema::ToCell(*info.schema->Find(col), rec[col]));
          }
          out += csv::FormatRow(cells);
          ++exported;
        }
        return Ok();
      });
  if (!read.ok()) return read.error();
  auto audited = db_.Transaction<bool>([&](Connection& c) -> Result<bool> {
    ESAFE_TRY(access::RecordAudit(c, &who, "export", info.singular, std::nullopt,
                                  fmt::format("{} records exported as CSV", exported)));
    return true;
  });
  if (!audited.ok()) return audited.error();
  return out;
}

Result<ImportReport> Directory::ImportCsv(Kind k, const Principal& who, std::string_view data) {
  const auto& info = Info(k);
  if (k == Kind::kAgency && !who.IsPartnershipManager()) return Error::Forbidden("only the partnership may add agencies");
  if (k != Kind::kAgency && !who.IsPartnershipManager() && who.role != access::Role::kAgencyOfficer) {
    return Error::Forbidden("only e-safety officers and the partnership may import records");
  }
  auto table = csv::Parse(data);
  if (!table.ok()) return table.error();
  auto expected = CsvColumns(k);
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < table->header.size(); ++i) {
    const auto& h = table->header[i];
    if (h == "id" || h == "created_at" || h == "updated_at" || h == "agency_name" || h == "site_name") continue;
    if (std::find(expected.begin(), expected.end(), h) == expected.end()) {
      return Error::Invalid(fmt::format("line 1: unknown column '{}'; expected: {}", h.substr(0, 64),
                                        fmt::join(expected, ", ")));
    }
    index[h] = i;
  }
  for (const auto& f : info.schema->fields()) {
    if (f.required && !f.read_only && f.type != FieldType::kReference && !index.count(f.name)) {
      return Error::Invalid(fmt::format("line 1: the column '{}' is missing", f.name));
    }
  }

  // Every line is checked first, beside the writer, so a bad line costs no write at all.
  ImportReport report;
  std::vector<std::pair<size_t, Json>> valid_rows;
  auto checked = db_.Read<bool>([&](Connection& c) -> Result<bool> {
    std::map<std::string, int64_t> agencies;  // lower-case name -> id
    auto agency_rows = c.Query("SELECT id, name FROM agencies");
    if (!agency_rows.ok()) return agency_rows.error();
    for (const auto& r : *agency_rows) agencies[text::Lower(r.Text("name"))] = r.Int("id");

    for (const auto& row : table->rows) {
      auto fail = [&](const std::string& msg) { report.errors.push_back(fmt::format("line {}: {}", row.line, msg)); };
      Json input = Json::object();
      bool row_ok = true;
      for (const auto& [col, i] : index) {
        if (col == "agency" || col == "site") continue;
        auto v = info.schema->FromCell(*info.schema->Find(col), row.cells[i]);
        if (!v.ok()) { fail(v.error().message); row_ok = false; break; }
        if (!v->is_null()) input[col] = *v;
      }
      if (!row_ok) continue;
      if (k != Kind::kAgency) {
        std::string agency_name = index.count("agency") ? std::string(text::Trim(row.cells[index["agency"]])) : "";
        int64_t agency_id = 0;
        if (agency_name.empty()) {
          if (!who.agency_id) { fail("agency is required"); continue; }
          agency_id = *who.agency_id;
        } else {
          auto it = agencies.find(text::Lower(agency_name));
          if (it == agencies.end()) { fail(fmt::format("no agency is named '{}'", agency_name)); continue; }
          agency_id = it->second;
        }
        if (!who.CanWriteAgency(agency_id)) { fail("you may only import records for your own agency"); continue; }
        if (k == Kind::kAccessLocation) {
          std::string site = index.count("site") ? std::string(text::Trim(row.cells[index["site"]])) : "";
          auto s = c.Query("SELECT id FROM sites WHERE agency_id = ? AND lower(name) = lower(?)", {agency_id, site});
          if (!s.ok()) return s.error();
          if (s->empty()) { fail(fmt::format("the agency has no site named '{}'", site)); continue; }
          input["site_id"] = (*s)[0].Int("id");
        } else {
          input["agency_id"] = agency_id;
        }
      }
      auto valid = info.schema->Validate(input, false);
      if (!valid.ok()) { fail(valid.error().message); continue; }
      valid_rows.emplace_back(row.line, std::move(*valid));
    }
    return true;
  });
  if (!checked.ok()) return checked.error();
  if (!report.errors.empty()) return report;
  return WriteImport(k, who, valid_rows, report);
}

Result<ImportReport> Directory::WriteImport(Kind k, const Principal& who,
                                            const std::vector<std::pair<size_t, Json>>& rows, ImportReport& report) {
  // kImportChunk rows (or kImportChunkTime) a transaction, so that the one writer is
  // free between chunks for everyone else's writes, the audit records of their reads among them (a 100,000-row
  // import held it for seconds). A chunk that fails removes the chunks written before
  // it: the import is still all or nothing, though its first chunks are visible to
  // readers until it ends.
  const auto& info = Info(k);
  std::vector<int64_t> written;
  written.reserve(rows.size());
  for (size_t next = 0;;) {
    const size_t from = next;
    bool last = false;
    std::vector<int64_t> ids;
    auto chunk = db_.Transaction<void>([&](Connection& c) -> Result<void> {
      ids.clear();
      const auto started = std::chrono::steady_clock::now();
      size_t i = from;
      for (; i < rows.size() && i - from < kImportChunk; ++i) {
        if (i > from && std::chrono::steady_clock::now() - started > kImportChunkTime) break;
        auto id = InsertRecord(c, k, who, rows[i].second);
        if (!id.ok()) {
          report.errors.push_back(fmt::format("line {}: {}", rows[i].first, id.error().message));
          return Error::Invalid("errors");
        }
        ids.push_back(*id);
      }
      next = i;
      last = i == rows.size();
      if (!last) return Ok();
      return access::RecordAudit(c, &who, "import", info.singular, std::nullopt,
                                 fmt::format("{} records imported from CSV", written.size() + ids.size()));
    });
    if (!chunk.ok()) {
      auto undone = RemoveImported(k, who, written);
      if (!undone.ok()) {
        return Error::Internal(fmt::format("the import stopped at {} and {} records it had written could not be "
                                           "removed: {}",
                                           report.errors.empty() ? chunk.error().message : report.errors.back(),
                                           written.size(), undone.error().message));
      }
      if (!report.errors.empty()) return report;
      return chunk.error();
    }
    written.insert(written.end(), ids.begin(), ids.end());
    if (last) break;
  }
  report.imported = static_cast<int64_t>(written.size());
  return report;
}

Result<void> Directory::RemoveImported(Kind k, const Principal& who, const std::vector<int64_t>& ids) {
  if (ids.empty()) return Ok();
  const auto& info = Info(k);
  constexpr size_t kDeleteBatch = 500;
  for (size_t from = 0; from < ids.size(); from += kImportChunk) {
    size_t to = std::min(ids.size(), from + kImportChunk);
    auto removed = db_.Transaction<void>([&](Connection& c) -> Result<void> {
      for (size_t i = from; i < to; i += kDeleteBatch) {
        size_t end = std::min(to, i + kDeleteBatch);
        std::vector<Value> batch(ids.begin() + static_cast<std::ptrdiff_t>(i),
                                 ids.begin() + static_cast<std::ptrdiff_t>(end));
        std::string marks;
        for (size_t j = i; j < end; ++j) marks += j > i ? ", ?" : "?";
        ESAFE_TRY(c.Execute(fmt::format("DELETE FROM {} WHERE id IN ({})", info.table, marks), batch));
      }
      return Ok();
    });
    if (!removed.ok()) return removed;
  }
  // The records' "create" events stay in the trail; this says they were taken back.
  return db_.Transaction<void>([&](Connection& c) {
    return access::RecordAudit(c, &who, "delete", info.singular, std::nullopt,
                               fmt::format("{} records of a failed CSV import removed", ids.size()));
  });
}

Result<Json> Directory::Summary(const Principal& who) {
  // Agency roles get the same figures for their own agency only.
  std::optional<int64_t> scope;
  if (!who.SeesAllAgencies()) {
    if (!who.agency_id) return Error::Forbidden("your account is not tied to an agency");
    scope = who.agency_id;
  }
  const std::string agency_filter = scope ? " WHERE id = ?" : "";
  const std::string owned_filter = scope ? " WHERE agency_id = ?" : "";
  const std::vector<Value> scope_params = scope ? std::vector<Value>{*scope} : std::vector<Value>{};
  auto ScopedParams = [&](Value first) {
    std::vector<Value> p{std::move(first)};
    p.insert(p.end(), scope_params.begin(), scope_params.end());
    return p;
  };
  return db_.Read<Json>([&](Connection& c) -> Result<Json> {
    Json out = Json::object();
    out["scope"] = scope ? Json({{"agency_id", *scope}}) : Json("partnership");
    auto count_by = [&](const std::string& sql) -> Result<Json> {
      auto rows = c.Query(sql, scope_params);
      if (!rows.ok()) return rows.error();
      Json o = Json::object();
      for (const auto& r : *rows) o[r.Text("k")] = r.Int("n");
      return o;
    };
    auto by_sector = count_by("SELECT sector AS k, COUNT(*) AS n FROM agencies" + agency_filter + " GROUP BY sector");
    if (!by_sector.ok()) return by_sector.error();
    out["agencies_by_sector"] = *by_sector;
    auto by_membership = count_by("SELECT membership_type AS k, COUNT(*) AS n FROM agencies" + agency_filter +
                                     " GROUP BY membership_type");
    if (!by_membership.ok()) return by_membership.error();
    out["agencies_by_membership_type"] = *by_membership;
    auto by_site = count_by("SELECT site_type AS k, COUNT(*) AS n FROM sites" + owned_filter + " GROUP BY site_type");
    if (!by_site.ok()) return by_site.error();
    out["sites_by_type"] = *by_site;
    std::string year_ago = clock::Iso8601(clock::NowSeconds() - 365 * 86400).substr(0, 10);
    auto loc = c.Query(
        "SELECT COUNT(*) AS total, "
        "COALESCE(SUM(CASE WHEN filtering_accredited = 1 THEN 1 ELSE 0 END), 0) AS accredited, "
        "COALESCE(SUM(CASE WHEN monitoring_in_place = 1 THEN 1 ELSE 0 END), 0) AS monitored, "
        "COALESCE(SUM(CASE WHEN last_reviewed >= ? THEN 1 ELSE 0 END), 0) AS reviewed "
        "FROM access_locations" + owned_filter,
        ScopedParams(year_ago));
    if (!loc.ok()) return loc.error();
    const auto& l = (*loc)[0];
    out["access_locations"] = {{"total", l.Int("total")},
                               {"accredited_filtering", l.Int("accredited")},
                               {"monitoring_in_place", l.Int("monitored")},
                               {"reviewed_in_last_year", l.Int("reviewed")}};
    auto leads = c.Query(
        "SELECT COUNT(*) AS total, "
        "COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM people p WHERE p.agency_id = a.id AND p.esafety_role = ?) "
        "THEN 1 ELSE 0 END), 0) AS with_lead FROM agencies a" + std::string(scope ? " WHERE a.id = ?" : ""),
        ScopedParams(EsafetyRoles()[0]));
    if (!leads.ok()) return leads.error();
    out["agencies"] = {{"total", (*leads)[0].Int("total")}, {"with_esafety_lead", (*leads)[0].Int("with_lead")}};
    return out;
  });
}

}  // namespace esafe::directory
