// Review requests from the block page and their decision: validation and rate limit of
// the public submission, site and agency resolved from the client address, officers'
// scoping, approval writing an audited override version, declining, the mandatory-list
// refusal, and the override version changing what the policy decides.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include "directory/directory.h"
#include "enforce/override_versions.h"
#include "enforce/review_requests.h"
#include "enforce/test_policy.h"
#include "filter/mandatory_lists.h"
#include "filter/url_hash.h"
#include "support/test_database.h"

namespace esafe::enforce {
namespace {

namespace fs = std::filesystem;

// The demo partnership: the County Library Service is agency 3, its Central Library
// (site 4) holds 10.20.1.0/24, its officer is account 2; Riverside Primary is agency 1.
constexpr int64_t kLibrary = 3;
constexpr int64_t kCentralLibrary = 4;
constexpr int64_t kSchool = 1;

access::Principal Admin() {
  access::Principal p;
  p.user_id = 1;
  p.username = "admin";
  p.role = access::Role::kPartnershipAdmin;
  return p;
}

access::Principal Officer(int64_t agency) {
  access::Principal p;
  p.user_id = 2;
  p.username = "library.eslo";
  p.role = access::Role::kAgencyOfficer;
  p.agency_id = agency;
  return p;
}

access::Principal Staff(int64_t agency) {
  access::Principal p = Officer(agency);
  p.role = access::Role::kAgencyStaff;
  return p;
}

// Mandatory lists: a hashed URL and a domain, in files as the profiles file names them.
std::shared_ptr<const filter::MandatoryLists> TestMandatory(const fs::path& dir) {
  fs::create_directories(dir);
  std::ofstream(dir / "iwf.hashes") << filter::DigestToHex(filter::Sha256("hidden.example/abuse")) << "\n";
  std::ofstream(dir / "iwf.domains") << "illegal.example\n";
  std::ofstream(dir / "profiles.yaml") << "version: \"t\"\ndefault_profile: p\nmandatory:\n"
                                          "  - {category: iwf, file: iwf.hashes, format: hashes}\n"
                                          "  - {category: iwf_domains, file: iwf.domains, format: domains}\n"
                                          "profiles:\n  - name: p\n";
  auto lists = filter::MandatoryLists::Load(dir / "profiles.yaml");
  EXPECT_TRUE(lists.ok()) << (lists.ok() ? "" : lists.error().message);
  return lists.ok() ? *lists : nullptr;
}

class ReviewRequestsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(directory::LoadDemo(tdb.db(), "review-test-password-1").ok());
    dir = fs::temp_directory_path() / ("esafe-review-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    mandatory = TestMandatory(dir);
  }
  void TearDown() override { fs::remove_all(dir); }

  ReviewRequests requests() { return ReviewRequests(tdb.db(), mandatory); }

  Json Submit(const std::string& url, const std::string& ip = "10.20.1.5") {
    auto r = requests().SubmitFromBlockPage(
        {{"url", url}, {"category", "adult"}, {"profile", "primary"}, {"reason", "category"},
         {"list_version", "2026.1/3f9c0a1b2d4e/lists-8a41c07e5b2f9d13/overrides-7"},
         {"note", "for my project\non rivers"},
         {"contact", "pupil@example.org"}},
        ip);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : Json();
  }

  int64_t IdOf(const Json& status) {
    auto listed = requests().List(Admin(), std::nullopt);
    for (const auto& r : *listed) {
      if (r["url"] == status["url"]) return r["id"];
    }
    ADD_FAILURE() << "request not listed";
    return 0;
  }

  int64_t Count(const std::string& sql, const std::vector<store::Value>& params = {}) {
    auto n = tdb.db().Read<int64_t>([&](store::Connection& c) -> Result<int64_t> {
      auto row = c.QueryOne(sql, params, "count");
      if (!row) return row.error();
      return row->Int("n");
    });
    EXPECT_TRUE(n.ok());
    return n.ok() ? *n : -1;
  }

