// The review-request routes through App::Handle: the public /blocked pages (escaping, the
// form post and its redirect, errors shown on the form, the origin check), the JSON
// equivalents, and an officer's approval with its CSRF check.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "directory/directory.h"
#include "filter/mandatory_lists.h"
#include "support/app_client.h"
#include "support/test_database.h"
#include "web/app.h"

namespace esafe::web {
namespace {

namespace fs = std::filesystem;

class FilterRoutes : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(directory::LoadDemo(tdb.db(), kPassword).ok());
    dir = fs::temp_directory_path() / ("esafe-filter-routes-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "iwf.domains") << "illegal.example\n";
    std::ofstream(dir / "profiles.yaml") << "version: \"t\"\ndefault_profile: p\nmandatory:\n"
                                            "  - {category: iwf, file: iwf.domains, format: domains}\n"
                                            "profiles:\n  - name: p\n";
    AppOptions options;
    auto lists = filter::MandatoryLists::Load(dir / "profiles.yaml");
    ASSERT_TRUE(lists.ok()) << lists.error().message;
    options.mandatory_lists = *lists;
    app = std::make_unique<App>(tdb.db(), options);
  }
  void TearDown() override { fs::remove_all(dir); }

  Response Send(const std::string& method, const std::string& target, const std::string& body = "",
                std::map<std::string, std::string> headers = {}, const std::string& from = "10.20.1.9") {
    return esafe::testing::AppClient(*app, from, "esafe.test").Send(method, target, body, std::move(headers));
  }

  Response Form(const std::string& body, const std::string& origin = "http://esafe.test") {
    return Send("POST", "/blocked", body,
                {{"content-type", "application/x-www-form-urlencoded"}, {"origin", origin}});
  }

  static std::string Header(const Response& r, const std::string& name) { return esafe::testing::AppClient::Header(r, name); }

  static constexpr const char* kPassword = "filter-routes-password-1";
  esafe::testing::TestDatabase tdb;
  fs::path dir;
  std::unique_ptr<App> app;
};

TEST_F(FilterRoutes, TheBlockedPageExplainsAndEscapes) {
  auto page = Send("GET", "/blocked?url=http%3A%2F%2Fbad.example%2F%22%3E%3Cscript%3Ex%3C%2Fscript%3E"
                          "&category=adult&profile=primary&reason=category&list_version=2026.1%2Flists-1");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(page.body.find("<script>"), std::string::npos);
  EXPECT_NE(page.body.find("http://bad.example/&quot;&gt;&lt;script&gt;"), std::string::npos);
  EXPECT_NE(page.body.find("listed in the category &quot;adult&quot;, which is blocked for the &quot;primary&quot;"),
            std::string::npos);
  EXPECT_NE(page.body.find("<form method=\"post\" action=\"/blocked\""), std::string::npos);
  EXPECT_NE(page.body.find("name=\"list_version\" value=\"2026.1/lists-1\""), std::string::npos);
  EXPECT_EQ(Header(page, "Referrer-Policy"), "same-origin");
  EXPECT_NE(Header(page, "Content-Security-Policy").find("script-src 'self'"), std::string::npos);

  auto mandatory = Send("GET", "/blocked?category=mandatory&reason=mandatory%20list");
  EXPECT_EQ(mandatory.status, 200);
  EXPECT_EQ(mandatory.body.find("<form"), std::string::npos);
  EXPECT_NE(mandatory.body.find("cannot be unblocked"), std::string::npos);
  EXPECT_EQ(Send("GET", "/blocked?url=x&secret=1").status, 400);
}

TEST_F(FilterRoutes, TheFormPostsRedirectsAndShowsStatus) {
  auto posted = Form("url=http%3A%2F%2Fadult.example%2Fpics&category=adult&profile=primary&reason=category"
                     "&note=for+my+homework&contact=");
  ASSERT_EQ(posted.status, 303) << posted.body;
  const std::string location = Header(posted, "Location");
  ASSERT_TRUE(location.starts_with("/blocked/status?reference=")) << location;
  auto status = Send("GET", location);
  ASSERT_EQ(status.status, 200);
  EXPECT_NE(status.body.find("data-status=\"pending\""), std::string::npos);
  EXPECT_NE(status.body.find("http://adult.example/pics"), std::string::npos);
  EXPECT_EQ(status.body.find("for my homework"), std::string::npos);  // the note is the officer's to read
  EXPECT_EQ(Send("GET", "/blocked/status?reference=nope").status, 404);

  // Errors come back on the form, with what was typed.
  auto bad = Form("url=ftp%3A%2F%2Ffiles.example%2F&note=keep+this");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("only http and https"), std::string::npos);
  EXPECT_NE(bad.body.find(">keep this</textarea>"), std::string::npos);
  EXPECT_EQ(Form("url=%zz").status, 400);
  EXPECT_EQ(Form("url=a&url=b").status, 400);
  EXPECT_EQ(Form("url=http%3A%2F%2Fillegal.example%2F").status, 400);
  EXPECT_EQ(Form("url=http%3A%2F%2Fadult.example%2F", "http://evil.example").status, 403);
  EXPECT_EQ(Form("url=" + std::string(20000, 'a')).status, 413);
}

