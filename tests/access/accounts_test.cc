// Account management at the capability level: the rule "only partnership
// administrators manage accounts" is access's own, whoever calls it, not only
// what the HTTP routes check (issue 20, item 1).
#include <gtest/gtest.h>

#include "access/access.h"
#include "support/test_database.h"

namespace esafe::access {
namespace {

Principal As(Role role, std::optional<int64_t> agency = std::nullopt) {
  return {.user_id = 9999, .username = "caller", .display_name = "Caller", .role = role, .agency_id = agency};
}

NewAccount Lead(const std::string& username) {
  return {.username = username, .display_name = "A partnership lead", .password = "accounts-test-password-1",
          .role = Role::kPartnershipLead};
}

int64_t AccountCount(store::Database& db) {
  auto n = db.Read<int64_t>([](store::Connection& c) -> Result<int64_t> {
    auto row = c.QueryOne("SELECT COUNT(*) AS n FROM users", {}, "count");
    if (!row.ok()) return row.error();
    return row->Int("n");
  });
  EXPECT_TRUE(n.ok());
  return n.ok() ? *n : -1;
}

TEST(AccountsRule, OnlyAnAdministratorOrTheOperatorCreatesAccounts) {
  testing::TestDatabase tdb;
  auto& db = tdb.db();
  for (const auto& who : {As(Role::kPartnershipLead), As(Role::kBoardMember), As(Role::kAuditor),
                          As(Role::kAgencyOfficer, 1), As(Role::kAgencyStaff, 1)}) {
    auto refused = AddAccount(db, Lead("made.by." + std::string(RoleName(who.role))), &who);
    ASSERT_FALSE(refused.ok()) << RoleName(who.role);
    EXPECT_EQ(refused.error().kind, ErrorKind::kForbidden) << RoleName(who.role);
  }
  EXPECT_EQ(AccountCount(db), 0);  // nothing half-made by a refused call

  const Principal admin = As(Role::kPartnershipAdmin);
  auto by_admin = AddAccount(db, Lead("made.by.admin"), &admin);
  ASSERT_TRUE(by_admin.ok()) << by_admin.error().message;
  auto by_operator = AddAccount(db, Lead("made.by.operator"), nullptr);  // the command line
  ASSERT_TRUE(by_operator.ok()) << by_operator.error().message;
  EXPECT_EQ(AccountCount(db), 2);
}

TEST(AccountsRule, OnlyAnAdministratorListsDisablesOrResetsAccounts) {
  testing::TestDatabase tdb;
  auto& db = tdb.db();
  auto id = AddAccount(db, Lead("someone"), nullptr);
  ASSERT_TRUE(id.ok());
  const Principal lead = As(Role::kPartnershipLead);
  EXPECT_EQ(ListAccounts(db, lead).error().kind, ErrorKind::kForbidden);
  EXPECT_EQ(SetAccountDisabled(db, &lead, *id, true).error().kind, ErrorKind::kForbidden);
  EXPECT_EQ(ResetPassword(db, &lead, *id).error().kind, ErrorKind::kForbidden);

  const Principal admin = As(Role::kPartnershipAdmin);
  auto listed = ListAccounts(db, admin);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 1u);
  EXPECT_TRUE(SetAccountDisabled(db, &admin, *id, true).ok());
}

}  // namespace
}  // namespace esafe::access
