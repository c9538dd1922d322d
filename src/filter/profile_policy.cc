#include "filter/profile_policy.h"

#include <algorithm>

namespace esafe::filter {
namespace {

constexpr std::string_view kOverride = "override";

// Override entries become categories of their own, named so that no list folder can
// collide with them (folder names hold no ':').
std::string OverrideCategory(std::string_view scope, std::string_view name, std::string_view action) {
  return "override:" + std::string(scope) + ":" + std::string(name) + ":" + std::string(action);
}

Result<void> AddOverrides(const std::vector<std::string>& entries, const std::string& category,
                          ListSnapshotBuilder& builder) {
  const CategoryId id = builder.Category(category);
  std::vector<ListEntry> parsed;
  for (const auto& entry : entries) {
    parsed.clear();
    const ListFormat format = entry.find('/') == std::string::npos ? ListFormat::kDomains : ListFormat::kUrls;
    ESAFE_TRY(ParseListLine(entry, format, parsed));
    for (const auto& e : parsed) ESAFE_TRY(builder.Add(id, e));
  }
  return Ok();
}

}  // namespace

const char* ReasonName(DecisionReason reason) {
  switch (reason) {
    case DecisionReason::kNoMatch: return "no match";
    case DecisionReason::kCategory: return "category";
    case DecisionReason::kTimeRule: return "time rule";
    case DecisionReason::kMandatory: return "mandatory list";
    case DecisionReason::kOverride: return "override";
  }
  return "no match";
}

const CompiledProfile* PolicyState::Find(std::string_view profile) const {
  for (const auto& compiled_profile : compiled) {
    if (compiled_profile.profile->name == profile) return &compiled_profile;
  }
  return nullptr;
}

std::string PolicyState::Version() const {
  std::string version = profiles->version + "/" + profiles->digest.substr(0, 12) + "/lists-" + lists->digest().substr(0, 16);
  if (profiles->override_version > 0) version += "/overrides-" + std::to_string(profiles->override_version);
  return version;
}

Result<std::shared_ptr<const PolicyState>> BuildPolicyState(std::shared_ptr<const ProfileSet> profiles,
                                                            ListSnapshotBuilder& builder,
                                                            std::vector<ProfileProblem>& problems,
                                                            std::shared_ptr<const ContentProxies> proxies) {
  if (!profiles) return Error::Internal("no profiles loaded");
  for (const auto& profile : profiles->profiles) {
    auto scoped = [&](const char* action) { return OverrideCategory("profile", profile.name, action); };
    ESAFE_TRY(AddOverrides(profile.overrides.allow, scoped("allow"), builder));
    ESAFE_TRY(AddOverrides(profile.overrides.block, scoped("block"), builder));
  }
  for (const auto& [agency, overrides] : profiles->agency_overrides) {
    const std::string id = std::to_string(agency);
    ESAFE_TRY(AddOverrides(overrides.allow, OverrideCategory("agency", id, "allow"), builder));
    ESAFE_TRY(AddOverrides(overrides.block, OverrideCategory("agency", id, "block"), builder));
  }
  auto state = std::make_shared<PolicyState>();
  state->proxies = std::move(proxies);
  state->lists = builder.Build();
  state->profiles = profiles;
  const ListSnapshot& lists = *state->lists;

  if (!CheckCategories(*profiles, lists.categories(), problems)) {
    return Error::Invalid(FormatProblem(problems.front()));
  }
  const size_t count = lists.categories().size();
  state->mandatory.assign(count, false);
  for (const auto& list : profiles->mandatory) {
    auto id = lists.FindCategory(list.category);
    if (!id) {
      problems.push_back({profiles->source, list.line, "mandatory list '" + list.category + "' was not loaded"});
      return Error::Invalid(FormatProblem(problems.back()));
    }
    state->mandatory[*id] = true;
  }
  for (const auto& profile : profiles->profiles) {
    CompiledProfile compiled;
    compiled.profile = &profile;
    compiled.base.assign(count, Action::kAllow);
    // Warn first, then block, so that a category named in both blocks (the validator
    // reports the clash; this keeps the engine on the safe side regardless).
    for (const auto& ref : profile.warn) {
      if (auto id = lists.FindCategory(ref.name)) compiled.base[*id] = Action::kWarn;
    }
    for (const auto& ref : profile.block) {
      if (auto id = lists.FindCategory(ref.name)) compiled.base[*id] = Action::kBlock;
    }
    for (const auto& rule : profile.time_rules) {
      CompiledProfile::Rule compiled_rule;
      compiled_rule.rule = &rule;
      for (const auto& [ref, action] : rule.actions) {
        // A category only ever allowed has no list loaded; an allow of it changes nothing.
        if (auto id = lists.FindCategory(ref.name)) compiled_rule.actions.emplace_back(*id, action);
      }
      compiled.rules.push_back(std::move(compiled_rule));
    }
    compiled.override_allow = lists.FindCategory(OverrideCategory("profile", profile.name, "allow"));
    compiled.override_block = lists.FindCategory(OverrideCategory("profile", profile.name, "block"));
    state->compiled.push_back(std::move(compiled));
  }
  for (const auto& [agency, overrides] : profiles->agency_overrides) {
    const std::string id = std::to_string(agency);
    state->agencies.emplace_back(
        agency, PolicyState::AgencyCategories{lists.FindCategory(OverrideCategory("agency", id, "allow")),
                                              lists.FindCategory(OverrideCategory("agency", id, "block"))});
  }
  return std::shared_ptr<const PolicyState>(std::move(state));
}

Result<std::shared_ptr<const PolicyState>> LoadPolicyState(const std::filesystem::path& profiles_file,
                                                           const std::filesystem::path& lists,
                                                           LoadReport& report,
                                                           std::vector<ProfileProblem>& problems) {
  auto set = LoadProfileSet(profiles_file, problems);
  if (!set) return set.error();
  return LoadPolicyStateFromSet(std::move(*set), lists, report, problems);
}

Result<std::shared_ptr<const PolicyState>> LoadPolicyStateFromSet(ProfileSet set, const std::filesystem::path& lists,
                                                                  LoadReport& report,
                                                                  std::vector<ProfileProblem>& problems) {
  auto profiles = std::make_shared<const ProfileSet>(std::move(set));
  ListSnapshotBuilder builder;
  for (const auto& list : profiles->mandatory) {
    auto loaded = LoadListFile(list.file, list.category, list.format, builder, report);
    if (!loaded) {
      problems.push_back({profiles->source, list.line,
                          "mandatory list '" + list.category + "' cannot be loaded: " + loaded.error().message});
      return Error::Invalid(FormatProblem(problems.back()));
    }
  }
  const std::vector<std::string> wanted = ReferencedCategories(*profiles);
  if (!wanted.empty()) {
    auto available = SquidGuardCategories(lists);
    if (!available) return available.error();
    if (!CheckCategories(*profiles, *available, problems)) {
      return Error::Invalid(FormatProblem(problems.front()) + " (list directory " + lists.string() + ")");
    }
    ESAFE_TRY(LoadSquidGuardDirectory(lists, wanted, builder, report));
  }
  std::shared_ptr<const ContentProxies> proxies;
  if (!profiles->content_proxies.empty()) {
    std::vector<ProfileProblem> proxy_problems;
    auto loaded = ContentProxies::Load(profiles->content_proxies, proxy_problems);
    if (!loaded) {
      if (proxy_problems.empty()) {
        proxy_problems.push_back({profiles->source, profiles->content_proxies_line,
                                  "content-proxy file cannot be loaded: " + loaded.error().message});
      }
      problems.insert(problems.end(), proxy_problems.begin(), proxy_problems.end());
      return Error::Invalid(FormatProblem(proxy_problems.front()));
    }
    proxies = std::move(*loaded);
  }
  return BuildPolicyState(std::move(profiles), builder, problems, std::move(proxies));
}

namespace {

PolicyDecision DecideOne(CanonicalUrl url, const CompiledProfile& profile, std::optional<int64_t> agency,
                         LocalTime at, std::shared_ptr<const PolicyState> state) {
  PolicyDecision decision;
  decision.profile = profile.profile;
  const ListSnapshot& lists = *state->lists;
  ListMatches matches;
  lists.Match(url, matches);
  decision.canonical = std::move(url);
  auto decide = [&](const ListMatch& match, Action action, DecisionReason reason, std::string_view category) {
    decision.action = action;
    decision.reason = reason;
    decision.category = category;
    decision.entry = match.entry;
    decision.kind = match.kind;
  };

  // 1. Mandatory lists, before anything else can speak.
  for (const ListMatch& match : matches) {
    if (state->mandatory[match.category]) {
      decide(match, Action::kBlock, DecisionReason::kMandatory, lists.category_name(match.category));
      decision.mandatory = true;
      decision.state = std::move(state);
      return decision;
    }
  }

  // 2. Overrides: the most specific matching entry of the agency or the profile.
  const PolicyState::AgencyCategories* agency_categories = nullptr;
  if (agency) {
    for (const auto& [id, categories] : state->agencies) {
      if (id == *agency) agency_categories = &categories;
    }
  }
  for (const ListMatch& match : matches) {
    const CategoryId c = match.category;
    const bool block = (agency_categories && agency_categories->block == c) || profile.override_block == c;
    const bool allow = (agency_categories && agency_categories->allow == c) || profile.override_allow == c;
    if (block || allow) {
      decide(match, block ? Action::kBlock : Action::kAllow, DecisionReason::kOverride, kOverride);
      decision.state = std::move(state);
      return decision;
    }
  }

  // 3 and 4. Categories, with the time rules in force applied over the profile's actions.
  const ListMatch* blocked = nullptr;
  const ListMatch* warned = nullptr;
  bool blocked_by_rule = false;
  bool warned_by_rule = false;
  for (const ListMatch& match : matches) {
    if (match.category >= profile.base.size()) continue;
    Action action = profile.base[match.category];
    bool by_rule = false;
    for (const auto& rule : profile.rules) {
      if (!RuleActive(*rule.rule, at)) continue;
      for (const auto& [category, rule_action] : rule.actions) {
        if (category == match.category) {
          action = rule_action;
          by_rule = true;
        }
      }
    }
    if (action == Action::kBlock && !blocked) {
      blocked = &match;
      blocked_by_rule = by_rule;
    }
    if (action == Action::kWarn && !warned) {
      warned = &match;
      warned_by_rule = by_rule;
    }
  }
  if (blocked) {
    decide(*blocked, Action::kBlock, blocked_by_rule ? DecisionReason::kTimeRule : DecisionReason::kCategory,
           lists.category_name(blocked->category));
  } else if (warned) {
    decide(*warned, Action::kWarn, warned_by_rule ? DecisionReason::kTimeRule : DecisionReason::kCategory,
           lists.category_name(warned->category));
  }
  decision.state = std::move(state);
  return decision;
}

}  // namespace

PolicyDecision DecideWith(const CanonicalUrl& url, const CompiledProfile& profile, std::optional<int64_t> agency,
                          LocalTime at, std::shared_ptr<const PolicyState> state) {
  const ContentProxies* proxies = state->proxies.get();
  return DecideThroughProxies(proxies, url, [&](CanonicalUrl u) { return DecideOne(std::move(u), profile, agency, at, state); });
}

Result<PolicyDecision> PolicyEngine::Decide(std::string_view url, std::string_view profile,
                                            std::optional<int64_t> agency, LocalTime at) const {
  auto canonical = CanonicalUrl::Parse(url);
  if (!canonical) return canonical.error();
  auto state = Current();
  const CompiledProfile* compiled = state->Find(profile);
  if (!compiled) return Error::NotFound("no filtering profile '" + std::string(profile) + "'; profiles: " + state->profiles->Names());
  return DecideWith(*canonical, *compiled, agency, at, std::move(state));
}

}  // namespace esafe::filter
