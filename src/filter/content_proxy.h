// ContentProxies: the known content proxies — services that fetch a page for the pupil and
// serve it from their own host (Google Translate, AMP caches, web archives and caches) —
// and how to recover the URL each one wraps, so that a blocked page is blocked whichever
// host it comes through. The table is data a partnership owns (data/filter/content-proxies.yaml,
// named by the profiles file's `content_proxies:`); docs/filter.md describes the format.
//
// A proxy gives the wrapped URL in one or more of three ways, tried in this order:
//   - from_path:  the path after a prefix ("/web/*/" — '*' is one segment of any text —
//                 "/c/s/"), with a scheme for a remainder that has none;
//   - from_query: a query parameter ("u", or "q" after the prefix "cache:");
//   - from_host:  the labels before a "*.suffix" host pattern, with "--" for '-' and '-'
//                 for '.' (some--site-example.translate.goog is some-site.example). This
//                 works on a CONNECT host, where no path is seen.
//
// A ContentProxies is immutable once parsed and safe to share between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "filter/canonical_url.h"
#include "filter/profile_set.h"

namespace esafe::filter {

struct ContentProxy {
  struct HostPattern {
    std::string host;         // canonical host, without the "*."
    bool subdomains = false;  // "*.host": any subdomain of host, not host itself
  };
  struct PathForm {
    std::string prefix;  // "/web/*/": starts and ends with '/'; '*' is one segment
    std::string scheme;  // for a remainder without one: "http" or "https"
  };
  struct QueryForm {
    std::string parameter;  // "u"
    std::string prefix;     // stripped from the value when present ("cache:"); "" for none
    std::string scheme;     // for a value without one
  };
  std::string name;
  std::vector<HostPattern> hosts;
  bool from_host = false;
  std::vector<PathForm> from_path;
  std::vector<QueryForm> from_query;
  size_t line = 0;
};

class ContentProxies {
 public:
  // How many proxies deep Unwrap follows (a translated archive of a cached page …).
  static constexpr int kMaxDepth = 4;

  // Parses the YAML text of a content-proxy file. Every problem goes to `problems` as
  // FILE:LINE: reason; on any, returns Invalid with the first.
  static Result<std::shared_ptr<const ContentProxies>> Parse(std::string_view text, const std::string& source,
                                                             std::vector<ProfileProblem>& problems);
  // Reads and parses `path`; NotFound when it cannot be read.
  static Result<std::shared_ptr<const ContentProxies>> Load(const std::filesystem::path& path,
                                                            std::vector<ProfileProblem>& problems);

  // The proxy whose host pattern `host` (canonical) matches, or nullptr. Cheap: a length
  // check and a compare per pattern, no allocation — what keeps ordinary hosts fast.
  const ContentProxy* Find(std::string_view host) const;

  // The URL `url` wraps, following proxies up to kMaxDepth deep, or nullopt when `url` is
  // not through a known proxy or carries no URL that can be read (a proxy's home page).
  std::optional<CanonicalUrl> Unwrap(const CanonicalUrl& url) const;

  const std::vector<ContentProxy>& proxies() const { return proxies_; }
  const std::string& version() const { return version_; }
  const std::string& source() const { return source_; }

 private:
  struct Pattern {
    std::string_view host;  // points into proxies_
    bool subdomains = false;
    uint32_t proxy = 0;
  };
  std::optional<CanonicalUrl> UnwrapOnce(const ContentProxy& proxy, const CanonicalUrl& url) const;

  std::vector<ContentProxy> proxies_;
  std::vector<Pattern> patterns_;
  std::string version_;
  std::string source_;
};

// Decides `url` with `decide` (a callable taking a CanonicalUrl by value and returning a
// decision with `action`, `mandatory`, `canonical` and `via`). When `url` goes through a
// known proxy, the wrapped URL is decided too and the stricter decision is returned (a
// mandatory block first, then block, warn, allow; on a tie the wrapped URL's, which names
// what was asked for), with `canonical` the wrapped URL and `via` the proxy's URL. An
// ordinary host costs one ContentProxies::Find and `url` is moved, not copied.
template <typename Decide>
auto DecideThroughProxies(const ContentProxies* proxies, CanonicalUrl url, Decide&& decide) {
  if (proxies && proxies->Find(url.host())) {
    if (auto wrapped = proxies->Unwrap(url)) {
      auto own = decide(url);
      auto inner = decide(*wrapped);
      const bool own_stricter =
          own.action > inner.action || (own.action == inner.action && own.mandatory && !inner.mandatory);
      auto chosen = own_stricter ? std::move(own) : std::move(inner);
      chosen.via = url.spec();
      chosen.canonical = std::move(*wrapped);
      return chosen;
    }
  }
  return decide(std::move(url));
}

}  // namespace esafe::filter
