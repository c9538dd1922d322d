// The route table: every API route with its handler and its OpenAPI description.
#include <fmt/format.h>

#include "core/text.h"
#include "directory/directory.h"
#include "web/app.h"

namespace esafe::web {
namespace {

using directory::Kind;

std::string SessionCookie(const std::string& token, int64_t max_age, bool secure) {
  return fmt::format("esafe_session={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}", token, max_age,
                     secure ? "; Secure" : "");
}

Result<int64_t> PathId(const Call& call) {
  auto id = text::ParseInt(call.params.at("id"));
  if (!id || *id < 1) return Error::Invalid("the id must be a positive whole number", "id");
  return *id;
}

Result<std::optional<int64_t>> QueryInt(const Request& req, const std::string& name) {
  auto it = req.query.find(name);
  if (it == req.query.end() || it->second.empty()) return std::optional<int64_t>();
  auto v = text::ParseInt(it->second);
  if (!v || *v < 0) return Error::Invalid(fmt::format("{} must be a whole number", name), name);
  return std::optional<int64_t>(*v);
}

// Reads each named whole-number query parameter into its target (left unset when absent).
Result<void> QueryInts(const Request& req,
                       std::initializer_list<std::pair<const char*, std::optional<int64_t>*>> fields) {
  for (const auto& [name, target] : fields) {
    auto v = QueryInt(req, name);
    if (!v.ok()) return v.error();
    *target = *v;
  }
  return Ok();
}

std::optional<std::string> QueryText(const Request& req, const std::string& name) {
  auto it = req.query.find(name);
  if (it == req.query.end() || it->second.empty()) return std::nullopt;
  return it->second.substr(0, 200);
}

Json SessionJson(const access::Session& s) {
  const auto& p = s.principal;
  return {{"user",
           {{"id", p.user_id},
            {"username", p.username},
            {"display_name", p.display_name},
            {"role", access::RoleName(p.role)},
            {"agency_id", p.agency_id ? Json(*p.agency_id) : Json(nullptr)}}},
          {"csrf_token", s.csrf_token},
          {"expires_at", s.expires_at}};
}

template <typename T>
Response Reply(const Result<T>& r, int status = 200) {
  if (!r.ok()) return ErrorResponse(r.error());
  return JsonResponse(status, r.value());
}

}  // namespace

std::vector<Route> App::BuildRoutes() {
  std::vector<Route> routes;
  auto* db = &db_;
  const AppOptions* opts = &options_;

  schemas_["Session"] = {
      {"type", "object"},
      {"properties",
       {{"user", {{"type", "object"}}}, {"csrf_token", {{"type", "string"}}}, {"expires_at", {{"type", "integer"}}}}}};
  schemas_["Login"] = {{"type", "object"},
                       {"required", {"username", "password"}},
                       {"additionalProperties", false},
                       {"properties",
                        {{"username", {{"type", "string"}, {"maxLength", 64}}},
                         {"password", {{"type", "string"}, {"maxLength", 256}}}}}};
  schemas_["Health"] = {{"type", "object"}, {"properties", {{"status", {{"type", "string"}}}}}};
  schemas_["ImportReport"] = {
      {"type", "object"},
      {"properties",
       {{"imported", {{"type", "integer"}}}, {"errors", {{"type", "array"}, {"items", {{"type", "string"}}}}}}}};
  schemas_["Summary"] = {{"type", "object"}, {"description", "aggregate figures for the board; no names"}};
  schemas_["AuditEvent"] = access::AuditEventSchema().OpenApi(false);
  schemas_["Account"] = access::AccountSchema().OpenApi(false);
  schemas_["Account"]["properties"].erase("password");
  schemas_["AccountInput"] = access::AccountSchema().OpenApi(true);

  routes.push_back({.method = "GET", .pattern = "/healthz", .needs_session = false,
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
  routes.push_back({.method = "GET", .pattern = "/api/v1/openapi.json", .needs_session = false,
                    .handler = [this](const Call&) { return JsonResponse(200, openapi_); },
                    .summary = "This OpenAPI document", .tag = "system", .response_schema = ""});

  // ---- session ----
  routes.push_back(
      {.method = "POST", .pattern = "/api/v1/session", .needs_session = false,
       .handler = [db, opts](const Call& call) {
         auto body = ParseJsonBody(call.request, opts->max_json_body);
         if (!body.ok()) return ErrorResponse(body.error());
         for (const auto& [k, v] : body->items()) {
           if (k != "username" && k != "password") return ErrorResponse(400, "unknown field '" + k.substr(0, 64) + "'", k.substr(0, 64));
           if (!v.is_string()) return ErrorResponse(400, k + " must be text", k);
         }
         if (!body->contains("username")) return ErrorResponse(400, "username is required", "username");
         if (!body->contains("password")) return ErrorResponse(400, "password is required", "password");
         auto s = access::Login(*db, (*body)["username"].get<std::string>(), (*body)["password"].get<std::string>(),
                                call.request.remote_ip, opts->login_policy);
         if (!s.ok()) return ErrorResponse(s.error());
         Response r = JsonResponse(200, SessionJson(*s));
         r.headers.emplace_back("Set-Cookie", SessionCookie(s->token, opts->login_policy.session_max_seconds,
                                                            opts->secure_cookies || call.request.tls));
         return r;
       },
       .summary = "Sign in; sets the session cookie and returns the CSRF token", .tag = "session",
       .request_schema = "Login", .response_schema = "Session"});
  routes.push_back({.method = "GET", .pattern = "/api/v1/session",
                    .handler = [](const Call& call) { return JsonResponse(200, SessionJson(*call.session)); },
                    .summary = "The signed-in user and the CSRF token", .tag = "session",
                    .response_schema = "Session"});
  routes.push_back({.method = "DELETE", .pattern = "/api/v1/session",
                    .handler = [db, opts](const Call& call) {
                      auto r = access::Logout(*db, call.session->token);
                      if (!r.ok()) return ErrorResponse(r.error());
                      Response resp;
                      resp.status = 204;
                      resp.headers.emplace_back("Set-Cookie", SessionCookie("", 0, opts->secure_cookies));
                      return resp;
                    },
                    .summary = "Sign out", .tag = "session"});

  // ---- directory ----
  for (const auto& info : directory::AllKinds()) {
    Kind kind = info.kind;
    std::string base = "/api/v1/" + info.plural;
    std::string name = info.schema->name();
    std::string component;
    bool upper = true;
    for (char c : name) {
      if (c == '_') { upper = true; continue; }
      component += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
      upper = false;
    }
    Json out_schema = info.schema->OpenApi(false);
    if (kind != Kind::kAgency) out_schema["properties"]["agency_name"] = {{"type", "string"}, {"readOnly", true}};
    if (kind == Kind::kAccessLocation) out_schema["properties"]["site_name"] = {{"type", "string"}, {"readOnly", true}};
    schemas_[component] = out_schema;
    schemas_[component + "Input"] = info.schema->OpenApi(true);

    routes.push_back(
        {.method = "GET", .pattern = base,
         .handler = [db, kind](const Call& call) {
           directory::ListQuery q;
           q.search = QueryText(call.request, "q");
           q.type = QueryText(call.request, "type");
           std::optional<int64_t> limit, offset;
           auto read = QueryInts(call.request, {{"agency_id", &q.agency_id}, {"site_id", &q.site_id},
                                                {"limit", &limit}, {"offset", &offset}});
           if (!read.ok()) return ErrorResponse(read.error());
           q.limit = limit.value_or(q.limit);
           q.offset = offset.value_or(q.offset);
           return Reply(directory::Directory(*db).List(kind, call.who(), q));
         },
         .summary = fmt::format("List {} you may see; q searches names, type filters by {}", info.plural,
                                kind == Kind::kAgency ? "sector" : "type"),
         .tag = info.plural, .response_schema = "[" + component + "]",
         .query_params = {"q", "type", "agency_id", "site_id", "limit", "offset"}});
    routes.push_back({.method = "POST", .pattern = base,
                      .handler = [db, kind, opts](const Call& call) {
                        auto body = ParseJsonBody(call.request, opts->max_json_body);
                        if (!body.ok()) return ErrorResponse(body.error());
                        return Reply(directory::Directory(*db).Create(kind, call.who(), *body), 201);
                      },
                      .summary = "Create a " + name, .tag = info.plural, .request_schema = component + "Input",
                      .response_schema = component});
    routes.push_back({.method = "GET", .pattern = base + "/{id}",
                      .handler = [db, kind](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        return Reply(directory::Directory(*db).Get(kind, call.who(), *id));
                      },
                      .summary = "Read one " + name + (kind == Kind::kPerson ? " (the read is audited)" : ""),
                      .tag = info.plural, .response_schema = component});
    routes.push_back({.method = "PATCH", .pattern = base + "/{id}",
                      .handler = [db, kind, opts](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        auto body = ParseJsonBody(call.request, opts->max_json_body);
                        if (!body.ok()) return ErrorResponse(body.error());
                        return Reply(directory::Directory(*db).Update(kind, call.who(), *id, *body));
                      },
                      .summary = "Change fields of a " + name, .tag = info.plural,
                      .request_schema = component + "Input", .response_schema = component});
    routes.push_back({.method = "DELETE", .pattern = base + "/{id}",
                      .handler = [db, kind](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        auto r = directory::Directory(*db).Remove(kind, call.who(), *id);
                        if (!r.ok()) return ErrorResponse(r.error());
                        Response resp;
                        resp.status = 204;
                        return resp;
                      },
                      .summary = "Delete a " + name, .tag = info.plural});
    routes.push_back({.method = "GET", .pattern = base + "/export.csv",
                      .handler = [db, kind, plural = info.plural](const Call& call) {
                        auto csv = directory::Directory(*db).ExportCsv(kind, call.who());
                        if (!csv.ok()) return ErrorResponse(csv.error());
                        Response r;
                        r.content_type = "text/csv; charset=utf-8";
                        r.body = std::move(*csv);
                        r.headers.emplace_back("Content-Disposition",
                                               fmt::format("attachment; filename=\"{}.csv\"", plural));
                        return r;
                      },
                      .summary = "Export as CSV", .tag = info.plural, .response_schema = "csv",
                      .response_content = "text/csv"});
    routes.push_back({.method = "POST", .pattern = base + "/import",
                      .handler = [db, kind](const Call& call) {
                        std::string type = text::Lower(call.request.Header("content-type"));
                        if (!type.starts_with("text/csv")) return ErrorResponse(400, "send the file as text/csv");
                        auto report = directory::Directory(*db).ImportCsv(kind, call.who(), call.request.body);
                        if (!report.ok()) return ErrorResponse(report.error());
                        Json body = {{"imported", report->imported}, {"errors", report->errors}};
                        if (!report->errors.empty()) {
                          body["error"] = fmt::format("{} line(s) have errors; nothing was imported",
                                                      report->errors.size());
                          body["field"] = nullptr;
                          return JsonResponse(400, body);
                        }
                        return JsonResponse(200, body);
                      },
                      .summary = "Import from CSV (the columns of the export); all rows or none",
                      .tag = info.plural, .request_schema = "csv", .request_content = "text/csv",
                      .response_schema = "ImportReport"});
  }
  routes.push_back({.method = "GET", .pattern = "/api/v1/summary",
                    .handler = [db](const Call& call) { return Reply(directory::Directory(*db).Summary(call.who())); },
                    .summary = "Aggregate figures: partnership-wide for partnership roles and the board, own agency for agency roles", .tag = "reports", .response_schema = "Summary"});

  // ---- access ----
  routes.push_back({.method = "GET", .pattern = "/api/v1/audit-events",
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
  routes.push_back({.method = "GET", .pattern = "/api/v1/accounts",
                    .handler = [db](const Call& call) { return Reply(access::ListAccounts(*db, call.who())); },
                    .summary = "Accounts (partnership administrators)", .tag = "accounts",
                    .response_schema = "[Account]"});
  routes.push_back(
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
       .response_schema = "Account"});
  return routes;
}

}  // namespace esafe::web
