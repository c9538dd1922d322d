// Paging of every list route (issue 19, finding 3): each GET route whose answer is
// an array takes limit and cursor and links the next page; following the links with
// limit=1 gives exactly the rows of one limit=1000 call; bad limits and cursors are
// 400; an agency officer pages only their agency's people; exports are whole.
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "directory/directory.h"
#include "support/app_client.h"
#include "support/test_database.h"
#include "web/app.h"

namespace esafe::web {
namespace {

using testing::AppClient;

constexpr const char* kPassword = "paging-test-password-1";

class PagingRoutes : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(directory::LoadDemo(tdb.db(), kPassword).ok());
    app = std::make_unique<App>(tdb.db());
    client = std::make_unique<AppClient>(*app);
    admin = client->SignIn("admin", kPassword);
  }

  static std::string Quote(const std::string& s) {
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
  }

  // Imports `n` people into the agency of `like` (a person record) through the import route.
  void ImportPeople(const AppClient::Session& as, const Json& like, int n, const std::string& prefix) {
    std::string csv = "agency,full_name,job_title,email,phone,esafety_role,subgroup_role,notes\n";
    for (int i = 0; i < n; ++i) {
      csv += fmt::format("{},{} {:05},,,,{},{},\n", Quote(like["agency_name"].get<std::string>()), prefix, i,
                         like["esafety_role"].get<std::string>(), like["subgroup_role"].get<std::string>());
    }
    auto r = client->As(as, "POST", "/api/v1/people/import", csv, "text/csv");
    ASSERT_EQ(r.status, 200) << r.body.substr(0, 500);
  }

  // The URL of the Link rel="next" header, or "" on the last page.
  static std::string NextLink(const Response& r) {
    for (const auto& [k, v] : r.headers) {
      std::smatch m;
      static const std::regex link(R"(^<([^>]+)>; rel="next"$)");
      if (k == "Link" && std::regex_match(v, m, link)) return m[1];
    }
    return "";
  }

  // Every row of a list, following Link from `first`; fails on a page that is not 200.
  Json Walk(const AppClient::Session& as, const std::string& first, int* pages = nullptr) {
    Json all = Json::array();
    std::string next = first;
    for (int n = 0; !next.empty(); ++n) {
      auto r = client->As(as, "GET", next);
      EXPECT_EQ(r.status, 200) << next << ": " << r.body.substr(0, 300);
      if (r.status != 200 || n > 20000) break;
      for (auto& row : Json::parse(r.body)) all.push_back(std::move(row));
      next = NextLink(r);
      if (pages) ++*pages;
    }
    return all;
  }

  testing::TestDatabase tdb;
  std::unique_ptr<App> app;
  std::unique_ptr<AppClient> client;
  AppClient::Session admin;
};

TEST_F(PagingRoutes, EveryListRoutePagesThroughLinkAndRefusesBadLimitsAndCursors) {
  auto people = client->Expect(200, admin, "GET", "/api/v1/people?limit=1");
  ASSERT_EQ(people.size(), 1u);
  ImportPeople(admin, people[0], 5, "Paged Person");
  int walked = 0;
  for (const auto& route : app->routes()) {
    if (!route.IsList()) continue;
    SCOPED_TRACE(route.pattern);
    // Path parameters: the first record; a route that then answers other than 200 is
    // still checked for its limit and cursor.
    std::string path = std::regex_replace(route.pattern, std::regex(R"(\{[a-z_]+\})"), "1");
    // The trail grows with every read; page over what no read adds.
    if (path == "/api/v1/audit-events") path += "?action=create";
    const char sep = path.find('?') == std::string::npos ? '?' : '&';
    for (const char* bad : {"limit=0", "limit=1001", "limit=abc", "limit=-1", "cursor=garbage", "cursor=W10",
                            "cursor=WyJ4Il0", "cursor=eyJhIjoxfQ"}) {
      auto r = client->As(admin, "GET", fmt::format("{}{}{}", path, sep, bad));
      EXPECT_EQ(r.status, 400) << bad << ": " << r.body.substr(0, 300);
      auto body = Json::parse(r.body, nullptr, false);
      EXPECT_TRUE(body.is_object() && body.contains("field")) << r.body.substr(0, 300);
    }
    auto whole = client->As(admin, "GET", fmt::format("{}{}limit=1000", path, sep));
    if (whole.status != 200) continue;
    auto expected = Json::parse(whole.body);
    ASSERT_TRUE(expected.is_array());
    EXPECT_EQ(NextLink(whole), "");
    int pages = 0;
    auto got = Walk(admin, fmt::format("{}{}limit=1", path, sep), &pages);
    // Reads audited into the same records (a listing of alerts, say) may not change a list; compare ids.
    EXPECT_EQ(got, expected);
    EXPECT_EQ(pages, std::max<int>(1, static_cast<int>(expected.size())));
    std::set<std::string> seen;
    for (const auto& row : got) EXPECT_TRUE(seen.insert(row.dump()).second) << "repeated: " << row.dump();
    ++walked;
  }
  EXPECT_GT(walked, 25);
}

TEST_F(PagingRoutes, AnAgencyOfficerPagesOnlyTheirAgencysPeople) {
  auto officer = client->SignIn("library.eslo", kPassword);
  auto own = client->Expect(200, officer, "GET", "/api/v1/people?limit=1");
  ASSERT_EQ(own.size(), 1u);
  const int64_t agency = own[0]["agency_id"];
  ImportPeople(officer, own[0], 30, "Library Volunteer");
  auto everyone = Walk(admin, "/api/v1/people?limit=1000");
  size_t theirs = 0, others = 0;
  for (const auto& p : everyone) (p["agency_id"] == agency ? theirs : others)++;
  ASSERT_GT(others, 0u);
  int pages = 0;
  auto seen = Walk(officer, "/api/v1/people?limit=7", &pages);
  EXPECT_EQ(seen.size(), theirs);
  EXPECT_GT(pages, 4);
  for (const auto& p : seen) EXPECT_EQ(p["agency_id"], agency) << p.dump();
  // A cursor naming another agency's person still shows only the officer's own.
  auto forged = client->As(officer, "GET", "/api/v1/people?limit=1000&cursor=WyIiLDBd");  // ["",0]
  ASSERT_EQ(forged.status, 200) << forged.body;
  for (const auto& p : Json::parse(forged.body)) EXPECT_EQ(p["agency_id"], agency);
}

TEST_F(PagingRoutes, TrainingPeopleAnswersAPageAndTheExportIsWhole) {
  auto people = client->Expect(200, admin, "GET", "/api/v1/people?limit=1");
  ASSERT_EQ(people.size(), 1u);
  const size_t before = Walk(admin, "/api/v1/people?limit=1000").size();
  ImportPeople(admin, people[0], 6000, "Imported Person");

  auto training = client->As(admin, "GET", "/api/v1/training/people");
  ASSERT_EQ(training.status, 200) << training.body.substr(0, 300);
  EXPECT_LE(Json::parse(training.body).size(), 100u);
  EXPECT_NE(NextLink(training), "");
  EXPECT_EQ(Walk(admin, "/api/v1/training/people?limit=1000").size(), before + 6000);

  auto csv = client->As(admin, "GET", "/api/v1/people/export.csv");
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(std::count(csv.body.begin(), csv.body.end(), '\n'), static_cast<long>(before + 6000 + 1));
}

}  // namespace
}  // namespace esafe::web
