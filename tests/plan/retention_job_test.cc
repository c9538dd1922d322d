// The retention job with a fake clock: records of various ages, exactly the
// due ones listed, held ones apart, confirmed deletions recorded and the
// record gone (or anonymised), never listed again; admins only; bad input refused.
#include <gtest/gtest.h>

#include "directory/directory.h"
#include "plan/retention.h"
#include "support/test_database.h"

namespace esafe::plan {
namespace {

access::Principal RetentionAdmin() {
  access::Principal p;
  p.user_id = 1;
  p.username = "admin";
  p.role = access::Role::kPartnershipAdmin;
  return p;
}

access::Principal Lead() {
  access::Principal p;
  p.user_id = 2;
  p.username = "lead";
  p.role = access::Role::kPartnershipLead;
  return p;
}

// The fake clock: every call takes this time, not the real one.
constexpr const char* kNow = "2030-06-15T09:00:00Z";

class RetentionJobTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(directory::LoadDemo(tdb.db(), "plan-test-password-1").ok()); }
  RetentionJob job() { return RetentionJob(tdb.db()); }

  int64_t Exec(const std::string& sql, const std::vector<store::Value>& params) {
    auto r = tdb.db().Transaction<int64_t>([&](store::Connection& c) { return c.Execute(sql, params); });
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : 0;
  }
  int64_t LastId(const std::string& table) {
    auto r = tdb.db().Read<int64_t>([&](store::Connection& c) -> Result<int64_t> {
      auto row = c.QueryOne("SELECT MAX(id) AS id FROM " + table, {}, table);
      if (!row.ok()) return row.error();
      return row->Int("id");
    });
    return r.ok() ? *r : 0;
  }
  int64_t Count(const std::string& sql, const std::vector<store::Value>& params) {
    auto r = tdb.db().Read<int64_t>([&](store::Connection& c) -> Result<int64_t> {
      auto row = c.QueryOne("SELECT COUNT(*) AS n FROM " + sql, params, "count");
      if (!row.ok()) return row.error();
      return row->Int("n");
    });
    return r.ok() ? *r : -1;
  }
  // An incident closed on `closed_at` (NULL: still open).
  int64_t Incident(std::optional<std::string> closed_at) {
    Exec("INSERT INTO incidents (agency_id, status, reported_at, reported_by, how_identified, category, description, "
         "closed_at, created_at, updated_at) VALUES (1, ?, '2020-01-01T00:00:00Z', 'Ms Example', 'disclosure', "
         "'cyberbullying', 'Pupil A was sent messages', ?, '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z')",
         {std::string(closed_at ? "closed" : "open"), closed_at ? store::Value(*closed_at) : store::Value()});
    int64_t id = LastId("incidents");
    Exec("INSERT INTO incident_people (incident_id, role, reference, name, created_at) "
         "VALUES (?, 'child', 'C-1', 'Pupil A', '2020-01-01T00:00:00Z')", {id});
    return id;
  }
  int64_t Disclosure(const std::string& received_on, std::optional<std::string> provided_on) {
    Exec("INSERT INTO disclosure_requests (agency_id, requesting_body, investigating_officer, authorising_officer, "
         "notice_reference, requested_data, received_on, deadline, provided_on, created_by, created_at, updated_at) "
         "VALUES (1, 'Police', 'DC One', 'DI Two', 'N-1', 'logs', ?, ?, ?, 1, ?, ?)",
         {received_on, received_on, provided_on ? store::Value(*provided_on) : store::Value(), received_on, received_on});
    int64_t id = LastId("disclosure_requests");
    Exec("INSERT INTO disclosure_handlers (request_id, user_id) VALUES (?, 1)", {id});
    return id;
  }
  int64_t Attendance(const std::string& recorded_at) {
    if (LastId("training_courses") == 0) {
      Exec("INSERT INTO training_courses (title, provider, created_at, updated_at) VALUES ('Thinkuknow', 'CEOP', ?, ?)",
           {recorded_at, recorded_at});
      Exec("INSERT INTO training_sessions (course_id, held_on, created_at, updated_at) VALUES (?, ?, ?, ?)",
           {LastId("training_courses"), recorded_at, recorded_at, recorded_at});
    }
    int64_t person = 0;
    (void)tdb.db().Read<int64_t>([&](store::Connection& c) -> Result<int64_t> {
      auto row = c.QueryOne("SELECT id FROM people WHERE id NOT IN (SELECT person_id FROM training_attendance) "
                            "ORDER BY id LIMIT 1", {}, "person");
      if (row.ok()) person = row->Int("id");
      return person;
    });
    Exec("INSERT INTO training_attendance (session_id, person_id, recorded_at) VALUES (?, ?, ?)",
         {LastId("training_sessions"), person, recorded_at});
    return LastId("training_attendance");
  }
  // "type:id" of each record in `list`.
  static std::vector<std::string> Keys(const Json& list) {
    std::vector<std::string> out;
    for (const auto& r : list) {
      out.push_back(r["record_type"].get<std::string>() + ":" + std::to_string(r["record_id"].get<int64_t>()));
    }
    return out;
  }
  static std::string Key(const std::string& type, int64_t id) { return type + ":" + std::to_string(id); }

