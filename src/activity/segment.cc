// Sealed segments: time-sorted events in zstd-compressed columns behind an index.
//
// ESAFSEG3 (written since the decision fields joined the event): ESAFSEG2 with 16
// columns instead of 12 — after action, the dictionary columns point, reason, entry and
// node — so the layout has 12 dictionary entries (user … list_version, point … node) and
// 16 frames per block; the action byte holds the action in bits 0-1 and safe_search in
// bit 2. The index is unchanged.
//
// ESAFSEG2 (written from the block layout until ESAFSEG3; read):
//   "ESAFSEG2" | u64 seq | u32 index length | index | u32 layout length | layout | frames
//   layout: varint rows per block | varint block count |
//           per dictionary column (user … list_version): varint entries, varint clen, varint rlen |
//           host postings: varint clen, varint rlen |
//           per block: varint rows, u64 min time, u64 max time, 16-byte min and max client,
//                      per column (12): varint clen, varint rlen
//   frames: the dictionaries, the host postings, then each block's columns, in layout
//           order and back to back (each frame's offset is the sum of those before it).
//   A dictionary frame is varint n, then n strings; a block's dictionary column holds
//   varint ids into it. The host postings list, per host id, the blocks it occurs in
//   (varint count, then delta-varint block numbers), so an exact or prefix host search
//   decompresses only those blocks.
//
// ESAFSEG1 (read, no longer written): the same header and index, then u32 column count
// and per column u64 offset, u32 compressed length, u32 raw length, one frame per column
// for the whole segment; a dictionary column's frame holds its dictionary then the ids.
// It is read as a segment of one block without postings.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <numeric>
#include <span>

#include "activity/internal.h"

namespace esafe::activity::internal {
namespace {

constexpr std::string_view kMagicV1 = "ESAFSEG1";
constexpr std::string_view kMagicV2 = "ESAFSEG2";
constexpr std::string_view kMagicV3 = "ESAFSEG3";

// The columns a segment of `version` stores, and how many of them are dictionaries.
int ColumnsOf(int version) { return version >= 3 ? kColumnCount : kColumnCountV2; }
size_t DictColumnsOf(int version) { return version >= 3 ? kDictColumns.size() : 8; }

void PutSet(std::string& out, const std::set<std::string>& s) {
  PutVarint(out, s.size());
  for (const auto& v : s) PutString(out, v);
}
bool GetSet(std::string_view& in, std::set<std::string>& s) {
  uint64_t n;
  if (!GetVarint(in, n) || n > in.size()) return false;
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view v;
    if (!GetString(in, v)) return false;
    s.emplace(v);
  }
  return true;
}

// GetVarint with the one-byte case inline: the decode loops over ids and lengths
// spent an eighth of a host search in the out-of-line call.
inline bool Varint(std::string_view& in, uint64_t& v) {
  if (!in.empty() && static_cast<uint8_t>(in.front()) < 0x80) {
    v = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    return true;
  }
  return GetVarint(in, v);
}

inline bool String(std::string_view& in, std::string_view& s) {
  uint64_t n;
  if (!Varint(in, n) || n > in.size()) return false;
  s = in.substr(0, n);
  in.remove_prefix(n);
  return true;
}

Error Corrupt(const std::string& what) { return Error::Internal("corrupt segment: " + what); }

bool GetIp(std::string_view& in, IpAddress& ip) {
  if (in.size() < 16) return false;
  std::memcpy(ip.bytes.data(), in.data(), 16);
  in.remove_prefix(16);
  return true;
}

}  // namespace

std::string SegmentFileName(uint64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "seg-%08llu.esl", static_cast<unsigned long long>(seq));
  return buf;
}

std::string WalFileName(uint64_t gen) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "wal-%08llu.log", static_cast<unsigned long long>(gen));
  return buf;
}

// ---- Writing ----

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

// ---- Reading ----

