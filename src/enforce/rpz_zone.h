// `esafe rpz export`: a DNS Response Policy Zone (draft-vixie-dnsop-dns-rpz) for one
// filtering profile, for Unbound (`rpz:` with module-config "respip validator iterator")
// or BIND (`response-policy`).
//
// The zone holds, relative to its origin: an SOA and an NS record; for every domain
// entry of a category the profile blocks at all times (and of every mandatory list)
// "domain CNAME ." and "*.domain CNAME ." (NXDOMAIN for the name and its subdomains);
// the profile's and no agency's override allows as "domain CNAME rpz-passthru."; and, for
// profiles with safe search, the search engines' names as CNAMEs to their safe-search
// hosts; and the DoH canary use-application-dns.net as NXDOMAIN. URL and hashed entries have no DNS form and are left to the proxy; so are time
// rules (DNS answers are cached) and warn categories (DNS cannot click through).
//
// Pure function of the state given; thread-safe.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>

#include "core/result.h"
#include "filter/profile_policy.h"

namespace esafe::enforce {

struct RpzOptions {
  std::string origin = "rpz.esafe.";  // the zone's name
  uint32_t ttl = 300;
  uint32_t serial = 0;                // 0: derived from the current time
  // Answer the DNS-over-HTTPS canary use-application-dns.net with NXDOMAIN, so that
  // browsers (Firefox) keep their queries on this filtered resolver instead of turning
  // on DoH to a resolver outside it. DoH resolvers themselves are the `doh` category.
  bool doh_canary = true;
};

struct RpzStats {
  size_t blocked_domains = 0;
  size_t passthru = 0;
  size_t safe_search = 0;
  size_t skipped = 0;  // entries that are not DNS names (IP literals, bad labels)
  bool doh_canary = false;
};

// Writes the zone for `profile` to `out`. NotFound for an unknown profile.
Result<RpzStats> ExportRpz(const filter::PolicyState& state, std::string_view profile, const RpzOptions& options,
                           std::ostream& out);

// True when `name` can be written as owner name in a zone file without escaping
// (letters, digits, '-' and '_' labels of 1–63 bytes, at most 200 bytes in all).
bool IsZoneName(std::string_view name);

}  // namespace esafe::enforce
