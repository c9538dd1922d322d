#include "filter/category_policy.h"

namespace esafe::filter {
namespace {

Error UnknownCategory(const std::string& name, const char* field, const ListSnapshot& snapshot) {
  std::string known;
  for (const auto& category : snapshot.categories()) {
    if (!known.empty()) known += ", ";
    known += category;
  }
  return Error::Invalid("unknown category '" + name + "'; the lists hold: " + (known.empty() ? "(none)" : known),
                        field);
}

}  // namespace

const char* ActionName(Action action) {
  switch (action) {
    case Action::kAllow: return "allow";
    case Action::kWarn: return "warn";
    case Action::kBlock: return "block";
  }
  return "allow";
}

Result<ResolvedPolicy> ResolvePolicy(const CategoryPolicy& policy, const ListSnapshot& snapshot) {
  ResolvedPolicy resolved;
  const size_t count = snapshot.categories().size();
  resolved.action_by_category.assign(count, Action::kAllow);
  resolved.mandatory_by_category.assign(count, false);
  // Warn first, so that a category both warned and blocked ends up blocked.
  for (const auto& name : policy.warn) {
    auto id = snapshot.FindCategory(name);
    if (!id) return UnknownCategory(name, "warn", snapshot);
    resolved.action_by_category[*id] = Action::kWarn;
  }
  for (const auto& name : policy.block) {
    auto id = snapshot.FindCategory(name);
    if (!id) return UnknownCategory(name, "block", snapshot);
    resolved.action_by_category[*id] = Action::kBlock;
  }
  for (const auto& name : policy.mandatory) {
    auto id = snapshot.FindCategory(name);
    if (!id) return UnknownCategory(name, "mandatory", snapshot);
    resolved.action_by_category[*id] = Action::kBlock;
    resolved.mandatory_by_category[*id] = true;
  }
  return resolved;
}

}  // namespace esafe::filter