  testing::TestDatabase tdb;
};

TEST_F(RetentionJobTest, ScheduleHasADefaultForEachRecordTypeAndThePartnershipSetsItsOwn) {
  auto s = job().Schedule(RetentionAdmin());
  ASSERT_TRUE(s.ok()) << s.error().message;
  ASSERT_EQ(s->size(), RetentionRecordTypes().size());
  for (const auto& row : *s) {
    EXPECT_NE(row["basis"].get<std::string>().find("default, the partnership sets its own"), std::string::npos);
  }
  auto set = job().SetPeriod(RetentionAdmin(), "incident", 120, kNow);
  ASSERT_TRUE(set.ok()) << set.error().message;
  bool found = false;
  for (const auto& row : *set) {
    if (row["record_type"] == "incident") {
      found = true;
      EXPECT_EQ(row["months"], 120);
      EXPECT_EQ(row["updated_by"], "admin");
    }
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(job().SetPeriod(RetentionAdmin(), "incident", 0, kNow).error().field, "months");
  EXPECT_EQ(job().SetPeriod(RetentionAdmin(), "parking_tickets", 12, kNow).error().field, "record_type");
}

TEST_F(RetentionJobTest, ExactlyTheDueRecordsAreListedAndHeldOnesApart) {
  // Defaults: incidents 72 months after closure, attendance 72 months, disclosure 24 months.
  int64_t old_incident = Incident("2024-06-01T10:00:00Z");    // due 2030-06-01: due
  int64_t edge_incident = Incident("2024-06-15T23:00:00Z");   // due 2030-06-15: due today
  int64_t young_incident = Incident("2024-06-16T00:00:00Z");  // due 2030-06-16: not yet
  int64_t open_incident = Incident(std::nullopt);             // never closed: never due
  int64_t held_incident = Incident("2020-01-01T00:00:00Z");   // due, but held
  int64_t old_attendance = Attendance("2023-01-01T00:00:00Z");
  int64_t new_attendance = Attendance("2029-01-01T00:00:00Z");
  int64_t answered = Disclosure("2027-01-01", "2028-01-10");    // due 2030-01-10
  int64_t unanswered = Disclosure("2028-07-01", std::nullopt);  // from receipt: due 2030-07-01, not yet

  auto hold = job().PlaceHold(RetentionAdmin(), {{"record_type", "incident"}, {"record_id", held_incident},
                                        {"reason", "civil claim pending"}}, kNow);
  ASSERT_TRUE(hold.ok()) << hold.error().message;

  auto listed = job().ListDue(RetentionAdmin(), kNow);
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  EXPECT_EQ(Keys((*listed)["due"]),
            (std::vector<std::string>{Key("incident", old_incident), Key("incident", edge_incident),
                                      Key("training_attendance", old_attendance),
                                      Key("disclosure_request", answered)}));
  ASSERT_EQ((*listed)["held"].size(), 1u);
  EXPECT_EQ((*listed)["held"][0]["record_id"], held_incident);
  EXPECT_EQ((*listed)["held"][0]["hold"]["reason"], "civil claim pending");
  EXPECT_EQ((*listed)["due"][0]["due_on"], "2030-06-01");
  (void)young_incident;
  (void)open_incident;
  (void)new_attendance;
  (void)unanswered;

  // A held record cannot be confirmed for deletion; released, it is due again.
  auto refused = job().Confirm(RetentionAdmin(), {{"record_type", "incident"}, {"record_id", held_incident},
                                         {"action", "delete"}, {"note", "expired"}}, kNow);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::kConflict);
  auto released = job().ReleaseHold(RetentionAdmin(), (*hold)["id"], "claim settled", kNow);
  ASSERT_TRUE(released.ok()) << released.error().message;
  EXPECT_EQ((*released)["released_by"], "admin");
  EXPECT_EQ(job().ReleaseHold(RetentionAdmin(), (*hold)["id"], "again", kNow).error().kind, ErrorKind::kConflict);
  auto after = job().ListDue(RetentionAdmin(), kNow);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ((*after)["due"].size(), 5u);
  EXPECT_TRUE((*after)["held"].empty());
}

