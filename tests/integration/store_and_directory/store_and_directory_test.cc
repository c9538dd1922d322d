// The integration suite that runs unchanged on SQLite and on a real
// PostgreSQL (ESAFE_TEST_DB): storage guarantees, the directory's rules, agency
// scoping, the audit trail and login throttling.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "access/access.h"
#include "directory/directory.h"
#include "support/test_database.h"

namespace esafe {
namespace {

using access::Principal;
using access::Role;
using directory::Directory;
using directory::Kind;

class Integration : public ::testing::Test {
 protected:
  testing::TestDatabase tdb;
  // Accessors, not references: Reopen replaces the Database object.
  store::Database& db() { return tdb.db(); }
  Directory dir() { return Directory(tdb.db()); }

  static Principal Who(Role role, std::optional<int64_t> agency = std::nullopt, int64_t user_id = 0) {
    Principal p;
    p.user_id = user_id;
    p.username = std::string(access::RoleName(role));
    p.role = role;
    p.agency_id = agency;
    p.ip = "127.0.0.1";
    return p;
  }
  Principal lead = Who(Role::kPartnershipLead);

  int64_t MakeAgency(const std::string& name) {
    auto r = dir().Create(Kind::kAgency, lead, {{"name", name}, {"sector", "education"}, {"membership_type", "board partner"}});
    EXPECT_TRUE(r.ok()) << r.error().message;
    return (*r)["id"].get<int64_t>();
  }
  int64_t MakeSite(int64_t agency, const std::string& name) {
    auto r = dir().Create(Kind::kSite, lead, {{"agency_id", agency}, {"name", name}, {"site_type", "school"}});
    EXPECT_TRUE(r.ok()) << r.error().message;
    return (*r)["id"].get<int64_t>();
  }
  int64_t MakePerson(int64_t agency, const std::string& name) {
    auto r = dir().Create(Kind::kPerson, lead,
                        {{"agency_id", agency}, {"full_name", name}, {"esafety_role", "none"}, {"subgroup_role", "none"}});
    EXPECT_TRUE(r.ok()) << r.error().message;
    return (*r)["id"].get<int64_t>();
  }
  int64_t Count(const std::string& sql, const std::vector<store::Value>& params = {}) {
    auto n = db().Read<int64_t>([&](store::Connection& c) -> Result<int64_t> {
      auto rows = c.Query(sql, params);
      if (!rows.ok()) return rows.error();
      return (*rows)[0].Int("n");
    });
    EXPECT_TRUE(n.ok()) << n.error().message;
    return n.ok() ? *n : -1;
  }
};

TEST_F(Integration, MigrationsApplyOnceAndSurviveReopen) {
  int64_t applied = Count("SELECT COUNT(*) AS n FROM schema_migrations");
  EXPECT_GE(applied, 4);
  MakeAgency("Oak School");
  tdb.Reopen();
  EXPECT_EQ(Count("SELECT COUNT(*) AS n FROM schema_migrations"), applied);
  EXPECT_EQ(Count("SELECT COUNT(*) AS n FROM agencies"), 1);
}

// A migration that lands after a later-numbered one was applied is still applied.
TEST_F(Integration, MigrationMissedOutOfOrderIsAppliedOnOpen) {
  auto undo = db().Transaction<int64_t>([](store::Connection& c) -> Result<int64_t> {
    ESAFE_TRY(c.ExecuteScript("DROP TABLE filter_site_profiles"));
    return c.Execute("DELETE FROM schema_migrations WHERE version = 3");
  });
  ASSERT_TRUE(undo.ok()) << undo.error().message;
  EXPECT_EQ(Count("SELECT COUNT(*) AS n FROM schema_migrations WHERE version = 3"), 0);
  tdb.Reopen();
  EXPECT_EQ(Count("SELECT COUNT(*) AS n FROM schema_migrations WHERE version = 3"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) AS n FROM filter_site_profiles"), 0);
}

TEST_F(Integration, FailedTransactionLeavesDatabaseAsBefore) {
  MakeAgency("Before");
  auto r = db().Transaction<int64_t>([&](store::Connection& c) -> Result<int64_t> {
    ESAFE_TRY(c.Execute(
        "INSERT INTO agencies (name, sector, membership_type, created_at, updated_at) VALUES ('Half', 'education', "
        "'board partner', 'x', 'x')"));
    return Error::Invalid("stop half-way");
  });
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(Count("SELECT COUNT(*) AS n FROM agencies"), 1);
}

TEST_F(Integration, ProcessKilledMidWriteLeavesDatabaseAsBefore) {
  MakeAgency("Survivor");
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // A fresh connection in the child: insert rows inside a transaction, then
    // die by SIGKILL before committing.
    auto db2 = store::Open(tdb.url());
    if (!db2.ok()) _exit(3);
    (void)(*db2)->Transaction<int64_t>([&](store::Connection& c) -> Result<int64_t> {
      for (int i = 0; i < 50; ++i) {
        (void)c.Execute(
            "INSERT INTO agencies (name, sector, membership_type, created_at, updated_at) VALUES (?, 'education', "
            "'board partner', 'x', 'x')",
            {"Lost " + std::to_string(i)});
      }
      raise(SIGKILL);
      return 0;
    });
    _exit(4);
  }
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  tdb.Reopen();
  EXPECT_EQ(Count("SELECT COUNT(*) AS n FROM agencies"), 1);
  // And the database is usable for writes afterwards.
  MakeAgency("After the crash");
  EXPECT_EQ(Count("SELECT COUNT(*) AS n FROM agencies"), 2);
}

TEST_F(Integration, DirectoryRecordsRoundTripWithRegisterFields) {
  int64_t agency = MakeAgency("County Library Service");
  int64_t site = MakeSite(agency, "Central Library");
  auto loc = dir().Create(Kind::kAccessLocation, lead,
                        {{"site_id", site}, {"name", "Children's PCs"}, {"access_type", "public access terminals"},
                         {"device_count", 6}, {"age_groups", {"5-11", "11-16"}}, {"equipment_owner", "agency"},
                         {"filtering_provider", "RBC"}, {"filtering_accredited", true}, {"monitoring_in_place", false},
                         {"last_reviewed", "2026-01-10"}});
  ASSERT_TRUE(loc.ok()) << loc.error().message;
  EXPECT_EQ((*loc)["agency_id"], agency);
  EXPECT_EQ((*loc)["agency_name"], "County Library Service");
  EXPECT_EQ((*loc)["site_name"], "Central Library");
  EXPECT_EQ((*loc)["age_groups"], Json({"5-11", "11-16"}));
  EXPECT_EQ((*loc)["filtering_accredited"], true);
  EXPECT_EQ((*loc)["monitoring_in_place"], false);

  auto updated = dir().Update(Kind::kAccessLocation, lead, (*loc)["id"], {{"monitoring_in_place", true}});
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  EXPECT_EQ((*updated)["monitoring_in_place"], true);
  EXPECT_EQ((*updated)["device_count"], 6);

  directory::ListQuery q;
  q.search = "children";
  auto found = dir().List(Kind::kAccessLocation, lead, q);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->size(), 1u);
  q.search = "100%_";
  EXPECT_EQ(dir().List(Kind::kAccessLocation, lead, q)->size(), 0u);
}

TEST_F(Integration, DuplicateNamesAndDependentDeletesAreConflicts) {
  int64_t agency = MakeAgency("Oak School");
  auto dup = dir().Create(Kind::kAgency, lead, {{"name", "OAK school"}, {"sector", "education"}, {"membership_type", "board partner"}});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().kind, ErrorKind::kConflict);
  EXPECT_EQ(dup.error().field, "name");
  MakeSite(agency, "Main");
  auto del = dir().Remove(Kind::kAgency, lead, agency);
  ASSERT_FALSE(del.ok());
  EXPECT_EQ(del.error().kind, ErrorKind::kConflict);
  EXPECT_EQ(Count("SELECT COUNT(*) AS n FROM agencies"), 1);
}

