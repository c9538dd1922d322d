// Acceptable-use policies, the retention routes and the subject-access export,
// driven through App::Handle with signed-in clients as the server calls them.
#include <gtest/gtest.h>

#include <set>

#include "directory/directory.h"
#include "plan/plan.h"
#include "support/app_client.h"
#include "support/test_database.h"
#include "web/app.h"

namespace esafe::web {
namespace {

class AupRoutes : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(directory::LoadDemo(tdb.db(), kPassword).ok());
    ASSERT_TRUE(access::AddAccount(tdb.db(), {.username = "library.staff", .display_name = "Library counter staff",
                                              .password = kPassword, .role = access::Role::kAgencyStaff,
                                              .agency_id = kLibrary}, nullptr).ok());
    app = std::make_unique<App>(tdb.db());
    client = std::make_unique<testing::AppClient>(*app);
  }

  using Client = testing::AppClient::Session;

  Response Send(const std::string& method, const std::string& target, const std::string& body,
                std::map<std::string, std::string> headers) {
    return client->Send(method, target, body, std::move(headers));
  }
  Client SignIn(const std::string& user) { return client->SignIn(user, kPassword); }
  Response As(const Client& c, const std::string& method, const std::string& target, const Json& body = nullptr) {
    return client->As(c, method, target, body);
  }
  Json JsonOf(const Response& r) { return Json::parse(r.body); }
  static std::string Str(const Json& id) { return std::to_string(id.get<int64_t>()); }

  // A person of the library's register besides Helen Price (the demo's library.eslo).
  int64_t AddLibraryPerson(const Client& officer, const std::string& name) {
    auto r = As(officer, "POST", "/api/v1/people",
                {{"agency_id", kLibrary}, {"full_name", name}, {"esafety_role", "none"}, {"subgroup_role", "none"}});
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? JsonOf(r)["id"].get<int64_t>() : 0;
  }
  // A staff policy of the officer's agency with version 1 published; returns {policy id, version id}.
  std::pair<int64_t, int64_t> PublishedStaffPolicy(const Client& officer, const std::string& review_on = "2099-09-01") {
    auto policy = As(officer, "POST", "/api/v1/aup/policies", {{"user_group", "staff"}, {"title", "Staff AUP"}});
    EXPECT_EQ(policy.status, 201) << policy.body;
    int64_t pid = JsonOf(policy)["id"];
    auto v = As(officer, "POST", "/api/v1/aup/policies/" + std::to_string(pid) + "/versions",
                {{"body", "Use the library's computers for work."}, {"effective_on", "2019-09-01"},
                 {"review_on", review_on}});
    EXPECT_EQ(v.status, 201) << v.body;
    int64_t vid = JsonOf(v)["id"];
    EXPECT_EQ(As(officer, "POST", "/api/v1/aup/versions/" + std::to_string(vid) + "/publish").status, 200);
    return {pid, vid};
  }
  // The coverage entry of policy `pid` as `who` sees it.
  Json CoverageOf(const Client& who, int64_t pid) {
    auto r = As(who, "GET", "/api/v1/aup/coverage");
    EXPECT_EQ(r.status, 200) << r.body;
    Json body = JsonOf(r);  // kept: a range-for over a temporary's member would dangle
    for (const auto& p : body["policies"]) if (p["policy_id"] == pid) return p;
    ADD_FAILURE() << "policy " << pid << " not in coverage: " << r.body;
    return Json::object();
  }
  static std::set<std::string> NotAccepted(const Json& coverage) {
    std::set<std::string> names;
    for (const auto& p : coverage["people_not_accepted"]) names.insert(p["full_name"]);
    return names;
  }

  static constexpr const char* kPassword = "plan-test-password-1";
  static constexpr int64_t kLibrary = 3;
  static constexpr int64_t kHelenPrice = 4;  // the demo person behind the library.eslo account
  testing::TestDatabase tdb;
  std::unique_ptr<App> app;
  std::unique_ptr<testing::AppClient> client;
};

