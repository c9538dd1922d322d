// libFuzzer: the JSON-lines event parser (activity::ParseEventJson). Any input must
// either fail with a reason or give an event that formats back to a line that parses
// to the same event.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "activity/activity.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  auto event = esafe::activity::ParseEventJson(line);
  if (!event.ok()) {
    if (event.error().message.empty()) std::abort();
    return 0;
  }
  const std::string again = esafe::activity::FormatEventJson(*event);
  auto reparsed = esafe::activity::ParseEventJson(again);
  if (!reparsed.ok() || !(*reparsed == *event)) std::abort();
  return 0;
}
