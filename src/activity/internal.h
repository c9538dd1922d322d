// Internal to src/activity: the segment, chain and WAL formats (docs/activity.md).
// Not part of the capability's interface; tests may use it to tamper with files.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <span>
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
// CRC-32C of `data`, continuing from `crc` (0 to start): the WAL's torn-write check.
// `portable` forces the table form (for the test that compares the two).
uint32_t Crc32c(uint32_t crc, std::string_view data, bool portable = false);
std::string Sha256Hex2(std::string_view a, std::string_view b);

Result<std::string> Compress(std::string_view raw, int level);
// Appends the frame for `raw` to `out`; returns the frame's size.
Result<size_t> CompressAppend(std::string& out, std::string_view raw, int level);
Result<std::string> Decompress(std::string_view frame, size_t raw_size);
// Decompresses into this thread's scratch buffer: the view is valid until the next
// call on the same thread. For columns that are parsed, not kept.
Result<std::string_view> DecompressToScratch(std::string_view frame, size_t raw_size);
// Decompresses into `out`, which holds exactly `raw_size` bytes.
Result<void> DecompressInto(std::string_view frame, char* out, size_t raw_size);

Result<std::string> ReadFile(const std::string& path);
// Writes `data` to `path` via a temporary file, fsync, rename, directory fsync.
Result<void> WriteFileDurably(const std::string& dir, const std::string& name, std::string_view data);
Result<void> SyncDir(const std::string& dir);

// ---- Row codec (WAL batches) ----
// Version 2 (in "EWA3" records): the version 1 row, then point, reason, entry and node,
// and the action byte carries safe_search in bit 2. Version 1 ("EWAL" and "EWA2"
// records, written before the decision fields) has neither; it is still read.
void EncodeEventRow(std::string& out, const ActivityEvent& e, int version = 2);
bool DecodeEventRow(std::string_view& in, ActivityEvent& e, int version = 2);

// The action byte of segments (ESAFSEG3) and WAL rows (version 2): the action in bits
// 0-1, safe_search in bit 2.
inline uint8_t ActionByte(const ActivityEvent& e) {
  return static_cast<uint8_t>(static_cast<uint8_t>(e.action) | (e.safe_search ? 4 : 0));
}

// ---- Bloom filter over strings ----
struct Bloom {
  std::vector<uint8_t> bits;  // empty: matches everything
  static Bloom Build(const std::vector<std::string_view>& keys);
  bool MayContain(std::string_view key) const;
};

// ---- Segments ----
// Columns in layout order. ESAFSEG1 and ESAFSEG2 segments have the first 12 (through
// action); ESAFSEG3 adds the decision's dictionary columns after them, and its action
// byte carries safe_search (ActionByte).
enum Column : int {
  kColTime = 0, kColClient, kColUser, kColSite, kColAgency, kColProfile, kColHost,
  kColCategory, kColList, kColListVersion, kColUrl, kColAction,
  kColPoint, kColReason, kColEntry, kColNode, kColumnCount
};
inline constexpr int kColumnCountV2 = kColAction + 1;
// The dictionary columns, in layout order.
inline constexpr std::array<int, 12> kDictColumns = {kColUser,  kColSite,        kColAgency, kColProfile,
                                                     kColHost,  kColCategory,    kColList,   kColListVersion,
                                                     kColPoint, kColReason,      kColEntry,  kColNode};
inline constexpr bool IsDictColumn(int col) {
  return (col >= kColUser && col <= kColListVersion) || (col >= kColPoint && col < kColumnCount);
}
// The event's string of a dictionary column, as a member pointer: loops over rows take
// it once per column, so a row costs one load, not a call and a switch.
using StringField = std::string ActivityEvent::*;
inline StringField DictMember(int col) {
  switch (col) {
    case kColUser: return &ActivityEvent::user;
    case kColSite: return &ActivityEvent::site;
    case kColAgency: return &ActivityEvent::agency;
    case kColProfile: return &ActivityEvent::profile;
    case kColHost: return &ActivityEvent::host;
    case kColCategory: return &ActivityEvent::category;
    case kColList: return &ActivityEvent::list;
    case kColPoint: return &ActivityEvent::point;
    case kColReason: return &ActivityEvent::reason;
    case kColEntry: return &ActivityEvent::entry;
    case kColNode: return &ActivityEvent::node;
    default: return &ActivityEvent::list_version;
  }
}
inline const std::string& DictField(const ActivityEvent& e, int col) { return e.*DictMember(col); }
inline std::string* DictFieldMut(ActivityEvent& e, int col) { return &(e.*DictMember(col)); }

