// The multi-user load benchmark (issue 19): many concurrent clients, each signed in as
// one of a busy partnership's roles, send a weighted mix of reads and writes to a running
// `esafe serve` for a fixed time; part-way through, a 100,000-row people import and a
// board report PDF start, while /healthz is probed on a connection of its own.
//
//   load_bench --url http://127.0.0.1:PORT --admin NAME --password-file FILE
//              [--clients 500] [--seconds 60] [--agencies 300] [--people 100000]
//              [--import-rows 100000] [--think-ms 0] [--smoke]
//
// Before the timed run it scales the partnership through the real routes (agency, site
// and people CSV imports), creates one account per role (and per chosen agency) as the
// administrator, signs each in once and shares its session among that role's clients:
// Argon2id sign-ins would otherwise be the benchmark. Every request of every role's menu
// is tried once before the clock starts, so a menu that asks for what the role may not
// do fails at once, naming the request.
//
// Clients are closed loops (send, wait for the answer, think, send again) on one
// io_context run by a few threads; each client connects from its own loopback address
// (127.1.x.y), as people in different offices would, so the server's per-address
// connection cap is not what is measured. Every non-2xx answer, connection error and
// timeout is an error. Latencies are measured with steady_clock from the first byte sent
// (including a reconnect when the server closed the connection) to the last byte read,
// kept whole and sorted: percentiles are nearest-rank over every sample.
//
// Exit status: 0 when there were no errors, every route class was exercised and (unless
// --smoke) /healthz p99 during the import+PDF window is under 50 ms; 1 otherwise, saying
// which; 2 when the set-up fails.
// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/csv.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

namespace {

struct Options {
  std::string url = "http://127.0.0.1:8080";
  std::string admin = "bench-admin";
  std::string password_file;
  int clients = 500;
  int seconds = 60;
  int agencies = 300;
  int people = 100000;
  int import_rows = 100000;
  int think_ms = 0;
  int threads = 3;
  int officer_agencies = 8;
  double event_at = -1;  // seconds into the run; default a third of it
  bool smoke = false;
};

using Response = http::response<http::string_body>;

struct Request {
  http::verb method = http::verb::get;
  std::string target;
  std::string body;
  std::string content_type = "application/json";
};

// One keep-alive HTTP/1.1 connection from a chosen local address.
class Connection {
 public:
  Connection(asio::any_io_executor ex, tcp::endpoint server, asio::ip::address local)
      : stream_(ex), server_(server), local_(local) {}

  // Sends `req` with the session's cookie and CSRF token (when given) and reads the whole
  // answer. Throws boost::system::system_error on a connection error or timeout.
  awaitable<Response> Send(const Request& r, const std::string& cookie, const std::string& csrf,
                           std::chrono::seconds timeout) {
    http::request<http::string_body> req{r.method, r.target, 11};
    req.set(http::field::host, host_);
    req.set(http::field::user_agent, "esafe-load-bench");
    if (!cookie.empty()) req.set(http::field::cookie, "esafe_session=" + cookie);
    if (!csrf.empty() && r.method != http::verb::get) req.set("X-CSRF-Token", csrf);
    if (r.method != http::verb::get) {
      req.set(http::field::content_type, r.content_type);
      req.body() = r.body;
      req.prepare_payload();
    }
    req.keep_alive(true);
    stream_.expires_after(timeout);
    if (!open_) {
      auto& socket = stream_.socket();
      socket.open(server_.protocol());
      socket.bind(tcp::endpoint(local_, 0));
      co_await stream_.async_connect(server_, use_awaitable);
      open_ = true;
    }
    try {
      co_await http::async_write(stream_, req, use_awaitable);
      http::response_parser<http::string_body> parser;
      parser.body_limit(256u << 20);
      co_await http::async_read(stream_, buffer_, parser, use_awaitable);
      Response res = parser.release();
      if (!res.keep_alive()) Close();
      co_return res;
    } catch (...) {
      Close();
      throw;
    }
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
    buffer_.clear();
    open_ = false;
  }

  void set_host(std::string host) { host_ = std::move(host); }

 private:
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  tcp::endpoint server_;
  asio::ip::address local_;
  std::string host_;
  bool open_ = false;
};

// ---- what each role does ----

enum class RoleKind { kAdmin, kLead, kOfficer, kStaff, kBoard, kAuditor };

const char* RoleLabel(RoleKind r) {
  switch (r) {
    case RoleKind::kAdmin: return "partnership_admin";
    case RoleKind::kLead: return "partnership_lead";
    case RoleKind::kOfficer: return "agency_officer";
    case RoleKind::kStaff: return "agency_staff";
    case RoleKind::kBoard: return "board_member";
    case RoleKind::kAuditor: return "auditor";
  }
  return "";
}

// A signed-in account whose session the clients of one role (and agency) share.
struct Account {
  Account(RoleKind r, std::string name, std::optional<int64_t> agency)
      : role(r), username(std::move(name)), agency_id(agency) {}
  RoleKind role;
  std::string username;
  std::optional<int64_t> agency_id;
  std::string cookie, csrf;
  std::vector<int64_t> people;          // ids the account may read (its agency's, or a sample)
  std::vector<int64_t> sites;           // likewise
  std::vector<int64_t> actions;         // plan actions it may add progress to / change
  std::vector<int64_t> incidents;       // incidents it may read, seeded before the run
};

// Read-only during the run: what the set-up found.
struct World {
  std::vector<int64_t> agency_ids;
  std::vector<std::string> agency_names;
  int64_t open_round = 0, closed_round = 0;
};

// Route classes, each reported on its own line.
const std::vector<std::string>& RouteClasses() {
  static const std::vector<std::string> v = {
      "directory.list", "directory.read", "directory.update", "summary",         "incidents.list",
      "incidents.read", "incidents.create", "incidents.stats", "training.coverage", "alerts.list",
      "audit.rounds",   "board.report",   "plan.list",        "plan.update",       "audit_trail.list"};
  return v;
}
size_t ClassIndex(const std::string& name) {
  const auto& v = RouteClasses();
  return static_cast<size_t>(std::find(v.begin(), v.end(), name) - v.begin());
}

struct Op {
  std::string route_class;
  int weight;
  std::function<Request(std::mt19937_64&, const Account&, const std::vector<int64_t>& own_incidents)> make;
  bool remembers_incident = false;  // the answer's id is an incident this client may read
};

template <typename T>
T Pick(std::mt19937_64& rng, const std::vector<T>& v) {
  return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)];
}

