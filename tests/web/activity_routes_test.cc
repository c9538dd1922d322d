// The activity log routes through App::Handle, over a real SQLite database and a real
// activity store filled with generated events: search results against a brute-force
// filter of the same events, validation (400 naming the field), agency scoping (an
// officer never sees another agency's events, staff and board get 403), report jobs
// from queued to a downloaded file, other accounts getting 404 on them, the cost
// threshold, the blocked summary, and the audit trail entry for every read.
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <set>
#include <thread>

#include "activity/activity.h"
#include "activity/activity_test_util.h"
#include "directory/directory.h"
#include "support/app_client.h"
#include "support/test_database.h"
#include "web/app.h"

namespace esafe::web {
namespace {

namespace act = esafe::activity;
using act::testing::kDay;
using act::testing::kT0;

class ActivityRoutes : public ::testing::Test {
 protected:
  using Signed = esafe::testing::AppClient::Session;

  void SetUp() override {
    ASSERT_TRUE(directory::LoadDemo(tdb.db(), kPassword).ok());
    library_id = AgencyId("County Library Service");
    riverside_id = AgencyId("Riverside Primary School");
    ASSERT_TRUE(access::AddAccount(tdb.db(), {.username = "library.staff", .display_name = "Library staff",
                                              .password = kPassword, .role = access::Role::kAgencyStaff,
                                              .agency_id = library_id},
                                   nullptr)
                    .ok());
    WriteEvents();
    app = MakeApp(1'000'000);
    library = SignIn("library.eslo");
    riverside = SignIn("riverside.eslo");
    lead = SignIn("lead");
    board = SignIn("board");
    staff = SignIn("library.staff");
  }

  std::unique_ptr<App> MakeApp(uint64_t max_search_events) {
    AppOptions options;
    options.activity_log_dir = dir.sub("log");
    options.jobs_dir = dir.sub("jobs");
    options.activity_search_max_events = max_search_events;
    return std::make_unique<App>(tdb.db(), options);
  }

  int64_t AgencyId(const std::string& name) {
    auto id = tdb.db().Read<int64_t>([&](store::Connection& c) -> Result<int64_t> {
      auto row = c.QueryOne("SELECT id FROM agencies WHERE name = ?", {name}, "agency");
      if (!row.ok()) return row.error();
      return row->Int("id");
    });
    EXPECT_TRUE(id.ok());
    return id.ok() ? *id : 0;
  }

  // 3,050 events over ten days at two agencies' sites (and one agency outside the
  // directory), most sealed in small segments and the last few hundred left unsealed.
  void WriteEvents() {
    auto store = act::Store::Open(dir.sub("log"), {.segment_events = 256, .sync = false});
    ASSERT_TRUE(store.ok()) << store.error().message;
    std::mt19937_64 rng(42);
    struct Place {
      std::string agency, site, net;
    };
    const std::vector<Place> places = {{std::to_string(library_id), "Central Library", "10.20.1."},
                                       {std::to_string(library_id), "Westbrook Branch Library", "10.20.2."},
                                       {std::to_string(riverside_id), "Riverside Primary, Mill Lane", "10.10.1."},
                                       {"havering-schools", "S12", "10.90.4."}};
    const std::vector<std::pair<std::string, std::string>> hosts = {
        {"www.bbc.co.uk", "news"},        {"bbc.co.uk", "news"},          {"www.tiktok.com", "social_networks"},
        {"poki.com", "games"},            {"www.bet365.com", "gambling"}, {"en.wikipedia.org", ""},
        {"proxy.example.net", "redirector"}};
    for (int i = 0; i < 3050; ++i) {
      act::ActivityEvent e;
      e.time_us = kT0 + static_cast<int64_t>(rng() % static_cast<uint64_t>(10 * kDay));
      const auto& p = places[rng() % places.size()];
      e.client = *act::ParseIp(p.net + std::to_string(1 + rng() % 250));
      e.agency = p.agency;
      e.site = p.site;
      e.user = "u-" + std::to_string(rng() % 20);
      e.profile = "secondary";
      const auto& h = hosts[rng() % hosts.size()];
      e.host = h.first;
      e.category = h.second;
      e.url = "https://" + h.first + "/page/" + std::to_string(rng() % 30);
      e.action = (h.second == "gambling" || h.second == "redirector" || h.second == "social_networks")
                     ? act::Action::kBlock
                     : act::Action::kAllow;
      events.push_back(e);
    }
    // Appended in time order, in batches, as the ingest server would.
    std::sort(events.begin(), events.end(), [](const auto& a, const auto& b) { return a.time_us < b.time_us; });
    for (size_t i = 0; i < events.size(); i += 100) {
      std::span<const act::ActivityEvent> batch(events.data() + i, std::min<size_t>(100, events.size() - i));
      ASSERT_TRUE((*store)->Append(batch).ok());
    }
    ASSERT_GT((*store)->ActiveEvents(), 0u);  // some events stay in the WAL: both paths are searched
  }

