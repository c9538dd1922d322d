#include "core/csv.h"

#include <fmt/format.h>

#include "core/text.h"

namespace esafe::csv {

Result<Table> Parse(std::string_view data, const Limits& limits) {
  if (data.size() > limits.max_bytes) {
    return Error::TooLarge(fmt::format("the file is larger than {} bytes", limits.max_bytes));
  }
  if (data.starts_with("\xEF\xBB\xBF")) data.remove_prefix(3);
  if (!text::IsValidUtf8(data)) return Error::Invalid("the file is not UTF-8 text");

  Table table;
  std::vector<std::string> cells;
  std::string cell;
  size_t line = 1, row_line = 1;
  bool in_quotes = false, cell_was_quoted = false, header_done = false;
  size_t i = 0;

  auto finish_row = [&]() -> Result<void> {
    cells.push_back(std::move(cell));
    cell.clear();
    bool blank = cells.size() == 1 && cells[0].empty() && !cell_was_quoted;
    cell_was_quoted = false;
    if (!blank) {
      if (cells.size() > limits.max_columns) {
        return Error::Invalid(fmt::format("line {}: more than {} columns", row_line, limits.max_columns));
      }
      if (!header_done) {
        for (auto& h : cells) h = text::Lower(text::Trim(h));
        table.header = std::move(cells);
        header_done = true;
      } else {
        if (cells.size() != table.header.size()) {
          return Error::Invalid(fmt::format("line {}: {} cells where the header has {}", row_line, cells.size(),
                                            table.header.size()));
        }
        if (table.rows.size() >= limits.max_rows) {
          return Error::TooLarge(fmt::format("more than {} rows", limits.max_rows));
        }
        table.rows.push_back({row_line, std::move(cells)});
      }
    }
    cells.clear();
    row_line = line;
    return Ok();
  };

  while (i < data.size()) {
    char c = data[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < data.size() && data[i + 1] == '"') { cell += '"'; i += 2; continue; }
        in_quotes = false;
        ++i;
        if (i < data.size() && data[i] != ',' && data[i] != '\n' && data[i] != '\r') {
          return Error::Invalid(fmt::format("line {}: unexpected character after a closing quote", line));
        }
        continue;
      }
      if (c == '\n') ++line;
      cell += c;
      ++i;
    } else if (c == '"') {
      if (!cell.empty()) return Error::Invalid(fmt::format("line {}: a quote in the middle of a cell", line));
      in_quotes = true;
      cell_was_quoted = true;
      ++i;
    } else if (c == ',') {
      cells.push_back(std::move(cell));
      cell.clear();
      ++i;
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < data.size() && data[i + 1] == '\n') ++i;
      ++i;
      ++line;
      ESAFE_TRY(finish_row());
    } else {
      cell += c;
      ++i;
    }
    if (cell.size() > limits.max_cell_bytes) {
      return Error::Invalid(fmt::format("line {}: a cell longer than {} bytes", line, limits.max_cell_bytes));
    }
  }
  if (in_quotes) return Error::Invalid(fmt::format("line {}: a quoted cell is never closed", row_line));
  if (!cell.empty() || !cells.empty() || cell_was_quoted) ESAFE_TRY(finish_row());
  if (!header_done) return Error::Invalid("the file is empty; the first line must name the columns");
  return table;
}

std::string FormatRow(const std::vector<std::string>& cells) {
  std::string out;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i) out += ',';
    std::string v = cells[i];
    if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@')) v.insert(v.begin(), '\'');
    if (v.find_first_of(",\"\r\n") != std::string::npos) {
      out += '"';
      for (char c : v) {
        if (c == '"') out += '"';
        out += c;
      }
      out += '"';
    } else {
      out += v;
    }
  }
  out += "\r\n";
  return out;
}

}  // namespace esafe::csv
