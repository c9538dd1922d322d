// Byte-level helpers: varints, hashes, zstd frames, durable files, the WAL row codec
// and the bloom filter that segment indexes carry.
#include <fcntl.h>
#include <sys/stat.h>
#include <sodium.h>
#include <unistd.h>
#include <zstd.h>

#include <array>
#include <cerrno>
#include <algorithm>
#include <cstring>
#include <fstream>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "activity/internal.h"

namespace esafe::activity::internal {

void PutVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

bool GetVarint(std::string_view& in, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift <= 63 && !in.empty(); shift += 7) {
    const auto byte = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    v |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return true;
  }
  return false;
}

void PutFixed32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
void PutFixed64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
bool GetFixed32(std::string_view& in, uint32_t& v) {
  if (in.size() < 4) return false;
  v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(in[i])) << (8 * i);
  in.remove_prefix(4);
  return true;
}
bool GetFixed64(std::string_view& in, uint64_t& v) {
  if (in.size() < 8) return false;
  v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(in[i])) << (8 * i);
  in.remove_prefix(8);
  return true;
}
void PutString(std::string& out, std::string_view s) {
  PutVarint(out, s.size());
  out.append(s);
}
bool GetString(std::string_view& in, std::string_view& s) {
  uint64_t n;
  if (!GetVarint(in, n) || n > in.size()) return false;
  s = in.substr(0, n);
  in.remove_prefix(n);
  return true;
}

namespace {
std::string Hex(const unsigned char* d, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kHex[d[i] >> 4]);
    out.push_back(kHex[d[i] & 15]);
  }
  return out;
}
}  // namespace

// CRC-32C (Castagnoli), as the SSE4.2 instruction computes it; the table is the fallback
// for processors without it, and the reference the test checks the instruction against.
namespace {
constexpr std::array<uint32_t, 256> kCrc32cTable = [] {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1)));
    t[i] = c;
  }
  return t;
}();

uint32_t Crc32cBytes(uint32_t c, const unsigned char* p, size_t n) {
  while (n--) c = kCrc32cTable[(c ^ *p++) & 0xff] ^ (c >> 8);
  return c;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t Crc32cSse42(uint32_t c, const unsigned char* p, size_t n) {
  uint64_t c64 = c;
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    c64 = _mm_crc32_u64(c64, v);
  }
  c = static_cast<uint32_t>(c64);
  for (; n > 0; --n) c = _mm_crc32_u8(c, *p++);
  return c;
}
const bool kHaveSse42 = __builtin_cpu_supports("sse4.2");
#endif
}  // namespace

uint32_t Crc32c(uint32_t crc, std::string_view data, bool portable) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  uint32_t c = ~crc;
#if defined(__x86_64__)
  if (kHaveSse42 && !portable) return ~Crc32cSse42(c, p, data.size());
#else
  (void)portable;
#endif
  return ~Crc32cBytes(c, p, data.size());
}

std::string Sha256Hex(std::string_view data) {
  unsigned char d[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(d, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return Hex(d, sizeof d);
}

std::string Sha256Hex2(std::string_view a, std::string_view b) {
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(a.data()), a.size());
  crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>("\n"), 1);
  crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(b.data()), b.size());
  unsigned char d[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&st, d);
  return Hex(d, sizeof d);
}

// One compression and one decompression context per thread, reused: creating a
// context per call (what ZSTD_compress/ZSTD_decompress do) allocates and clears
// megabytes each time, which showed up as page faults in the ingest profile.
namespace {
struct ZstdContexts {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_DCtx* d = ZSTD_createDCtx();
  ~ZstdContexts() {
    ZSTD_freeCCtx(c);
    ZSTD_freeDCtx(d);
  }
};
ZstdContexts& ThreadZstd() {
  thread_local ZstdContexts contexts;
  return contexts;
}
}  // namespace

// Both go through a per-thread scratch buffer that only grows: a fresh zero-filled
// buffer per column cost a memset and page faults on every call (a fifth of the
// ingest and query profiles on this VM).
Result<std::string> Compress(std::string_view raw, int level) {
  thread_local std::string scratch;
  const size_t bound = ZSTD_compressBound(raw.size());
  if (scratch.size() < bound) scratch.resize(bound);
  const size_t n = ZSTD_compressCCtx(ThreadZstd().c, scratch.data(), bound, raw.data(), raw.size(), level);
  if (ZSTD_isError(n)) return Error::Internal(std::string("zstd: ") + ZSTD_getErrorName(n));
  return std::string(scratch.data(), n);
}

Result<size_t> CompressAppend(std::string& out, std::string_view raw, int level) {
  const size_t bound = ZSTD_compressBound(raw.size()), at = out.size();
  // Grows geometrically (resize alone would reallocate to the exact size every call).
  if (out.capacity() < at + bound) out.reserve(std::max(at + bound, out.capacity() * 2));
  out.resize(at + bound);
  const size_t n = ZSTD_compressCCtx(ThreadZstd().c, out.data() + at, bound, raw.data(), raw.size(), level);
  if (ZSTD_isError(n)) {
    out.resize(at);
    return Error::Internal(std::string("zstd: ") + ZSTD_getErrorName(n));
  }
  out.resize(at + n);
  return n;
}

Result<std::string_view> DecompressToScratch(std::string_view frame, size_t raw_size) {
  if (raw_size > (size_t{1} << 31)) return Error::Internal("column too large");
  thread_local std::string scratch;
  if (scratch.size() < raw_size) scratch.resize(raw_size);
  const size_t n = ZSTD_decompressDCtx(ThreadZstd().d, scratch.data(), raw_size, frame.data(), frame.size());
  if (ZSTD_isError(n) || n != raw_size) return Error::Internal("corrupt compressed block");
  return std::string_view(scratch.data(), raw_size);
}