TEST_F(Integration, AgencyOfficerCannotReadOrChangeAnotherAgency) {
  int64_t mine = MakeAgency("Mine");
  int64_t theirs = MakeAgency("Theirs");
  int64_t their_site = MakeSite(theirs, "Their site");
  int64_t their_person = MakePerson(theirs, "Their Person");
  Principal officer = Who(Role::kAgencyOfficer, mine);

  EXPECT_EQ(dir().Get(Kind::kSite, officer, their_site).error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(dir().Get(Kind::kPerson, officer, their_person).error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(dir().Get(Kind::kAgency, officer, theirs).error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(dir().Update(Kind::kSite, officer, their_site, {{"name", "Mine now"}}).error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(dir().Remove(Kind::kPerson, officer, their_person).error().kind, ErrorKind::kNotFound);
  auto planted = dir().Create(Kind::kSite, officer, {{"agency_id", theirs}, {"name", "Planted"}, {"site_type", "school"}});
  ASSERT_FALSE(planted.ok());
  EXPECT_EQ(dir().List(Kind::kSite, officer, {})->size(), 0u);
  EXPECT_EQ(dir().List(Kind::kAgency, officer, {})->size(), 1u);
  directory::ListQuery q;
  q.agency_id = theirs;
  EXPECT_EQ(dir().List(Kind::kPerson, officer, q)->size(), 0u);
  // Their own agency works, with agency_id defaulting to it.
  auto own = dir().Create(Kind::kSite, officer, {{"name", "Our site"}, {"site_type", "library"}});
  ASSERT_TRUE(own.ok()) << own.error().message;
  EXPECT_EQ((*own)["agency_id"], mine);
  // Staff read their agency but change nothing.
  Principal staff = Who(Role::kAgencyStaff, mine);
  EXPECT_TRUE(dir().Get(Kind::kSite, staff, (*own)["id"]).ok());
  EXPECT_EQ(dir().Update(Kind::kSite, staff, (*own)["id"], {{"name", "x"}}).error().kind, ErrorKind::kForbidden);
  // Board members see aggregates only.
  Principal board = Who(Role::kBoardMember);
  EXPECT_FALSE(dir().List(Kind::kPerson, board, {}).ok());
  EXPECT_TRUE(dir().Summary(board).ok());
  // An officer's summary covers their own agency only.
  auto own_summary = dir().Summary(officer);
  ASSERT_TRUE(own_summary.ok()) << own_summary.error().message;
  EXPECT_EQ((*own_summary)["agencies"]["total"], 1);
  EXPECT_EQ((*own_summary)["sites_by_type"].value("school", 0), 0);
  EXPECT_EQ((*own_summary)["sites_by_type"].value("library", 0), 1);
  EXPECT_EQ((*dir().Summary(lead))["agencies"]["total"], 2);
}

TEST_F(Integration, EveryReadOfAPersonIsAudited) {
  int64_t agency = MakeAgency("Audited");
  int64_t person = MakePerson(agency, "Sam Example");
  Principal officer = Who(Role::kAgencyOfficer, agency, 42);
  ASSERT_TRUE(dir().Get(Kind::kPerson, officer, person).ok());
  ASSERT_TRUE(dir().Get(Kind::kPerson, officer, person).ok());
  EXPECT_EQ(Count("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'read' AND entity = 'person' AND "
                  "entity_id = ? AND user_id = 42",
                  {person}),
            2);
  ASSERT_TRUE(dir().List(Kind::kPerson, officer, {}).ok());
  EXPECT_EQ(Count("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'list' AND entity = 'person' AND user_id = 42"), 1);
}

TEST_F(Integration, AuditTrailIsAppendOnly) {
  MakeAgency("Anything");
  ASSERT_GT(Count("SELECT COUNT(*) AS n FROM audit_events"), 0);
  auto upd = db().Transaction<int64_t>(
      [](store::Connection& c) { return c.Execute("UPDATE audit_events SET summary = 'rewritten'"); });
  EXPECT_FALSE(upd.ok());
  auto del = db().Transaction<int64_t>([](store::Connection& c) { return c.Execute("DELETE FROM audit_events"); });
  EXPECT_FALSE(del.ok());
  EXPECT_EQ(Count("SELECT COUNT(*) AS n FROM audit_events WHERE summary = 'rewritten'"), 0);
}

TEST_F(Integration, CsvImportIsAllOrNothingWithLineNumbers) {
  MakeAgency("Oak School");
  std::string bad =
      "agency,name,site_type,address,postcode,ip_ranges,notes\n"
      "Oak School,Main building,school,,,10.0.0.0/24,\n"
      "Oak School,Annexe,spaceship,,,,\n"
      "Nowhere,Lost,school,,,,\n"
      "Oak School,Lab,school,,,999.1.1.1/8,\n";
  auto r = dir().ImportCsv(Kind::kSite, lead, bad);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->imported, 0);
  ASSERT_EQ(r->errors.size(), 3u);
  EXPECT_NE(r->errors[0].find("line 3"), std::string::npos) << r->errors[0];
  EXPECT_NE(r->errors[1].find("line 4"), std::string::npos) << r->errors[1];
  EXPECT_NE(r->errors[2].find("line 5"), std::string::npos) << r->errors[2];
  EXPECT_EQ(Count("SELECT COUNT(*) AS n FROM sites"), 0);

  std::string dup = "agency,name,site_type\nOak School,Main,school\nOak School,MAIN,school\n";
  auto d = dir().ImportCsv(Kind::kSite, lead, dup);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->imported, 0);
  ASSERT_EQ(d->errors.size(), 1u);
  EXPECT_NE(d->errors[0].find("line 3"), std::string::npos) << d->errors[0];
  EXPECT_EQ(Count("SELECT COUNT(*) AS n FROM sites"), 0);

  std::string good = "agency,name,site_type,ip_ranges\nOak School,Main,school,10.0.0.0/24;10.0.1.0/24\n";
  auto g = dir().ImportCsv(Kind::kSite, lead, good);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->imported, 1);
  EXPECT_TRUE(g->errors.empty());
  auto exported = dir().ExportCsv(Kind::kSite, lead);
  ASSERT_TRUE(exported.ok());
  EXPECT_NE(exported->find("Oak School,Main,school,,,10.0.0.0/24;10.0.1.0/24,"), std::string::npos) << *exported;
}

TEST_F(Integration, AgenciesAndPeopleRoundTripThroughCsv) {
  std::string agencies =
      "name,sector,membership_type,email\n"
      "\"Hill, Primary\",education,board partner,office@hill.example\n"
      "Town Library,library,other member,\n";
  auto a = dir().ImportCsv(Kind::kAgency, lead, agencies);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(a->errors.empty()) << a->errors[0];
  std::string people = "agency,full_name,esafety_role,subgroup_role\nTown Library,Jo Bloggs,none,core\n";
  auto p = dir().ImportCsv(Kind::kPerson, lead, people);
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(p->errors.empty()) << p->errors[0];
  auto csv = dir().ExportCsv(Kind::kAgency, lead);
  ASSERT_TRUE(csv.ok());
  EXPECT_NE(csv->find("\"Hill, Primary\",education,board partner"), std::string::npos) << *csv;
  // An officer may not import agencies.
  int64_t agency = MakeAgency("Officer's");
  EXPECT_EQ(dir().ImportCsv(Kind::kAgency, Who(Role::kAgencyOfficer, agency), agencies).error().kind,
            ErrorKind::kForbidden);
}

TEST_F(Integration, LoginIsThrottledAfterRepeatedFailures) {
  int64_t agency = MakeAgency("Logins");
  ASSERT_TRUE(access::AddAccount(db(), {.username = "eslo", .display_name = "ESLO", .password = "correct horse battery",
                                      .role = Role::kAgencyOfficer, .agency_id = agency},
                                 nullptr)
                  .ok());
  auto ok = access::Login(db(), "eslo", "correct horse battery", "127.0.0.1");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  std::vector<ErrorKind> kinds;
  for (int i = 0; i < 10; ++i) kinds.push_back(access::Login(db(), "eslo", "wrong password!", "127.0.0.1").error().kind);
  EXPECT_EQ(kinds.front(), ErrorKind::kUnauthenticated);
  EXPECT_EQ(kinds.back(), ErrorKind::kThrottled);
  // Now even the right password is refused until the window passes.
  auto blocked = access::Login(db(), "eslo", "correct horse battery", "127.0.0.1");
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.error().kind, ErrorKind::kThrottled);
  // Only the attempts whose password was checked are failures (and audited); the refused
  // ones are not, so waiting out the delay always works.
  const int64_t checked = Count("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'login_failed'");
  EXPECT_GE(checked, 5);
  EXPECT_LE(checked, 6);
}

