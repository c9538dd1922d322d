// The hash chain (chain.log) and the WAL: reading, checking and replaying them.
#include <sodium.h>

#include <cstring>

#include "activity/internal.h"

namespace esafe::activity::internal {

Result<ChainRead> ReadChain(const std::string& dir) {
  ChainRead out;
  auto data = ReadFile(dir + "/chain.log");
  if (!data) {
    if (data.error().kind == ErrorKind::kNotFound) return out;
    return data.error();
  }
  std::string_view in(*data);
  std::string prev = kGenesisHash;
  size_t pos = 0;
  uint64_t seq = 0;
  while (pos < in.size()) {
    const size_t nl = in.find('\n', pos);
    if (nl == std::string_view::npos) {
      out.torn_tail = true;
      break;
    }
    ++seq;
    std::string_view line = in.substr(pos, nl - pos);
    auto fail = [&](std::string why) {
      out.problem = "chain entry " + std::to_string(seq) + ": " + why;
      out.problem_seq = seq;
    };
    if (line.size() < 66 || line[64] != ' ') {
      fail("malformed line");
      break;
    }
    ChainEntry e;
    e.seq = seq;
    e.hash.assign(line.substr(0, 64));
    e.body.assign(line.substr(65));
    if (Sha256Hex2(prev, e.body) != e.hash) {
      fail("hash does not follow from the previous entry (entry altered, removed, inserted or reordered)");
      break;
    }
    e.json = nlohmann::json::parse(e.body, nullptr, false);
    if (e.json.is_discarded() || !e.json.is_object() || !e.json.contains("seq") || !e.json["seq"].is_number_unsigned() ||
        e.json["seq"].get<uint64_t>() != seq) {
      fail("entry body is not a well-formed record for this position");
      break;
    }
    prev = e.hash;
    out.entries.push_back(std::move(e));
    pos = nl + 1;
    out.good_bytes = pos;
  }
  return out;
}

namespace {
template <typename T>
bool Get(const nlohmann::json& j, const char* key, T& out) {
  auto it = j.find(key);
  if (it == j.end()) return false;
  try {
    out = it->get<T>();
  } catch (const nlohmann::json::exception&) {
    return false;
  }
  return true;
}
}  // namespace

Result<void> ApplyEntry(ChainState& st, const ChainEntry& e) {
  {
    const auto& j = e.json;
    std::string kind;
    auto bad = [&](const std::string& why) {
      return Error::Internal("chain entry " + std::to_string(e.seq) + " (" + kind + "): " + why);
    };
    if (!Get(j, "kind", kind)) return bad("no kind");
    if (kind == "segment" || kind == "rewrite") {
      LiveSegment s{e.seq, {}, {}, 0, 0, 0};
      if (!Get(j, "file", s.file) || !Get(j, "sha256", s.sha256) || !Get(j, "events", s.events) ||
          !Get(j, "min_time", s.min_time) || !Get(j, "max_time", s.max_time))
        return bad("missing fields");
      if (s.file != SegmentFileName(e.seq)) return bad("file name does not match its position");
      if (kind == "segment") {
        uint64_t gen = 0;
        if (!Get(j, "wal_gen", gen)) return bad("no wal_gen");
        st.max_wal_gen = std::max(st.max_wal_gen, gen);
      } else {
        uint64_t old = 0;
        if (!Get(j, "replaces", old) || !st.live.count(old)) return bad("rewrites a segment that is not live");
        st.live.erase(old);
        st.removed_by[old] = e.seq;
      }
      st.live.emplace(e.seq, std::move(s));
    } else if (kind == "delete") {
      uint64_t seg = 0;
      if (!Get(j, "segment", seg) || !st.live.count(seg)) return bad("deletes a segment that is not live");
      st.live.erase(seg);
      st.removed_by[seg] = e.seq;
    } else if (kind == "hold") {
      LegalHold h;
      if (!Get(j, "id", h.id) || st.holds.count(h.id)) return bad("hold without a fresh id");
      int64_t t;
      std::string s;
      if (Get(j, "from", t)) h.from_us = t;
      if (Get(j, "to", t)) h.to_us = t;
      if (Get(j, "cidr", s)) h.cidr = s;
      if (Get(j, "user", s)) h.user = s;
      Get(j, "reason", h.reason);
      st.holds.emplace(h.id, h);
    } else if (kind == "release") {
      std::string id;
      if (!Get(j, "id", id) || !st.holds.count(id)) return bad("releases an unknown hold");
      st.holds.erase(id);
    } else {
      return bad("unknown kind");
    }
    st.head = e.hash;
    st.length = e.seq;
  }
  return Ok();
}

Result<ChainState> Replay(const std::vector<ChainEntry>& entries) {
  ChainState st;
  for (const auto& e : entries) ESAFE_TRY(ApplyEntry(st, e));
  return st;
}

// WAL record: u32 magic | u32 compressed length | u32 raw length | u32 event count |
// 16-byte BLAKE2b of the 16 header bytes and the payload | zstd payload of rows.
namespace {
constexpr uint32_t kWalMagic = 0x4c415745;  // "EWAL"
void Checksum(std::string_view header, std::string_view payload, unsigned char out[16]) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, 16);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(header.data()), header.size());
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(payload.data()), payload.size());
  crypto_generichash_final(&st, out, 16);
}
}  // namespace

