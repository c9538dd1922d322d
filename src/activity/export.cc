// Exports (CSV, JSON lines, XLSX) and evidence extracts with their manifest.
#include <sys/stat.h>
#include <xlsxwriter.h>

#include <chrono>
#include <cstdio>
#include <fstream>

#include "activity/internal.h"
#include "core/csv.h"

namespace esafe::activity {

using namespace internal;

namespace {

const std::vector<std::string>& Header() {
  // The keys of FormatEventJson, in its order.
  static const std::vector<std::string> h = {"time",     "client", "user",         "site",   "agency", "profile",
                                             "url",      "host",   "category",     "list",   "list_version",
                                             "action",   "point",  "reason",       "entry",  "node",   "safe_search"};
  return h;
}

std::vector<std::string> Cells(const ActivityEvent& e) {
  return {FormatTime(e.time_us), FormatIp(e.client), e.user, e.site, e.agency, e.profile, e.url,
          e.host, e.category, e.list, e.list_version, std::string(ActionName(e.action)),
          e.point, e.reason, e.entry, e.node, e.safe_search ? "true" : "false"};
}

Result<uint64_t> ExportXlsx(const LogReader& reader, const Query& query, const std::string& path,
                            const ProgressFn& progress) {
  lxw_workbook_options options = {};
  options.constant_memory = LXW_TRUE;
  lxw_workbook* wb = workbook_new_opt(path.c_str(), &options);
  if (!wb) return Error::Internal("cannot create " + path);
  constexpr uint32_t kRowsPerSheet = 1000000;
  lxw_worksheet* ws = nullptr;
  uint32_t row = 0;
  int sheet = 0;
  uint64_t count = 0;
  auto new_sheet = [&] {
    ++sheet;
    const std::string name = "events " + std::to_string(sheet);
    ws = workbook_add_worksheet(wb, name.c_str());
    const auto& h = Header();
    for (size_t c = 0; c < h.size(); ++c) worksheet_write_string(ws, 0, static_cast<lxw_col_t>(c), h[c].c_str(), nullptr);
    row = 1;
  };
  new_sheet();
  auto stats = reader.Search(query, [&](const ActivityEvent& e) {
    if (row > kRowsPerSheet) new_sheet();
    const auto cells = Cells(e);
    // Strings only: a cell is never a formula, whatever the URL holds.
    for (size_t c = 0; c < cells.size(); ++c)
      worksheet_write_string(ws, row, static_cast<lxw_col_t>(c), cells[c].c_str(), nullptr);
    ++row;
    ++count;
    return true;
  }, progress);
  const lxw_error err = workbook_close(wb);
  if (!stats) return stats.error();
  if (err != LXW_NO_ERROR) return Error::Internal(std::string("writing XLSX: ") + lxw_strerror(err));
  return count;
}

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::optional<ExportFormat> ParseExportFormat(std::string_view n) {
  if (n == "csv") return ExportFormat::kCsv;
  if (n == "jsonl" || n == "json") return ExportFormat::kJsonLines;
  if (n == "xlsx") return ExportFormat::kXlsx;
  return std::nullopt;
}

std::string_view ExportExtension(ExportFormat format) {
  switch (format) {
    case ExportFormat::kCsv: return "csv";
    case ExportFormat::kJsonLines: return "jsonl";
    case ExportFormat::kXlsx: return "xlsx";
  }
  return "csv";
}

std::string_view ExportMediaType(ExportFormat format) {
  switch (format) {
    case ExportFormat::kCsv: return "text/csv; charset=utf-8";
    case ExportFormat::kJsonLines: return "application/jsonl; charset=utf-8";
    case ExportFormat::kXlsx: return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  }
  return "application/octet-stream";
}

Result<uint64_t> Export(const LogReader& reader, const Query& query, ExportFormat format, const std::string& path,
                        const ProgressFn& progress) {
  if (format == ExportFormat::kXlsx) return ExportXlsx(reader, query, path, progress);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Error::Internal("cannot create " + path);
  if (format == ExportFormat::kCsv) out << csv::FormatRow(Header());
  uint64_t count = 0;
  auto stats = reader.Search(query, [&](const ActivityEvent& e) {
    if (format == ExportFormat::kCsv) {
      out << csv::FormatRow(Cells(e));
    } else {
      out << FormatEventJson(e) << '\n';
    }
    ++count;
    return true;
  }, progress);
  if (!stats) return stats.error();
  out.flush();
  if (!out) return Error::Internal("writing " + path + " failed");
  return count;
}

Result<ExtractResult> WriteExtract(const std::string& log_dir, const ExtractRequest& request,
                                   const std::string& out_dir, const AuditHook& audit) {
  if (request.who.empty()) return Error::Invalid("an extract must say who made it", "who");
  if (request.reference.empty())
    return Error::Invalid("an extract must name the incident or request it is for", "reference");
  if (request.formats.empty()) return Error::Invalid("no output format", "formats");
  if (::mkdir(out_dir.c_str(), 0750) != 0) {
    if (errno != EEXIST) return Error::Internal("cannot create " + out_dir);
    if (std::ifstream(out_dir + "/manifest.json")) return Error::Conflict(out_dir + " already holds an extract");
  }
  if (audit) {
    ESAFE_TRY(audit(AccessNote{request.who, "activity.extract",
                               "reference " + request.reference + " query " + DescribeQuery(request.query)}));
  }
  auto reader = LogReader::Open(log_dir);
  if (!reader) return reader.error();
  auto chain = ReadChain(log_dir);
  if (!chain) return chain.error();
  const std::string head = chain->entries.empty() ? kGenesisHash : chain->entries.back().hash;

  ExtractResult result;
  std::optional<uint64_t> count;
  for (ExportFormat f : request.formats) {
    const std::string name = f == ExportFormat::kCsv ? "events.csv" : f == ExportFormat::kXlsx ? "events.xlsx" : "events.jsonl";
    auto n = Export(*reader, request.query, f, out_dir + "/" + name);
    if (!n) return n.error();
    if (count && *count != *n) return Error::Internal("formats disagree on the event count");
    count = *n;
    auto bytes = ReadFile(out_dir + "/" + name);
    if (!bytes) return bytes.error();
    result.sha256[name] = Sha256Hex(*bytes);
  }
  result.events = count.value_or(0);
  nlohmann::ordered_json m;
  m["kind"] = "esafe activity evidence extract";
  m["reference"] = request.reference;
  m["who"] = request.who;
  m["extracted_at"] = FormatTime(NowUs());
  m["query"] = nlohmann::ordered_json::parse(DescribeQuery(request.query));
  m["events"] = result.events;
  m["log_head_hash"] = head;
  m["files"] = nlohmann::ordered_json::object();
  for (const auto& [name, digest] : result.sha256) m["files"][name] = {{"sha256", digest}};
  result.manifest_path = out_dir + "/manifest.json";
  ESAFE_TRY(WriteFileDurably(out_dir, "manifest.json", m.dump(2) + "\n"));
  return result;
}

}  // namespace esafe::activity
