// The annual board report as one HTML page laid out for print: tables and SVG
// charts (coverage bars, year-on-year trend, a radar of one agency's levels
// against the partnership average) drawn on the server, so the same page is
// what the browser shows and what headless Chromium prints to PDF.
#pragma once

#include <string>

#include "core/record_schema.h"

namespace esafe::web {

struct BoardReportPageOptions {
  int64_t round_id = 0;
  // For the browser: link /ui/report.css and show the radar agency chooser and
  // the export links. For PDF: the stylesheet is inlined and controls left
  // out, so the file needs nothing beside it.
  bool standalone = false;
  std::string inline_css;  // standalone only
};

// The page for a Standards::BoardReport JSON. Every text from the data is
// HTML-escaped.
std::string RenderBoardReportPage(const Json& report, const BoardReportPageOptions& options);

}  // namespace esafe::web