TEST_F(RetentionJobTest, ConfirmedDeletionsAreRecordedTheRecordIsGoneAndNotListedAgain) {
  int64_t attendance = Attendance("2020-01-01T00:00:00Z");
  int64_t request = Disclosure("2020-01-01", "2020-02-01");
  int64_t incident = Incident("2020-01-01T00:00:00Z");

  const std::vector<std::pair<std::string, int64_t>> records = {
      {"training_attendance", attendance}, {"disclosure_request", request}, {"incident", incident}};
  for (const auto& [type, id] : records) {
    auto done = job().Confirm(RetentionAdmin(), {{"record_type", type}, {"record_id", id}, {"action", "delete"},
                                        {"note", "period ended; reviewed"}}, kNow);
    ASSERT_TRUE(done.ok()) << type << ": " << done.error().message;
    EXPECT_EQ((*done)["done_by"], "admin");
    EXPECT_EQ((*done)["done_at"], kNow);
    EXPECT_EQ((*done)["action"], type == "incident" ? "anonymised" : "deleted");
  }
  EXPECT_EQ(Count("training_attendance WHERE id = ?", {attendance}), 0);
  EXPECT_EQ(Count("disclosure_requests WHERE id = ?", {request}), 0);
  EXPECT_EQ(Count("disclosure_handlers WHERE request_id = ?", {request}), 0);
  // Incidents are never deleted: anonymised, with the names of the people involved cleared.
  EXPECT_EQ(Count("incidents WHERE id = ? AND description LIKE '%Pupil A%'", {incident}), 0);
  EXPECT_EQ(Count("incident_people WHERE incident_id = ? AND name IS NOT NULL", {incident}), 0);

  auto actions = job().Actions(RetentionAdmin());
  ASSERT_TRUE(actions.ok());
  ASSERT_EQ(actions->size(), 3u);
  EXPECT_EQ((*actions)[0]["record_type"], "training_attendance");
  EXPECT_EQ((*actions)[0]["note"], "period ended; reviewed");
  // The record of what was done is append-only; the audit trail keeps each step.
  auto rewrite = tdb.db().Transaction<int64_t>([](store::Connection& c) { return c.Execute("DELETE FROM retention_actions"); });
  EXPECT_FALSE(rewrite.ok());
  EXPECT_EQ(Count("audit_events WHERE action LIKE 'retention_%'", {}), 3);

  // The next day's run lists none of them again.
  auto next = job().ListDue(RetentionAdmin(), "2030-06-16T09:00:00Z");
  ASSERT_TRUE(next.ok());
  EXPECT_TRUE((*next)["due"].empty()) << (*next)["due"].dump();
  auto again = job().Confirm(RetentionAdmin(), {{"record_type", "incident"}, {"record_id", incident}, {"action", "delete"},
                                       {"note", "again"}}, kNow);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind, ErrorKind::kConflict);
}

