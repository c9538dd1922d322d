// Sealed segments: time-sorted events in zstd-compressed columns behind an index.
//
//   "ESAFSEG1" | u64 seq | u32 index length | index | u32 column count |
//   per column: u64 offset, u32 compressed length, u32 raw length | column frames
#include <algorithm>
#include <cstring>
#include <unordered_map>

#include "activity/internal.h"

namespace esafe::activity::internal {
namespace {

constexpr std::string_view kMagic = "ESAFSEG1";

const std::string& DictField(const ActivityEvent& e, int col) {
  switch (col) {
    case kColUser: return e.user;
    case kColSite: return e.site;
    case kColAgency: return e.agency;
    case kColProfile: return e.profile;
    case kColHost: return e.host;
    case kColCategory: return e.category;
    case kColList: return e.list;
    default: return e.list_version;
  }
}

std::string* DictFieldMut(ActivityEvent& e, int col) { return const_cast<std::string*>(&DictField(e, col)); }

bool IsDictColumn(int col) { return col >= kColUser && col <= kColListVersion; }

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

Result<std::string> EncodeSegment(uint64_t seq, std::vector<ActivityEvent>& events, int level) {
  if (events.empty()) return Error::Internal("empty segment");
  auto by_time = [](const ActivityEvent& a, const ActivityEvent& b) { return a.time_us < b.time_us; };
  if (!std::is_sorted(events.begin(), events.end(), by_time)) {
    // Sort a permutation, then move each event once: stable_sort on the events
    // themselves moved ~350-byte objects log(n) times and dominated sealing.
    std::vector<uint32_t> order(events.size());
    for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&events](uint32_t a, uint32_t b) { return events[a].time_us < events[b].time_us; });
    std::vector<ActivityEvent> sorted;
    sorted.reserve(events.size());
    for (uint32_t i : order) sorted.push_back(std::move(events[i]));
    events.swap(sorted);
  }
  SegmentIndex idx;
  idx.seq = seq;
  idx.count = events.size();
  idx.min_time = events.front().time_us;
  idx.max_time = events.back().time_us;
  idx.min_ip = idx.max_ip = events.front().client;

  // The column buffers are kept per thread between seals: fresh ones of tens of
  // megabytes were page-faulted in on every seal.
  thread_local std::vector<std::string> raw(kColumnCount), id_streams(kColumnCount);
  thread_local std::string url_lens, url_bytes;
  for (auto* buffers : {&raw, &id_streams})
    for (auto& b : *buffers) b.clear();
  url_lens.clear();
  url_bytes.clear();
  std::vector<std::unordered_map<std::string_view, uint32_t>> dict_ids(kColumnCount);
  std::vector<std::vector<std::string_view>> dict_order(kColumnCount);
  // The id each dictionary column gave the previous row: most rows repeat it for
  // the low-cardinality columns (list, version, profile), which saves the hash.
  std::vector<uint32_t> last_id(kColumnCount, UINT32_MAX);
  for (int c = kColUser; c <= kColListVersion; ++c) id_streams[c].reserve(events.size() * 2);
  raw[kColTime].reserve(events.size() * 3);
  raw[kColClient].reserve(events.size() * 16);
  raw[kColAction].reserve(events.size());
  url_lens.reserve(events.size() * 2);
  url_bytes.reserve(events.size() * 48);
  int64_t prev = idx.min_time;
  for (const auto& e : events) {
    PutVarint(raw[kColTime], static_cast<uint64_t>(e.time_us - prev));
    prev = e.time_us;
    raw[kColClient].append(reinterpret_cast<const char*>(e.client.bytes.data()), 16);
    idx.min_ip = std::min(idx.min_ip, e.client);
    idx.max_ip = std::max(idx.max_ip, e.client);
    for (int c = kColUser; c <= kColListVersion; ++c) {
      const std::string& v = DictField(e, c);
      uint32_t id = last_id[c];
      if (id == UINT32_MAX || dict_order[c][id] != v) {
        auto [it, inserted] = dict_ids[c].try_emplace(v, static_cast<uint32_t>(dict_order[c].size()));
        if (inserted) dict_order[c].push_back(v);
        id = last_id[c] = it->second;
      }
      PutVarint(id_streams[c], id);
    }
    PutVarint(url_lens, e.url.size());
    url_bytes.append(e.url);
    raw[kColAction].push_back(static_cast<char>(e.action));
  }
  for (int c = kColUser; c <= kColListVersion; ++c) {
    PutVarint(raw[c], dict_order[c].size());
    for (auto v : dict_order[c]) PutString(raw[c], v);
    raw[c].append(id_streams[c]);
  }
  raw[kColUrl].reserve(url_lens.size() + url_bytes.size());
  raw[kColUrl].append(url_lens).append(url_bytes);
  for (auto v : dict_order[kColAgency]) idx.agencies.emplace(v);
  for (auto v : dict_order[kColCategory]) idx.categories.emplace(v);
  for (auto v : dict_order[kColSite]) idx.sites.emplace(v);
  idx.hosts = Bloom::Build(dict_order[kColHost]);
  idx.users = Bloom::Build(dict_order[kColUser]);

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

