// App: the esafe web application — JSON API under /api/v1, its OpenAPI
// document, and the browser UI — as a function from Request to Response.
//
// Every route is declared once in a table (routes.cc) that carries both the
// handler and its OpenAPI description, so the document is generated from the
// same table the router dispatches on. Handlers are thin: they parse, call one
// capability function, and format.
//
// Thread-safety: Handle may be called from many threads at once.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "access/access.h"
#include "activity/activity.h"
#include "core/record_schema.h"
#include "health/health.h"
#include "store/database.h"
#include "store/keyset.h"
#include "web/http.h"
#include "web/job_runner.h"

namespace esafe::filter {
class MandatoryLists;
}

namespace esafe::web {

struct AppOptions {
  bool secure_cookies = false;          // add Secure to the session cookie (behind TLS)
  // "https://esafe.example.org": the only origin changes are accepted from; "" for the
  // request's own Host (behind a proxy that rewrites Host, set it).
  std::string public_origin;
  size_t max_json_body = 64 * 1024;     // JSON request bodies
  size_t max_upload_body = 8 * 1024 * 1024;  // CSV imports
  access::LoginPolicy login_policy;
  // The filtering profiles the app starts with (App::ReplaceFilteringProfiles changes them).
  // The illegal-content lists, so that review requests for them are refused and never
  // stored; null when they could not be loaded (then no unblock can be approved).
  std::shared_ptr<const filter::MandatoryLists> mandatory_lists;
  // The profile names of the filtering profiles file (`serve --profiles`), in file order:
  // the names a site's filtering profile may be set to. Empty when the file was not loaded
  // (then no site's profile can be set).
  std::vector<std::string> profile_names;
  // The activity log directory; "" when none is configured (the activity routes then
  // answer 404 saying so).
  std::string activity_log_dir;
  // Where background jobs (imports, exports, board PDFs, activity reports) keep their
  // result files: "" for a fresh private directory under $TMPDIR (JobRunner::Create).
  std::string jobs_dir;
  JobRunner::Options jobs;
  // A search estimated to read more events than this is refused with 409: run it as a report.
  uint64_t activity_search_max_events = 2'000'000;
  // The live monitor's counters (monitoring::StatusJson), when `serve` runs one.
  std::function<Json()> live_monitoring;
  // The activity log's writer while this server ingests (nullptr otherwise), and the
  // retention in force, for the retention and legal-hold routes.
  std::function<activity::Store*()> activity_writer;
  activity::RetentionPolicy activity_retention;
  // What `serve` runs with, for GET /api/v1/health/details (the checks of esafe doctor).
  health::Deployment deployment;
};

// The filtering profiles in force: the names a site's profile may be set to and the
// mandatory lists review requests are checked against. `serve` replaces the whole set when
// it reloads (SIGHUP), so a request works on one consistent set from start to end.
struct FilteringProfiles {
  std::vector<std::string> names;
  std::shared_ptr<const filter::MandatoryLists> mandatory_lists;
};

class FilteringProfilesInForce {
 public:
  explicit FilteringProfilesInForce(FilteringProfiles initial)
      : current_(std::make_shared<const FilteringProfiles>(std::move(initial))) {}
  std::shared_ptr<const FilteringProfiles> Get() const { return current_.load(); }
  void Replace(FilteringProfiles next) { current_.store(std::make_shared<const FilteringProfiles>(std::move(next))); }