Result<void> DecompressInto(std::string_view frame, char* out, size_t raw_size) {
  const size_t n = ZSTD_decompressDCtx(ThreadZstd().d, out, raw_size, frame.data(), frame.size());
  if (ZSTD_isError(n) || n != raw_size) return Error::Internal("corrupt compressed block");
  return Ok();
}

Result<std::string> Decompress(std::string_view frame, size_t raw_size) {
  auto view = DecompressToScratch(frame, raw_size);
  if (!view) return view.error();
  return std::string(*view);
}

// read(2) into a buffer sized by fstat: the istreambuf_iterator loop it replaces
// copied a segment byte by byte.
Result<std::string> ReadFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Error::NotFound("cannot open " + path);
    return Error::Internal("cannot open " + path + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return Error::Internal("cannot stat " + path + ": " + std::strerror(errno));
  }
  // One byte more than the file holds, so that the read which finds the end needs no
  // room of its own: growing the buffer then would copy the whole segment again.
  std::string data(static_cast<size_t>(st.st_size) + 1, '\0');
  size_t done = 0;
  for (;;) {
    if (done == data.size()) data.resize(data.size() + 65536);  // the file grew (a WAL being appended)
    const ssize_t n = ::read(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return Error::Internal("cannot read " + path + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  data.resize(done);
  return data;
}

Result<void> SyncDir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return Error::Internal("cannot open directory " + dir + ": " + std::strerror(errno));
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Error::Internal("fsync " + dir + ": " + std::strerror(errno));
  return Ok();
}

Result<void> WriteFileDurably(const std::string& dir, const std::string& name, std::string_view data) {
  const std::string tmp = dir + "/." + name + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return Error::Internal("cannot create " + tmp + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return Error::Internal("write " + tmp + ": " + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    return Error::Internal("fsync " + tmp + ": " + std::strerror(errno));
  }
  ::close(fd);
  if (::rename(tmp.c_str(), (dir + "/" + name).c_str()) != 0)
    return Error::Internal("rename " + tmp + ": " + std::strerror(errno));
  return SyncDir(dir);
}

void EncodeEventRow(std::string& out, const ActivityEvent& e, int version) {
  PutFixed64(out, static_cast<uint64_t>(e.time_us));
  out.append(reinterpret_cast<const char*>(e.client.bytes.data()), 16);
  for (const std::string* s : {&e.user, &e.site, &e.agency, &e.profile, &e.url, &e.host, &e.category, &e.list,
                               &e.list_version})
    PutString(out, *s);
  if (version < 2) {
    out.push_back(static_cast<char>(e.action));
    return;
  }
  out.push_back(static_cast<char>(ActionByte(e)));
  for (const std::string* s : {&e.point, &e.reason, &e.entry, &e.node}) PutString(out, *s);
}

bool DecodeEventRow(std::string_view& in, ActivityEvent& e, int version) {
  uint64_t t;
  if (!GetFixed64(in, t) || in.size() < 16) return false;
  e.time_us = static_cast<int64_t>(t);
  std::memcpy(e.client.bytes.data(), in.data(), 16);
  in.remove_prefix(16);
  for (std::string* s : {&e.user, &e.site, &e.agency, &e.profile, &e.url, &e.host, &e.category, &e.list,
                         &e.list_version}) {
    std::string_view v;
    if (!GetString(in, v)) return false;
    s->assign(v);
  }
  if (in.empty() || static_cast<uint8_t>(in.front()) > (version < 2 ? 3 : 7)) return false;
  const auto action = static_cast<uint8_t>(in.front());
  e.action = static_cast<Action>(action & 3);
  e.safe_search = (action & 4) != 0;
  in.remove_prefix(1);
  if (version < 2) return true;
  for (std::string* s : {&e.point, &e.reason, &e.entry, &e.node}) {
    std::string_view v;
    if (!GetString(in, v)) return false;
    s->assign(v);
  }
  return true;
}

namespace {
uint64_t Fnv1a(std::string_view s, uint64_t seed) {
  uint64_t h = 1469598103934665603ULL ^ seed;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}
}  // namespace

Bloom Bloom::Build(const std::vector<std::string_view>& keys) {
  Bloom b;
  size_t nbits = std::max<size_t>(64, keys.size() * 10);
  nbits = (nbits + 7) / 8 * 8;
  b.bits.assign(nbits / 8, 0);
  for (auto k : keys) {
    const uint64_t h1 = Fnv1a(k, 0), h2 = Fnv1a(k, 0x9e3779b97f4a7c15ULL) | 1;
    for (uint64_t i = 0; i < 6; ++i) {
      const uint64_t bit = (h1 + i * h2) % nbits;
      b.bits[bit / 8] |= static_cast<uint8_t>(1u << (bit % 8));
    }
  }
  return b;
}

bool Bloom::MayContain(std::string_view k) const {
  if (bits.empty()) return true;
  const uint64_t nbits = bits.size() * 8;
  const uint64_t h1 = Fnv1a(k, 0), h2 = Fnv1a(k, 0x9e3779b97f4a7c15ULL) | 1;
  for (uint64_t i = 0; i < 6; ++i) {
    const uint64_t bit = (h1 + i * h2) % nbits;
    if (!(bits[bit / 8] & (1u << (bit % 8)))) return false;
  }
  return true;
}

}  // namespace esafe::activity::internal
