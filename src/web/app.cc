#include "web/app.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/text.h"
#include "web/paging.h"
#include "web/route_table.h"
#include "web/ui_assets.h"

namespace esafe::web {
namespace {

constexpr const char* kSessionCookie = "esafe_session";

std::vector<std::string> Segments(std::string_view path) {
  std::vector<std::string> out;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    out.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool Match(const std::string& pattern, const std::string& path, std::map<std::string, std::string>& params) {
  auto ps = Segments(pattern), xs = Segments(path);
  if (ps.size() != xs.size()) return false;
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < ps.size(); ++i) {
    if (ps[i].size() > 2 && ps[i].front() == '{' && ps[i].back() == '}') {
      if (xs[i].empty()) return false;
      found[ps[i].substr(1, ps[i].size() - 2)] = xs[i];
    } else if (ps[i] != xs[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

// Literal segments win over parameters, so /agencies/export.csv is not /agencies/{id}.
int Specificity(const std::string& pattern) {
  int n = 0;
  for (const auto& s : Segments(pattern)) n += (s.empty() || s.front() != '{') ? 2 : 1;
  return n;
}

// nlohmann::json parses recursively; a body of a million '[' would exhaust the
// stack, so nesting is bounded before parsing.
bool NestingWithin(std::string_view body, int max_depth) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : body) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

std::string MimeType(std::string_view path) {
  auto ends = [&](std::string_view s) { return path.ends_with(s); };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  if (ends(".ico")) return "image/x-icon";
  return "application/octet-stream";
}

void AddSecurityHeaders(Response& r) {
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  // A page may ask for a laxer policy: with no-referrer a browser sends "Origin: null" on
  // a same-site form post, which the origin check below would refuse (the /blocked form).
  bool has_referrer_policy = false;
  for (const auto& [name, value] : r.headers) has_referrer_policy |= name == "Referrer-Policy";
  if (!has_referrer_policy) r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                         "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'");
  r.headers.emplace_back("Cache-Control", "no-store");
}

}  // namespace

int StatusFor(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalid: return 400;
    case ErrorKind::kNotFound: return 404;
    case ErrorKind::kForbidden: return 403;
    case ErrorKind::kUnauthenticated: return 401;
    case ErrorKind::kConflict: return 409;
    case ErrorKind::kThrottled: return 429;
    case ErrorKind::kTooLarge: return 413;
    case ErrorKind::kInternal: return 500;
  }
  return 500;
}

Response JsonResponse(int status, const Json& body) {
  Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  return r;
}

Response ErrorResponse(int status, const std::string& message, const std::string& field) {
  return JsonResponse(status, {{"error", message}, {"field", field.empty() ? Json(nullptr) : Json(field)}});
}

Response DownloadResponse(Result<std::string> bytes, std::string_view content_type, std::string_view file_name) {
  if (!bytes.ok()) return ErrorResponse(bytes.error());
  std::string safe_name;
  for (char c : file_name) {
    if (c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) safe_name += c;
  }
  Response r;
  r.content_type = std::string(content_type);
  r.body = std::move(*bytes);
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + safe_name + "\"");
  return r;
}

std::optional<std::string> OriginOf(std::string_view url) {
  const std::string lower = text::Lower(url);
  const size_t scheme_end = lower.find("://");
  if (scheme_end == std::string::npos || (lower.substr(0, scheme_end) != "http" && lower.substr(0, scheme_end) != "https"))
    return std::nullopt;
  const size_t host_end = lower.find_first_of("/?#", scheme_end + 3);
  const std::string origin = lower.substr(0, host_end);
  if (origin.size() == scheme_end + 3 || origin.find_first_of(" @") != std::string::npos) return std::nullopt;
  return origin;
}

bool App::HasSession(const Request& req) const {
  const std::string token = CookieValue(req.Header("cookie"), kSessionCookie);
  return !token.empty() && access::Authenticate(db_, token, req.remote_ip, options_.login_policy).ok();
}

Response ErrorResponse(const Error& e) {
  if (e.kind == ErrorKind::kInternal) {
    // The details may name tables or hosts; they go to the log, not the client.
    spdlog::error("internal error: {}", e.message);
    return ErrorResponse(500, "something went wrong on the server; it has been logged");
  }
  Response r = ErrorResponse(StatusFor(e.kind), e.message, e.field);
  if (e.kind == ErrorKind::kThrottled)
    r.headers.emplace_back("Retry-After", std::to_string(e.retry_after_seconds > 0 ? e.retry_after_seconds : 900));
  return r;
}

Result<Json> ParseJsonBody(const Request& req, size_t max_bytes) {
  if (req.body.size() > max_bytes) return Error::TooLarge(fmt::format("the body is larger than {} bytes", max_bytes));
  std::string type = text::Lower(req.Header("content-type"));
  if (!type.starts_with("application/json")) return Error::Invalid("send the body as application/json");
  if (!NestingWithin(req.body, 32)) return Error::Invalid("the JSON is nested too deeply");
  Json body = Json::parse(req.body, nullptr, false);
  if (body.is_discarded()) return Error::Invalid("the body is not well-formed JSON");
  if (!body.is_object()) return Error::Invalid("the body must be a JSON object");
  return body;
}

App::App(store::Database& db, AppOptions options)
    : db_(db),
      options_(std::move(options)),
      filtering_profiles_(FilteringProfiles{options_.profile_names, options_.mandatory_lists}) {
  auto jobs = JobRunner::Create(options_.jobs_dir, options_.jobs);
  if (jobs.ok()) {
    jobs_ = std::move(*jobs);
  } else {
    jobs_problem_ = jobs.error().message;
    spdlog::error("background jobs cannot run: {}", jobs_problem_);
  }
  routes_ = BuildRoutes();
  for (auto& route : routes_) {
    if (!route.IsList()) continue;
    auto& q = route.query_params;
    for (const char* name : {"limit", "cursor"}) {
      if (std::find(q.begin(), q.end(), name) == q.end()) q.push_back(name);
    }
  }
  std::stable_sort(routes_.begin(), routes_.end(),
                   [](const Route& a, const Route& b) { return Specificity(a.pattern) > Specificity(b.pattern); });
  openapi_ = BuildOpenApi();
}

App::~App() { jobs_.reset(); }

Response App::StartInBackground(const Route& route, const Call& call) const {
  if (!jobs_) return ErrorResponse(503, "background jobs cannot run on this server; send the request without "
                                        "Prefer: respond-async");
  // The job outlives this request: it keeps its own copies of the request and session.
  auto request = std::make_shared<const Request>(call.request);
  auto session = std::make_shared<const access::Session>(*call.session);
  JobSpec spec;
  spec.kind = route.background;
  spec.description = route.summary;
  spec.details = {{"method", route.method}, {"path", call.request.path}, {"query", call.request.query}};
  spec.work = [handler = route.handler, request, session, params = call.params](JobContext& context) {
    context.Progress(0, 0, "working");
    Call inner{.request = *request, .params = params, .session = session.get(), .job = &context};
    return JobOutcomeOf(handler(inner), context);
  };
  auto job = jobs_->Submit(call.who().user_id, std::move(spec));
  if (!job.ok()) return ErrorResponse(job.error());
  return JobAccepted(*job);
}

Response App::Handle(const Request& req) const {
  Response r;
  try {
    r = Dispatch(req);
  } catch (const std::exception& e) {
    spdlog::error("unhandled exception for {} {}: {}", req.method, req.path, e.what());
    r = ErrorResponse(500, "something went wrong on the server; it has been logged");
  }
  AddSecurityHeaders(r);
  return r;
}

Response App::Dispatch(const Request& req) const {
  if (req.method == "GET" && (req.path == "/" || req.path.starts_with("/ui/"))) {
    std::string file = req.path == "/" ? "/index.html" : req.path.substr(3);
    for (const UiAsset* a = kUiAssets; a->path != nullptr; ++a) {
      if (file == a->path) {
        Response r;
        r.content_type = MimeType(file);
        r.body.assign(a->data, a->size);
        return r;
      }
    }
    return ErrorResponse(404, "no such page");
  }

  bool path_matched = false;
  for (const auto& route : routes_) {
    std::map<std::string, std::string> params;
    if (!Match(route.pattern, req.path, params)) continue;
    path_matched = true;
    if (route.method != req.method) continue;

    // Only the CSV imports read a streamed upload from its file; any other route
    // gets it in memory, as it would have arrived.
    std::optional<Request> loaded;
    if (req.body_file && route.request_content != "text/csv") {
      loaded = req;
      loaded->body = std::string(req.body_file->view());
      loaded->body_file.reset();
    }
    Call call{loaded ? *loaded : req, std::move(params), nullptr};
    std::optional<access::Session> session;
    bool changes_state = req.method != "GET" && req.method != "HEAD";
    if (changes_state) {
      // A browser always sends Origin on cross-site writes; refuse any other origin.
      std::string origin = req.Header("origin");
      std::string host = req.Header("host");
      // Over HTTPS (here or at a trusted proxy) only an https page is this site.
      const bool same_site = options_.public_origin.empty()
                                 ? origin == "https://" + host || (!req.tls && origin == "http://" + host)
                                 : origin == options_.public_origin;
      if (!origin.empty() && !same_site) return ErrorResponse(403, "request from another site refused");
    }
    if (route.needs_session) {
      std::string token = CookieValue(req.Header("cookie"), kSessionCookie);
      auto s = access::Authenticate(db_, token, req.remote_ip, options_.login_policy);
      if (!s.ok()) return ErrorResponse(s.error());
      session = std::move(*s);
      if (changes_state && !access::CsrfTokenMatches(*session, req.Header("x-csrf-token"))) {
        return ErrorResponse(403, "missing or wrong CSRF token; reload the page and try again", "X-CSRF-Token");
      }
      call.session = &*session;
      using Setup = access::Principal::Setup;
      if (session->principal.setup != Setup::kNone && !route.during_setup) {
        return session->principal.setup == Setup::kChangePassword
                   ? ErrorResponse(403, "change your temporary password first (Your account)", "password")
                   : ErrorResponse(403, "set up two-step sign-in first (Your account)", "totp");
      }
    }
    for (const auto& [key, value] : req.query) {
      if (std::find(route.query_params.begin(), route.query_params.end(), key) == route.query_params.end()) {
        return ErrorResponse(400, fmt::format("unknown query parameter '{}'", key.substr(0, 64)), key.substr(0, 64));
      }
    }
    if (req.Body().size() > (route.request_content == "application/json" ? options_.max_json_body
                                                                        : options_.max_upload_body)) {
      return ErrorResponse(413, "the upload is too large");
    }
    if (!route.background.empty() && WantsJob(req)) return StartInBackground(route, call);
    if (!route.IsList()) return route.handler(call);
    auto page = ReadPageQuery(req);
    if (!page.ok()) return ErrorResponse(page.error());
    call.page = *page;
    if (route.pages_in_sql) return route.handler(call);
    if (auto checked = CheckInMemoryCursor(call.page); !checked.ok()) return ErrorResponse(checked.error());
    return PageInMemory(route.handler(call), req, call.page);
  }
  if (path_matched) return ErrorResponse(405, fmt::format("{} is not allowed here", req.method.substr(0, 16)));
  return ErrorResponse(404, "no such resource");
}

Json App::BuildOpenApi() const {
  Json paths = Json::object();
  for (const auto& route : routes_) {
    Json op = {{"summary", route.summary}, {"tags", Json::array({route.tag})}, {"operationId",
               fmt::format("{}{}", text::Lower(route.method), route.pattern)}};
    Json parameters = Json::array();
    for (const auto& seg : Segments(route.pattern)) {
      if (seg.size() > 2 && seg.front() == '{') {
        // Record ids ("id", "…_id") are positive integers; other parameters (a flowchart's key) are text.
        std::string name = seg.substr(1, seg.size() - 2);
        bool numeric = name == "id" || name.ends_with("_id");
        parameters.push_back({{"name", name}, {"in", "path"}, {"required", true},
                              {"schema", numeric ? Json{{"type", "integer"}, {"minimum", 1}} : Json{{"type", "string"}}}});
      }
    }
    for (const auto& q : route.query_params) {
      if (route.IsList() && (q == "limit" || q == "cursor")) {
        parameters.push_back({{"$ref", "#/components/parameters/" + q}});
        continue;
      }
      bool numeric = q == "limit" || q == "offset" || q.ends_with("_id");
      parameters.push_back({{"name", q}, {"in", "query"}, {"required", false},
                            {"schema", {{"type", numeric ? "integer" : "string"}}}});
    }
    if (!parameters.empty()) op["parameters"] = parameters;
    if (!route.request_schema.empty()) {
      Json schema = route.request_content == "application/json"
                        ? Json{{"$ref", "#/components/schemas/" + route.request_schema}}
                        : Json{{"type", "string"}};
      op["requestBody"] = {{"required", true}, {"content", {{route.request_content, {{"schema", schema}}}}}};
    }
    Json ok = {{"description", "success"}};
    if (!route.response_schema.empty()) {
      Json schema;
      if (route.response_content != "application/json") {
        schema = {{"type", "string"}};
      } else if (route.response_schema.front() == '[') {
        schema = {{"type", "array"},
                  {"items", {{"$ref", "#/components/schemas/" +
                                          route.response_schema.substr(1, route.response_schema.size() - 2)}}}};
      } else {
        schema = {{"$ref", "#/components/schemas/" + route.response_schema}};
      }
      ok["content"] = {{route.response_content, {{"schema", schema}}}};
    }
    if (route.IsList()) ok["headers"] = {{"Link", {{"$ref", "#/components/headers/Link"}}}};
    int success = route.success_status ? route.success_status : (route.method == "DELETE" ? 204 : 200);
    Json responses = {{std::to_string(success), ok},
                      {"4XX", {{"description", "the request was refused; see error and field"},
                               {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}}}};
    if (!route.background.empty()) {
      parameters = op.value("parameters", Json::array());
      parameters.push_back({{"name", "Prefer"}, {"in", "header"}, {"required", false},
                            {"description", "respond-async: run as a background job (202, Location: the job)"},
                            {"schema", {{"type", "string"}, {"enum", {"respond-async"}}}}});
      op["parameters"] = parameters;
      responses["202"] = {{"description", "started as a background job (Prefer: respond-async); poll Location"},
                          {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Job"}}}}}}}};
    }
    op["responses"] = responses;
    if (route.needs_session) op["security"] = Json::array({{{"session", Json::array()}}});
    std::string path = route.pattern;
    paths[path][text::Lower(route.method)] = op;
  }
  Json schemas = Json::object();
  for (const auto& [name, schema] : schemas_) schemas[name] = schema;
  schemas["Error"] = {{"type", "object"},
                      {"required", {"error"}},
                      {"properties", {{"error", {{"type", "string"}}}, {"field", {{"type", "string"}, {"nullable", true}}}}}};
  return {{"openapi", "3.0.3"},
          {"info", {{"title", "esafe API"}, {"version", "1"},
                    {"description", "The JSON API of esafe. State changes need the session cookie and the "
                                    "X-CSRF-Token header returned at sign-in. Every list (an array answer) "
                                    "comes a page at a time: limit (1-1000, default 100) and cursor from the "
                                    "Link rel=\"next\" header of the previous page, absent on the last."}}},
          {"paths", paths},
          {"components",
           {{"schemas", schemas},
            {"parameters",
             {{"limit", {{"name", "limit"}, {"in", "query"}, {"required", false},
                         {"description", fmt::format("rows per page, 1 to {} (default {})", kMaxPageSize,
                                                     kDefaultPageSize)},
                         {"schema", {{"type", "integer"}, {"minimum", 1}, {"maximum", kMaxPageSize},
                                     {"default", kDefaultPageSize}}}}},
              {"cursor", {{"name", "cursor"}, {"in", "query"}, {"required", false},
                          {"description", "where the next page starts: copy it from the Link header of the "
                                          "previous page, never build it"},
                          {"schema", {{"type", "string"}}}}}}},
            {"headers",
             {{"Link", {{"description", "RFC 8288 Link to the next page (rel=\"next\"): the same path and query "
                                         "with cursor set; absent on the last page"},
                        {"schema", {{"type", "string"}}}}}}},
            {"securitySchemes", {{"session", {{"type", "apiKey"}, {"in", "cookie"}, {"name", kSessionCookie}}}}}}}};
}

}  // namespace esafe::web
