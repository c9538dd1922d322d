// The activity log: exports (CSV, JSON lines, XLSX) and evidence extracts.
// Part of the activity capability's interface; activity/activity.h is the overview.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "activity/search.h"
#include "core/result.h"

namespace esafe::activity {

enum class ExportFormat : uint8_t { kCsv, kJsonLines, kXlsx };
std::optional<ExportFormat> ParseExportFormat(std::string_view name);  // "csv", "jsonl", "xlsx"

// Writes the matching events to `path` in `format`, streaming (XLSX in libxlsxwriter's
// constant-memory mode, a new sheet every 1,000,000 rows). CSV cells are neutralised
// so that a spreadsheet never runs them as formulas. Returns the event count.
// `progress` as for LogReader::Search.
Result<uint64_t> Export(const LogReader& reader, const Query& query, ExportFormat format,
                        const std::string& path, const ProgressFn& progress = {});
std::string_view ExportExtension(ExportFormat format);    // "csv", "jsonl", "xlsx"
std::string_view ExportMediaType(ExportFormat format);    // "text/csv; charset=utf-8", …

// ---- Evidence extract ----

struct ExtractRequest {
  Query query;
  std::string who;        // the person making the extract
  std::string reference;  // the incident or disclosure request it is for
  std::vector<ExportFormat> formats = {ExportFormat::kJsonLines, ExportFormat::kCsv};
};
struct ExtractResult {
  uint64_t events = 0;
  std::string manifest_path;
  std::map<std::string, std::string> sha256;  // file name → hex digest
};

// Writes exactly the matching events into `out_dir` (created; must not exist or be
// empty) as events.<ext> per format plus manifest.json: the query, the time of
// extract, who, the reference, the event count, the log's head hash and the SHA-256
// of each file. Calls `audit` first when given.
Result<ExtractResult> WriteExtract(const std::string& log_dir, const ExtractRequest& request,
                                   const std::string& out_dir, const AuditHook& audit = {});

}  // namespace esafe::activity
