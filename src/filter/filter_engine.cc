#include "filter/filter_engine.h"

#include <utility>

namespace esafe::filter {

Result<std::shared_ptr<const FilterState>> MakeFilterState(std::shared_ptr<const ListSnapshot> lists,
                                                           const CategoryPolicy& policy,
                                                           std::shared_ptr<const ContentProxies> proxies) {
  if (!lists) return Error::Internal("no lists loaded");
  auto resolved = ResolvePolicy(policy, *lists);
  if (!resolved) return resolved.error();
  auto state = std::make_shared<FilterState>();
  state->lists = std::move(lists);
  state->policy = std::move(*resolved);
  state->proxies = std::move(proxies);
  return std::shared_ptr<const FilterState>(std::move(state));
}

void ChooseAction(const ListMatches& matches, const ResolvedPolicy& policy, const ListSnapshot& lists,
                  Decision& decision) {
  const ListMatch* blocked = nullptr;
  const ListMatch* warned = nullptr;
  for (const ListMatch& match : matches) {
    if (policy.mandatory_by_category[match.category]) {
      blocked = &match;
      decision.mandatory = true;
      break;
    }
    const Action action = policy.action_by_category[match.category];
    if (action == Action::kBlock && !blocked) blocked = &match;
    if (action == Action::kWarn && !warned) warned = &match;
  }
  const ListMatch* chosen = blocked ? blocked : warned;
  if (!chosen) {
    decision.action = Action::kAllow;
    return;
  }
  decision.action = blocked ? Action::kBlock : Action::kWarn;
  decision.category = lists.category_name(chosen->category);
  decision.entry = chosen->entry;
  decision.kind = chosen->kind;
}

FilterEngine::FilterEngine(std::shared_ptr<const FilterState> initial) : state_(std::move(initial)) {}

Decision FilterEngine::DecideCanonical(const CanonicalUrl& url, std::shared_ptr<const FilterState> state) {
  Decision decision;
  ListMatches matches;
  state->lists->Match(url, matches);
  ChooseAction(matches, state->policy, *state->lists, decision);
  decision.canonical = url;
  decision.state = std::move(state);
  return decision;
}

Result<Decision> FilterEngine::Decide(std::string_view url) const {
  auto canonical = CanonicalUrl::Parse(url);
  if (!canonical) return canonical.error();
  auto state = Current();
  const ContentProxies* proxies = state->proxies.get();
  return DecideThroughProxies(proxies, std::move(*canonical), [&](CanonicalUrl u) {
    Decision decision;
    ListMatches matches;
    state->lists->Match(u, matches);
    ChooseAction(matches, state->policy, *state->lists, decision);
    decision.canonical = std::move(u);
    decision.state = state;
    return decision;
  });
}

}  // namespace esafe::filter
