#include "filter/list_line.h"

#include "core/text.h"
#include "filter/canonical_host.h"
#include "filter/canonical_url.h"

namespace esafe::filter {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

std::string_view StripComment(std::string_view line) {
  if (const size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
  return text::Trim(line);
}

bool HasSpace(std::string_view s) {
  for (char c : s) {
    if (IsSpace(c)) return true;
  }
  return false;
}

Result<void> ParseDomain(std::string_view token, std::vector<ListEntry>& out) {
  if (token.starts_with("*.")) token.remove_prefix(2);
  if (token.find_first_of("/?@*") != std::string_view::npos) {
    return Error::Invalid("not a domain name (holds '/', '?', '@' or '*')");
  }
  if (token.find(':') != std::string_view::npos && !token.starts_with('[')) {
    return Error::Invalid("not a domain name (holds ':')");
  }
  auto host = CanonicalHost(token);
  if (!host) return Error::Invalid(host.error().message);
  ListEntry entry;
  entry.kind = EntryKind::kDomain;
  entry.host = std::move(*host);
  out.push_back(std::move(entry));
  return Ok();
}

Result<void> ParseUrl(std::string_view token, std::vector<ListEntry>& out) {
  auto url = CanonicalUrl::Parse(token);
  if (!url) return Error::Invalid(url.error().message);
  ListEntry entry;
  entry.kind = EntryKind::kUrl;
  entry.host = std::string(url->host());
  std::string_view path = url->path();
  // "/awards/" and "/awards" name the same place for a list: both cover "/awards/…".
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  entry.path = std::string(path);
  entry.path += url->query();
  out.push_back(std::move(entry));
  return Ok();
}

bool LooksLikeIpAddress(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    const bool ok = (c >= '0' && c <= '9') || c == '.' || c == ':' || (c >= 'a' && c <= 'f') ||
                    (c >= 'A' && c <= 'F');
    if (!ok) return false;
  }
  return s.find_first_of(".:") != std::string_view::npos;
}

// Names every hosts file maps to itself; they are not block entries.
bool IsHostsFileBoilerplate(std::string_view host) {
  return host == "localhost" || host == "localhost.localdomain" || host == "local" ||
         host == "broadcasthost" || host == "ip6-localhost" || host == "ip6-loopback" ||
         host == "0.0.0.0";
}

}  // namespace

Result<void> ParseListLine(std::string_view line, ListFormat format, std::vector<ListEntry>& out) {
  line = StripComment(line);
  if (line.empty()) return Ok();
  switch (format) {
    case ListFormat::kDomains:
      if (HasSpace(line)) return Error::Invalid("more than one word on a domain line");
      return ParseDomain(line, out);
    case ListFormat::kUrls:
      if (HasSpace(line)) return Error::Invalid("more than one word on a URL line");
      return ParseUrl(line, out);
    case ListFormat::kUrlHashes: {
      auto digest = DigestFromHex(line);
      if (!digest) return Error::Invalid("not a SHA-256 digest (64 hex digits)");
      ListEntry entry;
      entry.kind = EntryKind::kUrlHash;
      entry.digest = *digest;
      out.push_back(std::move(entry));
      return Ok();
    }
    case ListFormat::kHosts: {
      size_t i = 0;
      auto next_token = [&]() {
        while (i < line.size() && IsSpace(line[i])) ++i;
        const size_t start = i;
        while (i < line.size() && !IsSpace(line[i])) ++i;
        return line.substr(start, i - start);
      };
      const std::string_view address = next_token();
      if (!LooksLikeIpAddress(address)) return Error::Invalid("hosts line does not start with an IP address");
      std::vector<ListEntry> parsed;
      bool any_host = false;
      for (std::string_view host = next_token(); !host.empty(); host = next_token()) {
        any_host = true;
        if (IsHostsFileBoilerplate(text::Lower(host))) continue;
        auto added = ParseDomain(host, parsed);
        if (!added) return added;
      }
      if (!any_host) return Error::Invalid("hosts line names no host");
      for (auto& entry : parsed) out.push_back(std::move(entry));
      return Ok();
    }
  }
  return Error::Invalid("unknown list format");
}

Result<ListFormat> ListFormatFromName(std::string_view name) {
  if (name == "domains") return ListFormat::kDomains;
  if (name == "urls") return ListFormat::kUrls;
  if (name == "hosts") return ListFormat::kHosts;
  if (name == "hashes") return ListFormat::kUrlHashes;
  return Error::Invalid("unknown list format '" + std::string(name) + "' (domains, urls, hosts, hashes)", "format");
}

}  // namespace esafe::filter