Request Get(std::string target) { return {http::verb::get, std::move(target), "", ""}; }

Request NewIncident(std::mt19937_64& rng, const Account&) {
  static const std::vector<std::string> categories = {"accidental_inappropriate", "deliberate_inappropriate",
                                                      "email_misuse"};
  static const std::vector<std::string> how = {"child_disclosure", "peer_report", "parent_report", "staff_report",
                                               "filtering_alert"};
  static const std::vector<std::string> risks = {"little_or_no_danger", "encourage_safe_behaviour"};
  Json body = {{"category", Pick(rng, categories)},
               {"how_identified", Pick(rng, how)},
               {"risk_level", Pick(rng, risks)},
               {"technology", "web"},
               {"description", "Load benchmark: a pupil reached an unsuitable page during a lesson"}};
  return {http::verb::post, "/api/v1/incidents", body.dump()};
}

std::string PeopleListTarget(std::mt19937_64& rng, const Account& a, const World& w) {
  int64_t agency = a.agency_id ? *a.agency_id : Pick(rng, w.agency_ids);
  int64_t limit = std::uniform_int_distribution<int64_t>(1, 6)(rng) * 50;
  return fmt::format("/api/v1/people?agency_id={}&limit={}", agency, limit);
}

std::vector<Op> RoleMenu(RoleKind role, const World& w) {
  const World* world = &w;
  auto list_people = [world](std::mt19937_64& rng, const Account& a, const auto&) {
    return Get(PeopleListTarget(rng, a, *world));
  };
  auto read_person = [](std::mt19937_64& rng, const Account& a, const auto&) {
    return Get(fmt::format("/api/v1/people/{}", Pick(rng, a.people)));
  };
  auto search_people = [](std::mt19937_64& rng, const Account&, const auto&) {
    return Get(fmt::format("/api/v1/people?q=Person%20{}&limit=20", std::uniform_int_distribution<int>(1, 999)(rng)));
  };
  auto list_agencies = [](std::mt19937_64&, const Account&, const auto&) { return Get("/api/v1/agencies?limit=50"); };
  auto list_sites = [world](std::mt19937_64& rng, const Account& a, const auto&) {
    int64_t agency = a.agency_id ? *a.agency_id : Pick(rng, world->agency_ids);
    return Get(fmt::format("/api/v1/sites?agency_id={}", agency));
  };
  auto read_site = [](std::mt19937_64& rng, const Account& a, const auto&) {
    return Get(fmt::format("/api/v1/sites/{}", Pick(rng, a.sites)));
  };
  auto summary = [](std::mt19937_64&, const Account&, const auto&) { return Get("/api/v1/summary"); };
  auto incidents = [](std::mt19937_64&, const Account&, const auto&) { return Get("/api/v1/incidents?limit=50"); };
  auto read_incident = [](std::mt19937_64& rng, const Account& a, const std::vector<int64_t>& own) {
    bool mine = !own.empty() && std::bernoulli_distribution(0.5)(rng);
    return Get(fmt::format("/api/v1/incidents/{}", mine ? Pick(rng, own) : Pick(rng, a.incidents)));
  };
  auto create_incident = [](std::mt19937_64& rng, const Account& a, const auto&) { return NewIncident(rng, a); };
  auto stats = [](std::mt19937_64&, const Account&, const auto&) { return Get("/api/v1/incidents/statistics"); };
  auto coverage = [](std::mt19937_64&, const Account&, const auto&) { return Get("/api/v1/training/coverage"); };
  auto alerts = [](std::mt19937_64&, const Account&, const auto&) { return Get("/api/v1/alerts"); };
  auto rounds = [](std::mt19937_64&, const Account&, const auto&) { return Get("/api/v1/audit-rounds"); };
  auto round_status = [world](std::mt19937_64&, const Account&, const auto&) {
    return Get(fmt::format("/api/v1/audit-rounds/{}/status", world->open_round));
  };
  auto report = [world](std::mt19937_64&, const Account&, const auto&) {
    return Get(fmt::format("/api/v1/audit-rounds/{}/report", world->closed_round));
  };
  auto actions = [](std::mt19937_64&, const Account&, const auto&) { return Get("/api/v1/plan/actions"); };
  auto plan_summary = [](std::mt19937_64&, const Account&, const auto&) { return Get("/api/v1/plan/summary"); };
  auto progress = [](std::mt19937_64& rng, const Account& a, const auto&) {
    Json body = {{"note", "Load benchmark: discussed at the sub-group; on track"}};
    return Request{http::verb::post, fmt::format("/api/v1/plan/actions/{}/progress", Pick(rng, a.actions)),
                   body.dump()};
  };
  auto change_action = [](std::mt19937_64& rng, const Account& a, const auto&) {
    static const std::vector<std::string> statuses = {"not_achieved", "in_progress", "completed",
                                                      "achieved_evolving"};
    Json body = {{"status", Pick(rng, statuses)}};
    return Request{http::verb::patch, fmt::format("/api/v1/plan/actions/{}", Pick(rng, a.actions)), body.dump()};
  };
  auto update_person = [](std::mt19937_64& rng, const Account& a, const auto&) {
    Json body = {{"job_title", fmt::format("Teacher (grade {})", std::uniform_int_distribution<int>(1, 9)(rng))}};
    return Request{http::verb::patch, fmt::format("/api/v1/people/{}", Pick(rng, a.people)), body.dump()};
  };
  auto audit_trail = [](std::mt19937_64&, const Account&, const auto&) { return Get("/api/v1/audit-events?limit=50"); };

  // Weights: what a busy partnership's people do most is read their own agency's
  // records and incidents; writes are about one request in eight.
  switch (role) {
    case RoleKind::kOfficer:
      return {{"directory.list", 14, list_people},    {"directory.list", 4, list_sites},
              {"directory.read", 12, read_person},     {"directory.read", 3, read_site},
              {"directory.update", 4, update_person},  {"summary", 8, summary},
              {"incidents.list", 12, incidents},       {"incidents.read", 10, read_incident},
              {"incidents.create", 6, create_incident, true}, {"training.coverage", 4, coverage},
              {"alerts.list", 6, alerts},              {"audit.rounds", 3, rounds},
              {"audit.rounds", 2, round_status},       {"plan.list", 3, actions},
              {"plan.update", 2, progress}};
    case RoleKind::kStaff:
      return {{"directory.list", 10, list_people}, {"directory.read", 8, read_person}, {"summary", 6, summary},
              {"directory.list", 3, list_sites}};
    case RoleKind::kLead:
      return {{"summary", 8, summary},           {"incidents.list", 10, incidents},   {"incidents.read", 6, read_incident},
              {"incidents.stats", 6, stats},     {"training.coverage", 5, coverage},  {"alerts.list", 5, alerts},
              {"audit.rounds", 4, rounds},       {"audit.rounds", 4, round_status},   {"board.report", 3, report},
              {"plan.list", 6, actions},         {"plan.list", 3, plan_summary},      {"plan.update", 3, change_action},
              {"directory.list", 6, list_people}, {"directory.list", 4, search_people}, {"directory.list", 3, list_agencies},
              {"directory.read", 6, read_person}};
    case RoleKind::kAdmin:
      return {{"audit_trail.list", 8, audit_trail}, {"directory.list", 6, list_agencies},
              {"directory.list", 6, search_people}, {"directory.read", 6, read_person},
              {"summary", 4, summary},               {"incidents.list", 4, incidents},
              {"alerts.list", 3, alerts},            {"directory.update", 2, update_person}};
    case RoleKind::kBoard:
      return {{"summary", 10, summary},       {"plan.list", 8, plan_summary}, {"incidents.stats", 8, stats},
              {"board.report", 6, report},    {"audit.rounds", 4, rounds},    {"directory.list", 3, list_agencies}};
    case RoleKind::kAuditor:
      return {{"summary", 6, summary},       {"directory.list", 6, list_agencies}, {"directory.list", 4, list_sites},
              {"directory.read", 4, read_site}, {"audit.rounds", 6, rounds},     {"audit.rounds", 4, round_status},
              {"plan.list", 4, actions},     {"plan.list", 3, plan_summary}};
  }
  return {};
}

