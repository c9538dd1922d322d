// The deployment checks of health.h, one function each.
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <atomic>
#include <cstring>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <future>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "access/access.h"
#include "activity/activity.h"
#include "filter/profile_set.h"
#include "health/health.h"
#include "store/database.h"

namespace esafe::health {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::system_clock;

Check Make(std::string name, Status status, std::string detail, std::string advice = {}) {
  return {std::move(name), status, std::move(detail), std::move(advice)};
}

// "3 days", "5 hours", "12 minutes": how long ago, for a person.
std::string Ago(Clock::duration age) {
  using namespace std::chrono;
  const auto minutes = duration_cast<std::chrono::minutes>(age).count();
  if (minutes < 120) return fmt::format("{} minutes", std::max<int64_t>(minutes, 0));
  if (minutes < 48 * 60) return fmt::format("{} hours", minutes / 60);
  return fmt::format("{} days", minutes / (24 * 60));
}

Clock::time_point ModifiedAt(const struct stat& st) { return Clock::from_time_t(st.st_mtime); }

// The SQLite file behind a sqlite: URL, "" for PostgreSQL.
std::string SqlitePath(const std::string& url) {
  return url.starts_with("sqlite:") ? url.substr(7) : std::string();
}

// A read-only connection to the database, never created nor migrated.
Result<std::unique_ptr<store::Connection>> OpenReadOnly(const std::string& url) {
  if (url.empty()) return Error::Invalid("no database configured (serve --db)");
  if (auto path = SqlitePath(url); !path.empty()) {
    std::error_code ec;
    if (!fs::exists(path, ec)) return Error::NotFound(fmt::format("{} does not exist", path));
    return store::OpenSqliteReader(path);
  }
  return store::OpenPostgresReader(url);
}

std::string WhoMayRead(mode_t mode) {
  if (mode & S_IWOTH) return "every user on the server can change it";
  if (mode & S_IROTH) return "it is readable by every user on the server";
  return "every user on the server has access to it";
}

// One path's mode and, when `must_own`, its owner. `wanted` is the mode chmod should give it.
std::optional<Check> PathModeProblem(const std::string& name, const std::string& path, mode_t wanted, bool must_own,
                                     const std::string& service_user) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  if (st.st_mode & S_IRWXO) {
    return Make(name, Status::kProblem, fmt::format("{} is mode {:04o}: {}", path, st.st_mode & 07777,
                                                    WhoMayRead(st.st_mode)),
                fmt::format("chmod {:04o} {}: {}", wanted, path, WhoMayRead(st.st_mode)));
  }
  // No such account on this machine (doctor run where the package is not installed): nothing to compare.
  const passwd* pw = must_own && !service_user.empty() ? ::getpwnam(service_user.c_str()) : nullptr;
  if (pw != nullptr && st.st_uid != pw->pw_uid) {
    return Make(name, Status::kProblem,
                fmt::format("{} belongs to user id {}, not the service user {}", path, st.st_uid, service_user),
                fmt::format("chown {}: {}: esafe runs as {} and must own what it writes", service_user, path,
                            service_user));
  }
  return std::nullopt;
}

// The age of the newest regular file under `dir` (the last time the lists were updated).
std::optional<Clock::time_point> NewestFileIn(const fs::path& dir, size_t& files) {
  std::optional<Clock::time_point> newest;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    struct stat st {};
    if (::stat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    ++files;
    if (!newest || ModifiedAt(st) > *newest) newest = ModifiedAt(st);
  }
  return newest;
}

Check ListAge(const std::string& name, const std::string& what, Clock::time_point modified,
              Clock::time_point now, const Thresholds& t) {
  const auto age = now - modified;
  const std::string detail = fmt::format("{} last updated {} ago", what, Ago(age));
  const std::string advice = fmt::format(
      "update the lists (download them again, or run your list update job) and reload the enforcement points "
      "(systemctl reload esafe-icap): lists older than {} days miss new sites",
      std::chrono::duration_cast<std::chrono::hours>(t.list_warning).count() / 24);
  if (age > t.list_problem) return Make(name, Status::kProblem, detail, advice);
  if (age > t.list_warning) return Make(name, Status::kWarning, detail, advice);
  return Make(name, Status::kOk, detail);
}

