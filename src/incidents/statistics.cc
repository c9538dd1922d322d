// Statistics of the incident log for agencies, the partnership and the board
// (seeds 004 Section 5 'What should be monitored at LSCB level?': the type and
// number of incidents across member agencies). Partnership and board views
// show counts only and suppress small counts, so that no child can be picked
// out of a table.
#include <fmt/format.h>
#include <xlsxwriter.h>

#include <map>
#include <set>

#include "core/clock.h"
#include "core/csv.h"
#include "core/scratch_file.h"
#include "incidents/incidents.h"
#include "incidents/incident_records.h"

namespace esafe::incidents {

namespace {

struct Dimension {
  const char* key;
  const char* title;
};

constexpr Dimension kDimensions[] = {
    {"total", "All incidents"},
    {"category", "Category"},
    {"agency", "Agency"},
    {"sector", "Sector"},
    {"how_identified", "How identified"},
    {"risk_level", "Risk level"},
    {"escalation_target", "Escalated to"},
};

std::string PeriodOf(const std::string& reported_at, bool per_year) {
  std::string year = reported_at.substr(0, 4);
  if (per_year) return year;
  int month = std::atoi(reported_at.substr(5, 2).c_str());
  return fmt::format("{}-Q{}", year, (month - 1) / 3 + 1);
}

struct Tables {
  std::string scope;  // "agency" or "partnership"
  bool suppressed = false;
  std::set<std::string> periods;
  // dimension -> (period, key) -> count; labels by dimension and key
  std::map<std::string, std::map<std::pair<std::string, std::string>, int64_t>> counts;
  std::map<std::string, std::map<std::string, std::string>> labels;
};

Result<Tables> Compute(store::Database& db, const Principal& who, const StatisticsQuery& q) {
  Tables t;
  std::string where = " WHERE i.status <> 'withdrawn'";
  std::vector<Value> params;
  bool partnership = who.SeesAllAgencies();
  if (partnership) {
    t.scope = "partnership";
    t.suppressed = true;
    if (q.agency_id) { where += " AND i.agency_id = ?"; params.emplace_back(*q.agency_id); }
  } else {
    if (!who.agency_id) return Error::Forbidden("statistics are for an agency or the partnership");
    if (q.agency_id && *q.agency_id != *who.agency_id) return Error::Forbidden("you may only see your own agency");
    t.scope = "agency";
    where += " AND i.agency_id = ?";
    params.emplace_back(*who.agency_id);
  }
  for (const auto& [bound, op, field] : {std::tuple{q.from, ">=", "from"}, std::tuple{q.to, "<", "to"}}) {
    if (!bound) continue;
    auto n = NormaliseTime(*bound);
    if (!n) return Error::Invalid(fmt::format("{} must be a date like 2024-04-01", field), field);
    where += fmt::format(" AND i.reported_at {} ?", op);
    params.emplace_back(*n);
  }
  auto result = db.Read<bool>([&](Connection& c) -> Result<bool> {
    auto rows = c.Query("SELECT i.id, i.agency_id, a.name AS agency_name, a.sector, i.category, i.how_identified, "
                        "i.risk_level, i.reported_at FROM incidents i JOIN agencies a ON a.id = i.agency_id" + where,
                        params);
    if (!rows.ok()) return rows.error();
    std::map<int64_t, std::string> period_of;
    for (const auto& r : *rows) {
      std::string period = PeriodOf(r.Text("reported_at"), q.per_year);
      period_of[r.Int("id")] = period;
      t.periods.insert(period);
      auto add = [&](const char* dim, const std::string& key, const std::string& label) {
        ++t.counts[dim][{period, key}];
        t.labels[dim][key] = label;
      };
      add("total", "all", "all incidents");
      add("category", r.Text("category"), Label(Categories(), r.Text("category")));
      add("agency", std::to_string(r.Int("agency_id")), r.Text("agency_name"));
      add("sector", r.Text("sector"), r.Text("sector"));
      add("how_identified", r.Text("how_identified"), Label(HowIdentified(), r.Text("how_identified")));
      std::string risk = r.IsNull("risk_level") ? "not_assessed" : r.Text("risk_level");
      add("risk_level", risk, risk == "not_assessed" ? "not yet assessed" : Label(RiskLevels(), risk));
    }
    auto targets = c.Query("SELECT DISTINCT r.incident_id, r.target FROM incident_referrals r "
                           "JOIN incidents i ON i.id = r.incident_id" + where, params);
    if (!targets.ok()) return targets.error();
    for (const auto& r : *targets) {
      auto it = period_of.find(r.Int("incident_id"));
      if (it == period_of.end()) continue;
      ++t.counts["escalation_target"][{it->second, r.Text("target")}];
      t.labels["escalation_target"][r.Text("target")] = Label(ReferralTargets(), r.Text("target"));
    }
    return true;
  });
  if (!result.ok()) return result.error();
  return t;
}

struct Cell {
  Json count;           // integer, or null when suppressed
  std::string display;  // the count, or kFewerThanFive
};

Cell Show(int64_t n, bool suppress) {
  if (suppress && n >= 1 && n <= 4) return {Json(nullptr), kFewerThanFive};
  return {Json(n), std::to_string(n)};
}

Json ToJson(const Tables& t) {
  Json tables = Json::array();
  for (const auto& d : kDimensions) {
    Json rows = Json::array();
    auto it = t.counts.find(d.key);
    if (it != t.counts.end()) {
      for (const auto& [pk, n] : it->second) {
        Cell cell = Show(n, t.suppressed);
        rows.push_back({{"period", pk.first},
                        {"key", pk.second},
                        {"label", t.labels.at(d.key).at(pk.second)},
                        {"count", cell.count},
                        {"display", cell.display},
                        {"suppressed", cell.count.is_null()}});
      }
    }
    tables.push_back({{"dimension", d.key}, {"title", d.title}, {"rows", rows}});
  }
  return {{"scope", t.scope},
          {"suppressed", t.suppressed},
          {"suppression_rule", t.suppressed ? "counts from 1 to 4 are shown as 'fewer than 5'" : ""},
          {"periods", t.periods},
          {"tables", tables}};
}

Result<void> Audit(store::Database& db, const Principal& who, const std::string& what) {
  auto r = db.Transaction<bool>([&](Connection& c) -> Result<bool> {
    ESAFE_TRY(access::RecordAudit(c, &who, "report", "incident_statistics", std::nullopt, what));
    return true;
  });
  if (!r.ok()) return r.error();
  return Ok();
}

}  // namespace

Result<Json> IncidentLog::Statistics(const Principal& who, const StatisticsQuery& q) {
  auto t = Compute(db_, who, q);
  if (!t.ok()) return t.error();
  ESAFE_TRY(Audit(db_, who, fmt::format("{} statistics viewed", t->scope)));
  return ToJson(*t);
}

Result<std::string> IncidentLog::StatisticsCsv(const Principal& who, const StatisticsQuery& q) {
  auto t = Compute(db_, who, q);
  if (!t.ok()) return t.error();
  Json j = ToJson(*t);
  std::string out = csv::FormatRow({"period", "dimension", "key", "label", "count"});
  for (const auto& table : j["tables"]) {
    for (const auto& row : table["rows"]) {
      out += csv::FormatRow({row["period"].get<std::string>(), table["dimension"].get<std::string>(),
                             row["key"].get<std::string>(), row["label"].get<std::string>(),
                             row["display"].get<std::string>()});
    }
  }
  ESAFE_TRY(Audit(db_, who, fmt::format("{} statistics exported as CSV", t->scope)));
  return out;
}

Result<std::string> IncidentLog::StatisticsXlsx(const Principal& who, const StatisticsQuery& q) {
  auto t = Compute(db_, who, q);
  if (!t.ok()) return t.error();
  Json j = ToJson(*t);

  auto file = ScratchFile::Create("esafe-statistics");
  if (!file.ok()) return file.error();

  lxw_workbook* wb = workbook_new(file->path().c_str());
  if (!wb) return Error::Internal("cannot create the workbook");
  lxw_format* bold = workbook_add_format(wb);
  format_set_bold(bold);

  lxw_worksheet* about = workbook_add_worksheet(wb, "About");
  worksheet_write_string(about, 0, 0, "E-safety incident statistics", bold);
  worksheet_write_string(about, 1, 0, "Scope", nullptr);
  worksheet_write_string(about, 1, 1, t->scope.c_str(), nullptr);
  worksheet_write_string(about, 2, 0, "Generated", nullptr);
  std::string generated = clock::NowIso8601();
  worksheet_write_string(about, 2, 1, generated.c_str(), nullptr);
  worksheet_write_string(about, 3, 0, "Small counts", nullptr);
  worksheet_write_string(about, 3, 1, t->suppressed ? "counts from 1 to 4 are shown as 'fewer than 5'" : "exact",
                         nullptr);
  worksheet_set_column(about, 0, 0, 16, nullptr);
  worksheet_set_column(about, 1, 1, 50, nullptr);

  for (const auto& table : j["tables"]) {
    std::string name = table["title"].get<std::string>().substr(0, 31);
    lxw_worksheet* ws = workbook_add_worksheet(wb, name.c_str());
    const char* headers[] = {"Period", "Key", "Label", "Count"};
    for (int col = 0; col < 4; ++col) worksheet_write_string(ws, 0, static_cast<lxw_col_t>(col), headers[col], bold);
    lxw_row_t r = 1;
    for (const auto& row : table["rows"]) {
      worksheet_write_string(ws, r, 0, row["period"].get<std::string>().c_str(), nullptr);
      worksheet_write_string(ws, r, 1, row["key"].get<std::string>().c_str(), nullptr);
      worksheet_write_string(ws, r, 2, row["label"].get<std::string>().c_str(), nullptr);
      if (row["count"].is_null()) {
        worksheet_write_string(ws, r, 3, kFewerThanFive, nullptr);
      } else {
        worksheet_write_number(ws, r, 3, static_cast<double>(row["count"].get<int64_t>()), nullptr);
      }
      ++r;
    }
    worksheet_set_column(ws, 0, 1, 20, nullptr);
    worksheet_set_column(ws, 2, 2, 50, nullptr);
  }
  if (workbook_close(wb) != LXW_NO_ERROR) return Error::Internal("cannot write the workbook");

  auto bytes = file->ReadAll();
  if (!bytes.ok()) return bytes.error();
  ESAFE_TRY(Audit(db_, who, fmt::format("{} statistics exported as XLSX", t->scope)));
  return *bytes;
}

}  // namespace esafe::incidents