TEST_F(AupRoutes, VersionsArePublishedAndRetiredAndOnlyTheCurrentOneIsAccepted) {
  auto officer = SignIn("library.eslo");
  auto policy = As(officer, "POST", "/api/v1/aup/policies", {{"user_group", "staff"}, {"title", "Staff AUP"}});
  ASSERT_EQ(policy.status, 201) << policy.body;
  EXPECT_EQ(JsonOf(policy)["agency_id"], kLibrary);
  std::string pid = Str(JsonOf(policy)["id"]);
  EXPECT_EQ(As(officer, "POST", "/api/v1/aup/policies", {{"user_group", "staff"}, {"title", "again"}}).status, 409);
  EXPECT_EQ(JsonOf(As(officer, "POST", "/api/v1/aup/policies", {{"user_group", "teachers"}, {"title", "x"}}))["field"],
            "user_group");

  // Dates are validated: a real date, and a review after the version takes effect.
  auto bad_date = As(officer, "POST", "/api/v1/aup/policies/" + pid + "/versions",
                     {{"body", "text"}, {"effective_on", "2026-13-01"}, {"review_on", "2027-01-01"}});
  EXPECT_EQ(bad_date.status, 400);
  EXPECT_EQ(JsonOf(bad_date)["field"], "effective_on");
  auto backwards = As(officer, "POST", "/api/v1/aup/policies/" + pid + "/versions",
                      {{"body", "text"}, {"effective_on", "2026-01-01"}, {"review_on", "2025-01-01"}});
  EXPECT_EQ(backwards.status, 400);
  EXPECT_EQ(JsonOf(backwards)["field"], "review_on");
  EXPECT_EQ(JsonOf(As(officer, "POST", "/api/v1/aup/policies/" + pid + "/versions",
                      {{"effective_on", "2026-01-01"}, {"review_on", "2027-01-01"}}))["field"], "body");

  auto v1 = As(officer, "POST", "/api/v1/aup/policies/" + pid + "/versions",
               {{"body", "Version one"}, {"effective_on", "2024-09-01"}, {"review_on", "2099-09-01"}});
  ASSERT_EQ(v1.status, 201) << v1.body;
  EXPECT_EQ(JsonOf(v1)["state"], "draft");
  EXPECT_EQ(JsonOf(v1)["number"], 1);
  std::string v1id = Str(JsonOf(v1)["id"]);
  // A draft is neither accepted nor retired.
  auto draft_accept = As(officer, "POST", "/api/v1/aup/versions/" + v1id + "/acceptances",
                         {{"person_id", kHelenPrice}, {"accepted_on", "2025-01-10"}});
  EXPECT_EQ(draft_accept.status, 409);
  EXPECT_NE(JsonOf(draft_accept)["error"].get<std::string>().find("draft"), std::string::npos);
  EXPECT_EQ(As(officer, "POST", "/api/v1/aup/versions/" + v1id + "/retire").status, 409);

  auto published = As(officer, "POST", "/api/v1/aup/versions/" + v1id + "/publish");
  ASSERT_EQ(published.status, 200) << published.body;
  EXPECT_EQ(JsonOf(published)["state"], "current");
  EXPECT_EQ(As(officer, "POST", "/api/v1/aup/versions/" + v1id + "/publish").status, 409);

  // Paper acceptance: dates checked, then recorded with who recorded it.
  EXPECT_EQ(JsonOf(As(officer, "POST", "/api/v1/aup/versions/" + v1id + "/acceptances",
                      {{"person_id", kHelenPrice}, {"accepted_on", "2099-01-01"}}))["field"], "accepted_on");
  EXPECT_EQ(JsonOf(As(officer, "POST", "/api/v1/aup/versions/" + v1id + "/acceptances",
                      {{"person_id", kHelenPrice}, {"accepted_on", "2024-08-31"}}))["field"], "accepted_on");
  EXPECT_EQ(JsonOf(As(officer, "POST", "/api/v1/aup/versions/" + v1id + "/acceptances",
                      {{"person_id", 1}, {"accepted_on", "2025-01-10"}}))["field"], "person_id");  // another agency's
  auto paper = As(officer, "POST", "/api/v1/aup/versions/" + v1id + "/acceptances",
                  {{"person_id", kHelenPrice}, {"accepted_on", "2025-01-10"}});
  ASSERT_EQ(paper.status, 201) << paper.body;
  EXPECT_EQ(JsonOf(paper)["method"], "paper");
  EXPECT_EQ(JsonOf(paper)["recorded_by"], "library.eslo");
  EXPECT_EQ(As(officer, "POST", "/api/v1/aup/versions/" + v1id + "/acceptances",
               {{"person_id", kHelenPrice}, {"accepted_on", "2025-01-11"}}).status, 409);

  // Version 2 published: version 1 is retired in the same step, and can no longer be accepted.
  auto v2 = As(officer, "POST", "/api/v1/aup/policies/" + pid + "/versions",
               {{"document_ref", "Staff handbook 2026, section 4"}, {"effective_on", "2026-01-01"},
                {"review_on", "2099-01-01"}});
  ASSERT_EQ(v2.status, 201) << v2.body;
  EXPECT_EQ(JsonOf(v2)["number"], 2);
  std::string v2id = Str(JsonOf(v2)["id"]);
  ASSERT_EQ(As(officer, "POST", "/api/v1/aup/versions/" + v2id + "/publish").status, 200);
  auto read = JsonOf(As(officer, "GET", "/api/v1/aup/policies/" + pid));
  ASSERT_EQ(read["versions"].size(), 2u);
  EXPECT_EQ(read["versions"][0]["state"], "current");
  EXPECT_EQ(read["versions"][1]["state"], "retired");
  EXPECT_EQ(read["versions"][1]["acceptances"].size(), 1u);
  auto retired = As(officer, "POST", "/api/v1/aup/versions/" + v1id + "/acceptances",
                    {{"person_id", AddLibraryPerson(officer, "Sam Reid")}, {"accepted_on", "2026-02-01"}});
  EXPECT_EQ(retired.status, 409);
  EXPECT_NE(JsonOf(retired)["error"].get<std::string>().find("retired"), std::string::npos) << retired.body;
  EXPECT_NE(JsonOf(retired)["error"].get<std::string>().find("current version is 2"), std::string::npos);
  auto staff = SignIn("library.staff");
  // Staff only ever see the version in force: a retired one does not exist for them.
  EXPECT_EQ(As(staff, "POST", "/api/v1/aup/versions/" + v1id + "/accept").status, 404);
  EXPECT_EQ(As(officer, "POST", "/api/v1/aup/versions/" + v1id + "/publish").status, 409);

  // Online: the signed-in account accepts its agency's current version, once.
  auto online = As(staff, "POST", "/api/v1/aup/versions/" + v2id + "/accept");
  ASSERT_EQ(online.status, 201) << online.body;
  EXPECT_EQ(JsonOf(online)["method"], "online");
  EXPECT_EQ(JsonOf(online)["username"], "library.staff");
  EXPECT_EQ(As(staff, "POST", "/api/v1/aup/versions/" + v2id + "/accept").status, 409);

  // Retiring the current version leaves none; a retired version is not published again.
  ASSERT_EQ(As(officer, "POST", "/api/v1/aup/versions/" + v2id + "/retire").status, 200);
  EXPECT_EQ(As(officer, "POST", "/api/v1/aup/versions/" + v2id + "/retire").status, 409);
  EXPECT_EQ(As(officer, "POST", "/api/v1/aup/versions/" + v2id + "/publish").status, 409);
  EXPECT_TRUE(JsonOf(As(officer, "GET", "/api/v1/aup/policies"))[0]["current_version"].is_null());
}

