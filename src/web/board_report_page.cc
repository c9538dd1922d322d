#include "web/board_report_page.h"

#include <cctype>
#include <cmath>
#include <numbers>

#include <fmt/format.h>

#include "core/text.h"

namespace esafe::web {
namespace {

std::string Text(const Json& j) { return j.is_string() ? j.get<std::string>() : j.is_number() ? j.dump() : ""; }

int Pct(const Json& share) { return share.is_number() ? static_cast<int>(std::lround(share.get<double>() * 100)) : 0; }

// Five colours told apart by people with the common colour-vision deficiencies
// (Okabe and Ito), each series also with its own marker shape.
constexpr const char* kSeriesClass[] = {"s1", "s2", "s3", "s4", "s5"};

std::string CoverageBars(const Json& measures) {
  // A narrow viewBox keeps the text legible when a phone scales the chart down.
  const int row = 46, label_w = 0, bar_w = 340, width = 420;
  int height = static_cast<int>(measures.size()) * row + 8;
  std::string desc;
  for (const auto& m : measures) {
    desc += fmt::format("{}: {} of {} ({}%). ", Text(m["label"]), Text(m["yes"]), Text(m["of"]), Pct(m["share"]));
  }
  std::string s = fmt::format(
      "<svg class=\"chart chart--bars\" id=\"coverage-chart\" viewBox=\"0 0 {} {}\" role=\"img\" "
      "aria-labelledby=\"coverage-title coverage-desc\">"
      "<title id=\"coverage-title\">Share of agencies meeting each measure of success</title>"
      "<desc id=\"coverage-desc\">{}</desc>",
      width, height, text::HtmlEscape(desc));
  int y = 0;
  for (const auto& m : measures) {
    int pct = Pct(m["share"]);
    double w = bar_w * pct / 100.0;
    s += fmt::format("<text class=\"bar-label\" x=\"{}\" y=\"{}\">{}</text>", label_w, y + 15, text::HtmlEscape(Text(m["label"])));
    s += fmt::format("<rect class=\"bar-track\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"18\" rx=\"2\"/>", label_w, y + 22, bar_w);
    s += fmt::format("<rect class=\"bar-fill\" x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"18\" rx=\"2\" data-share=\"{}\"/>",
                     label_w, y + 22, w, pct);
    s += fmt::format("<text class=\"bar-value\" x=\"{}\" y=\"{}\">{}%</text>", label_w + bar_w + 8, y + 36,
                     m["share"].is_number() ? std::to_string(pct) : "–");
    y += row;
  }
  return s + "</svg>";
}

std::string Marker(size_t series, double x, double y) {
  switch (series % 5) {
    case 0: return fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"5\"/>", x, y);
    case 1: return fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"9\" height=\"9\"/>", x - 4.5, y - 4.5);
    case 2: return fmt::format("<path d=\"M{:.1f} {:.1f}l5.5 9.5h-11z\"/>", x, y - 6);
    case 3: return fmt::format("<path d=\"M{:.1f} {:.1f}l6 6l-6 6l-6-6z\"/>", x, y - 6);
    default: return fmt::format("<path d=\"M{:.1f} {:.1f}l5.5-9.5h-11z\"/>", x, y + 6);
  }
}

