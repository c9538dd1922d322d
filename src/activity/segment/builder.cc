// Writing a sealed segment: SegmentBuilder interns the batch's values into dictionaries
// and encodes the columns block by block as ESAFSEG3 (segment/format.h).
#include <algorithm>
#include <cstring>
#include <numeric>
#include <span>

#include "activity/segment/format.h"

namespace esafe::activity::internal {

SegmentBuilder::SegmentBuilder() : dicts_(kColumnCount), ids_(kColumnCount) {}

namespace {
// Equality of two short strings of the same length without a call to memcmp, which
// was a tenth of ingest: nearly every interned value is under 17 bytes.
inline bool SameBytes(const char* a, const char* b, size_t n) {
  auto load8 = [](const char* p) { uint64_t v; std::memcpy(&v, p, 8); return v; };
  auto load4 = [](const char* p) { uint32_t v; std::memcpy(&v, p, 4); return v; };
  if (n >= 8 && n <= 16) return load8(a) == load8(b) && load8(a + n - 8) == load8(b + n - 8);
  if (n >= 4 && n < 8) return load4(a) == load4(b) && load4(a + n - 4) == load4(b + n - 4);
  if (n < 4) return n == 0 || (a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1]);
  return std::memcmp(a, b, n) == 0;
}
inline bool Same(std::string_view a, std::string_view b) {
  return a.size() == b.size() && SameBytes(a.data(), b.data(), a.size());
}
}  // namespace

uint64_t SegmentBuilder::Dict::Hash(std::string_view v) {
  // Never 0, so that a slot's hash alone can be compared without looking at id1 first.
  return std::hash<std::string_view>{}(v) | 1;
}

void SegmentBuilder::Dict::Reserve(size_t more) {
  const size_t need = (views.size() + more) * 2;  // at most half full
  if (need <= slots.size()) return;
  size_t size = std::max<size_t>(64, slots.size());
  while (size < need) size *= 2;
  std::vector<Slot> grown(size);
  const size_t mask = size - 1;
  for (const auto& slot : slots) {
    if (slot.id1 == 0) continue;
    size_t i = slot.hash & mask;
    while (grown[i].id1 != 0) i = (i + 1) & mask;
    grown[i] = slot;
  }
  slots = std::move(grown);
}

uint32_t SegmentBuilder::Dict::Intern(std::string_view v, uint64_t hash) {
  const size_t mask = slots.size() - 1;
  const size_t head = std::min(v.size(), kInline);
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    Slot& slot = slots[i];
    if (slot.id1 == 0) {
      const auto id = static_cast<uint32_t>(views.size());
      values.emplace_back(v);
      views.emplace_back(values.back());
      slot.hash = hash;
      slot.id1 = id + 1;
      slot.len = static_cast<uint32_t>(v.size());
      std::memcpy(slot.head, v.data(), head);
      return id;
    }
    if (slot.hash == hash && slot.len == v.size() && SameBytes(slot.head, v.data(), head) &&
        (v.size() <= kInline || views[slot.id1 - 1].substr(kInline) == v.substr(kInline)))
      return slot.id1 - 1;
  }
}

void SegmentBuilder::Add(std::span<const ActivityEvent> batch) {
  if (batch.empty()) return;
  if (times_.empty()) min_time_ = max_time_ = batch.front().time_us;
  const size_t n = batch.size();
  for (const int c : kDictColumns) dicts_[c].Reserve(n);
  // In chunks of rows that stay in cache while every column reads them: an event is ~600
  // bytes, so a column pass over a whole 16,384-event batch missed the cache on every
  // row, once per column; with the decision's four columns that was a fifth of ingest.
  // Column by column within a chunk: hash every row's value first (a row repeating the
  // previous row's value, as list, version, point and node nearly always do, skips the
  // hash: 0 marks it), then intern with the slot of the row kPrefetchAhead rows on
  // already on its way in.
  constexpr size_t kChunkRows = 256;
  constexpr size_t kPrefetchAhead = 8;
  uint64_t hashes[kChunkRows];
  for (size_t lo = 0; lo < n; lo += kChunkRows) {
    const size_t hi = std::min(n, lo + kChunkRows);
    for (size_t i = lo; i < hi; ++i) {
      const ActivityEvent& e = batch[i];
      min_time_ = std::min(min_time_, e.time_us);
      max_time_ = std::max(max_time_, e.time_us);
      times_.push_back(e.time_us);
      clients_.push_back(e.client);
      url_bytes_.append(e.url);
      url_end_.push_back(url_bytes_.size());
      actions_.push_back(ActionByte(e));
    }
    for (const int c : kDictColumns) {
      Dict& dict = dicts_[c];
      auto& ids = ids_[c];
      const StringField field = DictMember(c);
      for (size_t i = lo; i < hi; ++i) {
        const std::string_view v = batch[i].*field;
        hashes[i - lo] = i > 0 && Same(v, batch[i - 1].*field) ? 0 : Dict::Hash(v);
      }
      for (size_t i = lo; i < hi; ++i) {
        if (i + kPrefetchAhead < hi && hashes[i + kPrefetchAhead - lo] != 0)
          dict.Prefetch(hashes[i + kPrefetchAhead - lo]);
        ids.push_back(hashes[i - lo] == 0 ? ids.back() : dict.Intern(batch[i].*field, hashes[i - lo]));
      }
    }
  }
}