// A blocking socket with send and receive timeouts, connected within `timeout`.
int ConnectWithin(const std::string& host, int port, std::chrono::milliseconds timeout, std::string& why) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); rc != 0) {
    why = fmt::format("cannot resolve {}: {}", host, ::gai_strerror(rc));
    return -1;
  }
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> list(found, ::freeaddrinfo);
  why = "no address";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
      if (rc == 0) {
        why = fmt::format("no answer within {} ms", timeout.count());
        ::close(fd);
        continue;
      }
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      rc = err == 0 ? 0 : -1;
      errno = err;
    }
    if (rc != 0) {
      why = std::strerror(errno);
      ::close(fd);
      continue;
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return fd;
  }
  return -1;
}

// One SMTP reply (its last line is "NNN text", not "NNN-text"); "" on a timeout or a
// closed connection.
std::string ReadReply(int fd) {
  std::string reply;
  char buf[512];
  while (reply.size() < 64 * 1024) {
    if (!reply.empty() && reply.back() == '\n') {
      const std::string_view body(reply.data(), reply.size() - 1);
      const size_t nl = body.rfind('\n');
      const std::string_view last = nl == std::string_view::npos ? body : body.substr(nl + 1);
      if (last.size() == 3 || (last.size() >= 4 && (last[3] == ' ' || last[3] == '\r'))) return reply;
    }
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return {};
    reply.append(buf, static_cast<size_t>(n));
  }
  return {};
}

}  // namespace

Check CheckConfiguration(const Deployment& d) {
  const std::string name = "configuration";
  if (d.config_file.empty()) {
    return Make(name, Status::kNotConfigured, "no configuration file: esafe serve runs on its command-line flags",
                "");
  }
  if (!d.config_problems.empty()) {
    std::string lines;
    for (const auto& p : d.config_problems) lines += (lines.empty() ? "" : "; ") + p;
    return Make(name, Status::kProblem, lines,
                fmt::format("correct {} at the lines named, then run esafe config check; esafe serve refuses to "
                            "start until then",
                            d.config_file));
  }
  return Make(name, Status::kOk, fmt::format("{} is valid", d.config_file));
}

std::vector<Check> CheckFileModes(const Deployment& d, bool running_as_root) {
  std::vector<Check> found;
  const auto add = [&](const std::string& name, const std::vector<std::pair<std::string, mode_t>>& paths,
                       const std::string& what, bool must_own) {
    bool any = false;
    for (const auto& [path, wanted] : paths) {
      struct stat st {};
      if (::stat(path.c_str(), &st) != 0) continue;
      any = true;
      if (auto problem = PathModeProblem(name, path, wanted, must_own && running_as_root, d.service_user)) {
        found.push_back(std::move(*problem));
        return;
      }
    }
    if (any) found.push_back(Make(name, Status::kOk, what));
  };
  if (auto db = SqlitePath(d.db_url); !db.empty()) {
    add("database file modes", {{db, 0640}, {db + "-wal", 0640}, {db + "-shm", 0640}},
        fmt::format("{} and its -wal and -shm files are readable by esafe only", db), true);
  }
  if (!d.activity_log_dir.empty()) {
    std::vector<std::pair<std::string, mode_t>> paths{{d.activity_log_dir, 0750}};
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(d.activity_log_dir, ec)) paths.push_back({entry.path(), 0640});
    add("activity log modes", paths, fmt::format("{} and its files are readable by esafe only", d.activity_log_dir),
        true);
  }
  if (!d.config_file.empty()) {
    // The owner may be root (the package installs it root:esafe 0640): only the mode matters.
    add("configuration file mode", {{d.config_file, 0640}},
        fmt::format("{} is not readable by every user (it may hold or name secrets)", d.config_file), false);
  }
  return found;
}

