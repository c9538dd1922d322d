// Fuzzes the monitoring inputs that come from outside: term-library YAML (written by
// partnership staff) and URLs from the activity log (written by anyone on the
// internet). The first byte chooses: even → a term library, which when valid is
// compiled and scanned with; odd → a URL, whose search words are extracted and scanned.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "monitoring/monitoring.h"

namespace {

std::shared_ptr<const esafe::monitoring::TermMatcher> FixedMatcher() {
  static auto matcher = [] {
    esafe::monitoring::TermLibrary lib;
    lib.id = "fuzz";
    lib.version = 1;
    lib.title = "Fuzz";
    lib.incident_category = "grooming";
    lib.terms = {{"secret boyfriend", esafe::monitoring::Severity::kHigh, false, {}, 1},
                 {"suicid", esafe::monitoring::Severity::kHigh, true, {}, 2},
                 {"thinspiration", esafe::monitoring::Severity::kHigh, false, {"thinspo"}, 3}};
    auto built = esafe::monitoring::TermMatcher::Build({lib});
    return built.ok() ? *built : nullptr;
  }();
  return matcher;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  static esafe::monitoring::MatchScratch scratch;
  if (data[0] % 2 == 0) {
    auto lib = esafe::monitoring::ParseTermLibrary(input, "fuzz.yaml");
    if (lib.ok() && lib->terms.size() <= 20) {
      for (const auto& t : lib->terms) (void)esafe::monitoring::TermPattern(t.text, t.prefix);
      auto matcher = esafe::monitoring::TermMatcher::Build({*lib});
      if (matcher.ok()) (void)scratch.Scan(**matcher, input);
    }
  } else {
    auto search = esafe::monitoring::ExtractSearch(input);
    if (search) {
      if (search->text.size() > esafe::monitoring::kMaxSearchBytes) __builtin_trap();
      if (auto m = FixedMatcher()) (void)scratch.Scan(*m, search->text);
    }
  }
  return 0;
}
