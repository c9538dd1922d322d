// The web application driven through App::Handle, exactly as the server calls
// it: security rules at the HTTP edge, bad input, and the OpenAPI document.
#include "web/app.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "directory/directory.h"
#include "support/app_client.h"
#include "support/test_database.h"

namespace esafe::web {
namespace {

class WebApp : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(directory::LoadDemo(tdb.db(), kPassword).ok());
    app = std::make_unique<App>(tdb.db());
    client = std::make_unique<testing::AppClient>(*app);
  }

  using Client = testing::AppClient::Session;

  Response Send(const std::string& method, const std::string& target, const std::string& body = "",
                std::map<std::string, std::string> headers = {}) {
    return client->Send(method, target, body, std::move(headers));
  }
  Client SignIn(const std::string& user, const std::string& password = kPassword) {
    return client->SignIn(user, password);
  }
  Response As(const Client& c, const std::string& method, const std::string& target, const std::string& body = "",
              bool with_csrf = true) {
    return with_csrf ? client->As(c, method, target, body) : client->WithoutCsrf(c, method, target, body);
  }

  static constexpr const char* kPassword = "web-test-password-1";
  testing::TestDatabase tdb;
  std::unique_ptr<App> app;
  std::unique_ptr<testing::AppClient> client;
};

TEST_F(WebApp, HealthAndOpenApiAreServedWithoutSession) {
  EXPECT_EQ(Send("GET", "/healthz").status, 200);
  auto doc = Send("GET", "/api/v1/openapi.json");
  ASSERT_EQ(doc.status, 200);
  EXPECT_EQ(Json::parse(doc.body)["openapi"], "3.0.3");
  EXPECT_EQ(Send("GET", "/api/v1/agencies").status, 401);
}

TEST_F(WebApp, SessionCookieIsHardened) {
  auto r = Send("POST", "/api/v1/session", Json{{"username", "admin"}, {"password", kPassword}}.dump());
  ASSERT_EQ(r.status, 200);
  std::string cookie;
  for (const auto& [k, v] : r.headers) if (k == "Set-Cookie") cookie = v;
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
  EXPECT_EQ(cookie.find("Secure"), std::string::npos);  // plain HTTP on loopback
  bool has_csp = false;
  for (const auto& [k, v] : r.headers) has_csp |= k == "Content-Security-Policy";
  EXPECT_TRUE(has_csp);
}

TEST_F(WebApp, StateChangeWithoutCsrfTokenIsRefused) {
  auto admin = SignIn("admin");
  std::string agency = R"({"name":"No Token School","sector":"education","membership_type":"board partner"})";
  auto refused = As(admin, "POST", "/api/v1/agencies", agency, /*with_csrf=*/false);
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(Json::parse(refused.body)["field"], "X-CSRF-Token");
  Client forged = admin;
  forged.csrf = "not-the-token";
  EXPECT_EQ(As(forged, "POST", "/api/v1/agencies", agency).status, 403);
  EXPECT_EQ(As(admin, "DELETE", "/api/v1/agencies/1", "", false).status, 403);
  // Nothing was created; with the token it is.
  auto list = As(admin, "GET", "/api/v1/agencies?q=No%20Token");
  EXPECT_EQ(Json::parse(list.body).size(), 0u);
  EXPECT_EQ(As(admin, "POST", "/api/v1/agencies", agency).status, 201);
  // A cross-site Origin is refused even with the token.
  auto cross = Send("POST", "/api/v1/agencies", agency,
                    {{"cookie", admin.cookie}, {"x-csrf-token", admin.csrf}, {"origin", "http://evil.example"},
                     {"host", "127.0.0.1:8080"}, {"content-type", "application/json"}});
  EXPECT_EQ(cross.status, 403);
}