  esafe::testing::TestDatabase tdb;
  fs::path dir;
  std::shared_ptr<const filter::MandatoryLists> mandatory;
};

TEST_F(ReviewRequestsTest, SubmissionResolvesSiteFromAddressAndShowsRequesterOnlyStatus) {
  Json status = Submit("HTTP://Adult.Example/a/../pics");
  EXPECT_EQ(status["status"], "pending");
  EXPECT_EQ(status["url"], "http://adult.example/pics");
  EXPECT_EQ(status["reference"].get<std::string>().size(), 16u);
  EXPECT_FALSE(status.contains("note"));
  EXPECT_FALSE(status.contains("contact"));

  auto again = requests().Status(status["reference"].get<std::string>());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, status);
  EXPECT_EQ(requests().Status("not-a-reference!").error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(requests().Status("AAAAAAAAAAAAAAAA").error().kind, ErrorKind::kNotFound);

  auto listed = requests().List(Officer(kLibrary), std::string("pending"));
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  const Json& r = (*listed)[0];
  EXPECT_EQ(r["agency_id"], kLibrary);
  EXPECT_EQ(r["site_id"], kCentralLibrary);
  EXPECT_EQ(r["site"], "Central Library");
  EXPECT_EQ(r["category"], "adult");
  EXPECT_EQ(r["profile"], "primary");
  EXPECT_EQ(r["list_version"], "2026.1/3f9c0a1b2d4e/lists-8a41c07e5b2f9d13/overrides-7");
  EXPECT_EQ(r["note"], "for my project\non rivers");
  EXPECT_EQ(r["contact"], "pupil@example.org");
  EXPECT_EQ(r["client_ip"], "10.20.1.5");
  // The read of people's notes is audited.
  EXPECT_EQ(Count("SELECT COUNT(*) AS n FROM audit_events WHERE entity = 'filter_review_request' AND action = 'list'"), 1);
}

TEST_F(ReviewRequestsTest, AnAddressInNoSiteGoesToThePartnership) {
  Submit("http://adult.example/", "192.0.2.7");
  auto officer = requests().List(Officer(kLibrary), std::nullopt);
  ASSERT_TRUE(officer.ok());
  EXPECT_TRUE(officer->empty());
  auto admin = requests().List(Admin(), std::nullopt);
  ASSERT_TRUE(admin.ok());
  ASSERT_EQ(admin->size(), 1u);
  EXPECT_TRUE((*admin)[0]["agency_id"].is_null());
  // The admin must say which agency's filtering changes.
  const int64_t id = (*admin)[0]["id"];
  auto no_agency = requests().Approve(Admin(), id, {{"reason", "fine"}});
  ASSERT_FALSE(no_agency.ok());
  EXPECT_EQ(no_agency.error().field, "agency_id");
  auto approved = requests().Approve(Admin(), id, {{"reason", "fine"}, {"agency_id", kLibrary}});
  ASSERT_TRUE(approved.ok()) << approved.error().message;
  EXPECT_EQ((*approved)["agency_id"], kLibrary);
}

TEST_F(ReviewRequestsTest, BadInputIsRefusedWithTheField) {
  auto submit = [&](const Json& body) { return requests().SubmitFromBlockPage(body, "10.20.1.5"); };
  struct Case {
    Json body;
    std::string field;
    ErrorKind kind = ErrorKind::kInvalid;
  };
  const std::vector<Case> cases = {
      {Json::object(), "url"},
      {{{"url", ""}}, "url"},
      {{{"url", 42}}, "url"},
      {{{"url", "ftp://files.example/x"}}, "url"},
      {{{"url", "http://"}}, "url"},
      {{{"url", "http://a.example/" + std::string(3000, 'a')}}, "url", ErrorKind::kTooLarge},
      {{{"url", "http://a.example/"}, {"note", std::string(1001, 'x')}}, "note", ErrorKind::kTooLarge},
      {{{"url", "http://a.example/"}, {"contact", "a\x01b"}}, "contact"},
      {{{"url", "http://a.example/"}, {"contact", "line\nbreak"}}, "contact"},
      {{{"url", "http://a.example/"}, {"note", "\xff\xfe"}}, "note"},
      {{{"url", "http://a.example/"}, {"category", std::string(101, 'c')}}, "category", ErrorKind::kTooLarge},
      {{{"url", "http://a.example/"}, {"status", "approved"}}, "status"},
      {{{"url", "http://a.example/"}, {"agency_id", kSchool}}, "agency_id"},
  };
  for (const auto& c : cases) {
    auto r = submit(c.body);
    ASSERT_FALSE(r.ok()) << c.body.dump(-1, ' ', false, Json::error_handler_t::replace);
    EXPECT_EQ(r.error().kind, c.kind) << c.body.dump(-1, ' ', false, Json::error_handler_t::replace);
    EXPECT_EQ(r.error().field, c.field) << c.body.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  EXPECT_EQ(Count("SELECT COUNT(*) AS n FROM filter_review_requests"), 0);
}

TEST_F(ReviewRequestsTest, EachAddressMayAskOnlyTenTimesAnHour) {
  for (int i = 0; i < 10; ++i) Submit("http://adult.example/" + std::to_string(i));
  auto eleventh = requests().SubmitFromBlockPage({{"url", "http://adult.example/x"}}, "10.20.1.5");
  ASSERT_FALSE(eleventh.ok());
  EXPECT_EQ(eleventh.error().kind, ErrorKind::kThrottled);
  // Another computer is not held up.
  Submit("http://adult.example/x", "10.20.1.6");
}

TEST_F(ReviewRequestsTest, MandatoryAddressesAreNeverStored) {
  for (const char* url : {"http://hidden.example/abuse", "http://www.illegal.example/any", "http://ILLEGAL.example./"}) {
    auto r = requests().SubmitFromBlockPage({{"url", url}}, "10.20.1.5");
    ASSERT_FALSE(r.ok()) << url;
    EXPECT_EQ(r.error().field, "url");
    EXPECT_NE(r.error().message.find("illegal content"), std::string::npos);
  }
  auto by_reason = requests().SubmitFromBlockPage({{"url", "http://other.example/"}, {"reason", "mandatory list"}},
                                                  "10.20.1.5");
  EXPECT_FALSE(by_reason.ok());
  auto staff = requests().SubmitAsStaff(Staff(kLibrary), {{"kind", "unblock"}, {"url", "http://illegal.example/"}});
  EXPECT_FALSE(staff.ok());
  EXPECT_EQ(Count("SELECT COUNT(*) AS n FROM filter_review_requests"), 0);
}

TEST_F(ReviewRequestsTest, ApprovalWritesAnAuditedOverrideVersion) {
  Json status = Submit("http://adult.example/pics/1");
  const int64_t id = IdOf(status);
  auto approved = requests().Approve(Officer(kLibrary), id, {{"reason", "Art history coursework"}});
  ASSERT_TRUE(approved.ok()) << approved.error().message;
  EXPECT_EQ((*approved)["status"], "approved");
  EXPECT_EQ((*approved)["entry"], "adult.example/pics/1");
  EXPECT_EQ((*approved)["override_version"], 1);
  EXPECT_EQ((*approved)["decided_by"], "library.eslo");

  auto seen = requests().Status(status["reference"].get<std::string>());
  ASSERT_TRUE(seen.ok());
  EXPECT_EQ((*seen)["status"], "approved");
  EXPECT_EQ((*seen)["decision_reason"], "Art history coursework");

  auto set = LoadOverrideSet(tdb.db());
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->version, 1);
  ASSERT_EQ(set->agencies.count(kLibrary), 1u);
  EXPECT_EQ(set->agencies.at(kLibrary).allow, std::vector<std::string>{"adult.example/pics/1"});
  EXPECT_EQ(CurrentOverrideVersion(tdb.db()).value(), 1);

  EXPECT_EQ(Count("SELECT COUNT(*) AS n FROM audit_events WHERE entity = 'filter_override_version' AND "
                  "action = 'create' AND entity_id = 1 AND username = 'library.eslo' AND summary LIKE ?",
                  {std::string("%allow adult.example/pics/1 (Art history coursework)%")}),
            1);
  EXPECT_EQ(Count("SELECT COUNT(*) AS n FROM audit_events WHERE entity = 'filter_review_request' AND "
                  "action = 'approve' AND entity_id = ?",
                  {id}),
            1);

  auto origin = FindOverrideOrigin(tdb.db(), kLibrary, "adult.example/pics/1");
  ASSERT_TRUE(origin.ok());
  ASSERT_TRUE(origin->has_value());
  EXPECT_EQ((*origin)->version, 1);
  EXPECT_EQ((*origin)->created_by, "library.eslo");
  EXPECT_EQ((*origin)->request_id, id);

  // Decided once only.
  auto twice = requests().Approve(Officer(kLibrary), id, {{"reason", "again"}});
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().kind, ErrorKind::kConflict);
  auto decline = requests().Decline(Officer(kLibrary), id, {{"reason", "changed my mind"}});
  EXPECT_EQ(decline.error().kind, ErrorKind::kConflict);
}

