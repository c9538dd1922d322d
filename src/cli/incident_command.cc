// `esafe flowchart …`: check response flowchart files before they are published.
//
//   esafe flowchart check FILE...
//     Loads and validates each file. Prints "FILE: ok" for each valid file and
//     "FILE:LINE: reason" for every problem in the others. Exit 0 when every file
//     is valid, 1 otherwise.
//   esafe flowchart paths FILE
//     Prints every path through a valid flowchart (answers, then the outcome), one
//     JSON line each, for reviewing a flowchart before publishing it.
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "incidents/flowchart/flowchart.h"

namespace esafe::cli {
namespace {

// Reads FILE; nullopt (with the reason printed) when it cannot be read.
std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cout << path << ":0: cannot open the file\n";
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

int RunCheck(const std::vector<std::string>& files) {
  int status = 0;
  for (const auto& file : files) {
    auto text = ReadFile(file);
    if (!text) {
      status = 1;
      continue;
    }
    auto loaded = incidents::flowchart::Load(*text, file);
    if (loaded.ok()) {
      std::cout << file << ": ok\n";
      continue;
    }
    status = 1;
    for (const auto& p : loaded.problems) std::cout << p.ToString() << "\n";
  }
  std::cout.flush();
  return status;
}

int RunPaths(const std::string& file) {
  auto text = ReadFile(file);
  if (!text) return 1;
  auto loaded = incidents::flowchart::Load(*text, file);
  if (!loaded.ok()) {
    for (const auto& p : loaded.problems) std::cout << p.ToString() << "\n";
    return 1;
  }
  for (const auto& path : incidents::flowchart::EnumeratePaths(loaded.flowchart)) {
    const auto* node = loaded.flowchart.Find(path.outcome_node);
    nlohmann::json line = {{"answers", path.answers},
                           {"outcome", path.outcome_node},
                           {"risk", node && node->outcome ? node->outcome->risk : ""},
                           {"illegal_material", node && node->outcome && node->outcome->illegal_material}};
    std::cout << line.dump() << "\n";
  }
  return 0;
}

}  // namespace

void RegisterIncidentCommands(CLI::App& app) {
  auto* flowchart = app.add_subcommand("flowchart", "Check response flowchart files");
  flowchart->require_subcommand(1);

  auto files = std::make_shared<std::vector<std::string>>();
  auto* check = flowchart->add_subcommand("check", "Validate flowchart YAML files; FILE:LINE: reason for each problem");
  check->add_option("files", *files, "Flowchart files")->required();
  check->callback([files] {
    int status = RunCheck(*files);
    if (status != 0) throw CLI::RuntimeError(status);
  });

  auto path_file = std::make_shared<std::string>();
  auto* paths = flowchart->add_subcommand("paths", "Print every path through a flowchart, one JSON line each");
  paths->add_option("file", *path_file, "Flowchart file")->required();
  paths->callback([path_file] {
    int status = RunPaths(*path_file);
    if (status != 0) throw CLI::RuntimeError(status);
  });
}

}  // namespace esafe::cli