Result<SegmentIndex> ReadSegmentIndex(std::string_view in) {
  auto bad = [](const char* what) { return Corrupt(what); };
  const std::string_view magic = in.substr(0, kMagicV2.size());
  if (magic != kMagicV3 && magic != kMagicV2 && magic != kMagicV1) return bad("bad magic");
  in.remove_prefix(kMagicV2.size());
  SegmentIndex idx;
  uint32_t len;
  if (!GetFixed64(in, idx.seq) || !GetFixed32(in, len) || len > in.size()) return bad("short header");
  std::string_view index = in.substr(0, len);
  uint64_t a, b;
  if (!GetVarint(index, idx.count) || !GetFixed64(index, a) || !GetFixed64(index, b) || index.size() < 32)
    return bad("short index");
  idx.min_time = static_cast<int64_t>(a);
  idx.max_time = static_cast<int64_t>(b);
  GetIp(index, idx.min_ip);
  GetIp(index, idx.max_ip);
  std::string_view hb, ub;
  if (!GetSet(index, idx.agencies) || !GetSet(index, idx.categories) || !GetSet(index, idx.sites) ||
      !GetString(index, hb) || !GetString(index, ub) || !index.empty())
    return bad("bad index sets");
  idx.hosts.bits.assign(hb.begin(), hb.end());
  idx.users.bits.assign(ub.begin(), ub.end());
  return idx;
}

SegmentData::Fd& SegmentData::Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    if (value >= 0) ::close(value);
    value = o.value;
    o.value = -1;
  }
  return *this;
}
SegmentData::Fd::~Fd() {
  if (value >= 0) ::close(value);
}

// `in` is the layout; frames start at `frames_base` and run to the end of the file.
Result<void> SegmentData::ParseLayout(std::string_view in, uint64_t frames_base, uint64_t file_size) {
  const uint64_t n = index_.count;
  uint64_t per_block, count;
  if (!Varint(in, per_block) || !Varint(in, count) || per_block == 0 || per_block > (1u << 24) ||
      count != (n + per_block - 1) / per_block)
    return Corrupt("block layout");
  block_rows_ = static_cast<uint32_t>(per_block);
  uint64_t offset = frames_base;
  auto get_dir = [&](Dir& d) {
    uint64_t clen, rlen;
    if (!Varint(in, clen) || !Varint(in, rlen) || clen > file_size || offset > file_size - clen ||
        rlen > (uint64_t{1} << 31))
      return false;
    d.offset = offset;
    d.clen = static_cast<uint32_t>(clen);
    d.rlen = static_cast<uint32_t>(rlen);
    offset += clen;
    return true;
  };
  for (const int c : std::span<const int>(kDictColumns.data(), DictColumnsOf(version_))) {
    if (!Varint(in, dict_sizes_[c]) || dict_sizes_[c] > UINT32_MAX) return Corrupt("dictionary directory");
    const std::string_view before = in;
    uint64_t marker, per_chunk;
    if (!Varint(in, marker)) return Corrupt("dictionary directory");
    if (marker != 0) {  // one unsorted frame
      in = before;
      if (!get_dir(dict_dirs_[c])) return Corrupt("dictionary directory");
      continue;
    }
    if (!Varint(in, per_chunk) || per_chunk == 0 || per_chunk > (1u << 20)) return Corrupt("dictionary directory");
    const uint64_t chunks = (dict_sizes_[c] + per_chunk - 1) / per_chunk;
    if (chunks > in.size()) return Corrupt("dictionary directory");  // each entry takes bytes
    dict_chunk_rows_[c] = static_cast<uint32_t>(per_chunk);
    dict_chunks_[c].resize(chunks);
    for (auto& chunk : dict_chunks_[c]) {
      std::string_view first;
      if (!get_dir(chunk.dir) || !String(in, first)) return Corrupt("dictionary directory");
      chunk.first.assign(first);
    }
  }
  if (!get_dir(host_postings_)) return Corrupt("postings directory");
  blocks_.resize(count);
  uint64_t first = 0;
  for (auto& b : blocks_) {
    uint64_t rows, t0, t1;
    if (!Varint(in, rows) || rows == 0 || rows > per_block || !GetFixed64(in, t0) || !GetFixed64(in, t1) ||
        !GetIp(in, b.min_ip) || !GetIp(in, b.max_ip))
      return Corrupt("block directory");
    b.first_row = first;
    b.rows = static_cast<uint32_t>(rows);
    b.min_time = static_cast<int64_t>(t0);
    b.max_time = static_cast<int64_t>(t1);
    first += rows;
    for (int c = 0; c < columns_; ++c)
      if (!get_dir(b.cols[c])) return Corrupt("block directory");
  }
  if (first != n || !in.empty() || offset != file_size) return Corrupt("block layout does not cover the file");
  return Ok();
}