Check CheckDatabase(const Deployment& d) {
  const std::string name = "database";
  auto conn = OpenReadOnly(d.db_url);
  if (!conn.ok()) {
    return Make(name, Status::kProblem, fmt::format("cannot open {}: {}", d.db_url, conn.error().message),
                "check serve's db setting, that the file exists (or PostgreSQL runs and accepts esafe), and that "
                "the service user may read it");
  }
  auto pending = store::PendingMigrations(**conn);
  if (!pending.ok()) {
    return Make(name, Status::kProblem, fmt::format("{} holds no esafe schema: {}", d.db_url, pending.error().message),
                "start esafe serve once on this database (it applies the migrations), or point db at the right one");
  }
  if (!pending->empty()) {
    std::string names;
    for (const auto& p : *pending) names += (names.empty() ? "" : ", ") + p;
    return Make(name, Status::kProblem, fmt::format("{} migrations not applied: {}", pending->size(), names),
                "restart esafe serve with this version (systemctl restart esafe): it applies them on start");
  }
  return Make(name, Status::kOk, "reachable, every migration applied");
}

Check CheckDemoAccounts(const Deployment& d) {
  const std::string name = "demo accounts";
  auto conn = OpenReadOnly(d.db_url);
  if (!conn.ok()) return Make(name, Status::kNotConfigured, "the database cannot be opened (see database)");
  auto counts = access::CountDemoAccounts(**conn);
  if (!counts.ok()) return Make(name, Status::kNotConfigured, "the database cannot be read (see database)");
  if (counts->present == 0) return Make(name, Status::kOk, "none");
  if (d.demo) {
    return Make(name, Status::kWarning,
                fmt::format("the server runs as a demonstration (--demo): {} demo accounts share one printed password",
                            counts->present),
                "remove demo from serve's settings for a real partnership, then restart esafe serve");
  }
  if (counts->can_sign_in > 0) {
    return Make(name, Status::kProblem,
                fmt::format("{} of {} demo accounts can sign in, with a password printed on the console",
                            counts->can_sign_in, counts->present),
                "restart esafe serve without --demo (it suspends them), or run esafe user disable NAME for each; "
                "their password is not a secret");
  }
  return Make(name, Status::kWarning,
              fmt::format("{} demo accounts are present, suspended (they sign in only with --demo)", counts->present),
              "run esafe user disable NAME for each, or start this deployment from an empty database");
}

std::vector<Check> CheckListFiles(const Deployment& d, Clock::time_point now) {
  std::vector<Check> found;
  const Thresholds& t = d.thresholds;
  if (!d.profiles_file.empty()) {
    std::vector<filter::ProfileProblem> problems;
    auto set = filter::LoadProfileSet(d.profiles_file, problems);
    if (!set.ok()) {
      found.push_back(Make("filtering profiles", Status::kProblem, set.error().message,
                           "correct the profiles file, then run esafe filter check --profile NAME --lists DIR URL"));
    } else {
      for (const auto& list : set->mandatory) {
        const std::string name = "mandatory list " + list.category;
        struct stat st {};
        if (::stat(list.file.c_str(), &st) != 0) {
          found.push_back(Make(name, Status::kProblem, fmt::format("{} is missing", list.file.string()),
                               fmt::format("put the {} list at {} (the profiles file names it)", list.category,
                                           list.file.string())));
          continue;
        }
        found.push_back(ListAge(name, list.file.string(), ModifiedAt(st), now, t));
      }
    }
  }
  for (const auto& dir : d.list_dirs) {
    const std::string name = "category lists " + dir;
    size_t files = 0;
    auto newest = NewestFileIn(dir, files);
    if (!newest) {
      found.push_back(Make(name, Status::kProblem, fmt::format("{} has no list files", dir),
                           "download the squidGuard/UT1 lists into it, a folder per category"));
      continue;
    }
    found.push_back(ListAge(name, fmt::format("{} ({} files)", dir, files), *newest, now, t));
  }
  if (found.empty()) found.push_back(Make("filtering lists", Status::kNotConfigured, "no profiles file or list folder"));
  return found;
}

