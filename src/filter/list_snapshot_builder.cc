#include "filter/list_snapshot_builder.h"

#include <algorithm>
#include <atomic>

namespace esafe::filter {
namespace {

std::atomic<uint64_t> next_generation{1};

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

}  // namespace

CategoryId ListSnapshotBuilder::Category(std::string_view name) {
  for (size_t i = 0; i < categories_.size(); ++i) {
    if (categories_[i] == name) return static_cast<CategoryId>(i);
  }
  categories_.emplace_back(name);
  return static_cast<CategoryId>(categories_.size() - 1);
}

uint32_t ListSnapshotBuilder::HostId(std::string_view host) {
  if (auto it = host_ids_.find(host); it != host_ids_.end()) return it->second;
  host_names_.emplace_back(host);
  const auto id = static_cast<uint32_t>(host_names_.size() - 1);
  host_ids_.emplace(host_names_.back(), id);
  return id;
}

Result<void> ListSnapshotBuilder::Add(CategoryId category, const ListEntry& entry) {
  switch (entry.kind) {
    case EntryKind::kDomain:
    case EntryKind::kUrl:
      if (entry.host.empty() || entry.host.size() > 255) {
        return Error::Invalid("host is empty or longer than 255 bytes");
      }
      if (entry.kind == EntryKind::kDomain) {
        domains_.emplace_back(HostId(entry.host), category);
      } else {
        std::string path = entry.path;
        for (char& c : path) c = LowerAscii(c);
        urls_.push_back({HostId(entry.host), std::move(path), category});
      }
      return Ok();
    case EntryKind::kUrlHash:
      hashes_.emplace_back(entry.digest, category);
      return Ok();
  }
  return Error::Invalid("unknown entry kind");
}

std::shared_ptr<const ListSnapshot> ListSnapshotBuilder::Build() {
  std::shared_ptr<ListSnapshot> snapshot(new ListSnapshot());
  snapshot->generation_ = next_generation.fetch_add(1);
  snapshot->categories_ = std::move(categories_);

  std::sort(domains_.begin(), domains_.end());
  domains_.erase(std::unique(domains_.begin(), domains_.end()), domains_.end());
  // Per host, longest path first: the most specific URL entry is reported first.
  std::sort(urls_.begin(), urls_.end(), [](const PendingUrl& a, const PendingUrl& b) {
    if (a.host != b.host) return a.host < b.host;
    if (a.path.size() != b.path.size()) return a.path.size() > b.path.size();
    if (a.path != b.path) return a.path < b.path;
    return a.category < b.category;
  });
  urls_.erase(std::unique(urls_.begin(), urls_.end(),
                          [](const PendingUrl& a, const PendingUrl& b) {
                            return a.host == b.host && a.path == b.path && a.category == b.category;
                          }),
              urls_.end());

  std::string& arena = *snapshot->arena_;
  size_t arena_size = 0;
  for (const auto& name : host_names_) arena_size += 1 + name.size();
  for (const auto& url : urls_) arena_size += 2 + host_names_[url.host].size() + url.path.size();
  arena_size += 64 * hashes_.size();
  arena.reserve(arena_size);

  std::vector<ListSnapshot::HostRecord> records(host_names_.size());
  for (size_t i = 0; i < host_names_.size(); ++i) {
    records[i].key = static_cast<uint32_t>(arena.size());
    arena.push_back(static_cast<char>(host_names_[i].size()));
    arena += host_names_[i];
  }
  snapshot->domain_categories_.reserve(domains_.size());
  for (size_t i = 0; i < domains_.size(); ++i) {
    auto& record = records[domains_[i].first];
    if (record.domain_count == 0) record.domains_begin = static_cast<uint32_t>(i);
    if (record.domain_count < UINT16_MAX) ++record.domain_count;
    snapshot->domain_categories_.push_back(domains_[i].second);
  }
  snapshot->urls_.reserve(urls_.size());
  for (size_t i = 0; i < urls_.size(); ++i) {
    const PendingUrl& url = urls_[i];
    auto& record = records[url.host];
    if (record.url_count == 0) record.urls_begin = static_cast<uint32_t>(i);
    if (record.url_count < UINT16_MAX) ++record.url_count;
    const std::string& host = host_names_[url.host];
    const size_t length = host.size() + url.path.size();  // < 64 KiB: inputs are capped at 8 KiB
    ListSnapshot::UrlRecord out;
    out.entry = static_cast<uint32_t>(arena.size());
    out.host_length = static_cast<uint16_t>(host.size());
    out.category = url.category;
    arena.push_back(static_cast<char>(length >> 8));
    arena.push_back(static_cast<char>(length & 0xFF));
    arena += host;
    arena += url.path;
    snapshot->urls_.push_back(out);
  }
  snapshot->hosts_.reserve(records.size());
  for (const auto& record : records) snapshot->hosts_.insert(record);

  snapshot->hashes_.reserve(hashes_.size());
  for (const auto& [digest, category] : hashes_) {
    ListSnapshot::HashRecord record;
    record.hex = static_cast<uint32_t>(arena.size());
    record.category = category;
    arena += DigestToHex(digest);
    // The first category to list a digest keeps it; one is enough to block.
    snapshot->hashes_.emplace(digest, record);
  }

  *this = ListSnapshotBuilder();
  return snapshot;
}

}  // namespace esafe::filter