namespace {

// Pread exactly `len` bytes at `offset`.
Result<void> PreadAll(int fd, char* out, size_t len, uint64_t offset, const std::string& what) {
  size_t done = 0;
  while (done < len) {
    const ssize_t r = ::pread(fd, out + done, len - done, static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Error::Internal("cannot read " + what + ": " + std::strerror(errno));
    if (r == 0) return Corrupt(what + " is truncated");
    done += static_cast<size_t>(r);
  }
  return Ok();
}

}  // namespace

Result<SegmentData> SegmentData::Parse(std::string file) {
  SegmentData s;
  s.file_ = std::move(file);
  auto idx = ReadSegmentIndex(s.file_);
  if (!idx) return idx.error();
  s.index_ = std::move(*idx);
  const std::string_view magic = std::string_view(s.file_).substr(0, kMagicV1.size());
  s.version_ = magic == kMagicV1 ? 1 : magic == kMagicV2 ? 2 : 3;
  s.columns_ = ColumnsOf(s.version_);
  std::string_view in(s.file_);
  in.remove_prefix(kMagicV2.size() + 8);
  uint32_t len;
  GetFixed32(in, len);
  in.remove_prefix(len);
  const uint64_t file_size = s.file_.size();
  if (s.version_ == 1) {
    uint32_t ncols;
    if (!GetFixed32(in, ncols) || ncols != kColumnCountV2) return Corrupt("column count");
    Block block;
    block.rows = static_cast<uint32_t>(s.index_.count);
    block.min_time = s.index_.min_time;
    block.max_time = s.index_.max_time;
    block.min_ip = s.index_.min_ip;
    block.max_ip = s.index_.max_ip;
    for (int c = 0; c < kColumnCountV2; ++c) {
      Dir& d = block.cols[c];
      if (!GetFixed64(in, d.offset) || !GetFixed32(in, d.clen) || !GetFixed32(in, d.rlen))
        return Corrupt("column directory");
      if (d.offset > file_size || d.clen > file_size - d.offset) return Corrupt("column out of bounds");
    }
    s.block_rows_ = std::max<uint32_t>(block.rows, 1);
    s.blocks_.push_back(block);
  } else {
    uint32_t layout_len;
    if (!GetFixed32(in, layout_len) || layout_len > in.size()) return Corrupt("short layout");
    const uint64_t base = file_size - (in.size() - layout_len);
    ESAFE_TRY(s.ParseLayout(in.substr(0, layout_len), base, file_size));
  }
  s.loaded_.assign(s.blocks_.size() * kColumnCount, 0);
  s.SetMissingColumns();
  return s;
}

Result<SegmentData> SegmentData::Open(const std::string& path) {
  Fd fd;
  fd.value = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd.value < 0) {
    if (errno == ENOENT) return Error::NotFound("segment " + path + " is missing");
    return Error::Internal("cannot open " + path + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd.value, &st) != 0) return Error::Internal("cannot stat " + path + ": " + std::strerror(errno));
  const uint64_t file_size = static_cast<uint64_t>(st.st_size);
  std::string head(20, '\0');
  ESAFE_TRY(PreadAll(fd.value, head.data(), 20, 0, path));
  if (std::string_view(head).substr(0, kMagicV1.size()) == kMagicV1) {
    // The old layout is one frame per column: reading it whole costs little more.
    auto file = ReadFile(path);
    if (!file) return file.error();
    return Parse(std::move(*file));
  }
  std::string_view v(head);
  v.remove_prefix(16);
  uint32_t index_len = 0;
  GetFixed32(v, index_len);
  if (20 + uint64_t{index_len} + 4 > file_size) return Corrupt(path + " has a bad index length");
  head.resize(20 + size_t{index_len} + 4);
  ESAFE_TRY(PreadAll(fd.value, head.data() + 20, index_len + 4, 20, path));
  v = std::string_view(head).substr(20 + index_len);
  uint32_t layout_len = 0;
  GetFixed32(v, layout_len);
  if (head.size() + uint64_t{layout_len} > file_size) return Corrupt(path + " has a bad layout length");
  const size_t layout_at = head.size();
  head.resize(layout_at + layout_len);
  ESAFE_TRY(PreadAll(fd.value, head.data() + layout_at, layout_len, layout_at, path));
  SegmentData s;
  auto idx = ReadSegmentIndex(head);
  if (!idx) return idx.error();
  s.index_ = std::move(*idx);
  s.version_ = std::string_view(head).substr(0, kMagicV3.size()) == kMagicV3 ? 3 : 2;
  s.columns_ = ColumnsOf(s.version_);
  ESAFE_TRY(s.ParseLayout(std::string_view(head).substr(layout_at), layout_at + layout_len, file_size));
  s.loaded_.assign(s.blocks_.size() * kColumnCount, 0);
  s.SetMissingColumns();
  s.fd_ = std::move(fd);
  return s;
}

