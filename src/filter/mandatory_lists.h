// MandatoryLists: only the lists no profile, override or approval may ever open (the
// illegal-content list), loaded on their own. The web app holds one so that it can refuse
// to store a review request for, or approve an allow of, an address on them without
// loading every category list.
//
// Immutable once loaded; safe to share between threads.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "core/result.h"
#include "filter/canonical_url.h"
#include "filter/list_snapshot.h"
#include "filter/profile_set.h"

namespace esafe::filter {

class MandatoryLists {
 public:
  // Loads the mandatory lists the profiles file at `profiles_file` names. Fails with the
  // profile problem or the list error: a set with a mandatory list missing is never made.
  static Result<std::shared_ptr<const MandatoryLists>> Load(const std::filesystem::path& profiles_file);
  // The same from a parsed set (tests).
  static Result<std::shared_ptr<const MandatoryLists>> FromSet(const ProfileSet& set);

  // True when a mandatory list covers `url`.
  bool Covers(const CanonicalUrl& url) const;

 private:
  std::shared_ptr<const ListSnapshot> lists_;
};

}  // namespace esafe::filter
