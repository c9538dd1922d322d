// The route table: each area of the API adds its routes, with handler and
// OpenAPI description, in a file of its own (routes_*.cc). Helpers here keep
// handlers thin: they parse, call one capability function, and format.
#pragma once

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "web/app.h"

namespace esafe::web {

struct RouteTable {
  store::Database& db;
  const AppOptions& options;
  const FilteringProfilesInForce& filtering_profiles;
  std::vector<Route>& routes;
  std::map<std::string, Json>& schemas;  // OpenAPI components by name
  JobRunner* jobs = nullptr;             // null when background jobs could not start
  std::string jobs_problem;              // why not
};

void AddSessionRoutes(RouteTable& t);    // health, sign-in, sign-out
void AddDirectoryRoutes(RouteTable& t);  // agencies, sites, access locations, people, summary
void AddAccessRoutes(RouteTable& t);     // audit trail, accounts
void AddPlanRoutes(RouteTable& t);
void AddStandardsRoutes(RouteTable& t);  // audit templates, rounds, returns, measures
void AddIncidentRoutes(RouteTable& t);   // flowcharts, incidents, escalation, serious review, statistics
void AddFilterRoutes(RouteTable& t);     // review requests (public /blocked pages), override versions
void AddMonitoringRoutes(RouteTable& t); // early-warning alerts and their triage
void AddActivityRoutes(RouteTable& t);   // activity log search, report jobs, blocked summary
void AddSurveyRoutes(RouteTable& t);     // young people's surveys: public survey pages, results, indicators
void AddHealthRoutes(RouteTable& t);     // the deployment's health checks (esafe doctor's), for the administrator
void AddJobRoutes(RouteTable& t);        // background jobs: list, state, download, cancel

// The {id} path parameter as a positive integer; Invalid naming "id" otherwise.
Result<int64_t> PathId(const Call& call);
// The path parameter `name` as a positive integer; Invalid naming it otherwise.
Result<int64_t> PathInt(const Call& call, const std::string& name);
// A whole-number query parameter; nullopt when absent or empty.
Result<std::optional<int64_t>> QueryInt(const Request& req, const std::string& name);
// Reads each named whole-number query parameter into its target (left unset when absent).
Result<void> QueryInts(const Request& req,
                       std::initializer_list<std::pair<const char*, std::optional<int64_t>*>> fields);
// A required text field of a JSON body, as sent (untrimmed: spaces may be part of a
// password); Invalid naming it when it is absent or not text.
Result<std::string> TextField(const Json& body, const std::string& name);
// A text query parameter (at most 200 characters); nullopt when absent or empty.
std::optional<std::string> QueryText(const Request& req, const std::string& name);

// What a route's answer becomes when the route runs as a job (Route::background): an
// error answer fails the job with its message (an import's line errors kept as the
// result), a JSON answer is the result, anything else is written to the job's file.
Result<JobOutcome> JobOutcomeOf(const Response& response, JobContext& context);
// The job's file as an attachment named `file_name` (409 until it is done, 404 when
// the file is gone); calls the job's before_download first and marks it downloaded.
Response JobDownload(JobRunner& jobs, const Job& job, const std::string& file_name);

// For an import running as a job: tells its owner how many rows it is importing.
void ReportImportStarting(const Call& call, std::string_view csv);

// The value as JSON with `status`, or the error as an error response.
template <typename T>
Response Reply(const Result<T>& r, int status = 200) {
  if (!r.ok()) return ErrorResponse(r.error());
  return JsonResponse(status, r.value());
}

}  // namespace esafe::web