TEST_F(AupRoutes, CoverageListsExactlyThoseWhoHaveNotAcceptedTheCurrentVersion) {
  auto officer = SignIn("library.eslo");
  int64_t sam = AddLibraryPerson(officer, "Sam Reid");
  AddLibraryPerson(officer, "Priya Nair");
  auto [pid, v1] = PublishedStaffPolicy(officer);
  auto cov = CoverageOf(officer, pid);
  EXPECT_EQ(cov["accepted"], 0);
  EXPECT_EQ(cov["not_accepted"], 3);
  EXPECT_EQ(NotAccepted(cov), (std::set<std::string>{"Helen Price", "Sam Reid", "Priya Nair"}));

  // Helen Price accepts online as library.eslo (the account's name is hers); Sam on paper.
  ASSERT_EQ(As(officer, "POST", "/api/v1/aup/versions/" + std::to_string(v1) + "/accept").status, 201);
  ASSERT_EQ(As(officer, "POST", "/api/v1/aup/versions/" + std::to_string(v1) + "/acceptances",
               {{"person_id", sam}, {"accepted_on", "2025-03-01"}}).status, 201);
  cov = CoverageOf(officer, pid);
  EXPECT_EQ(cov["accepted"], 2);
  EXPECT_EQ(NotAccepted(cov), (std::set<std::string>{"Priya Nair"}));

  // A new version: nobody has accepted it yet.
  auto v2 = As(officer, "POST", "/api/v1/aup/policies/" + std::to_string(pid) + "/versions",
               {{"body", "Version two"}, {"effective_on", "2026-01-01"}, {"review_on", "2099-01-01"}});
  ASSERT_EQ(v2.status, 201);
  std::string v2id = Str(JsonOf(v2)["id"]);
  ASSERT_EQ(As(officer, "POST", "/api/v1/aup/versions/" + v2id + "/publish").status, 200);
  cov = CoverageOf(officer, pid);
  EXPECT_EQ(cov["current_version"]["number"], 2);
  EXPECT_EQ(NotAccepted(cov), (std::set<std::string>{"Helen Price", "Sam Reid", "Priya Nair"}));
  ASSERT_EQ(As(officer, "POST", "/api/v1/aup/versions/" + v2id + "/acceptances",
               {{"person_id", sam}, {"accepted_on", "2026-02-01"}}).status, 201);
  EXPECT_EQ(NotAccepted(CoverageOf(officer, pid)), (std::set<std::string>{"Helen Price", "Priya Nair"}));

  // Pupils have no register: acceptances by pseudonymous reference, counted.
  auto pupils = As(officer, "POST", "/api/v1/aup/policies", {{"user_group", "pupils_11_to_16"}, {"title", "Young people's AUP"}});
  ASSERT_EQ(pupils.status, 201);
  int64_t pupils_id = JsonOf(pupils)["id"];
  auto pv = As(officer, "POST", "/api/v1/aup/policies/" + std::to_string(pupils_id) + "/versions",
               {{"body", "I will tell someone if…"}, {"effective_on", "2025-01-01"}, {"review_on", "2099-01-01"}});
  std::string pvid = Str(JsonOf(pv)["id"]);
  ASSERT_EQ(As(officer, "POST", "/api/v1/aup/versions/" + pvid + "/publish").status, 200);
  EXPECT_EQ(JsonOf(As(officer, "POST", "/api/v1/aup/versions/" + pvid + "/acceptances",
                      {{"person_id", sam}, {"accepted_on", "2025-02-01"}}))["field"], "person_id");
  ASSERT_EQ(As(officer, "POST", "/api/v1/aup/versions/" + pvid + "/acceptances",
               {{"subject_reference", "Y9-014"}, {"accepted_on", "2025-02-01"}}).status, 201);
  auto pcov = CoverageOf(officer, pupils_id);
  EXPECT_EQ(pcov["accepted"], 1);
  EXPECT_TRUE(pcov["not_accepted"].is_null());
  EXPECT_FALSE(pcov["register"].get<bool>());

  // The board sees the figures and no names; staff do not see coverage; another agency does not see this one.
  auto board = SignIn("board");
  auto bcov = CoverageOf(board, pid);
  EXPECT_EQ(bcov["not_accepted"], 2);
  EXPECT_FALSE(bcov.contains("people_not_accepted"));
  EXPECT_EQ(As(board, "GET", "/api/v1/aup/policies").status, 403);
  EXPECT_EQ(As(SignIn("library.staff"), "GET", "/api/v1/aup/coverage").status, 403);
  auto other = SignIn("riverside.eslo");
  EXPECT_TRUE(JsonOf(As(other, "GET", "/api/v1/aup/coverage"))["policies"].empty());
  EXPECT_EQ(As(other, "GET", "/api/v1/aup/policies/" + std::to_string(pid)).status, 404);
  EXPECT_EQ(As(other, "POST", "/api/v1/aup/versions/" + v2id + "/acceptances",
               {{"person_id", 1}, {"accepted_on", "2026-02-01"}}).status, 404);
  // Reading the names is audited.
  auto audit = JsonOf(As(SignIn("admin"), "GET", "/api/v1/audit-events?entity=person&action=list"));
  bool found = false;
  for (const auto& e : audit) found = found || e["summary"].get<std::string>().rfind("AUP coverage", 0) == 0;
  EXPECT_TRUE(found);
}