TEST_F(RetentionJobTest, AupAcceptancesFromRetirementAndAuditReturnsByRound) {
  Exec("INSERT INTO aup_policies (agency_id, user_group, title, created_by, created_at, updated_at) "
       "VALUES (3, 'staff', 'Staff AUP', 'admin', '2020-01-01', '2020-01-01')", {});
  int64_t policy = LastId("aup_policies");
  auto version = [&](int64_t number, const char* state, std::optional<std::string> retired_at) {
    Exec("INSERT INTO aup_versions (policy_id, number, body, effective_on, review_on, state, created_by, retired_at, "
         "created_at, updated_at) VALUES (?, ?, 'text', '2020-01-01', '2021-01-01', ?, 'admin', ?, '2020-01-01', '2020-01-01')",
         {policy, number, std::string(state), retired_at ? store::Value(*retired_at) : store::Value()});
    return LastId("aup_versions");
  };
  int64_t old_version = version(1, "retired", "2024-01-10T09:00:00Z");  // 72 months: due 2030-01-10
  int64_t new_version = version(2, "retired", "2024-07-01T09:00:00Z");  // due 2030-07-01: not yet
  int64_t current = version(3, "current", std::nullopt);                // in force: never due
  auto accept = [&](int64_t v) {
    Exec("INSERT INTO aup_acceptances (version_id, person_id, accepted_on, method, recorded_by, recorded_at) "
         "VALUES (?, 4, '2020-02-01', 'paper', 'admin', '2020-02-01')", {v});
    return LastId("aup_acceptances");
  };
  int64_t due_acceptance = accept(old_version);
  accept(new_version);
  accept(current);

  Exec("INSERT INTO audit_templates (key, version, title, yaml, sha256, created_at) VALUES ('t', 1, 'T', 'x', 'h', '2020')", {});
  auto round = [&](const char* deadline) {
    Exec("INSERT INTO audit_rounds (title, year, template_id, deadline, opened_by, opened_at) VALUES (?, 2023, ?, ?, 'lead', '2023')",
         {std::string("Audit ") + deadline, LastId("audit_templates"), std::string(deadline)});
    int64_t id = LastId("audit_rounds");
    for (int64_t agency : {1, 2}) {
      Exec("INSERT INTO audit_returns (round_id, agency_id, status, answers, evidence_notes, updated_at) "
           "VALUES (?, ?, 'submitted', '{}', '{}', '2023')", {id, agency});
    }
    return id;
  };
  int64_t old_round = round("2024-03-31");  // due 2030-03-31
  round("2024-07-31");                      // not yet

  auto listed = job().ListDue(RetentionAdmin(), kNow);
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  EXPECT_EQ(Keys((*listed)["due"]),
            (std::vector<std::string>{Key("aup_acceptance", due_acceptance), Key("audit_returns", old_round)}));
  EXPECT_EQ((*listed)["due"][0]["summary"], "Staff AUP, version 1, paper");

  for (const auto& [type, id] : std::vector<std::pair<std::string, int64_t>>{{"aup_acceptance", due_acceptance},
                                                                            {"audit_returns", old_round}}) {
    auto done = job().Confirm(RetentionAdmin(), {{"record_type", type}, {"record_id", id}, {"action", "delete"},
                                        {"note", "period ended"}}, kNow);
    ASSERT_TRUE(done.ok()) << type << ": " << done.error().message;
  }
  EXPECT_EQ(Count("aup_acceptances WHERE id = ?", {due_acceptance}), 0);
  EXPECT_EQ(Count("aup_acceptances", {}), 2);
  EXPECT_EQ(Count("audit_returns WHERE round_id = ?", {old_round}), 0);
  EXPECT_EQ(Count("audit_returns", {}), 2);
  EXPECT_EQ(Count("audit_rounds WHERE id = ?", {old_round}), 1);  // the round itself stays
  EXPECT_TRUE((*job().ListDue(RetentionAdmin(), kNow))["due"].empty());

  // The daily run records what it found and removes nothing.
  auto run = job().Run(nullptr, "2031-01-01T03:00:00Z");
  ASSERT_TRUE(run.ok()) << run.error().message;
  EXPECT_EQ((*run)["ran_by"], "system");
  EXPECT_EQ((*run)["due"], 2);  // the second acceptance and round are due by then
  EXPECT_EQ(Count("aup_acceptances", {}), 2);
  EXPECT_EQ(Count("retention_runs", {}), 1);
  access::Principal lead = Lead();
  EXPECT_EQ(job().Run(&lead, kNow).error().kind, ErrorKind::kForbidden);
}

