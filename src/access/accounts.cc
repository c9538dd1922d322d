#include <fmt/format.h>

#include "access/access.h"
#include "core/clock.h"
#include "core/text.h"

namespace esafe::access {

const RecordSchema& AccountSchema() {
  static const RecordSchema schema(
      "account",
      {
          {.name = "id", .type = FieldType::kInteger, .read_only = true},
          {.name = "username", .type = FieldType::kString, .required = true, .max_length = 64,
           .description = "letters, digits, '.', '-', '_' and '@'"},
          {.name = "display_name", .type = FieldType::kString, .required = true, .max_length = 120},
          {.name = "password", .type = FieldType::kString, .required = true, .max_length = 256,
           .description = "at least 10 characters; write-only"},
          {.name = "role", .type = FieldType::kChoice, .required = true, .choices = RoleNames()},
          {.name = "agency_id", .type = FieldType::kReference,
           .description = "required for agency roles, absent for partnership roles"},
          {.name = "disabled", .type = FieldType::kBoolean, .read_only = true},
          {.name = "created_at", .type = FieldType::kString, .read_only = true},
      });
  return schema;
}

Result<int64_t> AddAccount(store::Database& db, const NewAccount& a, const Principal* actor) {
  std::string username(text::Trim(a.username));
  if (username.empty() || username.size() > 64) {
    return Error::Invalid("the username must be 1 to 64 characters", "username");
  }
  for (char ch : username) {
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
              ch == '-' || ch == '_' || ch == '@';
    if (!ok) return Error::Invalid("the username may hold only letters, digits, '.', '-', '_' and '@'", "username");
  }
  std::string display(text::Trim(a.display_name));
  if (display.empty() || text::CodePointCount(display) > 120 || !text::IsValidUtf8(display) ||
      text::HasControlCharacters(display)) {
    return Error::Invalid("the display name must be 1 to 120 characters of text", "display_name");
  }
  bool agency_role = a.role == Role::kAgencyOfficer || a.role == Role::kAgencyStaff;
  if (agency_role && !a.agency_id) return Error::Invalid("an agency role needs an agency", "agency_id");
  if ((a.role == Role::kPartnershipAdmin || a.role == Role::kPartnershipLead) && a.agency_id) {
    return Error::Invalid("a partnership role is not tied to one agency", "agency_id");
  }
  Result<std::string> hash = a.password_hash;
  if (a.password_hash.empty()) {
    ESAFE_TRY(CheckPasswordRules(a.password));
    hash = HashPassword(a.password);
    if (!hash.ok()) return hash.error();
  } else if (!a.password_hash.starts_with("$argon2id$")) {
    return Error::Invalid("a precomputed password hash must be an Argon2id string", "password");
  }

  return db.Transaction<int64_t>([&](store::Connection& c) -> Result<int64_t> {
    if (a.agency_id) {
      auto agency = c.QueryOne("SELECT id FROM agencies WHERE id = ?", {*a.agency_id}, "agency");
      if (!agency.ok()) return Error::Invalid("no agency has that id", "agency_id");
    }
    auto taken = c.Query("SELECT id FROM users WHERE lower(username) = lower(?)", {username});
    if (!taken.ok()) return taken.error();
    if (!taken->empty()) return Error::Conflict("that username is taken", "username");
    std::string now = clock::NowIso8601();
    auto rows = c.Query(
        "INSERT INTO users (username, display_name, password_hash, role, agency_id, disabled, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, 0, ?, ?) RETURNING id",
        {username, display, *hash, std::string(RoleName(a.role)),
         a.agency_id ? store::Value(*a.agency_id) : store::Value(), now, now});
    if (!rows.ok()) return rows.error();
    int64_t id = (*rows)[0].Int("id");
    ESAFE_TRY(RecordAudit(c, actor, "create", "account", id,
                          fmt::format("account {} with role {}", username, RoleName(a.role))));
    return id;
  });
}

Result<Json> ListAccounts(store::Database& db, const Principal& actor) {
  if (actor.role != Role::kPartnershipAdmin) return Error::Forbidden("only partnership administrators manage accounts");
  return db.Read<Json>([&](store::Connection& c) -> Result<Json> {
    auto rows = c.Query(
        "SELECT id, username, display_name, role, agency_id, disabled, created_at FROM users ORDER BY lower(username)");
    if (!rows.ok()) return rows.error();
    Json out = Json::array();
    for (const auto& r : *rows) {
      out.push_back({{"id", r.Int("id")},
                     {"username", r.Text("username")},
                     {"display_name", r.Text("display_name")},
                     {"role", r.Text("role")},
                     {"agency_id", r.IsNull("agency_id") ? Json(nullptr) : Json(r.Int("agency_id"))},
                     {"disabled", r.Int("disabled") != 0},
                     {"created_at", r.Text("created_at")}});
    }
    return out;
  });
}

}  // namespace esafe::access