// The account's menu: an officer whose agency leads no plan action adds no progress.
std::vector<Op> Menu(const Account& a, const World& w) {
  auto menu = RoleMenu(a.role, w);
  if (a.actions.empty()) {
    std::erase_if(menu, [](const Op& op) { return op.route_class == "plan.update"; });
  }
  return menu;
}

// ---- figures ----

struct Sample {
  uint32_t micros;
  uint16_t route_class;
};

struct ErrorCounts {
  std::map<std::string, int64_t> by_reason;  // "class: status message" → count
  int64_t total = 0;
  void Add(const std::string& reason) {
    ++total;
    ++by_reason[reason];
  }
  void Merge(const ErrorCounts& o) {
    total += o.total;
    for (const auto& [k, n] : o.by_reason) by_reason[k] += n;
  }
};

struct ClientStats {
  std::vector<Sample> samples;
  ErrorCounts errors;
  bool finished = false;
};

// A client's coroutine has ended, normally or by an exception (counted as an error).
void Finished(ClientStats& stats, std::exception_ptr e) {
  if (e) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      stats.errors.Add(fmt::format("client: ended by an exception: {}", ex.what()));
    }
  }
  stats.finished = true;
}

// Nearest-rank percentile of sorted micros.
double Percentile(const std::vector<uint32_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1] / 1000.0;
}

std::string ErrorReason(const std::string& route_class, const Response& res) {
  std::string message;
  try {
    message = Json::parse(res.body()).value("error", "");
  } catch (...) {
    message = res.body().substr(0, 80);
  }
  return fmt::format("{}: HTTP {} {}", route_class, res.result_int(), message.substr(0, 120));
}

// ---- the run ----

struct Run {
  asio::io_context io;
  tcp::endpoint server;
  std::string host;
  Options opt;
  World world;
  std::vector<Account> accounts;
  Clock::time_point start, end;

  // A connection on `ex`, the strand its coroutine runs on: a Beast stream and its
  // timeout timer are not safe to use from two threads at once.
  std::unique_ptr<Connection> Connect(asio::any_io_executor ex, asio::ip::address local) {
    auto c = std::make_unique<Connection>(ex, server, local);
    c->set_host(host);
    return c;
  }
};

bool Ok(const Response& r) { return r.result_int() >= 200 && r.result_int() < 300; }

// The set-up's requests: any failure ends the benchmark with exit status 2.
struct SetupError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// GCC 12 destroys some temporaries of a co_await expression twice (PR 100611): every
// coroutine here takes its arguments by reference and is given named objects only.
const std::string kNone;