TEST_F(AupRoutes, StaffReadTheirCurrentPolicyAndRemindersFollowTheReviewDate) {
  auto officer = SignIn("library.eslo");
  auto [overdue_pid, overdue_vid] = PublishedStaffPolicy(officer, "2020-06-01");
  auto visitors = As(officer, "POST", "/api/v1/aup/policies", {{"user_group", "visitors"}, {"title", "Visitors"}});
  ASSERT_EQ(visitors.status, 201);
  auto vv = As(officer, "POST", "/api/v1/aup/policies/" + Str(JsonOf(visitors)["id"]) + "/versions",
               {{"body", "Wi-Fi terms"}, {"effective_on", "2025-01-01"}, {"review_on", "2099-01-01"}});
  ASSERT_EQ(As(officer, "POST", "/api/v1/aup/versions/" + Str(JsonOf(vv)["id"]) + "/publish").status, 200);
  // A draft with a past review date is not in force, so raises no reminder.
  auto draft = As(officer, "POST", "/api/v1/aup/policies/" + Str(JsonOf(visitors)["id"]) + "/versions",
                  {{"body", "draft"}, {"effective_on", "2019-01-01"}, {"review_on", "2019-06-01"}});
  ASSERT_EQ(draft.status, 201);

  auto reminders = JsonOf(As(officer, "GET", "/api/v1/aup/reminders"));
  ASSERT_EQ(reminders.size(), 1u) << reminders.dump();
  EXPECT_EQ(reminders[0]["policy_id"], overdue_pid);
  EXPECT_EQ(reminders[0]["review_on"], "2020-06-01");
  EXPECT_TRUE(JsonOf(As(SignIn("riverside.eslo"), "GET", "/api/v1/aup/reminders")).empty());
  EXPECT_EQ(JsonOf(As(SignIn("lead"), "GET", "/api/v1/aup/reminders")).size(), 1u);

  auto staff = SignIn("library.staff");
  auto list = JsonOf(As(staff, "GET", "/api/v1/aup/policies"));
  ASSERT_EQ(list.size(), 2u);
  EXPECT_TRUE(list[0]["review_overdue"].get<bool>() || list[1]["review_overdue"].get<bool>());
  auto one = JsonOf(As(staff, "GET", "/api/v1/aup/policies/" + std::to_string(overdue_pid)));
  ASSERT_EQ(one["versions"].size(), 1u);
  EXPECT_FALSE(one["versions"][0].contains("acceptances"));  // staff do not see who accepted
  EXPECT_EQ(As(staff, "POST", "/api/v1/aup/policies", {{"user_group", "parents"}, {"title", "x"}}).status, 403);
  EXPECT_EQ(As(staff, "POST", "/api/v1/aup/versions/" + std::to_string(overdue_vid) + "/retire").status, 403);
  // The visitors' policy is accepted on paper, not by a staff account.
  EXPECT_EQ(As(staff, "POST", "/api/v1/aup/versions/" + Str(JsonOf(vv)["id"]) + "/accept").status, 409);
  ASSERT_EQ(As(staff, "POST", "/api/v1/aup/versions/" + std::to_string(overdue_vid) + "/accept").status, 201);
  list = JsonOf(As(staff, "GET", "/api/v1/aup/policies"));
  for (const auto& p : list) EXPECT_EQ(p["accepted_by_me"].get<bool>(), p["id"] == overdue_pid) << p.dump();
}