TEST_F(Integration, SessionsAuthenticateAndEnd) {
  ASSERT_TRUE(access::AddAccount(db(), {.username = "lead", .display_name = "Lead", .password = "a long password 1",
                                      .role = Role::kPartnershipLead},
                                 nullptr)
                  .ok());
  auto s = access::Login(db(), "LEAD", "a long password 1", "127.0.0.1");
  ASSERT_TRUE(s.ok());
  auto again = access::Authenticate(db(), s->token, "127.0.0.1");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->principal.role, Role::kPartnershipLead);
  EXPECT_TRUE(access::CsrfTokenMatches(*again, s->csrf_token));
  EXPECT_FALSE(access::CsrfTokenMatches(*again, "forged"));
  // The stored token is a hash, not the token.
  EXPECT_EQ(Count("SELECT COUNT(*) AS n FROM sessions WHERE token_hash = ?", {s->token}), 0);
  ASSERT_TRUE(access::Logout(db(), s->token).ok());
  EXPECT_FALSE(access::Authenticate(db(), s->token, "127.0.0.1").ok());
}

// A signed-in request that only reads must not queue behind the writer: the load benchmark
// found every request waiting on a long import because checking the session wrote
// last_seen each time. It is now written at most once a minute; an ended session still ends.
TEST_F(Integration, CheckingASessionDoesNotWaitForTheWriter) {
  ASSERT_TRUE(access::AddAccount(db(), {.username = "reader", .display_name = "Reader", .password = "a long password 2",
                                      .role = Role::kPartnershipLead},
                                 nullptr)
                  .ok());
  auto s = access::Login(db(), "reader", "a long password 2", "127.0.0.1");
  ASSERT_TRUE(s.ok());
  std::promise<void> holding, release;
  auto writer = std::async(std::launch::async, [&] {
    return db().Transaction<void>([&](store::Connection& c) -> Result<void> {
      ESAFE_TRY(c.Execute("UPDATE users SET display_name = 'Writer holds' WHERE username = 'nobody'"));
      holding.set_value();
      release.get_future().wait_for(std::chrono::seconds(30));
      return {};
    });
  });
  ASSERT_EQ(holding.get_future().wait_for(std::chrono::seconds(30)), std::future_status::ready);
  auto checked = std::async(std::launch::async, [&] { return access::Authenticate(db(), s->token, "127.0.0.1"); });
  const bool answered = checked.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  release.set_value();
  ASSERT_TRUE(writer.get().ok());
  ASSERT_TRUE(answered) << "checking a fresh session waited for the writer";
  ASSERT_TRUE(checked.get().ok());

  // A session last seen over a minute ago has its idle deadline moved on.
  auto age = [&](const std::string& sql) {
    auto done = db().Transaction<int64_t>([&](store::Connection& c) { return c.Execute(sql, {}); });
    ASSERT_TRUE(done.ok()) << done.error().message;
  };
  age("UPDATE sessions SET last_seen = last_seen - 120, expires_at = expires_at - 120");
  const int64_t stale = Count("SELECT MIN(last_seen) AS n FROM sessions");
  auto touched = access::Authenticate(db(), s->token, "127.0.0.1");
  ASSERT_TRUE(touched.ok());
  EXPECT_GE(Count("SELECT MIN(last_seen) AS n FROM sessions"), stale + 119);
  // One past its idle deadline ends, and is removed.
  age("UPDATE sessions SET expires_at = 1");
  EXPECT_FALSE(access::Authenticate(db(), s->token, "127.0.0.1").ok());
  EXPECT_EQ(Count("SELECT COUNT(*) AS n FROM sessions"), 0);
}

