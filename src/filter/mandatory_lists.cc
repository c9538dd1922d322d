#include "filter/mandatory_lists.h"

#include "filter/list_loader.h"
#include "filter/list_snapshot_builder.h"

namespace esafe::filter {

Result<std::shared_ptr<const MandatoryLists>> MandatoryLists::Load(const std::filesystem::path& profiles_file) {
  std::vector<ProfileProblem> problems;
  auto set = LoadProfileSet(profiles_file, problems);
  if (!set) return set.error();
  return FromSet(*set);
}

Result<std::shared_ptr<const MandatoryLists>> MandatoryLists::FromSet(const ProfileSet& set) {
  if (set.mandatory.empty()) return Error::Invalid("the profiles name no mandatory list");
  ListSnapshotBuilder builder;
  LoadReport report;
  for (const auto& list : set.mandatory) {
    auto loaded = LoadListFile(list.file, list.category, list.format, builder, report);
    if (!loaded) {
      return Error::Invalid("mandatory list '" + list.category + "' cannot be loaded: " + loaded.error().message);
    }
  }
  auto out = std::make_shared<MandatoryLists>();
  out->lists_ = builder.Build();
  return std::shared_ptr<const MandatoryLists>(std::move(out));
}

bool MandatoryLists::Covers(const CanonicalUrl& url) const {
  ListMatches matches;
  lists_->Match(url, matches);
  return matches.size > 0;
}

}  // namespace esafe::filter