std::vector<Check> CheckNodes(const Deployment& d, Clock::time_point now) {
  const std::string name = "enforcement points";
  if (d.activity_log_dir.empty()) return {Make(name, Status::kNotConfigured, "no activity log (serve activity-log)")};
  auto reader = activity::LogReader::Open(d.activity_log_dir);
  if (!reader.ok()) {
    return {Make(name, Status::kProblem, fmt::format("cannot read the activity log: {}", reader.error().message),
                 "see activity log")};
  }
  const auto us = [](Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  };
  const Thresholds& t = d.thresholds;
  activity::Query week;
  week.from_us = us(now - t.node_known_window);
  activity::Query recent;
  recent.from_us = us(now - t.node_silent);
  auto known = reader->CountBy(week, activity::Field::kNode);
  auto heard = reader->CountBy(recent, activity::Field::kNode);
  if (!known.ok() || !heard.ok()) {
    return {Make(name, Status::kProblem, "cannot count the log's events by node", "run esafe log verify")};
  }
  std::set<std::string> nodes;
  for (const auto& [node, count] : *known) {
    if (!node.empty()) nodes.insert(node);
  }
  if (!d.ingest_tokens_file.empty()) {
    if (auto tokens = activity::LoadNodeTokens(d.ingest_tokens_file); tokens.ok()) {
      for (const auto& [token, node] : *tokens) nodes.insert(node);
    }
  }
  if (nodes.empty()) {
    return {Make(name, Status::kWarning,
                 fmt::format("no enforcement point has sent events in the last {} days",
                             std::chrono::duration_cast<std::chrono::hours>(t.node_known_window).count() / 24),
                 "start the Squid helper or ICAP service with --log-to pointing at this server's ingest endpoint")};
  }
  std::vector<Check> found;
  const auto silent_minutes = std::chrono::duration_cast<std::chrono::minutes>(t.node_silent).count();
  for (const auto& node : nodes) {
    const auto it = heard->find(node);
    if (it != heard->end() && it->second > 0) {
      found.push_back(Make("enforcement point " + node, Status::kOk,
                           fmt::format("{} events in the last {} minutes", it->second, silent_minutes)));
    } else {
      found.push_back(Make("enforcement point " + node, Status::kProblem,
                           fmt::format("no events for {} minutes or more", silent_minutes),
                           fmt::format("check the enforcement point {} runs (systemctl status esafe-icap on it), can "
                                       "reach this server and holds a valid token; its decisions are not logged",
                                       node)));
    }
  }
  return found;
}

