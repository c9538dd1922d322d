// Who may search the activity log and over which agencies (activity/scope.h).
#include "activity/scope.h"

#include <vector>

#include "core/text.h"

namespace esafe::activity {

using access::Principal;
using access::Role;

namespace {

// The keys events of agency `id` may carry: its id and its name.
std::vector<std::string> AgencyKeys(int64_t id, const std::map<int64_t, std::string>& names) {
  std::vector<std::string> keys = {std::to_string(id)};
  if (auto it = names.find(id); it != names.end()) keys.push_back(it->second);
  return keys;
}

// The directory id an asked-for agency ("3" or "County Library Service") refers to.
std::optional<int64_t> ResolveAgency(const std::string& asked, const std::map<int64_t, std::string>& names) {
  if (auto id = text::ParseInt(asked); id && names.count(*id)) return *id;
  for (const auto& [id, name] : names) {
    if (text::Lower(name) == text::Lower(asked)) return id;
  }
  return std::nullopt;
}

}  // namespace

bool MaySearchLog(const Principal& who) {
  switch (who.role) {
    case Role::kPartnershipAdmin:
    case Role::kPartnershipLead:
    case Role::kAuditor:
      return true;
    case Role::kAgencyOfficer:
      return who.agency_id.has_value();
    case Role::kAgencyStaff:
    case Role::kBoardMember:
      return false;
  }
  return false;
}

Result<void> ApplyScope(const Principal& who, const std::optional<std::string>& asked,
                        const std::map<int64_t, std::string>& names, Query& q) {
  std::optional<int64_t> own;
  switch (who.role) {
    case Role::kPartnershipAdmin:
    case Role::kPartnershipLead:
      break;
    case Role::kAuditor:
      own = who.agency_id;  // partnership-wide unless tied to an agency
      break;
    case Role::kAgencyOfficer:
      if (!who.agency_id) return Error::Forbidden("your account is not tied to an agency");
      own = who.agency_id;
      break;
    case Role::kAgencyStaff:
    case Role::kBoardMember:
      return Error::Forbidden("the activity log is searched by e-safety officers and the partnership; ask your "
                              "agency's e-safety officer");
  }
  if (!own) {
    if (asked) {
      auto id = ResolveAgency(*asked, names);
      q.agencies = id ? AgencyKeys(*id, names) : std::vector<std::string>{*asked};
    }
    return Ok();
  }
  if (asked && ResolveAgency(*asked, names) != own) {
    return Error::Forbidden("you may search only your own agency's activity");
  }
  q.agencies = AgencyKeys(*own, names);
  return Ok();
}

Result<void> RecordLogAudit(store::Database& db, const Principal& who, const std::string& action,
                            const std::string& summary) {
  return db.Transaction<void>([&](store::Connection& c) {
    return access::RecordAudit(c, &who, action, "activity_log", std::nullopt, summary);
  });
}

}  // namespace esafe::activity
