// A segment's dictionaries: whole (one unsorted frame) or in sorted chunks that a
// search loads one at a time, and the id ranges an exact or prefix match covers.
#include <algorithm>
#include <memory>

#include "activity/segment/format.h"

namespace esafe::activity::internal {

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

}  // namespace esafe::activity::internal
