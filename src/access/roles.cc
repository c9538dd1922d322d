#include "access/access.h"

namespace esafe::access {

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kPartnershipAdmin: return "partnership_admin";
    case Role::kPartnershipLead: return "partnership_lead";
    case Role::kAgencyOfficer: return "agency_officer";
    case Role::kAgencyStaff: return "agency_staff";
    case Role::kBoardMember: return "board_member";
    case Role::kAuditor: return "auditor";
  }
  return "agency_staff";
}

const std::vector<std::string>& RoleNames() {
  static const std::vector<std::string> names = {"partnership_admin", "partnership_lead", "agency_officer",
                                                 "agency_staff",      "board_member",     "auditor"};
  return names;
}

std::optional<Role> ParseRole(std::string_view name) {
  for (Role r : {Role::kPartnershipAdmin, Role::kPartnershipLead, Role::kAgencyOfficer, Role::kAgencyStaff,
                 Role::kBoardMember, Role::kAuditor}) {
    if (RoleName(r) == name) return r;
  }
  return std::nullopt;
}

bool Principal::SeesAllAgencies() const {
  switch (role) {
    case Role::kPartnershipAdmin:
    case Role::kPartnershipLead:
    case Role::kBoardMember:
      return true;
    case Role::kAuditor:
      return !agency_id.has_value();
    default:
      return false;
  }
}

bool Principal::CanReadAgency(int64_t id) const {
  if (role == Role::kBoardMember) return false;  // aggregates only
  return SeesAllAgencies() || (agency_id && *agency_id == id);
}

bool Principal::CanWriteAgency(int64_t id) const {
  if (IsPartnershipManager()) return true;
  return role == Role::kAgencyOfficer && agency_id && *agency_id == id;
}

bool Principal::IsPartnershipManager() const {
  return role == Role::kPartnershipAdmin || role == Role::kPartnershipLead;
}

bool Principal::CanReadPeople() const { return role != Role::kBoardMember; }

}  // namespace esafe::access