TEST_F(RetentionJobTest, AnExtensionPostponesTheReview) {
  int64_t attendance = Attendance("2020-01-01T00:00:00Z");
  auto extended = job().Confirm(RetentionAdmin(), {{"record_type", "training_attendance"}, {"record_id", attendance},
                                          {"action", "extend"}, {"months", 12}, {"note", "needed for the audit"}}, kNow);
  ASSERT_TRUE(extended.ok()) << extended.error().message;
  EXPECT_EQ((*extended)["extended_until"], "2031-06-15");
  EXPECT_EQ(Count("training_attendance WHERE id = ?", {attendance}), 1);
  EXPECT_TRUE((*job().ListDue(RetentionAdmin(), "2031-06-14T00:00:00Z"))["due"].empty());
  EXPECT_EQ((*job().ListDue(RetentionAdmin(), "2031-06-15T00:00:00Z"))["due"].size(), 1u);
}

TEST_F(RetentionJobTest, OnlyPartnershipAdminsAndBadInputIsRefused) {
  int64_t attendance = Attendance("2020-01-01T00:00:00Z");
  EXPECT_EQ(job().ListDue(Lead(), kNow).error().kind, ErrorKind::kForbidden);
  EXPECT_EQ(job().Schedule(Lead()).error().kind, ErrorKind::kForbidden);
  EXPECT_EQ(job().Confirm(Lead(), {{"record_type", "training_attendance"}, {"record_id", attendance},
                                   {"action", "delete"}, {"note", "x"}}, kNow).error().kind,
            ErrorKind::kForbidden);
  EXPECT_EQ(job().PlaceHold(Lead(), {{"record_type", "training_attendance"}, {"record_id", attendance},
                                     {"reason", "x"}}, kNow).error().kind,
            ErrorKind::kForbidden);

  auto confirm = [&](Json in) { return job().Confirm(RetentionAdmin(), in, kNow); };
  EXPECT_EQ(confirm({{"record_type", "nope"}, {"record_id", attendance}, {"action", "delete"}, {"note", "x"}}).error().field,
            "record_type");
  EXPECT_EQ(confirm({{"record_type", "training_attendance"}, {"record_id", "1"}, {"action", "delete"}, {"note", "x"}})
                .error().field, "record_id");
  EXPECT_EQ(confirm({{"record_type", "training_attendance"}, {"record_id", attendance}, {"action", "shred"}, {"note", "x"}})
                .error().field, "action");
  EXPECT_EQ(confirm({{"record_type", "training_attendance"}, {"record_id", attendance}, {"action", "delete"}}).error().field,
            "note");
  EXPECT_EQ(confirm({{"record_type", "training_attendance"}, {"record_id", attendance}, {"action", "extend"},
                     {"months", 0}, {"note", "x"}}).error().field, "months");
  EXPECT_EQ(confirm({{"record_type", "training_attendance"}, {"record_id", 9999}, {"action", "delete"}, {"note", "x"}})
                .error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(job().ListDue(RetentionAdmin(), "yesterday").error().field, "now");
  EXPECT_EQ(job().PlaceHold(RetentionAdmin(), {{"record_type", "training_attendance"}, {"record_id", attendance}}, kNow).error().field,
            "reason");
  // Nothing was changed by any of it.
  EXPECT_EQ(Count("training_attendance WHERE id = ?", {attendance}), 1);
  EXPECT_EQ(Count("retention_actions", {}), 0);
}

}  // namespace
}  // namespace esafe::plan
