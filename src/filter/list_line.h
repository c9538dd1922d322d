// ListLine: one line of a filtering list file, parsed into the entries it holds.
//
// Formats:
//   kDomains   — "example.com" (an entry covers its subdomains; "*.example.com" and
//                ".example.com" mean the same); squidGuard/UT1 `domains` files.
//   kUrls      — "example.com/path" or "http://example.com/path" (covers that path and
//                below); squidGuard/UT1 `urls` files.
//   kHosts     — hosts-file lines, "0.0.0.0 ads.example tracker.example".
//   kUrlHashes — 64 hex digits, the SHA-256 of a canonical URL (see url_hash.h).
// Everything after '#' is a comment; blank lines hold nothing. Pure functions, safe to
// call from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "filter/url_hash.h"

namespace esafe::filter {

enum class ListFormat { kDomains, kUrls, kHosts, kUrlHashes };

enum class EntryKind { kDomain, kUrl, kUrlHash };

// One list entry in canonical form.
struct ListEntry {
  EntryKind kind = EntryKind::kDomain;
  std::string host;  // canonical host (kDomain, kUrl)
  std::string path;  // canonical path and query, "/a/b" (kUrl); a trailing '/' is removed
  UrlDigest digest{};  // kUrlHash
};

// Parses one line. On success appends its entries to `out` (none for a blank or comment
// line; several for a hosts line naming several hosts). On failure returns Invalid with a
// reason written for the person who maintains the list, and appends nothing.
Result<void> ParseListLine(std::string_view line, ListFormat format, std::vector<ListEntry>& out);

// "domains", "urls", "hosts", "hashes" -> format; nullopt-like Invalid for anything else.
Result<ListFormat> ListFormatFromName(std::string_view name);

}  // namespace esafe::filter
