// List loading: reads list files in the formats of list_line.h — single files, or a
// squidGuard/UT1 directory (one folder per category holding `domains` and `urls`) — into a
// ListSnapshotBuilder, reporting every bad line with its file and line number.
//
// A bad line is skipped and reported; the good lines of the file still load. A file that
// cannot be read, holds binary data, or has entries none of which parse "fails to parse at
// all": the function returns an error and the caller keeps its previous snapshot.
// Functions are not thread-safe with respect to the builder and report they fill.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "filter/list_line.h"
#include "filter/list_snapshot_builder.h"

namespace esafe::filter {

// One bad line: where it is and why it was skipped.
struct ListProblem {
  std::string source;  // the file path (or the name given for in-memory text)
  size_t line = 0;     // 1-based
  std::string reason;
};

// What a load did. Problems beyond kMaxProblems are counted but not kept.
struct LoadReport {
  static constexpr size_t kMaxProblems = 1000;
  size_t entries = 0;    // entries added (before duplicates merge)
  size_t bad_lines = 0;  // lines skipped
  std::vector<ListProblem> problems;

  void AddProblem(std::string_view source, size_t line, std::string reason);
};

// Parses `text`, the contents of one list named `source`, as `format` into `category`.
Result<void> LoadListText(std::string_view text, std::string_view source, std::string_view category,
                          ListFormat format, ListSnapshotBuilder& builder, LoadReport& report);

// Reads and parses the file at `path`.
Result<void> LoadListFile(const std::filesystem::path& path, std::string_view category, ListFormat format,
                          ListSnapshotBuilder& builder, LoadReport& report);

// Loads a squidGuard/UT1 directory: each sub-folder is a category named after it, with a
// `domains` and/or a `urls` file (either may be missing). `categories` names the folders
// to load; empty loads every folder that holds one of those files. Returns NotFound when a
// named category has no folder with list files, and the first file error otherwise.
Result<void> LoadSquidGuardDirectory(const std::filesystem::path& directory,
                                     const std::vector<std::string>& categories,
                                     ListSnapshotBuilder& builder, LoadReport& report);

// The category folders of a squidGuard/UT1 directory, sorted (those holding a `domains` or
// `urls` file). Returns NotFound when `directory` cannot be read.
Result<std::vector<std::string>> SquidGuardCategories(const std::filesystem::path& directory);

}  // namespace esafe::filter