void SegmentData::SetMissingColumns() {
  for (int c = columns_; c < kColumnCount; ++c) {
    dict_sizes_[c] = 1;
    dicts_[c].assign(1, std::string_view());
    dict_loaded_[c] = true;
  }
}

Result<std::string_view> SegmentData::Frame(const Dir& d) {
  if (fd_.value < 0) return std::string_view(file_).substr(d.offset, d.clen);
  thread_local std::string buffer;
  if (buffer.size() < d.clen) buffer.resize(d.clen);
  ESAFE_TRY(PreadAll(fd_.value, buffer.data(), d.clen, d.offset, "segment " + std::to_string(index_.seq)));
  return std::string_view(buffer.data(), d.clen);
}

Result<std::string_view> SegmentData::Decoded(const Dir& d, std::string_view read, uint64_t read_at) {
  auto frame = read.empty() ? Frame(d) : Result<std::string_view>(read.substr(d.offset - read_at, d.clen));
  if (!frame) return frame.error();
  ++frames_decoded_;
  return DecompressToScratch(*frame, d.rlen);
}

uint64_t SegmentData::blocks_decoded() const {
  uint64_t n = 0;
  for (size_t b = 0; b < blocks_.size(); ++b)
    n += std::any_of(loaded_.begin() + static_cast<ptrdiff_t>(b * kColumnCount),
                     loaded_.begin() + static_cast<ptrdiff_t>((b + 1) * kColumnCount), [](uint8_t x) { return x != 0; });
  return n;
}

namespace {
// Parses a dictionary: varint n, n strings. Views point into `bytes`.
bool ParseDict(std::string_view in, std::string_view& rest, std::vector<std::string_view>& out) {
  uint64_t n;
  if (!Varint(in, n) || n > in.size() + 1) return false;
  out.clear();
  out.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view v;
    if (!String(in, v)) return false;
    out.push_back(v);
  }
  rest = in;
  return true;
}
}  // namespace

