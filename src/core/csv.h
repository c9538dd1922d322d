// CSV (RFC 4180) reading and writing for imports and exports.
//
// Reading is strict enough to point a person at the line that is wrong and
// lenient where spreadsheets differ (CRLF or LF, a UTF-8 byte-order mark, a
// final line without a newline). Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace esafe::csv {

struct Row {
  size_t line = 0;  // 1-based line in the file where the row starts
  std::vector<std::string> cells;
};

struct Table {
  std::vector<std::string> header;
  std::vector<Row> rows;
};

struct Limits {
  size_t max_bytes = 8 * 1024 * 1024;
  size_t max_rows = 100000;
  size_t max_columns = 64;
  size_t max_cell_bytes = 4096;
};

// Parses `data`: the first row is the header (names trimmed and lower-cased).
// Fails with the line number on an unterminated quote, a stray quote, a row with
// a different number of cells than the header, invalid UTF-8 or a size cap.
// Blank lines are skipped.
Result<Table> Parse(std::string_view data, const Limits& limits = {});

// One CSV line (with CRLF) from `cells`, quoting where needed. A cell that a
// spreadsheet would run as a formula (= + - @ at the start) is prefixed with a
// single quote so that an export can never carry a formula into someone's Excel.
std::string FormatRow(const std::vector<std::string>& cells);

}  // namespace esafe::csv
