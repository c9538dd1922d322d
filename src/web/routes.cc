// App::BuildRoutes: gathers every area's routes (routes_*.cc) into one table.
#include "web/route_table.h"

namespace esafe::web {

std::vector<Route> App::BuildRoutes() {
  std::vector<Route> routes;
  RouteTable table{db_, options_, filtering_profiles_, routes, schemas_, jobs_.get(), jobs_problem_};
  AddSessionRoutes(table);
  routes.push_back({.method = "GET", .pattern = "/api/v1/openapi.json", .needs_session = false,
                    .handler = [this](const Call&) { return JsonResponse(200, openapi_); },
                    .summary = "This OpenAPI document", .tag = "system", .response_schema = ""});

  AddDirectoryRoutes(table);
  AddAccessRoutes(table);
  AddPlanRoutes(table);
  AddStandardsRoutes(table);
  AddIncidentRoutes(table);
  AddFilterRoutes(table);
  AddMonitoringRoutes(table);
  AddActivityRoutes(table);
  AddSurveyRoutes(table);
  AddHealthRoutes(table);
  AddJobRoutes(table);
  return routes;
}

}  // namespace esafe::web
