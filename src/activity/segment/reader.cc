// Opening a sealed segment: the header, the index and the block layout, and reading
// its frames, from the whole file (Parse) or with pread (Open). Dictionaries are in
// dictionary.cc, a block's columns in columns.cc, the ESAFSEG1 layout in legacy_v1.cc.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <span>

#include "activity/segment/format.h"

namespace esafe::activity::internal {

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
    ESAFE_TRY(s.ParseColumnsV1(in, file_size));
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

}  // namespace esafe::activity::internal