  Response Send(const std::string& method, const std::string& target, const Signed* as, const std::string& body = "",
                App* with = nullptr) {
    std::map<std::string, std::string> headers;
    if (as) {
      headers["cookie"] = as->cookie;
      if (method != "GET") headers["x-csrf-token"] = as->csrf;
    }
    return esafe::testing::AppClient(with ? *with : *app, "10.20.1.9", "esafe.test").Send(method, target, body, std::move(headers));
  }

  Signed SignIn(const std::string& username) {
    return esafe::testing::AppClient(*app, "10.20.1.9", "esafe.test").SignIn(username, kPassword);
  }

  // The generated events `keep` accepts, as "time client url" keys.
  std::multiset<std::string> Expected(const std::function<bool(const act::ActivityEvent&)>& keep) const {
    std::multiset<std::string> out;
    for (const auto& e : events) {
      if (keep(e)) out.insert(act::FormatTime(e.time_us) + " " + act::FormatIp(e.client) + " " + e.url);
    }
    return out;
  }

  static std::multiset<std::string> Keys(const Json& rows) {
    std::multiset<std::string> out;
    for (const auto& r : rows) {
      out.insert(r["time"].get<std::string>() + " " + r["client"].get<std::string>() + " " +
                 r["url"].get<std::string>());
    }
    return out;
  }

  int64_t AuditCount(const std::string& action, const std::string& username) {
    auto n = tdb.db().Read<int64_t>([&](store::Connection& c) -> Result<int64_t> {
      auto rows = c.Query("SELECT COUNT(*) AS n FROM audit_events WHERE action = ? AND username = ?",
                          {action, username});
      if (!rows.ok()) return rows.error();
      return (*rows)[0].Int("n");
    });
    EXPECT_TRUE(n.ok());
    return n.ok() ? *n : -1;
  }