awaitable<Json> Call(Connection& c, const Account* as, const Request& r) {
  const std::string& cookie = as ? as->cookie : kNone;
  const std::string& csrf = as ? as->csrf : kNone;
  Response res = co_await c.Send(r, cookie, csrf, std::chrono::seconds(300));
  if (!Ok(res)) {
    throw SetupError(fmt::format("{} {} answered {}: {}", std::string(http::to_string(r.method)), r.target,
                                 res.result_int(), res.body().substr(0, 300)));
  }
  if (res.body().empty()) co_return Json();
  try {
    co_return Json::parse(res.body());
  } catch (...) {
    co_return Json();
  }
}

awaitable<void> SignIn(Connection& c, Account& a, const std::string& password) {
  Json body = {{"username", a.username}, {"password", password}};
  const Request r{http::verb::post, "/api/v1/session", body.dump()};
  Response res = co_await c.Send(r, kNone, kNone, std::chrono::seconds(60));
  if (!Ok(res)) throw SetupError(fmt::format("sign-in as {} answered {}: {}", a.username, res.result_int(), res.body()));
  std::string set_cookie(res[http::field::set_cookie]);
  auto at = set_cookie.find("esafe_session=");
  if (at == std::string::npos) throw SetupError("sign-in set no session cookie");
  auto value = set_cookie.substr(at + 14);
  a.cookie = value.substr(0, value.find(';'));
  a.csrf = Json::parse(res.body()).at("csrf_token").get<std::string>();
}

std::string AgencyName(int i) { return fmt::format("Bench Agency {:03}", i); }

// People rows for the CSV import: short enough that 100,000 of them stay under the
// server's 8 MiB upload cap.
std::string PeopleCsv(const std::vector<std::string>& agencies, int rows, int first, const std::string& batch) {
  static const char* roles[] = {"none", "none", "none", "none", "deputy e-safety lead", "senior manager"};
  std::string out = esafe::csv::FormatRow({"agency", "full_name", "job_title", "esafety_role", "subgroup_role"});
  for (int i = 0; i < rows; ++i) {
    int n = first + i;
    out += esafe::csv::FormatRow({agencies[static_cast<size_t>(n) % agencies.size()],
                                  fmt::format("{}Person {}", batch, n), "Teacher", roles[n % 6], "none"});
  }
  return out;
}

