// Routes: the audit trail and accounts.
#include "access/access.h"
#include <fmt/format.h>

#include "core/text.h"
#include "web/paging.h"
#include "web/route_table.h"

namespace esafe::web {
namespace {

// Refuses any field but `allowed`, so a misspelt one is not silently ignored.
Result<void> OnlyFields(const Json& body, std::initializer_list<std::string_view> allowed) {
  for (const auto& [k, v] : body.items()) {
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end())
      return Error::Invalid("unknown field '" + k.substr(0, 64) + "'", k.substr(0, 64));
  }
  return Ok();
}

}  // namespace

void AddAccessRoutes(RouteTable& t) {
  auto* db = &t.db;
  const AppOptions* opts = &t.options;
  t.schemas["AuditEvent"] = access::AuditEventSchema().OpenApi(false);
  t.schemas["Account"] = access::AccountSchema().OpenApi(false);
  t.schemas["Account"]["properties"].erase("password");
  t.schemas["AccountInput"] = access::AccountSchema().OpenApi(true);
  auto object = [](Json properties, std::vector<std::string> required = {}) {
    Json o = {{"type", "object"}, {"properties", std::move(properties)}};
    if (!required.empty()) o["required"] = required;
    return o;
  };
  t.schemas["AccountState"] = object({{"id", {{"type", "integer"}}}, {"disabled", {{"type", "boolean"}}}});
  t.schemas["PasswordReset"] =
      object({{"id", {{"type", "integer"}}},
              {"temporary_password", {{"type", "string"}, {"description", "shown once; must be changed at sign-in"}}}});
  t.schemas["TotpReset"] = object({{"id", {{"type", "integer"}}}, {"totp_enabled", {{"type", "boolean"}}}});
  t.schemas["AccountSession"] = object({{"id", {{"type", "string"}, {"description", "public id, not the token"}}},
                                        {"created_at", {{"type", "string"}}},
                                        {"last_seen", {{"type", "string"}}},
                                        {"expires_at", {{"type", "string"}}},
                                        {"ip", {{"type", "string"}}},
                                        {"user_agent", {{"type", "string"}}},
                                        {"current", {{"type", "boolean"}}}});
  t.schemas["SessionsEnded"] = object({{"ended", {{"type", "integer"}}}});
  t.schemas["PasswordChange"] =
      object({{"current_password", {{"type", "string"}, {"maxLength", 256}}},
              {"password", {{"type", "string"}, {"maxLength", 256}, {"description", "the new password"}}}},
             {"current_password", "password"});
  t.schemas["TotpEnrolment"] = object({{"secret", {{"type", "string"}, {"description", "base32"}}},
                                       {"otpauth_uri", {{"type", "string"}}}});
  t.schemas["TotpCode"] = object({{"code", {{"type", "string"}, {"maxLength", 16}}}}, {"code"});
  t.schemas["TotpState"] = object({{"totp_enabled", {{"type", "boolean"}}}});
  t.schemas["AccountUnlocked"] = Json{{"type", "object"},
                                      {"properties",
                                       {{"id", {{"type", "integer"}}}, {"cleared_failures", {{"type", "integer"}}}}}};

  // ---- access ----
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/audit-events",
                    .handler = [db](const Call& call) {
                      access::AuditQuery q;
                      q.entity = QueryText(call.request, "entity");
                      q.action = QueryText(call.request, "action");
                      std::optional<int64_t> before;
                      auto read = QueryInts(call.request, {{"entity_id", &q.entity_id}, {"user_id", &q.user_id},
                                                           {"before_id", &before}});
                      if (!read.ok()) return ErrorResponse(read.error());
                      q.before_id = before.value_or(q.before_id);
                      return PagedReply(call, access::ListAuditPage(*db, call.who(), q, call.page));
                    },
                    .summary = "The audit trail, newest first (administrators and auditors)", .tag = "audit",
                    .response_schema = "[AuditEvent]",
                    .query_params = {"entity", "entity_id", "action", "user_id", "before_id"},
                    .pages_in_sql = true});
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

  for (const bool disable : {true, false}) {
    t.routes.push_back(
        {.method = "POST", .pattern = disable ? "/api/v1/accounts/{id}/disable" : "/api/v1/accounts/{id}/enable",
         .handler = [db, disable](const Call& call) {
           auto id = PathId(call);
           if (!id.ok()) return ErrorResponse(id.error());
           auto done = access::SetAccountDisabled(*db, &call.who(), *id, disable);
           if (!done.ok()) return ErrorResponse(done.error());
           return JsonResponse(200, {{"id", *id}, {"disabled", disable}});
         },
         .summary = disable ? "Disable an account: it cannot sign in and its sessions end at once (partnership "
                              "administrators; not yourself, nor the last enabled administrator; audited)"
                            : "Enable a disabled account (partnership administrators; audited)",
         .tag = "accounts", .response_schema = "AccountState"});
  }
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/accounts/{id}/password-reset",
                      .handler = [db](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        auto password = access::ResetPassword(*db, &call.who(), *id);
                        if (!password.ok()) return ErrorResponse(password.error());
                        return JsonResponse(200, {{"id", *id}, {"temporary_password", *password}});
                      },
                      .summary = "Set a one-time temporary password, shown once, that must be changed at the next "
                                 "sign-in; the account's sessions end (partnership administrators; audited)",
                      .tag = "accounts", .response_schema = "PasswordReset"});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/accounts/{id}/totp-reset",
                      .handler = [db](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        auto done = access::ResetTotp(*db, &call.who(), *id);
                        if (!done.ok()) return ErrorResponse(done.error());
                        return JsonResponse(200, {{"id", *id}, {"totp_enabled", false}});
                      },
                      .summary = "Switch an account's two-step sign-in off (a lost phone); its sessions end "
                                 "(partnership administrators; audited)",
                      .tag = "accounts", .response_schema = "TotpReset"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/accounts/{id}/sessions",
                      .handler = [db](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        return Reply(access::ListSessions(*db, call.who(), *id, call.session->id));
                      },
                      .summary = "An account's live sessions, never their tokens (the owner or a partnership "
                                 "administrator)",
                      .tag = "accounts", .response_schema = "[AccountSession]"});
  t.routes.push_back({.method = "DELETE", .pattern = "/api/v1/accounts/{id}/sessions",
                      .handler = [db](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        auto ended = access::RevokeSessions(*db, call.who(), *id, "");
                        if (!ended.ok()) return ErrorResponse(ended.error());
                        return JsonResponse(200, {{"ended", *ended}});
                      },
                      .summary = "End every session of an account (the owner or a partnership administrator; "
                                 "audited)",
                      .tag = "accounts", .response_schema = "SessionsEnded", .success_status = 200});
  t.routes.push_back({.method = "DELETE", .pattern = "/api/v1/accounts/{id}/sessions/{sid}",
                      .handler = [db](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        auto ended = access::RevokeSessions(*db, call.who(), *id, call.params.at("sid"));
                        if (!ended.ok()) return ErrorResponse(ended.error());
                        return JsonResponse(200, {{"ended", *ended}});
                      },
                      .summary = "End one session of an account, named by its public id (the owner or a "
                                 "partnership administrator; audited)",
                      .tag = "accounts", .response_schema = "SessionsEnded", .success_status = 200});

  // ---- your account: open to every signed-in person ----
  t.routes.push_back(
      {.method = "POST", .pattern = "/api/v1/account/password",
       .handler = [db, opts](const Call& call) {
         auto body = ParseJsonBody(call.request, opts->max_json_body);
         if (!body.ok()) return ErrorResponse(body.error());
         if (auto only = OnlyFields(*body, {"current_password", "password"}); !only.ok())
           return ErrorResponse(only.error());
         auto current = TextField(*body, "current_password");
         if (!current.ok()) return ErrorResponse(current.error());
         auto next = TextField(*body, "password");
         if (!next.ok()) return ErrorResponse(next.error());
         auto done = access::ChangeOwnPassword(*db, call.who(), *current, *next, call.session->id);
         if (!done.ok()) return ErrorResponse(done.error());
         Response r;
         r.status = 204;
         return r;
       },
       .summary = "Change your own password (the current one is checked); your other sessions end",
       .tag = "account", .request_schema = "PasswordChange", .success_status = 204, .during_setup = true});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/account/sessions",
                      .handler = [db](const Call& call) {
                        return Reply(access::ListSessions(*db, call.who(), call.who().user_id, call.session->id));
                      },
                      .summary = "Your live sessions, never their tokens", .tag = "account",
                      .response_schema = "[AccountSession]", .during_setup = true});
  t.routes.push_back({.method = "DELETE", .pattern = "/api/v1/account/sessions/{sid}",
                      .handler = [db](const Call& call) {
                        auto ended =
                            access::RevokeSessions(*db, call.who(), call.who().user_id, call.params.at("sid"));
                        if (!ended.ok()) return ErrorResponse(ended.error());
                        return JsonResponse(200, {{"ended", *ended}});
                      },
                      .summary = "End one of your sessions, named by its public id (audited)", .tag = "account",
                      .response_schema = "SessionsEnded", .success_status = 200});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/account/totp/enrol",
                      .handler = [db](const Call& call) {
                        auto e = access::BeginTotpEnrolment(*db, call.who());
                        if (!e.ok()) return ErrorResponse(e.error());
                        return JsonResponse(200, {{"secret", e->secret_base32}, {"otpauth_uri", e->otpauth_uri}});
                      },
                      .summary = "Start setting up two-step sign-in: a new secret for an authenticator app, in "
                                 "force once confirmed with a code",
                      .tag = "account", .response_schema = "TotpEnrolment", .during_setup = true});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/account/totp/confirm",
                      .handler = [db, opts](const Call& call) {
                        auto body = ParseJsonBody(call.request, opts->max_json_body);
                        if (!body.ok()) return ErrorResponse(body.error());
                        if (auto only = OnlyFields(*body, {"code"}); !only.ok()) return ErrorResponse(only.error());
                        auto code = TextField(*body, "code");
                        if (!code.ok()) return ErrorResponse(code.error());
                        auto done = access::ConfirmTotp(*db, call.who(), text::Trim(*code));
                        if (!done.ok()) return ErrorResponse(done.error());
                        return JsonResponse(200, {{"totp_enabled", true}});
                      },
                      .summary = "Switch two-step sign-in on with a code from the app for the new secret (audited)",
                      .tag = "account", .request_schema = "TotpCode", .response_schema = "TotpState",
                      .during_setup = true});
}

}  // namespace esafe::web