  // Polls a report until it is done or failed (or five seconds pass).
  Json WaitForReport(const std::string& id, const Signed& as) {
    Json job;
    for (int i = 0; i < 500; ++i) {
      auto r = Send("GET", "/api/v1/activity/reports/" + id, &as);
      EXPECT_EQ(r.status, 200) << r.body;
      job = Json::parse(r.body);
      if (job["state"] == "done" || job["state"] == "failed") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return job;
  }

  static constexpr const char* kPassword = "activity-routes-password-1";
  esafe::testing::TestDatabase tdb;
  act::testing::TempDir dir;
  std::vector<act::ActivityEvent> events;
  int64_t library_id = 0, riverside_id = 0;
  std::unique_ptr<App> app;
  Signed library, riverside, lead, board, staff;
};

TEST_F(ActivityRoutes, SearchReturnsExactlyTheMatchingEvents) {
  const int64_t from = kT0 + 2 * kDay, to = kT0 + 5 * kDay;
  // Host prefix, a time slot, a client range and an action together.
  auto r = Send("GET",
                "/api/v1/activity/search?host=www.&host_match=prefix&from=" + act::FormatTime(from) +
                    "&to=" + act::FormatTime(to) + "&cidr=10.20.0.0/16&action=block&limit=500",
                &lead);
  ASSERT_EQ(r.status, 200) << r.body;
  Json body = Json::parse(r.body);
  auto expected = Expected([&](const act::ActivityEvent& e) {
    return e.host.starts_with("www.") && e.time_us >= from && e.time_us < to && e.client.IsV4() &&
           act::FormatIp(e.client).starts_with("10.20.") && e.action == act::Action::kBlock;
  });
  ASSERT_GT(expected.size(), 10u);
  ASSERT_LT(expected.size(), 500u);
  EXPECT_EQ(Keys(body["rows"]), expected);
  EXPECT_FALSE(body["truncated"].get<bool>());
  EXPECT_EQ(body["rows"][0]["agency_name"], "County Library Service");

  // Substring on the URL, one site, one category.
  r = Send("GET", "/api/v1/activity/search?url=/page/1&url_match=substring&site=Riverside%20Primary,%20Mill%20Lane"
                  "&category=news&limit=500",
           &lead);
  ASSERT_EQ(r.status, 200) << r.body;
  expected = Expected([](const act::ActivityEvent& e) {
    return e.url.find("/page/1") != std::string::npos && e.site == "Riverside Primary, Mill Lane" &&
           e.category == "news";
  });
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(Keys(Json::parse(r.body)["rows"]), expected);

  // Exact host matches bbc.co.uk and not www.bbc.co.uk; counted by site.
  r = Send("GET", "/api/v1/activity/search?host=BBC.co.uk&count_by=site", &lead);
  ASSERT_EQ(r.status, 200) << r.body;
  body = Json::parse(r.body);
  std::map<std::string, uint64_t> want;
  for (const auto& e : events) {
    if (e.host == "bbc.co.uk") ++want[e.site];
  }
  std::map<std::string, uint64_t> got;
  for (const auto& c : body["counts"]) got[c["value"]] = c["count"];
  EXPECT_EQ(got, want);

  // A limit truncates and says so.
  r = Send("GET", "/api/v1/activity/search?limit=7", &lead);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json::parse(r.body)["rows"].size(), 7u);
  EXPECT_TRUE(Json::parse(r.body)["truncated"].get<bool>());
}

TEST_F(ActivityRoutes, BadInputIsRefusedNamingTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"cidr=10.0.0.1/8", "cidr"},       {"cidr=10.20.1.0/24,nonsense", "cidr"}, {"from=yesterday", "from"},
      {"to=2026-13-40", "to"},           {"host=*.example.com", "host"},         {"host_match=glob&host=a", "host_match"},
      {"url_match=regex&url=a", "url_match"}, {"action=deny", "action"},      {"count_by=colour", "count_by"},
      {"limit=501", "limit"},            {"from=2026-09-05&to=2026-09-01", "to"}};
  for (const auto& [query, field] : cases) {
    auto r = Send("GET", "/api/v1/activity/search?" + query, &lead);
    EXPECT_EQ(r.status, 400) << query << ": " << r.body;
    EXPECT_EQ(Json::parse(r.body)["field"], field) << query;
  }
  auto r = Send("POST", "/api/v1/activity/reports", &lead, Json{{"cidr", "300.1.1.1"}, {"format", "xlsx"}}.dump());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Json::parse(r.body)["field"], "cidr");
  r = Send("POST", "/api/v1/activity/reports", &lead, Json{{"format", "pdf"}}.dump());
  EXPECT_EQ(Json::parse(r.body)["field"], "format");
  r = Send("POST", "/api/v1/activity/reports", &lead, Json{{"hots", "x"}}.dump());
  EXPECT_EQ(Json::parse(r.body)["field"], "hots");
}

TEST_F(ActivityRoutes, AnOfficerSeesOnlyTheirOwnAgency) {
  const std::string own = std::to_string(library_id);
  auto r = Send("GET", "/api/v1/activity/search?limit=500&action=block&from=" + act::FormatTime(kT0 + 8 * kDay),
                &library);
  ASSERT_EQ(r.status, 200) << r.body;
  Json rows = Json::parse(r.body)["rows"];
  EXPECT_EQ(Keys(rows), Expected([&](const act::ActivityEvent& e) {
              return e.agency == own && e.action == act::Action::kBlock && e.time_us >= kT0 + 8 * kDay;
            }));
  for (const auto& row : rows) EXPECT_EQ(row["agency"], own);

  // Counting by agency shows nothing but their own, whatever they ask.
  r = Send("GET", "/api/v1/activity/search?count_by=agency", &library);
  ASSERT_EQ(r.status, 200) << r.body;
  Json counts = Json::parse(r.body)["counts"];
  ASSERT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts[0]["value"], own);

  // Asking for another agency, by id or by name, is refused, not quietly widened.
  EXPECT_EQ(Send("GET", "/api/v1/activity/search?agency=" + std::to_string(riverside_id), &library).status, 403);
  EXPECT_EQ(Send("GET", "/api/v1/activity/search?agency=Riverside%20Primary%20School", &library).status, 403);
  EXPECT_EQ(Send("GET", "/api/v1/activity/search?agency=havering-schools", &library).status, 403);
  EXPECT_EQ(Send("GET", "/api/v1/activity/search?agency=" + own, &library).status, 200);
  EXPECT_EQ(Send("POST", "/api/v1/activity/reports", &library,
                 Json{{"agency", std::to_string(riverside_id)}, {"format", "csv"}}.dump())
                .status,
            403);
  EXPECT_EQ(Send("GET", "/api/v1/activity/summary?agency=" + std::to_string(riverside_id), &library).status, 403);

  // The partnership asks for any agency, by name too.
  r = Send("GET", "/api/v1/activity/search?count_by=agency&agency=Riverside%20Primary%20School", &lead);
  ASSERT_EQ(r.status, 200) << r.body;
  counts = Json::parse(r.body)["counts"];
  ASSERT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts[0]["value"], std::to_string(riverside_id));
}