awaitable<void> Setup(Run& run, const std::string& password) {
  const Options& o = run.opt;
  auto conn = run.Connect(co_await asio::this_coro::executor, asio::ip::make_address("127.0.0.1"));
  Request req;
  Account admin(RoleKind::kAdmin, o.admin, std::nullopt);
  co_await SignIn(*conn, admin, password);

  auto t0 = Clock::now();
  req = Get("/api/v1/agencies?limit=1000");
  Json agencies = co_await Call(*conn, &admin, req);
  int have = static_cast<int>(agencies.size());
  if (have < o.agencies) {
    std::string csv = esafe::csv::FormatRow({"name", "sector", "membership_type"});
    std::string sites = esafe::csv::FormatRow({"agency", "name", "site_type"});
    static const std::vector<std::pair<const char*, const char*>> kinds = {
        {"education", "school"}, {"education", "school"}, {"education", "school"},
        {"library", "library"},  {"youth service", "youth club or group"}, {"health", "children's centre"}};
    for (int i = have; i < o.agencies; ++i) {
      const auto& [sector, site_type] = kinds[static_cast<size_t>(i) % kinds.size()];
      csv += esafe::csv::FormatRow({AgencyName(i), sector, i % 3 ? "other member" : "board partner"});
      sites += esafe::csv::FormatRow({AgencyName(i), AgencyName(i) + " main site", site_type});
    }
    req = Request{http::verb::post, "/api/v1/agencies/import", csv, "text/csv"};
    co_await Call(*conn, &admin, req);
    req = Request{http::verb::post, "/api/v1/sites/import", sites, "text/csv"};
    co_await Call(*conn, &admin, req);
    req = Get("/api/v1/agencies?limit=1000");
    agencies = co_await Call(*conn, &admin, req);
  }
  std::vector<std::string>& names = run.world.agency_names;
  for (const auto& a : agencies) {
    names.push_back(a.at("name").get<std::string>());
    run.world.agency_ids.push_back(a.at("id").get<int64_t>());
  }
  // Chunks of 50,000 rows keep each request under the upload cap.
  for (int done = 0; done < o.people; done += 50000) {
    int rows = std::min(50000, o.people - done);
    req = Request{http::verb::post, "/api/v1/people/import", PeopleCsv(names, rows, done, ""), "text/csv"};
    co_await Call(*conn, &admin, req);
  }
  std::cout << fmt::format("set-up: {} agencies, {} people imported through the CSV routes in {:.1f} s", names.size(),
                           o.people, std::chrono::duration<double>(Clock::now() - t0).count())
            << std::endl;

  req = Get("/api/v1/audit-rounds");
  Json rounds = co_await Call(*conn, &admin, req);
  for (const auto& r : rounds) {
    bool open = r.value("status", "") == "open";
    int64_t id = r.at("id").get<int64_t>();
    if (open && !run.world.open_round) run.world.open_round = id;
    if (!open && !run.world.closed_round) run.world.closed_round = id;
  }
  if (!run.world.open_round) run.world.open_round = rounds.at(0).at("id").get<int64_t>();
  if (!run.world.closed_round) run.world.closed_round = run.world.open_round;

  // Agencies with officers: those that lead plan actions (so progress can be added), up to
  // half, then others; the first two also have a member of staff.
  req = Get("/api/v1/plan/actions");
  Json actions = co_await Call(*conn, &admin, req);
  std::map<int64_t, std::vector<int64_t>> actions_led;
  std::vector<int64_t> all_actions;
  for (const auto& a : actions) {
    all_actions.push_back(a.at("id").get<int64_t>());
    if (a.contains("lead_agency_id") && a["lead_agency_id"].is_number()) {
      actions_led[a["lead_agency_id"].get<int64_t>()].push_back(a.at("id").get<int64_t>());
    }
  }
  if (all_actions.empty()) throw SetupError("the plan has no actions (was the demo partnership loaded?)");
  std::vector<int64_t> officer_agencies;
  for (const auto& [agency, led] : actions_led) {
    if (officer_agencies.size() < static_cast<size_t>(std::max(1, o.officer_agencies / 2))) {
      officer_agencies.push_back(agency);
    }
  }
  for (int64_t id : run.world.agency_ids) {
    if (officer_agencies.size() >= static_cast<size_t>(o.officer_agencies)) break;
    if (std::find(officer_agencies.begin(), officer_agencies.end(), id) == officer_agencies.end() &&
        !actions_led.count(id)) {
      officer_agencies.push_back(id);
    }
  }
  // Partnership-wide samples for the roles that see every agency.
  std::vector<int64_t> sample_people, sample_sites;
  req = Get("/api/v1/people?limit=1000");
  Json some_people = co_await Call(*conn, &admin, req);
  for (const auto& p : some_people) sample_people.push_back(p.at("id").get<int64_t>());
  req = Get("/api/v1/sites?limit=1000");
  Json some_sites = co_await Call(*conn, &admin, req);
  for (const auto& s : some_sites) sample_sites.push_back(s.at("id").get<int64_t>());

  std::string name;
  auto add = [&](RoleKind role, std::optional<int64_t> agency) -> awaitable<void> {
    Json body = {{"username", name}, {"display_name", fmt::format("Load bench {}", name)}, {"password", password},
                 {"role", RoleLabel(role)}};
    if (agency) body["agency_id"] = *agency;
    req = Request{http::verb::post, "/api/v1/accounts", body.dump()};
    co_await Call(*conn, &admin, req);
    Account a(role, name, agency);
    co_await SignIn(*conn, a, password);
    if (agency) {
      req = Get(fmt::format("/api/v1/people?agency_id={}&limit=500", *agency));
      Json people = co_await Call(*conn, &a, req);
      for (const auto& p : people) a.people.push_back(p.at("id").get<int64_t>());
      req = Get(fmt::format("/api/v1/sites?agency_id={}", *agency));
      Json sites = co_await Call(*conn, &a, req);
      for (const auto& s : sites) a.sites.push_back(s.at("id").get<int64_t>());
      if (actions_led.count(*agency)) a.actions = actions_led[*agency];
      if (a.people.empty() || a.sites.empty()) {
        throw SetupError(fmt::format("agency {} has no people or no sites to read", *agency));
      }
    } else {
      a.people = sample_people;
      a.sites = sample_sites;
      a.actions = all_actions;
    }
    run.accounts.push_back(std::move(a));
  };
  // Account names carry the run's start time so that a database used twice still works.
  const std::string tag = fmt::format("{}", std::chrono::duration_cast<std::chrono::seconds>(
                                                std::chrono::system_clock::now().time_since_epoch()).count() % 100000);
  admin.people = sample_people;
  admin.sites = sample_sites;
  admin.actions = all_actions;
  run.accounts.push_back(admin);
  name = "bench-lead-" + tag;
  co_await add(RoleKind::kLead, std::nullopt);
  name = "bench-board-" + tag;
  co_await add(RoleKind::kBoard, std::nullopt);
  name = "bench-auditor-" + tag;
  co_await add(RoleKind::kAuditor, std::nullopt);
  for (size_t i = 0; i < officer_agencies.size(); ++i) {
    name = fmt::format("bench-eslo{}-{}", i, tag);
    co_await add(RoleKind::kOfficer, officer_agencies[i]);
    if (i < 2) {
      name = fmt::format("bench-staff{}-{}", i, tag);
      co_await add(RoleKind::kStaff, officer_agencies[i]);
    }
  }
  // A few incidents per agency account, so reads have something before the run writes more;
  // the partnership roles read a sample of them.
  std::vector<int64_t> all_incidents;
  std::mt19937_64 rng(19);
  for (auto& a : run.accounts) {
    if (a.role != RoleKind::kOfficer) continue;
    for (int i = 0; i < 5; ++i) {
      req = NewIncident(rng, a);
      Json made = co_await Call(*conn, &a, req);
      a.incidents.push_back(made.at("id").get<int64_t>());
      all_incidents.push_back(a.incidents.back());
    }
  }
  for (auto& a : run.accounts) {
    if (a.role == RoleKind::kLead || a.role == RoleKind::kAdmin) a.incidents = all_incidents;
    if (a.role == RoleKind::kStaff) {
      for (const auto& other : run.accounts) {
        if (other.role == RoleKind::kOfficer && other.agency_id == a.agency_id) a.incidents = other.incidents;
      }
    }
  }
  // Every request each role's menu can make, once: a menu that asks for something the
  // role may not do is a mistake in this benchmark, found before the clock starts.
  for (const auto& a : run.accounts) {
    for (const auto& op : Menu(a, run.world)) {
      Request r = op.make(rng, a, a.incidents);
      try {
        co_await Call(*conn, &a, r);
      } catch (const SetupError& e) {
        throw SetupError(fmt::format("as {} ({}), {} : {}", a.username, RoleLabel(a.role), op.route_class, e.what()));
      }
    }
  }
  conn->Close();
}

// 127.1.x.y for client i: one address each, so no address holds more than a few connections.
asio::ip::address ClientAddress(int i) {
  return asio::ip::make_address_v4(static_cast<uint32_t>((127u << 24) | (1u << 16) | ((i / 250) << 8) | (i % 250 + 1)));
}