// Issue 19 finding 7: behind a proxy, Host can be whatever the client sends; with the
// public URL configured, only pages of that origin may change anything.
TEST_F(WebApp, WithAPublicUrlOnlyItsOriginMayChangeThings) {
  AppOptions options;
  options.public_origin = *OriginOf("https://esafe.example.org/welcome");
  EXPECT_EQ(options.public_origin, "https://esafe.example.org");
  EXPECT_FALSE(OriginOf("javascript:alert(1)").has_value());
  EXPECT_FALSE(OriginOf("https://").has_value());
  app = std::make_unique<App>(tdb.db(), options);
  client = std::make_unique<testing::AppClient>(*app);
  auto admin = SignIn("admin");
  const std::string agency = R"({"name":"Origin Check Agency","sector":"education","membership_type":"board partner"})";
  auto from = [&](const std::string& origin) {
    return Send("POST", "/api/v1/agencies", agency,
                {{"cookie", admin.cookie}, {"x-csrf-token", admin.csrf}, {"origin", origin},
                 {"host", "evil.example"}, {"content-type", "application/json"}})
        .status;
  };
  EXPECT_EQ(from("http://evil.example"), 403) << "matching the request's own Host is not enough";
  EXPECT_EQ(from("https://esafe.example.org"), 201);
}

TEST_F(WebApp, TenWrongPasswordsInARowAreThrottled) {
  std::vector<int> statuses;
  for (int i = 0; i < 10; ++i) {
    statuses.push_back(Send("POST", "/api/v1/session", R"({"username":"admin","password":"wrong-password-x"})").status);
  }
  EXPECT_EQ(statuses.front(), 401);
  EXPECT_EQ(statuses.back(), 429);
  auto right = Send("POST", "/api/v1/session", Json{{"username", "admin"}, {"password", kPassword}}.dump());
  EXPECT_EQ(right.status, 429);
  bool retry_after = false;
  for (const auto& [k, v] : right.headers) retry_after |= k == "Retry-After";
  EXPECT_TRUE(retry_after);
}

// Issue 19, finding 1: a guesser slows itself, not the account's owner.
Response SignInFrom(App& app, const std::string& ip, const std::string& user, const std::string& password) {
  return testing::AppClient(app).SendFrom(ip, "POST", "/api/v1/session",
                                          Json{{"username", user}, {"password", password}}.dump());
}

int64_t CheckedFailures(testing::TestDatabase& tdb, const std::string& user) {
  auto n = tdb.db().Read<int64_t>([&](store::Connection& c) -> Result<int64_t> {
    auto rows = c.Query("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'login_failed' AND summary LIKE ?",
                        {user + " from %"});
    if (!rows.ok()) return rows.error();
    return (*rows)[0].Int("n");
  });
  return n.ok() ? *n : -1;
}

TEST_F(WebApp, AThousandGuessesFromElsewhereNeverLockTheOwnerOut) {
  ASSERT_EQ(SignInFrom(*app, "127.0.0.1", "admin", kPassword).status, 200);  // the usual computer
  int refused = 0;
  for (int i = 0; i < 1000; ++i) refused += SignInFrom(*app, "127.0.0.2", "admin", "guess-" + std::to_string(i)).status == 429;
  EXPECT_GE(refused, 990) << "the guesser is slowed down";
  EXPECT_LE(CheckedFailures(tdb, "admin"), 10) << "refused attempts are not password checks";
  EXPECT_EQ(SignInFrom(*app, "127.0.0.1", "admin", kPassword).status, 200) << "the owner still signs in";
}

TEST_F(WebApp, GuessesSpreadOverAddressesSlowUnfamiliarAddressesOnly) {
  ASSERT_EQ(SignInFrom(*app, "127.0.0.1", "admin", kPassword).status, 200);
  for (int i = 0; i < 25; ++i) {
    // Four guesses per address: under the per-address limit everywhere.
    SignInFrom(*app, "127.0.1." + std::to_string(i / 4 + 1), "admin", "guess-" + std::to_string(i));
  }
  auto fresh = SignInFrom(*app, "127.0.2.9", "admin", kPassword);
  EXPECT_EQ(fresh.status, 429) << "a new address waits while the account is under attack";
  EXPECT_EQ(SignInFrom(*app, "127.0.0.1", "admin", kPassword).status, 200) << "the usual address does not";
}