struct SegmentIndex {
  uint64_t seq = 0;
  uint64_t count = 0;
  int64_t min_time = 0, max_time = 0;
  IpAddress min_ip, max_ip;
  std::set<std::string> agencies, categories, sites;
  Bloom hosts, users;
};

// Rows per block in an ESAFSEG2 segment: each block's columns are separate zstd frames,
// so a search decompresses only the blocks that can hold a match, and a scattered row
// costs one block of each column (docs/activity.md: why 1,024). Readers take the size
// from the segment's layout.
inline constexpr uint32_t kBlockRows = 1024;
// Values per dictionary chunk: a chunk is one zstd frame, so an exact host or a row's
// user string costs one chunk (a few KB), not the dictionary (tens of thousands of values).
inline constexpr uint32_t kDictChunkRows = 256;

// Builds a segment column by column as events arrive: strings are interned to
// dictionary ids on Add, so sealing neither copies events nor hashes them again.
class SegmentBuilder {
 public:
  SegmentBuilder();
  void Add(std::span<const ActivityEvent> batch);
  size_t size() const { return times_.size(); }
  bool empty() const { return times_.empty(); }
  int64_t min_time() const { return min_time_; }
  int64_t max_time() const { return max_time_; }
  // Whether any row's (time, agency) satisfies `pred`.
  bool AnyRow(const std::function<bool(int64_t, std::string_view)>& pred) const;
  // The ESAFSEG3 file for the rows so far, sorted by time (stably). Other `block_rows`,
  // dict_chunk_rows 0 (one unsorted frame per dictionary, as before) and `version` 2
  // (ESAFSEG2: the decision columns and safe_search dropped) only for the tests that
  // read segments written by earlier versions.
  Result<std::string> Encode(uint64_t seq, int level, uint32_t block_rows = kBlockRows,
                             uint32_t dict_chunk_rows = kDictChunkRows, int version = 3) const;
  void Clear();

 private:
  // A dictionary column's interned values, in an open-addressing table whose slots are
  // one cache line each and hold the value's hash, length and first 48 bytes: a lookup
  // is one memory access, which Add issues ahead (prefetch) while it interns the rows
  // before. The user and host columns have tens of thousands of values per segment, so
  // each lookup was a cache miss or three (slot, id, string), half the ingest profile.
  struct Dict {
    static constexpr size_t kInline = 48;
    struct alignas(64) Slot {
      uint64_t hash = 0;
      uint32_t id1 = 0;  // id + 1; 0 is an empty slot
      uint32_t len = 0;
      char head[kInline];
    };
    std::deque<std::string> values;       // by id; a deque never moves its strings
    std::vector<std::string_view> views;  // by id, into values
    std::vector<Slot> slots;
    static uint64_t Hash(std::string_view v);
    // Makes room for `more` new values without growing during a batch.
    void Reserve(size_t more);
    void Prefetch(uint64_t hash) const { __builtin_prefetch(&slots[hash & (slots.size() - 1)]); }
    uint32_t Intern(std::string_view v, uint64_t hash);
  };
  std::vector<int64_t> times_;
  std::vector<IpAddress> clients_;
  std::vector<Dict> dicts_;                      // by column
  std::vector<std::vector<uint32_t>> ids_;       // by column
  std::string url_bytes_;
  std::vector<uint64_t> url_end_;
  std::vector<uint8_t> actions_;
  int64_t min_time_ = 0, max_time_ = 0;
};

// The encoded file for `events` (sorted by time here, stably) with sequence number `seq`.
Result<std::string> EncodeSegment(uint64_t seq, std::vector<ActivityEvent>& events, int level,
                                  uint32_t block_rows = kBlockRows, uint32_t dict_chunk_rows = kDictChunkRows,
                                  int version = 3);

// Parses the header and index of a segment file's bytes (ESAFSEG1, 2 or 3).
Result<SegmentIndex> ReadSegmentIndex(std::string_view file);

