// Store: the append-only writer (WAL, sealing, the chain, retention and holds).
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "activity/internal.h"

namespace esafe::activity {

using namespace internal;

namespace {
constexpr int64_t kDayUs = 86400LL * 1000000LL;

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Error Sys(const std::string& what) { return Error::Internal(what + ": " + std::strerror(errno)); }

Result<void> WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Sys("write");
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Ok();
}

std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* ent = ::readdir(d)) names.emplace_back(ent->d_name);
    ::closedir(d);
  }
  return names;
}

// seq of "seg-00000012.esl", or 0.
uint64_t SegmentSeqOf(const std::string& name) {
  if (name.size() != 16 || name.rfind("seg-", 0) != 0 || name.substr(12) != ".esl") return 0;
  uint64_t v = 0;
  for (char c : name.substr(4, 8)) {
    if (c < '0' || c > '9') return 0;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}
uint64_t WalGenOf(const std::string& name) {
  if (name.size() != 16 || name.rfind("wal-", 0) != 0 || name.substr(12) != ".log") return 0;
  uint64_t v = 0;
  for (char c : name.substr(4, 8)) {
    if (c < '0' || c > '9') return 0;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

nlohmann::json PolicyJson(const RetentionPolicy& p) {
  nlohmann::json j;
  j["default_days"] = p.default_days;
  j["agency_days"] = nlohmann::json::object();
  for (const auto& [a, d] : p.agency_days) j["agency_days"][a] = d;
  return j;
}
}  // namespace

int64_t RetentionPolicy::DaysFor(const std::string& agency) const {
  auto it = agency_days.find(agency);
  return it == agency_days.end() ? default_days : it->second;
}

bool LegalHold::Matches(const ActivityEvent& e) const {
  if (from_us && e.time_us < *from_us) return false;
  if (to_us && e.time_us >= *to_us) return false;
  if (user && e.user != *user) return false;
  if (cidr) {
    auto r = ParseCidr(*cidr);
    if (!r || !r->Contains(e.client)) return false;
  }
  return true;
}

struct Store::Impl {
  std::string dir;
  StoreOptions options;
  int lock_fd = -1;
  int chain_fd = -1;
  int wal_fd = -1;
  uint64_t wal_gen = 1;
  off_t wal_size = 0;
  ChainState state;
  // The active part, already in columns: Append interns each event once and the seal
  // encodes from here (no copy of the events, no second pass of hashing).
  SegmentBuilder active;
  // The chain's cursors plus the marks in the WAL since: which batches are in the log.
  BatchCursors batches;
  std::shared_ptr<const BatchObserver> observer;  // swapped under mu, called outside it
  mutable std::mutex mu;

  ~Impl() {
    for (int fd : {wal_fd, chain_fd, lock_fd})
      if (fd >= 0) ::close(fd);
  }

  Result<void> AppendChain(nlohmann::ordered_json body) {
    ChainEntry e;
    e.seq = state.length + 1;
    nlohmann::ordered_json full;
    full["seq"] = e.seq;
    for (auto& [k, v] : body.items()) full[k] = v;
    e.body = full.dump();
    e.hash = Sha256Hex2(state.head, e.body);
    e.json = nlohmann::json::parse(e.body);
    ESAFE_TRY(ApplyEntry(state, e));  // validates before anything is written
    const std::string line = e.hash + " " + e.body + "\n";
    ESAFE_TRY(WriteAll(chain_fd, line));
    if (::fsync(chain_fd) != 0) return Sys("fsync chain.log");
    return Ok();
  }

  Result<void> OpenWal() {
    const std::string path = dir + "/" + WalFileName(wal_gen);
    wal_fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (wal_fd < 0) return Sys("open " + path);
    struct stat st {};
    ::fstat(wal_fd, &st);
    wal_size = st.st_size;
    return SyncDir(dir);
  }

  Result<void> SealLocked() {
    if (active.empty()) return Ok();
    const uint64_t seq = state.length + 1;
    auto bytes = active.Encode(seq, options.segment_zstd_level);
    if (!bytes) return bytes.error();
    const std::string name = SegmentFileName(seq);
    ESAFE_TRY(WriteFileDurably(dir, name, *bytes));
    nlohmann::ordered_json body;
    body["kind"] = "segment";
    body["file"] = name;
    body["events"] = active.size();
    body["min_time"] = active.min_time();
    body["max_time"] = active.max_time();
    body["sha256"] = Sha256Hex(*bytes);
    body["wal_gen"] = wal_gen;
    body["sealed_at"] = NowUs();
    if (!batches.empty() || !state.batches.empty()) {
      // A sender silent for a year has long emptied its spool: its cursor can go.
      constexpr int64_t kForgetUs = 400 * kDayUs;
      std::erase_if(batches, [now = NowUs()](const auto& item) { return item.second.seen_us < now - kForgetUs; });
      body["batches"] = BatchCursorsJson(batches);
    }
    ESAFE_TRY(AppendChain(body));
    // The events are in the chain now; the WAL that held them is obsolete.
    ::close(wal_fd);
    wal_fd = -1;
    ::unlink((dir + "/" + WalFileName(wal_gen)).c_str());
    ++wal_gen;
    active.Clear();
    return OpenWal();
  }
};

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

Result<std::unique_ptr<Store>> Store::Open(const std::string& dir, const StoreOptions& options) {
  if (::mkdir(dir.c_str(), 0750) != 0 && errno != EEXIST) return Sys("mkdir " + dir);
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->options = options;
  impl->lock_fd = ::open((dir + "/LOCK").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (impl->lock_fd < 0) return Sys("open " + dir + "/LOCK");
  if (::flock(impl->lock_fd, LOCK_EX | LOCK_NB) != 0)
    return Error::Conflict("the activity log " + dir + " is open in another process");

  auto chain = ReadChain(dir);
  if (!chain) return chain.error();
  if (!chain->problem.empty())
    return Error::Internal("activity log " + dir + " is corrupt (" + chain->problem + "); run esafe log verify");
  if (chain->torn_tail && ::truncate((dir + "/chain.log").c_str(), static_cast<off_t>(chain->good_bytes)) != 0)
    return Sys("truncate chain.log");
  auto state = Replay(chain->entries);
  if (!state) return state.error();
  impl->state = std::move(*state);

  // Clean up after a crash: half-written files and those the chain already disowned.
  for (const auto& name : ListDir(dir)) {
    const std::string path = dir + "/" + name;
    if (name.size() > 5 && name.front() == '.' && name.substr(name.size() - 4) == ".tmp") ::unlink(path.c_str());
    if (uint64_t seq = SegmentSeqOf(name); seq != 0) {
      if (seq > impl->state.length || impl->state.removed_by.count(seq)) ::unlink(path.c_str());
    }
    if (uint64_t gen = WalGenOf(name); gen != 0 && gen <= impl->state.max_wal_gen) ::unlink(path.c_str());
  }
  impl->wal_gen = impl->state.max_wal_gen + 1;
  const std::string wal_path = dir + "/" + WalFileName(impl->wal_gen);
  auto wal = ReadWal(wal_path);
  if (!wal) return wal.error();
  if (wal->torn && ::truncate(wal_path.c_str(), static_cast<off_t>(wal->good_bytes)) != 0)
    return Sys("truncate " + wal_path);
  impl->active.Add(wal->events);
  impl->batches = impl->state.batches;
  for (const auto& mark : wal->marks) impl->batches[mark.generation] = {mark.node, mark.seq, NowUs()};

  impl->chain_fd = ::open((dir + "/chain.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (impl->chain_fd < 0) return Sys("open chain.log");
  ESAFE_TRY(impl->OpenWal());
  return std::unique_ptr<Store>(new Store(std::move(impl)));
}

Result<void> Store::Append(std::span<const ActivityEvent> batch) {
  auto appended = AppendMarked(batch, nullptr);
  if (!appended) return appended.error();
  return Ok();
}

Result<bool> Store::AppendOnce(std::span<const ActivityEvent> batch, const BatchMark& mark) {
  if (!IsValidGeneration(mark.generation))
    return Error::Invalid("a batch generation is 1 to 64 letters, digits, '-' or '_'", "batch");
  if (mark.seq == 0) return Error::Invalid("batch numbers start at 1", "batch");
  if (mark.node.size() > kMaxFieldBytes) return Error::TooLarge("node name too long", "node");
  return AppendMarked(batch, &mark);
}

uint64_t Store::LastBatch(const std::string& generation) const {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->batches.find(generation);
  return it == impl_->batches.end() ? 0 : it->second.seq;
}

Result<bool> Store::AppendMarked(std::span<const ActivityEvent> batch, const BatchMark* mark) {
  for (const auto& e : batch) {
    if (e.url.size() > kMaxUrlBytes) return Error::TooLarge("url over " + std::to_string(kMaxUrlBytes) + " bytes", "url");
  }
  std::unique_lock lock(impl_->mu);
  auto& im = *impl_;
  if (mark) {
    auto it = im.batches.find(mark->generation);
    if (it != im.batches.end() && mark->seq <= it->second.seq) return false;
  }
  if (batch.empty() && !mark) return true;
  auto record = EncodeWalBatch(batch, mark);
  if (!record) return record.error();
  if (auto w = WriteAll(im.wal_fd, *record); !w) {
    if (::ftruncate(im.wal_fd, im.wal_size) != 0) return Sys("truncate WAL after a failed write");
    return w.error();
  }
  if (im.options.sync && ::fdatasync(im.wal_fd) != 0) {
    const Error e = Sys("fdatasync WAL");
    if (::ftruncate(im.wal_fd, im.wal_size) != 0) return Sys("truncate WAL after a failed sync");
    return e;
  }
  im.wal_size += static_cast<off_t>(record->size());
  if (mark) im.batches[mark->generation] = {mark->node, mark->seq, NowUs()};
  im.active.Add(batch);
  if (im.active.size() >= im.options.segment_events) ESAFE_TRY(im.SealLocked());
  const auto observer = im.observer;
  lock.unlock();
  if (observer && !batch.empty()) (*observer)(batch);
  return true;
}

void Store::SetBatchObserver(BatchObserver observer) {
  auto shared = observer ? std::make_shared<const BatchObserver>(std::move(observer)) : nullptr;
  std::lock_guard lock(impl_->mu);
  impl_->observer = std::move(shared);
}

Result<void> Store::Seal() {
  std::lock_guard lock(impl_->mu);
  return impl_->SealLocked();
}

Result<RetentionReport> Store::ApplyRetention(const RetentionPolicy& policy, int64_t now_us) {
  std::lock_guard lock(impl_->mu);
  auto& im = *impl_;
  RetentionReport report;
  int64_t min_days = policy.default_days;
  for (const auto& [a, d] : policy.agency_days) min_days = std::min(min_days, d);
  // A quiet log may not fill a segment within the retention period: seal the active
  // part when any of it has expired, so that it is judged like everything else.
  if (im.active.AnyRow([&](int64_t time_us, std::string_view agency) {
        return time_us < now_us - policy.DaysFor(std::string(agency)) * kDayUs;
      }))
    ESAFE_TRY(im.SealLocked());
  std::vector<LegalHold> holds;
  for (const auto& [id, h] : im.state.holds) holds.push_back(h);
  std::vector<LiveSegment> live;
  for (const auto& [seq, s] : im.state.live) live.push_back(s);
  for (const auto& seg : live) {
    // Nothing in this segment can have expired yet under the shortest period.
    if (seg.min_time >= now_us - min_days * kDayUs) continue;
    auto file = ReadFile(im.dir + "/" + seg.file);
    if (!file) return file.error();
    if (Sha256Hex(*file) != seg.sha256)
      return Error::Internal("segment " + seg.file + " does not match the chain; run esafe log verify");
    auto data = SegmentData::Parse(std::move(*file));
    if (!data) return data.error();
    ESAFE_TRY(data->LoadAll());
    std::vector<ActivityEvent> kept;
    std::set<std::string> holds_used;
    uint64_t held = 0;
    for (size_t r = 0; r < data->index().count; ++r) {
      ActivityEvent e = data->Row(r);
      if (e.time_us >= now_us - policy.DaysFor(e.agency) * kDayUs) {
        kept.push_back(std::move(e));
        continue;
      }
      bool is_held = false;
      for (const auto& h : holds) {
        if (h.Matches(e)) {
          holds_used.insert(h.id);
          is_held = true;
        }
      }
      if (is_held) {
        ++held;
        kept.push_back(std::move(e));
      }
    }
    if (kept.size() == seg.events) continue;
    nlohmann::ordered_json body;
    if (kept.empty()) {
      body["kind"] = "delete";
      body["segment"] = seg.seq;
      body["file"] = seg.file;
      body["events"] = seg.events;
      body["min_time"] = seg.min_time;
      body["max_time"] = seg.max_time;
    } else {
      const uint64_t seq = im.state.length + 1;
      auto bytes = EncodeSegment(seq, kept, im.options.segment_zstd_level);
      if (!bytes) return bytes.error();
      ESAFE_TRY(WriteFileDurably(im.dir, SegmentFileName(seq), *bytes));
      body["kind"] = "rewrite";
      body["replaces"] = seg.seq;
      body["file"] = SegmentFileName(seq);
      body["events"] = kept.size();
      body["removed"] = seg.events - kept.size();
      body["min_time"] = kept.front().time_us;
      body["max_time"] = kept.back().time_us;
      body["sha256"] = Sha256Hex(*bytes);
      body["holds"] = holds_used;
      body["replaced_range"] = {seg.min_time, seg.max_time};
    }
    body["rule"] = "retention";
    body["policy"] = PolicyJson(policy);
    body["at"] = now_us;
    ESAFE_TRY(im.AppendChain(body));
    ::unlink((im.dir + "/" + seg.file).c_str());
    ESAFE_TRY(SyncDir(im.dir));
    if (kept.empty()) {
      ++report.segments_deleted;
    } else {
      ++report.segments_rewritten;
    }
    report.events_deleted += seg.events - kept.size();
    report.events_kept_by_hold += held;
  }
  return report;
}

Result<void> Store::PlaceHold(const LegalHold& hold, const std::string& who) {
  if (hold.id.empty() || hold.id.size() > kMaxFieldBytes) return Error::Invalid("a hold needs an id", "id");
  if (!hold.from_us && !hold.to_us && !hold.cidr && !hold.user)
    return Error::Invalid("a hold must name a time range, an IP range or a user", "hold");
  if (hold.cidr) ESAFE_TRY(ParseCidr(*hold.cidr));
  std::lock_guard lock(impl_->mu);
  if (impl_->state.holds.count(hold.id)) return Error::Conflict("hold " + hold.id + " already exists", "id");
  nlohmann::ordered_json body;
  body["kind"] = "hold";
  body["id"] = hold.id;
  if (hold.from_us) body["from"] = *hold.from_us;
  if (hold.to_us) body["to"] = *hold.to_us;
  if (hold.cidr) body["cidr"] = *hold.cidr;
  if (hold.user) body["user"] = *hold.user;
  body["reason"] = hold.reason;
  body["by"] = who;
  body["at"] = NowUs();
  return impl_->AppendChain(body);
}

Result<void> Store::ReleaseHold(const std::string& id, const std::string& who) {
  std::lock_guard lock(impl_->mu);
  if (!impl_->state.holds.count(id)) return Error::NotFound("no hold " + id);
  nlohmann::ordered_json body;
  body["kind"] = "release";
  body["id"] = id;
  body["by"] = who;
  body["at"] = NowUs();
  return impl_->AppendChain(body);
}

std::vector<LegalHold> Store::Holds() const {
  std::lock_guard lock(impl_->mu);
  std::vector<LegalHold> out;
  for (const auto& [id, h] : impl_->state.holds) out.push_back(h);
  return out;
}

std::string Store::HeadHash() const {
  std::lock_guard lock(impl_->mu);
  return impl_->state.head;
}

uint64_t Store::ActiveEvents() const {
  std::lock_guard lock(impl_->mu);
  return impl_->active.size();
}

}  // namespace esafe::activity