Result<void> SegmentData::LoadDictChunk(int col, size_t k) {
  DictChunk& chunk = dict_chunks_[col][k];
  if (chunk.bytes) return Ok();
  const size_t size = dict_sizes_[col], per = dict_chunk_rows_[col];
  const size_t first = k * per, end = std::min(size, first + per);
  auto frame = Frame(chunk.dir);
  if (!frame) return frame.error();
  ++frames_decoded_;
  auto bytes = std::make_unique_for_overwrite<char[]>(chunk.dir.rlen ? chunk.dir.rlen : 1);
  ESAFE_TRY(DecompressInto(*frame, bytes.get(), chunk.dir.rlen));
  auto& views = dicts_[col];
  if (views.size() != size) views.resize(size);
  std::string_view in(bytes.get(), chunk.dir.rlen);
  auto bad = [col, k] { return Corrupt("dictionary chunk " + std::to_string(k) + " of column " + std::to_string(col)); };
  for (size_t i = first; i < end; ++i)
    if (!String(in, views[i]) || (i > first && !(views[i - 1] < views[i]))) return bad();
  if (!in.empty() || views[first] != chunk.first) return bad();
  chunk.bytes = std::move(bytes);
  return Ok();
}

Result<std::string_view> SegmentData::DictValue(int col, uint64_t id) {
  if (id >= dict_sizes_[col]) return Corrupt("id " + std::to_string(id) + " of column " + std::to_string(col));
  if (!dict_loaded_[col]) {
    if (dict_chunk_rows_[col] == 0) {
      ESAFE_TRY(LoadDict(col));
    } else {
      ESAFE_TRY(LoadDictChunk(col, id / dict_chunk_rows_[col]));
    }
  }
  return dicts_[col][id];
}

Result<uint32_t> SegmentData::DictLowerBound(int col, std::string_view key) {
  const auto& chunks = dict_chunks_[col];
  // The last chunk whose first value is not after the key holds the key's place.
  auto after = std::upper_bound(chunks.begin(), chunks.end(), key,
                                [](std::string_view k, const DictChunk& c) { return k < std::string_view(c.first); });
  if (after == chunks.begin()) return 0u;
  const size_t k = static_cast<size_t>(after - chunks.begin()) - 1;
  ESAFE_TRY(LoadDictChunk(col, k));
  const size_t first = k * dict_chunk_rows_[col], end = std::min<size_t>(dict_sizes_[col], first + dict_chunk_rows_[col]);
  const auto& views = dicts_[col];
  const auto it = std::lower_bound(views.begin() + static_cast<ptrdiff_t>(first),
                                   views.begin() + static_cast<ptrdiff_t>(end), key);
  return static_cast<uint32_t>(it - views.begin());
}

Result<std::pair<uint32_t, uint32_t>> SegmentData::DictRange(int col, std::string_view key, bool prefix) {
  if (dict_chunk_rows_[col] == 0) return Error::Internal("the dictionary of column " + std::to_string(col) + " is not sorted");
  auto lo = DictLowerBound(col, key);
  if (!lo) return lo.error();
  const auto size = static_cast<uint32_t>(dict_sizes_[col]);
  if (!prefix) {
    if (*lo == size) return std::pair{*lo, *lo};
    auto value = DictValue(col, *lo);
    if (!value) return value.error();
    return std::pair{*lo, *lo + (*value == key ? 1u : 0u)};
  }
  // The first value after every one that starts with `key`: the key with its last byte
  // below 0xff raised by one (bytes compare unsigned, as string_view does).
  std::string end(key);
  while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xff) end.pop_back();
  if (end.empty()) return std::pair{*lo, size};
  end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
  auto hi = DictLowerBound(col, end);
  if (!hi) return hi.error();
  return std::pair{*lo, *hi};
}