// The list used to stop at 500 without a word (issue 19, finding 3): 501 requests are
// all listed, and walking pages of 200 gives each once, newest first.
TEST_F(ReviewRequestsTest, EveryRequestIsListedPageByPage) {
  for (int i = 0; i < 501; ++i) {
    auto r = requests().SubmitFromBlockPage({{"url", "http://adult.example/" + std::to_string(i)}},
                                            "10.30." + std::to_string(i / 10) + ".1");
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  auto all = requests().List(Admin(), std::nullopt);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 501u);
  std::vector<int64_t> walked;
  store::PageQuery page{.limit = 200, .after = nullptr};
  for (int pages = 0; pages < 10; ++pages) {
    auto read = requests().ListPage(Admin(), std::nullopt, page);
    ASSERT_TRUE(read.ok()) << read.error().message;
    for (const auto& item : read->items) walked.push_back(item["id"].get<int64_t>());
    if (read->next.is_null()) break;
    page.after = read->next;
  }
  ASSERT_EQ(walked.size(), 501u);
  EXPECT_TRUE(std::is_sorted(walked.rbegin(), walked.rend()));
  EXPECT_EQ(std::set<int64_t>(walked.begin(), walked.end()).size(), 501u);
}

TEST_F(ReviewRequestsTest, VersionsKeepEveryStateAndAreAppendOnly) {
  const int64_t first = IdOf(Submit("http://adult.example/a"));
  ASSERT_TRUE(requests().Approve(Officer(kLibrary), first, {{"reason", "one"}}).ok());
  const int64_t second = IdOf(Submit("http://www.games.example/play"));
  ASSERT_TRUE(requests().Approve(Officer(kLibrary), second, {{"reason", "two"}, {"scope", "domain"}}).ok());
  auto blocked = requests().SubmitAsStaff(Staff(kLibrary), {{"kind", "block"}, {"url", "http://adult.example/a"},
                                                            {"note", "on second thoughts"}});
  ASSERT_TRUE(blocked.ok()) << blocked.error().message;
  EXPECT_EQ((*blocked)["requested_by"], "library.eslo");
  ASSERT_TRUE(requests().Approve(Officer(kLibrary), (*blocked)["id"], {{"reason", "three"}}).ok());

  auto set = LoadOverrideSet(tdb.db());
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->version, 3);
  EXPECT_EQ(set->agencies.at(kLibrary).allow, std::vector<std::string>{"www.games.example"});
  EXPECT_EQ(set->agencies.at(kLibrary).block, std::vector<std::string>{"adult.example/a"});
  // Version 2 is still there as it was.
  EXPECT_EQ(Count("SELECT COUNT(*) AS n FROM filter_override_entries WHERE version = 2"), 2);
  auto versions = ListOverrideVersions(tdb.db(), Officer(kLibrary), std::nullopt);
  ASSERT_TRUE(versions.ok());
  ASSERT_EQ(versions->size(), 3u);
  EXPECT_EQ((*versions)[0]["change"], "block adult.example/a");
  EXPECT_EQ((*versions)[2]["reason"], "one");
  EXPECT_EQ(ListOverrideVersions(tdb.db(), Officer(kSchool), kLibrary).error().kind, ErrorKind::kForbidden);
  EXPECT_EQ(ListOverrideVersions(tdb.db(), Staff(kLibrary), std::nullopt).error().kind, ErrorKind::kForbidden);

  auto changed = tdb.db().Transaction<int64_t>([](store::Connection& c) {
    return c.Execute("UPDATE filter_override_entries SET entry = 'x.example' WHERE version = 1");
  });
  EXPECT_FALSE(changed.ok());
  auto removed = tdb.db().Transaction<int64_t>([](store::Connection& c) {
    return c.Execute("DELETE FROM filter_override_versions WHERE version = 1");
  });
  EXPECT_FALSE(removed.ok());
}

