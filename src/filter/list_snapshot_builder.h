// ListSnapshotBuilder: collects canonical list entries by category and lays them out
// as an immutable ListSnapshot.
//
// Not thread-safe: one thread fills a builder, then Build() hands over a snapshot that
// any number of threads may share.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "core/result.h"
#include "filter/list_line.h"
#include "filter/list_snapshot.h"

namespace esafe::filter {

class ListSnapshotBuilder {
 public:
  // The id of category `name`, adding it when new. Category names are what policies name
  // ("gambling", "iwf"). A category with no entries still exists, so a policy may name it.
  CategoryId Category(std::string_view name);

  // Adds `entry` to `category`. Fails (Invalid) for a host longer than 255 bytes, which no
  // DNS name is; duplicates are merged in Build().
  Result<void> Add(CategoryId category, const ListEntry& entry);

  // Number of entries added so far (before duplicates are merged).
  size_t entry_count() const { return domains_.size() + urls_.size() + hashes_.size(); }

  // Lays the entries out as a snapshot, with the digest of its content. The builder is
  // left empty.
  std::shared_ptr<const ListSnapshot> Build();

 private:
  struct PendingUrl {
    uint32_t host = 0;
    std::string path;
    CategoryId category = 0;
  };

  uint32_t HostId(std::string_view host);
  // The snapshot's ListSnapshot::digest(), from the sorted, merged entries.
  std::string ContentDigest(const std::vector<std::string>& categories) const;

  std::vector<std::string> categories_;
  std::deque<std::string> host_names_;  // deque: stable addresses for the views below
  absl::flat_hash_map<std::string_view, uint32_t> host_ids_;
  std::vector<std::pair<uint32_t, CategoryId>> domains_;
  std::vector<PendingUrl> urls_;
  std::vector<std::pair<UrlDigest, CategoryId>> hashes_;
};

}  // namespace esafe::filter