awaitable<void> RunClient(Run& run, const Account& a, int index, ClientStats& stats) {
  auto conn = run.Connect(co_await asio::this_coro::executor, ClientAddress(index));
  const auto menu = Menu(a, run.world);
  std::vector<int> weights;
  for (const auto& op : menu) weights.push_back(op.weight);
  std::discrete_distribution<size_t> choose(weights.begin(), weights.end());
  std::mt19937_64 rng(static_cast<uint64_t>(index) * 7919 + 1);
  std::vector<int64_t> own_incidents;
  asio::steady_timer think(co_await asio::this_coro::executor);
  stats.samples.reserve(static_cast<size_t>(run.opt.seconds) * 200);
  while (Clock::now() < run.end) {
    const Op& op = menu[choose(rng)];
    Request r = op.make(rng, a, own_incidents);
    uint16_t cls = static_cast<uint16_t>(ClassIndex(op.route_class));
    auto t0 = Clock::now();
    try {
      Response res = co_await conn->Send(r, a.cookie, a.csrf, std::chrono::seconds(120));
      auto micros = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count();
      stats.samples.push_back({static_cast<uint32_t>(std::min<int64_t>(micros, UINT32_MAX)), cls});
      if (!Ok(res)) {
        stats.errors.Add(ErrorReason(op.route_class, res));
      } else if (op.remembers_incident) {
        try {
          own_incidents.push_back(Json::parse(res.body()).at("id").get<int64_t>());
        } catch (...) {
          stats.errors.Add(op.route_class + ": answer without an id");
        }
      }
    } catch (const boost::system::system_error& e) {
      auto micros = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count();
      stats.samples.push_back({static_cast<uint32_t>(std::min<int64_t>(micros, UINT32_MAX)), cls});
      stats.errors.Add(fmt::format("{}: connection error: {}", op.route_class, e.code().message()));
    }
    if (run.opt.think_ms > 0) {
      think.expires_after(std::chrono::milliseconds(
          std::uniform_int_distribution<int>(run.opt.think_ms / 2, run.opt.think_ms * 3 / 2)(rng)));
      co_await think.async_wait(use_awaitable);
    }
  }
}

struct Probe {
  Clock::time_point at;
  uint32_t micros;
  bool ok;
};

// /healthz at 20 per second on its own connection, from its own address, all through the run.
awaitable<void> ProbeHealth(Run& run, std::vector<Probe>& probes, ErrorCounts& errors) {
  auto conn = run.Connect(co_await asio::this_coro::executor, asio::ip::make_address("127.2.0.1"));
  const Request health = Get("/healthz");
  asio::steady_timer timer(co_await asio::this_coro::executor);
  auto next = Clock::now();
  while (Clock::now() < run.end) {
    auto t0 = Clock::now();
    bool ok = false;
    try {
      Response res = co_await conn->Send(health, kNone, kNone, std::chrono::seconds(30));
      ok = Ok(res);
      if (!ok) errors.Add(ErrorReason("healthz", res));
    } catch (const boost::system::system_error& e) {
      errors.Add(fmt::format("healthz: connection error: {}", e.code().message()));
    }
    probes.push_back({t0, static_cast<uint32_t>(
                              std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count()),
                      ok});
    next += std::chrono::milliseconds(50);
    if (next < Clock::now()) next = Clock::now();  // a slow answer delays the next probe, never bunches them
    timer.expires_at(next);
    co_await timer.async_wait(use_awaitable);
  }
}

struct Event {
  explicit Event(std::string n) : name(std::move(n)) {}
  std::string name;
  Clock::time_point started, finished;
  bool ok = false;
  std::string detail;
};

// One long request on its own connection: the 100,000-row import or the board PDF.
awaitable<void> RunEvent(Run& run, const Account& a, Request r, Event& e, const char* local) {
  auto conn = run.Connect(co_await asio::this_coro::executor, asio::ip::make_address(local));
  e.started = Clock::now();
  try {
    Response res = co_await conn->Send(r, a.cookie, a.csrf, std::chrono::seconds(600));
    e.ok = Ok(res);
    e.detail = e.ok ? fmt::format("HTTP {}, {} bytes", res.result_int(), res.body().size())
                    : ErrorReason(e.name, res);
  } catch (const boost::system::system_error& err) {
    e.detail = fmt::format("connection error: {}", err.code().message());
  }
  e.finished = Clock::now();
}

void PrintLine(const std::string& name, std::vector<uint32_t> micros, int64_t errors, double seconds) {
  std::sort(micros.begin(), micros.end());
  std::cout << fmt::format("{:<20} {:>9} {:>7} {:>9.1f} {:>9.1f} {:>9.1f} {:>9.1f}\n", name, micros.size(), errors,
                           static_cast<double>(micros.size()) / seconds, Percentile(micros, 0.50),
                           Percentile(micros, 0.99), micros.empty() ? 0.0 : micros.back() / 1000.0);
}

