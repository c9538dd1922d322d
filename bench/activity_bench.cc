// The activity log against SQLite and `zstdcat | grep`, in one run (docs/activity.md).
//
//   activity_bench [--events N] [--dir DIR] [--keep] [--esafe-only] [--queries-only]
//
// --esafe-only skips SQLite and the pipelines; --queries-only (after a run with --keep
// --esafe-only and the same --events) times the three questions on the kept log alone,
// for profiling a query without the ingest in the profile.
//
// Generates a realistic log (200 sites, 50,000 clients, Zipf-distributed hosts over
// 100,000 names, 90 days, time-ordered) deterministically, three times over: into an
// esafe activity store (timed: ingest events/s on one core, fsync per batch), into
// SQLite with indexes on (client, time), (host, time) and (time), and as raw JSON
// lines compressed with zstd. Then times three questions on each:
//   (a) one IP over one day, (b) one host over 90 days, (c) a /16 over a week, counts by category
// and prints the answers (which must agree), the times and the ratios.
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "activity/activity.h"

namespace act = esafe::activity;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kSites = 200;
constexpr int kClientsPerSite = 250;  // 50,000 clients
constexpr int kHosts = 100000;
constexpr int kDays = 90;
constexpr int64_t kDayUs = 86400LL * 1000000LL;
constexpr int64_t kT0 = 1788220800LL * 1000000LL;  // 2026-09-01T00:00:00Z

double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

// CPU seconds (user + system) this process has used: on a shared machine the honest
// measure of "events per second on one core".
double CpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

const char* kCategories[] = {"",          "",        "",          "education", "news",   "social", "video",
                             "shopping",  "games",   "gambling",  "adult",     "proxy",  "weapons",
                             "webmail",   "sport"};

std::string ClientIp(int client) {
  const int site = client / kClientsPerSite, idx = client % kClientsPerSite;
  return "10." + std::to_string(site) + "." + std::to_string(idx / 200) + "." + std::to_string(idx % 200 + 1);
}

// Deterministic event stream: event i of n, time-ordered.
class Generator {
 public:
  explicit Generator(uint64_t n) : n_(n), rng_(42), cdf_(kHosts) {
    double sum = 0;
    for (int i = 0; i < kHosts; ++i) cdf_[i] = (sum += 1.0 / (i + 1));
    for (auto& c : cdf_) c /= sum;
    hosts_.reserve(kHosts);
    for (int i = 0; i < kHosts; ++i) hosts_.push_back(HostName(i));
    for (int c = 0; c < kSites * kClientsPerSite; ++c) ips_.push_back(*act::ParseIp(ClientIp(c)));
  }
  static std::string HostName(int rank) {
    static const char* kTld[] = {".com", ".co.uk", ".org", ".net", ".sch.uk"};
    return "h" + std::to_string(rank) + ".example" + kTld[rank % 5];
  }
  static constexpr const char* kNodes[] = {"node-0", "node-1", "node-2", "node-3",
                                           "node-4", "node-5", "node-6", "node-7"};
  static std::string CategoryOf(int rank) {
    return kCategories[(static_cast<uint64_t>(rank) * 2654435761u >> 7) % std::size(kCategories)];
  }

