#include "enforce/enforcer.h"

#include <chrono>

#include "enforce/override_versions.h"
#include "enforce/site_profiles.h"
#include "filter/canonical_host.h"
#include "store/database.h"

namespace esafe::enforce {
namespace {

activity::Action ToActivityAction(filter::Action action) {
  switch (action) {
    case filter::Action::kAllow: return activity::Action::kAllow;
    case filter::Action::kWarn: return activity::Action::kWarn;
    case filter::Action::kBlock: return activity::Action::kBlock;
  }
  return activity::Action::kAllow;
}

// The content proxy's host for a verdict through one, else "".
std::string ViaHost(const Verdict& verdict) {
  if (verdict.via.empty()) return {};
  auto proxy = filter::CanonicalUrl::Parse(verdict.via);
  return proxy ? std::string(proxy->host()) : std::string();
}

}  // namespace

Result<Enforcement> LoadEnforcement(const PolicySource& source, filter::LoadReport& report,
                                    std::vector<filter::ProfileProblem>& problems) {
  auto set = filter::LoadProfileSet(source.profiles, problems);
  if (!set) return set.error();
  std::vector<filter::ClientRange> sites;
  if (!source.db.empty()) {
    auto db = store::Open(source.db);
    if (!db) return db.error();
    auto loaded = LoadSiteRanges(**db);
    if (!loaded) return loaded.error();
    sites = std::move(*loaded);
    auto overrides = LoadOverrideSet(**db);
    if (!overrides) return overrides.error();
    MergeOverrides(*overrides, *set);
  }
  auto policy = filter::LoadPolicyStateFromSet(std::move(*set), source.lists, report, problems);
  if (!policy) return policy.error();
  auto clients = filter::ClientMap::Build(*(*policy)->profiles, sites);
  if (!clients) return clients.error();
  return Enforcement{std::move(*policy), std::make_shared<const filter::ClientMap>(std::move(*clients))};
}

Enforcer::Enforcer(Enforcement enforcement, DecisionSink& sink, EnforcerOptions options)
    : current_(std::make_shared<const Enforcement>(std::move(enforcement))), sink_(sink), options_(std::move(options)) {}

void Enforcer::Install(Enforcement enforcement) {
  current_.store(std::make_shared<const Enforcement>(std::move(enforcement)), std::memory_order_release);
}

Result<Verdict> Enforcer::Check(const EnforceRequest& request, filter::LocalTime at) const {
  auto canonical = filter::CanonicalUrl::Parse(request.url);
  if (!canonical && !filter::IsInvalidHost(canonical.error())) return canonical.error();
  const auto current = Current();
  Verdict verdict;
  verdict.client = current->clients->Resolve(request.client, request.user);
  const filter::CompiledProfile* profile = current->policy->Find(verdict.client.profile);
  if (!profile) {
    // The client map is validated against the profiles when built; keep a safe answer.
    profile = current->policy->Find(current->policy->profiles->default_profile);
    if (!profile) return Error::Internal("no profile '" + verdict.client.profile + "'");
  }
  if (!canonical) {
    // Fail closed: no browser sends such a host, and any name made up for it could miss
    // a listed site. Not a category, so no entry and nothing to echo but the URL.
    verdict.action = filter::Action::kBlock;
    verdict.reason = "invalid host";
    verdict.canonical = request.url;
    verdict.list_version = current->policy->Version();
    Record(request, verdict, profile->profile->name, {});
    return verdict;
  }
  filter::PolicyDecision decision =
      filter::DecideWith(*canonical, *profile, verdict.client.agency_id, at, current->policy);
  if (request.method == "CONNECT" && !request.tls_server_name.empty() && request.tls_server_name != "-") {
    auto named = filter::CanonicalUrl::Parse(std::string(request.tls_server_name) + ":" +
                                             std::to_string(canonical->port()));
    if (named && named->path_and_query() == "/" && named->host() != canonical->host()) {
      filter::PolicyDecision by_name =
          filter::DecideWith(*named, *profile, verdict.client.agency_id, at, current->policy);
      if (by_name.action >= decision.action) decision = std::move(by_name);
    }
  }
  verdict.action = decision.action;
  verdict.mandatory = decision.mandatory;
  verdict.category = std::string(decision.category);
  verdict.entry = std::string(decision.entry);
  verdict.reason = filter::ReasonName(decision.reason);
  verdict.canonical = decision.canonical.spec();
  verdict.via = decision.via;
  verdict.list_version = current->policy->Version();
  if (!verdict.blocked() && profile->profile->safe_search && request.method != "CONNECT") {
    verdict.safe_search = RewriteForSafeSearch(request.url);
  }

  std::string_view host = decision.canonical.host();
  Record(request, verdict, profile->profile->name, host);
  return verdict;
}

void Enforcer::Record(const EnforceRequest& request, const Verdict& verdict, const std::string& profile,
                      std::string_view host) const {
  activity::ActivityEvent event;
  event.time_us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  // The proxy gives an address; anything else is kept as :: rather than losing the decision.
  if (auto ip = activity::ParseIp(request.client.substr(0, request.client.find('/')))) event.client = *ip;
  event.user = request.user == "-" ? std::string() : std::string(request.user);
  event.site = verdict.client.site;
  // The directory's agency id in decimal: the key the activity log's agency scoping
  // matches (web/routes_activity.cc), so the agency's staff see their decisions.
  if (verdict.client.agency_id) event.agency = std::to_string(*verdict.client.agency_id);
  event.profile = profile;
  event.url = verdict.canonical;
  // The host as the log keeps it: lower case (canonical already), an IPv6 literal without brackets.
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  event.host = std::string(host);
  event.category = verdict.category;
  // Each category is a list (squidGuard's dest, a mandatory list, the overrides): the
  // list that matched is the category of the entry that decided.
  if (!verdict.entry.empty()) event.list = verdict.category;
  event.list_version = verdict.list_version;
  event.action = ToActivityAction(verdict.action);
  event.point = options_.point;
  event.reason = verdict.reason;
  // Through a content proxy the url and host are the wrapped site's; the proxy is named in
  // the reason ("category via translate.google.com"), which the proxy-avoidance rule reads.
  if (const std::string via = ViaHost(verdict); !via.empty()) event.reason += " via " + via;
  event.entry = verdict.entry;
  event.safe_search = verdict.safe_search.has_value();
  sink_.Record(event);
}

BlockPageInfo Enforcer::PageInfo(const Verdict& verdict, std::string_view url) const {
  BlockPageInfo info;
  info.url = verdict.via.empty() ? std::string(url) : verdict.canonical;
  info.via = ViaHost(verdict);
  info.category = verdict.category;
  info.reason = verdict.reason;
  info.profile = verdict.client.profile;
  info.mandatory = verdict.mandatory;
  info.review_url = options_.review_url;
  info.list_version = verdict.list_version;
  return info;
}

std::string Enforcer::BlockRedirect(const Verdict& verdict, std::string_view url) const {
  BlockPageInfo info = PageInfo(verdict, url);
  if (info.mandatory) {
    // Do not echo a listed illegal-content URL into another system's logs.
    info.url.clear();
    info.category = "mandatory";
  }
  return ReviewLink(options_.block_page_url, info);
}

}  // namespace esafe::enforce