TEST_F(ActivityRoutes, StaffAndBoardAreRefused) {
  for (const Signed* who : {&staff, &board}) {
    EXPECT_EQ(Send("GET", "/api/v1/activity/search", who).status, 403);
    EXPECT_EQ(Send("GET", "/api/v1/activity/summary", who).status, 403);
    EXPECT_EQ(Send("POST", "/api/v1/activity/reports", who, Json{{"format", "csv"}}.dump()).status, 403);
  }
  EXPECT_EQ(Send("GET", "/api/v1/activity/search", nullptr).status, 401);
}

TEST_F(ActivityRoutes, AReportRunsToADownloadOnlyItsOwnerSees) {
  auto r = Send("POST", "/api/v1/activity/reports", &library,
                Json{{"host", "tiktok"}, {"host_match", "substring"}, {"format", "csv"}}.dump());
  ASSERT_EQ(r.status, 202) << r.body;
  Json job = Json::parse(r.body);
  const std::string id = job["id"];
  EXPECT_EQ(id.size(), 32u);
  EXPECT_TRUE(job["state"] == "queued" || job["state"] == "running");

  // Another officer, and even the partnership lead, cannot see or fetch it.
  EXPECT_EQ(Send("GET", "/api/v1/activity/reports/" + id, &riverside).status, 404);
  EXPECT_EQ(Send("GET", "/api/v1/activity/reports/" + id + "/download", &riverside).status, 404);
  EXPECT_EQ(Send("GET", "/api/v1/activity/reports/" + id, &lead).status, 404);

  job = WaitForReport(id, library);
  ASSERT_EQ(job["state"], "done") << job.dump();
  EXPECT_DOUBLE_EQ(job["progress"].get<double>(), 1.0);
  const std::string own = std::to_string(library_id);
  const auto expected = Expected([&](const act::ActivityEvent& e) {
    return e.agency == own && e.host.find("tiktok") != std::string::npos;
  });
  ASSERT_GT(expected.size(), 0u);
  EXPECT_EQ(job["rows"].get<uint64_t>(), expected.size());

  auto file = Send("GET", "/api/v1/activity/reports/" + id + "/download", &library);
  ASSERT_EQ(file.status, 200) << file.body;
  EXPECT_EQ(file.content_type, "text/csv; charset=utf-8");
  std::string disposition;
  for (const auto& [k, v] : file.headers) {
    if (k == "Content-Disposition") disposition = v;
  }
  EXPECT_TRUE(disposition.starts_with("attachment; filename=\"activity-")) << disposition;
  EXPECT_TRUE(disposition.ends_with(".csv\"")) << disposition;
  const auto lines = std::count(file.body.begin(), file.body.end(), '\n');
  EXPECT_EQ(static_cast<size_t>(lines), expected.size() + 1);  // with the header row
  EXPECT_TRUE(file.body.starts_with("time,client,user,site,agency")) << file.body.substr(0, 80);

  // XLSX: a zip with the right media type.
  r = Send("POST", "/api/v1/activity/reports", &lead, Json{{"category", "gambling"}, {"format", "xlsx"}}.dump());
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string xlsx_id = Json::parse(r.body)["id"];
  ASSERT_EQ(WaitForReport(xlsx_id, lead)["state"], "done");
  file = Send("GET", "/api/v1/activity/reports/" + xlsx_id + "/download", &lead);
  ASSERT_EQ(file.status, 200);
  EXPECT_EQ(file.content_type, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  EXPECT_TRUE(file.body.starts_with("PK"));
  EXPECT_EQ(Send("GET", "/api/v1/activity/reports/" + xlsx_id, &library).status, 404);
  EXPECT_EQ(Send("GET", "/api/v1/activity/reports/00000000000000000000000000000000", &lead).status, 404);

  EXPECT_EQ(AuditCount("activity.report", "library.eslo"), 1);
  EXPECT_EQ(AuditCount("activity.download", "library.eslo"), 1);
  EXPECT_EQ(AuditCount("activity.download", "riverside.eslo"), 0);
  EXPECT_EQ(AuditCount("activity.report", "lead"), 1);
}

TEST_F(ActivityRoutes, EverySearchIsAudited) {
  ASSERT_EQ(Send("GET", "/api/v1/activity/search?host=poki.com", &library).status, 200);
  ASSERT_EQ(Send("GET", "/api/v1/activity/search?count_by=host", &library).status, 200);
  ASSERT_EQ(Send("GET", "/api/v1/activity/summary", &lead).status, 200);
  EXPECT_EQ(AuditCount("activity.search", "library.eslo"), 1);
  EXPECT_EQ(AuditCount("activity.count", "library.eslo"), 1);
  EXPECT_EQ(AuditCount("activity.summary", "lead"), 1);
  // The entry says what was searched, with the agency the officer was held to.
  auto summary = tdb.db().Read<std::string>([](store::Connection& c) -> Result<std::string> {
    auto row = c.QueryOne("SELECT summary FROM audit_events WHERE action = 'activity.search'", {}, "audit event");
    if (!row.ok()) return row.error();
    return row->Text("summary");
  });
  ASSERT_TRUE(summary.ok());
  EXPECT_NE(summary->find("poki.com"), std::string::npos) << *summary;
  EXPECT_NE(summary->find("\"agencies\":[\"" + std::to_string(library_id) + "\""), std::string::npos) << *summary;
  // A refused search is not recorded as a read.
  ASSERT_EQ(Send("GET", "/api/v1/activity/search?agency=" + std::to_string(riverside_id), &library).status, 403);
  EXPECT_EQ(AuditCount("activity.search", "library.eslo"), 1);
}

TEST_F(ActivityRoutes, ABigSearchIsSentToTheReports) {
  auto small = MakeApp(100);
  auto r = Send("GET", "/api/v1/activity/search", &lead, "", small.get());
  ASSERT_EQ(r.status, 409) << r.body;
  EXPECT_TRUE(Json::parse(r.body)["run_as_report"].get<bool>());
  // A narrow time slot the indexes can skip to is still allowed.
  r = Send("GET", "/api/v1/activity/search?from=2020-01-01&to=2020-01-02", &lead, "", small.get());
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(ActivityRoutes, SummaryCountsBlockedRequestsByWeekAndSite) {
  auto r = Send("GET", "/api/v1/activity/summary?from=" + act::FormatTime(kT0) + "&to=" +
                           act::FormatTime(kT0 + 10 * kDay),
                &lead);
  ASSERT_EQ(r.status, 200) << r.body;
  Json body = Json::parse(r.body);
  uint64_t blocked = 0;
  std::map<std::string, uint64_t> by_week;
  for (const auto& e : events) {
    if (e.action != act::Action::kBlock) continue;
    ++blocked;
    ++by_week[act::IsoWeek(e.time_us)];
  }
  EXPECT_EQ(body["blocked"].get<uint64_t>(), blocked);
  std::map<std::string, uint64_t> got;
  for (const auto& w : body["weeks"]) got[w["week"]] = w["blocked"];
  EXPECT_EQ(got, by_week);
  EXPECT_LE(body["weeks"][0]["categories"].size(), 5u);
  EXPECT_EQ(act::IsoWeek(kT0), "2026-W36");  // Tuesday 1 September 2026
  EXPECT_EQ(act::IsoWeek(act::ParseTime("2027-01-01").value()), "2026-W53");
  EXPECT_EQ(act::IsoWeek(act::ParseTime("2024-12-30").value()), "2025-W01");
}

TEST(ActivityRoutesWithoutALog, AnswerThatNoneIsConfigured) {
  esafe::testing::TestDatabase tdb;
  ASSERT_TRUE(directory::LoadDemo(tdb.db(), "no-log-password-1").ok());
  App app(tdb.db());
  Request login;
  login.method = "POST";
  login.path = "/api/v1/session";
  login.body = Json{{"username", "lead"}, {"password", "no-log-password-1"}}.dump();
  login.headers["content-type"] = "application/json";
  login.headers["host"] = "esafe.test";
  auto signed_in = app.Handle(login);
  ASSERT_EQ(signed_in.status, 200);
  std::string cookie;
  for (const auto& [k, v] : signed_in.headers) {
    if (k == "Set-Cookie") cookie = v.substr(0, v.find(';'));
  }
  Request search;
  search.method = "GET";
  search.path = "/api/v1/activity/search";
  search.headers["cookie"] = cookie;
  search.headers["host"] = "esafe.test";
  auto r = app.Handle(search);
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(Json::parse(r.body)["error"].get<std::string>().find("--activity-log"), std::string::npos);
}

}  // namespace
}  // namespace esafe::web
