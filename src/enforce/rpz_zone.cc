#include "enforce/rpz_zone.h"

#include <algorithm>
#include <ctime>
#include <set>
#include <vector>

#include "enforce/safe_search.h"
#include "filter/list_line.h"

namespace esafe::enforce {

bool IsZoneName(std::string_view name) {
  if (name.empty() || name.size() > 200) return false;
  size_t label = 0;
  bool all_digits_or_dots = true;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
    if (!(c >= '0' && c <= '9')) all_digits_or_dots = false;
    if (++label > 63) return false;
  }
  return label > 0 && !all_digits_or_dots;  // an IPv4 literal is not a name
}

Result<RpzStats> ExportRpz(const filter::PolicyState& state, std::string_view profile_name,
                           const RpzOptions& options, std::ostream& out) {
  const filter::CompiledProfile* profile = state.Find(profile_name);
  if (!profile) {
    return Error::NotFound("no filtering profile '" + std::string(profile_name) + "'; profiles: " +
                           state.profiles->Names());
  }
  const filter::ListSnapshot& lists = *state.lists;
  RpzStats stats;
  std::set<std::string> blocked;
  std::set<std::string> passthru;
  std::set<std::string> mandatory;
  lists.ForEachDomain([&](std::string_view host, filter::CategoryId category) {
    bool block = state.mandatory[category] || (profile->override_block && *profile->override_block == category) ||
                 (category < profile->base.size() && profile->base[category] == filter::Action::kBlock);
    const bool allow = profile->override_allow && *profile->override_allow == category;
    if (!block && !allow) return;
    if (!IsZoneName(host)) {
      ++stats.skipped;
      return;
    }
    (block ? blocked : passthru).insert(std::string(host));
    if (state.mandatory[category]) mandatory.insert(std::string(host));
  });
  // A mandatory or blocked name is never passed through, whatever an override says
  // (DNS cannot tell a mandatory URL under an allowed domain from the rest of it).
  for (const auto& name : blocked) passthru.erase(name);
  std::erase_if(passthru, [&](const std::string& name) {
    for (std::string_view suffix = name;;) {
      if (mandatory.count(std::string(suffix))) return true;
      const size_t dot = suffix.find('.');
      if (dot == std::string_view::npos) return false;
      suffix.remove_prefix(dot + 1);
    }
  });

  const uint32_t serial = options.serial ? options.serial : static_cast<uint32_t>(std::time(nullptr));
  out << "; Response policy zone for the esafe filtering profile '" << profile->profile->name << "'\n"
      << "; policy version " << state.Version() << "\n"
      << "$TTL " << options.ttl << "\n"
      << "@ IN SOA localhost. hostmaster.localhost. " << serial << " 3600 600 86400 " << options.ttl << "\n"
      << "@ IN NS localhost.\n";
  for (const auto& name : blocked) {
    out << name << " CNAME .\n*." << name << " CNAME .\n";
    ++stats.blocked_domains;
  }
  for (const auto& name : passthru) {
    out << name << " CNAME rpz-passthru.\n";
    ++stats.passthru;
  }
  if (options.doh_canary && !blocked.count("use-application-dns.net")) {
    out << "; the DNS-over-HTTPS canary: browsers keep using this filtered resolver\n"
        << "use-application-dns.net CNAME .\n";
    stats.doh_canary = true;
  }
  if (profile->profile->safe_search) {
    for (const auto& [name, target] : SafeSearchDnsMappings()) {
      // A blocked engine stays blocked.
      if (blocked.count(name)) continue;
      out << name << " CNAME " << target << ".\n";
      ++stats.safe_search;
    }
  }
  return stats;
}

}  // namespace esafe::enforce
