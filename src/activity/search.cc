// LogReader: a snapshot of a log and the query engine over it.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <future>
#include <thread>

#include "activity/internal.h"
#include "activity/query_match.h"
#include "core/text.h"

namespace esafe::activity {

using namespace internal;

struct LogReader::Snapshot {
  std::string dir;
  struct Seg {
    LiveSegment live;
    SegmentIndex index;
  };
  std::vector<Seg> segments;  // by min_time
  std::vector<ActivityEvent> wal;  // by time
  uint64_t events = 0;
};

namespace {

Result<SegmentIndex> ReadIndexFromFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error::NotFound("segment " + path + " is missing");
  std::string head(20, '\0');
  ssize_t n = ::pread(fd, head.data(), head.size(), 0);
  if (n != 20) {
    ::close(fd);
    return Error::Internal("segment " + path + " is truncated");
  }
  std::string_view v(head);
  v.remove_prefix(16);
  uint32_t len = 0;
  GetFixed32(v, len);
  if (len > (64u << 20)) {
    ::close(fd);
    return Error::Internal("segment " + path + " has a corrupt header");
  }
  head.resize(20 + size_t{len});
  n = ::pread(fd, head.data() + 20, len, 20);
  ::close(fd);
  if (n != static_cast<ssize_t>(len)) return Error::Internal("segment " + path + " is truncated");
  return ReadSegmentIndex(head);
}

// The query with host lower-cased, as every comparison uses it.
Query Normalise(const Query& q) {
  Query n = q;
  if (n.host) n.host->value = text::Lower(n.host->value);
  return n;
}

int ColumnOf(Field f) {
  switch (f) {
    case Field::kUser: return kColUser;
    case Field::kSite: return kColSite;
    case Field::kAgency: return kColAgency;
    case Field::kProfile: return kColProfile;
    case Field::kHost: return kColHost;
    case Field::kCategory: return kColCategory;
    case Field::kList: return kColList;
    case Field::kAction: return kColAction;
    case Field::kClient: return kColClient;
    case Field::kDay: return kColTime;
    case Field::kPoint: return kColPoint;
    case Field::kReason: return kColReason;
    case Field::kNode: return kColNode;
  }
  return kColHost;
}

std::string FieldOf(const ActivityEvent& e, Field f) {
  switch (f) {
    case Field::kUser: return e.user;
    case Field::kSite: return e.site;
    case Field::kAgency: return e.agency;
    case Field::kProfile: return e.profile;
    case Field::kHost: return e.host;
    case Field::kCategory: return e.category;
    case Field::kList: return e.list;
    case Field::kAction: return std::string(ActionName(e.action));
    case Field::kClient: return FormatIp(e.client);
    case Field::kDay: return FormatTime(e.time_us).substr(0, 10);
    case Field::kPoint: return e.point;
    case Field::kReason: return e.reason;
    case Field::kNode: return e.node;
  }
  return {};
}

Result<SegmentData> LoadSegment(const std::string& dir, const LiveSegment& s) {
  auto seg = SegmentData::Open(dir + "/" + s.file);
  if (!seg && seg.error().kind == ErrorKind::kNotFound)
    return Error::NotFound("segment " + s.file + " vanished (retention ran during the search?)");
  return seg;
}

// Which of the snapshot's segments the query cannot skip by their indexes alone.
std::vector<bool> SegmentsToScan(const LogReader::Snapshot& snap, const Query& q) {
  std::vector<bool> wanted(snap.segments.size());
  for (size_t i = 0; i < wanted.size(); ++i) wanted[i] = IndexMayMatch(snap.segments[i].index, q);
  return wanted;
}

// One segment read for a query: the decoded segment and its matching rows (in time
// order). `column` is the one column CountBy needs, or -1 for every column (Search).
constexpr int kAllColumns = kColumnCount;
struct ScannedSegment {
  std::optional<SegmentData> data;    // CountBy, and a search with many rows
  std::vector<uint32_t> rows;         // their matching rows
  std::vector<ActivityEvent> events;  // a search: the matching events, decoded on the scan thread
  uint64_t count = 0, blocks = 0, blocks_read = 0;
};

Result<ScannedSegment> ScanSegment(const std::string& dir, const LiveSegment& live, const Query& q, int column) {
  ScannedSegment out;
  auto seg = LoadSegment(dir, live);
  if (!seg) return seg.error();
  ESAFE_TRY(FilterSegment(*seg, q, out.rows));
  // The columns the caller reads, only for the blocks holding matching rows. A search
  // decodes its events here, on the scan thread, unless there are so many that holding
  // them as events would cost more memory than the decoded columns: then the caller
  // makes each event from the columns as it goes.
  const auto& rows = out.rows;
  constexpr size_t kMaterializeRows = 16384;
  if (column < 0 && rows.size() > kMaterializeRows) column = kAllColumns;
  // The caller reads these dictionaries whole (Row, CountBy); Materialize reads chunks.
  if (!rows.empty() && column == kAllColumns) {
    for (const int c : kDictColumns) ESAFE_TRY(seg->LoadDict(c));
  } else if (!rows.empty() && IsDictColumn(column)) {
    ESAFE_TRY(seg->LoadDict(column));
  }
  for (size_t i = 0; i < rows.size();) {
    const size_t b = seg->BlockOf(rows[i]);
    size_t j = i;
    while (j < rows.size() && seg->BlockOf(rows[j]) == b) ++j;
    if (column == kAllColumns) {
      for (int c = 0; c < kColumnCount; ++c) ESAFE_TRY(seg->LoadBlock(b, c));
    } else if (column >= 0) {
      ESAFE_TRY(seg->LoadBlock(b, column));
    } else {
      ESAFE_TRY(seg->Materialize(b, std::span(rows).subspan(i, j - i), out.events));
    }
    i = j;
  }
  out.count = seg->index().count;
  out.blocks = seg->blocks().size();
  out.blocks_read = seg->blocks_decoded();
  if (column >= 0) {
    out.data = std::move(*seg);
  } else {
    out.rows.clear();
  }
  return out;
}

// The threads that scan segments: started once and kept, so their zstd contexts and
// scratch buffers stay warm (a thread per segment paid page faults for fresh ones).
// Tasks run in submission order.
class ScanPool {
 public:
  static ScanPool& Get() {
    static ScanPool pool(std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 8));
    return pool;
  }
  size_t size() const { return threads_.size(); }
  std::future<Result<ScannedSegment>> Submit(std::function<Result<ScannedSegment>()> fn) {
    auto task = std::make_shared<std::packaged_task<Result<ScannedSegment>()>>(std::move(fn));
    auto future = task->get_future();
    {
      std::lock_guard lock(mu_);
      queue_.emplace_back([task] { (*task)(); });
    }
    cv_.notify_one();
    return future;
  }
  ~ScanPool() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }

 private:
  explicit ScanPool(size_t n) {
    for (size_t i = 0; i < n; ++i) threads_.emplace_back([this] { Work(); });
  }
  void Work() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
        if (queue_.empty()) return;
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      job();
    }
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

