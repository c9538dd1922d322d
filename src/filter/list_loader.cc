#include "filter/list_loader.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>

namespace esafe::filter {

void LoadReport::AddProblem(std::string_view source, size_t line, std::string reason) {
  ++bad_lines;
  if (problems.size() < kMaxProblems) problems.push_back({std::string(source), line, std::move(reason)});
}

Result<void> LoadListText(std::string_view text, std::string_view source, std::string_view category,
                          ListFormat format, ListSnapshotBuilder& builder, LoadReport& report) {
  if (text.find('\0') != std::string_view::npos) {
    return Error::Invalid(std::string(source) + ": holds binary data, not a list");
  }
  const CategoryId id = builder.Category(category);
  std::vector<ListEntry> entries;
  size_t line_number = 0;
  size_t good = 0;
  size_t bad = 0;
  std::string first_problem;
  while (!text.empty()) {
    ++line_number;
    const size_t newline = text.find('\n');
    const std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);

    entries.clear();
    auto parsed = ParseListLine(line, format, entries);
    if (!parsed) {
      ++bad;
      if (first_problem.empty()) first_problem = "line " + std::to_string(line_number) + ": " + parsed.error().message;
      report.AddProblem(source, line_number, parsed.error().message);
      continue;
    }
    for (const ListEntry& entry : entries) {
      if (auto added = builder.Add(id, entry); !added) {
        ++bad;
        report.AddProblem(source, line_number, added.error().message);
        continue;
      }
      ++good;
      ++report.entries;
    }
  }
  if (good == 0 && bad > 0) {
    return Error::Invalid(std::string(source) + ": no line could be read as a list entry (" + first_problem + ")");
  }
  return Ok();
}

Result<void> LoadListFile(const std::filesystem::path& path, std::string_view category, ListFormat format,
                          ListSnapshotBuilder& builder, LoadReport& report) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::NotFound("cannot read list file " + path.string());
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) return Error::Internal("error reading list file " + path.string());
  return LoadListText(contents.str(), path.string(), category, format, builder, report);
}

Result<std::vector<std::string>> SquidGuardCategories(const std::filesystem::path& directory) {
  std::error_code error;
  std::filesystem::directory_iterator it(directory, error);
  if (error) return Error::NotFound("cannot read list directory " + directory.string() + ": " + error.message());
  std::vector<std::string> names;
  for (const auto& child : it) {
    if (!child.is_directory(error)) continue;
    if (std::filesystem::exists(child.path() / "domains", error) ||
        std::filesystem::exists(child.path() / "urls", error)) {
      names.push_back(child.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

Result<void> LoadSquidGuardDirectory(const std::filesystem::path& directory,
                                     const std::vector<std::string>& categories,
                                     ListSnapshotBuilder& builder, LoadReport& report) {
  auto available = SquidGuardCategories(directory);
  if (!available) return available.error();
  const std::vector<std::string>& wanted = categories.empty() ? *available : categories;
  for (const std::string& category : wanted) {
    if (std::find(available->begin(), available->end(), category) == available->end()) {
      return Error::NotFound("no category '" + category + "' in " + directory.string());
    }
  }
  for (const std::string& category : wanted) {
    std::error_code error;
    const auto folder = directory / category;
    if (std::filesystem::exists(folder / "domains", error)) {
      ESAFE_TRY(LoadListFile(folder / "domains", category, ListFormat::kDomains, builder, report));
    }
    if (std::filesystem::exists(folder / "urls", error)) {
      ESAFE_TRY(LoadListFile(folder / "urls", category, ListFormat::kUrls, builder, report));
    }
  }
  return Ok();
}

}  // namespace esafe::filter
