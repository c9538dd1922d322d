// Segment and WAL file names, the index every segment version starts with, and the
// one read helper the reader shares (the format itself: segment/format.h).
#include "activity/segment/format.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace esafe::activity::internal {

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

}  // namespace esafe::activity::internal
