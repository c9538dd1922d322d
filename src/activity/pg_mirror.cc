// PgMirror: copies sealed segments into time-partitioned PostgreSQL tables (activity.h,
// docs/activity.md "Regional consortium").
//
// Segments are read through the chain (internal.h, read-only) because the mirror's
// unit of work is the segment: each one is copied, with its row in `segments`, in one
// transaction, which is what makes reruns and crashes harmless.
#include <arpa/inet.h>
#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <set>

#include <fmt/format.h>

#include "activity/internal.h"

namespace esafe::activity {

using namespace internal;

namespace {

constexpr int64_t kDayUs = 86400LL * 1000000LL;
// PostgreSQL's binary timestamps count microseconds from 2000-01-01T00:00:00Z.
constexpr int64_t kPgEpochUs = 946684800LL * 1000000LL;
// 2: the decision columns point, reason, entry, node and safe_search (added to a
// version 1 mirror in place, its earlier rows NULL / false).
constexpr int kSchemaVersion = 2;

using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

bool ValidSchemaName(const std::string& s) {
  if (s.empty() || s.size() > 40) return false;
  if (!(std::islower(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::string Trimmed(const char* msg) {
  std::string m = msg ? msg : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

// The start of the partition holding `time_us`, and the start of the next one.
std::pair<int64_t, int64_t> PartitionRange(PgPartition p, int64_t time_us) {
  using namespace std::chrono;
  const int64_t day = (time_us >= 0 ? time_us : time_us - kDayUs + 1) / kDayUs;
  if (p == PgPartition::kDay) return {day * kDayUs, (day + 1) * kDayUs};
  const year_month_day ymd{sys_days{days{day}}};
  const sys_days first{ymd.year() / ymd.month() / 1};
  const sys_days next{(ymd.year() / ymd.month() + months{1}) / 1};
  return {first.time_since_epoch().count() * kDayUs, next.time_since_epoch().count() * kDayUs};
}

std::string PartitionName(PgPartition p, int64_t start_us) {
  using namespace std::chrono;
  const year_month_day ymd{sys_days{days{start_us / kDayUs}}};
  const int y = static_cast<int>(ymd.year());
  const unsigned m = static_cast<unsigned>(ymd.month()), d = static_cast<unsigned>(ymd.day());
  return p == PgPartition::kDay ? fmt::format("events_{:04}{:02}{:02}", y, m, d) : fmt::format("events_{:04}{:02}", y, m);
}

// Parses a partition name back to its start; nullopt for a table that is not ours.
std::optional<int64_t> PartitionStart(PgPartition p, const std::string& name) {
  const size_t digits = p == PgPartition::kDay ? 8 : 6;
  if (name.size() != 7 + digits || name.rfind("events_", 0) != 0) return std::nullopt;
  const std::string n = name.substr(7);
  if (!std::all_of(n.begin(), n.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
  using namespace std::chrono;
  const year_month_day ymd{year{std::stoi(n.substr(0, 4))}, month{static_cast<unsigned>(std::stoi(n.substr(4, 2)))},
                           day{digits == 8 ? static_cast<unsigned>(std::stoi(n.substr(6, 2))) : 1u}};
  if (!ymd.ok()) return std::nullopt;
  return sys_days{ymd}.time_since_epoch().count() * kDayUs;
}

// "2026-11-23 00:00:00+00": a literal for partition bounds (DDL takes no parameters;
// the value is formatted here from an integer, never from input).
std::string PgTimestamp(int64_t time_us) {
  using namespace std::chrono;
  const year_month_day ymd{sys_days{days{time_us / kDayUs}}};
  return fmt::format("{:04}-{:02}-{:02} 00:00:00+00", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()));
}

// ---- Binary COPY encoding ----
void Put16(std::string& out, uint16_t v) {
  v = htons(v);
  out.append(reinterpret_cast<const char*>(&v), 2);
}
void Put32(std::string& out, uint32_t v) {
  v = htonl(v);
  out.append(reinterpret_cast<const char*>(&v), 4);
}
void Put64(std::string& out, uint64_t v) {
  Put32(out, static_cast<uint32_t>(v >> 32));
  Put32(out, static_cast<uint32_t>(v));
}
void PutText(std::string& out, const std::string& s, bool empty_is_null) {
  if (s.empty() && empty_is_null) {
    Put32(out, 0xffffffffu);  // NULL
    return;
  }
  Put32(out, static_cast<uint32_t>(s.size()));
  out += s;
}
void PutInet(std::string& out, const IpAddress& ip) {
  // inet's binary form: family, prefix bits, is_cidr, address length, address.
  if (ip.IsV4()) {
    Put32(out, 8);
    out += static_cast<char>(2);  // PGSQL_AF_INET
    out += static_cast<char>(32);
    out += static_cast<char>(0);
    out += static_cast<char>(4);
    out.append(reinterpret_cast<const char*>(ip.bytes.data()) + 12, 4);
  } else {
    Put32(out, 20);
    out += static_cast<char>(3);  // PGSQL_AF_INET6
    out += static_cast<char>(128);
    out += static_cast<char>(0);
    out += static_cast<char>(16);
    out.append(reinterpret_cast<const char*>(ip.bytes.data()), 16);
  }
}

constexpr std::string_view kCopyHeader("PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0", 19);
constexpr const char* kEventColumns =
    "time, client, user_ref, site, agency, profile, host, url, category, list, list_version, action, segment_seq, "
    "point, reason, entry, node, safe_search";

void EncodeRow(std::string& out, const ActivityEvent& e, uint64_t seq) {
  Put16(out, 18);
  Put32(out, 8);
  Put64(out, static_cast<uint64_t>(e.time_us - kPgEpochUs));
  PutInet(out, e.client);
  PutText(out, e.user, true);
  PutText(out, e.site, true);
  PutText(out, e.agency, true);
  PutText(out, e.profile, true);
  PutText(out, e.host, true);
  PutText(out, e.url, false);
  PutText(out, e.category, true);
  PutText(out, e.list, true);
  PutText(out, e.list_version, true);
  PutText(out, std::string(ActionName(e.action)), false);
  Put32(out, 8);
  Put64(out, seq);
  PutText(out, e.point, true);
  PutText(out, e.reason, true);
  PutText(out, e.entry, true);
  PutText(out, e.node, true);
  Put32(out, 1);
  out += static_cast<char>(e.safe_search ? 1 : 0);
}

struct MirroredSegment {
  std::string sha256;
  uint64_t events = 0;
  int64_t min_time = 0, max_time = 0;
};

}  // namespace

std::optional<PgPartition> ParsePgPartition(std::string_view name) {
  if (name == "day") return PgPartition::kDay;
  if (name == "month") return PgPartition::kMonth;
  return std::nullopt;
}

struct PgMirror::Impl {
  PGconn* conn = nullptr;
  PgMirrorOptions options;
  std::string s;                 // the schema name, validated
  std::set<int64_t> partitions;  // starts of the partitions known to exist
  bool partitions_loaded = false;

  ~Impl() {
    if (conn) PQfinish(conn);
  }

  Error Fail(const std::string& what, PGresult* res) const {
    return Error::Internal("PostgreSQL mirror: " + what + ": " +
                           Trimmed(res ? PQresultErrorMessage(res) : PQerrorMessage(conn)));
  }

  // Runs a statement with text parameters; returns its result when it succeeded.
  Result<ResultPtr> Exec(const std::string& sql, const std::vector<std::string>& params = {}) {
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p.c_str());
    ResultPtr res(PQexecParams(conn, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                               nullptr, 0),
                  PQclear);
    const auto status = PQresultStatus(res.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return Fail(sql.substr(0, sql.find(' ', 20)), res.get());
    return res;
  }

  Result<void> Run(const std::string& sql, const std::vector<std::string>& params = {}) {
    auto r = Exec(sql, params);
    if (!r) return r.error();
    return Ok();
  }

  void Rollback() { PQclear(PQexec(conn, "ROLLBACK")); }

  Result<void> CreateSchema() {
    ESAFE_TRY(Run("BEGIN"));
    // Serialise the creation with other mirrors of this schema (transaction-scoped).
    auto body = [&]() -> Result<void> {
      ESAFE_TRY(Run("SELECT pg_advisory_xact_lock(hashtext($1))", {"esafe.activity.mirror.ddl:" + s}));
      ESAFE_TRY(Run("CREATE SCHEMA IF NOT EXISTS " + s));
      ESAFE_TRY(Run("CREATE TABLE IF NOT EXISTS " + s + ".mirror_meta (key text PRIMARY KEY, value text NOT NULL)"));
      ESAFE_TRY(Run("CREATE TABLE IF NOT EXISTS " + s +
                    ".segments (seq bigint PRIMARY KEY, sha256 text NOT NULL, events bigint NOT NULL, "
                    "min_time timestamptz NOT NULL, max_time timestamptz NOT NULL, "
                    "mirrored_at timestamptz NOT NULL DEFAULT now())"));
      ESAFE_TRY(Run("CREATE TABLE IF NOT EXISTS " + s +
                    ".removals (segment_seq bigint PRIMARY KEY, events bigint NOT NULL, min_time timestamptz NOT NULL, "
                    "max_time timestamptz NOT NULL, chain_entry bigint, removed_at timestamptz NOT NULL DEFAULT now())"));
      ESAFE_TRY(Run("CREATE TABLE IF NOT EXISTS " + s +
                    ".events (time timestamptz NOT NULL, client inet NOT NULL, user_ref text, site text, agency text, "
                    "profile text, host text, url text NOT NULL, category text, list text, list_version text, "
                    "action text NOT NULL CHECK (action IN ('allow', 'block', 'warn', 'override')), "
                    "segment_seq bigint NOT NULL) PARTITION BY RANGE (time)"));
      // The decision columns (schema version 2), added in place to a mirror made before
      // them; on the partitioned table, so every partition gets them.
      ESAFE_TRY(Run("ALTER TABLE " + s +
                    ".events ADD COLUMN IF NOT EXISTS point text, ADD COLUMN IF NOT EXISTS reason text, "
                    "ADD COLUMN IF NOT EXISTS entry text, ADD COLUMN IF NOT EXISTS node text, "
                    "ADD COLUMN IF NOT EXISTS safe_search boolean NOT NULL DEFAULT false"));
      // The questions a partnership asks: one host over time, an address range (GiST
      // serves <<= on inet), an agency's categories. Time is the partition key, so a
      // time range prunes partitions first. Deleting by segment_seq is rare (retention
      // mostly drops whole partitions) and is bounded by the segment's time range, so
      // it gets no index of its own: every index costs COPY throughput.
      ESAFE_TRY(Run("CREATE INDEX IF NOT EXISTS events_host_time ON " + s + ".events (host, time)"));
      ESAFE_TRY(Run("CREATE INDEX IF NOT EXISTS events_client ON " + s + ".events USING gist (client inet_ops)"));
      ESAFE_TRY(Run("CREATE INDEX IF NOT EXISTS events_agency_category_time ON " + s + ".events (agency, category, time)"));
      auto meta = Exec("SELECT key, value FROM " + s + ".mirror_meta");
      if (!meta) return meta.error();
      std::map<std::string, std::string> kv;
      for (int i = 0; i < PQntuples(meta->get()); ++i) kv[PQgetvalue(meta->get(), i, 0)] = PQgetvalue(meta->get(), i, 1);
      const std::string want = options.partition == PgPartition::kDay ? "day" : "month";
      if (kv.count("partition") && kv["partition"] != want)
        return Error::Conflict("schema " + s + " is partitioned by " + kv["partition"] + ", not " + want +
                               "; use --partition " + kv["partition"] + " or another schema");
      if (kv.count("schema_version") && kv["schema_version"] != "1" &&
          kv["schema_version"] != std::to_string(kSchemaVersion))
        return Error::Conflict("schema " + s + " has mirror schema version " + kv["schema_version"] +
                               "; this esafe writes version " + std::to_string(kSchemaVersion));
      ESAFE_TRY(Run("INSERT INTO " + s + ".mirror_meta VALUES ('partition', $1) ON CONFLICT (key) DO NOTHING", {want}));
      // Version 1 was upgraded above (the ALTER TABLE).
      ESAFE_TRY(Run("INSERT INTO " + s + ".mirror_meta VALUES ('schema_version', $1) "
                    "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                    {std::to_string(kSchemaVersion)}));
      return Ok();
    };
    if (auto r = body(); !r) {
      Rollback();
      return r;
    }
    return Run("COMMIT");
  }

  Result<void> LoadPartitions() {
    if (partitions_loaded) return Ok();
    auto r = Exec("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                  "WHERE i.inhparent = to_regclass($1)",
                  {s + ".events"});
    if (!r) return r.error();
    partitions.clear();
    for (int i = 0; i < PQntuples(r->get()); ++i)
      if (auto start = PartitionStart(options.partition, PQgetvalue(r->get(), i, 0))) partitions.insert(*start);
    partitions_loaded = true;
    return Ok();
  }

  // Creates the partitions `events` need, each in its own short transaction: creating
  // a partition locks the parent table, and readers should not wait for a whole COPY.
  Result<uint64_t> EnsurePartitions(const std::vector<ActivityEvent>& events) {
    ESAFE_TRY(LoadPartitions());
    std::set<int64_t> needed;
    for (const auto& e : events) needed.insert(PartitionRange(options.partition, e.time_us).first);
    uint64_t created = 0;
    for (int64_t start : needed) {
      if (partitions.count(start)) continue;
      const int64_t end = PartitionRange(options.partition, start).second;
      auto r = Run("CREATE TABLE IF NOT EXISTS " + s + "." + PartitionName(options.partition, start) + " PARTITION OF " +
                   s + ".events FOR VALUES FROM ('" + PgTimestamp(start) + "') TO ('" + PgTimestamp(end) + "')");
      if (!r) {
        partitions_loaded = false;
        return r.error();
      }
      partitions.insert(start);
      ++created;
    }
    return created;
  }

  // COPYs one segment's rows and records it, inside the caller's transaction.
  Result<void> CopyRows(uint64_t seq, const LiveSegment& live, const std::vector<ActivityEvent>& events) {
    ResultPtr start(PQexec(conn, ("COPY " + s + ".events (" + kEventColumns + ") FROM STDIN (FORMAT binary)").c_str()),
                    PQclear);
    if (PQresultStatus(start.get()) != PGRES_COPY_IN) return Fail("COPY", start.get());
    std::string buf(kCopyHeader);
    buf.reserve(1 << 21);
    bool sent = true;
    for (const auto& e : events) {
      EncodeRow(buf, e, seq);
      if (buf.size() >= (1 << 20)) {
        sent = PQputCopyData(conn, buf.data(), static_cast<int>(buf.size())) == 1;
        buf.clear();
        if (!sent) break;
      }
    }
    if (sent) {
      Put16(buf, 0xffff);  // trailer
      sent = PQputCopyData(conn, buf.data(), static_cast<int>(buf.size())) == 1;
    }
    if (PQputCopyEnd(conn, sent ? nullptr : "client failed while sending") != 1) return Fail("COPY end", nullptr);
    ResultPtr done(PQgetResult(conn), PQclear);
    if (PQresultStatus(done.get()) != PGRES_COMMAND_OK) {
      while (PGresult* extra = PQgetResult(conn)) PQclear(extra);
      return Fail("COPY of segment " + std::to_string(seq), done.get());
    }
    while (PGresult* extra = PQgetResult(conn)) PQclear(extra);
    return Run("INSERT INTO " + s +
                   ".segments (seq, sha256, events, min_time, max_time) "
                   "VALUES ($1, $2, $3, to_timestamp($4::numeric / 1000000), to_timestamp($5::numeric / 1000000))",
               {std::to_string(seq), live.sha256, std::to_string(live.events), std::to_string(live.min_time),
                std::to_string(live.max_time)});
  }
};

PgMirror::PgMirror(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PgMirror::~PgMirror() = default;

Result<std::unique_ptr<PgMirror>> PgMirror::Connect(const std::string& url, const PgMirrorOptions& options) {
  if (!ValidSchemaName(options.schema))
    return Error::Invalid("schema must be 1–40 characters of a-z, 0-9 and _, starting with a letter or _", "schema");
  if (url.rfind("postgresql://", 0) != 0 && url.rfind("postgres://", 0) != 0)
    return Error::Invalid("--postgres must be a postgresql:// URL", "postgres");
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->s = options.schema;
  impl->conn = PQconnectdb(url.c_str());
  if (PQstatus(impl->conn) != CONNECTION_OK)
    return Error::Internal("cannot connect to PostgreSQL: " + Trimmed(PQerrorMessage(impl->conn)));
  // "relation already exists, skipping" and the like are not worth anyone's attention.
  PQsetNoticeProcessor(impl->conn, [](void*, const char*) {}, nullptr);
  ESAFE_TRY(impl->Run("SET TIME ZONE 'UTC'"));
  ESAFE_TRY(impl->CreateSchema());
  return std::unique_ptr<PgMirror>(new PgMirror(std::move(impl)));
}

Result<PgMirrorReport> PgMirror::MirrorOnce(const std::string& log_dir) {
  Impl& m = *impl_;
  const std::string& s = m.s;
  PgMirrorReport report;

  auto chain = ReadChain(log_dir);
  if (!chain) return chain.error();
  if (!chain->problem.empty())
    return Error::Internal("activity log " + log_dir + " is corrupt (" + chain->problem + "); run esafe log verify");
  auto state = Replay(chain->entries);
  if (!state) return state.error();

  // One mirror per schema at a time; a second one is told so rather than queued.
  auto locked = m.Exec("SELECT pg_try_advisory_lock(hashtext($1))", {"esafe.activity.mirror:" + s});
  if (!locked) return locked.error();
  if (std::string(PQgetvalue(locked->get(), 0, 0)) != "t")
    return Error::Conflict("another mirror is writing to schema " + s + " now");
  struct Unlock {
    Impl& m;
    ~Unlock() {
      (void)m.Run("SELECT pg_advisory_unlock(hashtext($1))", {"esafe.activity.mirror:" + m.s});
    }
  } unlock{m};

  // The log's identity is the hash of its first chain entry: a schema mirrors one log.
  if (!chain->entries.empty()) {
    const std::string log_id = chain->entries.front().hash;
    ESAFE_TRY(m.Run("INSERT INTO " + s + ".mirror_meta VALUES ('log_id', $1) ON CONFLICT (key) DO NOTHING", {log_id}));
    auto got = m.Exec("SELECT value FROM " + s + ".mirror_meta WHERE key = 'log_id'");
    if (!got) return got.error();
    if (PQgetvalue(got->get(), 0, 0) != log_id)
      return Error::Conflict("schema " + s + " mirrors another activity log (its first chain entry differs); "
                             "use another --schema");
  }

  std::map<uint64_t, MirroredSegment> mirrored;
  {
    auto rows = m.Exec("SELECT seq, sha256, events, (extract(epoch FROM min_time) * 1000000)::bigint, "
                       "(extract(epoch FROM max_time) * 1000000)::bigint FROM " + s + ".segments");
    if (!rows) return rows.error();
    for (int i = 0; i < PQntuples(rows->get()); ++i) {
      MirroredSegment seg{PQgetvalue(rows->get(), i, 1), std::stoull(PQgetvalue(rows->get(), i, 2)),
                          std::stoll(PQgetvalue(rows->get(), i, 3)), std::stoll(PQgetvalue(rows->get(), i, 4))};
      mirrored.emplace(std::stoull(PQgetvalue(rows->get(), i, 0)), std::move(seg));
    }
  }
  for (const auto& [seq, seg] : mirrored) {
    auto live = state->live.find(seq);
    if (live != state->live.end() && live->second.sha256 != seg.sha256)
      return Error::Conflict("segment " + std::to_string(seq) + " in PostgreSQL has another SHA-256 than the log's; "
                             "the log was rewritten or the schema belongs to another log");
  }

  // Reads a live segment and checks it against the chain before anything is copied.
  auto read_segment = [&](const LiveSegment& live) -> Result<std::vector<ActivityEvent>> {
    auto file = ReadFile(log_dir + "/" + live.file);
    if (!file) return file.error();
    if (Sha256Hex(*file) != live.sha256)
      return Error::Internal("segment " + std::to_string(live.seq) + " (" + live.file +
                             ") does not match its chain entry; run esafe log verify");
    auto data = SegmentData::Parse(std::move(*file));
    if (!data) return data.error();
    ESAFE_TRY(data->LoadAll());
    auto rows = data->AllRows();
    if (rows.size() != live.events)
      return Error::Internal("segment " + std::to_string(live.seq) + " holds " + std::to_string(rows.size()) +
                             " events; its chain entry says " + std::to_string(live.events));
    return rows;
  };

  const auto started = std::chrono::steady_clock::now();

  // ---- Removals: segments the chain no longer has (retention deleted or rewrote them).
  std::vector<uint64_t> removed;
  for (const auto& [seq, seg] : mirrored)
    if (!state->live.count(seq)) removed.push_back(seq);
  // A rewrite's replacement lands in the same transaction as the removal of the segment
  // it replaces, so the kept events are never missing from PostgreSQL.
  std::vector<uint64_t> replacements;
  for (uint64_t seq : removed) {
    auto by = state->removed_by.find(seq);
    if (by != state->removed_by.end() && state->live.count(by->second) && !mirrored.count(by->second) &&
        std::find(replacements.begin(), replacements.end(), by->second) == replacements.end())
      replacements.push_back(by->second);
  }
  if (!removed.empty()) {
    std::map<uint64_t, std::vector<ActivityEvent>> replacement_rows;
    for (uint64_t seq : replacements) {
      auto rows = read_segment(state->live.at(seq));
      if (!rows) return rows.error();
      auto created = m.EnsurePartitions(*rows);
      if (!created) return created.error();
      report.partitions_created += *created;
      replacement_rows.emplace(seq, std::move(*rows));
    }
    // What stays live in PostgreSQL after this transaction, to decide which partitions
    // are wholly expired.
    std::vector<std::pair<int64_t, int64_t>> remaining;
    for (const auto& [seq, seg] : mirrored)
      if (state->live.count(seq)) remaining.emplace_back(seg.min_time, seg.max_time);
    for (uint64_t seq : replacements) remaining.emplace_back(state->live.at(seq).min_time, state->live.at(seq).max_time);
    ESAFE_TRY(m.LoadPartitions());
    std::set<int64_t> touched;
    for (uint64_t seq : removed) {
      const auto& seg = mirrored.at(seq);
      for (int64_t p = PartitionRange(m.options.partition, seg.min_time).first; p <= seg.max_time;
           p = PartitionRange(m.options.partition, p).second)
        if (m.partitions.count(p)) touched.insert(p);
    }
    std::string seq_array = "{";
    for (size_t i = 0; i < removed.size(); ++i) seq_array += (i ? "," : "") + std::to_string(removed[i]);
    seq_array += "}";

    auto body = [&]() -> Result<void> {
      ESAFE_TRY(m.Run("BEGIN"));
      for (int64_t p : touched) {
        const int64_t end = PartitionRange(m.options.partition, p).second;
        const bool still_used = std::any_of(remaining.begin(), remaining.end(),
                                            [&](const auto& r) { return r.first < end && r.second >= p; });
        const std::string table = s + "." + PartitionName(m.options.partition, p);
        if (still_used) {
          ESAFE_TRY(m.Run("DELETE FROM " + table + " WHERE segment_seq = ANY($1::bigint[])", {seq_array}));
        } else {
          ESAFE_TRY(m.Run("DROP TABLE " + table));
          ++report.partitions_dropped;
        }
      }
      for (uint64_t seq : removed) {
        const auto& seg = mirrored.at(seq);
        auto by = state->removed_by.find(seq);
        if (by == state->removed_by.end())
          return Error::Conflict("segment " + std::to_string(seq) + " in PostgreSQL was never in this log's chain");
        ESAFE_TRY(m.Run("INSERT INTO " + s +
                            ".removals (segment_seq, events, min_time, max_time, chain_entry) VALUES ($1, $2, "
                            "to_timestamp($3::numeric / 1000000), to_timestamp($4::numeric / 1000000), $5) "
                            "ON CONFLICT (segment_seq) DO NOTHING",
                        {std::to_string(seq), std::to_string(seg.events), std::to_string(seg.min_time),
                         std::to_string(seg.max_time), std::to_string(by->second)}));
        report.events_removed += seg.events;
      }
      ESAFE_TRY(m.Run("DELETE FROM " + s + ".segments WHERE seq = ANY($1::bigint[])", {seq_array}));
      for (const auto& [seq, rows] : replacement_rows) {
        ESAFE_TRY(m.CopyRows(seq, state->live.at(seq), rows));
        report.events_copied += rows.size();
      }
      if (m.options.before_commit) m.options.before_commit(removed.front());
      return m.Run("COMMIT");
    };
    if (auto r = body(); !r) {
      m.Rollback();
      m.partitions_loaded = false;
      return r.error();
    }
    for (int64_t p : touched) m.partitions.erase(p);
    m.partitions_loaded = false;  // dropped ones are gone; reload rather than guess
    report.segments_removed = removed.size();
    report.removed_seqs = removed;
    report.segments_copied += replacements.size();
    for (uint64_t seq : replacements) mirrored.emplace(seq, MirroredSegment{});
  }

  // ---- Additions: live segments not yet mirrored, oldest first, one transaction each.
  for (const auto& entry : state->live) {
    // Named, not bound: clang 14 cannot capture structured bindings in the lambda below.
    const uint64_t seq = entry.first;
    const LiveSegment& live = entry.second;
    if (mirrored.count(seq)) continue;
    auto rows = read_segment(live);
    if (!rows) return rows.error();
    auto created = m.EnsurePartitions(*rows);
    if (!created) return created.error();
    report.partitions_created += *created;
    auto body = [&]() -> Result<void> {
      ESAFE_TRY(m.Run("BEGIN"));
      ESAFE_TRY(m.CopyRows(seq, live, *rows));
      if (m.options.before_commit) m.options.before_commit(seq);
      return m.Run("COMMIT");
    };
    if (auto r = body(); !r) {
      m.Rollback();
      return r.error();
    }
    ++report.segments_copied;
    report.events_copied += rows->size();
  }
  report.copy_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  auto totals = m.Exec("SELECT count(*), coalesce(sum(events), 0) FROM " + s + ".segments");
  if (!totals) return totals.error();
  report.segments_mirrored = std::stoull(PQgetvalue(totals->get(), 0, 0));
  report.events_mirrored = std::stoull(PQgetvalue(totals->get(), 0, 1));
  return report;
}

}  // namespace esafe::activity
