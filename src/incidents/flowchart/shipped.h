// The default flowcharts shipped in data/flowcharts/, compiled into the binary
// (by cmake/embed_files.cmake) so that esafe needs no files beside
// it. A partnership publishes its own versions through the incident log; these
// are what it starts from.
#pragma once

#include <string_view>
#include <vector>

namespace esafe::incidents::flowchart {

struct ShippedFile {
  std::string_view name;  // file name, e.g. "suspected-illegal-content.yaml"
  std::string_view text;  // the YAML as shipped
};

// Every shipped flowchart file, ordered by name.
const std::vector<ShippedFile>& ShippedFiles();

}  // namespace esafe::incidents::flowchart
