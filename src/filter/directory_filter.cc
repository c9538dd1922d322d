#include "filter/directory_filter.h"

#include <algorithm>

namespace esafe::filter {

Result<std::shared_ptr<const FilterState>> LoadDirectoryFilter(const std::filesystem::path& directory,
                                                               const CategoryPolicy& policy,
                                                               LoadReport& report) {
  auto available = SquidGuardCategories(directory);
  if (!available) return available.error();
  std::vector<std::string> wanted;
  auto want = [&](const std::vector<std::string>& names, const char* field) -> Result<void> {
    for (const auto& name : names) {
      if (std::find(available->begin(), available->end(), name) == available->end()) {
        std::string known;
        for (const auto& category : *available) known += (known.empty() ? "" : ", ") + category;
        return Error::Invalid("unknown category '" + name + "' in " + directory.string() +
                                  "; it holds: " + (known.empty() ? "(none)" : known),
                              field);
      }
      if (std::find(wanted.begin(), wanted.end(), name) == wanted.end()) wanted.push_back(name);
    }
    return Ok();
  };
  ESAFE_TRY(want(policy.mandatory, "mandatory"));
  ESAFE_TRY(want(policy.block, "block"));
  ESAFE_TRY(want(policy.warn, "warn"));
  ListSnapshotBuilder builder;
  if (!wanted.empty()) ESAFE_TRY(LoadSquidGuardDirectory(directory, wanted, builder, report));
  return MakeFilterState(builder.Build(), policy);
}

}  // namespace esafe::filter
