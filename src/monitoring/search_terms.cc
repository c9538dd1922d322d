// The words someone searched for, read back out of a search-engine or video-site URL.
// Only the engines' own search pages count: a "q=" on any other site is not a search
// a child typed, and matching it would raise alerts nobody can act on.
#include <algorithm>
#include <array>

#include "monitoring/monitoring.h"

namespace esafe::monitoring {
namespace {

struct Engine {
  std::string_view name;
  std::string_view domain;       // the host, or a parent domain of it (after "www."/"m.")
  bool any_tld;                  // "google" matches google.com, google.co.uk, …
  std::string_view path_prefix;  // "" for any path
  std::array<std::string_view, 3> params;
};

constexpr Engine kEngines[] = {
    {"google", "google", true, "/search", {"q", "as_q", ""}},
    {"google", "google", true, "/webhp", {"q", "", ""}},
    {"google", "google", true, "/images", {"q", "", ""}},
    {"bing", "bing.com", false, "/search", {"q", "", ""}},
    {"bing", "bing.com", false, "/images/search", {"q", "", ""}},
    {"bing", "bing.com", false, "/videos/search", {"q", "", ""}},
    {"duckduckgo", "duckduckgo.com", false, "", {"q", "", ""}},
    {"youtube", "youtube.com", false, "/results", {"search_query", "q", ""}},
    {"yahoo", "search.yahoo.com", false, "", {"p", "q", ""}},
    {"ecosia", "ecosia.org", false, "/search", {"q", "", ""}},
    {"yandex", "yandex", true, "/search", {"text", "", ""}},
    {"baidu", "baidu.com", false, "/s", {"wd", "word", ""}},
    {"ask", "ask.com", false, "/web", {"q", "", ""}},
    {"brave", "search.brave.com", false, "/search", {"q", "", ""}},
    {"startpage", "startpage.com", false, "", {"query", "q", ""}},
    {"qwant", "qwant.com", false, "", {"q", "", ""}},
    {"tiktok", "tiktok.com", false, "/search", {"q", "", ""}},
    {"vimeo", "vimeo.com", false, "/search", {"q", "", ""}},
    {"reddit", "reddit.com", false, "/search", {"q", "", ""}},
};

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = Lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool EndsWithDomain(std::string_view host, std::string_view domain) {
  if (host == domain) return true;
  return host.size() > domain.size() && host.ends_with(domain) && host[host.size() - domain.size() - 1] == '.';
}

// "google" against google.com, google.co.uk, images.google.de: a label of the host
// that is followed by a public suffix of at most two short labels.
bool HasLabelBeforeTld(std::string_view host, std::string_view label) {
  size_t pos = 0;
  while ((pos = host.find(label, pos)) != std::string_view::npos) {
    const bool starts = pos == 0 || host[pos - 1] == '.';
    const size_t end = pos + label.size();
    if (starts && end < host.size() && host[end] == '.') {
      auto rest = host.substr(end + 1);
      const auto dots = std::count(rest.begin(), rest.end(), '.');
      if (dots <= 1 && rest.size() <= 8) return true;
    }
    pos = end;
  }
  return false;
}

// Percent- and plus-decodes a form value; nullopt on a malformed escape.
std::optional<std::string> FormDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      const int hi = HexValue(in[i + 1]), lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

// Lower-cases ASCII, turns control characters and runs of white space into one
// space, trims, and cuts at kMaxSearchBytes on a UTF-8 boundary.
std::string Normalise(std::string_view in) {
  std::string out;
  out.reserve(std::min(in.size(), kMaxSearchBytes));
  bool space = true;  // drop leading space
  for (char c : in) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) {
      if (!space) out += ' ';
      space = true;
      continue;
    }
    out += Lower(c);
    space = false;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (out.size() > kMaxSearchBytes) {
    size_t cut = kMaxSearchBytes;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
  }
  return out;
}

// The value of `key` among "a=1&b=2" pairs (also ';'-separated); nullopt when absent.
std::optional<std::string_view> Param(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    const size_t amp = query.find_first_of("&;");
    const auto pair = query.substr(0, amp);
    const size_t eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == key) return pair.substr(eq + 1);
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

}  // namespace

std::optional<SearchQuery> ExtractSearch(std::string_view url) {
  if (url.size() > activity::kMaxUrlBytes) return std::nullopt;
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::nullopt;
  auto rest = url.substr(scheme + 3);
  const size_t host_end = rest.find_first_of("/?#");
  auto authority = rest.substr(0, host_end);
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  if (const size_t colon = authority.find(':'); colon != std::string_view::npos) authority = authority.substr(0, colon);
  std::string host;
  for (char c : authority) host += Lower(c);
  while (!host.empty() && host.back() == '.') host.pop_back();
  std::string_view h = host;
  for (std::string_view strip : {"www.", "m."}) {
    if (h.starts_with(strip)) h.remove_prefix(strip.size());
  }
  if (h.empty()) return std::nullopt;

  auto tail = host_end == std::string_view::npos ? std::string_view() : rest.substr(host_end);
  std::string_view path = tail.substr(0, tail.find_first_of("?#"));
  if (path.empty()) path = "/";
  std::string_view query, fragment;
  if (const size_t q = tail.find('?'); q != std::string_view::npos) {
    query = tail.substr(q + 1);
    query = query.substr(0, query.find('#'));
  }
  if (const size_t f = tail.find('#'); f != std::string_view::npos) fragment = tail.substr(f + 1);

  for (const auto& e : kEngines) {
    const bool host_ok = e.any_tld ? HasLabelBeforeTld(h, e.domain) : EndsWithDomain(h, e.domain);
    if (!host_ok) continue;
    if (!e.path_prefix.empty() && path != e.path_prefix && !path.starts_with(std::string(e.path_prefix) + "/")) {
      // Google's instant search keeps the words in the fragment of the home page.
      if (!(e.name == "google" && path == "/" && !fragment.empty())) continue;
    }
    for (auto key : e.params) {
      if (key.empty()) break;
      for (auto part : {query, fragment}) {
        auto raw = Param(part, key);
        if (!raw) continue;
        auto decoded = FormDecode(*raw);
        if (!decoded) return std::nullopt;
        auto text = Normalise(*decoded);
        if (text.empty()) continue;
        return SearchQuery{std::string(e.name), std::move(text)};
      }
    }
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace esafe::monitoring