int Main(const Options& opt) {
  std::string password;
  {
    std::ifstream in(opt.password_file);
    if (!in || !std::getline(in, password)) {
      std::cerr << "load_bench: cannot read the password from " << opt.password_file << "\n";
      return 2;
    }
  }
  Run run;
  run.opt = opt;
  // --url http://HOST:PORT (loopback: clients bind 127.x addresses of their own).
  const std::string prefix = "http://";
  if (opt.url.rfind(prefix, 0) != 0) {
    std::cerr << "load_bench: --url must be http://HOST:PORT\n";
    return 2;
  }
  std::string hostport = opt.url.substr(prefix.size());
  if (auto slash = hostport.find('/'); slash != std::string::npos) hostport.resize(slash);
  auto colon = hostport.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "load_bench: --url needs a port\n";
    return 2;
  }
  boost::system::error_code ec;
  auto address = asio::ip::make_address(hostport.substr(0, colon), ec);
  if (ec || !address.is_loopback()) {
    std::cerr << "load_bench: --url must name a loopback address such as 127.0.0.1\n";
    return 2;
  }
  run.server = tcp::endpoint(address, static_cast<unsigned short>(std::stoi(hostport.substr(colon + 1))));
  run.host = hostport;

  // Set-up, untimed.
  std::exception_ptr failed;
  asio::co_spawn(run.io, Setup(run, password), [&](std::exception_ptr e) { failed = e; });
  run.io.run();
  if (failed) {
    try {
      std::rethrow_exception(failed);
    } catch (const std::exception& e) {
      std::cerr << "load_bench: set-up failed: " << e.what() << "\n";
    }
    return 2;
  }
  run.io.restart();

  // Clients per role: mostly agency officers and staff, as in a partnership.
  std::map<RoleKind, double> share = {{RoleKind::kOfficer, 0.45}, {RoleKind::kStaff, 0.20}, {RoleKind::kLead, 0.10},
                                      {RoleKind::kAdmin, 0.05},   {RoleKind::kBoard, 0.10}, {RoleKind::kAuditor, 0.10}};
  std::map<RoleKind, std::vector<const Account*>> by_role;
  for (const auto& a : run.accounts) by_role[a.role].push_back(&a);
  std::vector<const Account*> assignment;
  for (const auto& [role, fraction] : share) {
    int n = std::max(1, static_cast<int>(std::lround(fraction * opt.clients)));
    for (int i = 0; i < n; ++i) assignment.push_back(by_role[role][static_cast<size_t>(i) % by_role[role].size()]);
  }
  assignment.resize(static_cast<size_t>(std::max(opt.clients, static_cast<int>(share.size()))),
                    by_role[RoleKind::kOfficer][0]);

  const Account* admin = by_role[RoleKind::kAdmin][0];
  const Account* lead = by_role[RoleKind::kLead][0];
  std::vector<ClientStats> stats(assignment.size());
  std::vector<Probe> probes;
  ErrorCounts probe_errors;
  Event import("import"), pdf("report.pdf");

  std::cout << fmt::format("run: {} clients for {} s; import and PDF at {:.0f} s", assignment.size(), opt.seconds,
                           opt.event_at >= 0 ? opt.event_at : opt.seconds / 3.0)
            << std::endl;
  run.start = Clock::now();
  run.end = run.start + std::chrono::seconds(opt.seconds);
  ClientStats probe_end;
  std::atomic<size_t> done{0};
  for (size_t i = 0; i < assignment.size(); ++i) {
    asio::co_spawn(asio::make_strand(run.io), RunClient(run, *assignment[i], static_cast<int>(i), stats[i]),
                   [&, i](std::exception_ptr e) {
                     Finished(stats[i], e);
                     ++done;
                   });
  }
  asio::co_spawn(asio::make_strand(run.io), ProbeHealth(run, probes, probe_errors),
                 [&](std::exception_ptr e) {
                   Finished(probe_end, e);
                   ++done;
                 });
  // The import and PDF start together part-way through, once the clients are in full swing.
  const double event_at = opt.event_at >= 0 ? opt.event_at : opt.seconds / 3.0;
  // A fresh batch of people over every agency, built before the clock starts.
  const std::string import_csv = PeopleCsv(run.world.agency_names, opt.import_rows, 0, "Imported ");
  asio::steady_timer event_timer(run.io);
  event_timer.expires_at(run.start + std::chrono::milliseconds(static_cast<int64_t>(event_at * 1000)));
  event_timer.async_wait([&](beast::error_code) {
    asio::co_spawn(asio::make_strand(run.io),
                   RunEvent(run, *admin, {http::verb::post, "/api/v1/people/import", import_csv, "text/csv"}, import,
                            "127.3.0.1"),
                   asio::detached);
    asio::co_spawn(asio::make_strand(run.io),
                   RunEvent(run, *lead,
                            Get(fmt::format("/api/v1/audit-rounds/{}/report.pdf", run.world.closed_round)), pdf,
                            "127.3.0.2"),
                   asio::detached);
  });

  // A client still waiting four minutes after the end is an error, not a hang of the
  // benchmark: the run stops there and reports it.
  asio::co_spawn(
      asio::make_strand(run.io),
      [&]() -> awaitable<void> {
        asio::steady_timer tick(co_await asio::this_coro::executor);
        for (;;) {
          tick.expires_after(std::chrono::milliseconds(200));
          co_await tick.async_wait(use_awaitable);
          if (done.load() == stats.size() + 1 && (Clock::now() >= run.end)) co_return;
          if (Clock::now() > run.end + std::chrono::seconds(240)) {
            run.io.stop();
            co_return;
          }
        }
      },
      asio::detached);
  std::vector<std::thread> threads;
  for (int i = 0; i < opt.threads; ++i) threads.emplace_back([&] { run.io.run(); });
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - run.start).count();

  // ---- report ----
  ErrorCounts errors;
  for (auto& s : stats) {
    if (!s.finished) s.errors.Add("client: still waiting for an answer 240 s after the end");
  }
  errors.Merge(probe_end.errors);
  std::vector<std::vector<uint32_t>> by_class(RouteClasses().size());
  std::vector<int64_t> class_errors(RouteClasses().size());
  std::vector<uint32_t> all;
  for (const auto& s : stats) {
    errors.Merge(s.errors);
    for (const auto& sample : s.samples) {
      by_class[sample.route_class].push_back(sample.micros);
      all.push_back(sample.micros);
    }
    for (const auto& [reason, n] : s.errors.by_reason) {
      size_t cls = ClassIndex(reason.substr(0, reason.find(':')));
      if (cls < class_errors.size()) class_errors[cls] += n;
    }
  }
  std::map<RoleKind, int> clients_per_role;
  for (const auto* a : assignment) ++clients_per_role[a->role];
  std::cout << fmt::format("\n{} clients for {} s (think time {} ms) sharing {} accounts' sessions; clients per role:",
                           assignment.size(), opt.seconds, opt.think_ms, run.accounts.size());
  for (const auto& [role, n] : clients_per_role) std::cout << fmt::format(" {} {}", RoleLabel(role), n);
  std::cout << "\n\n"
            << fmt::format("{:<20} {:>9} {:>7} {:>9} {:>9} {:>9} {:>9}\n", "route class", "requests", "errors",
                           "req/s", "p50 ms", "p99 ms", "max ms");
  for (size_t i = 0; i < by_class.size(); ++i) PrintLine(RouteClasses()[i], by_class[i], class_errors[i], elapsed);
  PrintLine("all", all, errors.total, elapsed);

  std::vector<uint32_t> health_all, health_window;
  const auto window_start = std::min(import.started, pdf.started);
  const auto window_end = std::max(import.finished, pdf.finished);
  for (const auto& p : probes) {
    health_all.push_back(p.micros);
    if (p.at >= window_start && p.at <= window_end) health_window.push_back(p.micros);
  }
  std::sort(health_all.begin(), health_all.end());
  std::sort(health_window.begin(), health_window.end());
  auto secs = [&](Clock::time_point t) { return std::chrono::duration<double>(t - run.start).count(); };
  std::cout << "\n"
            << fmt::format("import of {} rows: {:.1f} s (from {:.1f} s), {}\n", opt.import_rows,
                           secs(import.finished) - secs(import.started), secs(import.started), import.detail)
            << fmt::format("board report PDF:    {:.1f} s (from {:.1f} s), {}\n", secs(pdf.finished) - secs(pdf.started),
                           secs(pdf.started), pdf.detail)
            << fmt::format("healthz, whole run:          {:>5} probes, p50 {:.1f} ms, p99 {:.1f} ms, max {:.1f} ms\n",
                           health_all.size(), Percentile(health_all, 0.5), Percentile(health_all, 0.99),
                           health_all.empty() ? 0.0 : health_all.back() / 1000.0)
            << fmt::format("healthz, import+PDF window:  {:>5} probes, p50 {:.1f} ms, p99 {:.1f} ms, max {:.1f} ms\n",
                           health_window.size(), Percentile(health_window, 0.5), Percentile(health_window, 0.99),
                           health_window.empty() ? 0.0 : health_window.back() / 1000.0);

  errors.Merge(probe_errors);
  if (!import.ok) errors.Add("import: " + import.detail);
  if (!pdf.ok) errors.Add("report.pdf: " + pdf.detail);
  std::vector<std::string> failures;
  if (errors.total > 0) {
    std::cout << fmt::format("\nerrors: {}\n", errors.total);
    for (const auto& [reason, n] : errors.by_reason) std::cout << fmt::format("  {:>7} × {}\n", n, reason);
    failures.push_back(fmt::format("{} errors", errors.total));
  }
  for (size_t i = 0; i < by_class.size(); ++i) {
    if (by_class[i].empty()) failures.push_back("route class " + RouteClasses()[i] + " was never exercised");
  }
  const double window_p99 = Percentile(health_window, 0.99);
  if (!opt.smoke) {
    if (health_window.empty()) failures.push_back("no /healthz probe fell in the import+PDF window");
    else if (window_p99 >= 50.0) failures.push_back(fmt::format("healthz p99 {:.1f} ms ≥ 50 ms during import+PDF", window_p99));
  }
  // One line for load_compare.sh to set side by side.
  std::vector<uint32_t> sorted_all = all;
  std::sort(sorted_all.begin(), sorted_all.end());
  std::cout << fmt::format("\nRESULT requests={} errors={} rps={:.0f} p50_ms={:.1f} p99_ms={:.1f} max_ms={:.1f} "
                           "healthz_p50_ms={:.1f} healthz_p99_ms={:.1f} import_s={:.1f} pdf_s={:.1f}\n",
                           sorted_all.size(), errors.total, static_cast<double>(sorted_all.size()) / elapsed,
                           Percentile(sorted_all, 0.5), Percentile(sorted_all, 0.99),
                           sorted_all.empty() ? 0.0 : sorted_all.back() / 1000.0, Percentile(health_window, 0.5),
                           window_p99, secs(import.finished) - secs(import.started),
                           secs(pdf.finished) - secs(pdf.started));
  if (!failures.empty()) {
    for (const auto& f : failures) std::cout << "FAIL: " << f << "\n";
    return 1;
  }
  std::cout << "PASS\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  CLI::App app{"esafe multi-user load benchmark (bench/README.md)"};
  app.add_option("--url", opt.url, "The running esafe serve, http://127.0.0.1:PORT")->capture_default_str();
  app.add_option("--admin", opt.admin, "A partnership administrator's sign-in name")->capture_default_str();
  app.add_option("--password-file", opt.password_file, "File whose first line is that account's password; the "
                                                       "accounts the bench creates get it too")
      ->required();
  app.add_option("--clients", opt.clients, "Concurrent clients")->check(CLI::Range(6, 20000))->capture_default_str();
  app.add_option("--seconds", opt.seconds, "Length of the timed run")->check(CLI::Range(1, 3600))->capture_default_str();
  app.add_option("--agencies", opt.agencies, "Scale the partnership to this many agencies")->capture_default_str();
  app.add_option("--people", opt.people, "People imported before the run")->capture_default_str();
  app.add_option("--import-rows", opt.import_rows, "Rows of the people import started during the run")
      ->check(CLI::Range(1, 150000))->capture_default_str();
  app.add_option("--think-ms", opt.think_ms, "Mean pause between a client's requests (0: none)")->capture_default_str();
  app.add_option("--threads", opt.threads, "Threads running the clients' io_context")
      ->check(CLI::Range(1, 64))->capture_default_str();
  app.add_option("--officer-agencies", opt.officer_agencies, "Agencies with an e-safety officer's account")
      ->check(CLI::Range(1, 100))->capture_default_str();
  app.add_option("--event-at", opt.event_at, "Seconds into the run when the import and PDF start (default: a third)");
  app.add_flag("--smoke", opt.smoke, "No latency gate: check only errors and that every route class ran");
  CLI11_PARSE(app, argc, argv);
  return Main(opt);
}
