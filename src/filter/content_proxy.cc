#include "filter/content_proxy.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "filter/canonical_host.h"
#include "filter/data_file_reader.h"

namespace esafe::filter {
namespace {

using ProxyReader = internal::DataFileReader;

bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// True when `text` starts with a URL scheme followed by a slash ("https:/x", "ftp://x"):
// such a remainder is a URL of its own; "host:8080/x" is not.
bool HasScheme(std::string_view text) {
  if (text.empty() || !IsAsciiAlpha(text[0])) return false;
  for (size_t i = 1; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ':') return i + 1 < text.size() && (text[i + 1] == '/' || text[i + 1] == '\\');
    if (!IsAsciiAlpha(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.') return false;
  }
  return false;
}

// Parses what a proxy wrapped: a URL with its own scheme, or host and path that take
// `scheme`. Nothing (a proxy's home page, a search box) or garbage wraps nothing.
std::optional<CanonicalUrl> ParseWrapped(std::string_view text, std::string_view scheme) {
  if (text.empty()) return std::nullopt;
  Result<CanonicalUrl> parsed = HasScheme(text) ? CanonicalUrl::Parse(text)
                                                : CanonicalUrl::Parse(std::string(scheme) + "://" + std::string(text));
  if (!parsed) return std::nullopt;
  return std::move(*parsed);
}

// Matches `prefix` ('*' = one path segment) at the start of `path`; returns the length of
// `path` it covers, or npos.
size_t MatchPrefix(std::string_view prefix, std::string_view path) {
  size_t p = 0;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (prefix[i] == '*') {
      const size_t slash = path.find('/', p);
      if (slash == std::string_view::npos || slash == p) return std::string_view::npos;
      p = slash;
      continue;
    }
    if (p >= path.size() || path[p] != prefix[i]) return std::string_view::npos;
    ++p;
  }
  return p;
}

// "some--site-example" → "some-site.example" (Google's translate.goog and AMP cache form).
std::string DecodeDashes(std::string_view encoded) {
  std::string out;
  out.reserve(encoded.size());
  for (size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] == '-' && i + 1 < encoded.size() && encoded[i + 1] == '-') {
      out.push_back('-');
      ++i;
    } else {
      out.push_back(encoded[i] == '-' ? '.' : encoded[i]);
    }
  }
  return out;
}

std::optional<std::string> ReadScheme(ProxyReader& r, const YAML::Node& node, std::string_view fallback) {
  auto scheme = r.Text(node, "scheme", false, "a form");
  if (!scheme) return std::string(fallback);
  if (*scheme != "http" && *scheme != "https") {
    r.Problem(node["scheme"], "'scheme' must be http or https");
    return std::nullopt;
  }
  return *scheme;
}