Result<void> SegmentData::LoadDict(int col) {
  if (dict_loaded_[col]) return Ok();
  if (version_ == 1) return LoadBlock(0, col);  // the dictionary shares the column's frame
  if (dict_chunk_rows_[col] != 0) {
    const auto& views = dicts_[col];
    for (size_t k = 0; k < dict_chunks_[col].size(); ++k) {
      ESAFE_TRY(LoadDictChunk(col, k));
      const size_t first = k * dict_chunk_rows_[col];
      if (k > 0 && !(views[first - 1] < views[first])) return Corrupt("dictionary of column " + std::to_string(col) + " is out of order");
    }
    dict_loaded_[col] = true;
    return Ok();
  }
  const Dir& d = dict_dirs_[col];
  auto frame = Frame(d);
  if (!frame) return frame.error();
  ++frames_decoded_;
  dict_bytes_[col] = std::make_unique_for_overwrite<char[]>(d.rlen ? d.rlen : 1);
  ESAFE_TRY(DecompressInto(*frame, dict_bytes_[col].get(), d.rlen));
  std::string_view rest;
  if (!ParseDict(std::string_view(dict_bytes_[col].get(), d.rlen), rest, dicts_[col]) || !rest.empty() ||
      dicts_[col].size() != dict_sizes_[col])
    return Corrupt("dictionary of column " + std::to_string(col));
  dict_loaded_[col] = true;
  return Ok();
}

Result<void> SegmentData::HostBlocks(const std::vector<uint8_t>& wanted, std::vector<uint8_t>& wanted_blocks) {
  wanted_blocks.assign(blocks_.size(), 0);
  if (version_ == 1) {
    std::fill(wanted_blocks.begin(), wanted_blocks.end(), 1);
    return Ok();
  }
  auto raw = Decoded(host_postings_);
  if (!raw) return raw.error();
  std::string_view in = *raw;
  // The postings are in host id order: stop after the last host wanted.
  size_t end = wanted.size();
  while (end > 0 && !wanted[end - 1]) --end;
  const bool whole = wanted.empty();  // LoadAll reads them all, to check them
  for (size_t h = 0; h < dict_sizes_[kColHost] && (whole || h < end); ++h) {
    uint64_t k;
    if (!Varint(in, k) || k > blocks_.size()) return Corrupt("host postings");
    uint64_t b = 0;
    const bool want = h < wanted.size() && wanted[h];
    for (uint64_t i = 0; i < k; ++i) {
      uint64_t delta;
      if (!Varint(in, delta) || (b += delta) >= blocks_.size()) return Corrupt("host postings");
      if (want) wanted_blocks[b] = 1;
    }
  }
  if (whole && !in.empty()) return Corrupt("host postings");
  return Ok();
}

Result<void> SegmentData::LoadBlock(size_t b, int col) {
  uint8_t& loaded = loaded_[b * kColumnCount + static_cast<size_t>(col)];
  if (loaded == 1) return Ok();
  const Block& block = blocks_[b];
  if (!has_column(col)) {  // every row holds id 0, the empty value
    Ensure(ids_[col], index_.count);
    std::fill_n(ids_[col].get() + block.first_row, block.rows, 0u);
    loaded = 1;
    return Ok();
  }
  auto raw = Decoded(block.cols[col]);
  if (!raw) return raw.error();
  std::string_view in = *raw;
  const uint64_t n = index_.count, first = block.first_row, rows = block.rows;
  auto bad = [col, b] { return Corrupt("column " + std::to_string(col) + " of block " + std::to_string(b)); };
  if (col == kColTime) {
    Ensure(times_, n);
    int64_t t = block.min_time;
    for (uint64_t i = 0; i < rows; ++i) {
      uint64_t delta;
      if (!Varint(in, delta)) return bad();
      t += static_cast<int64_t>(delta);
      times_[first + i] = t;
    }
    if (rows && t != block.max_time) return bad();
  } else if (col == kColClient) {
    if (in.size() != rows * 16) return bad();
    Ensure(clients_, n * 16);
    std::memcpy(clients_.get() + first * 16, in.data(), in.size());
    in.remove_prefix(in.size());
  } else if (IsDictColumn(col)) {
    uint64_t dn = dict_sizes_[col];
    if (version_ == 1) {
      // The column's frame starts with its dictionary.
      dict_bytes_[col] = std::make_unique_for_overwrite<char[]>(in.size() ? in.size() : 1);
      std::memcpy(dict_bytes_[col].get(), in.data(), in.size());
      if (!ParseDict(std::string_view(dict_bytes_[col].get(), in.size()), in, dicts_[col])) return bad();
      dn = dict_sizes_[col] = dicts_[col].size();
      dict_loaded_[col] = true;
    }
    Ensure(ids_[col], n);
    uint32_t* ids = ids_[col].get() + first;
    for (uint64_t i = 0; i < rows; ++i) {
      uint64_t id;
      if (!Varint(in, id) || id >= dn) return bad();
      ids[i] = static_cast<uint32_t>(id);
    }
  } else if (col == kColUrl) {
    Ensure(url_start_, n);
    Ensure(url_len_, n);
    if (block_urls_.size() != blocks_.size()) block_urls_.resize(blocks_.size());
    uint64_t total = 0;
    for (uint64_t i = 0; i < rows; ++i) {
      uint64_t len;
      if (!Varint(in, len) || len > kMaxUrlBytes) return bad();
      url_start_[first + i] = static_cast<uint32_t>(total);
      url_len_[first + i] = static_cast<uint32_t>(len);
      total += len;
    }
    if (in.size() != total) return bad();
    block_urls_[b].assign(in);
    in.remove_prefix(in.size());
  } else if (col == kColAction) {
    if (in.size() != rows) return bad();
    Ensure(actions_, n);
    const uint8_t max = version_ >= 3 ? 7 : 3;
    for (uint64_t i = 0; i < rows; ++i) {
      const auto a = static_cast<uint8_t>(in[i]);
      if (a > max) return bad();
      actions_[first + i] = a;
    }
    in.remove_prefix(in.size());
  }
  if (!in.empty()) return bad();
  loaded = 1;
  return Ok();
}