  std::vector<std::string> frames(kColumnCount);
  for (int c = 0; c < kColumnCount; ++c) {
    auto f = Compress(raw[c], level);
    if (!f) return f.error();
    frames[c] = std::move(*f);
  }
  size_t total = kMagic.size() + 16 + index.size() + kColumnCount * 16;
  for (const auto& f : frames) total += f.size();
  std::string out;
  out.reserve(total);
  out.append(kMagic);
  PutFixed64(out, seq);
  PutFixed32(out, static_cast<uint32_t>(index.size()));
  out += index;
  PutFixed32(out, kColumnCount);
  uint64_t offset = out.size() + kColumnCount * 16;
  for (int c = 0; c < kColumnCount; ++c) {
    PutFixed64(out, offset);
    PutFixed32(out, static_cast<uint32_t>(frames[c].size()));
    PutFixed32(out, static_cast<uint32_t>(raw[c].size()));
    offset += frames[c].size();
  }
  for (const auto& f : frames) out += f;
  return out;
}

Result<SegmentIndex> ReadSegmentIndex(std::string_view in) {
  auto bad = [](const char* what) { return Error::Internal(std::string("corrupt segment: ") + what); };
  if (in.substr(0, kMagic.size()) != kMagic) return bad("bad magic");
  in.remove_prefix(kMagic.size());
  SegmentIndex idx;
  uint32_t len;
  if (!GetFixed64(in, idx.seq) || !GetFixed32(in, len) || len > in.size()) return bad("short header");
  std::string_view index = in.substr(0, len);
  uint64_t a, b;
  if (!GetVarint(index, idx.count) || !GetFixed64(index, a) || !GetFixed64(index, b) || index.size() < 32)
    return bad("short index");
  idx.min_time = static_cast<int64_t>(a);
  idx.max_time = static_cast<int64_t>(b);
  std::memcpy(idx.min_ip.bytes.data(), index.data(), 16);
  std::memcpy(idx.max_ip.bytes.data(), index.data() + 16, 16);
  index.remove_prefix(32);
  std::string_view hb, ub;
  if (!GetSet(index, idx.agencies) || !GetSet(index, idx.categories) || !GetSet(index, idx.sites) ||
      !GetString(index, hb) || !GetString(index, ub) || !index.empty())
    return bad("bad index sets");
  idx.hosts.bits.assign(hb.begin(), hb.end());
  idx.users.bits.assign(ub.begin(), ub.end());
  return idx;
}