TEST_F(FilterRoutes, AnOfficerApprovesThroughTheApi) {
  auto created = Send("POST", "/api/v1/review-requests", Json{{"url", "http://adult.example/pics"}}.dump());
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string reference = Json::parse(created.body)["reference"];
  auto status = Send("GET", "/api/v1/review-requests/status?reference=" + reference);
  ASSERT_EQ(status.status, 200);
  EXPECT_EQ(Json::parse(status.body)["status"], "pending");
  EXPECT_EQ(Send("GET", "/api/v1/filter/review-requests").status, 401);

  auto login = Send("POST", "/api/v1/session", Json{{"username", "library.eslo"}, {"password", kPassword}}.dump());
  ASSERT_EQ(login.status, 200);
  const std::string cookie = Header(login, "Set-Cookie").substr(0, Header(login, "Set-Cookie").find(';'));
  const std::string csrf = Json::parse(login.body)["csrf_token"];
  auto listed = Send("GET", "/api/v1/filter/review-requests?status=pending", "", {{"cookie", cookie}});
  ASSERT_EQ(listed.status, 200);
  Json requests = Json::parse(listed.body);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0]["site"], "Central Library");
  const std::string approve = "/api/v1/filter/review-requests/" + std::to_string(requests[0]["id"].get<int64_t>()) +
                              "/approval";
  EXPECT_EQ(Send("POST", approve, Json{{"reason", "ok"}}.dump(), {{"cookie", cookie}}).status, 403);  // no CSRF
  auto approved = Send("POST", approve, Json{{"reason", "Coursework"}}.dump(),
                       {{"cookie", cookie}, {"x-csrf-token", csrf}});
  ASSERT_EQ(approved.status, 200) << approved.body;
  EXPECT_EQ(Json::parse(approved.body)["override_version"], 1);
  auto versions = Send("GET", "/api/v1/filter/override-versions", "", {{"cookie", cookie}});
  ASSERT_EQ(versions.status, 200);
  EXPECT_EQ(Json::parse(versions.body)[0]["change"], "allow adult.example/pics");
  status = Send("GET", "/api/v1/review-requests/status?reference=" + reference);
  EXPECT_EQ(Json::parse(status.body)["decision_reason"], "Coursework");
}

TEST_F(FilterRoutes, HelpAndContacts) {
  auto help = Send("GET", "/help");  // public: no sign-in
  ASSERT_EQ(help.status, 200);
  EXPECT_NE(help.body.find("Help and contacts"), std::string::npos);
  EXPECT_NE(help.body.find("0800 1111"), std::string::npos);
  EXPECT_NE(help.body.find("id=\"concern-staff_allegation\""), std::string::npos);
  EXPECT_NE(help.body.find("Children&#39;s social care"), std::string::npos);  // escaped
  EXPECT_EQ(help.body.find("<script"), std::string::npos);

  auto blocked = Send("GET", "/blocked?url=http%3A%2F%2Fa.example%2F&category=adult&profile=p&reason=category");
  EXPECT_NE(blocked.body.find("CEOP"), std::string::npos);
  EXPECT_NE(blocked.body.find("Internet Watch Foundation"), std::string::npos);
  EXPECT_NE(blocked.body.find("ChildLine"), std::string::npos);
  EXPECT_NE(blocked.body.find("href=\"/help\""), std::string::npos);
  EXPECT_NE(Send("GET", "/blocked?category=mandatory&reason=mandatory%20list").body.find("ChildLine"),
            std::string::npos);

  EXPECT_EQ(Send("GET", "/api/v1/contacts").status, 401);
  auto login = Send("POST", "/api/v1/session", Json{{"username", "library.eslo"}, {"password", kPassword}}.dump());
  ASSERT_EQ(login.status, 200);
  const std::string cookie = Header(login, "Set-Cookie").substr(0, Header(login, "Set-Cookie").find(';'));
  auto contacts = Send("GET", "/api/v1/contacts", "", {{"cookie", cookie}});
  ASSERT_EQ(contacts.status, 200);
  const Json map = Json::parse(contacts.body);
  ASSERT_EQ(map["kinds"].size(), 6u);
  EXPECT_EQ(map["kinds"][0]["id"], "illegal_content");
  EXPECT_FALSE(map["reporting_routes"].empty());
}

}  // namespace
}  // namespace esafe::web