// Reads the segments a query cannot skip on up to `Workers()` threads at once, while
// the caller consumes them strictly in segment order: results stay in time order and
// streaming, and memory stays bounded by that many decoded segments in flight.
class ParallelScan {
 public:
  ParallelScan(const LogReader::Snapshot& snap, const std::vector<bool>& wanted, const Query& q, int column)
      : snap_(snap), wanted_(wanted), q_(q), column_(column) {}
  // Scans still running refer to this object and the query: wait for them (a search
  // stopped early by its RowFn, or failed, leaves some in flight).
  ~ParallelScan() {
    for (auto& entry : inflight_) entry.second.wait();
  }
  ParallelScan(const ParallelScan&) = delete;
  ParallelScan& operator=(const ParallelScan&) = delete;
  // The scan of segment i (which must be wanted), starting the next ones meanwhile.
  Result<ScannedSegment> Take(size_t i) {
    while (next_ < wanted_.size() && inflight_.size() < Workers()) Launch();
    while (inflight_.empty() || inflight_.front().first != i) {
      if (next_ >= wanted_.size()) return Error::Internal("segment scan out of order");
      Launch();
    }
    auto result = inflight_.front().second.get();
    inflight_.pop_front();
    while (next_ < wanted_.size() && inflight_.size() < Workers()) Launch();
    return result;
  }