void ReadProxy(ProxyReader& r, const YAML::Node& node, ContentProxy& proxy, std::set<std::string>& seen_hosts) {
  r.OnlyKeys(node, {"name", "host", "from_host", "from_path", "from_query"}, "a content proxy");
  proxy.line = ProxyReader::Line(node);
  if (auto name = r.Text(node, "name", true, "a content proxy")) proxy.name = *name;

  std::vector<std::string> hosts;
  if (const YAML::Node host = node["host"]; !host) {
    r.Problem(node, "a content proxy needs 'host': a host name or \"*.suffix\", or a list of them");
  } else if (host.IsScalar()) {
    hosts.push_back(host.Scalar());
  } else {
    hosts = r.Strings(node, "host");
  }
  for (const std::string& text : hosts) {
    ContentProxy::HostPattern pattern;
    std::string_view name = text;
    if (name.substr(0, 2) == "*.") {
      pattern.subdomains = true;
      name.remove_prefix(2);
    }
    auto canonical = CanonicalHost(name);
    if (!canonical || canonical->find_first_of("*/%") != std::string::npos || canonical->find('.') == std::string::npos) {
      r.Problem(node["host"], "'" + text + "' is not a host name or \"*.\" and a host name with a dot");
      continue;
    }
    pattern.host = *canonical;
    if (!seen_hosts.insert((pattern.subdomains ? "*." : "") + pattern.host).second) {
      r.Problem(node["host"], "host '" + text + "' is given for two content proxies");
      continue;
    }
    proxy.hosts.push_back(std::move(pattern));
  }

  proxy.from_host = r.Bool(node, "from_host");
  if (proxy.from_host) {
    bool any_wildcard = false;
    for (const auto& pattern : proxy.hosts) any_wildcard = any_wildcard || pattern.subdomains;
    if (!any_wildcard && !proxy.hosts.empty()) {
      r.Problem(node["from_host"], "'from_host' needs a \"*.suffix\" host: the wrapped host is the labels before it");
    }
  }

  if (const YAML::Node forms = node["from_path"]) {
    if (!forms.IsSequence()) {
      r.Problem(forms, "'from_path' must be a list of {prefix, scheme}");
    } else {
      for (const auto& form : forms) {
        if (!form.IsMap()) {
          r.Problem(form, "a path form is a map with 'prefix' and optionally 'scheme'");
          continue;
        }
        r.OnlyKeys(form, {"prefix", "scheme"}, "a path form");
        ContentProxy::PathForm path;
        if (auto prefix = r.Text(form, "prefix", true, "a path form")) {
          if (prefix->front() != '/' || prefix->back() != '/' || prefix->find("**") != std::string::npos) {
            r.Problem(form["prefix"], "a path prefix starts and ends with '/', e.g. /web/*/ ('*' is one segment)");
          }
          path.prefix = *prefix;
        }
        if (auto scheme = ReadScheme(r, form, "http")) path.scheme = *scheme;
        proxy.from_path.push_back(std::move(path));
      }
    }
  }
  if (const YAML::Node forms = node["from_query"]) {
    if (!forms.IsSequence()) {
      r.Problem(forms, "'from_query' must be a list of {parameter, prefix, scheme}");
    } else {
      for (const auto& form : forms) {
        if (!form.IsMap()) {
          r.Problem(form, "a query form is a map with 'parameter' and optionally 'prefix' and 'scheme'");
          continue;
        }
        r.OnlyKeys(form, {"parameter", "prefix", "scheme"}, "a query form");
        ContentProxy::QueryForm query;
        if (auto parameter = r.Text(form, "parameter", true, "a query form")) {
          if (parameter->find_first_of("&=?#") != std::string::npos) {
            r.Problem(form["parameter"], "a query parameter name cannot hold '&', '=', '?' or '#'");
          }
          query.parameter = *parameter;
        }
        if (auto prefix = r.Text(form, "prefix", false, "a query form")) query.prefix = *prefix;
        if (auto scheme = ReadScheme(r, form, "http")) query.scheme = *scheme;
        proxy.from_query.push_back(std::move(query));
      }
    }
  }
  if (!proxy.from_host && proxy.from_path.empty() && proxy.from_query.empty()) {
    r.Problem(node, "content proxy '" + proxy.name + "' says nowhere to find the wrapped URL: give from_host, "
                    "from_path or from_query");
  }
}

}  // namespace

Result<std::shared_ptr<const ContentProxies>> ContentProxies::Parse(std::string_view text, const std::string& source,
                                                                    std::vector<ProfileProblem>& problems) {
  const size_t before = problems.size();
  ProxyReader r(source, problems);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::ParserException& e) {
    problems.push_back({source, static_cast<size_t>(std::max(e.mark.line, 0)) + 1, "not valid YAML: " + e.msg});
    return Error::Invalid(FormatProblem(problems.back()));
  }
  if (!root.IsMap()) {
    problems.push_back({source, 1, "a content-proxy file is a map with 'version' and 'proxies'"});
    return Error::Invalid(FormatProblem(problems.back()));
  }
  auto proxies = std::make_shared<ContentProxies>();
  proxies->source_ = source;
  r.OnlyKeys(root, {"version", "proxies"}, "the content-proxy file");
  if (auto version = r.Text(root, "version", true, "the content-proxy file")) proxies->version_ = *version;
  std::set<std::string> seen_hosts;
  if (const YAML::Node list = root["proxies"]; !list || !list.IsSequence()) {
    r.Problem(list ? list : root, "'proxies' must be a list of content proxies");
  } else {
    for (const auto& node : list) {
      if (!node.IsMap()) {
        r.Problem(node, "a content proxy is a map with name, host and from_host/from_path/from_query");
        continue;
      }
      ContentProxy proxy;
      ReadProxy(r, node, proxy, seen_hosts);
      proxies->proxies_.push_back(std::move(proxy));
    }
  }
  if (problems.size() > before) return Error::Invalid(FormatProblem(problems[before]));
  for (uint32_t i = 0; i < proxies->proxies_.size(); ++i) {
    for (const auto& pattern : proxies->proxies_[i].hosts) {
      proxies->patterns_.push_back({pattern.host, pattern.subdomains, i});
    }
  }
  return std::shared_ptr<const ContentProxies>(std::move(proxies));
}

