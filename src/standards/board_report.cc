// The annual board report: the measures of success, returns, the year-on-year
// trend, level profiles and incident figures, as JSON for the report page and
// as tables for the CSV and XLSX exports (seeds 003 'collated annual audit
// report to the board'; 004 Section 6 'Monitoring the impact').
#include <xlsxwriter.h>

#include <cmath>
#include <cstdlib>
#include <map>

#include <fmt/format.h>

#include "core/clock.h"
#include "core/csv.h"
#include "core/scratch_file.h"
#include "incidents/incidents.h"
#include "standards/standards.h"

namespace esafe::standards {
namespace {

using store::Connection;

std::string Display(const Json& count) {
  if (count.is_string()) return count.get<std::string>();
  if (count.is_number_integer()) return std::to_string(count.get<int64_t>());
  return "";
}

std::string Percent(const Json& share) {
  if (!share.is_number()) return "no returns";
  return fmt::format("{}%", static_cast<int64_t>(std::lround(share.get<double>() * 100.0)));
}

Json TableJson(const ReportTable& t) {
  return {{"id", t.id}, {"title", t.title}, {"columns", t.columns}, {"rows", t.rows}};
}

}  // namespace

std::string MeasureLabel(std::string_view measure) {
  static const std::map<std::string, std::string, std::less<>> labels = {
      {"aup", "An acceptable-use policy"},
      {"esafety_lead", "An identified e-safety lead"},
      {"accredited_isp", "An accredited internet service provider"},
      {"filtering_monitoring_plan", "A filtering and monitoring plan"},
      {"training_plan", "An awareness and training plan"}};
  auto it = labels.find(measure);
  return it == labels.end() ? std::string(measure) : it->second;
}

Result<Json> Standards::BoardReport(const access::Principal& who, int64_t round_id,
                                    std::optional<int64_t> radar_agency_id) {
  if (!who.SeesAllAgencies()) return Error::Forbidden("the board report covers every agency; it is for partnership roles and the board");
  auto current = Measures(who, round_id);
  if (!current.ok()) return current.error();
  const bool board = who.role == access::Role::kBoardMember;
  const int64_t year = (*current)["round"]["year"].get<int64_t>();

  // Every round, oldest first, for returns against expected and the trend;
  // where a year has two rounds the later one speaks for it.
  auto rounds = ListRounds(who);
  if (!rounds.ok()) return rounds.error();
  std::map<int64_t, Json> by_year;  // year -> measures
  std::vector<Json> all_rounds;
  for (auto it = rounds->rbegin(); it != rounds->rend(); ++it) {
    int64_t id = (*it)["id"].get<int64_t>();
    auto m = id == round_id ? current : Measures(who, id);
    if (!m.ok()) return m.error();
    all_rounds.push_back(*m);
    if ((*it)["year"].get<int64_t>() <= year) by_year[(*it)["year"].get<int64_t>()] = *m;
  }

  Json out = {{"round", (*current)["round"]},
              {"generated_at", clock::NowIso8601()},
              {"suppression_rule", "counts from 1 to 4 are shown as 'fewer than 5'"},
              {"expected", (*current)["expected"]},
              {"received", (*current)["received"]},
              {"measures", Json::array()},
              {"trend", Json::array()},
              {"levels", Json::array()},
              {"agencies", Json::array()},
              {"radar_agency", nullptr}};
  std::vector<ReportTable> tables;

  // Returns received against expected, every round.
  ReportTable returns{"returns", "Returns received against expected", {"Round", "Year", "Deadline", "Expected", "Received"}, {}};
  for (const auto& m : all_rounds) {
    returns.rows.push_back({m["round"]["title"].get<std::string>(), std::to_string(m["round"]["year"].get<int64_t>()),
                            m["round"]["deadline"].get<std::string>(), Display(m["expected"]), Display(m["received"])});
  }

  // The measures of success, overall and by sector.
  ReportTable measures{"measures", fmt::format("Measures of success, {}", year),
                       {"Measure", "Agencies with it", "Of returns received", "Share"}, {}};
  ReportTable by_sector{"measures_by_sector", fmt::format("Measures of success by sector, {}", year),
                        {"Measure", "Sector", "Agencies with it", "Of returns received", "Share"}, {}};
  for (const auto& name : MeasureNames()) {
    const Json& m = (*current)["measures"][name];
    out["measures"].push_back({{"measure", name}, {"label", MeasureLabel(name)}, {"yes", m["yes"]}, {"of", m["of"]},
                               {"share", m["share"]}, {"by_sector", m["by_sector"]}});
    measures.rows.push_back({MeasureLabel(name), Display(m["yes"]), Display(m["of"]), Percent(m["share"])});
    for (const auto& [sector, yn] : m["by_sector"].items()) {
      // Shares are worked out from exact counts, which the capability still has
      // for partnership roles; for the board a suppressed count gives no share.
      Json share = yn["yes"].is_number() && yn["of"].is_number() && yn["of"].get<int64_t>() > 0
                       ? Json(static_cast<double>(yn["yes"].get<int64_t>()) / static_cast<double>(yn["of"].get<int64_t>()))
                       : Json(nullptr);
      by_sector.rows.push_back({MeasureLabel(name), sector, Display(yn["yes"]), Display(yn["of"]),
                                share.is_null() ? "not shown" : Percent(share)});
    }
  }

  // Year-on-year trend of each measure's share.
  ReportTable trend{"trend", "Measures of success year on year (share of returns received)", {"Measure"}, {}};
  for (const auto& [y, m] : by_year) trend.columns.push_back(std::to_string(y));
  for (const auto& name : MeasureNames()) {
    Json series = {{"measure", name}, {"label", MeasureLabel(name)}, {"points", Json::array()}};
    std::vector<std::string> row{MeasureLabel(name)};
    for (const auto& [y, m] : by_year) {
      series["points"].push_back({{"year", y}, {"share", m["measures"][name]["share"]}});
      row.push_back(Percent(m["measures"][name]["share"]));
    }
    out["trend"].push_back(std::move(series));
    trend.rows.push_back(std::move(row));
  }

  // Level profiles: the partnership average per aspect and, for partnership
  // roles, one agency's levels for the radar chart.
  const Json agency_levels = current->value("agency_levels", Json::object());
  if (!board) {
    auto agencies = db_.Read<Json>([&](Connection& c) -> Result<Json> {
      auto rows = c.Query(
          "SELECT a.id, a.name FROM audit_returns r JOIN agencies a ON a.id = r.agency_id "
          "WHERE r.round_id = ? AND r.status = 'submitted' ORDER BY lower(a.name)",
          {round_id});
      if (!rows.ok()) return rows.error();
      Json list = Json::array();
      for (const auto& r : *rows) list.push_back({{"id", r.Int("id")}, {"name", r.Text("name")}});
      return list;
    });
    if (!agencies.ok()) return agencies.error();
    out["agencies"] = *agencies;
    for (const auto& a : *agencies) {
      if (!radar_agency_id || a["id"].get<int64_t>() == *radar_agency_id) {
        out["radar_agency"] = a;
        break;
      }
    }
    if (radar_agency_id && out["radar_agency"].is_null()) {
      return Error::Invalid("that agency has no submitted return in this round", "agency_id");
    }
  }
  ReportTable levels{"levels", fmt::format("Level profiles per aspect, {} (1 to 5)", year), {"Aspect", "Partnership average"}, {}};
  std::string radar_name = out["radar_agency"].is_null() ? "" : out["radar_agency"]["name"].get<std::string>();
  if (!radar_name.empty()) levels.columns.push_back(radar_name);
  for (const auto& aspect : (*current).value("aspects", Json::array())) {
    const std::string qid = aspect.get<std::string>();
    const Json& l = (*current)["levels"][qid];
    Json agency_level = radar_name.empty() ? Json(nullptr)
                                           : agency_levels.value(radar_name, Json::object()).value(qid, Json(nullptr));
    out["levels"].push_back({{"question_id", qid}, {"aspect", l["question"]}, {"average", l["average"]},
                             {"agency", agency_level}});
    std::vector<std::string> row{l["question"].get<std::string>(), fmt::format("{:.1f}", l["average"].get<double>())};
    if (!radar_name.empty()) row.push_back(agency_level.is_number() ? std::to_string(agency_level.get<int64_t>()) : "");
    levels.rows.push_back(std::move(row));
  }

  // Incident figures from the incident log, by year; the log suppresses small
  // counts for every partnership-wide view.
  incidents::StatisticsQuery q;
  q.per_year = true;
  q.to = fmt::format("{}-01-01", year + 1);
  auto stats = incidents::IncidentLog(db_).Statistics(who, q);
  if (!stats.ok()) return stats.error();
  ReportTable incident_table{"incidents", "E-safety incidents recorded in esafe, by category and year", {"Category"}, {}};
  std::map<std::string, std::map<std::string, std::string>> by_category;  // label -> period -> display
  std::vector<std::string> periods = (*stats)["periods"].get<std::vector<std::string>>();
  for (const auto& p : periods) incident_table.columns.push_back(p);
  Json incident_json = {{"periods", periods}, {"categories", Json::array()}, {"totals", Json::object()}};
  for (const auto& t : (*stats)["tables"]) {
    for (const auto& r : t["rows"]) {
      if (t["dimension"] == "category") {
        by_category[r["label"].get<std::string>()][r["period"].get<std::string>()] = r["display"].get<std::string>();
      }
      if (t["dimension"] == "total") incident_json["totals"][r["period"].get<std::string>()] = r["display"];
    }
  }
  for (const auto& [label, per] : by_category) {
    std::vector<std::string> row{label};
    for (const auto& p : periods) row.push_back(per.count(p) ? per.at(p) : "0");
    incident_json["categories"].push_back({{"label", label}, {"by_period", per}});
    incident_table.rows.push_back(std::move(row));
  }
  if (!periods.empty()) {
    std::vector<std::string> row{"All incidents"};
    for (const auto& p : periods) row.push_back(incident_json["totals"].value(p, "0"));
    incident_table.rows.push_back(std::move(row));
  }
  out["incidents"] = incident_json;

  for (const auto* t : {&measures, &by_sector, &trend, &returns, &levels, &incident_table}) {
    out["tables"].push_back(TableJson(*t));
  }
  return out;
}

std::vector<ReportTable> ReportTables(const Json& report) {
  std::vector<ReportTable> out;
  for (const auto& t : report.value("tables", Json::array())) {
    out.push_back({t["id"].get<std::string>(), t["title"].get<std::string>(), t["columns"].get<std::vector<std::string>>(),
                   t["rows"].get<std::vector<std::vector<std::string>>>()});
  }
  return out;
}

std::string ReportTableCsv(const ReportTable& table) {
  std::string out = csv::FormatRow(table.columns);
  for (const auto& row : table.rows) out += csv::FormatRow(row);
  return out;
}

Result<std::string> ReportXlsx(const Json& report) {
  auto file = ScratchFile::Create("esafe-board-report");
  if (!file.ok()) return file.error();

  lxw_workbook* wb = workbook_new(file->path().c_str());
  if (!wb) return Error::Internal("cannot create the workbook");
  lxw_format* bold = workbook_add_format(wb);
  format_set_bold(bold);
  lxw_worksheet* about = workbook_add_worksheet(wb, "About");
  std::string title = fmt::format("E-safety board report: {}", report["round"]["title"].get<std::string>());
  std::string generated = report.value("generated_at", "");
  std::string rule = report.value("suppression_rule", "");
  worksheet_write_string(about, 0, 0, title.c_str(), bold);
  worksheet_write_string(about, 1, 0, "Generated", nullptr);
  worksheet_write_string(about, 1, 1, generated.c_str(), nullptr);
  worksheet_write_string(about, 2, 0, "Small counts", nullptr);
  worksheet_write_string(about, 2, 1, rule.c_str(), nullptr);
  worksheet_set_column(about, 0, 0, 16, nullptr);
  worksheet_set_column(about, 1, 1, 60, nullptr);

  for (const auto& t : ReportTables(report)) {
    // Sheet names are at most 31 characters and unique; the table ids are both.
    lxw_worksheet* ws = workbook_add_worksheet(wb, t.id.substr(0, 31).c_str());
    worksheet_write_string(ws, 0, 0, t.title.c_str(), bold);
    for (size_t col = 0; col < t.columns.size(); ++col) {
      worksheet_write_string(ws, 2, static_cast<lxw_col_t>(col), t.columns[col].c_str(), bold);
    }
    lxw_row_t r = 3;
    for (const auto& row : t.rows) {
      for (size_t col = 0; col < row.size(); ++col) {
        const std::string& cell = row[col];
        // Whole numbers go in as numbers so a spreadsheet can add them up.
        bool numeric = !cell.empty() && cell.size() < 15 && cell.find_first_not_of("0123456789") == std::string::npos;
        if (numeric && col > 0) {
          worksheet_write_number(ws, r, static_cast<lxw_col_t>(col), std::stod(cell), nullptr);
        } else {
          worksheet_write_string(ws, r, static_cast<lxw_col_t>(col), cell.c_str(), nullptr);
        }
      }
      ++r;
    }
    worksheet_set_column(ws, 0, 0, 50, nullptr);
    if (t.columns.size() > 1) worksheet_set_column(ws, 1, static_cast<lxw_col_t>(t.columns.size() - 1), 18, nullptr);
  }
  if (workbook_close(wb) != LXW_NO_ERROR) return Error::Internal("cannot write the workbook");
  auto bytes = file->ReadAll();
  if (!bytes.ok()) return bytes.error();
  return *bytes;
}

}  // namespace esafe::standards