 private:
  static size_t Workers() { return ScanPool::Get().size(); }
  void Launch() {
    while (next_ < wanted_.size() && !wanted_[next_]) ++next_;
    if (next_ >= wanted_.size()) return;
    const size_t i = next_++;
    inflight_.emplace_back(i, ScanPool::Get().Submit([this, i] {
                             return ScanSegment(snap_.dir, snap_.segments[i].live, q_, column_);
                           }));
  }

  const LogReader::Snapshot& snap_;
  const std::vector<bool>& wanted_;
  const Query& q_;
  const int column_;
  size_t next_ = 0;
  std::deque<std::pair<size_t, std::future<Result<ScannedSegment>>>> inflight_;
};

}  // namespace

std::optional<Field> ParseField(std::string_view n) {
  if (n == "user") return Field::kUser;
  if (n == "site") return Field::kSite;
  if (n == "agency") return Field::kAgency;
  if (n == "profile") return Field::kProfile;
  if (n == "host") return Field::kHost;
  if (n == "category") return Field::kCategory;
  if (n == "list") return Field::kList;
  if (n == "action") return Field::kAction;
  if (n == "client") return Field::kClient;
  if (n == "day") return Field::kDay;
  if (n == "point") return Field::kPoint;
  if (n == "reason") return Field::kReason;
  if (n == "node") return Field::kNode;
  return std::nullopt;
}

Result<LogReader> LogReader::Open(const std::string& dir) {
  for (int attempt = 0;; ++attempt) {
    auto chain = ReadChain(dir);
    if (!chain) return chain.error();
    if (!chain->problem.empty())
      return Error::Internal("activity log " + dir + " is corrupt (" + chain->problem + "); run esafe log verify");
    auto state = Replay(chain->entries);
    if (!state) return state.error();
    auto snap = std::make_shared<Snapshot>();
    snap->dir = dir;
    bool vanished = false;
    for (const auto& [seq, live] : state->live) {
      auto idx = ReadIndexFromFile(dir + "/" + live.file);
      if (!idx) {
        vanished = true;
        break;
      }
      snap->events += idx->count;
      snap->segments.push_back({live, std::move(*idx)});
    }
    auto wal = ReadWal(dir + "/" + WalFileName(state->max_wal_gen + 1));
    if (!wal) return wal.error();
    // A seal or retention run between reading the chain and the files: read again.
    auto again = ReadChain(dir);
    if (vanished || !again || again->entries.size() != chain->entries.size()) {
      if (attempt < 5) continue;
      return Error::Internal("activity log " + dir + " kept changing while it was opened");
    }
    std::sort(snap->segments.begin(), snap->segments.end(),
              [](const Snapshot::Seg& a, const Snapshot::Seg& b) { return a.index.min_time < b.index.min_time; });
    snap->wal = std::move(wal->events);
    std::stable_sort(snap->wal.begin(), snap->wal.end(),
                     [](const ActivityEvent& a, const ActivityEvent& b) { return a.time_us < b.time_us; });
    snap->events += snap->wal.size();
    LogReader r;
    r.snapshot_ = std::move(snap);
    return r;
  }
}

uint64_t LogReader::segment_count() const { return snapshot_->segments.size(); }
uint64_t LogReader::event_count() const { return snapshot_->events; }

SearchStats LogReader::Estimate(const Query& query) const {
  const Query q = Normalise(query);
  SearchStats stats;
  stats.segments_total = snapshot_->segments.size();
  for (const auto& s : snapshot_->segments) {
    if (!IndexMayMatch(s.index, q)) continue;
    ++stats.segments_scanned;
    stats.events_scanned += s.index.count;
  }
  stats.events_scanned += snapshot_->wal.size();
  return stats;
}

