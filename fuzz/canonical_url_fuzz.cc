// libFuzzer target for CanonicalUrl::Parse: never crashes, and a canonical URL is a fixed
// point (canonicalising it again changes nothing).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "filter/canonical_url.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto url = esafe::filter::CanonicalUrl::Parse(input);
  if (!url.ok()) return 0;
  if (url->path().empty() || url->path().front() != '/') std::abort();
  auto again = esafe::filter::CanonicalUrl::Parse(url->spec());
  if (!again.ok() || again->spec() != url->spec()) std::abort();
  return 0;
}