TEST_F(AupRoutes, RetentionDueListHoldsAndConfirmationsThroughTheApi) {
  auto officer = SignIn("library.eslo");
  auto disclosure = [&](const std::string& reference) {
    auto r = As(officer, "POST", "/api/v1/disclosures",
                {{"requesting_body", "County Police"}, {"investigating_officer", "DC Lee"},
                 {"authorising_officer", "Supt Grant"}, {"notice_reference", reference},
                 {"requested_data", "Subscriber details"}, {"received_on", "2020-01-06"}, {"deadline", "2020-01-20"},
                 {"handler_user_ids", Json::array({1})}});
    EXPECT_EQ(r.status, 201) << r.body;
    return JsonOf(r)["id"].get<int64_t>();
  };
  int64_t old_request = disclosure("RIPA/2020/001");  // received 2020: past the 24-month default
  int64_t held_request = disclosure("RIPA/2020/002");

  auto admin = SignIn("admin");
  EXPECT_EQ(As(officer, "GET", "/api/v1/retention/due").status, 403);
  EXPECT_EQ(As(SignIn("lead"), "GET", "/api/v1/retention/schedule").status, 403);
  auto schedule = JsonOf(As(admin, "GET", "/api/v1/retention/schedule"));
  std::set<std::string> types;
  for (const auto& s : schedule) types.insert(s["record_type"]);
  EXPECT_TRUE(types.count("aup_acceptance") && types.count("audit_returns")) << schedule.dump();
  auto set = As(admin, "PUT", "/api/v1/retention/schedule", {{"record_type", "aup_acceptance"}, {"months", 0}});
  EXPECT_EQ(JsonOf(set)["field"], "months");
  ASSERT_EQ(As(admin, "PUT", "/api/v1/retention/schedule", {{"record_type", "aup_acceptance"}, {"months", 36}}).status, 200);

  auto hold = As(admin, "POST", "/api/v1/retention/holds",
                 {{"record_type", "disclosure_request"}, {"record_id", held_request}, {"reason", "trial pending"}});
  ASSERT_EQ(hold.status, 201) << hold.body;
  auto due = JsonOf(As(admin, "GET", "/api/v1/retention/due"));
  ASSERT_EQ(due["due"].size(), 1u) << due.dump();
  EXPECT_EQ(due["due"][0]["record_id"], old_request);
  ASSERT_EQ(due["held"].size(), 1u);
  EXPECT_EQ(due["held"][0]["record_id"], held_request);

  // The daily run records how many were due.
  auto run = As(admin, "POST", "/api/v1/retention/runs");
  ASSERT_EQ(run.status, 201) << run.body;
  EXPECT_EQ(JsonOf(run)["due"], 1);
  EXPECT_EQ(JsonOf(run)["held"], 1);
  EXPECT_EQ(JsonOf(As(admin, "GET", "/api/v1/retention/runs")).size(), 1u);

  Json confirm = {{"record_type", "disclosure_request"}, {"record_id", held_request}, {"action", "delete"},
                  {"note", "two years after receipt"}};
  EXPECT_EQ(As(admin, "POST", "/api/v1/retention/confirm", confirm).status, 409);
  confirm["record_id"] = old_request;
  confirm.erase("note");
  EXPECT_EQ(JsonOf(As(admin, "POST", "/api/v1/retention/confirm", confirm))["field"], "note");
  confirm["note"] = "two years after receipt";
  auto done = As(admin, "POST", "/api/v1/retention/confirm", confirm);
  ASSERT_EQ(done.status, 201) << done.body;
  EXPECT_EQ(JsonOf(done)["action"], "deleted");
  EXPECT_EQ(As(admin, "GET", "/api/v1/disclosures/" + std::to_string(old_request)).status, 404);
  auto actions = JsonOf(As(admin, "GET", "/api/v1/retention/actions"));
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(actions[0]["done_by"], "admin");
  EXPECT_EQ(actions[0]["note"], "two years after receipt");

  // Lifting the hold puts the record back on the list; deferring it is recorded with the reason.
  auto released = As(admin, "POST", "/api/v1/retention/holds/" + Str(JsonOf(hold)["id"]) + "/release",
                     {{"reason", "trial over"}});
  ASSERT_EQ(released.status, 200) << released.body;
  due = JsonOf(As(admin, "GET", "/api/v1/retention/due"));
  ASSERT_EQ(due["due"].size(), 1u);
  EXPECT_EQ(due["due"][0]["record_id"], held_request);
  auto deferred = As(admin, "POST", "/api/v1/retention/confirm",
                     {{"record_type", "disclosure_request"}, {"record_id", held_request}, {"action", "extend"},
                      {"months", 6}, {"note", "appeal possible"}});
  ASSERT_EQ(deferred.status, 201) << deferred.body;
  EXPECT_EQ(JsonOf(deferred)["action"], "extended");
  EXPECT_TRUE(JsonOf(As(admin, "GET", "/api/v1/retention/due"))["due"].empty());
}

