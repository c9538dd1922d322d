// A partnership of five agencies and the people who use the incident log, on a
// fresh database (SQLite, or PostgreSQL when ESAFE_TEST_DB is a URL).
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "annex_cases.h"
#include "core/clock.h"
#include "incidents/incidents.h"
#include "support/test_database.h"

namespace esafe::incidents {

class IncidentFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    school = AddAgency("Northfield School", "education");
    social_care = AddAgency("Children's Social Care", "children's social care");
    fostering = AddAgency("Oakwood Fostering Agency", "voluntary/community");
    police = AddAgency("Police Child Abuse Investigation Team", "police");
    library = AddAgency("Central Library", "library");
  }

  int64_t AddAgency(const std::string& name, const std::string& sector) {
    auto id = tdb.db().Transaction<int64_t>([&](store::Connection& c) -> Result<int64_t> {
      auto rows = c.Query("INSERT INTO agencies (name, sector, membership_type, created_at, updated_at) "
                          "VALUES (?, ?, 'board partner', ?, ?) RETURNING id",
                          {name, sector, clock::NowIso8601(), clock::NowIso8601()});
      if (!rows.ok()) return rows.error();
      return (*rows)[0].Int("id");
    });
    EXPECT_TRUE(id.ok());
    return *id;
  }

  access::Principal Person(access::Role role, std::optional<int64_t> agency, const std::string& name) {
    access::Principal p;
    p.user_id = ++next_user_;
    p.username = name;
    p.display_name = name;
    p.role = role;
    p.agency_id = agency;
    p.ip = "127.0.0.1";
    return p;
  }
  access::Principal Officer(int64_t agency) { return Person(access::Role::kAgencyOfficer, agency, "officer" + std::to_string(agency)); }
  access::Principal Staff(int64_t agency) { return Person(access::Role::kAgencyStaff, agency, "staff" + std::to_string(agency)); }
  access::Principal Lead() { return Person(access::Role::kPartnershipLead, std::nullopt, "lead"); }
  access::Principal Board() { return Person(access::Role::kBoardMember, std::nullopt, "board"); }

  // Records an incident through flowchart `id` with `answers`; fails the test on error.
  Json Record(const access::Principal& who, const std::string& flowchart_id, const Json& answers,
              Json extra = Json::object()) {
    Json input = {{"flowchart_id", flowchart_id}, {"answers", answers}, {"how_identified", "staff_report"},
                  {"description", "recorded in a test"}, {"reported_at", annex::kReportedAt}};
    for (const auto& [k, v] : extra.items()) input[k] = v;
    auto r = log.Create(who, input);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : Json();
  }

  // Reading a recorded incident: shared with the acceptance tables (annex_cases.h).
  static std::vector<std::string> Told(const Json& incident) { return annex::Told(incident); }
  static std::string DueFor(const Json& incident, const std::string& notify) { return annex::DueFor(incident, notify); }
  static bool HasAction(const Json& incident, const std::string& fragment) { return annex::HasAction(incident, fragment); }
  static std::string MustNot(const Json& incident) { return annex::MustNot(incident); }
  static bool Before(const std::vector<std::string>& order, const std::string& a, const std::string& b) {
    return annex::Before(order, a, b);
  }

  int64_t CountAudit(const std::string& action, const std::string& entity, int64_t id) {
    auto n = tdb.db().Read<int64_t>([&](store::Connection& c) -> Result<int64_t> {
      auto rows = c.Query("SELECT COUNT(*) AS n FROM audit_events WHERE action = ? AND entity = ? AND entity_id = ?",
                          {action, entity, id});
      if (!rows.ok()) return rows.error();
      return (*rows)[0].Int("n");
    });
    return n.ok() ? *n : -1;
  }

  testing::TestDatabase tdb;
  IncidentLog log{tdb.db()};
  int64_t school = 0, social_care = 0, fostering = 0, police = 0, library = 0;

 private:
  int64_t next_user_ = 100;
};

}  // namespace esafe::incidents
