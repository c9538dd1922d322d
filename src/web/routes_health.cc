// Routes: the deployment's health (capability: src/health) — the checks `esafe doctor`
// runs, for the partnership administrator, on the Deployment `serve` was started with.
#include "health/health.h"
#include "web/route_table.h"

namespace esafe::web {

void AddHealthRoutes(RouteTable& t) {
  const AppOptions* opts = &t.options;
  const Json text = {{"type", "string"}};
  t.schemas["HealthCheck"] = {
      {"type", "object"},
      {"properties",
       {{"name", text},
        {"status", {{"type", "string"}, {"enum", Json::array({"ok", "not configured", "warning", "problem"})}}},
        {"detail", text},
        {"advice", {{"type", "string"}, {"description", "what to do about it; \"\" when nothing"}}}}},
      {"required", Json::array({"name", "status", "detail", "advice"})}};
  t.schemas["HealthDetails"] = {
      {"type", "object"},
      {"properties",
       {{"status", {{"type", "string"}, {"description", "the worst status of the checks"}}},
        {"checks", {{"type", "array"}, {"items", {{"$ref", "#/components/schemas/HealthCheck"}}}}}}},
      {"required", Json::array({"status", "checks"})}};

  t.routes.push_back({.method = "GET", .pattern = "/api/v1/health/details",
                      .handler = [opts](const Call& call) {
                        // The log's verification is bounded here: a page must not wait for a large log.
                        health::Deployment deployment = opts->deployment;
                        if (deployment.thresholds.verify_timeout.count() == 0) {
                          deployment.thresholds.verify_timeout = std::chrono::seconds(2);
                        }
                        auto checks = health::DeploymentHealth(call.who(), deployment);
                        if (!checks.ok()) return ErrorResponse(checks.error());
                        return JsonResponse(200, health::ToJson(*checks));
                      },
                      .summary = "The deployment's health, as esafe doctor checks it (configuration, file modes, "
                                 "database, lists, enforcement points, activity log, mirror, SMTP, certificate, demo "
                                 "accounts); partnership administrators only",
                      .tag = "system", .response_schema = "HealthDetails"});
}

}  // namespace esafe::web