Result<SegmentData> SegmentData::Parse(std::string file) {
  SegmentData s;
  s.file_ = std::move(file);
  auto idx = ReadSegmentIndex(s.file_);
  if (!idx) return idx.error();
  s.index_ = std::move(*idx);
  std::string_view in(s.file_);
  in.remove_prefix(kMagic.size() + 8);
  uint32_t len, ncols;
  GetFixed32(in, len);
  in.remove_prefix(len);
  if (!GetFixed32(in, ncols) || ncols != kColumnCount) return Error::Internal("corrupt segment: column count");
  for (uint32_t c = 0; c < ncols; ++c) {
    Dir d;
    if (!GetFixed64(in, d.offset) || !GetFixed32(in, d.clen) || !GetFixed32(in, d.rlen))
      return Error::Internal("corrupt segment: column directory");
    if (d.offset > s.file_.size() || d.clen > s.file_.size() - d.offset)
      return Error::Internal("corrupt segment: column out of bounds");
    s.dir_.push_back(d);
  }
  s.loaded_.assign(kColumnCount, false);
  s.dicts_.resize(kColumnCount);
  s.ids_.resize(kColumnCount);
  return s;
}

Result<void> SegmentData::Load(int col) {
  if (loaded_[col]) return Ok();
  const auto& d = dir_[col];
  auto raw = DecompressToScratch(std::string_view(file_).substr(d.offset, d.clen), d.rlen);
  if (!raw) return raw.error();
  std::string_view in = *raw;
  const uint64_t n = index_.count;
  auto bad = [col] { return Error::Internal("corrupt segment: column " + std::to_string(col)); };
  if (col == kColTime) {
    times_.resize(n);
    int64_t t = index_.min_time;
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t delta;
      if (!GetVarint(in, delta)) return bad();
      t += static_cast<int64_t>(delta);
      times_[i] = t;
    }
  } else if (col == kColClient) {
    if (in.size() != n * 16) return bad();
    clients_.resize(n);
    std::memcpy(static_cast<void*>(clients_.data()), in.data(), in.size());
  } else if (IsDictColumn(col)) {
    uint64_t dn;
    if (!GetVarint(in, dn) || dn > in.size() + 1) return bad();
    auto& dict = dicts_[col];
    dict.resize(dn);
    for (uint64_t i = 0; i < dn; ++i) {
      std::string_view v;
      if (!GetString(in, v)) return bad();
      dict[i].assign(v);
    }
    auto& ids = ids_[col];
    ids.resize(n);
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t id;
      if (!GetVarint(in, id) || id >= dn) return bad();
      ids[i] = static_cast<uint32_t>(id);
    }
  } else if (col == kColUrl) {
    url_off_.resize(n + 1);
    uint64_t total = 0;
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t len;
      if (!GetVarint(in, len)) return bad();
      url_off_[i] = static_cast<uint32_t>(total);
      total += len;
    }
    url_off_[n] = static_cast<uint32_t>(total);
    if (in.size() != total) return bad();
    url_raw_.assign(in);
  } else if (col == kColAction) {
    if (in.size() != n) return bad();
    actions_.assign(in.begin(), in.end());
    for (auto a : actions_)
      if (a > 3) return bad();
  }
  if (!in.empty() && col != kColUrl && col != kColClient && col != kColAction) return bad();
  loaded_[col] = true;
  return Ok();
}

Result<void> SegmentData::LoadAll() {
  for (int c = 0; c < kColumnCount; ++c) ESAFE_TRY(Load(c));
  return Ok();
}

ActivityEvent SegmentData::Row(size_t r) const {
  ActivityEvent e;
  e.time_us = times_[r];
  e.client = clients_[r];
  for (int c = kColUser; c <= kColListVersion; ++c) *DictFieldMut(e, c) = dicts_[c][ids_[c][r]];
  e.url.assign(url(r));
  e.action = action(r);
  return e;
}

std::vector<ActivityEvent> SegmentData::AllRows() const {
  std::vector<ActivityEvent> out;
  out.reserve(index_.count);
  for (size_t r = 0; r < index_.count; ++r) out.push_back(Row(r));
  return out;
}

}  // namespace esafe::activity::internal