bool SegmentBuilder::AnyRow(const std::function<bool(int64_t, std::string_view)>& pred) const {
  const auto& agencies = dicts_[kColAgency].values;
  const auto& ids = ids_[kColAgency];
  for (size_t r = 0; r < times_.size(); ++r)
    if (pred(times_[r], agencies[ids[r]])) return true;
  return false;
}

void SegmentBuilder::Clear() {
  times_.clear();
  clients_.clear();
  for (auto& d : dicts_) {
    std::fill(d.slots.begin(), d.slots.end(), Dict::Slot{});  // keeps the table's size for the next segment
    d.views.clear();
    d.values.clear();
  }
  for (auto& v : ids_) v.clear();
  url_bytes_.clear();
  url_end_.clear();
  actions_.clear();
}

Result<std::string> SegmentBuilder::Encode(uint64_t seq, int level, uint32_t block_rows, uint32_t dict_chunk_rows,
                                           int version) const {
  const size_t n = times_.size();
  if (n == 0) return Error::Internal("empty segment");
  if (version != 2 && version != 3) return Error::Internal("segments are written as ESAFSEG3 (or 2, for tests)");
  const int columns = ColumnsOf(version);
  const std::span<const int> dict_columns(kDictColumns.data(), DictColumnsOf(version));
  // Rows in time order, as a permutation: the events themselves are never moved.
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  if (!std::is_sorted(times_.begin(), times_.end()))
    std::stable_sort(order.begin(), order.end(), [this](uint32_t a, uint32_t b) { return times_[a] < times_[b]; });

  SegmentIndex idx;
  idx.seq = seq;
  idx.count = n;
  idx.min_time = min_time_;
  idx.max_time = max_time_;
  idx.min_ip = idx.max_ip = clients_[0];
  for (const auto& ip : clients_) {
    idx.min_ip = std::min(idx.min_ip, ip);
    idx.max_ip = std::max(idx.max_ip, ip);
  }
  for (const auto& v : dicts_[kColAgency].values) idx.agencies.emplace(v);
  for (const auto& v : dicts_[kColCategory].values) idx.categories.emplace(v);
  for (const auto& v : dicts_[kColSite].values) idx.sites.emplace(v);
  idx.hosts = Bloom::Build(dicts_[kColHost].views);
  idx.users = Bloom::Build(dicts_[kColUser].views);

  std::string index;
  PutVarint(index, idx.count);
  PutFixed64(index, static_cast<uint64_t>(idx.min_time));
  PutFixed64(index, static_cast<uint64_t>(idx.max_time));
  index.append(reinterpret_cast<const char*>(idx.min_ip.bytes.data()), 16);
  index.append(reinterpret_cast<const char*>(idx.max_ip.bytes.data()), 16);
  PutSet(index, idx.agencies);
  PutSet(index, idx.categories);
  PutSet(index, idx.sites);
  PutString(index, std::string_view(reinterpret_cast<const char*>(idx.hosts.bits.data()), idx.hosts.bits.size()));
  PutString(index, std::string_view(reinterpret_cast<const char*>(idx.users.bits.data()), idx.users.bits.size()));

  // Frames go straight into `frames`; the layout records their sizes in the same order.
  thread_local std::string frames, raw;
  frames.clear();
  std::string layout;
  if (block_rows == 0) return Error::Internal("zero rows per block");
  const size_t blocks = (n + block_rows - 1) / block_rows;
  PutVarint(layout, block_rows);
  PutVarint(layout, blocks);
  auto add_frame = [&](std::string_view bytes) -> Result<void> {
    auto size = CompressAppend(frames, bytes, level);
    if (!size) return size.error();
    PutVarint(layout, *size);
    PutVarint(layout, bytes.size());
    return Ok();
  };
  // Dictionaries. Chunked (dict_chunk_rows > 0): the values in byte order, so that an
  // exact or prefix match is a binary search, in frames of dict_chunk_rows values with
  // each chunk's first value in the layout, so that the search and a row's strings
  // open one small frame instead of the whole dictionary. The layout entry is
  // `count | 0 | chunk rows | (clen, rlen, first value) per chunk`: the 0 tells it from
  // the single frame of earlier segments (`count | clen | rlen`), as a zstd frame is never
  // empty. Ids in the blocks and the postings are then ranks in that order.
  std::array<std::vector<uint32_t>, kColumnCount> rank;
  for (const int c : dict_columns) {
    const auto& values = dicts_[c].views;
    PutVarint(layout, values.size());
    if (dict_chunk_rows == 0) {
      raw.clear();
      PutVarint(raw, values.size());
      for (const auto& v : values) PutString(raw, v);
      ESAFE_TRY(add_frame(raw));
      continue;
    }
    // Sorted on each value's first 8 bytes as a big-endian integer (zero-padded: the same
    // order as the bytes), whole values compared only on a tie: comparing strings through
    // ids was a cache miss per comparison (sealing 10 M events: 6.3 s, now 5.7 s).
    struct Key {
      uint64_t head;
      uint32_t id;
    };
    std::vector<Key> keys(values.size());
    for (uint32_t id = 0; id < keys.size(); ++id) {
      unsigned char b[8] = {};
      std::memcpy(b, values[id].data(), std::min<size_t>(8, values[id].size()));
      uint64_t head = 0;
      for (unsigned char byte : b) head = head << 8 | byte;
      keys[id] = {head, id};
    }
    std::sort(keys.begin(), keys.end(), [&values](const Key& a, const Key& b) {
      return a.head != b.head ? a.head < b.head : values[a.id] < values[b.id];
    });
    rank[c].resize(values.size());
    for (uint32_t k = 0; k < keys.size(); ++k) rank[c][keys[k].id] = k;
    PutVarint(layout, 0);
    PutVarint(layout, dict_chunk_rows);
    for (size_t first = 0; first < keys.size(); first += dict_chunk_rows) {
      raw.clear();
      const size_t end = std::min<size_t>(keys.size(), first + dict_chunk_rows);
      for (size_t k = first; k < end; ++k) PutString(raw, values[keys[k].id]);
      ESAFE_TRY(add_frame(raw));
      PutString(layout, values[keys[first].id]);
    }
  }
  // A dictionary column's id as written: its rank when the dictionary is sorted.
  auto written_id = [&rank](int c, uint32_t id) { return rank[c].empty() ? id : rank[c][id]; };
  // Host postings: (host, block) pairs, first occurrences only, counting-sorted by host.
  {
    const auto& host_ids = ids_[kColHost];
    const size_t hosts = dicts_[kColHost].values.size();
    std::vector<uint32_t> last_block(hosts, UINT32_MAX), count(hosts + 1, 0);
    std::vector<std::pair<uint32_t, uint32_t>> pairs;
    for (size_t i = 0; i < n; ++i) {
      const uint32_t h = written_id(kColHost, host_ids[order[i]]), b = static_cast<uint32_t>(i / block_rows);
      if (last_block[h] != b) {
        last_block[h] = b;
        pairs.emplace_back(h, b);
        ++count[h + 1];
      }
    }
    std::vector<uint32_t> start(hosts + 1, 0), sorted(pairs.size());
    for (size_t h = 0; h < hosts; ++h) start[h + 1] = start[h] + count[h + 1];
    std::vector<uint32_t> fill(start.begin(), start.end() - 1);
    for (const auto& [h, b] : pairs) sorted[fill[h]++] = b;  // blocks ascend: pairs are in block order
    raw.clear();
    for (size_t h = 0; h < hosts; ++h) {
      PutVarint(raw, start[h + 1] - start[h]);
      uint32_t prev = 0;
      for (uint32_t k = start[h]; k < start[h + 1]; ++k) {
        PutVarint(raw, sorted[k] - prev);
        prev = sorted[k];
      }
    }
    ESAFE_TRY(add_frame(raw));
  }
  for (size_t b = 0; b < blocks; ++b) {
    const size_t lo = b * block_rows, hi = std::min<size_t>(n, lo + block_rows);
    const int64_t bmin = times_[order[lo]], bmax = times_[order[hi - 1]];
    IpAddress ipmin = clients_[order[lo]], ipmax = ipmin;
    for (size_t i = lo; i < hi; ++i) {
      ipmin = std::min(ipmin, clients_[order[i]]);
      ipmax = std::max(ipmax, clients_[order[i]]);
    }
    PutVarint(layout, hi - lo);
    PutFixed64(layout, static_cast<uint64_t>(bmin));
    PutFixed64(layout, static_cast<uint64_t>(bmax));
    layout.append(reinterpret_cast<const char*>(ipmin.bytes.data()), 16);
    layout.append(reinterpret_cast<const char*>(ipmax.bytes.data()), 16);
    for (int c = 0; c < columns; ++c) {
      raw.clear();
      if (c == kColTime) {
        int64_t prev = bmin;
        for (size_t i = lo; i < hi; ++i) {
          const int64_t t = times_[order[i]];
          PutVarint(raw, static_cast<uint64_t>(t - prev));
          prev = t;
        }
      } else if (c == kColClient) {
        for (size_t i = lo; i < hi; ++i) raw.append(reinterpret_cast<const char*>(clients_[order[i]].bytes.data()), 16);
      } else if (IsDictColumn(c)) {
        const auto& ids = ids_[c];
        for (size_t i = lo; i < hi; ++i) PutVarint(raw, written_id(c, ids[order[i]]));
      } else if (c == kColUrl) {
        for (size_t i = lo; i < hi; ++i) {
          const uint32_t r = order[i];
          PutVarint(raw, url_end_[r] - (r ? url_end_[r - 1] : 0));
        }
        for (size_t i = lo; i < hi; ++i) {
          const uint32_t r = order[i];
          const uint64_t from = r ? url_end_[r - 1] : 0;
          raw.append(url_bytes_, from, url_end_[r] - from);
        }
      } else {
        // ESAFSEG3: ActionByte (safe_search in bit 2); ESAFSEG2: the action alone.
        const uint8_t mask = version >= 3 ? 7 : 3;
        for (size_t i = lo; i < hi; ++i) raw.push_back(static_cast<char>(actions_[order[i]] & mask));
      }
      ESAFE_TRY(add_frame(raw));
    }
  }

  std::string out;
  out.reserve(kMagicV3.size() + 16 + index.size() + layout.size() + frames.size());
  out.append(version >= 3 ? kMagicV3 : kMagicV2);
  PutFixed64(out, seq);
  PutFixed32(out, static_cast<uint32_t>(index.size()));
  out += index;
  PutFixed32(out, static_cast<uint32_t>(layout.size()));
  out += layout;
  out += frames;
  return out;
}

Result<std::string> EncodeSegment(uint64_t seq, std::vector<ActivityEvent>& events, int level, uint32_t block_rows,
                                  uint32_t dict_chunk_rows, int version) {
  if (events.empty()) return Error::Internal("empty segment");
  auto by_time = [](const ActivityEvent& a, const ActivityEvent& b) { return a.time_us < b.time_us; };
  if (!std::is_sorted(events.begin(), events.end(), by_time)) {
    // Callers read the time range off the sorted events afterwards.
    std::vector<uint32_t> order(events.size());
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(),
                     [&events](uint32_t a, uint32_t b) { return events[a].time_us < events[b].time_us; });
    std::vector<ActivityEvent> sorted;
    sorted.reserve(events.size());
    for (uint32_t i : order) sorted.push_back(std::move(events[i]));
    events.swap(sorted);
  }
  SegmentBuilder builder;
  builder.Add(events);
  return builder.Encode(seq, level, block_rows, dict_chunk_rows, version);
}

}  // namespace esafe::activity::internal