Result<void> SegmentData::Materialize(size_t b, std::span<const uint32_t> rows, std::vector<ActivityEvent>& out) {
  if (rows.empty()) return Ok();
  const Block& block = blocks_[b];
  const size_t base = out.size();
  out.resize(base + rows.size());
  const uint64_t first = block.first_row, last = rows.back() - first;  // decode through row `last` of the block
  auto bad = [b](int col) { return Corrupt("column " + std::to_string(col) + " of block " + std::to_string(b)); };
  // The block's frames are back to back: one pread for those still needed, not one per
  // column (the syscalls were an eighth of a scattered search).
  thread_local std::string span;
  uint64_t span_lo = UINT64_MAX, span_hi = 0;
  if (fd_.value >= 0 && version_ >= 2) {
    for (int col = 0; col < columns_; ++col) {
      if (loaded_[b * kColumnCount + static_cast<size_t>(col)] == 1) continue;
      span_lo = std::min(span_lo, block.cols[col].offset);
      span_hi = std::max(span_hi, block.cols[col].offset + block.cols[col].clen);
    }
    if (span_lo < span_hi) {
      span.resize(span_hi - span_lo);
      ESAFE_TRY(PreadAll(fd_.value, span.data(), span.size(), span_lo, "segment " + std::to_string(index_.seq)));
    }
  }
  const std::string_view read = span_lo < span_hi ? std::string_view(span) : std::string_view();
  for (int col = 0; col < columns_; ++col) {  // the columns a version lacks stay empty
    uint8_t& loaded = loaded_[b * kColumnCount + static_cast<size_t>(col)];
    if (loaded == 1 || version_ == 1) {  // a v1 segment is one block: its arrays are as cheap
      ESAFE_TRY(LoadBlock(b, col));
      for (size_t k = 0; k < rows.size(); ++k) {
        ActivityEvent& e = out[base + k];
        const uint32_t r = rows[k];
        if (col == kColTime) e.time_us = time(r);
        else if (col == kColClient) e.client = client(r);
        else if (IsDictColumn(col)) {
          auto v = DictValue(col, ids_[col][r]);
          if (!v) return v.error();
          DictFieldMut(e, col)->assign(*v);
        }
        else if (col == kColUrl) e.url.assign(url(r));
        else {
          e.action = action(r);
          e.safe_search = safe_search(r);
        }
      }
      continue;
    }
    auto raw = Decoded(block.cols[col], read, span_lo);
    if (!raw) return raw.error();
    if (!loaded) loaded = 2;
    std::string_view in = *raw;
    size_t k = 0;
    if (col == kColTime) {
      int64_t t = block.min_time;
      for (uint64_t i = 0; i <= last; ++i) {
        uint64_t delta;
        if (!Varint(in, delta)) return bad(col);
        t += static_cast<int64_t>(delta);
        if (first + i == rows[k]) out[base + k++].time_us = t;
      }
    } else if (col == kColClient) {
      if (in.size() != uint64_t{block.rows} * 16) return bad(col);
      for (; k < rows.size(); ++k) std::memcpy(out[base + k].client.bytes.data(), in.data() + (rows[k] - first) * 16, 16);
    } else if (IsDictColumn(col)) {
      for (uint64_t i = 0; i <= last; ++i) {
        uint64_t id;
        if (!Varint(in, id) || id >= dict_sizes_[col]) return bad(col);
        if (first + i == rows[k]) {
          auto v = DictValue(col, id);
          if (!v) return v.error();
          DictFieldMut(out[base + k++], col)->assign(*v);
        }
      }
    } else if (col == kColUrl) {
      // The lengths come first, then the bytes: the offsets of the wanted rows, then their bytes.
      std::vector<std::pair<uint64_t, uint64_t>> spans;
      spans.reserve(rows.size());
      uint64_t total = 0;
      for (uint64_t i = 0; i < block.rows; ++i) {
        uint64_t len;
        if (!Varint(in, len) || len > kMaxUrlBytes) return bad(col);
        if (k < rows.size() && first + i == rows[k]) {
          spans.emplace_back(total, len);
          ++k;
        }
        total += len;
      }
      if (in.size() != total) return bad(col);
      for (size_t j = 0; j < spans.size(); ++j) out[base + j].url.assign(in.substr(spans[j].first, spans[j].second));
      k = spans.size();
    } else {
      if (in.size() != block.rows) return bad(col);
      const uint8_t max = version_ >= 3 ? 7 : 3;
      for (; k < rows.size(); ++k) {
        const auto a = static_cast<uint8_t>(in[rows[k] - first]);
        if (a > max) return bad(col);
        out[base + k].action = static_cast<Action>(a & 3);
        out[base + k].safe_search = (a & 4) != 0;
      }
    }
    if (k != rows.size()) return bad(col);
  }
  return Ok();
}