std::string TrendChart(const Json& trend) {
  const double left = 44, right = 20, top = 14, bottom = 34, width = 480, height = 260;
  const double plot_w = width - left - right, plot_h = height - top - bottom;
  size_t n = trend.empty() ? 0 : trend[0]["points"].size();
  std::string desc;
  for (const auto& t : trend) {
    desc += Text(t["label"]) + ":";
    for (const auto& p : t["points"]) desc += fmt::format(" {} {}%;", Text(p["year"]), Pct(p["share"]));
    desc += " ";
  }
  std::string s = fmt::format(
      "<svg class=\"chart chart--trend\" id=\"trend-chart\" viewBox=\"0 0 {} {}\" role=\"img\" "
      "aria-labelledby=\"trend-title trend-desc\"><title id=\"trend-title\">Measures of success year on year</title>"
      "<desc id=\"trend-desc\">{}</desc>",
      width, height, text::HtmlEscape(desc));
  for (int g = 0; g <= 100; g += 25) {
    double y = top + plot_h * (1 - g / 100.0);
    s += fmt::format("<line class=\"grid\" x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\"/>", left, width - right, y, y);
    s += fmt::format("<text class=\"axis\" x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}%</text>", left - 6, y + 4, g);
  }
  auto x_of = [&](size_t i) { return n <= 1 ? left + plot_w / 2 : left + plot_w * static_cast<double>(i) / static_cast<double>(n - 1); };
  if (n > 0) {
    for (size_t i = 0; i < n; ++i) {
      s += fmt::format("<text class=\"axis\" x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">{}</text>", x_of(i), height - 12,
                       Text(trend[0]["points"][i]["year"]));
    }
  }
  for (size_t k = 0; k < trend.size(); ++k) {
    std::string points, markers;
    const Json& pts = trend[k]["points"];
    for (size_t i = 0; i < pts.size(); ++i) {
      if (!pts[i]["share"].is_number()) continue;
      double x = x_of(i), y = top + plot_h * (1 - pts[i]["share"].get<double>());
      points += fmt::format("{:.1f},{:.1f} ", x, y);
      markers += Marker(k, x, y);
    }
    s += fmt::format("<g class=\"series {}\" data-measure=\"{}\"><polyline points=\"{}\"/>{}</g>", kSeriesClass[k % 5],
                     text::HtmlEscape(Text(trend[k]["measure"])), points, markers);
  }
  s += "</svg><ul class=\"legend\">";
  for (size_t k = 0; k < trend.size(); ++k) {
    s += fmt::format("<li><svg class=\"legend-key series {}\" viewBox=\"0 0 28 14\" aria-hidden=\"true\">"
                     "<line x1=\"0\" x2=\"28\" y1=\"7\" y2=\"7\"/>{}</svg>{}</li>",
                     kSeriesClass[k % 5], Marker(k, 14, 7), text::HtmlEscape(Text(trend[k]["label"])));
  }
  return s + "</ul>";
}

// A radar (spider) chart: one spoke per aspect, levels 1–5 outwards; the
// partnership average as one polygon and the agency's levels as another.
std::string RadarChart(const Json& levels, const Json& agency) {
  const double cx = 280, cy = 215, r = 150;
  const size_t n = levels.size();
  std::string agency_name = agency.is_null() ? "" : Text(agency["name"]);
  std::string desc;
  for (const auto& l : levels) {
    desc += fmt::format("{}: partnership average {:.1f}", Text(l["aspect"]), l["average"].get<double>());
    if (l["agency"].is_number()) desc += fmt::format(", {} {}", agency_name, l["agency"].get<int64_t>());
    desc += ". ";
  }
  std::string s = fmt::format(
      "<svg class=\"chart chart--radar\" id=\"radar-chart\" viewBox=\"0 0 560 400\" role=\"img\" "
      "aria-labelledby=\"radar-title radar-desc\"><title id=\"radar-title\">Levels per aspect: {} against the "
      "partnership average</title><desc id=\"radar-desc\">{}</desc>",
      agency_name.empty() ? "the partnership" : text::HtmlEscape(agency_name), text::HtmlEscape(desc));
  if (n < 3) return s + "</svg>";
  auto point = [&](size_t i, double level) {
    double angle = -std::numbers::pi / 2 + 2 * std::numbers::pi * static_cast<double>(i) / static_cast<double>(n);
    return std::pair{cx + r * level / 5.0 * std::cos(angle), cy + r * level / 5.0 * std::sin(angle)};
  };
  for (int ring = 1; ring <= 5; ++ring) {
    std::string pts;
    for (size_t i = 0; i < n; ++i) {
      auto p = point(i, ring);
      pts += fmt::format("{:.1f},{:.1f} ", p.first, p.second);
    }
    s += fmt::format("<polygon class=\"radar-ring\" points=\"{}\"/>", pts);
    auto label = point(0, ring);
    s += fmt::format("<text class=\"axis\" x=\"{:.1f}\" y=\"{:.1f}\">{}</text>", label.first + 5, label.second + 4, ring);
  }
  for (size_t i = 0; i < n; ++i) {
    auto end = point(i, 5);
    s += fmt::format("<line class=\"radar-spoke\" x1=\"{}\" y1=\"{}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/>", cx, cy, end.first, end.second);
    auto lp = point(i, 5.5);
    const char* anchor = std::abs(lp.first - cx) < 10 ? "middle" : lp.first < cx ? "end" : "start";
    // Aspect labels are the question ids made readable; the table beside the chart has the full wording.
    std::string id = Text(levels[i]["question_id"]);
    std::string label = id.ends_with("_level") ? id.substr(0, id.size() - 6) : id;
    for (auto& c : label) if (c == '_') c = ' ';
    if (!label.empty()) label[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(label[0])));
    // Two-word labels go on two lines, so that side labels stay inside the chart.
    size_t space = label.find(' ');
    if (space == std::string::npos) {
      s += fmt::format("<text class=\"radar-label\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"{}\">{}</text>", lp.first,
                       lp.second + 5, anchor, text::HtmlEscape(label));
    } else {
      s += fmt::format(
          "<text class=\"radar-label\" x=\"{0:.1f}\" y=\"{1:.1f}\" text-anchor=\"{2}\"><tspan x=\"{0:.1f}\">{3}</tspan>"
          "<tspan x=\"{0:.1f}\" dy=\"19\">{4}</tspan></text>",
          lp.first, lp.second - 4, anchor, text::HtmlEscape(label.substr(0, space)), text::HtmlEscape(label.substr(space + 1)));
    }
  }
  auto polygon = [&](const char* cls, const char* key) {
    std::string pts, dots;
    for (size_t i = 0; i < n; ++i) {
      const Json& v = levels[i][key];
      double level = v.is_number() ? v.get<double>() : 0;
      auto p = point(i, level);
      pts += fmt::format("{:.1f},{:.1f} ", p.first, p.second);
      dots += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"4\"/>", p.first, p.second);
    }
    return fmt::format("<g class=\"{}\"><polygon points=\"{}\"/>{}</g>", cls, pts, dots);
  };
  s += polygon("radar-average", "average");
  if (!agency_name.empty()) s += polygon("radar-agency", "agency");
  s += "</svg><ul class=\"legend\"><li><svg class=\"legend-key radar-average\" viewBox=\"0 0 28 14\" "
       "aria-hidden=\"true\"><rect x=\"2\" y=\"2\" width=\"24\" height=\"10\"/></svg>Partnership average</li>";
  if (!agency_name.empty()) {
    s += "<li><svg class=\"legend-key radar-agency\" viewBox=\"0 0 28 14\" aria-hidden=\"true\"><rect x=\"2\" y=\"2\" "
         "width=\"24\" height=\"10\"/></svg>" + text::HtmlEscape(agency_name) + "</li>";
  }
  return s + "</ul>";
}

