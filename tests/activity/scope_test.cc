// The activity log's scope called directly, as every role (src/activity/scope.cc): who
// may search at all, and which agencies their query is narrowed to.
#include "activity/scope.h"

#include <gtest/gtest.h>

namespace esafe::activity {
namespace {

using access::Principal;
using access::Role;

const std::map<int64_t, std::string> kNames = {{3, "County Library Service"}, {7, "Northgate School"}};

Principal As(Role role, std::optional<int64_t> agency = std::nullopt) {
  Principal p;
  p.user_id = 1;
  p.role = role;
  p.agency_id = agency;
  return p;
}

using Keys = std::vector<std::string>;

TEST(ActivityScope, PartnershipRolesSearchEveryAgencyOrTheOneAsked) {
  for (Role role : {Role::kPartnershipAdmin, Role::kPartnershipLead, Role::kAuditor}) {
    SCOPED_TRACE(std::string(access::RoleName(role)));
    EXPECT_TRUE(MaySearchLog(As(role)));
    Query all;
    ASSERT_TRUE(ApplyScope(As(role), std::nullopt, kNames, all).ok());
    EXPECT_TRUE(all.agencies.empty());
    Query by_name;
    ASSERT_TRUE(ApplyScope(As(role), "northgate school", kNames, by_name).ok());
    EXPECT_EQ(by_name.agencies, (Keys{"7", "Northgate School"}));
    Query by_id;
    ASSERT_TRUE(ApplyScope(As(role), "3", kNames, by_id).ok());
    EXPECT_EQ(by_id.agencies, (Keys{"3", "County Library Service"}));
    // An agency the directory does not know is searched as given (events may carry it).
    Query unknown;
    ASSERT_TRUE(ApplyScope(As(role), "Old Agency", kNames, unknown).ok());
    EXPECT_EQ(unknown.agencies, (Keys{"Old Agency"}));
  }
}

TEST(ActivityScope, AnOfficerSearchesOnlyTheirOwnAgency) {
  const Principal officer = As(Role::kAgencyOfficer, 3);
  EXPECT_TRUE(MaySearchLog(officer));
  Query own;
  ASSERT_TRUE(ApplyScope(officer, std::nullopt, kNames, own).ok());
  EXPECT_EQ(own.agencies, (Keys{"3", "County Library Service"}));
  Query asked_own;
  ASSERT_TRUE(ApplyScope(officer, "County Library Service", kNames, asked_own).ok());
  EXPECT_EQ(asked_own.agencies, (Keys{"3", "County Library Service"}));

  for (const std::string other : {"7", "Northgate School", "Old Agency"}) {
    Query q;
    auto r = ApplyScope(officer, other, kNames, q);
    ASSERT_FALSE(r.ok()) << other;
    EXPECT_EQ(r.error().kind, ErrorKind::kForbidden) << other;
    EXPECT_TRUE(q.agencies.empty()) << other;
  }

  const Principal untied = As(Role::kAgencyOfficer);
  EXPECT_FALSE(MaySearchLog(untied));
  Query q;
  auto r = ApplyScope(untied, std::nullopt, kNames, q);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kForbidden);
}

TEST(ActivityScope, AnAuditorTiedToAnAgencySearchesOnlyThatAgency) {
  const Principal auditor = As(Role::kAuditor, 7);
  Query own;
  ASSERT_TRUE(ApplyScope(auditor, std::nullopt, kNames, own).ok());
  EXPECT_EQ(own.agencies, (Keys{"7", "Northgate School"}));
  Query other;
  auto r = ApplyScope(auditor, "3", kNames, other);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kForbidden);
}

TEST(ActivityScope, StaffAndBoardMembersAreRefused) {
  for (Role role : {Role::kAgencyStaff, Role::kBoardMember}) {
    for (std::optional<int64_t> agency : {std::optional<int64_t>(), std::optional<int64_t>(3)}) {
      SCOPED_TRACE(std::string(access::RoleName(role)));
      EXPECT_FALSE(MaySearchLog(As(role, agency)));
      for (std::optional<std::string> asked : {std::optional<std::string>(), std::optional<std::string>("3")}) {
        Query q;
        auto r = ApplyScope(As(role, agency), asked, kNames, q);
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.error().kind, ErrorKind::kForbidden);
        EXPECT_NE(r.error().message.find("e-safety officer"), std::string::npos) << r.error().message;
        EXPECT_TRUE(q.agencies.empty());
      }
    }
  }
}

}  // namespace
}  // namespace esafe::activity
