// FilterEngine: decides what happens to a URL — allow, warn or block, and which list
// entry decided — against the current lists and policy, which can be replaced at any
// moment without stopping requests.
//
// Thread-safety: Decide() and Current() may be called from any number of threads
// concurrently with each other and with Install(). The lists and policy in force live in
// one immutable FilterState held by std::shared_ptr; Install() swaps it atomically, and a
// decision keeps the state it started with alive until the Decision is destroyed, so a
// request in flight is never decided on a half-loaded or freed list.
#pragma once

#include <atomic>
#include <memory>
#include <string_view>

#include "core/result.h"
#include "filter/canonical_url.h"
#include "filter/category_policy.h"
#include "filter/content_proxy.h"
#include "filter/list_snapshot.h"

namespace esafe::filter {

// One list version with one policy bound to it: what the engine decides against.
struct FilterState {
  std::shared_ptr<const ListSnapshot> lists;
  ResolvedPolicy policy;
  // Content proxies whose wrapped URL is decided too; nullptr for none.
  std::shared_ptr<const ContentProxies> proxies;
};

// Binds `policy` to `lists`; Invalid when the policy names a category the lists lack.
Result<std::shared_ptr<const FilterState>> MakeFilterState(std::shared_ptr<const ListSnapshot> lists,
                                                           const CategoryPolicy& policy,
                                                           std::shared_ptr<const ContentProxies> proxies = nullptr);

// The outcome for one URL. `category` and `entry` are empty when nothing decided (allow);
// they point into `state`, which this Decision keeps alive.
struct Decision {
  Action action = Action::kAllow;
  bool mandatory = false;     // decided by a mandatory list
  std::string_view category;  // e.g. "gambling"
  std::string_view entry;     // e.g. "casino.example" or "example.com/path", or a hex digest
  EntryKind kind = EntryKind::kDomain;
  CanonicalUrl canonical;  // the URL decided: the wrapped one when through a content proxy
  std::string via;        // the content proxy's canonical URL, "" when none
  std::shared_ptr<const FilterState> state;  // the list version and policy that decided
};

// Picks the decision for `matches` under `policy`: a mandatory match blocks; otherwise the
// most specific blocked match blocks; otherwise the most specific warned match warns;
// otherwise allow. Block beats a more specific warn on purpose: a warned sub-path must not
// open a blocked site. Pure; used by FilterEngine and by benchmarks.
void ChooseAction(const ListMatches& matches, const ResolvedPolicy& policy, const ListSnapshot& lists,
                  Decision& decision);

class FilterEngine {
 public:
  explicit FilterEngine(std::shared_ptr<const FilterState> initial);

  // Canonicalises `url` and decides it, and the URL it wraps when it goes through one of
  // the state's content proxies (DecideThroughProxies). Fails only when the URL cannot be
  // canonicalised (the error from CanonicalUrl::Parse).
  Result<Decision> Decide(std::string_view url) const;

  // Decides an already canonical URL against `state` (no atomic load, no allocation
  // beyond copying `url` into the Decision).
  static Decision DecideCanonical(const CanonicalUrl& url, std::shared_ptr<const FilterState> state);

  // The state in force now.
  std::shared_ptr<const FilterState> Current() const { return state_.load(std::memory_order_acquire); }

  // Replaces the state in force; decisions already started finish on the old one.
  void Install(std::shared_ptr<const FilterState> state) { state_.store(std::move(state), std::memory_order_release); }

 private:
  std::atomic<std::shared_ptr<const FilterState>> state_;
};

}  // namespace esafe::filter
