// ListSnapshot: an immutable, loaded set of category lists, laid out for fast lookup.
//
// Hosts (domain entries and the hosts of URL entries) live once each in a flat hash set
// keyed by offsets into one arena of host text; a lookup walks the request host's
// suffixes label by label ("a.b.example.com", "b.example.com", "example.com", "com"),
// one hash probe each, so a domain entry covers its subdomains. URL entries hang off their
// host, longest path first, and match at a path-segment boundary. Hashed URL entries are
// probed with the digests of the request's host/path prefixes (see Match()).
//
// A snapshot never changes once built (ListSnapshotBuilder makes them), so any number of
// threads may call its const methods concurrently without synchronisation. Hold it in a
// std::shared_ptr: FilterEngine swaps whole snapshots when lists are reloaded.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include "filter/canonical_url.h"
#include "filter/list_line.h"
#include "filter/url_hash.h"

namespace esafe::filter {

using CategoryId = uint16_t;

// One list entry that matched a URL. `entry` points into the snapshot, which must outlive
// the match: the scheme-less entry as listed in canonical form ("example.com",
// "example.com/path") or, for hashed entries, the 64-digit hex digest.
struct ListMatch {
  CategoryId category = 0;
  EntryKind kind = EntryKind::kDomain;
  std::string_view entry;
};

// Matches for one URL, most specific first. Fixed capacity so that matching allocates
// nothing; a URL listed in more categories than this keeps the most specific ones.
struct ListMatches {
  static constexpr size_t kCapacity = 16;
  std::array<ListMatch, kCapacity> items;
  size_t size = 0;

  void Add(const ListMatch& match) {
    if (size < kCapacity) items[size++] = match;
  }
  const ListMatch* begin() const { return items.data(); }
  const ListMatch* end() const { return items.data() + size; }
};

class ListSnapshot {
 public:
  // Appends to `out` every entry that covers `url`, most specific first: for each host
  // suffix from the full host down, that host's URL entries (longest path first) then its
  // domain entries; hashed entries last. Allocates nothing except when hashed lists are
  // loaded (then it hashes a handful of host/path prefixes).
  void Match(const CanonicalUrl& url, ListMatches& out) const;

  // Category names, in the order they were added; ids index this vector.
  const std::vector<std::string>& categories() const { return categories_; }
  std::string_view category_name(CategoryId id) const { return categories_[id]; }
  std::optional<CategoryId> FindCategory(std::string_view name) const;

  // Calls fn(host, category) for every domain entry, in no particular order: what a DNS
  // policy zone is exported from. URL and hashed entries have no DNS form and are skipped.
  template <typename Fn>
  void ForEachDomain(Fn&& fn) const {
    for (const HostRecord& record : hosts_) {
      const std::string_view host = HostKey(record);
      for (uint32_t i = record.domains_begin; i < record.domains_begin + record.domain_count; ++i) {
        fn(host, domain_categories_[i]);
      }
    }
  }

  size_t domain_count() const { return domain_categories_.size(); }
  size_t url_count() const { return urls_.size(); }
  size_t hash_count() const { return hashes_.size(); }
  // A process-wide increasing number, different for every snapshot built: tells this
  // process's snapshots apart (hot reload, the ICAP ISTag). Not logged: see digest().
  uint64_t generation() const { return generation_; }
  // BLAKE2b (64 lower-case hex digits) of the content: every category name, and every
  // domain, URL and hashed entry with its category's name, after canonicalisation and
  // merging of duplicates, in an order that does not depend on the load order. The same
  // lists give the same digest in every process; any changed entry or category another.
  // PolicyState::Version() records it as the list version.
  const std::string& digest() const { return digest_; }

 private:
  friend class ListSnapshotBuilder;

  // Where a host's entries are. `key` is an arena offset: one length byte, then the host.
  struct HostRecord {
    uint32_t key = 0;
    uint32_t domains_begin = 0;  // into domain_categories_
    uint32_t urls_begin = 0;     // into urls_
    uint16_t domain_count = 0;
    uint16_t url_count = 0;
  };
  struct UrlRecord {
    uint32_t entry = 0;        // arena offset of "host/path" (length-prefixed, 2 bytes)
    uint16_t host_length = 0;  // the path starts this far into the entry
    CategoryId category = 0;
  };
  struct HashRecord {
    uint32_t hex = 0;  // arena offset of the 64 hex digits
    CategoryId category = 0;
  };

  // Hashes and compares HostRecords by their host text, and looks them up by
  // std::string_view without building a record (heterogeneous lookup).
  struct HostHash {
    using is_transparent = void;
    const std::string* arena = nullptr;
    size_t operator()(std::string_view host) const;
    size_t operator()(const HostRecord& record) const;
  };
  struct HostEq {
    using is_transparent = void;
    const std::string* arena = nullptr;
    std::string_view View(const HostRecord& r) const;
    std::string_view View(std::string_view s) const { return s; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const { return View(a) == View(b); }
  };

  std::string_view HostKey(const HostRecord& record) const;
  std::string_view UrlEntry(const UrlRecord& record) const;
  void MatchHost(std::string_view host, std::string_view path_and_query, ListMatches& out) const;
  void MatchHashes(const CanonicalUrl& url, ListMatches& out) const;

  ListSnapshot();

  std::unique_ptr<std::string> arena_;  // stable address: the hashers point at it
  std::vector<std::string> categories_;
  absl::flat_hash_set<HostRecord, HostHash, HostEq> hosts_;
  std::vector<CategoryId> domain_categories_;
  std::vector<UrlRecord> urls_;
  absl::flat_hash_map<UrlDigest, HashRecord> hashes_;
  uint64_t generation_ = 0;
  std::string digest_;
};

}  // namespace esafe::filter