  void Fill(uint64_t i, act::ActivityEvent& e) {
    e.time_us = kT0 + static_cast<int64_t>(static_cast<double>(i) / static_cast<double>(n_) * kDays * kDayUs) +
                static_cast<int64_t>(rng_() % 1000000);
    const int client = static_cast<int>(rng_() % (kSites * kClientsPerSite));
    const int site = client / kClientsPerSite;
    e.client = ips_[client];
    e.user = "u" + std::to_string(client);
    e.site = "site-" + std::to_string(site);
    e.agency = "agency-" + std::to_string(site % 20);
    e.profile = site % 3 == 0 ? "primary" : site % 3 == 1 ? "secondary" : "staff";
    const double u = std::uniform_real_distribution<double>(0, 1)(rng_);
    const int rank = static_cast<int>(std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin());
    e.host = hosts_[std::min(rank, kHosts - 1)];
    const uint64_t k = rng_() % 1000;
    switch (rng_() % 4) {
      case 0: e.url = "https://" + e.host + "/"; break;
      case 1: e.url = "https://" + e.host + "/news/" + std::to_string(k) + ".html"; break;
      case 2: e.url = "https://" + e.host + "/search?q=term" + std::to_string(k); break;
      default: e.url = "https://" + e.host + "/static/img/" + std::to_string(k) + ".png"; break;
    }
    e.category = CategoryOf(rank);
    e.list = "bl-main";
    e.list_version = "2026." + std::to_string(9 + static_cast<int>((e.time_us - kT0) / (30 * kDayUs)));
    const bool blocked = e.category == "gambling" || e.category == "adult" || e.category == "proxy" ||
                         e.category == "weapons";
    e.action = blocked ? act::Action::kBlock : act::Action::kAllow;
    // What an enforcement point records besides. A batch comes from one node (one ingest
    // connection), so node and point are constant within it; the entry is the host for
    // blocked requests; safe search rewrites some searches.
    // ESAFE_BENCH_DECISION=none leaves them empty, =noentry all but the entry (for diagnosis:
    // what the constant columns cost against the entry's distinct values).
    static const std::string decision = std::getenv("ESAFE_BENCH_DECISION") ? std::getenv("ESAFE_BENCH_DECISION") : "";
    if (decision == "none") return;
    const uint64_t node = i / 16384 % 8;
    e.point = node % 4 == 0 ? "icap" : "squid-helper";
    e.reason = blocked ? "category" : "no match";
    e.entry = blocked && decision != "noentry" ? e.host : std::string();
    e.node = kNodes[node];
    e.safe_search = !blocked && k % 16 == 0;
  }

 private:
  uint64_t n_;
  std::mt19937_64 rng_;
  std::vector<double> cdf_;
  std::vector<std::string> hosts_;
  std::vector<act::IpAddress> ips_;
};

uint64_t DirBytes(const std::string& dir, const std::string& prefix) {
  uint64_t total = 0;
  for (const auto& f : fs::directory_iterator(dir))
    if (f.path().filename().string().rfind(prefix, 0) == 0) total += f.file_size();
  return total;
}

void Check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "activity_bench: %s\n", what);
    std::exit(1);
  }
}

void Exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::fprintf(stderr, "sqlite: %s: %s\n", sql, err);
    std::exit(1);
  }
}