TEST_F(ReviewRequestsTest, OfficersAreScopedToTheirAgency) {
  const int64_t id = IdOf(Submit("http://adult.example/"));
  auto other = requests().List(Officer(kSchool), std::nullopt);
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->empty());
  EXPECT_EQ(requests().Approve(Officer(kSchool), id, {{"reason", "x"}}).error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(requests().Decline(Officer(kSchool), id, {{"reason", "x"}}).error().kind, ErrorKind::kNotFound);
  // Staff of the agency see the request only if they made it, and cannot decide it.
  auto staff = requests().List(Staff(kLibrary), std::nullopt);
  ASSERT_TRUE(staff.ok());
  EXPECT_TRUE(staff->empty());
  EXPECT_EQ(requests().Approve(Staff(kLibrary), id, {{"reason", "x"}}).error().kind, ErrorKind::kForbidden);
  access::Principal board = Admin();
  board.role = access::Role::kBoardMember;
  EXPECT_EQ(requests().List(board, std::nullopt).error().kind, ErrorKind::kForbidden);
  EXPECT_EQ(requests().List(Admin(), std::string("maybe")).error().field, "status");
  EXPECT_EQ(Count("SELECT COUNT(*) AS n FROM filter_override_versions"), 0);
}

TEST_F(ReviewRequestsTest, DeclineNeedsAReasonAndTellsTheRequester) {
  Json status = Submit("http://adult.example/");
  const int64_t id = IdOf(status);
  EXPECT_EQ(requests().Decline(Officer(kLibrary), id, Json::object()).error().field, "reason");
  EXPECT_EQ(requests().Approve(Officer(kLibrary), id, {{"reason", " "}}).error().field, "reason");
  EXPECT_EQ(requests().Approve(Officer(kLibrary), id, {{"reason", "ok"}, {"scope", "all"}}).error().field, "scope");
  auto declined = requests().Decline(Officer(kLibrary), id, {{"reason", "This site shows adult content."}});
  ASSERT_TRUE(declined.ok());
  auto seen = requests().Status(status["reference"].get<std::string>());
  EXPECT_EQ((*seen)["status"], "declined");
  EXPECT_EQ((*seen)["decision_reason"], "This site shows adult content.");
  EXPECT_EQ(Count("SELECT COUNT(*) AS n FROM filter_override_versions"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'decline' AND entity_id = ?", {id}), 1);
}

TEST_F(ReviewRequestsTest, AMandatoryAddressIsNeverApproved) {
  // A request stored before the address joined the mandatory list, or with the lists
  // missing from this server: approval is refused either way.
  ASSERT_TRUE(tdb.db()
                  .Transaction<int64_t>([](store::Connection& c) {
                    return c.Execute(
                        "INSERT INTO filter_review_requests (reference, kind, url, agency_id, status, created_at, "
                        "updated_at) VALUES ('AAAAAAAAAAAAAAAA', 'unblock', 'http://sub.illegal.example/x', 3, "
                        "'pending', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')");
                  })
                  .ok());
  auto listed = requests().List(Admin(), std::nullopt);
  const int64_t id = (*listed)[0]["id"];
  auto refused = requests().Approve(Admin(), id, {{"reason", "please"}, {"scope", "domain"}});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().field, "url");
  EXPECT_NE(refused.error().message.find("can never be allowed"), std::string::npos);

  const int64_t ordinary = IdOf(Submit("http://adult.example/"));
  auto without_lists = ReviewRequests(tdb.db(), nullptr).Approve(Admin(), ordinary, {{"reason", "ok"}});
  ASSERT_FALSE(without_lists.ok());
  EXPECT_NE(without_lists.error().message.find("mandatory lists are not loaded"), std::string::npos);
  EXPECT_EQ(Count("SELECT COUNT(*) AS n FROM filter_override_versions"), 0);
  EXPECT_EQ((*requests().List(Admin(), std::string("pending"))).size(), 2u);
}

// The override version merged into the profiles changes the decision for the agency's
// clients only, and never opens a mandatory list.
TEST_F(ReviewRequestsTest, AnApprovedOverrideLetsTheUrlPassForTheAgency) {
  const int64_t id = IdOf(Submit("http://adult.example/pics"));
  ASSERT_TRUE(requests().Approve(Officer(kLibrary), id, {{"reason", "ok"}}).ok());
  // Even written straight to the database, an allow of a mandatory domain opens nothing.
  access::Principal admin = Admin();
  ASSERT_TRUE(tdb.db()
                  .Transaction<int64_t>([&](store::Connection& c) {
                    return AddOverrideVersion(c, admin, {kLibrary, filter::Action::kAllow, "illegal.example", {}, "t"});
                  })
                  .ok());
  auto overrides = LoadOverrideSet(tdb.db());
  ASSERT_TRUE(overrides.ok());

  std::vector<filter::ProfileProblem> problems;
  auto set = filter::ParseProfileSet(enforce::testing::kProfilesYaml, "/test/profiles.yaml", problems);
  ASSERT_TRUE(set.ok());
  MergeOverrides(*overrides, *set);
  filter::ListSnapshotBuilder builder;
  filter::LoadReport report;
  ASSERT_TRUE(filter::LoadListText("adult.example\n", "adult", "adult", filter::ListFormat::kDomains, builder, report).ok());
  for (const char* category : {"gambling", "games", "chat", "iwf"}) builder.Category(category);
  ASSERT_TRUE(filter::LoadListText("illegal.example\n", "iwf_domains", "iwf_domains", filter::ListFormat::kDomains,
                                   builder, report)
                  .ok());
  auto state = filter::BuildPolicyState(std::make_shared<const filter::ProfileSet>(std::move(*set)), builder, problems);
  ASSERT_TRUE(state.ok()) << state.error().message;
  EXPECT_NE((*state)->Version().find("/overrides-2"), std::string::npos);
  const filter::PolicyEngine engine(*state);
  const filter::LocalTime at{0, 8 * 60};
  auto library = engine.Decide("http://adult.example/pics/big.jpg", "primary", kLibrary, at);
  EXPECT_EQ(library->action, filter::Action::kAllow);
  EXPECT_EQ(library->reason, filter::DecisionReason::kOverride);
  EXPECT_EQ(engine.Decide("http://adult.example/other", "primary", kLibrary, at)->action, filter::Action::kBlock);
  EXPECT_EQ(engine.Decide("http://adult.example/pics", "primary", kSchool, at)->action, filter::Action::kBlock);
  auto illegal = engine.Decide("http://illegal.example/", "primary", kLibrary, at);
  EXPECT_EQ(illegal->action, filter::Action::kBlock);
  EXPECT_TRUE(illegal->mandatory);
}

}  // namespace
}  // namespace esafe::enforce