Result<SearchStats> LogReader::Search(const Query& query, const RowFn& row, const ProgressFn& progress) const {
  const Query q = Normalise(query);
  SearchStats stats;
  stats.segments_total = snapshot_->segments.size();
  const uint64_t parts = snapshot_->segments.size() + 1;
  uint64_t done = 0;
  const std::vector<bool> wanted = SegmentsToScan(*snapshot_, q);
  ParallelScan scan(*snapshot_, wanted, q, -1);
  for (size_t i = 0; i < wanted.size(); ++i) {
    // Told before each part, so a skipped or empty segment counts as well.
    if (progress && done > 0) progress(done, parts);
    ++done;
    if (!wanted[i]) continue;
    auto scanned = scan.Take(i);
    if (!scanned) return scanned.error();
    ++stats.segments_scanned;
    stats.events_scanned += scanned->count;
    stats.blocks_total += scanned->blocks;
    stats.blocks_read += scanned->blocks_read;
    for (const ActivityEvent& e : scanned->events) {
      ++stats.events_matched;
      if (!row(e)) return stats;
    }
    for (uint32_t r : scanned->rows) {
      ++stats.events_matched;
      if (!row(scanned->data->Row(r))) return stats;
    }
  }
  if (progress && done > 0) progress(done, parts);
  for (const auto& e : snapshot_->wal) {
    ++stats.events_scanned;
    if (!EventMatches(e, q)) continue;
    ++stats.events_matched;
    if (!row(e)) return stats;
  }
  if (progress) progress(parts, parts);
  return stats;
}

Result<std::map<std::string, uint64_t>> LogReader::CountBy(const Query& query, Field field,
                                                           SearchStats* out_stats) const {
  const Query q = Normalise(query);
  SearchStats stats;
  stats.segments_total = snapshot_->segments.size();
  std::map<std::string, uint64_t> counts;
  const int col = ColumnOf(field);
  const std::vector<bool> wanted = SegmentsToScan(*snapshot_, q);
  ParallelScan scan(*snapshot_, wanted, q, col);
  for (size_t i = 0; i < wanted.size(); ++i) {
    if (!wanted[i]) continue;
    auto scanned = scan.Take(i);
    if (!scanned) return scanned.error();
    const SegmentData* seg = &*scanned->data;
    const auto& rows = scanned->rows;
    ++stats.segments_scanned;
    stats.events_scanned += scanned->count;
    stats.blocks_total += scanned->blocks;
    stats.blocks_read += scanned->blocks_read;
    if (rows.empty()) continue;
    stats.events_matched += rows.size();
    if (IsDictColumn(col)) {
      std::vector<uint64_t> per_id(seg->dict(col).size());
      for (uint32_t r : rows) ++per_id[seg->id(col, r)];
      for (size_t k = 0; k < per_id.size(); ++k)
        if (per_id[k]) counts[std::string(seg->dict(col)[k])] += per_id[k];
    } else if (field == Field::kAction) {
      for (uint32_t r : rows) ++counts[std::string(ActionName(seg->action(r)))];
    } else if (field == Field::kClient) {
      std::map<IpAddress, uint64_t> by_ip;
      for (uint32_t r : rows) ++by_ip[seg->client(r)];
      for (const auto& [ip, n] : by_ip) counts[FormatIp(ip)] += n;
    } else {
      for (uint32_t r : rows) ++counts[FormatTime(seg->time(r)).substr(0, 10)];
    }
  }
  for (const auto& e : snapshot_->wal) {
    ++stats.events_scanned;
    if (!EventMatches(e, q)) continue;
    ++stats.events_matched;
    ++counts[FieldOf(e, field)];
  }
  if (out_stats) *out_stats = stats;
  return counts;
}

std::string DescribeQuery(const Query& q) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  if (q.from_us) j["from"] = FormatTime(*q.from_us);
  if (q.to_us) j["to"] = FormatTime(*q.to_us);
  if (!q.clients.empty()) {
    auto& arr = j["clients"] = nlohmann::ordered_json::array();
    for (const auto& r : q.clients) arr.push_back(FormatIp(r.first) + "-" + FormatIp(r.last));
  }
  auto text = [](const TextFilter& f) {
    static constexpr const char* kNames[] = {"exact", "prefix", "substring"};
    return nlohmann::ordered_json{{"match", kNames[static_cast<int>(f.match)]}, {"value", f.value}};
  };
  if (q.host) j["host"] = text(*q.host);
  if (q.url) j["url"] = text(*q.url);
  if (!q.users.empty()) j["users"] = q.users;
  if (!q.sites.empty()) j["sites"] = q.sites;
  if (!q.agencies.empty()) j["agencies"] = q.agencies;
  if (!q.categories.empty()) j["categories"] = q.categories;
  if (!q.points.empty()) j["points"] = q.points;
  if (!q.reasons.empty()) j["reasons"] = q.reasons;
  if (q.action) j["action"] = std::string(ActionName(*q.action));
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace esafe::activity
