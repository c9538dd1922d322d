// Routes: the partnership directory and its summary.
#include "directory/directory.h"
#include <fmt/format.h>

#include "core/text.h"
#include "web/paging.h"
#include "web/route_table.h"

namespace esafe::web {

using directory::Kind;

void AddDirectoryRoutes(RouteTable& t) {
  auto* db = &t.db;
  const AppOptions* opts = &t.options;
  t.schemas["ImportReport"] = {
      {"type", "object"},
      {"properties",
       {{"imported", {{"type", "integer"}}}, {"errors", {{"type", "array"}, {"items", {{"type", "string"}}}}}}}};
  t.schemas["Summary"] = {{"type", "object"}, {"description", "aggregate figures for the board; no names"}};

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
    t.schemas[component] = out_schema;
    t.schemas[component + "Input"] = info.schema->OpenApi(true);

    t.routes.push_back(
        {.method = "GET", .pattern = base,
         .handler = [db, kind](const Call& call) {
           directory::ListQuery q;
           q.search = QueryText(call.request, "q");
           q.type = QueryText(call.request, "type");
           auto read = QueryInts(call.request, {{"agency_id", &q.agency_id}, {"site_id", &q.site_id}});
           if (!read.ok()) return ErrorResponse(read.error());
           return PagedReply(call, directory::Directory(*db).ListPage(kind, call.who(), q, call.page));
         },
         .summary = fmt::format("List {} you may see; q searches names, type filters by {}", info.plural,
                                kind == Kind::kAgency ? "sector" : "type"),
         .tag = info.plural, .response_schema = "[" + component + "]",
         .query_params = {"q", "type", "agency_id", "site_id"}, .pages_in_sql = true});
    t.routes.push_back({.method = "POST", .pattern = base,
                      .handler = [db, kind, opts](const Call& call) {
                        auto body = ParseJsonBody(call.request, opts->max_json_body);
                        if (!body.ok()) return ErrorResponse(body.error());
                        return Reply(directory::Directory(*db).Create(kind, call.who(), *body), 201);
                      },
                      .summary = "Create a " + name, .tag = info.plural, .request_schema = component + "Input",
                      .response_schema = component, .success_status = 201});
    t.routes.push_back({.method = "GET", .pattern = base + "/{id}",
                      .handler = [db, kind](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        return Reply(directory::Directory(*db).Get(kind, call.who(), *id));
                      },
                      .summary = "Read one " + name + (kind == Kind::kPerson ? " (the read is audited)" : ""),
                      .tag = info.plural, .response_schema = component});
    t.routes.push_back({.method = "PATCH", .pattern = base + "/{id}",
                      .handler = [db, kind, opts](const Call& call) {
                        auto id = PathId(call);
                        if (!id.ok()) return ErrorResponse(id.error());
                        auto body = ParseJsonBody(call.request, opts->max_json_body);
                        if (!body.ok()) return ErrorResponse(body.error());
                        return Reply(directory::Directory(*db).Update(kind, call.who(), *id, *body));
                      },
                      .summary = "Change fields of a " + name, .tag = info.plural,
                      .request_schema = component + "Input", .response_schema = component});
    t.routes.push_back({.method = "DELETE", .pattern = base + "/{id}",
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
    t.routes.push_back({.method = "GET", .pattern = base + "/export.csv",
                      .handler = [db, kind, plural = info.plural](const Call& call) {
                        return DownloadResponse(directory::Directory(*db).ExportCsv(kind, call.who()), kCsvType,
                                                plural + ".csv");
                      },
                      .summary = "Export as CSV", .tag = info.plural, .response_schema = "csv",
                      .response_content = "text/csv", .background = info.plural + ".export"});
    t.routes.push_back({.method = "POST", .pattern = base + "/import",
                      .handler = [db, kind](const Call& call) {
                        std::string type = text::Lower(call.request.Header("content-type"));
                        if (!type.starts_with("text/csv")) return ErrorResponse(400, "send the file as text/csv");
                        ReportImportStarting(call, call.request.Body());
                        auto report = directory::Directory(*db).ImportCsv(kind, call.who(), call.request.Body());
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
                      .response_schema = "ImportReport", .background = info.plural + ".import"});
  }
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/summary",
                    .handler = [db](const Call& call) { return Reply(directory::Directory(*db).Summary(call.who())); },
                    .summary = "Aggregate figures: partnership-wide for partnership roles and the board, own agency for agency roles", .tag = "reports", .response_schema = "Summary"});

}

}  // namespace esafe::web