Check CheckActivityLog(const Deployment& d, Clock::time_point now) {
  const std::string name = "activity log";
  if (d.activity_log_dir.empty()) return Make(name, Status::kNotConfigured, "no activity log (serve activity-log)");
  // A verification outlives a bounded wait on its own thread; one at a time, so that
  // repeated requests do not pile up readers of a large log.
  static std::atomic<bool> verifying{false};
  const bool bounded = d.thresholds.verify_timeout.count() > 0;
  if (bounded && verifying.exchange(true)) {
    return Make(name, Status::kWarning, "a verification started earlier is still running",
                "wait a minute and look again, or run esafe log verify on the server");
  }
  auto promise = std::make_shared<std::promise<Result<activity::VerifyReport>>>();
  auto future = promise->get_future();
  std::thread([promise, dir = d.activity_log_dir, bounded] {
    promise->set_value(activity::Verify(dir));
    if (bounded) verifying = false;
  }).detach();
  if (bounded && future.wait_for(d.thresholds.verify_timeout) != std::future_status::ready) {
    return Make(name, Status::kWarning,
                fmt::format("the verification did not finish within {} ms", d.thresholds.verify_timeout.count()),
                fmt::format("run esafe log verify {} on the server for the full answer", d.activity_log_dir));
  }
  auto report = future.get();
  if (!report.ok()) {
    return Make(name, Status::kProblem, fmt::format("cannot read {}: {}", d.activity_log_dir, report.error().message),
                "check the activity-log setting and that the service user may read the folder");
  }
  if (!report->ok) {
    return Make(name, Status::kProblem,
                fmt::format("the hash chain does not verify: {}",
                            report->problems.empty() ? std::string("unknown") : report->problems.front()),
                fmt::format("keep a copy of {} as it is (evidence), restore the last good backup (esafe restore) "
                            "and report it to the partnership's e-safety lead",
                            d.activity_log_dir));
  }
  const std::string verified = fmt::format("{} segments and {} events verify", report->segments, report->events);
  struct stat chain {};
  const auto chain_file = fs::path(d.activity_log_dir) / "chain.log";
  if (report->wal_events > 0 && ::stat(chain_file.c_str(), &chain) == 0) {
    const auto since_seal = now - ModifiedAt(chain);
    const auto late = 2 * d.seal_interval + std::chrono::minutes(5);
    if (since_seal > late) {
      return Make(name, Status::kWarning,
                  fmt::format("{}; {} events wait unsealed, last seal {} ago", verified, report->wal_events,
                              Ago(since_seal)),
                  "check esafe serve (or esafe log ingest) runs with its seal interval: unsealed events are not "
                  "yet covered by the hash chain");
    }
  }
  return Make(name, Status::kOk, fmt::format("{}; {} events not yet sealed", verified, report->wal_events));
}

Check CheckMirror(const Deployment& d) {
  const std::string name = "PostgreSQL mirror";
  if (d.activity_postgres.empty() || d.activity_log_dir.empty()) {
    return Make(name, Status::kNotConfigured, "no activity-postgres mirror");
  }
  static const std::regex kSchema("[a-z_][a-z0-9_]{0,39}");
  if (!std::regex_match(d.activity_postgres_schema, kSchema)) {
    return Make(name, Status::kProblem, fmt::format("bad schema name {}", d.activity_postgres_schema),
                "set activity-postgres-schema to lower-case letters, digits and _");
  }
  std::string url = d.activity_postgres;
  if (url.find("connect_timeout") == std::string::npos) {
    const auto seconds = std::max<int64_t>(1, d.thresholds.network_timeout.count() / 1000);
    url += fmt::format("{}connect_timeout={}", url.find('?') == std::string::npos ? '?' : '&', seconds);
  }
  auto conn = store::OpenPostgresReader(url);
  if (!conn.ok()) {
    return Make(name, Status::kProblem, "cannot connect to the mirror's PostgreSQL",
                "check PostgreSQL runs and accepts esafe at the activity-postgres address");
  }
  // The schema name is checked above: an identifier cannot be a parameter.
  auto row = (*conn)->QueryOne(
      fmt::format("SELECT COUNT(*) AS n FROM {}.segments WHERE seq >= ?", d.activity_postgres_schema), {int64_t{0}},
      "mirrored segments");
  if (!row.ok()) {
    return Make(name, Status::kProblem, fmt::format("cannot read {}.segments", d.activity_postgres_schema),
                "start esafe serve with activity-postgres once (it creates the schema)");
  }
  auto reader = activity::LogReader::Open(d.activity_log_dir);
  if (!reader.ok()) return Make(name, Status::kProblem, "cannot read the activity log", "see activity log");
  const int64_t lag = static_cast<int64_t>(reader->segment_count()) - row->Int("n");
  if (lag > d.thresholds.mirror_lag_segments) {
    return Make(name, Status::kProblem, fmt::format("{} sealed segments not yet copied", lag),
                "check esafe serve's log for mirror errors (journalctl -u esafe) and PostgreSQL's free space");
  }
  return Make(name, Status::kOk, fmt::format("{} segments mirrored, {} behind", row->Int("n"), std::max<int64_t>(lag, 0)));
}

