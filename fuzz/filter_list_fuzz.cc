// libFuzzer target for the list-line parser and loader: any bytes, in every list format,
// load or fail cleanly, and whatever loads can be matched against.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "filter/list_line.h"
#include "filter/list_loader.h"
#include "filter/list_snapshot_builder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace esafe::filter;
  if (size == 0) return 0;
  // The first byte picks the format, the rest is the list text.
  const ListFormat formats[] = {ListFormat::kDomains, ListFormat::kUrls, ListFormat::kHosts, ListFormat::kUrlHashes};
  const ListFormat format = formats[data[0] % 4];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  std::vector<ListEntry> entries;
  (void)ParseListLine(text.substr(0, text.find('\n')), format, entries);

  ListSnapshotBuilder builder;
  LoadReport report;
  (void)LoadListText(text, "fuzz", "fuzz", format, builder, report);
  auto lists = builder.Build();
  // Each entry host, looked up as a URL, must be found again.
  for (const ListEntry& entry : entries) {
    if (entry.kind == EntryKind::kUrlHash) continue;
    auto url = CanonicalUrl::Parse("http://" + entry.host + (entry.kind == EntryKind::kUrl ? entry.path : "/"));
    if (!url.ok()) continue;
    ListMatches matches;
    lists->Match(*url, matches);
  }
  return 0;
}
