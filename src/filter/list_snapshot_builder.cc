#include "filter/list_snapshot_builder.h"

#include <algorithm>
#include <atomic>
#include <numeric>

#include <sodium.h>

namespace esafe::filter {
namespace {

std::atomic<uint64_t> next_generation{1};

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// Feeds BLAKE2b a sequence of framed values: every text is preceded by its length (4
// bytes, big-endian) and every section by a tag byte and its entry count (8 bytes), so
// that no two different contents give the same byte stream. Buffers so that the hash is
// fed in large pieces rather than a call per field.
class DigestWriter {
 public:
  DigestWriter() {
    crypto_generichash_init(&state_, nullptr, 0, crypto_generichash_BYTES);
    buffer_.reserve(kChunk + 512);
  }

  void Section(char tag, uint64_t count) {
    char header[9] = {tag};
    for (size_t i = 0; i < 8; ++i) header[1 + i] = static_cast<char>((count >> (56 - 8 * i)) & 0xFF);
    buffer_.append(header, sizeof header);
    Flush(false);
  }

  void Text(std::string_view text) {
    const auto size = static_cast<uint32_t>(text.size());
    const char header[4] = {static_cast<char>(size >> 24), static_cast<char>((size >> 16) & 0xFF),
                            static_cast<char>((size >> 8) & 0xFF), static_cast<char>(size & 0xFF)};
    buffer_.append(header, sizeof header);
    buffer_.append(text);
    Flush(false);
  }

  // Lower-case hex of the 32-byte digest.
  std::string Hex() {
    Flush(true);
    unsigned char digest[crypto_generichash_BYTES];
    crypto_generichash_final(&state_, digest, sizeof digest);
    char hex[2 * sizeof digest + 1];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    return hex;
  }

 private:
  static constexpr size_t kChunk = 64 * 1024;

  void Flush(bool all) {
    if (buffer_.size() >= kChunk || (all && !buffer_.empty())) {
      crypto_generichash_update(&state_, reinterpret_cast<const unsigned char*>(buffer_.data()), buffer_.size());
      buffer_.clear();
    }
  }

  crypto_generichash_state state_;
  std::string buffer_;
};

// The first 8 bytes of `text`, big-endian, zero-padded: compares as the text does
// whenever the prefixes differ.
uint64_t Prefix(std::string_view text) {
  uint64_t key = 0;
  for (size_t i = 0; i < 8; ++i) {
    key = (key << 8) | (i < text.size() ? static_cast<unsigned char>(text[i]) : 0u);
  }
  return key;
}

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

  snapshot->digest_ = ContentDigest(snapshot->categories_);

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

// Called by Build() once domains_ and urls_ are sorted and free of duplicates. Ids depend
// on the order entries were added in, so everything is put in the order of its text:
// categories by name, then domain entries by (host, category name), URL entries by (host,
// path, category name) and hashed entries by (digest, category name).
std::string ListSnapshotBuilder::ContentDigest(const std::vector<std::string>& categories) const {
  std::vector<CategoryId> categories_by_name(categories.size());
  std::iota(categories_by_name.begin(), categories_by_name.end(), CategoryId{0});
  std::sort(categories_by_name.begin(), categories_by_name.end(),
            [&](CategoryId a, CategoryId b) { return categories[a] < categories[b]; });
  std::vector<uint32_t> category_rank(categories.size());
  for (size_t i = 0; i < categories_by_name.size(); ++i) category_rank[categories_by_name[i]] = static_cast<uint32_t>(i);

  // Hosts by name; the cached prefix settles most comparisons without reading the strings.
  std::vector<std::pair<uint64_t, uint32_t>> hosts_by_name(host_names_.size());
  for (size_t i = 0; i < host_names_.size(); ++i) hosts_by_name[i] = {Prefix(host_names_[i]), static_cast<uint32_t>(i)};
  std::sort(hosts_by_name.begin(), hosts_by_name.end(), [&](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    return host_names_[a.second] < host_names_[b.second];
  });
  std::vector<uint32_t> host_rank(host_names_.size());
  for (size_t i = 0; i < hosts_by_name.size(); ++i) host_rank[hosts_by_name[i].second] = static_cast<uint32_t>(i);

  // domains_ is sorted by host id: where each host's domain entries begin.
  std::vector<uint32_t> first_domain(host_names_.size() + 1, 0);
  for (const auto& domain : domains_) ++first_domain[domain.first + 1];
  for (size_t i = 1; i < first_domain.size(); ++i) first_domain[i] += first_domain[i - 1];

  std::vector<uint32_t> urls(urls_.size());
  std::iota(urls.begin(), urls.end(), 0u);
  std::sort(urls.begin(), urls.end(), [&](uint32_t a, uint32_t b) {
    const PendingUrl& x = urls_[a];
    const PendingUrl& y = urls_[b];
    if (x.host != y.host) return host_rank[x.host] < host_rank[y.host];
    if (x.path != y.path) return x.path < y.path;
    return category_rank[x.category] < category_rank[y.category];
  });

  std::vector<std::pair<UrlDigest, uint32_t>> hashes(hashes_.size());
  for (size_t i = 0; i < hashes_.size(); ++i) hashes[i] = {hashes_[i].first, category_rank[hashes_[i].second]};
  std::sort(hashes.begin(), hashes.end());
  hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());

  auto category = [&](uint32_t rank) -> std::string_view { return categories[categories_by_name[rank]]; };
  DigestWriter writer;
  writer.Text("esafe list snapshot 1");
  writer.Section('C', categories.size());
  for (const CategoryId id : categories_by_name) writer.Text(categories[id]);
  writer.Section('D', domains_.size());
  std::vector<uint32_t> host_categories;
  for (const auto& by_name : hosts_by_name) {
    const uint32_t host = by_name.second;
    host_categories.clear();
    for (uint32_t i = first_domain[host]; i < first_domain[host + 1]; ++i) {
      host_categories.push_back(category_rank[domains_[i].second]);
    }
    std::sort(host_categories.begin(), host_categories.end());
    for (const uint32_t rank : host_categories) {
      writer.Text(host_names_[host]);
      writer.Text(category(rank));
    }
  }
  writer.Section('U', urls.size());
  for (const uint32_t i : urls) {
    writer.Text(host_names_[urls_[i].host]);
    writer.Text(urls_[i].path);
    writer.Text(categories[urls_[i].category]);
  }
  writer.Section('H', hashes.size());
  for (const auto& [digest, rank] : hashes) {
    writer.Text(std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
    writer.Text(category(rank));
  }
  return writer.Hex();
}

}  // namespace esafe::filter