// A decoded segment. Columns are decompressed on demand, per block (ESAFSEG2 and 3; an
// ESAFSEG1 segment is read as one block). Row numbers are segment-wide. The columns a
// segment's version lacks (point … node before ESAFSEG3) read as empty strings, and
// safe_search as false.
class SegmentData {
 public:
  // From the whole file's bytes (verify, retention, the mirror: they hash them first).
  static Result<SegmentData> Parse(std::string file);
  // From a path, reading with pread only the header, the layout and the frames asked for.
  static Result<SegmentData> Open(const std::string& path);

  struct Dir { uint64_t offset = 0; uint32_t clen = 0; uint32_t rlen = 0; };
  struct Block {
    uint64_t first_row = 0;
    uint32_t rows = 0;
    int64_t min_time = 0, max_time = 0;
    IpAddress min_ip, max_ip;
    std::array<Dir, kColumnCount> cols{};
  };
  int version() const { return version_; }
  const SegmentIndex& index() const { return index_; }
  const std::vector<Block>& blocks() const { return blocks_; }
  size_t BlockOf(size_t row) const { return row / block_rows_; }

  // The whole dictionary of a dictionary column (views into buffers this object owns).
  Result<void> LoadDict(int column);
  const std::vector<std::string_view>& dict(int column) const { return dicts_[column]; }
  size_t dict_size(int column) const { return dict_sizes_[column]; }
  // Whether the dictionary is in byte order and chunked (every segment written since
  // session 6); DictRange needs it.
  bool dict_sorted(int column) const { return dict_chunk_rows_[column] != 0; }
  // The value of one id, decompressing only its chunk.
  Result<std::string_view> DictValue(int column, uint64_t id);
  // The ids [first, second) whose values equal `key`, or with `prefix` start with it, by
  // binary search over the chunks' first values and then within one or two chunks.
  Result<std::pair<uint32_t, uint32_t>> DictRange(int column, std::string_view key, bool prefix);
  // The blocks in which a host dictionary entry occurs, for the ids `wanted` marks:
  // sets wanted_blocks[b]. Without postings (ESAFSEG1) marks every block.
  Result<void> HostBlocks(const std::vector<uint8_t>& wanted, std::vector<uint8_t>& wanted_blocks);

  Result<void> LoadBlock(size_t block, int column);
  // Appends the events of `rows` (ascending, all in `block`) to `out`, decoding each
  // column of the block just far enough, without the segment-wide arrays: what a
  // search returns. Columns already loaded are read from the arrays.
  Result<void> Materialize(size_t block, std::span<const uint32_t> rows, std::vector<ActivityEvent>& out);
  Result<void> Load(int column);  // every block (and the dictionary)
  Result<void> LoadAll();
  // How many block column frames have been decompressed (for tests and stats).
  uint64_t frames_decoded() const { return frames_decoded_; }
  // How many blocks had any column decompressed.
  uint64_t blocks_decoded() const;

  // After loading the block of `row` for the column involved:
  int64_t time(size_t row) const { return times_[row]; }
  IpAddress client(size_t row) const {
    IpAddress ip;
    std::memcpy(ip.bytes.data(), clients_.get() + row * 16, 16);
    return ip;
  }
  uint32_t id(int column, size_t row) const { return ids_[column][row]; }
  std::string_view url(size_t row) const {
    return std::string_view(block_urls_[BlockOf(row)]).substr(url_start_[row], url_len_[row]);
  }
  Action action(size_t row) const { return static_cast<Action>(actions_[row] & 3); }
  bool safe_search(size_t row) const { return (actions_[row] & 4) != 0; }
  // Whether the segment stores `column` (ESAFSEG3 stores them all).
  bool has_column(int column) const { return column < columns_; }
  ActivityEvent Row(size_t row) const;  // after LoadAll, or Load of every column of its block
  std::vector<ActivityEvent> AllRows() const;  // after LoadAll
  std::vector<int64_t> Times() const;          // after Load(kColTime)

