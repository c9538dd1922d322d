#include "enforce/safe_search.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace esafe::enforce {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// Google's country domains that schools' filters commonly map; "google.<tld>" and
// "google.co.<cc>"/"google.com.<cc>" are recognised generally below.
constexpr std::array<std::string_view, 12> kGoogleTlds = {"com", "co.uk", "ie", "fr", "de", "es",
                                                          "it", "nl", "be", "ca", "com.au", "co.in"};

bool IsGoogleHost(std::string_view host) {
  if (host.starts_with("www.")) host.remove_prefix(4);
  if (!host.starts_with("google.")) return false;
  const std::string_view tld = host.substr(7);
  if (tld.empty() || tld.size() > 6) return false;
  // "com", "co.uk", "com.au", "de": one or two short labels.
  const size_t dots = static_cast<size_t>(std::count(tld.begin(), tld.end(), '.'));
  return dots <= 1 && std::all_of(tld.begin(), tld.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '.'; });
}

bool IsYouTubeHost(std::string_view host) {
  return host == "youtube.com" || host == "www.youtube.com" || host == "m.youtube.com" ||
         host == "youtubei.googleapis.com" || host == "youtube.googleapis.com" || host == "www.youtube-nocookie.com";
}

// Returns `url` with query parameter `name` set to `value` (replacing every existing one).
std::string SetQueryParameter(std::string_view url, std::string_view name, std::string_view value) {
  std::string_view fragment;
  if (size_t hash = url.find('#'); hash != std::string_view::npos) {
    fragment = url.substr(hash);
    url = url.substr(0, hash);
  }
  const size_t question = url.find('?');
  std::string out(url.substr(0, question));
  std::string query;
  if (question != std::string_view::npos) {
    std::string_view rest = url.substr(question + 1);
    while (!rest.empty()) {
      const size_t amp = rest.find('&');
      const std::string_view pair = rest.substr(0, amp);
      rest.remove_prefix(amp == std::string_view::npos ? rest.size() : amp + 1);
      const std::string_view key = pair.substr(0, pair.find('='));
      if (pair.empty() || Lower(key) == name) continue;
      query += (query.empty() ? "" : "&") + std::string(pair);
    }
  }
  query += (query.empty() ? "" : "&") + std::string(name) + "=" + std::string(value);
  return out + "?" + query + std::string(fragment);
}

}  // namespace

std::optional<SafeSearchRewrite> RewriteForSafeSearch(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  const std::string scheme = Lower(url.substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") return std::nullopt;
  const size_t authority = scheme_end + 3;
  const size_t path_start = url.find_first_of("/?#", authority);
  std::string_view host_port = url.substr(authority, path_start == std::string_view::npos ? url.npos : path_start - authority);
  if (size_t at = host_port.rfind('@'); at != std::string_view::npos) host_port.remove_prefix(at + 1);
  std::string host = Lower(host_port.substr(0, host_port.find(':')));
  while (!host.empty() && host.back() == '.') host.pop_back();
  const std::string_view path = path_start == std::string_view::npos ? std::string_view("/") : url.substr(path_start);

  SafeSearchRewrite rewrite;
  if (IsYouTubeHost(host)) {
    rewrite.engine = "youtube";
    rewrite.url = std::string(url);
    rewrite.set_headers.emplace_back("YouTube-Restrict", "Strict");
    return rewrite;
  }
  if (IsGoogleHost(host)) {
    if (!(path.starts_with("/search") || path.starts_with("/images") || path.starts_with("/webhp") ||
          path.starts_with("/?") || path == "/")) {
      return std::nullopt;
    }
    rewrite.engine = "google";
    rewrite.url = SetQueryParameter(url, "safe", "active");
    return rewrite;
  }
  if (host == "bing.com" || host == "www.bing.com") {
    if (!(path.starts_with("/search") || path.starts_with("/images/search") || path.starts_with("/videos/search"))) {
      return std::nullopt;
    }
    rewrite.engine = "bing";
    rewrite.url = SetQueryParameter(url, "adlt", "strict");
    return rewrite;
  }
  if (host == "duckduckgo.com" || host == "www.duckduckgo.com" || host == "html.duckduckgo.com") {
    if (path.find("q=") == std::string_view::npos) return std::nullopt;
    rewrite.engine = "duckduckgo";
    rewrite.url = SetQueryParameter(url, "kp", "1");
    return rewrite;
  }
  return std::nullopt;
}

const std::vector<std::pair<std::string, std::string>>& SafeSearchDnsMappings() {
  static const auto* mappings = [] {
    auto* out = new std::vector<std::pair<std::string, std::string>>();
    for (auto tld : kGoogleTlds) {
      out->emplace_back("google." + std::string(tld), "forcesafesearch.google.com");
      out->emplace_back("www.google." + std::string(tld), "forcesafesearch.google.com");
    }
    for (const char* host : {"bing.com", "www.bing.com"}) out->emplace_back(host, "strict.bing.com");
    for (const char* host : {"duckduckgo.com", "www.duckduckgo.com"}) out->emplace_back(host, "safe.duckduckgo.com");
    for (const char* host : {"youtube.com", "www.youtube.com", "m.youtube.com", "youtubei.googleapis.com",
                             "youtube.googleapis.com", "www.youtube-nocookie.com"}) {
      out->emplace_back(host, "restrict.youtube.com");
    }
    return out;
  }();
  return *mappings;
}

}  // namespace esafe::enforce
