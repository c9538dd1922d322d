#include <fmt/format.h>

#include "access/access.h"
#include "access/internal.h"
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
          {.name = "demo", .type = FieldType::kBoolean,
           .description = "made by --demo; suspended while the server runs without it", .read_only = true},
          {.name = "demo_suspended", .type = FieldType::kBoolean, .read_only = true},
          {.name = "totp_enabled", .type = FieldType::kBoolean, .read_only = true},
          {.name = "must_change_password", .type = FieldType::kBoolean, .read_only = true},
          {.name = "last_login_at", .type = FieldType::kString, .read_only = true},
          {.name = "failed_sign_ins", .type = FieldType::kInteger,
           .description = "failed sign-ins since the last success, in the last 15 minutes; unlock clears them",
           .read_only = true},
          {.name = "created_at", .type = FieldType::kString, .read_only = true},
      });
  return schema;
}

Result<void> internal::RequireAdministrator(const Principal* actor) {
  if (actor && actor->role != Role::kPartnershipAdmin)
    return Error::Forbidden("only partnership administrators manage accounts");
  return Ok();
}

Result<int64_t> internal::EndAccountSessions(store::Connection& c, int64_t user_id, std::string_view keep_public_id) {
  return c.Execute("DELETE FROM sessions WHERE user_id = ? AND public_id <> ?", {user_id, std::string(keep_public_id)});
}

Result<int64_t> AddAccount(store::Database& db, const NewAccount& a, const Principal* actor) {
  ESAFE_TRY(internal::RequireAdministrator(actor));
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
        "INSERT INTO users (username, display_name, password_hash, role, agency_id, disabled, demo, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?) RETURNING id",
        {username, display, *hash, std::string(RoleName(a.role)),
         a.agency_id ? store::Value(*a.agency_id) : store::Value(), int64_t{a.demo ? 1 : 0}, now, now});
    if (!rows.ok()) return rows.error();
    int64_t id = (*rows)[0].Int("id");
    ESAFE_TRY(RecordAudit(c, actor, "create", "account", id,
                          fmt::format("account {} with role {}", username, RoleName(a.role))));
    return id;
  });
}

Result<Json> ListAccounts(store::Database& db, const Principal& actor) {
  ESAFE_TRY(internal::RequireAdministrator(&actor));
  const int64_t since = clock::NowSeconds() - LoginPolicy{}.window_seconds;
  return db.Read<Json>([&](store::Connection& c) -> Result<Json> {
    auto rows = c.Query(
        "SELECT id, username, display_name, role, agency_id, disabled, demo, demo_suspended, must_change_password, "
        "CASE WHEN totp_secret IS NULL THEN 0 ELSE 1 END AS totp_on, last_login_at, created_at, "
        "(SELECT COUNT(*) FROM login_attempts a WHERE a.username = lower(u.username) AND a.succeeded = 0 "
        " AND a.at >= ? AND a.id > (SELECT COALESCE(MAX(b.id), 0) FROM login_attempts b "
        "  WHERE b.username = lower(u.username) AND b.succeeded = 1)) AS failures "
        "FROM users u ORDER BY lower(username)",
        {since});
    if (!rows.ok()) return rows.error();
    Json out = Json::array();
    for (const auto& r : *rows) {
      out.push_back({{"id", r.Int("id")},
                     {"username", r.Text("username")},
                     {"display_name", r.Text("display_name")},
                     {"role", r.Text("role")},
                     {"agency_id", r.IsNull("agency_id") ? Json(nullptr) : Json(r.Int("agency_id"))},
                     {"disabled", r.Int("disabled") != 0},
                     {"demo", r.Int("demo") != 0},
                     {"demo_suspended", r.Int("demo_suspended") != 0},
                     {"totp_enabled", r.Int("totp_on") != 0},
                     {"must_change_password", r.Int("must_change_password") != 0},
                     {"last_login_at", r.IsNull("last_login_at") ? Json(nullptr) : Json(r.Text("last_login_at"))},
                     {"failed_sign_ins", r.Int("failures")},
                     {"created_at", r.Text("created_at")}});
    }
    return out;
  });
}

Result<int64_t> AccountIdByUsername(store::Database& db, std::string_view username) {
  return db.Read<int64_t>([&](store::Connection& c) -> Result<int64_t> {
    auto row = c.QueryOne("SELECT id FROM users WHERE lower(username) = ?", {text::Lower(text::Trim(username))},
                          fmt::format("account {}", username.substr(0, 64)));
    if (!row.ok()) return row.error();
    return row->Int("id");
  });
}

