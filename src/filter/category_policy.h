// CategoryPolicy: what to do with each list category — block, warn (click-through,
// logged) or allow — and which categories are mandatory (the illegal-content list: no
// profile, override or time rule may allow them).
//
// A CategoryPolicy names categories; ResolvedPolicy is the same policy bound to one
// ListSnapshot's category ids, so that a decision indexes an array rather than comparing
// names. Filtering profiles (later) produce a CategoryPolicy each. Both are plain values:
// immutable once built and safe to share between threads.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "filter/list_snapshot.h"

namespace esafe::filter {

enum class Action { kAllow, kWarn, kBlock };

// "allow", "warn", "block".
const char* ActionName(Action action);

struct CategoryPolicy {
  std::vector<std::string> block;
  std::vector<std::string> warn;
  std::vector<std::string> mandatory;  // blocked whatever else says; implies block
};

struct ResolvedPolicy {
  std::vector<Action> action_by_category;  // indexed by CategoryId
  std::vector<bool> mandatory_by_category;  // indexed by CategoryId
};

// Binds `policy` to `snapshot`. Returns Invalid (field "block", "warn" or "mandatory")
// naming the first category the snapshot does not hold and listing those it does.
Result<ResolvedPolicy> ResolvePolicy(const CategoryPolicy& policy, const ListSnapshot& snapshot);

}  // namespace esafe::filter