TEST_F(WebApp, ParallelGuessesAreCheckedNoMoreThanTheLimitAllows) {
  std::vector<std::thread> threads;
  std::atomic<int> unauthorised{0}, refused{0};
  for (int i = 0; i < 40; ++i) {
    threads.emplace_back([&, i] {
      const int status = SignInFrom(*app, "127.0.0.5", "library.eslo", "guess-" + std::to_string(i)).status;
      (status == 401 ? unauthorised : refused) += status == 401 || status == 429;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(unauthorised + refused, 40);
  EXPECT_LE(unauthorised.load(), 6) << "five checks, and a sixth only if a second passed between them";
  EXPECT_EQ(CheckedFailures(tdb, "library.eslo"), unauthorised.load());
}

TEST_F(WebApp, WaitingAlwaysWorksAndAnAdministratorCanUnlock) {
  for (int i = 0; i < 5; ++i) EXPECT_EQ(SignInFrom(*app, "127.0.0.7", "riverside.eslo", "wrong").status, 401);
  auto refused = SignInFrom(*app, "127.0.0.7", "riverside.eslo", kPassword);
  ASSERT_EQ(refused.status, 429);
  std::string retry;
  for (const auto& [k, v] : refused.headers) {
    if (k == "Retry-After") retry = v;
  }
  EXPECT_TRUE(retry == "1" || retry == "2") << retry;
  // Refused attempts do not add to the wait: after it, the right password works.
  for (int i = 0; i < 20; ++i) EXPECT_EQ(SignInFrom(*app, "127.0.0.7", "riverside.eslo", "wrong").status, 429);
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));  // the 1 s delay, from the end of its second
  EXPECT_EQ(SignInFrom(*app, "127.0.0.7", "riverside.eslo", kPassword).status, 200);

  // Locked harder (each failure doubles the wait), then unlocked by the administrator.
  for (int i = 0; i < 5; ++i) SignInFrom(*app, "127.0.0.8", "library.eslo", "wrong");
  ASSERT_EQ(SignInFrom(*app, "127.0.0.8", "library.eslo", kPassword).status, 429);
  auto admin = SignIn("admin");
  auto accounts = Json::parse(As(admin, "GET", "/api/v1/accounts").body);
  int64_t id = 0;
  for (const auto& a : accounts) {
    if (a["username"] == "library.eslo") id = a["id"];
  }
  ASSERT_NE(id, 0);
  auto officer = SignIn("riverside.eslo");
  EXPECT_EQ(As(officer, "POST", "/api/v1/accounts/" + std::to_string(id) + "/unlock").status, 403);
  auto unlocked = As(admin, "POST", "/api/v1/accounts/" + std::to_string(id) + "/unlock");
  ASSERT_EQ(unlocked.status, 200) << unlocked.body;
  EXPECT_EQ(Json::parse(unlocked.body)["cleared_failures"], 5);
  EXPECT_EQ(SignInFrom(*app, "127.0.0.8", "library.eslo", kPassword).status, 200);
}

TEST_F(WebApp, AgencyOfficerGets404Or403ForAnotherAgency) {
  auto admin = SignIn("admin");
  auto officer = SignIn("library.eslo");  // officer of County Library Service (agency 3)
  auto other = Json::parse(As(admin, "GET", "/api/v1/sites?q=Northgate%20Academy%20main").body);
  ASSERT_EQ(other.size(), 1u);
  std::string site = "/api/v1/sites/" + std::to_string(other[0]["id"].get<int64_t>());
  EXPECT_EQ(As(officer, "GET", site).status, 404);
  EXPECT_EQ(As(officer, "PATCH", site, R"({"name":"Taken over"})").status, 404);
  EXPECT_EQ(As(officer, "DELETE", site).status, 404);
  auto planted = As(officer, "POST", "/api/v1/people",
                    R"({"agency_id":1,"full_name":"Planted","esafety_role":"none","subgroup_role":"none"})");
  EXPECT_TRUE(planted.status == 400 || planted.status == 403) << planted.status << planted.body;
  EXPECT_EQ(As(officer, "GET", "/api/v1/audit-events").status, 403);
  auto summary = Json::parse(As(officer, "GET", "/api/v1/summary").body);
  EXPECT_EQ(summary["agencies"]["total"], 1);
  EXPECT_EQ(summary["scope"]["agency_id"], 3);
  auto own = Json::parse(As(officer, "GET", "/api/v1/sites").body);
  ASSERT_FALSE(own.empty());
  for (const auto& s : own) EXPECT_EQ(s["agency_name"], "County Library Service");
  // The admin's record is unchanged.
  EXPECT_EQ(Json::parse(As(admin, "GET", site).body)["name"], "Northgate Academy main site");
}

TEST_F(WebApp, EveryReadOfAPersonAppearsInTheAuditTrail) {
  auto admin = SignIn("admin");
  auto officer = SignIn("library.eslo");
  auto people = Json::parse(As(officer, "GET", "/api/v1/people").body);
  ASSERT_FALSE(people.empty());
  int64_t id = people[0]["id"];
  ASSERT_EQ(As(officer, "GET", "/api/v1/people/" + std::to_string(id)).status, 200);
  auto trail = Json::parse(
      As(admin, "GET", "/api/v1/audit-events?entity=person&action=read&entity_id=" + std::to_string(id)).body);
  ASSERT_EQ(trail.size(), 1u);
  EXPECT_EQ(trail[0]["username"], "library.eslo");
  EXPECT_EQ(trail[0]["ip"], "127.0.0.1");
  auto listed = Json::parse(As(admin, "GET", "/api/v1/audit-events?entity=person&action=list").body);
  ASSERT_FALSE(listed.empty());
  EXPECT_NE(listed[0]["summary"].get<std::string>().find(std::to_string(id)), std::string::npos);
}

TEST_F(WebApp, BadInputGetsA4xxNamingTheField) {
  auto admin = SignIn("admin");
  struct Case {
    std::string method, target, body;
    int status;
    std::string field;
  };
  std::string long_name(201, 'x');
  std::vector<Case> cases = {
      {"POST", "/api/v1/agencies", "{not json", 400, ""},
      {"POST", "/api/v1/agencies", "[1,2]", 400, ""},
      {"POST", "/api/v1/agencies", R"({"name":1,"sector":"education","membership_type":"board partner"})", 400, "name"},
      {"POST", "/api/v1/agencies", R"({"name":"A","sector":"education","membership_type":"board partner","x":1})", 400,
       "x"},
      {"POST", "/api/v1/agencies", R"({"name":")" + long_name + R"(","sector":"education","membership_type":"board partner"})",
       400, "name"},
      {"POST", "/api/v1/agencies", R"({"name":"Riverside Primary School","sector":"education","membership_type":"board partner"})",
       409, "name"},
      {"POST", "/api/v1/agencies", R"({"name":"A","sector":"space","membership_type":"board partner"})", 400, "sector"},
      {"POST", "/api/v1/sites", R"({"agency_id":999999,"name":"S","site_type":"school"})", 400, "agency_id"},
      {"POST", "/api/v1/sites", R"({"agency_id":1,"name":"S","site_type":"school","ip_ranges":["10.0.0.0/99"]})", 400,
       "ip_ranges"},
      {"POST", "/api/v1/access-locations", R"({"site_id":1,"name":"L","access_type":"laptops","equipment_owner":"agency","last_reviewed":"2026-13-01"})",
       400, "last_reviewed"},
      {"GET", "/api/v1/agencies/999999", "", 404, ""},
      {"GET", "/api/v1/agencies/abc", "", 400, "id"},
      {"GET", "/api/v1/agencies?limit=lots", "", 400, "limit"},
      {"GET", "/api/v1/agencies?color=red", "", 400, "color"},
      {"PATCH", "/api/v1/people/1", R"({"email":"not-an-address"})", 400, "email"},
      {"PUT", "/api/v1/agencies", "", 405, ""},
      {"GET", "/api/v1/nothing-here", "", 404, ""},
      {"POST", "/api/v1/agencies", std::string(70 * 1024, ' '), 413, ""},
      {"POST", "/api/v1/agencies", std::string(60000, '['), 400, ""},
  };
  for (const auto& c : cases) {
    auto r = As(admin, c.method, c.target, c.body);
    EXPECT_EQ(r.status, c.status) << c.method << " " << c.target << " " << c.body.substr(0, 80) << " -> " << r.body;
    auto body = Json::parse(r.body, nullptr, false);
    ASSERT_FALSE(body.is_discarded()) << r.body;
    EXPECT_TRUE(body.contains("error")) << r.body;
    if (!c.field.empty()) {
      EXPECT_EQ(body["field"], c.field) << c.target << " " << r.body;
    }
  }
  auto bad_csv = Send("POST", "/api/v1/sites/import", "agency,name,site_type\nNowhere,X,school\n",
                      {{"cookie", admin.cookie}, {"x-csrf-token", admin.csrf}, {"content-type", "text/csv"}});
  EXPECT_EQ(bad_csv.status, 400);
  auto report = Json::parse(bad_csv.body);
  ASSERT_EQ(report["errors"].size(), 1u);
  EXPECT_NE(report["errors"][0].get<std::string>().find("line 2"), std::string::npos);
}

// The OpenAPI document and the router agree: every documented operation is
// routed (a request to it never gets "no such resource" or "not allowed"), and
// every route the app answers is documented.
TEST_F(WebApp, OpenApiDocumentAndRoutesAgree) {
  auto admin = SignIn("admin");
  Json doc = Json::parse(Send("GET", "/api/v1/openapi.json").body);
  std::set<std::string> documented;
  for (const auto& [path, ops] : doc["paths"].items()) {
    for (const auto& [method, op] : ops.items()) {
      std::string m = method;
      for (auto& ch : m) ch = static_cast<char>(std::toupper(ch));
      documented.insert(m + " " + path);
      ASSERT_TRUE(op.contains("responses")) << path;
      std::string concrete = path;
      for (size_t p; (p = concrete.find("{id}")) != std::string::npos;) concrete.replace(p, 4, "1");
      if (m == "DELETE" && concrete.find("session") != std::string::npos) continue;  // would sign us out
      auto r = As(admin, m, concrete, m == "GET" || m == "DELETE" ? "" : "{}");
      EXPECT_NE(r.status, 405) << m << " " << concrete << " is documented but not routed";
      if (r.status == 404 && r.content_type.starts_with("application/json")) {  // HTML pages answer in HTML
        EXPECT_EQ(Json::parse(r.body)["error"].get<std::string>().find("no such resource"), std::string::npos)
            << m << " " << concrete << " is documented but not routed";
      }
    }
  }
  std::set<std::string> routed;
  for (const auto& route : app->routes()) routed.insert(route.method + " " + route.pattern);
  EXPECT_EQ(documented, routed);
  // Components referenced by the document exist.
  std::string text = doc.dump();
  for (size_t p = 0; (p = text.find("#/components/schemas/", p)) != std::string::npos; ++p) {
    size_t start = p + 21, end = text.find('"', start);
    std::string name = text.substr(start, end - start);
    EXPECT_TRUE(doc["components"]["schemas"].contains(name)) << name;
  }
  // An undocumented path is not routed.
  EXPECT_EQ(As(admin, "GET", "/api/v1/agencies/1/secret").status, 404);
}

TEST_F(WebApp, ServesTheUi) {
  auto page = Send("GET", "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.content_type.find("text/html"), std::string::npos);
  EXPECT_EQ(Send("GET", "/ui/../../etc/passwd").status, 404);
}

}  // namespace
}  // namespace esafe::web
