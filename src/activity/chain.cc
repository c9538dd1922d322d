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
        if (auto batches = j.find("batches"); batches != j.end()) {
          if (!batches->is_object()) return bad("batches is not an object");
          BatchCursors cursors;
          for (const auto& [generation, c] : batches->items()) {
            BatchCursor cursor;
            if (!IsValidGeneration(generation) || !c.is_object() || !Get(c, "node", cursor.node) ||
                !Get(c, "seq", cursor.seq) || !Get(c, "seen", cursor.seen_us))
              return bad("malformed batch cursor");
            cursors.emplace(generation, std::move(cursor));
          }
          st.batches = std::move(cursors);
        }
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

nlohmann::json BatchCursorsJson(const BatchCursors& cursors) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [generation, c] : cursors)
    out[generation] = {{"node", c.node}, {"seq", c.seq}, {"seen", c.seen_us}};
  return out;
}

bool IsValidGeneration(std::string_view generation) {
  if (generation.empty() || generation.size() > 64) return false;
  for (char c : generation) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_'))
      return false;
  }
  return true;
}

Result<ChainState> Replay(const std::vector<ChainEntry>& entries) {
  ChainState st;
  for (const auto& e : entries) ESAFE_TRY(ApplyEntry(st, e));
  return st;
}

// WAL records. Version 3 (written): u32 magic "EWA3" | u32 payload length | u32 event
// count | u32 CRC-32C of the 12 header bytes before it and the payload | rows (row
// version 2). A marked record ("EWAM") is the same with the payload starting with the
// batch's mark: string generation, varint seq, string node (strings are varint length
// and bytes), so that a batch and its mark are written, and torn, together. Version 2
// ("EWA2", read only) is version 3 with row version 1.
// Version 1 (read only): u32 magic "EWAL" | u32 compressed length | u32 raw length |
// u32 event count | 16-byte BLAKE2b of the 16 header bytes and the payload | zstd(rows).
// The WAL lives only until its segment is sealed, and the checksum guards against torn
// writes, not tampering (the chain does that): compressing and BLAKE2b-hashing every
// batch were 40% of ingest CPU, for a file deleted a few seconds later.
namespace {
constexpr uint32_t kWalMagicV1 = 0x4c415745;  // "EWAL"
constexpr uint32_t kWalMagicV2 = 0x32415745;  // "EWA2": version 1 rows
constexpr uint32_t kWalMagicV3 = 0x33415745;  // "EWA3": version 2 rows (with the decision fields)
constexpr uint32_t kWalMagicMarked = 0x4d415745;  // "EWAM": EWA3 whose payload starts with a BatchMark
void ChecksumV1(std::string_view header, std::string_view payload, unsigned char out[16]) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, 16);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(header.data()), header.size());
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(payload.data()), payload.size());
  crypto_generichash_final(&st, out, 16);
}
uint32_t ChecksumV2(std::string_view header, std::string_view payload) {
  return Crc32c(Crc32c(0, header), payload);
}
constexpr size_t kWalHeaderV2 = 16;
}  // namespace

namespace {
// A CRC-checked record ("EWA2", "EWA3" or, with `mark`, "EWAM") of `batch` in `out`,
// rows of `row_version`.
Result<void> EncodeCrcRecord(std::string& out, std::span<const ActivityEvent> batch, uint32_t magic,
                             int row_version, const BatchMark* mark = nullptr) {
  out.clear();
  PutFixed32(out, magic);
  PutFixed32(out, 0);  // payload length, below
  PutFixed32(out, static_cast<uint32_t>(batch.size()));
  PutFixed32(out, 0);  // checksum, below
  if (mark) {
    PutString(out, mark->generation);
    PutVarint(out, mark->seq);
    PutString(out, mark->node);
  }
  for (const auto& e : batch) EncodeEventRow(out, e, row_version);
  const size_t payload = out.size() - kWalHeaderV2;
  if (payload > UINT32_MAX) return Error::TooLarge("WAL batch over 4 GiB", "batch");
  for (int i = 0; i < 4; ++i) out[4 + i] = static_cast<char>(payload >> (8 * i));
  const uint32_t sum = ChecksumV2(std::string_view(out).substr(0, 12), std::string_view(out).substr(kWalHeaderV2));
  for (int i = 0; i < 4; ++i) out[12 + i] = static_cast<char>(sum >> (8 * i));
  return Ok();
}
}  // namespace

