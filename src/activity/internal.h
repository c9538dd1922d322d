// Internal to src/activity: the segment, chain and WAL formats (docs/activity.md).
// Not part of the capability's interface; tests may use it to tamper with files.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "activity/activity.h"

namespace esafe::activity::internal {

// ---- Byte helpers ----
void PutVarint(std::string& out, uint64_t v);
bool GetVarint(std::string_view& in, uint64_t& v);
void PutFixed32(std::string& out, uint32_t v);
void PutFixed64(std::string& out, uint64_t v);
bool GetFixed32(std::string_view& in, uint32_t& v);
bool GetFixed64(std::string_view& in, uint64_t& v);
void PutString(std::string& out, std::string_view s);
bool GetString(std::string_view& in, std::string_view& s);

std::string Sha256Hex(std::string_view data);
std::string Sha256Hex2(std::string_view a, std::string_view b);

Result<std::string> Compress(std::string_view raw, int level);
Result<std::string> Decompress(std::string_view frame, size_t raw_size);
// Decompresses into this thread's scratch buffer: the view is valid until the next
// call on the same thread. For columns that are parsed, not kept.
Result<std::string_view> DecompressToScratch(std::string_view frame, size_t raw_size);

Result<std::string> ReadFile(const std::string& path);
// Writes `data` to `path` via a temporary file, fsync, rename, directory fsync.
Result<void> WriteFileDurably(const std::string& dir, const std::string& name, std::string_view data);
Result<void> SyncDir(const std::string& dir);

// ---- Row codec (WAL batches) ----
void EncodeEventRow(std::string& out, const ActivityEvent& e);
bool DecodeEventRow(std::string_view& in, ActivityEvent& e);

// ---- Bloom filter over strings ----
struct Bloom {
  std::vector<uint8_t> bits;  // empty: matches everything
  static Bloom Build(const std::vector<std::string_view>& keys);
  bool MayContain(std::string_view key) const;
};

// ---- Segments ----
enum Column : int {
  kColTime = 0, kColClient, kColUser, kColSite, kColAgency, kColProfile, kColHost,
  kColCategory, kColList, kColListVersion, kColUrl, kColAction, kColumnCount
};

struct SegmentIndex {
  uint64_t seq = 0;
  uint64_t count = 0;
  int64_t min_time = 0, max_time = 0;
  IpAddress min_ip, max_ip;
  std::set<std::string> agencies, categories, sites;
  Bloom hosts, users;
};

// The encoded file for `events` (sorted by time here, stably) with sequence number `seq`.
Result<std::string> EncodeSegment(uint64_t seq, std::vector<ActivityEvent>& events, int level);

// Parses the header and index of a segment file's bytes.
Result<SegmentIndex> ReadSegmentIndex(std::string_view file);

// A decoded segment, columns decompressed on demand.
class SegmentData {
 public:
  static Result<SegmentData> Parse(std::string file);
  const SegmentIndex& index() const { return index_; }
  Result<void> Load(int column);
  // After Load of the columns involved:
  const std::vector<int64_t>& times() const { return times_; }
  const std::vector<IpAddress>& clients() const { return clients_; }
  const std::vector<std::string>& dict(int column) const { return dicts_[column]; }
  const std::vector<uint32_t>& ids(int column) const { return ids_[column]; }
  std::string_view url(size_t row) const { return std::string_view(url_raw_).substr(url_off_[row], url_off_[row + 1] - url_off_[row]); }
  Action action(size_t row) const { return static_cast<Action>(actions_[row]); }
  Result<void> LoadAll();
  ActivityEvent Row(size_t row) const;  // after LoadAll
  std::vector<ActivityEvent> AllRows() const;

 private:
  std::string file_;
  SegmentIndex index_;
  struct Dir { uint64_t offset; uint32_t clen; uint32_t rlen; };
  std::vector<Dir> dir_;
  std::vector<bool> loaded_;
  std::vector<int64_t> times_;
  std::vector<IpAddress> clients_;
  std::vector<std::vector<std::string>> dicts_;
  std::vector<std::vector<uint32_t>> ids_;
  std::string url_raw_;
  std::vector<uint32_t> url_off_;
  std::vector<uint8_t> actions_;
};

std::string SegmentFileName(uint64_t seq);
std::string WalFileName(uint64_t gen);

// ---- The chain ----
struct ChainEntry {
  uint64_t seq = 0;        // 1-based line number
  std::string hash;        // hex
  std::string body;        // the JSON text that was hashed
  nlohmann::json json;     // parsed body
};
inline const std::string kGenesisHash(64, '0');

struct ChainRead {
  std::vector<ChainEntry> entries;
  size_t good_bytes = 0;     // bytes of whole, well-formed lines
  bool torn_tail = false;    // a last line without newline
  std::string problem;       // first malformed or broken-link line, if any
  uint64_t problem_seq = 0;
};
// Reads chain.log; stops at the first line whose hash does not link (recording it).
Result<ChainRead> ReadChain(const std::string& dir);

// The live state the chain describes.
struct LiveSegment {
  uint64_t seq;
  std::string file;
  std::string sha256;
  uint64_t events;
  int64_t min_time, max_time;
};
struct ChainState {
  std::map<uint64_t, LiveSegment> live;          // by seq
  std::map<uint64_t, uint64_t> removed_by;       // segment seq → entry that removed it
  std::map<std::string, LegalHold> holds;
  uint64_t max_wal_gen = 0;
  std::string head = kGenesisHash;
  uint64_t length = 0;
};
Result<ChainState> Replay(const std::vector<ChainEntry>& entries);
Result<void> ApplyEntry(ChainState& st, const ChainEntry& e);

// ---- WAL ----
struct WalRead {
  std::vector<ActivityEvent> events;
  uint64_t batches = 0;
  size_t good_bytes = 0;
  bool torn = false;
};
Result<WalRead> ReadWal(const std::string& path);
Result<std::string> EncodeWalBatch(std::span<const ActivityEvent> batch, int level);

}  // namespace esafe::activity::internal