std::string Table(const Json& t, int64_t round_id, bool controls) {
  std::string id = Text(t["id"]);
  std::string s = fmt::format("<div class=\"table-block\" id=\"table-{}\"><table class=\"report-table\"><caption>{}</caption><thead><tr>",
                              text::HtmlEscape(id), text::HtmlEscape(Text(t["title"])));
  bool first = true;
  for (const auto& c : t["columns"]) {
    s += fmt::format("<th scope=\"col\"{}>{}</th>", first ? "" : " class=\"num\"", text::HtmlEscape(Text(c)));
    first = false;
  }
  s += "</tr></thead><tbody>";
  if (t["rows"].empty()) {
    s += fmt::format("<tr><td colspan=\"{}\">None recorded.</td></tr>", t["columns"].size());
  }
  for (const auto& row : t["rows"]) {
    s += "<tr>";
    for (size_t i = 0; i < row.size(); ++i) {
      s += i == 0 ? fmt::format("<th scope=\"row\">{}</th>", text::HtmlEscape(Text(row[i])))
                  : fmt::format("<td class=\"num\">{}</td>", text::HtmlEscape(Text(row[i])));
    }
    s += "</tr>";
  }
  s += "</tbody></table>";
  if (controls) {
    s += fmt::format(
        "<p class=\"exports\">Export this table: <a href=\"/api/v1/audit-rounds/{0}/report.csv?table={1}\" "
        "download>CSV</a> · <a href=\"/api/v1/audit-rounds/{0}/report.xlsx?table={1}\" download>XLSX</a></p>",
        round_id, text::HtmlEscape(id));
  }
  return s + "</div>";
}

const Json* FindTable(const Json& report, std::string_view id) {
  for (const auto& t : report["tables"]) {
    if (t["id"] == id) return &t;
  }
  return nullptr;
}

}  // namespace