Result<std::shared_ptr<const ContentProxies>> ContentProxies::Load(const std::filesystem::path& path,
                                                                   std::vector<ProfileProblem>& problems) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::NotFound("cannot read content-proxy file " + path.string());
  std::ostringstream contents;
  contents << in.rdbuf();
  return Parse(contents.str(), path.string(), problems);
}

const ContentProxy* ContentProxies::Find(std::string_view host) const {
  for (const Pattern& pattern : patterns_) {
    const size_t n = pattern.host.size();
    if (pattern.subdomains) {
      if (host.size() > n + 1 && host[host.size() - n - 1] == '.' && host.substr(host.size() - n) == pattern.host) {
        return &proxies_[pattern.proxy];
      }
    } else if (host.size() == n && host == pattern.host) {
      return &proxies_[pattern.proxy];
    }
  }
  return nullptr;
}

std::optional<CanonicalUrl> ContentProxies::UnwrapOnce(const ContentProxy& proxy, const CanonicalUrl& url) const {
  const std::string_view path = url.path();
  for (const auto& form : proxy.from_path) {
    const size_t covered = MatchPrefix(form.prefix, path);
    if (covered == std::string_view::npos) continue;
    if (auto wrapped = ParseWrapped(url.path_and_query().substr(covered), form.scheme)) return wrapped;
  }
  std::string_view query = url.query();
  if (!query.empty()) query.remove_prefix(1);
  for (const auto& form : proxy.from_query) {
    std::string_view rest = query;
    while (!rest.empty()) {
      const size_t amp = rest.find('&');
      const std::string_view pair = rest.substr(0, amp);
      rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
      const size_t eq = pair.find('=');
      if (eq == std::string_view::npos || pair.substr(0, eq) != form.parameter) continue;
      std::string_view value = pair.substr(eq + 1);
      if (!form.prefix.empty()) {
        if (value.substr(0, form.prefix.size()) != form.prefix) continue;
        value.remove_prefix(form.prefix.size());
      }
      if (auto wrapped = ParseWrapped(value, form.scheme)) return wrapped;
      // Google cache's "cache:ID:URL": an id of letters, digits, '-' and '_', then the URL.
      const size_t colon = value.find(':');
      if (colon != std::string_view::npos && colon > 0 &&
          std::all_of(value.begin(), value.begin() + colon, [](char c) {
            return IsAsciiAlpha(c) || (c >= '0' && c <= '9') || c == '-' || c == '_';
          })) {
        if (auto wrapped = ParseWrapped(value.substr(colon + 1), form.scheme)) return wrapped;
      }
    }
  }
  if (proxy.from_host) {
    const std::string_view host = url.host();
    for (const auto& pattern : proxy.hosts) {
      const size_t n = pattern.host.size();
      if (!pattern.subdomains || host.size() <= n + 1 || host.substr(host.size() - n) != pattern.host) continue;
      const std::string decoded = DecodeDashes(host.substr(0, host.size() - n - 1));
      // The wrapped site's path and query travel unchanged (translate.goog adds its own
      // _x_tr_* parameters, which no list names).
      auto wrapped = CanonicalUrl::Parse(std::string(url.scheme()) + "://" + decoded + std::string(url.path_and_query()));
      if (wrapped && wrapped->host().find('.') != std::string_view::npos) return std::move(*wrapped);
    }
  }
  return std::nullopt;
}

std::optional<CanonicalUrl> ContentProxies::Unwrap(const CanonicalUrl& url) const {
  std::optional<CanonicalUrl> wrapped;
  const CanonicalUrl* current = &url;
  for (int depth = 0; depth < kMaxDepth; ++depth) {
    const ContentProxy* proxy = Find(current->host());
    if (!proxy) break;
    auto next = UnwrapOnce(*proxy, *current);
    if (!next) break;
    wrapped = std::move(next);
    current = &*wrapped;
  }
  return wrapped;
}

}  // namespace esafe::filter
