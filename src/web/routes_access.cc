// Routes: the audit trail and accounts.
#include "access/access.h"
#include <fmt/format.h>

#include "core/text.h"
#include "web/route_table.h"

namespace esafe::web {

void AddAccessRoutes(RouteTable& t) {
  auto* db = &t.db;
  const AppOptions* opts = &t.options;
  t.schemas["AuditEvent"] = access::AuditEventSchema().OpenApi(false);
  t.schemas["Account"] = access::AccountSchema().OpenApi(false);
  t.schemas["Account"]["properties"].erase("password");
  t.schemas["AccountInput"] = access::AccountSchema().OpenApi(true);
  t.schemas["AccountUnlocked"] = Json{{"type", "object"},
                                      {"properties",
                                       {{"id", {{"type", "integer"}}}, {"cleared_failures", {{"type", "integer"}}}}}};

  // ---- access ----
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/audit-events",
                    .handler = [db](const Call& call) {
                      access::AuditQuery q;
                      q.entity = QueryText(call.request, "entity");
                      q.action = QueryText(call.request, "action");
                      std::optional<int64_t> limit, before;
                      auto read = QueryInts(call.request, {{"entity_id", &q.entity_id}, {"user_id", &q.user_id},
                                                           {"limit", &limit}, {"before_id", &before}});
                      if (!read.ok()) return ErrorResponse(read.error());
                      q.limit = limit.value_or(q.limit);
                      q.before_id = before.value_or(q.before_id);
                      return Reply(access::ListAudit(*db, call.who(), q));
                    },
                    .summary = "The audit trail, newest first (administrators and auditors)", .tag = "audit",
                    .response_schema = "[AuditEvent]",
                    .query_params = {"entity", "entity_id", "action", "user_id", "limit", "before_id"}});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/accounts/{id}/unlock",
                      .handler = [db](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        auto cleared = access::ClearLoginFailures(*db, &call.who(), *id);
                        if (!cleared.ok()) return ErrorResponse(cleared.error());
                        return JsonResponse(200, {{"id", *id}, {"cleared_failures", *cleared}});
                      },
                      .summary = "Clear an account's failed sign-ins so it can sign in at once from anywhere "
                                 "(partnership administrators; audited)",
                      .tag = "accounts", .response_schema = "AccountUnlocked"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/accounts",
                    .handler = [db](const Call& call) { return Reply(access::ListAccounts(*db, call.who())); },
                    .summary = "Accounts (partnership administrators)", .tag = "accounts",
                    .response_schema = "[Account]"});
  t.routes.push_back(
      {.method = "POST", .pattern = "/api/v1/accounts",
       .handler = [db, opts](const Call& call) {
         if (call.who().role != access::Role::kPartnershipAdmin) {
           return ErrorResponse(403, "only partnership administrators manage accounts");
         }
         auto body = ParseJsonBody(call.request, opts->max_json_body);
         if (!body.ok()) return ErrorResponse(body.error());
         auto valid = access::AccountSchema().Validate(*body, false);
         if (!valid.ok()) return ErrorResponse(valid.error());
         access::NewAccount a;
         a.username = (*valid)["username"];
         a.display_name = (*valid)["display_name"];
         a.password = (*body)["password"];  // untrimmed: spaces may be part of a password
         a.role = *access::ParseRole((*valid)["role"].get<std::string>());
         if (valid->contains("agency_id") && !(*valid)["agency_id"].is_null()) a.agency_id = (*valid)["agency_id"];
         auto id = access::AddAccount(*db, a, &call.who());
         if (!id.ok()) return ErrorResponse(id.error());
         return JsonResponse(201, {{"id", *id}, {"username", a.username}, {"display_name", a.display_name},
                                   {"role", access::RoleName(a.role)},
                                   {"agency_id", a.agency_id ? Json(*a.agency_id) : Json(nullptr)},
                                   {"disabled", false}});
       },
       .summary = "Create an account", .tag = "accounts", .request_schema = "AccountInput",
       .response_schema = "Account", .success_status = 201});
}

}  // namespace esafe::web