Result<std::string_view> EncodeWalBatch(std::span<const ActivityEvent> batch, const BatchMark* mark) {
  // One per-thread buffer, rows encoded straight after the header: a fresh
  // multi-megabyte buffer per batch was page faults on every Append.
  thread_local std::string out;
  ESAFE_TRY(EncodeCrcRecord(out, batch, mark ? kWalMagicMarked : kWalMagicV3, 2, mark));
  return std::string_view(out);
}

Result<std::string> EncodeWalBatchV2(std::span<const ActivityEvent> batch) {
  std::string out;
  ESAFE_TRY(EncodeCrcRecord(out, batch, kWalMagicV2, 1));
  return out;
}

Result<std::string> EncodeWalBatchV1(std::span<const ActivityEvent> batch, int level) {
  std::string raw;
  for (const auto& e : batch) EncodeEventRow(raw, e, 1);
  std::string out;
  PutFixed32(out, kWalMagicV1);
  PutFixed32(out, 0);  // compressed length, below
  PutFixed32(out, static_cast<uint32_t>(raw.size()));
  PutFixed32(out, static_cast<uint32_t>(batch.size()));
  out.append(16, '\0');  // checksum, below
  auto clen = CompressAppend(out, raw, level);
  if (!clen) return clen.error();
  for (int i = 0; i < 4; ++i) out[4 + i] = static_cast<char>(*clen >> (8 * i));
  unsigned char sum[16];
  ChecksumV1(std::string_view(out).substr(0, 16), std::string_view(out).substr(32), sum);
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
  // Each record is checked whole before any of its rows is taken: a record that is
  // short, fails its checksum or does not decode ends the good part of the file.
  auto take = [&](std::string_view rows, uint32_t count, size_t record_size, int row_version) {
    std::vector<ActivityEvent> batch(count);
    bool good = true;
    for (auto& e : batch) good = good && DecodeEventRow(rows, e, row_version);
    if (!good || !rows.empty()) return false;
    for (auto& e : batch) out.events.push_back(std::move(e));
    ++out.batches;
    in.remove_prefix(record_size);
    out.good_bytes = data->size() - in.size();
    return true;
  };
  while (!in.empty()) {
    std::string_view rec = in;
    uint32_t magic = 0;
    if (!GetFixed32(rec, magic)) break;
    if (magic == kWalMagicV2 || magic == kWalMagicV3 || magic == kWalMagicMarked) {
      uint32_t len, count, sum;
      if (!GetFixed32(rec, len) || !GetFixed32(rec, count) || !GetFixed32(rec, sum) || rec.size() < size_t{len} ||
          count > len)  // every row takes more than a byte: a count above that is garbage
        break;
      if (ChecksumV2(in.substr(0, 12), rec.substr(0, len)) != sum) break;
      std::string_view payload = rec.substr(0, len);
      if (magic == kWalMagicMarked) {
        BatchMark mark;
        std::string_view generation, node;
        if (!GetString(payload, generation) || !GetVarint(payload, mark.seq) || !GetString(payload, node)) break;
        mark.generation.assign(generation);
        mark.node.assign(node);
        out.marks.push_back(std::move(mark));
      }
      if (!take(payload, count, kWalHeaderV2 + size_t{len}, magic == kWalMagicV2 ? 1 : 2)) {
        if (magic == kWalMagicMarked) out.marks.pop_back();
        break;
      }
    } else if (magic == kWalMagicV1) {
      uint32_t clen, rlen, count;
      if (!GetFixed32(rec, clen) || !GetFixed32(rec, rlen) || !GetFixed32(rec, count) ||
          rec.size() < 16 + size_t{clen} || count > rlen)
        break;
      unsigned char sum[16];
      ChecksumV1(in.substr(0, 16), rec.substr(16, clen), sum);
      if (std::memcmp(sum, rec.data(), 16) != 0) break;
      auto raw = Decompress(rec.substr(16, clen), rlen);
      if (!raw || !take(*raw, count, 16 + 16 + size_t{clen}, 1)) break;
    } else {
      break;
    }
  }
  out.torn = !in.empty();
  return out;
}

}  // namespace esafe::activity::internal