// Issue 19, finding 3: one slow write must not stall everyone. While a transaction holds
// the writer (an import, say), reads go on, in parallel with each other, and each sees the
// database as it was before the transaction (a snapshot), never half of it. If reads
// waited for the writer, or for each other, the futures below would never be ready and
// the test fails at the 30 s guard instead of hanging.
TEST_F(Integration, ReadsGoOnWhileALongTransactionWrites) {
  const int64_t agency = MakeAgency("Reads Go On Academy");
  const int64_t before = Count("SELECT COUNT(*) AS n FROM people");
  std::promise<void> inserted, reads_done;
  auto writer = std::async(std::launch::async, [&] {
    return db().Transaction<void>([&](store::Connection& c) -> Result<void> {
      for (int i = 0; i < 50; ++i) {
        ESAFE_TRY(c.Execute("INSERT INTO people (agency_id, full_name, esafety_role, subgroup_role, created_at, "
                            "updated_at) VALUES (?, ?, 'none', 'none', '2026-12-07T00:00:00Z', '2026-12-07T00:00:00Z')",
                            {agency, "Pupil " + std::to_string(i)}));
      }
      inserted.set_value();
      if (reads_done.get_future().wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
        return Error::Internal("reads never finished while the writer held its transaction");
      }
      return {};
    });
  });
  auto writing = inserted.get_future();
  if (writing.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
    auto failed = writer.get();
    FAIL() << "the writer did not start: " << (failed.ok() ? "" : failed.error().message);
  }
  // Two reads at once, each waiting inside its snapshot for the other to start.
  std::promise<void> first_in, second_in;
  auto read = [&](std::promise<void>& mine, std::promise<void>& other) {
    return std::async(std::launch::async, [this, m = &mine, o = &other] {
      return db().Read<int64_t>([&](store::Connection& c) -> Result<int64_t> {
        m->set_value();
        if (o->get_future().wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
          return Error::Internal("the other read did not run alongside");
        }
        auto rows = c.Query("SELECT COUNT(*) AS n FROM people");
        if (!rows.ok()) return rows.error();
        return (*rows)[0].Int("n");
      });
    });
  };
  auto a = read(first_in, second_in);
  auto b = read(second_in, first_in);
  ASSERT_EQ(a.wait_for(std::chrono::seconds(40)), std::future_status::ready);
  ASSERT_EQ(b.wait_for(std::chrono::seconds(40)), std::future_status::ready);
  auto counted_a = a.get(), counted_b = b.get();
  reads_done.set_value();
  ASSERT_TRUE(writer.get().ok());
  ASSERT_TRUE(counted_a.ok()) << counted_a.error().message;
  ASSERT_TRUE(counted_b.ok()) << counted_b.error().message;
  EXPECT_EQ(*counted_a, before);  // the uncommitted rows are not seen
  EXPECT_EQ(*counted_b, before);
  EXPECT_EQ(Count("SELECT COUNT(*) AS n FROM people"), before + 50);
  EXPECT_GE(db().open_readers(), 2);
}

// A read may not write: the reading connections refuse it, so a Read that writes is
// found by the tests rather than racing the writer in production.
TEST_F(Integration, AReadCannotWrite) {
  auto wrote = db().Read<int64_t>([](store::Connection& c) {
    return c.Execute("INSERT INTO agencies (name, sector, membership_type) VALUES ('x', 'education', 'board partner')");
  });
  EXPECT_FALSE(wrote.ok());
  EXPECT_EQ(Count("SELECT COUNT(*) AS n FROM agencies WHERE name = 'x'"), 0);
}

}  // namespace
}  // namespace esafe