TEST_F(AupRoutes, SubjectAccessExportHoldsThePersonsRecordsAndIsAudited) {
  auto officer = SignIn("library.eslo");
  auto admin = SignIn("admin");
  // Training attended, an AUP accepted, an incident reported, a disclosure request naming her.
  auto course = As(admin, "POST", "/api/v1/training/courses", {{"title", "Thinkuknow"}, {"provider", "CEOP"}});
  ASSERT_EQ(course.status, 201);
  auto session = As(officer, "POST", "/api/v1/training/sessions",
                    {{"course_id", JsonOf(course)["id"]}, {"held_on", "2025-05-01"}});
  ASSERT_EQ(session.status, 201);
  ASSERT_EQ(As(officer, "POST", "/api/v1/training/sessions/" + Str(JsonOf(session)["id"]) + "/attendance",
               {{"person_id", kHelenPrice}}).status, 201);
  auto [pid, vid] = PublishedStaffPolicy(officer);
  ASSERT_EQ(As(officer, "POST", "/api/v1/aup/versions/" + std::to_string(vid) + "/accept").status, 201);
  (void)pid;
  auto inserted = tdb.db().Transaction<int64_t>([](store::Connection& c) -> Result<int64_t> {
    ESAFE_TRY(c.Execute("INSERT INTO incidents (agency_id, status, reported_at, reported_by, reported_by_user_id, "
                        "how_identified, category, description, created_at, updated_at) VALUES (3, 'open', "
                        "'2026-01-05T10:00:00Z', 'Helen Price', 2, 'disclosure', 'cyberbullying', 'Messages sent', "
                        "'2026-01-05T10:00:00Z', '2026-01-05T10:00:00Z')"));
    auto row = c.QueryOne("SELECT MAX(id) AS id FROM incidents", {}, "incident");
    if (!row.ok()) return row.error();
    ESAFE_TRY(c.Execute("INSERT INTO incident_people (incident_id, role, reference, name, created_at) "
                        "VALUES (?, 'child', 'LIB-C-17', 'Jordan Example', '2026-01-05T10:00:00Z')",
                        {row->Int("id")}));
    return row->Int("id");
  });
  ASSERT_TRUE(inserted.ok()) << inserted.error().message;
  auto request = As(officer, "POST", "/api/v1/disclosures",
                    {{"requesting_body", "County Police"}, {"investigating_officer", "DC Lee"},
                     {"authorising_officer", "Supt Grant"}, {"notice_reference", "RIPA/2026/050"},
                     {"requested_data", "Sessions of the staff login of Helen Price on 2026-01-04"},
                     {"received_on", "2026-01-06"}, {"deadline", "2026-01-20"}});
  ASSERT_EQ(request.status, 201);

  auto exported = As(admin, "GET", "/api/v1/subject-access?person_id=" + std::to_string(kHelenPrice));
  ASSERT_EQ(exported.status, 200) << exported.body;
  bool attachment = false;
  for (const auto& [k, v] : exported.headers) attachment = attachment || (k == "Content-Disposition" && v.find("attachment") == 0);
  EXPECT_TRUE(attachment);
  Json doc = JsonOf(exported);
  EXPECT_EQ(doc["person"]["full_name"], "Helen Price");
  ASSERT_EQ(doc["training_attendance"].size(), 1u);
  EXPECT_EQ(doc["training_attendance"][0]["course"], "Thinkuknow");
  ASSERT_EQ(doc["aup_acceptances"].size(), 1u);
  EXPECT_EQ(doc["aup_acceptances"][0]["method"], "online");
  ASSERT_EQ(doc["incidents"].size(), 1u);  // she reported it
  EXPECT_EQ(doc["incidents"][0]["id"], *inserted);
  ASSERT_EQ(doc["disclosure_requests"].size(), 1u);
  EXPECT_EQ(doc["disclosure_requests"][0]["notice_reference"], "RIPA/2026/050");

  // By the account: the account (never its password hash) and the incident it reported.
  Json by_account = JsonOf(As(admin, "GET", "/api/v1/subject-access?user_id=2"));
  EXPECT_EQ(by_account["account"]["username"], "library.eslo");
  EXPECT_FALSE(by_account["account"].contains("password_hash"));
  EXPECT_EQ(by_account["incidents"].size(), 1u);
  EXPECT_FALSE(by_account["audit_events"].empty());
  // By a child's pseudonymous reference: the incident with the people recorded on it.
  Json by_reference = JsonOf(As(admin, "GET", "/api/v1/subject-access?reference=LIB-C-17"));
  ASSERT_EQ(by_reference["incidents"].size(), 1u);
  EXPECT_EQ(by_reference["incidents"][0]["people"][0]["reference"], "LIB-C-17");
  // Issue 19 finding 4: the child's name, hidden by every route outside the library, is not
  // in the partnership's export either; the export says where it is held.
  EXPECT_FALSE(by_reference["incidents"][0]["people"][0].contains("name"));
  EXPECT_EQ(by_reference.dump().find("Jordan Example"), std::string::npos);
  EXPECT_TRUE(by_reference["incidents"][0].contains("names_withheld"));
  auto lead_export = As(SignIn("lead"), "GET", "/api/v1/subject-access?reference=LIB-C-17");
  ASSERT_EQ(lead_export.status, 200);
  EXPECT_EQ(lead_export.body.find("Jordan Example"), std::string::npos);
  EXPECT_TRUE(by_reference["training_attendance"].empty());

  // Only the partnership's admin and lead make exports; the lead's leaves disclosure requests out.
  EXPECT_EQ(As(SignIn("riverside.eslo"), "GET", "/api/v1/subject-access?person_id=4").status, 403);
  EXPECT_EQ(As(officer, "GET", "/api/v1/subject-access?person_id=4").status, 403);
  EXPECT_EQ(As(SignIn("board"), "GET", "/api/v1/subject-access?person_id=4").status, 403);
  auto lead = As(SignIn("lead"), "GET", "/api/v1/subject-access?person_id=4");
  ASSERT_EQ(lead.status, 200);
  EXPECT_TRUE(JsonOf(lead)["disclosure_requests"].is_null());
  EXPECT_EQ(JsonOf(As(admin, "GET", "/api/v1/subject-access"))["field"], "person_id");
  EXPECT_EQ(As(admin, "GET", "/api/v1/subject-access?person_id=999").status, 404);

  // Each export is in the audit trail.
  auto audit = JsonOf(As(admin, "GET", "/api/v1/audit-events?action=subject_access"));
  int about_helen = 0;
  for (const auto& e : audit) {
    if (e["entity"] == "person" && e["entity_id"] == kHelenPrice) ++about_helen;
  }
  EXPECT_EQ(about_helen, 2);  // the admin's and the lead's
}

TEST_F(AupRoutes, EveryNewRouteIsInTheOpenApiDocument) {
  Json doc = app->OpenApi();
  int routes = 0;
  for (const auto& r : app->routes()) {
    if (r.pattern.find("/aup/") == std::string::npos && r.pattern.find("/retention/") == std::string::npos &&
        r.pattern.find("/subject-access") == std::string::npos) continue;
    ++routes;
    std::string method;
    for (char c : r.method) method += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_TRUE(doc["paths"].contains(r.pattern) && doc["paths"][r.pattern].contains(method)) << r.method << " " << r.pattern;
  }
  EXPECT_EQ(routes, 21);
}

}  // namespace
}  // namespace esafe::web
