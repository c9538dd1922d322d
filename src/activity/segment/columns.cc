// Decoding a segment's blocks: which blocks hold the hosts searched for, each column
// of a block, and the rows a search matched turned back into events.
#include <algorithm>
#include <cstring>
#include <span>

#include "activity/segment/format.h"

namespace esafe::activity::internal {

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
    if (version_ == 1 && !TakeDictV1(col, in)) return bad();
    const uint64_t dn = dict_sizes_[col];
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