std::string RenderBoardReportPage(const Json& report, const BoardReportPageOptions& o) {
  const bool controls = !o.standalone;
  const Json& round = report["round"];
  std::string title = fmt::format("E-safety board report: {}", Text(round["title"]));
  std::string s = "<!doctype html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\">"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                  "<title>" + text::HtmlEscape(title) + "</title>";
  // Printed from a file, the page carries its own policy: no scripts, no fetches of any kind.
  s += o.standalone ? "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
                      "'unsafe-inline'; img-src data:\"><style>" + o.inline_css + "</style>"
                    : "<link rel=\"stylesheet\" href=\"/ui/report.css\">";
  s += "</head><body class=\"report\"><main>";
  if (controls) {
    s += fmt::format(
        "<nav class=\"report-nav\" aria-label=\"Report\"><a href=\"/#/audit-rounds/{0}\">Back to the audit round</a>"
        "<a href=\"/api/v1/audit-rounds/{0}/report.pdf\" id=\"report-pdf\">Download as PDF</a>"
        "<a href=\"/api/v1/audit-rounds/{0}/report.xlsx\" download>All tables as XLSX</a></nav>",
        o.round_id);
  }
  s += "<header class=\"report-head\"><p class=\"kicker\">Safeguarding partnership · annual e-safety audit</p><h1>" +
       text::HtmlEscape(title) + "</h1>";
  s += fmt::format("<p class=\"meta\">Year {} · deadline {} · generated {} · {}.</p></header>", Text(round["year"]),
                   text::HtmlEscape(Text(round["deadline"])), text::HtmlEscape(Text(report["generated_at"]).substr(0, 16)),
                   text::HtmlEscape(Text(report["suppression_rule"])));

  s += fmt::format(
      "<section class=\"summary\" aria-label=\"Key figures\"><ul class=\"figures\">"
      "<li><span class=\"figure\" id=\"figure-received\">{}</span> returns received</li>"
      "<li><span class=\"figure\" id=\"figure-expected\">{}</span> returns expected</li></ul></section>",
      text::HtmlEscape(Text(report["received"])), text::HtmlEscape(Text(report["expected"])));

  s += "<section class=\"block\" id=\"measures\"><h2>Measures of success</h2><p class=\"lede\">The number and share "
       "of member agencies with each of the five things Becta's toolkit (Section 6) asks a partnership to measure, "
       "from the returns received.</p><figure>" +
       CoverageBars(report["measures"]) + "</figure>";
  if (const Json* t = FindTable(report, "measures")) s += Table(*t, o.round_id, controls);
  if (const Json* t = FindTable(report, "measures_by_sector")) s += Table(*t, o.round_id, controls);
  s += "</section>";

  s += "<section class=\"block\" id=\"trend\"><h2>Year on year</h2><figure>" + TrendChart(report["trend"]) + "</figure>";
  if (const Json* t = FindTable(report, "trend")) s += Table(*t, o.round_id, controls);
  if (const Json* t = FindTable(report, "returns")) s += Table(*t, o.round_id, controls);
  s += "</section>";

  s += "<section class=\"block\" id=\"levels\"><h2>Level profiles</h2><p class=\"lede\">Each aspect is judged on "
       "five levels, from 1 (nothing in place) to 5 (practice that others can learn from).</p>";
  if (controls && !report["agencies"].empty()) {
    s += fmt::format("<form class=\"radar-choose\" method=\"get\" action=\"/api/v1/audit-rounds/{}/report.html\">"
                     "<label for=\"agency_id\">Agency shown on the radar</label><select id=\"agency_id\" name=\"agency_id\">",
                     o.round_id);
    for (const auto& a : report["agencies"]) {
      bool chosen = !report["radar_agency"].is_null() && report["radar_agency"]["id"] == a["id"];
      s += fmt::format("<option value=\"{}\"{}>{}</option>", Text(a["id"]), chosen ? " selected" : "", text::HtmlEscape(Text(a["name"])));
    }
    s += "</select><button type=\"submit\">Show</button></form>";
  }
  s += "<figure class=\"radar\">" + RadarChart(report["levels"], report["radar_agency"]) + "</figure>";
  if (const Json* t = FindTable(report, "levels")) s += Table(*t, o.round_id, controls);
  s += "</section>";

  s += "<section class=\"block\" id=\"incidents\"><h2>Incident figures</h2><p class=\"lede\">E-safety incidents "
       "recorded in esafe's incident log by member agencies, withdrawn records left out. To protect the children "
       "concerned, a count from 1 to 4 is shown as 'fewer than 5'.</p>";
  if (const Json* t = FindTable(report, "incidents")) s += Table(*t, o.round_id, controls);
  s += "</section>";
  s += "</main></body></html>\n";
  return s;
}

}  // namespace esafe::web
