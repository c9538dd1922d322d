// Routes: health, sign-in and sign-out.
#include "access/access.h"
#include <fmt/format.h>

#include "core/text.h"
#include "web/route_table.h"

namespace esafe::web {
namespace {

std::string SessionCookie(const std::string& token, int64_t max_age, bool secure) {
  return fmt::format("esafe_session={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}", token, max_age,
                     secure ? "; Secure" : "");
}

std::string_view SetupName(access::Principal::Setup setup) {
  switch (setup) {
    case access::Principal::Setup::kChangePassword: return "change_password";
    case access::Principal::Setup::kEnrolTotp: return "enrol_totp";
    case access::Principal::Setup::kNone: break;
  }
  return "none";
}

Json SessionJson(const access::Session& s) {
  const auto& p = s.principal;
  return {{"user",
           {{"id", p.user_id},
            {"username", p.username},
            {"display_name", p.display_name},
            {"role", access::RoleName(p.role)},
            {"agency_id", p.agency_id ? Json(*p.agency_id) : Json(nullptr)},
            {"totp_enabled", p.totp_enabled},
            {"setup", SetupName(p.setup)}}},
          {"csrf_token", s.csrf_token},
          {"expires_at", s.expires_at}};
}

}  // namespace

void AddSessionRoutes(RouteTable& t) {
  auto* db = &t.db;
  const AppOptions* opts = &t.options;
  t.schemas["Session"] = {
      {"type", "object"},
      {"description", "user.setup: none, or change_password / enrol_totp when the session may do only that"},
      {"properties",
       {{"user", {{"type", "object"}}}, {"csrf_token", {{"type", "string"}}}, {"expires_at", {{"type", "integer"}}}}}};
  t.schemas["Login"] = {{"type", "object"},
                       {"required", {"username", "password"}},
                       {"additionalProperties", false},
                       {"properties",
                        {{"username", {{"type", "string"}, {"maxLength", 64}}},
                         {"password", {{"type", "string"}, {"maxLength", 256}}},
                         {"totp",
                          {{"type", "string"},
                           {"maxLength", 16},
                           {"description", "the 6-digit code, once the account has two-step sign-in; without it "
                                           "a right password answers 401 naming the field totp"}}}}}};
  t.schemas["Health"] = {{"type", "object"}, {"properties", {{"status", {{"type", "string"}}}}}};

  t.routes.push_back({.method = "GET", .pattern = "/healthz", .needs_session = false,
                    .handler = [db](const Call&) {
                      auto ok = db->Read<int64_t>([](store::Connection& c) -> Result<int64_t> {
                        auto r = c.Query("SELECT 1 AS one");
                        if (!r.ok()) return r.error();
                        return (*r)[0].Int("one");
                      });
                      if (!ok.ok()) return ErrorResponse(503, "the database is not reachable");
                      return JsonResponse(200, {{"status", "ok"}});
                    },
                    .summary = "Liveness: 200 when the server and its database answer", .tag = "system",
                    .response_schema = "Health"});

  // ---- session ----
  t.routes.push_back(
      {.method = "POST", .pattern = "/api/v1/session", .needs_session = false,
       .handler = [db, opts](const Call& call) {
         auto body = ParseJsonBody(call.request, opts->max_json_body);
         if (!body.ok()) return ErrorResponse(body.error());
         for (const auto& [k, v] : body->items()) {
           if (k != "username" && k != "password" && k != "totp") return ErrorResponse(400, "unknown field '" + k.substr(0, 64) + "'", k.substr(0, 64));
           if (!v.is_string()) return ErrorResponse(400, k + " must be text", k);
         }
         if (!body->contains("username")) return ErrorResponse(400, "username is required", "username");
         if (!body->contains("password")) return ErrorResponse(400, "password is required", "password");
         const std::string username = (*body)["username"], password = (*body)["password"];
         const std::string totp = body->value("totp", "");
         const std::string user_agent = call.request.Header("user-agent");
         auto s = access::Login(
             *db, {.username = username, .password = password, .totp = totp, .user_agent = user_agent},
             call.request.remote_ip, opts->login_policy);
         if (!s.ok()) return ErrorResponse(s.error());
         Response r = JsonResponse(200, SessionJson(*s));
         r.headers.emplace_back("Set-Cookie", SessionCookie(s->token, opts->login_policy.session_max_seconds,
                                                            opts->secure_cookies || call.request.tls));
         return r;
       },
       .summary = "Sign in; sets the session cookie and returns the CSRF token", .tag = "session",
       .request_schema = "Login", .response_schema = "Session"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/session",
                    .handler = [](const Call& call) { return JsonResponse(200, SessionJson(*call.session)); },
                    .summary = "The signed-in user and the CSRF token", .tag = "session",
                    .response_schema = "Session", .during_setup = true});
  t.routes.push_back({.method = "DELETE", .pattern = "/api/v1/session",
                    .handler = [db, opts](const Call& call) {
                      auto r = access::Logout(*db, call.session->token);
                      if (!r.ok()) return ErrorResponse(r.error());
                      Response resp;
                      resp.status = 204;
                      resp.headers.emplace_back("Set-Cookie",
                                                SessionCookie("", 0, opts->secure_cookies || call.request.tls));
                      return resp;
                    },
                    .summary = "Sign out", .tag = "session", .during_setup = true});

}

}  // namespace esafe::web