Result<void> SetAccountDisabled(store::Database& db, const Principal* actor, int64_t user_id, bool disabled) {
  ESAFE_TRY(internal::RequireAdministrator(actor));
  return internal::Done(db.Transaction<bool>([&](store::Connection& c) -> Result<bool> {
           auto user = c.QueryOne("SELECT username, role FROM users WHERE id = ?", {user_id}, "account");
           if (!user.ok()) return user.error();
           if (disabled) {
             if (actor && actor->user_id == user_id)
               return Error::Invalid("you cannot disable your own account; ask another administrator");
             if (user->Text("role") == RoleName(Role::kPartnershipAdmin)) {
               auto others = c.QueryOne(
                   "SELECT COUNT(*) AS n FROM users WHERE role = ? AND disabled = 0 AND demo_suspended = 0 AND id <> ?",
                   {std::string(RoleName(Role::kPartnershipAdmin)), user_id}, "administrators");
               if (!others.ok()) return others.error();
               if (others->Int("n") == 0)
                 return Error::Invalid("this is the last enabled administrator; enable or add another first");
             }
           }
           ESAFE_TRY(c.Execute("UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?",
                               {int64_t{disabled ? 1 : 0}, clock::NowIso8601(), user_id}));
           int64_t ended = 0;
           if (disabled) {
             auto n = internal::EndAccountSessions(c, user_id);
             if (!n.ok()) return n.error();
             ended = *n;
           }
           ESAFE_TRY(RecordAudit(c, actor, disabled ? "disable" : "enable", "account", user_id,
                                 disabled ? fmt::format("disabled {}; {} sessions ended", user->Text("username"), ended)
                                          : fmt::format("enabled {}", user->Text("username"))));
           return true;
         }));
}

Result<std::string> ResetPassword(store::Database& db, const Principal* actor, int64_t user_id) {
  ESAFE_TRY(internal::RequireAdministrator(actor));
  // 20 characters of URL-safe base64 (120 bits): typed once, then replaced.
  const std::string password = internal::RandomToken().substr(0, 20);
  auto hash = HashPassword(password);
  if (!hash.ok()) return hash.error();
  return db.Transaction<std::string>([&](store::Connection& c) -> Result<std::string> {
    auto user = c.QueryOne("SELECT username FROM users WHERE id = ?", {user_id}, "account");
    if (!user.ok()) return user.error();
    ESAFE_TRY(c.Execute("UPDATE users SET password_hash = ?, must_change_password = 1, updated_at = ? WHERE id = ?",
                        {*hash, clock::NowIso8601(), user_id}));
    auto ended = internal::EndAccountSessions(c, user_id);
    if (!ended.ok()) return ended.error();
    ESAFE_TRY(RecordAudit(c, actor, "password_reset", "account", user_id,
                          fmt::format("temporary password set for {}; {} sessions ended", user->Text("username"),
                                      *ended)));
    return password;
  });
}

Result<void> ChangeOwnPassword(store::Database& db, const Principal& self, std::string_view current_password,
                               std::string_view new_password, std::string_view keep_session_id) {
  ESAFE_TRY(CheckPasswordRules(new_password));
  if (new_password == current_password)
    return Error::Invalid("the new password must differ from the current one", "password");
  auto current_hash = db.Read<std::string>([&](store::Connection& c) -> Result<std::string> {
    auto row = c.QueryOne("SELECT password_hash FROM users WHERE id = ?", {self.user_id}, "account");
    if (!row.ok()) return row.error();
    return row->Text("password_hash");
  });
  if (!current_hash.ok()) return current_hash.error();
  if (!VerifyPassword(*current_hash, current_password))
    return Error::Invalid("the current password is wrong", "current_password");
  auto hash = HashPassword(new_password);
  if (!hash.ok()) return hash.error();
  return internal::Done(db.Transaction<bool>([&](store::Connection& c) -> Result<bool> {
           ESAFE_TRY(c.Execute(
               "UPDATE users SET password_hash = ?, must_change_password = 0, updated_at = ? WHERE id = ?",
               {*hash, clock::NowIso8601(), self.user_id}));
           auto ended = internal::EndAccountSessions(c, self.user_id, keep_session_id);
           if (!ended.ok()) return ended.error();
           ESAFE_TRY(RecordAudit(c, &self, "password_change", "account", self.user_id,
                                 fmt::format("changed own password; {} other sessions ended", *ended)));
           return true;
         }));
}

Result<int64_t> SetDemoAccountsActive(store::Database& db, bool demo_mode) {
  return db.Transaction<int64_t>([&](store::Connection& c) -> Result<int64_t> {
    auto changed = c.Query("UPDATE users SET demo_suspended = ? WHERE demo = 1 AND demo_suspended <> ? RETURNING id",
                           {int64_t{demo_mode ? 0 : 1}, int64_t{demo_mode ? 0 : 1}});
    if (!changed.ok()) return changed.error();
    for (const auto& r : *changed) {
      if (!demo_mode) ESAFE_TRY(internal::EndAccountSessions(c, r.Int("id")));
      ESAFE_TRY(RecordAudit(c, nullptr, demo_mode ? "enable" : "disable", "account", r.Int("id"),
                            demo_mode ? "demo account enabled: the server runs with --demo"
                                      : "demo account suspended: the server runs without --demo"));
    }
    return static_cast<int64_t>(changed->size());
  });
}

Result<DemoAccountCounts> CountDemoAccounts(store::Connection& c) {
  auto row = c.QueryOne(
      "SELECT COUNT(*) AS present, COALESCE(SUM(CASE WHEN disabled = 0 AND demo_suspended = 0 THEN 1 ELSE 0 END), 0) "
      "AS can_sign_in FROM users WHERE demo = ?",
      {int64_t{1}}, "demo accounts");
  if (!row.ok()) return row.error();
  return DemoAccountCounts{.present = row->Int("present"), .can_sign_in = row->Int("can_sign_in")};
}

}  // namespace esafe::access