 private:
  std::atomic<std::shared_ptr<const FilteringProfiles>> current_;
};

// What a handler gets: the request, its path parameters, and the signed-in
// session when the route needs one.
struct Call {
  const Request& request;
  std::map<std::string, std::string> params;
  const access::Session* session = nullptr;  // non-null on routes with auth
  // On a list route (Route::IsList): the page asked for, limit and cursor checked (web/paging.h).
  store::PageQuery page;
  JobContext* job = nullptr;  // non-null when the route runs as a background job: report progress here
  const access::Principal& who() const { return session->principal; }
};

struct Route {
  std::string method;
  std::string pattern;  // "/api/v1/agencies/{id}"
  bool needs_session = true;
  std::function<Response(const Call&)> handler;
  // OpenAPI description
  std::string summary;
  std::string tag;
  std::string request_schema;   // component name, "" when no JSON body
  std::string request_content = "application/json";
  std::string response_schema;  // component name; "[X]" means an array of X; "" for no JSON
  std::string response_content = "application/json";
  std::vector<std::string> query_params;  // names of accepted query parameters
  int success_status = 0;                 // documented success code; 0: 204 for DELETE, else 200
  // Open to a session that must first change a reset password or set up two-step
  // sign-in (access::Principal::setup); every other route answers such a session 403.
  bool during_setup = false;
  // On a list route: the handler pages in SQL through Call::page and answers with
  // PagedReply; otherwise the app pages the handler's whole array in memory.
  bool pages_in_sql = false;

  // A GET whose answer is a JSON array: it takes limit and cursor (web/paging.h).
  bool IsList() const { return method == "GET" && response_schema.starts_with("["); }
  // The job form: non-empty (the job's kind, e.g. "people.import") when a request with
  // `Prefer: respond-async` (RFC 7240) runs the handler as a background job and is
  // answered 202 with the job and `Location: /api/v1/jobs/{id}`. Without the header
  // the route answers as usual.
  std::string background;
};

class App {
 public:
  App(store::Database& db, AppOptions options = {});
  // Stops the background jobs first: their work calls the routes and the database.
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  Response Handle(const Request& request) const;
  // Whether the request carries a live session cookie: the HTTP server asks before it
  // reads a body larger than an anonymous request may send.
  bool HasSession(const Request& request) const;

  const std::vector<Route>& routes() const { return routes_; }
  // The OpenAPI 3 document of every route.
  const Json& OpenApi() const { return openapi_; }
  // Puts newly loaded filtering profiles in force for the requests that start from now on.
  void ReplaceFilteringProfiles(FilteringProfiles next) { filtering_profiles_.Replace(std::move(next)); }

 private:
  std::vector<Route> BuildRoutes();
  Json BuildOpenApi() const;
  Response Dispatch(const Request& request) const;
  Response StartInBackground(const Route& route, const Call& call) const;

  store::Database& db_;
  AppOptions options_;
  FilteringProfilesInForce filtering_profiles_;  // before routes_: the routes hold a reference
  std::unique_ptr<JobRunner> jobs_;  // null when it could not start (jobs_problem_ says why)
  std::string jobs_problem_;
  std::vector<Route> routes_;
  std::map<std::string, Json> schemas_;  // OpenAPI components
  Json openapi_;
};

// "https://esafe.example.org" from a URL such as "https://esafe.example.org/path", or
// nullopt when it is not an absolute http(s) URL.
std::optional<std::string> OriginOf(std::string_view url);

// Helpers shared by the route files.
Response JsonResponse(int status, const Json& body);
Response ErrorResponse(const Error& error);
Response ErrorResponse(int status, const std::string& message, const std::string& field = {});
// A file to save: `bytes` as an attachment named `file_name` (quotes and control
// characters dropped), or the error's response.
Response DownloadResponse(Result<std::string> bytes, std::string_view content_type, std::string_view file_name);
inline constexpr char kCsvType[] = "text/csv; charset=utf-8";
inline constexpr char kXlsxType[] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
int StatusFor(ErrorKind kind);
// Parses the body as a JSON object within the size cap; the Error names the problem.
Result<Json> ParseJsonBody(const Request& request, size_t max_bytes);

// Whether the request asks to run as a background job: `Prefer: respond-async`.
bool WantsJob(const Request& request);
// 202 with the job's JSON (JobJson), `Location: /api/v1/jobs/{id}` and
// `Preference-Applied: respond-async`.
Response JobAccepted(const Job& job);
// A job as its owner reads it from /api/v1/jobs.
Json JobJson(const Job& job);

}  // namespace esafe::web