Result<std::string> EncodeWalBatch(std::span<const ActivityEvent> batch, int level) {
  // The rows are encoded into a per-thread buffer and compressed straight after the
  // header: a fresh multi-megabyte buffer per batch was page faults on every Append.
  thread_local std::string raw;
  raw.clear();
  for (const auto& e : batch) EncodeEventRow(raw, e);
  std::string out;
  PutFixed32(out, kWalMagic);
  PutFixed32(out, 0);  // compressed length, below
  PutFixed32(out, static_cast<uint32_t>(raw.size()));
  PutFixed32(out, static_cast<uint32_t>(batch.size()));
  out.append(16, '\0');  // checksum, below
  auto clen = CompressAppend(out, raw, level);
  if (!clen) return clen.error();
  for (int i = 0; i < 4; ++i) out[4 + i] = static_cast<char>(*clen >> (8 * i));
  unsigned char sum[16];
  Checksum(std::string_view(out).substr(0, 16), std::string_view(out).substr(32), sum);
  std::memcpy(out.data() + 16, sum, 16);
  return out;
}

Result<WalRead> ReadWal(const std::string& path) {
  WalRead out;
  auto data = ReadFile(path);
  if (!data) {
    if (data.error().kind == ErrorKind::kNotFound) return out;
    return data.error();
  }
  std::string_view in(*data);
  while (!in.empty()) {
    std::string_view rec = in;
    uint32_t magic, clen, rlen, count;
    if (!GetFixed32(rec, magic) || !GetFixed32(rec, clen) || !GetFixed32(rec, rlen) || !GetFixed32(rec, count) ||
        magic != kWalMagic || rec.size() < 16 + size_t{clen}) {
      out.torn = true;
      break;
    }
    unsigned char sum[16];
    Checksum(in.substr(0, 16), rec.substr(16, clen), sum);
    if (std::memcmp(sum, rec.data(), 16) != 0) {
      out.torn = true;
      break;
    }
    auto raw = Decompress(rec.substr(16, clen), rlen);
    if (!raw) {
      out.torn = true;
      break;
    }
    std::string_view rows(*raw);
    std::vector<ActivityEvent> batch(count);
    bool good = true;
    for (auto& e : batch) good = good && DecodeEventRow(rows, e);
    if (!good || !rows.empty()) {
      out.torn = true;
      break;
    }
    for (auto& e : batch) out.events.push_back(std::move(e));
    ++out.batches;
    in.remove_prefix(16 + 16 + size_t{clen});
    out.good_bytes = data->size() - in.size();
  }
  return out;
}

}  // namespace esafe::activity::internal
