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
//
// This header holds the byte-level helpers the segment files share: the writer
// (builder.cc), the reader (reader.cc, dictionary.cc, columns.cc) and the old format
// (legacy_v1.cc). Internal to src/activity.
#pragma once

#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "activity/internal.h"

namespace esafe::activity::internal {

inline constexpr std::string_view kMagicV1 = "ESAFSEG1";
inline constexpr std::string_view kMagicV2 = "ESAFSEG2";
inline constexpr std::string_view kMagicV3 = "ESAFSEG3";

// The columns a segment of `version` stores, and how many of them are dictionaries.
inline int ColumnsOf(int version) { return version >= 3 ? kColumnCount : kColumnCountV2; }
inline size_t DictColumnsOf(int version) { return version >= 3 ? kDictColumns.size() : 8; }

inline void PutSet(std::string& out, const std::set<std::string>& s) {
  PutVarint(out, s.size());
  for (const auto& v : s) PutString(out, v);
}
inline bool GetSet(std::string_view& in, std::set<std::string>& s) {
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

inline Error Corrupt(const std::string& what) { return Error::Internal("corrupt segment: " + what); }

inline bool GetIp(std::string_view& in, IpAddress& ip) {
  if (in.size() < 16) return false;
  std::memcpy(ip.bytes.data(), in.data(), 16);
  in.remove_prefix(16);
  return true;
}

// Parses a dictionary: varint n, n strings. Views point into `bytes`.
inline bool ParseDict(std::string_view in, std::string_view& rest, std::vector<std::string_view>& out) {
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

// Pread exactly `len` bytes at `offset`; a short file is a corrupt segment.
Result<void> PreadAll(int fd, char* out, size_t len, uint64_t offset, const std::string& what);

}  // namespace esafe::activity::internal
