#include <fmt/format.h>

#include "access/access.h"
#include "core/clock.h"

namespace esafe::access {

const RecordSchema& AuditEventSchema() {
  static const RecordSchema schema(
      "audit_event",
      {
          {.name = "id", .type = FieldType::kInteger, .read_only = true},
          {.name = "at", .type = FieldType::kString, .description = "UTC time", .read_only = true},
          {.name = "user_id", .type = FieldType::kInteger, .read_only = true},
          {.name = "username", .type = FieldType::kString, .read_only = true},
          {.name = "role", .type = FieldType::kString, .read_only = true},
          {.name = "agency_id", .type = FieldType::kInteger, .read_only = true},
          {.name = "action", .type = FieldType::kString,
           .description = "create, update, delete, read, list, import, export, login, login_failed, logout, "
                          "login_unlocked, disable, enable, password_reset, password_change, totp_enrol, totp_on, "
                          "totp_reset, session_revoke",
           .read_only = true},
          {.name = "entity", .type = FieldType::kString, .read_only = true},
          {.name = "entity_id", .type = FieldType::kInteger, .read_only = true},
          {.name = "summary", .type = FieldType::kString, .read_only = true},
          {.name = "ip", .type = FieldType::kString, .read_only = true},
      });
  return schema;
}

Result<void> RecordAudit(store::Connection& c, const Principal* actor, std::string_view action,
                         std::string_view entity, std::optional<int64_t> entity_id, std::string_view summary) {
  using store::Value;
  auto opt = [](const std::optional<int64_t>& v) { return v ? Value(*v) : Value(); };
  auto r = c.Execute(
      "INSERT INTO audit_events (at, user_id, username, role, agency_id, action, entity, entity_id, summary, ip) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {clock::NowIso8601(), actor ? Value(actor->user_id) : Value(),
       actor ? Value(actor->username) : Value(std::string("system")),
       actor ? Value(std::string(RoleName(actor->role))) : Value(), actor ? opt(actor->agency_id) : Value(),
       std::string(action), std::string(entity), opt(entity_id), std::string(summary.substr(0, 500)),
       actor ? Value(actor->ip) : Value()});
  if (!r.ok()) return r.error();
  return Ok();
}

Result<void> RecordAudit(store::Database& db, const Principal* actor, std::string_view action,
                         std::string_view entity, std::optional<int64_t> entity_id, std::string_view summary) {
  return db.WriteGrouped([&](store::Connection& c) { return RecordAudit(c, actor, action, entity, entity_id, summary); });
}

Result<Json> ListAudit(store::Database& db, const Principal& actor, const AuditQuery& q) {
  auto page = ListAuditPage(db, actor, q, {.limit = std::clamp<int64_t>(q.limit, 1, 1000), .after = nullptr});
  if (!page.ok()) return page.error();
  return std::move(page->items);
}

Result<store::Page> ListAuditPage(store::Database& db, const Principal& actor, const AuditQuery& q,
                                  const store::PageQuery& page) {
  if (actor.role != Role::kPartnershipAdmin && !(actor.role == Role::kAuditor && actor.SeesAllAgencies())) {
    return Error::Forbidden("only partnership administrators and auditors may read the audit trail");
  }
  const store::Keyset order{{{"id", store::KeyType::kInt}}, true};
  std::string sql = "SELECT *, " + order.SelectList() + " FROM audit_events WHERE 1=1";
  std::vector<store::Value> params;
  if (q.entity) { sql += " AND entity = ?"; params.emplace_back(*q.entity); }
  if (q.entity_id) { sql += " AND entity_id = ?"; params.emplace_back(*q.entity_id); }
  if (q.action) { sql += " AND action = ?"; params.emplace_back(*q.action); }
  if (q.user_id) { sql += " AND user_id = ?"; params.emplace_back(*q.user_id); }
  if (q.before_id > 0) { sql += " AND id < ?"; params.emplace_back(q.before_id); }
  ESAFE_TRY(store::AppendKeyset(sql, params, order, page));
  auto read = db.Read<store::Page>([&](store::Connection& c) -> Result<store::Page> {
    auto rows = c.Query(sql, params);
    if (!rows.ok()) return rows.error();
    store::Page out = store::TakePage(*rows, order, page, [](const store::Row& row) {
      Json e = Json::object();
      for (const auto& f : AuditEventSchema().fields()) {
        if (row.IsNull(f.name)) e[f.name] = nullptr;
        else if (f.type == FieldType::kInteger) e[f.name] = row.Int(f.name);
        else e[f.name] = row.Text(f.name);
      }
      return e;
    });
    return out;
  });
  if (!read.ok()) return read.error();
  // Reading the trail is itself recorded: it shows who looked at whom.
  ESAFE_TRY(RecordAudit(db, &actor, "list", "audit_event", std::nullopt, fmt::format("{} events", read->items.size())));
  return read;
}

}  // namespace esafe::access
