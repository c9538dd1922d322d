#include "filter/list_snapshot.h"

#include <absl/hash/hash.h>

namespace esafe::filter {
namespace {

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// True when `entry_path` (lower case, no trailing '/' unless it is "/") covers the
// request's path and query: equal, or a prefix ending at a segment boundary. Paths
// compare without regard to case: many servers ignore it, so "/Awards" must not slip past
// an entry for "/awards".
bool PathCovers(std::string_view entry_path, std::string_view request) {
  if (entry_path == "/") return true;
  if (request.size() < entry_path.size()) return false;
  for (size_t i = 0; i < entry_path.size(); ++i) {
    if (LowerAscii(request[i]) != entry_path[i]) return false;
  }
  if (request.size() == entry_path.size()) return true;
  const char next = request[entry_path.size()];
  if (entry_path.find('?') != std::string_view::npos) return next == '&';
  return next == '/' || next == '?';
}

bool IsIpLiteral(std::string_view host) {
  if (host.empty()) return false;
  if (host.front() == '[') return true;
  return host.back() >= '0' && host.back() <= '9';
}

}  // namespace

ListSnapshot::ListSnapshot()
    : arena_(std::make_unique<std::string>()),
      hosts_(0, HostHash{arena_.get()}, HostEq{arena_.get()}) {}

size_t ListSnapshot::HostHash::operator()(std::string_view host) const {
  return absl::Hash<std::string_view>{}(host);
}
size_t ListSnapshot::HostHash::operator()(const HostRecord& record) const {
  const auto length = static_cast<unsigned char>((*arena)[record.key]);
  return (*this)(std::string_view(arena->data() + record.key + 1, length));
}
std::string_view ListSnapshot::HostEq::View(const HostRecord& record) const {
  const auto length = static_cast<unsigned char>((*arena)[record.key]);
  return std::string_view(arena->data() + record.key + 1, length);
}

std::string_view ListSnapshot::HostKey(const HostRecord& record) const {
  const auto length = static_cast<unsigned char>((*arena_)[record.key]);
  return std::string_view(arena_->data() + record.key + 1, length);
}

std::string_view ListSnapshot::UrlEntry(const UrlRecord& record) const {
  const auto* p = reinterpret_cast<const unsigned char*>(arena_->data() + record.entry);
  const size_t length = static_cast<size_t>(p[0]) << 8 | p[1];
  return std::string_view(arena_->data() + record.entry + 2, length);
}

std::optional<CategoryId> ListSnapshot::FindCategory(std::string_view name) const {
  for (size_t i = 0; i < categories_.size(); ++i) {
    if (categories_[i] == name) return static_cast<CategoryId>(i);
  }
  return std::nullopt;
}

void ListSnapshot::MatchHost(std::string_view host, std::string_view path_and_query, ListMatches& out) const {
  const bool exact_only = IsIpLiteral(host);
  std::string_view suffix = host;
  while (true) {
    if (auto it = hosts_.find(suffix); it != hosts_.end()) {
      const HostRecord& record = *it;
      for (uint32_t i = record.urls_begin; i < record.urls_begin + record.url_count; ++i) {
        const std::string_view entry = UrlEntry(urls_[i]);
        if (PathCovers(entry.substr(urls_[i].host_length), path_and_query)) {
          out.Add({urls_[i].category, EntryKind::kUrl, entry});
        }
      }
      const std::string_view key = HostKey(record);
      for (uint32_t i = record.domains_begin; i < record.domains_begin + record.domain_count; ++i) {
        out.Add({domain_categories_[i], EntryKind::kDomain, key});
      }
    }
    if (exact_only) break;
    const size_t dot = suffix.find('.');
    if (dot == std::string_view::npos) break;
    suffix.remove_prefix(dot + 1);
  }
}

void ListSnapshot::MatchHashes(const CanonicalUrl& url, ListMatches& out) const {
  // Candidates are prefixes of "host/path?query" ending at a path-segment boundary, both
  // with and without the '/', plus the whole string — so a hashed entry, like a plain URL
  // entry, covers its path and below — for the host and, when it starts "www.", the host
  // without it. Deeper than kMaxSegments the URL is matched whole only, which bounds the
  // SHA-256 work per request.
  constexpr int kMaxSegments = 4;
  auto probe = [&](std::string_view candidate) {
    if (auto it = hashes_.find(Sha256(candidate)); it != hashes_.end()) {
      out.Add({it->second.category, EntryKind::kUrlHash, std::string_view(arena_->data() + it->second.hex, 64)});
    }
  };
  const std::string_view whole = url.host_and_path();
  const size_t host_length = url.host().size();
  const std::string_view path = url.path();
  auto probe_host = [&](size_t skip) {
    const std::string_view text = whole.substr(skip);
    const size_t path_start = host_length - skip;
    int segments = 0;
    for (size_t i = 0; i < path.size() && segments < kMaxSegments; ++i) {
      if (path[i] != '/') continue;
      if (i > 0) probe(text.substr(0, path_start + i));  // "/a" (without the slash)
      probe(text.substr(0, path_start + i + 1));           // "/", "/a/"
      ++segments;
    }
    if (path.size() > 1 && path.back() != '/') probe(text.substr(0, path_start + path.size()));
    if (!url.query().empty()) probe(text);
  };
  probe_host(0);
  if (url.host().starts_with("www.")) probe_host(4);
}

void ListSnapshot::Match(const CanonicalUrl& url, ListMatches& out) const {
  MatchHost(url.host(), url.path_and_query(), out);
  if (!hashes_.empty()) MatchHashes(url, out);
}

}  // namespace esafe::filter
