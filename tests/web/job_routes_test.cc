// The job form through App::Handle: `Prefer: respond-async` on an export or an import
// answers 202 with the job and its Location; the job ends with the same file or report
// the request would have answered, only its owner reaches it, a finished job can be
// discarded, and without the header the routes answer as before.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "directory/directory.h"
#include "support/app_client.h"
#include "support/test_database.h"
#include "web/app.h"

namespace esafe::web {
namespace {

using esafe::testing::AppClient;

class JobRoutes : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(directory::LoadDemo(tdb.db(), kPassword).ok());
    app = std::make_unique<App>(tdb.db());
    client = std::make_unique<AppClient>(*app);
    admin = client->SignIn("admin", kPassword);
    other = client->SignIn("riverside.eslo", kPassword);
  }

  Response Async(const AppClient::Session& s, const std::string& method, const std::string& target,
                 const std::string& body = "", const std::string& type = "") {
    std::map<std::string, std::string> h = {{"cookie", s.cookie}, {"x-csrf-token", s.csrf},
                                            {"prefer", "respond-async, wait=10"}};
    if (!type.empty()) h["content-type"] = type;
    return client->Send(method, target, body, h);
  }

  // Polls the job until it ends.
  Json Finished(const std::string& id) {
    for (int i = 0; i < 2000; ++i) {
      Json job = client->Expect(200, admin, "GET", "/api/v1/jobs/" + id);
      if (job["state"] != "queued" && job["state"] != "running") return job;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << "job " << id << " did not finish";
    return Json();
  }

  static constexpr const char* kPassword = "job-routes-password-1";
  esafe::testing::TestDatabase tdb;
  std::unique_ptr<App> app;
  std::unique_ptr<AppClient> client;
  AppClient::Session admin, other;
};

TEST_F(JobRoutes, AnExportAsAJobDownloadsTheSameFileOnlyForItsOwner) {
  Response direct = client->As(admin, "GET", "/api/v1/people/export.csv");
  ASSERT_EQ(direct.status, 200);
  Response started = Async(admin, "GET", "/api/v1/people/export.csv");
  ASSERT_EQ(started.status, 202) << started.body;
  Json job = Json::parse(started.body);
  EXPECT_EQ(AppClient::Header(started, "Location"), "/api/v1/jobs/" + job["id"].get<std::string>());
  EXPECT_EQ(AppClient::Header(started, "Preference-Applied"), "respond-async");
  EXPECT_EQ(job["kind"], "people.export");
  Json done = Finished(job["id"]);
  ASSERT_EQ(done["state"], "done") << done.dump();
  EXPECT_EQ(done["file_name"], "people.csv");
  const std::string download = done["download"];
  EXPECT_EQ(client->As(other, "GET", download).status, 404);
  EXPECT_EQ(client->As(other, "GET", "/api/v1/jobs/" + job["id"].get<std::string>()).status, 404);
  EXPECT_EQ(client->As(other, "DELETE", "/api/v1/jobs/" + job["id"].get<std::string>()).status, 404);
  Response file = client->As(admin, "GET", download);
  ASSERT_EQ(file.status, 200);
  EXPECT_EQ(file.body, direct.body);
  EXPECT_EQ(file.content_type, direct.content_type);
  EXPECT_NE(AppClient::Header(file, "Content-Disposition").find("people.csv"), std::string::npos);

  Json mine = client->Expect(200, admin, "GET", "/api/v1/jobs");
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_TRUE(client->Expect(200, other, "GET", "/api/v1/jobs").empty());
  EXPECT_EQ(client->As(admin, "DELETE", "/api/v1/jobs/" + job["id"].get<std::string>()).status, 204);
  EXPECT_EQ(client->As(admin, "GET", download).status, 404);
}

TEST_F(JobRoutes, AnImportAsAJobIsAllOrNoneWithTheLineErrorsAsItsResult) {
  const std::string header = "agency,full_name,job_title,email,phone,esafety_role,subgroup_role,notes\n";
  auto agencies = client->Expect(200, admin, "GET", "/api/v1/agencies");
  const std::string agency = agencies[0]["name"];
  std::string good = header, bad = header;
  for (int i = 0; i < 50; ++i) {
    good += "\"" + agency + "\",Job Person " + std::to_string(i) + ",,,,none,none,\n";
    bad += "\"" + agency + "\",Job Bad " + std::to_string(i) + ",,,," + (i == 7 ? "astronaut" : "none") + ",none,\n";
  }
  Response started = Async(admin, "POST", "/api/v1/people/import", bad, "text/csv");
  ASSERT_EQ(started.status, 202) << started.body;
  Json failed = Finished(Json::parse(started.body)["id"]);
  EXPECT_EQ(failed["state"], "failed");
  EXPECT_NE(failed["error"].get<std::string>().find("nothing was imported"), std::string::npos);
  ASSERT_EQ(failed["result"]["errors"].size(), 1u) << failed.dump();
  EXPECT_TRUE(failed["result"]["errors"][0].get<std::string>().starts_with("line 9:")) << failed.dump();
  EXPECT_EQ(failed["download"], nullptr);

  started = Async(admin, "POST", "/api/v1/people/import", good, "text/csv");
  ASSERT_EQ(started.status, 202);
  Json done = Finished(Json::parse(started.body)["id"]);
  ASSERT_EQ(done["state"], "done") << done.dump();
  EXPECT_EQ(done["result"]["imported"], 50);
  EXPECT_EQ(done["progress"]["total"], 50);
  EXPECT_EQ(done["progress"]["done"], 50);
  Json people = client->Expect(200, admin, "GET", "/api/v1/people?q=Job%20Bad");
  EXPECT_TRUE(people.empty());
  people = client->Expect(200, admin, "GET", "/api/v1/people?q=Job%20Person&limit=100");
  EXPECT_EQ(people.size(), 50u);

  // Without the preference the route answers as it always did.
  Response inline_answer = client->As(admin, "POST", "/api/v1/people/import", bad, "text/csv");
  EXPECT_EQ(inline_answer.status, 400);
  EXPECT_FALSE(Json::parse(inline_answer.body)["errors"].empty());
}

TEST_F(JobRoutes, TheOpenApiDocumentDescribesTheJobForm) {
  Json doc = Json::parse(client->Send("GET", "/api/v1/openapi.json", "", {}).body);
  Json op = doc["paths"]["/api/v1/people/import"]["post"];
  EXPECT_TRUE(op["responses"].contains("202"));
  bool prefer = false;
  for (const auto& p : op["parameters"]) prefer |= p["name"] == "Prefer" && p["in"] == "header";
  EXPECT_TRUE(prefer);
  EXPECT_FALSE(doc["paths"]["/api/v1/agencies"]["get"]["responses"].contains("202"));
  EXPECT_TRUE(doc["paths"].contains("/api/v1/jobs/{job}/download"));
}

}  // namespace
}  // namespace esafe::web