Check CheckSmtp(const Deployment& d) {
  const std::string name = "SMTP relay";
  if (d.smtp_host.empty()) return Make(name, Status::kNotConfigured, "no smtp section: alerts are not e-mailed");
  const std::string where = fmt::format("{}:{}", d.smtp_host, d.smtp_port);
  const std::string advice = fmt::format(
      "check the mail relay {} runs and this server may connect to it (firewall); until then alert e-mails wait", where);
  std::string why;
  const int fd = ConnectWithin(d.smtp_host, d.smtp_port, d.thresholds.network_timeout, why);
  if (fd < 0) return Make(name, Status::kProblem, fmt::format("cannot connect to {}: {}", where, why), advice);
  std::unique_ptr<int, void (*)(int*)> closer(new int(fd), [](int* f) {
    ::close(*f);
    delete f;
  });
  const std::string greeting = ReadReply(fd);
  if (!greeting.starts_with("220")) {
    return Make(name, Status::kProblem, fmt::format("{} did not greet within the timeout", where), advice);
  }
  const std::string ehlo = "EHLO " + d.smtp_helo + "\r\n";
  if (::send(fd, ehlo.data(), ehlo.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(ehlo.size())) {
    return Make(name, Status::kProblem, fmt::format("{} closed the connection", where), advice);
  }
  const std::string answer = ReadReply(fd);
  const std::string quit = "QUIT\r\n";
  (void)::send(fd, quit.data(), quit.size(), MSG_NOSIGNAL);
  if (!answer.starts_with("250")) {
    return Make(name, Status::kProblem, fmt::format("{} refused EHLO", where), advice);
  }
  return Make(name, Status::kOk, fmt::format("{} answers EHLO", where));
}

Check CheckTlsCertificate(const Deployment& d, Clock::time_point now) {
  const std::string name = "TLS certificate";
  if (d.tls_cert.empty()) return Make(name, Status::kNotConfigured, "no tls-cert: plain HTTP or a reverse proxy");
  std::unique_ptr<FILE, decltype(&std::fclose)> file(std::fopen(d.tls_cert.c_str(), "r"), &std::fclose);
  if (!file) {
    return Make(name, Status::kProblem, fmt::format("cannot read {}", d.tls_cert),
                "check the tls-cert setting and that the service user may read the file");
  }
  std::unique_ptr<X509, decltype(&X509_free)> cert(PEM_read_X509(file.get(), nullptr, nullptr, nullptr), &X509_free);
  std::tm not_after{};
  if (!cert || ASN1_TIME_to_tm(X509_get0_notAfter(cert.get()), &not_after) != 1) {
    return Make(name, Status::kProblem, fmt::format("{} holds no PEM certificate", d.tls_cert),
                "put the certificate chain (PEM, the server's certificate first) in the file");
  }
  const auto expires = Clock::from_time_t(::timegm(&not_after));
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &not_after);
  const std::string renew = fmt::format(
      "renew the certificate, write it to {} and run systemctl reload esafe (serve rereads it on SIGHUP)", d.tls_cert);
  if (expires <= now) return Make(name, Status::kProblem, fmt::format("expired on {}", when), renew);
  if (expires - now < d.thresholds.cert_warning) {
    return Make(name, Status::kWarning, fmt::format("expires on {}, in {}", when, Ago(expires - now)), renew);
  }
  return Make(name, Status::kOk, fmt::format("valid until {}", when));
}

}  // namespace esafe::health