// Runs a shell pipeline, returns its stdout and the wall time.
std::pair<std::string, double> Shell(const std::string& cmd) {
  const auto t0 = Clock::now();
  FILE* p = ::popen(("bash -c '" + cmd + "'").c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return {out, Seconds(t0, Clock::now())};
}

struct Row {
  const char* name;
  std::string answer_esafe, answer_sqlite, answer_grep;
  double esafe = 0, sqlite = 0, grep = 0;
};

std::string CountsText(const std::map<std::string, uint64_t>& m) {
  uint64_t total = 0;
  for (const auto& [k, v] : m) total += v;
  return std::to_string(m.size()) + " categories, " + std::to_string(total) + " events";
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t n = 10'000'000;
  std::string dir = "/tmp/esafe-activity-bench";
  bool keep = false;
  bool esafe_only = false;  // skip SQLite and zstdcat|grep: for profiling the store alone
  bool queries_only = false;  // reuse DIR/log from a run with --keep --esafe-only: time the queries alone
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--events" && i + 1 < argc) n = std::stoull(argv[++i]);
    else if (a == "--dir" && i + 1 < argc) dir = argv[++i];
    else if (a == "--keep") keep = true;
    else if (a == "--esafe-only") esafe_only = true;
    else if (a == "--queries-only") queries_only = true;
  }
  if (const char* env = std::getenv("ESAFE_BENCH_EVENTS")) n = std::stoull(env);
  if (queries_only) esafe_only = keep = true;
  if (!queries_only) fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string log_dir = dir + "/log", sqlite_path = dir + "/events.sqlite", raw_path = dir + "/events.jsonl.zst";
  std::printf("activity_bench: %llu events, %d sites, %d clients, %d Zipf hosts, %d days, in %s\n",
              static_cast<unsigned long long>(n), kSites, kSites * kClientsPerSite, kHosts, kDays, dir.c_str());

  // ---- esafe ingest (timed: Append only, generation excluded) ----
  constexpr size_t kBatch = 16384;
  double ingest_s = 0, ingest_cpu = 0;
  if (!queries_only) {
    act::StoreOptions options;
    options.sync = std::getenv("ESAFE_BENCH_NOSYNC") == nullptr;  // for diagnosis only
    auto store = act::Store::Open(log_dir, options);
    Check(store.ok(), "cannot open the store");
    double seal_s = 0;
    Generator gen(n);
    std::vector<act::ActivityEvent> batch(kBatch);
    for (uint64_t i = 0; i < n; i += kBatch) {
      const size_t m = static_cast<size_t>(std::min<uint64_t>(kBatch, n - i));
      for (size_t j = 0; j < m; ++j) gen.Fill(i + j, batch[j]);
      const double c0 = CpuSeconds();
      const auto t0 = Clock::now();
      const bool seals = (*store)->ActiveEvents() + m >= options.segment_events;
      Check((*store)->Append(std::span(batch).first(m)).ok(), "append failed");
      ingest_s += Seconds(t0, Clock::now());
      ingest_cpu += CpuSeconds() - c0;
      if (seals) seal_s += Seconds(t0, Clock::now());
    }
    const double c0 = CpuSeconds();
    const auto t0 = Clock::now();
    Check((*store)->Seal().ok(), "seal failed");
    ingest_s += Seconds(t0, Clock::now());
    ingest_cpu += CpuSeconds() - c0;
    seal_s += Seconds(t0, Clock::now());
    std::printf("  of which sealing segments (sort, column encode, zstd, fsync): %.2f s\n", seal_s);
  }
  const uint64_t esafe_bytes = DirBytes(log_dir, "seg-");
  if (!queries_only) {
    std::printf("esafe ingest (one thread, fsync per %zu-event batch): %.2f s wall = %.0f events/s; %.2f s CPU = %.0f "
                "events per CPU-second; %.1f bytes/event on disk\n",
                kBatch, ingest_s, static_cast<double>(n) / ingest_s, ingest_cpu, static_cast<double>(n) / ingest_cpu,
                static_cast<double>(esafe_bytes) / static_cast<double>(n));
  }

  // ---- raw JSON lines, zstd -3 ----
  if (!esafe_only) {
    const auto t0 = Clock::now();
    FILE* f = std::fopen(raw_path.c_str(), "wb");
    ZSTD_CCtx* cctx = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 3);
    std::string in, out(ZSTD_CStreamOutSize(), '\0');
    Generator gen(n);
    act::ActivityEvent e;
    auto flush = [&](bool last) {
      ZSTD_inBuffer ib{in.data(), in.size(), 0};
      bool done = false;
      while (!done) {
        ZSTD_outBuffer ob{out.data(), out.size(), 0};
        const size_t rem = ZSTD_compressStream2(cctx, &ob, &ib, last ? ZSTD_e_end : ZSTD_e_continue);
        std::fwrite(out.data(), 1, ob.pos, f);
        done = last ? rem == 0 : ib.pos == ib.size;
      }
      in.clear();
    };
    for (uint64_t i = 0; i < n; ++i) {
      gen.Fill(i, e);
      in += act::FormatEventJson(e);
      in += '\n';
      if (in.size() > (1 << 22)) flush(false);
    }
    flush(true);
    ZSTD_freeCCtx(cctx);
    std::fclose(f);
    std::printf("raw JSON lines (zstd -3): %.1f bytes/event, written in %.1f s\n",
                static_cast<double>(fs::file_size(raw_path)) / static_cast<double>(n), Seconds(t0, Clock::now()));
  }

  // ---- SQLite with indexes ----
  sqlite3* db = nullptr;
  if (!esafe_only) {
    const auto t0 = Clock::now();
    Check(sqlite3_open(sqlite_path.c_str(), &db) == SQLITE_OK, "sqlite open");
    Exec(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-1000000;");
    Exec(db, "CREATE TABLE events(time INTEGER, client BLOB, user TEXT, site TEXT, agency TEXT, profile TEXT, "
             "url TEXT, host TEXT, category TEXT, list TEXT, list_version TEXT, action INTEGER)");
    Exec(db, "BEGIN");
    sqlite3_stmt* ins = nullptr;
    sqlite3_prepare_v2(db, "INSERT INTO events VALUES(?,?,?,?,?,?,?,?,?,?,?,?)", -1, &ins, nullptr);
    Generator gen(n);
    act::ActivityEvent e;
    for (uint64_t i = 0; i < n; ++i) {
      gen.Fill(i, e);
      sqlite3_bind_int64(ins, 1, e.time_us);
      sqlite3_bind_blob(ins, 2, e.client.bytes.data(), 16, SQLITE_STATIC);
      int c = 3;
      for (const std::string* s : {&e.user, &e.site, &e.agency, &e.profile, &e.url, &e.host, &e.category, &e.list,
                                   &e.list_version})
        sqlite3_bind_text(ins, c++, s->data(), static_cast<int>(s->size()), SQLITE_STATIC);
      sqlite3_bind_int(ins, 12, static_cast<int>(e.action));
      Check(sqlite3_step(ins) == SQLITE_DONE, "sqlite insert");
      sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    Exec(db, "COMMIT");
    const double load_s = Seconds(t0, Clock::now());
    const auto t1 = Clock::now();
    Exec(db, "CREATE INDEX by_client ON events(client, time)");
    Exec(db, "CREATE INDEX by_host ON events(host, time)");
    Exec(db, "CREATE INDEX by_time ON events(time)");
    Exec(db, "ANALYZE");
    std::printf("SQLite: loaded in %.1f s (%.0f events/s, no indexes, synchronous=OFF), indexed in %.1f s; %.1f bytes/event\n",
                load_s, static_cast<double>(n) / load_s, Seconds(t1, Clock::now()),
                static_cast<double>(fs::file_size(sqlite_path)) / static_cast<double>(n));
  }

  // ---- the three questions ----
  const std::string ip = ClientIp(12345);
  const int64_t day_from = kT0 + 45 * kDayUs, day_to = day_from + kDayUs;
  const std::string day_text = act::FormatTime(day_from).substr(0, 10);
  const std::string host = Generator::HostName(1000);
  const int64_t week_from = kT0 + 30 * kDayUs, week_to = week_from + 7 * kDayUs;
  const std::string cidr = "10.42.0.0/16";
  auto reader = act::LogReader::Open(log_dir);
  Check(reader.ok(), "cannot open a reader");
  std::vector<Row> rows(3);
  rows[0].name = "(a) one IP, one day";
  rows[1].name = "(b) one host, 90 days";
  rows[2].name = "(c) a /16, one week, counts by category";

  auto time_best = [](auto fn) {  // best of 3, after the first run warms the page cache
    double best = 1e9;
    for (int i = 0; i < 3; ++i) {
      const auto t0 = Clock::now();
      fn();
      best = std::min(best, Seconds(t0, Clock::now()));
    }
    return best;
  };
  {
    act::Query q;
    q.from_us = day_from;
    q.to_us = day_to;
    q.clients = {*act::ParseCidr(ip)};
    uint64_t count = 0;
    rows[0].esafe = time_best([&] {
      count = 0;
      Check(reader->Search(q, [&](const act::ActivityEvent&) { return ++count, true; }).ok(), "search a");
    });
    rows[0].answer_esafe = std::to_string(count) + " rows";
  }
  {
    act::Query q;
    q.host = act::TextFilter{host, act::Match::kExact};
    uint64_t count = 0;
    rows[1].esafe = time_best([&] {
      count = 0;
      Check(reader->Search(q, [&](const act::ActivityEvent&) { return ++count, true; }).ok(), "search b");
    });
    rows[1].answer_esafe = std::to_string(count) + " rows";
  }
  {
    act::Query q;
    q.from_us = week_from;
    q.to_us = week_to;
    q.clients = {*act::ParseCidr(cidr)};
    std::map<std::string, uint64_t> counts;
    rows[2].esafe = time_best([&] {
      auto c = reader->CountBy(q, act::Field::kCategory);
      Check(c.ok(), "count c");
      counts = *c;
    });
    rows[2].answer_esafe = CountsText(counts);
  }

  if (!esafe_only) {
  // SQLite: every column of each row for (a) and (b), as a search returns.
  auto sqlite_rows = [&](const char* sql, auto bind) {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, sql, -1, &st, nullptr);
    bind(st);
    uint64_t count = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
      for (int c = 0; c < 12; ++c) (void)sqlite3_column_text(st, c);
      ++count;
    }
    sqlite3_finalize(st);
    return count;
  };
  const auto ip_bytes = act::ParseIp(ip)->bytes;
  {
    uint64_t count = 0;
    rows[0].sqlite = time_best([&] {
      count = sqlite_rows("SELECT * FROM events WHERE client = ? AND time >= ? AND time < ?", [&](sqlite3_stmt* st) {
        sqlite3_bind_blob(st, 1, ip_bytes.data(), 16, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, day_from);
        sqlite3_bind_int64(st, 3, day_to);
      });
    });
    rows[0].answer_sqlite = std::to_string(count) + " rows";
  }
  {
    uint64_t count = 0;
    rows[1].sqlite = time_best([&] {
      count = sqlite_rows("SELECT * FROM events WHERE host = ?", [&](sqlite3_stmt* st) {
        sqlite3_bind_text(st, 1, host.c_str(), -1, SQLITE_STATIC);
      });
    });
    rows[1].answer_sqlite = std::to_string(count) + " rows";
  }
  {
    const auto range = *act::ParseCidr(cidr);
    std::map<std::string, uint64_t> counts;
    rows[2].sqlite = time_best([&] {
      counts.clear();
      sqlite3_stmt* st = nullptr;
      sqlite3_prepare_v2(db,
                         "SELECT category, count(*) FROM events WHERE client BETWEEN ? AND ? AND time >= ? AND "
                         "time < ? GROUP BY category",
                         -1, &st, nullptr);
      sqlite3_bind_blob(st, 1, range.first.bytes.data(), 16, SQLITE_STATIC);
      sqlite3_bind_blob(st, 2, range.last.bytes.data(), 16, SQLITE_STATIC);
      sqlite3_bind_int64(st, 3, week_from);
      sqlite3_bind_int64(st, 4, week_to);
      while (sqlite3_step(st) == SQLITE_ROW)
        counts[reinterpret_cast<const char*>(sqlite3_column_text(st, 0))] = static_cast<uint64_t>(sqlite3_column_int64(st, 1));
      sqlite3_finalize(st);
    });
    rows[2].answer_sqlite = CountsText(counts);
  }
  sqlite3_close(db);

  // zstdcat | grep over the raw events (one run each: they take seconds).
  {
    auto [out, s] = Shell("zstdcat " + raw_path + " | grep -F \"\\\"client\\\":\\\"" + ip + "\\\"\" | grep -cF \"\\\"time\\\":\\\"" + day_text + "T\"");
    rows[0].grep = s;
    rows[0].answer_grep = std::to_string(std::stoull(out)) + " rows";
  }
  {
    auto [out, s] = Shell("zstdcat " + raw_path + " | grep -cF \"\\\"host\\\":\\\"" + host + "\\\"\"");
    rows[1].grep = s;
    rows[1].answer_grep = std::to_string(std::stoull(out)) + " rows";
  }
  {
    // 2026-10-01 .. 2026-10-07 is days 30..36.
    auto [out, s] = Shell("zstdcat " + raw_path +
                          " | grep -F \"\\\"client\\\":\\\"10.42.\" | grep -E \"\\\"time\\\":\\\"2026-10-0[1-7]T\" | "
                          "grep -oE \"\\\"category\\\":\\\"[^\\\"]*\\\"\" | sort | uniq -c");
    rows[2].grep = s;
    uint64_t cats = 0, total = 0;
    size_t pos = 0;
    while (pos < out.size()) {
      const size_t nl = out.find('\n', pos);
      const std::string line = out.substr(pos, nl - pos);
      if (!line.empty()) {
        ++cats;
        total += std::stoull(line);
      }
      pos = nl == std::string::npos ? out.size() : nl + 1;
    }
    rows[2].answer_grep = std::to_string(cats) + " categories, " + std::to_string(total) + " events";
  }

  }  // !esafe_only

  std::printf("\n%-42s %14s %14s %14s %12s %12s  %s\n", "question", "esafe s", "SQLite s", "zstdcat|grep s",
              "SQLite/esafe", "grep/esafe", "answers (esafe | SQLite | grep)");
  bool agree = true;
  for (const auto& r : rows) {
    std::printf("%-42s %14.4f %14.4f %14.2f %11.1fx %11.0fx  %s | %s | %s\n", r.name, r.esafe, r.sqlite, r.grep,
                r.sqlite / r.esafe, r.grep / r.esafe, r.answer_esafe.c_str(), r.answer_sqlite.c_str(),
                r.answer_grep.c_str());
    agree = agree && r.answer_esafe == r.answer_sqlite && r.answer_esafe == r.answer_grep;
  }
  if (esafe_only) agree = true;  // nothing to compare against
  std::printf("answers agree: %s\n", agree ? "yes" : "NO");
  if (!keep) fs::remove_all(dir);
  return agree ? 0 : 1;
}
