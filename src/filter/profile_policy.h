// ProfilePolicy: the filtering profiles of a ProfileSet bound to one list version, and the
// engine that decides a URL for a profile at a time of day.
//
// Order of precedence, highest first — the rule of the issue, in one place:
//   1. a mandatory list (the illegal-content list) blocks; nothing below can allow it;
//   2. overrides, most specific entry first: the client's agency's, then the profile's
//      (an override allow opens a category block, an override block closes anything);
//   3. time rules in force (later rules in the file win over earlier ones);
//   4. the profile's category actions: the most specific blocked match blocks, else the
//      most specific warned match warns, else allow.
//
// Thread-safety: a PolicyState is immutable and may be shared by any number of threads.
// PolicyEngine::Decide and Current may be called from any thread concurrently with
// Install; a decision keeps the state it started with alive (Decision::state).
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "filter/canonical_url.h"
#include "filter/content_proxy.h"
#include "filter/category_policy.h"
#include "filter/list_loader.h"
#include "filter/list_snapshot.h"
#include "filter/list_snapshot_builder.h"
#include "filter/profile_set.h"

namespace esafe::filter {

// Why a decision came out as it did.
enum class DecisionReason { kNoMatch, kCategory, kTimeRule, kMandatory, kOverride };

// "no match", "category", "time rule", "mandatory list", "override".
const char* ReasonName(DecisionReason reason);

// One profile compiled against a snapshot's category ids.
struct CompiledProfile {
  struct Rule {
    const TimeRule* rule = nullptr;
    std::vector<std::pair<CategoryId, Action>> actions;
  };
  const Profile* profile = nullptr;
  std::vector<Action> base;  // by CategoryId
  std::vector<Rule> rules;
  std::optional<CategoryId> override_allow;
  std::optional<CategoryId> override_block;
};

// The lists and profiles in force together.
struct PolicyState {
  std::shared_ptr<const ListSnapshot> lists;
  std::shared_ptr<const ProfileSet> profiles;
  std::vector<CompiledProfile> compiled;  // in ProfileSet order
  std::vector<bool> mandatory;            // by CategoryId
  struct AgencyCategories {
    std::optional<CategoryId> allow;
    std::optional<CategoryId> block;
  };
  std::vector<std::pair<int64_t, AgencyCategories>> agencies;
  // The content proxies whose wrapped URL is decided too (the profiles file's
  // `content_proxies:`); nullptr when it names none.
  std::shared_ptr<const ContentProxies> proxies;

  const CompiledProfile* Find(std::string_view profile) const;
  // "<profiles version>/<first 12 hex of ProfileSet::digest>/lists-<first 16 hex of
  // ListSnapshot::digest()>", with "/overrides-<N>" when database override version N is
  // merged in: what decided, for the activity log and block page. It names the content,
  // not the load, so every enforcement point with the same profiles file and lists gives
  // the same value (e.g. "2026.1/3f9c0a1b2d4e/lists-8a41c07e5b2f9d13/overrides-7").
  std::string Version() const;
};

// Builds the state from `builder`, which must already hold every category the profiles
// block or warn about and every mandatory list (LoadPolicyState does this from files).
// Adds the overrides as categories of their own. Returns Invalid listing, file and line,
// each category the profiles name that the lists lack; `problems` gets all of them.
// `proxies` (may be null) is kept in the state for DecideWith.
Result<std::shared_ptr<const PolicyState>> BuildPolicyState(std::shared_ptr<const ProfileSet> profiles,
                                                            ListSnapshotBuilder& builder,
                                                            std::vector<ProfileProblem>& problems,
                                                            std::shared_ptr<const ContentProxies> proxies = nullptr);

// Loads the profiles file, the mandatory lists it names (a list that cannot be read is an
// error: esafe never runs without its mandatory lists), the content-proxy file it names
// (likewise; its problems go to `problems`) and, from the squidGuard/UT1
// directory `lists`, the categories the profiles use. Bad list lines go to `report`.
Result<std::shared_ptr<const PolicyState>> LoadPolicyState(const std::filesystem::path& profiles_file,
                                                           const std::filesystem::path& lists,
                                                           LoadReport& report,
                                                           std::vector<ProfileProblem>& problems);

// The same from an already parsed (and possibly amended) profile set: what an enforcement
// point uses after merging the database's override version into `set`.
Result<std::shared_ptr<const PolicyState>> LoadPolicyStateFromSet(ProfileSet set, const std::filesystem::path& lists,
                                                                  LoadReport& report,
                                                                  std::vector<ProfileProblem>& problems);

// A decision for one URL under one profile.
struct PolicyDecision {
  Action action = Action::kAllow;
  DecisionReason reason = DecisionReason::kNoMatch;
  bool mandatory = false;
  std::string_view category;  // list category ("adult", "iwf") or "override"; points into state
  std::string_view entry;     // the list entry that decided
  EntryKind kind = EntryKind::kDomain;
  const Profile* profile = nullptr;  // points into state
  // The URL decided: the wrapped URL when the request went through a content proxy.
  CanonicalUrl canonical;
  std::string via;  // the proxy's canonical URL when the request went through one, else ""
  std::shared_ptr<const PolicyState> state;
};

// Decides `url` for `profile` (falls back to nothing: the caller names a profile that
// exists) at local time `at`, with the overrides of `agency` when known. A URL through a
// content proxy of the state is decided on the wrapped URL too (DecideThroughProxies).
PolicyDecision DecideWith(const CanonicalUrl& url, const CompiledProfile& profile, std::optional<int64_t> agency,
                          LocalTime at, std::shared_ptr<const PolicyState> state);

class PolicyEngine {
 public:
  explicit PolicyEngine(std::shared_ptr<const PolicyState> initial) : state_(std::move(initial)) {}

  // Canonicalises and decides `url`. Fails with the canonicaliser's error for a URL that
  // cannot be read, and NotFound for an unknown profile.
  Result<PolicyDecision> Decide(std::string_view url, std::string_view profile, std::optional<int64_t> agency,
                                LocalTime at) const;

  std::shared_ptr<const PolicyState> Current() const { return state_.load(std::memory_order_acquire); }
  void Install(std::shared_ptr<const PolicyState> state) { state_.store(std::move(state), std::memory_order_release); }

 private:
  std::atomic<std::shared_ptr<const PolicyState>> state_;
};

}  // namespace esafe::filter