 private:
  SegmentData() = default;
  Result<void> ParseLayout(std::string_view head, uint64_t frames_base, uint64_t file_size);
  // ESAFSEG1 (segment/legacy_v1.cc): the column directory, and a column's leading dictionary.
  Result<void> ParseColumnsV1(std::string_view in, uint64_t file_size);
  bool TakeDictV1(int col, std::string_view& in);
  Result<std::string_view> Frame(const Dir& d);  // the compressed bytes of a frame
  // The decompressed frame; from `read` (bytes of the file from offset `read_at`, holding
  // the frame) when given, else read for it.
  Result<std::string_view> Decoded(const Dir& d, std::string_view read = {}, uint64_t read_at = 0);
  template <typename T>
  static void Ensure(std::unique_ptr<T[]>& a, size_t n) {
    if (!a) a = std::make_unique_for_overwrite<T[]>(n ? n : 1);
  }

  int version_ = 2;
  int columns_ = kColumnCountV2;  // kColumnCount from ESAFSEG3
  // Makes the columns this version lacks read as one empty dictionary value.
  void SetMissingColumns();
  std::string file_;  // Parse: the whole file
  struct Fd {  // Open: read with pread; closed with the segment
    int value = -1;
    Fd() = default;
    Fd(Fd&& o) noexcept : value(o.value) { o.value = -1; }
    Fd& operator=(Fd&& o) noexcept;
    ~Fd();
  } fd_;
  SegmentIndex index_;
  uint32_t block_rows_ = kBlockRows;
  std::vector<Block> blocks_;
  Result<void> LoadDictChunk(int column, size_t chunk);
  Result<uint32_t> DictLowerBound(int column, std::string_view key);
  std::array<Dir, kColumnCount> dict_dirs_{};  // unsorted single-frame dictionaries
  struct DictChunk {
    Dir dir;
    std::string first;  // its first value, from the layout
    std::unique_ptr<char[]> bytes;  // decompressed, once loaded
  };
  std::array<std::vector<DictChunk>, kColumnCount> dict_chunks_;
  std::array<uint32_t, kColumnCount> dict_chunk_rows_{};  // 0: one unsorted frame
  std::array<uint64_t, kColumnCount> dict_sizes_{};
  Dir host_postings_;
  std::vector<uint8_t> loaded_;  // block * kColumnCount + column: 1 in the arrays, 2 materialized only
  std::array<bool, kColumnCount> dict_loaded_{};
  std::array<std::unique_ptr<char[]>, kColumnCount> dict_bytes_;  // not zero-filled first
  std::array<std::vector<std::string_view>, kColumnCount> dicts_;
  std::unique_ptr<int64_t[]> times_;
  std::unique_ptr<uint8_t[]> clients_;  // 16 bytes a row: IpAddress would zero-fill it
  std::array<std::unique_ptr<uint32_t[]>, kColumnCount> ids_;
  std::vector<std::string> block_urls_;
  std::unique_ptr<uint32_t[]> url_start_, url_len_;
  std::unique_ptr<uint8_t[]> actions_;
  uint64_t frames_decoded_ = 0;
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
// What the log knows of each sender generation's batches (BatchMark), kept in the chain
// at each seal and in the WAL between seals.
struct BatchCursor {
  std::string node;
  uint64_t seq = 0;
  int64_t seen_us = 0;
};
using BatchCursors = std::map<std::string, BatchCursor>;  // by generation
nlohmann::json BatchCursorsJson(const BatchCursors& cursors);

struct ChainState {
  BatchCursors batches;                          // as of the last seal that recorded them
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
  std::vector<BatchMark> marks;  // of the marked batches, in order
  uint64_t batches = 0;
  size_t good_bytes = 0;
  bool torn = false;
};
Result<WalRead> ReadWal(const std::string& path);
// The WAL record for `batch`, in this thread's buffer: valid until the next call on the
// same thread. Rows are stored uncompressed (docs/activity.md, "WAL record").
// With `mark`, the record carries it (a marked record, "EWAM") so that the batch and
// its mark are written, and torn, together.
Result<std::string_view> EncodeWalBatch(std::span<const ActivityEvent> batch, const BatchMark* mark = nullptr);
bool IsValidGeneration(std::string_view generation);
// The records earlier versions wrote — "EWAL" (zstd rows, BLAKE2b) and "EWA2" (rows
// without the decision fields) — still read on open, so a WAL left by one is replayed
// after an upgrade; written only by the tests that check this.
Result<std::string> EncodeWalBatchV1(std::span<const ActivityEvent> batch, int level);
Result<std::string> EncodeWalBatchV2(std::span<const ActivityEvent> batch);

}  // namespace esafe::activity::internal
