// ESAFSEG1, read but no longer written: one frame per column for the whole segment,
// a dictionary column's frame holding its dictionary then the ids (segment/format.h).
// It is read as a segment of one block without postings; the reader asks here for the
// two things that differ.
#include <algorithm>
#include <cstring>
#include <memory>

#include "activity/segment/format.h"

namespace esafe::activity::internal {

// The column directory that follows the index: u32 column count, then per column u64
// offset, u32 compressed length, u32 raw length.
Result<void> SegmentData::ParseColumnsV1(std::string_view in, uint64_t file_size) {
  uint32_t ncols;
  if (!GetFixed32(in, ncols) || ncols != kColumnCountV2) return Corrupt("column count");
  Block block;
  block.rows = static_cast<uint32_t>(index_.count);
  block.min_time = index_.min_time;
  block.max_time = index_.max_time;
  block.min_ip = index_.min_ip;
  block.max_ip = index_.max_ip;
  for (int c = 0; c < kColumnCountV2; ++c) {
    Dir& d = block.cols[c];
    if (!GetFixed64(in, d.offset) || !GetFixed32(in, d.clen) || !GetFixed32(in, d.rlen))
      return Corrupt("column directory");
    if (d.offset > file_size || d.clen > file_size - d.offset) return Corrupt("column out of bounds");
  }
  block_rows_ = std::max<uint32_t>(block.rows, 1);
  blocks_.push_back(block);
  return Ok();
}

// A column's frame starts with its dictionary: keeps it and leaves `in` at the ids.
bool SegmentData::TakeDictV1(int col, std::string_view& in) {
  dict_bytes_[col] = std::make_unique_for_overwrite<char[]>(in.size() ? in.size() : 1);
  std::memcpy(dict_bytes_[col].get(), in.data(), in.size());
  if (!ParseDict(std::string_view(dict_bytes_[col].get(), in.size()), in, dicts_[col])) return false;
  dict_sizes_[col] = dicts_[col].size();
  dict_loaded_[col] = true;
  return true;
}

}  // namespace esafe::activity::internal
