// Results of a survey per setting and age band, and the indicators year on year,
// as JSON, CSV and XLSX. Small numbers are suppressed: a cell with fewer
// respondents than the survey's threshold shows only that it is suppressed, and
// free text appears only in cells at or above it (a few children's own words
// could identify them).
#include <xlsxwriter.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <variant>

#include "core/clock.h"
#include "core/csv.h"
#include "core/scratch_file.h"
#include "surveys/internal.h"
#include "surveys/surveys.h"

namespace esafe::surveys {
namespace {

using store::Connection;

struct Response {
  int64_t setting_id = 0;
  std::string age_band;
  Json answers;
};

// Only whole groups of `step` responses of each setting and age band are counted, the
// earliest first. Two readings, one before and one after a child answers, then differ by
// `step` answers or not at all, so no pair of readings isolates one child's answers (the
// survey tells children nobody will know). The last fewer-than-`step` answers of a setting
// stay uncounted even after the survey closes: whoever may read the results may also close
// the survey, right after one child has answered. `rows` are (id, setting_id, age_band).
std::set<int64_t> CountedResponseIds(const std::vector<store::Row>& rows, int64_t step) {
  std::map<std::pair<int64_t, std::string>, std::vector<int64_t>> by_cell;
  for (const auto& r : rows) by_cell[{r.Int("setting_id"), r.Text("age_band")}].push_back(r.Int("id"));
  std::set<int64_t> counted;
  for (auto& [cell, ids] : by_cell) {
    std::sort(ids.begin(), ids.end());
    const size_t whole = ids.size() / static_cast<size_t>(step) * static_cast<size_t>(step);
    counted.insert(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(whole));
  }
  return counted;
}

// Counts of each answer for every question over the `responses` counted so far (see
// CountedResponseIds); `received` is how many arrived, counted or not.
Json Summarise(const SurveyDefinition& def, const std::vector<const Response*>& responses, int64_t received,
               int64_t threshold) {
  const int64_t n = static_cast<int64_t>(responses.size());
  Json out = {{"respondents", n}, {"received", received}, {"suppressed", n < threshold}};
  if (n < threshold) return out;
  Json answers = Json::object();
  Json free_text = Json::object();
  for (const auto& q : def.questions) {
    Json counts = Json::object();
    if (q.type == QuestionType::kScale) {
      for (int64_t v = q.min; v <= q.max; ++v) counts[std::to_string(v)] = 0;
    } else {
      for (const auto& o : q.options) counts[o.value] = 0;
    }
    int64_t answered = 0;
    std::vector<std::string> texts;
    for (const Response* r : responses) {
      auto it = r->answers.find(q.id);
      if (it == r->answers.end()) continue;
      ++answered;
      if (it->is_array()) {
        for (const auto& v : *it) counts[v.get<std::string>()] = counts.value(v.get<std::string>(), 0) + 1;
      } else if (it->is_number_integer()) {
        const std::string key = std::to_string(it->get<int64_t>());
        counts[key] = counts.value(key, 0) + 1;
      } else if (q.type == QuestionType::kFreeText) {
        texts.push_back(it->get<std::string>());
      } else if (it->is_string()) {
        counts[it->get<std::string>()] = counts.value(it->get<std::string>(), 0) + 1;
      }
    }
    if (q.type == QuestionType::kFreeText) {
      // Sorted, so the order says nothing about who wrote what or when.
      std::sort(texts.begin(), texts.end());
      free_text[q.id] = texts;
      answers[q.id] = {{"answered", answered}};
    } else {
      answers[q.id] = {{"answered", answered}, {"counts", counts}};
    }
  }
  out["answers"] = answers;
  out["free_text"] = free_text;
  return out;
}

std::string Percent(const Json& point) {
  return point["percent"].is_null() ? std::string() : fmt::format("{:.1f}", point["percent"].get<double>());
}

// A cell of an export table: text or a number.
using Cell = std::variant<std::string, double>;
struct Table {
  std::string name;
  std::vector<std::string> header;
  std::vector<std::vector<Cell>> rows;
};

std::string ToCsv(const Table& t) {
  std::string out = csv::FormatRow(t.header);
  for (const auto& row : t.rows) {
    std::vector<std::string> cells;
    for (const auto& c : row) {
      if (const auto* s = std::get_if<std::string>(&c)) cells.push_back(*s);
      else cells.push_back(fmt::format("{}", std::get<double>(c)));
    }
    out += csv::FormatRow(cells);
  }
  return out;
}

Result<std::string> ToXlsx(const std::string& title, const std::vector<std::pair<std::string, std::string>>& about,
                           const Table& t) {
  auto file = ScratchFile::Create("esafe-surveys");
  if (!file.ok()) return file.error();
  lxw_workbook* wb = workbook_new(file->path().c_str());
  if (!wb) return Error::Internal("cannot create the workbook");
  lxw_format* bold = workbook_add_format(wb);
  format_set_bold(bold);
  lxw_worksheet* info = workbook_add_worksheet(wb, "About");
  worksheet_write_string(info, 0, 0, title.c_str(), bold);
  lxw_row_t r = 1;
  for (const auto& [k, v] : about) {
    worksheet_write_string(info, r, 0, k.c_str(), nullptr);
    worksheet_write_string(info, r, 1, v.c_str(), nullptr);
    ++r;
  }
  worksheet_set_column(info, 0, 0, 18, nullptr);
  worksheet_set_column(info, 1, 1, 70, nullptr);
  lxw_worksheet* ws = workbook_add_worksheet(wb, t.name.substr(0, 31).c_str());
  for (size_t col = 0; col < t.header.size(); ++col) {
    worksheet_write_string(ws, 0, static_cast<lxw_col_t>(col), t.header[col].c_str(), bold);
  }
  r = 1;
  for (const auto& row : t.rows) {
    for (size_t col = 0; col < row.size(); ++col) {
      if (const auto* s = std::get_if<std::string>(&row[col])) {
        worksheet_write_string(ws, r, static_cast<lxw_col_t>(col), s->c_str(), nullptr);
      } else {
        worksheet_write_number(ws, r, static_cast<lxw_col_t>(col), std::get<double>(row[col]), nullptr);
      }
    }
    ++r;
  }
  worksheet_set_column(ws, 0, static_cast<lxw_col_t>(t.header.size() - 1), 22, nullptr);
  if (workbook_close(wb) != LXW_NO_ERROR) return Error::Internal("cannot write the workbook");
  auto bytes = file->ReadAll();
  if (!bytes.ok()) return bytes.error();
  return *bytes;
}

Table ResultsTable(const Json& results) {
  Table t{"Results", {"Setting", "Agency", "Age band", "Respondents", "Question", "Answer", "Count"}, {}};
  const std::string fewer = fmt::format("fewer than {}", results["threshold"].get<int64_t>());
  std::map<std::string, Json> questions;
  for (const auto& q : results["questions"]) questions[q["id"]] = q;
  auto add = [&](const std::string& setting, const std::string& agency, const Json& cell) {
    const std::string band = cell["age_band"];
    if (cell["suppressed"].get<bool>()) {
      t.rows.push_back({setting, agency, band, cell["received"].get<int64_t>() == 0 ? Cell(0.0) : Cell(fewer),
                        std::string(), std::string(), std::string()});
      return;
    }
    const double n = static_cast<double>(cell["respondents"].get<int64_t>());
    for (const auto& q : results["questions"]) {
      const auto& a = cell["answers"][q["id"].get<std::string>()];
      if (!a.contains("counts")) {
        t.rows.push_back({setting, agency, band, n, q["text"].get<std::string>(), std::string("(answered; free text not exported)"),
                          static_cast<double>(a["answered"].get<int64_t>())});
        continue;
      }
      for (const auto& [value, count] : a["counts"].items()) {
        std::string label = value;
        if (q.contains("options")) {
          for (const auto& o : q["options"]) {
            if (o["value"] == value) label = o["label"];
          }
        }
        t.rows.push_back({setting, agency, band, n, q["text"].get<std::string>(), label,
                          static_cast<double>(count.get<int64_t>())});
      }
    }
  };
  for (const auto& cell : results["cells"]) add(cell["setting"], cell["agency"], cell);
  Json total = results["total"];
  total["age_band"] = results["survey"]["age_band"];
  add("All settings shown", "", total);
  return t;
}

Table IndicatorsTable(const Json& indicators) {
  Table t{"Indicators", {"Indicator", "Title", "Age band", "Year", "Respondents", "Count", "Percent"}, {}};
  for (const auto& ind : indicators["indicators"]) {
    const std::string fewer = fmt::format("fewer than {}", ind["threshold"].get<int64_t>());
    for (const auto& p : ind["points"]) {
      const bool suppressed = p["suppressed"].get<bool>();
      t.rows.push_back({ind["id"].get<std::string>(), ind["title"].get<std::string>(), ind["age_band"].get<std::string>(),
                        static_cast<double>(p["year"].get<int64_t>()),
                        suppressed ? Cell(fewer) : Cell(static_cast<double>(p["respondents"].get<int64_t>())),
                        suppressed ? Cell(std::string()) : Cell(static_cast<double>(p["count"].get<int64_t>())),
                        suppressed ? Cell(std::string()) : Cell(Percent(p))});
    }
  }
  return t;
}

Result<void> AuditExport(store::Database& db, const Principal& who, std::string_view entity,
                         std::optional<int64_t> id, std::string summary) {
  return db.Transaction<void>([&](Connection& c) -> Result<void> {
    return access::RecordAudit(c, &who, "export", entity, id, summary);
  });
}

std::string ScopeOf(const Principal& who) {
  return who.SeesAllAgencies() ? "every setting" : "your agency's settings";
}

}  // namespace

Result<Json> Surveys::Results(const Principal& who, int64_t survey_id) {
  if (!internal::MayReadResults(who)) {
    return Error::Forbidden("results per setting are for the partnership and each setting's agency; "
                            "board members see the indicators");
  }
  return db_.Read<Json>([&](Connection& c) -> Result<Json> {
    store::Row row({}, {});
    auto def = internal::LoadDefinition(c, survey_id, &row);
    if (!def.ok()) return def.error();
    auto settings = c.Query(
        "SELECT s.id, s.label, s.agency_id, a.name AS agency_name FROM survey_settings s "
        "JOIN agencies a ON a.id = s.agency_id WHERE s.survey_id = ? ORDER BY a.name, s.label, s.id",
        {survey_id});
    if (!settings.ok()) return settings.error();
    auto rows = c.Query("SELECT id, setting_id, age_band, answers FROM survey_responses WHERE survey_id = ?",
                        {survey_id});
    if (!rows.ok()) return rows.error();
    const int64_t threshold = def->report_threshold;
    const std::set<int64_t> counted = CountedResponseIds(*rows, threshold);
    std::map<int64_t, bool> visible;
    for (const auto& s : *settings) visible[s.Int("id")] = who.CanReadAgency(s.Int("agency_id"));
    std::vector<Response> responses;
    std::map<std::pair<int64_t, std::string>, int64_t> received;
    for (const auto& r : *rows) {
      if (!visible[r.Int("setting_id")]) continue;
      ++received[{r.Int("setting_id"), r.Text("age_band")}];
      if (!counted.contains(r.Int("id"))) continue;
      Json answers = Json::parse(r.Text("answers"), nullptr, false);
      if (answers.is_discarded()) return Error::Internal("a stored survey response is not JSON");
      responses.push_back({r.Int("setting_id"), r.Text("age_band"), std::move(answers)});
    }
    Json cells = Json::array();
    std::vector<const Response*> all;
    int64_t received_in_all = 0;
    for (const auto& s : *settings) {
      if (!visible[s.Int("id")]) continue;
      std::map<std::string, std::vector<const Response*>> by_band;
      for (const auto& [cell_key, n] : received) {
        if (cell_key.first == s.Int("id")) by_band[cell_key.second];
      }
      for (const auto& r : responses) {
        if (r.setting_id == s.Int("id")) by_band[r.age_band].push_back(&r);
      }
      if (by_band.empty()) by_band[def->age_band] = {};
      for (const auto& [band, list] : by_band) {
        const int64_t arrived = received.contains({s.Int("id"), band}) ? received.at({s.Int("id"), band}) : 0;
        received_in_all += arrived;
        Json cell = Summarise(*def, list, arrived, threshold);
        cell["setting_id"] = s.Int("id");
        cell["setting"] = s.Text("label");
        cell["agency_id"] = s.Int("agency_id");
        cell["agency"] = s.Text("agency_name");
        cell["age_band"] = band;
        cells.push_back(std::move(cell));
        all.insert(all.end(), list.begin(), list.end());
      }
    }
    Json survey = {{"id", row.Int("id")},          {"title", def->title},
                   {"age_band", def->age_band},    {"status", row.Text("status")},
                   {"year", internal::SurveyYear(row.Text("opens_on"))}};
    return Json{{"survey", survey},        {"threshold", threshold},  {"scope", ScopeOf(who)},
                {"questions", QuestionsJson(*def)}, {"cells", cells}, {"total", Summarise(*def, all, received_in_all, threshold)}, {"step", threshold}};
  });
}

Result<std::string> Surveys::ResultsCsv(const Principal& who, int64_t survey_id) {
  auto results = Results(who, survey_id);
  if (!results.ok()) return results.error();
  ESAFE_TRY(AuditExport(db_, who, "survey", survey_id, "survey results exported as CSV"));
  return ToCsv(ResultsTable(*results));
}

Result<std::string> Surveys::ResultsXlsx(const Principal& who, int64_t survey_id) {
  auto results = Results(who, survey_id);
  if (!results.ok()) return results.error();
  const auto& s = (*results)["survey"];
  auto bytes = ToXlsx(fmt::format("Survey results: {} ({})", s["title"].get<std::string>(), s["age_band"].get<std::string>()),
                      {{"Scope", (*results)["scope"]},
                       {"Year", std::to_string(s["year"].get<int64_t>())},
                       {"Generated", clock::NowIso8601()},
                       {"Small numbers", fmt::format("settings with fewer than {} respondents are not broken down; "
                                                     "free text is never exported", (*results)["threshold"].get<int64_t>())}},
                      ResultsTable(*results));
  if (!bytes.ok()) return bytes.error();
  ESAFE_TRY(AuditExport(db_, who, "survey", survey_id, "survey results exported as XLSX"));
  return bytes;
}

Result<Json> Surveys::Indicators(const Principal& who) {
  return db_.Read<Json>([&](Connection& c) -> Result<Json> {
    auto surveys = c.Query("SELECT id, opens_on FROM surveys ORDER BY opens_on, id");
    if (!surveys.ok()) return surveys.error();
    auto settings = c.Query("SELECT id, agency_id FROM survey_settings");
    if (!settings.ok()) return settings.error();
    std::map<int64_t, bool> visible;
    for (const auto& s : *settings) visible[s.Int("id")] = who.SeesAllAgencies() || who.CanReadAgency(s.Int("agency_id"));

    struct Point {
      int64_t respondents = 0, count = 0, threshold = 0;
    };
    struct Series {
      std::string title;
      std::map<int64_t, Point> by_year;
    };
    std::map<std::pair<std::string, std::string>, Series> series;  // (indicator id, age band)
    for (const auto& s : *surveys) {
      auto def = internal::LoadDefinition(c, s.Int("id"), nullptr);
      if (!def.ok()) return def.error();
      if (def->indicators.empty()) continue;
      const int64_t year = internal::SurveyYear(s.Text("opens_on"));
      auto rows = c.Query("SELECT id, setting_id, age_band, answers FROM survey_responses WHERE survey_id = ?",
                          {s.Int("id")});
      if (!rows.ok()) return rows.error();
      const std::set<int64_t> counted = CountedResponseIds(*rows, def->report_threshold);
      for (const auto& ind : def->indicators) {
        // Every year's point is made even with no responses, so a year with no
        // answers shows as a gap rather than vanishing.
        auto& line = series[{ind.id, def->age_band}];
        line.title = ind.title;  // surveys are read oldest first: the newest title wins
        auto& point = line.by_year[year];
        point.threshold = std::max(point.threshold, def->report_threshold);
      }
      for (const auto& r : *rows) {
        if (!visible[r.Int("setting_id")] || !counted.contains(r.Int("id"))) continue;
        Json answers = Json::parse(r.Text("answers"), nullptr, false);
        if (answers.is_discarded()) return Error::Internal("a stored survey response is not JSON");
        for (const auto& ind : def->indicators) {
          auto holds = IndicatorHolds(*def, ind, answers);
          if (!holds) continue;
          auto& point = series[{ind.id, r.Text("age_band")}].by_year[year];
          point.threshold = std::max(point.threshold, def->report_threshold);
          ++point.respondents;
          if (*holds) ++point.count;
        }
      }
    }
    Json out = Json::array();
    for (const auto& [key, line] : series) {
      Json points = Json::array();
      int64_t threshold = 0;
      for (const auto& [year, p] : line.by_year) {
        threshold = std::max(threshold, p.threshold);
        const bool suppressed = p.respondents < p.threshold;
        Json point = {{"year", year}, {"suppressed", suppressed}};
        point["respondents"] = suppressed ? Json(nullptr) : Json(p.respondents);
        point["count"] = suppressed ? Json(nullptr) : Json(p.count);
        point["percent"] = suppressed || p.respondents == 0
                               ? Json(nullptr)
                               : Json(std::round(1000.0 * static_cast<double>(p.count) / static_cast<double>(p.respondents)) / 10.0);
        points.push_back(std::move(point));
      }
      out.push_back({{"id", key.first}, {"age_band", key.second}, {"title", line.title}, {"threshold", threshold},
                     {"points", points}});
    }
    return Json{{"scope", ScopeOf(who)}, {"indicators", out}};
  });
}

Result<std::string> Surveys::IndicatorsCsv(const Principal& who) {
  auto indicators = Indicators(who);
  if (!indicators.ok()) return indicators.error();
  ESAFE_TRY(AuditExport(db_, who, "survey_indicators", std::nullopt, "survey indicators exported as CSV"));
  return ToCsv(IndicatorsTable(*indicators));
}

Result<std::string> Surveys::IndicatorsXlsx(const Principal& who) {
  auto indicators = Indicators(who);
  if (!indicators.ok()) return indicators.error();
  auto bytes = ToXlsx("Young people's survey indicators, year on year",
                      {{"Scope", (*indicators)["scope"]},
                       {"Generated", clock::NowIso8601()},
                       {"Small numbers", "a year with fewer respondents than the survey's threshold is not shown"}},
                      IndicatorsTable(*indicators));
  if (!bytes.ok()) return bytes.error();
  ESAFE_TRY(AuditExport(db_, who, "survey_indicators", std::nullopt, "survey indicators exported as XLSX"));
  return bytes;
}

}  // namespace esafe::surveys
