// Safe search: how a request to a search engine is rewritten so that the engine filters
// its own results — Google `safe=active`, Bing `adlt=strict`, DuckDuckGo `kp=1`, and
// YouTube restricted mode through the `YouTube-Restrict: Strict` request header — and the
// host names a DNS policy zone maps to each engine's safe-search address.
//
// Only plain-HTTP requests (or HTTPS the proxy intercepts) can be rewritten; HTTPS without
// interception is covered by the RPZ mapping instead. Pure functions, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace esafe::enforce {

struct SafeSearchRewrite {
  std::string url;  // the request URL to use instead (equal to the input when unchanged)
  std::vector<std::pair<std::string, std::string>> set_headers;  // headers to set (replace)
  std::string engine;  // "google", "bing", "duckduckgo", "youtube"
};

// The rewrite for `url` (an absolute http(s) URL, as a proxy sees it) or nullopt when it
// is not a search-engine request that safe search applies to. Existing values of the
// parameter are replaced, so "safe=off" becomes "safe=active".
std::optional<SafeSearchRewrite> RewriteForSafeSearch(std::string_view url);

// DNS names and the safe-search host they should resolve to (for the RPZ zone):
// ("www.google.com", "forcesafesearch.google.com"), ("www.bing.com", "strict.bing.com"), …
const std::vector<std::pair<std::string, std::string>>& SafeSearchDnsMappings();

}  // namespace esafe::enforce
