// libFuzzer target for the flowchart loader and validator: any bytes give
// either a list of problems (each with the file name and a line) or a valid
// flowchart, never a crash; and every path of a flowchart that validates ends
// in an outcome when walked. Seed corpus: the shipped data/flowcharts/*.yaml.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "incidents/flowchart/flowchart.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fc = esafe::incidents::flowchart;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto loaded = fc::Load(input, "fuzz.yaml");
  if (!loaded.ok()) {
    for (const auto& p : loaded.problems) {
      if (p.file != "fuzz.yaml" || p.line < 0 || p.reason.empty()) std::abort();
    }
    return 0;
  }
  for (const auto& path : fc::EnumeratePaths(loaded.flowchart, 1000)) {
    auto walk = fc::WalkAnswers(loaded.flowchart, path.answers);
    if (!walk.ok() || !walk->complete() || walk->outcome_node != path.outcome_node) std::abort();
  }
  (void)fc::ToJson(loaded.flowchart).dump();
  return 0;
}