Result<void> SegmentData::Load(int col) {
  if (IsDictColumn(col)) ESAFE_TRY(LoadDict(col));
  for (size_t b = 0; b < blocks_.size(); ++b) ESAFE_TRY(LoadBlock(b, col));
  return Ok();
}

Result<void> SegmentData::LoadAll() {
  for (int c = 0; c < kColumnCount; ++c) ESAFE_TRY(Load(c));
  if (version_ >= 2) {
    // Verify reads every byte: the postings too.
    std::vector<uint8_t> none, blocks;
    ESAFE_TRY(HostBlocks(none, blocks));
  }
  return Ok();
}

ActivityEvent SegmentData::Row(size_t r) const {
  ActivityEvent e;
  e.time_us = times_[r];
  e.client = client(r);
  for (const int c : kDictColumns) DictFieldMut(e, c)->assign(dicts_[c][ids_[c][r]]);
  e.url.assign(url(r));
  e.action = action(r);
  e.safe_search = safe_search(r);
  return e;
}

std::vector<ActivityEvent> SegmentData::AllRows() const {
  std::vector<ActivityEvent> out;
  out.reserve(index_.count);
  for (size_t r = 0; r < index_.count; ++r) out.push_back(Row(r));
  return out;
}

std::vector<int64_t> SegmentData::Times() const {
  return std::vector<int64_t>(times_.get(), times_.get() + index_.count);
}

}  // namespace esafe::activity::internal
