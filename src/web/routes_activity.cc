// Routes: the forensic activity log (capability: src/activity) — interactive search
// (rows or counts), report jobs that export on a background thread with progress and
// a download, and the blocked-requests summary for charts.
//
// Who may search: the partnership (administrators, the e-safety lead, auditors) every
// agency; an agency's e-safety officer only their own agency, forced here whatever
// the request asks; agency staff and board members nobody. Every search, report and
// download is written to the audit trail, with the query, before anything is read.
//
// Events name their agency by the directory's agency id ("3") — the key enforcement
// points and the demonstration log write — or, from older feeds, by its name; a
// filter on an agency matches both.
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "activity/activity.h"
#include "activity/scope.h"
#include "core/clock.h"
#include "core/text.h"
#include "web/activity_query.h"
#include "web/route_table.h"

namespace esafe::web {
namespace {

namespace act = esafe::activity;
using access::Principal;
using access::Role;
using activity_query::AgencyNames;
using activity_query::FromJson;
using activity_query::FromQueryString;
using activity_query::ParseQuery;
using activity_query::QueryFieldNames;

constexpr int64_t kDefaultSearchLimit = 100;
constexpr int64_t kMaxSearchLimit = 500;

Json EventJson(const act::ActivityEvent& e, const std::map<int64_t, std::string>& names) {
  Json agency_name = nullptr;
  if (auto id = text::ParseInt(e.agency); id && names.count(*id)) agency_name = names.at(*id);
  return {{"time", act::FormatTime(e.time_us)}, {"client", act::FormatIp(e.client)}, {"user", e.user},
          {"site", e.site}, {"agency", e.agency}, {"agency_name", agency_name}, {"profile", e.profile},
          {"url", e.url}, {"host", e.host}, {"category", e.category}, {"list", e.list},
          {"list_version", e.list_version}, {"action", act::ActionName(e.action)}, {"point", e.point},
          {"reason", e.reason}, {"entry", e.entry}, {"node", e.node}, {"safe_search", e.safe_search}};
}

Json StatsJson(const act::SearchStats& s) {
  return {{"segments_total", s.segments_total}, {"segments_scanned", s.segments_scanned},
          {"events_scanned", s.events_scanned}, {"events_matched", s.events_matched}};
}

// A report as /api/v1/activity/reports shows it (the shape it had before reports
// ran on the shared JobRunner; /api/v1/jobs shows the same job in the common shape).
Json ReportJson(const Job& job) {
  const double progress = job.state == JobState::kDone ? 1.0
                          : job.progress.total ? static_cast<double>(job.progress.done) /
                                                     static_cast<double>(job.progress.total)
                                               : 0.0;
  Json out = {{"id", job.id},
              {"state", JobStateName(job.state)},
              {"progress", progress},
              {"rows", job.result.is_object() ? job.result.value("rows", uint64_t{0}) : uint64_t{0}},
              {"error", job.error.empty() ? Json(nullptr) : Json(job.error)},
              {"format", job.details.value("format", "")},
              {"query", job.details.value("query", Json(nullptr))},
              {"created", act::FormatTime(job.created_us)}};
  out["download"] = job.state == JobState::kDone
                        ? Json("/api/v1/activity/reports/" + job.id + "/download")
                        : Json(nullptr);
  return out;
}

Json GroupsJson(const std::vector<act::BlockedGroup>& groups, const std::map<int64_t, std::string>&) {
  Json out = Json::array();
  auto counts = [](const std::vector<act::NameCount>& v) {
    Json a = Json::array();
    for (const auto& c : v) a.push_back({{"name", c.name}, {"count", c.count}});
    return a;
  };
  for (const auto& g : groups) {
    Json j = {{"blocked", g.blocked}, {"categories", counts(g.categories)}, {"hosts", counts(g.hosts)}};
    if (!g.week.empty()) j["week"] = g.week;
    if (!g.site.empty() || g.week.empty()) j["site"] = g.site;
    out.push_back(std::move(j));
  }
  return out;
}

// What every activity handler needs: the log, the report jobs, limits.
struct ActivityContext {
  store::Database* db = nullptr;
  std::string log_dir;
  uint64_t max_search_events = 0;
  JobRunner* jobs = nullptr;  // null when background jobs could not start
  std::string jobs_problem;
};

Response NoLog() {
  return ErrorResponse(404, "no activity log is configured; start esafe serve with --activity-log DIR");
}

Response Search(const ActivityContext& ctx, const Call& call) {
  auto asked = ParseQuery(FromQueryString(call.request));
  if (!asked.ok()) return ErrorResponse(asked.error());
  std::optional<act::Field> count_by;
  if (auto f = QueryText(call.request, "count_by")) {
    auto field = act::ParseCountBy(*f);
    if (!field.ok()) return ErrorResponse(field.error());
    count_by = *field;
  }
  std::optional<int64_t> limit;
  auto limit_read = QueryInts(call.request, {{"limit", &limit}});
  if (!limit_read.ok()) return ErrorResponse(limit_read.error());
  if (limit && (*limit < 1 || *limit > kMaxSearchLimit)) {
    return ErrorResponse(400, fmt::format("limit must be between 1 and {}; run a report for more rows",
                                          kMaxSearchLimit), "limit");
  }
  auto names = AgencyNames(*ctx.db);
  if (!names.ok()) return ErrorResponse(names.error());
  act::Query q = asked->query;
  auto scoped = act::ApplyScope(call.who(), asked->agency, *names, q);
  if (!scoped.ok()) return ErrorResponse(scoped.error());
  if (ctx.log_dir.empty()) return NoLog();

  auto reader = act::LogReader::Open(ctx.log_dir);
  if (!reader.ok()) return ErrorResponse(reader.error());
  const act::SearchStats estimate = reader->Estimate(q);
  if (estimate.events_scanned > ctx.max_search_events) {
    Json body = {{"error", fmt::format("this search would read about {} events, more than a search on this page "
                                       "may; run it as a report instead", estimate.events_scanned)},
                 {"field", nullptr},
                 {"run_as_report", true},
                 {"estimated_events", estimate.events_scanned}};
    return JsonResponse(409, body);
  }
  const std::string described = act::DescribeQuery(q);
  auto audited = act::RecordLogAudit(*ctx.db, call.who(), count_by ? "activity.count" : "activity.search",
                       count_by ? fmt::format("count by {} of {}", *QueryText(call.request, "count_by"), described)
                                : described);
  if (!audited.ok()) return ErrorResponse(audited.error());

  if (count_by) {
    act::SearchStats stats;
    auto counts = reader->CountBy(q, *count_by, &stats);
    if (!counts.ok()) return ErrorResponse(counts.error());
    std::vector<std::pair<std::string, uint64_t>> sorted(counts->begin(), counts->end());
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    Json rows = Json::array();
    uint64_t total = 0;
    for (const auto& kv : sorted) {
      rows.push_back({{"value", kv.first}, {"count", kv.second}});
      total += kv.second;
    }
    return JsonResponse(200, {{"count_by", *QueryText(call.request, "count_by")}, {"counts", rows},
                              {"total", total}, {"query", Json::parse(described)}, {"stats", StatsJson(stats)}});
  }
  const int64_t max_rows = limit.value_or(kDefaultSearchLimit);
  Json rows = Json::array();
  bool truncated = false;
  auto stats = reader->Search(q, [&](const act::ActivityEvent& e) {
    if (static_cast<int64_t>(rows.size()) >= max_rows) {
      truncated = true;
      return false;
    }
    rows.push_back(EventJson(e, *names));
    return true;
  });
  if (!stats.ok()) return ErrorResponse(stats.error());
  return JsonResponse(200, {{"rows", rows}, {"limit", max_rows}, {"truncated", truncated},
                            {"query", Json::parse(described)}, {"stats", StatsJson(*stats)}});
}

Response SubmitReport(const ActivityContext& ctx, const AppOptions& opts, const Call& call) {
  auto body = ParseJsonBody(call.request, opts.max_json_body);
  if (!body.ok()) return ErrorResponse(body.error());
  for (const auto& [key, value] : body->items()) {
    const auto& known = QueryFieldNames();
    if (key != "format" && std::find(known.begin(), known.end(), key) == known.end()) {
      return ErrorResponse(400, fmt::format("unknown field '{}'", key.substr(0, 64)), key.substr(0, 64));
    }
  }
  auto asked = ParseQuery(FromJson(*body));
  if (!asked.ok()) return ErrorResponse(asked.error());
  auto format_text = FromJson(*body)("format");
  if (!format_text.ok()) return ErrorResponse(format_text.error());
  auto format = act::ParseExportFormat(format_text->value_or("csv"));
  if (!format) return ErrorResponse(400, "format must be csv, xlsx or jsonl", "format");
  auto names = AgencyNames(*ctx.db);
  if (!names.ok()) return ErrorResponse(names.error());
  act::Query q = asked->query;
  auto scoped = act::ApplyScope(call.who(), asked->agency, *names, q);
  if (!scoped.ok()) return ErrorResponse(scoped.error());
  if (ctx.log_dir.empty()) return NoLog();
  if (!ctx.jobs) return ErrorResponse(503, "reports cannot run: " + ctx.jobs_problem);
  const std::string described = act::DescribeQuery(q);
  auto audited = act::RecordLogAudit(*ctx.db, call.who(), "activity.report",
                       fmt::format("{} report of {}", act::ExportExtension(*format), described));
  if (!audited.ok()) return ErrorResponse(audited.error());
  JobSpec spec;
  spec.kind = "activity.report";
  spec.description = fmt::format("activity report ({}) of {}", act::ExportExtension(*format), described);
  spec.details = {{"format", act::ExportExtension(*format)}, {"query", Json::parse(described, nullptr, false)}};
  spec.work = [log_dir = ctx.log_dir, q, export_format = *format](JobContext& context) -> Result<JobOutcome> {
    // Each run reads a fresh snapshot of the log.
    auto reader = act::LogReader::Open(log_dir);
    Result<uint64_t> rows = reader.ok() ? Result<uint64_t>(0) : Result<uint64_t>(reader.error());
    if (reader.ok()) {
      rows = act::Export(*reader, q, export_format, context.FilePath(), [&context](uint64_t done, uint64_t total) {
        context.Progress(done, total, "searching the log");
      });
    }
    if (!rows.ok() && rows.error().kind == ErrorKind::kInternal) {
      spdlog::error("activity report failed: {}", rows.error().message);
      return Error::Invalid("the activity log could not be read; the administrator can run esafe log verify");
    }
    if (!rows.ok()) return rows.error();
    JobOutcome out;
    out.result = {{"rows", *rows}};
    out.file = true;
    out.media_type = std::string(act::ExportMediaType(export_format));
    out.file_name = fmt::format("activity-{}.{}", clock::NowIso8601().substr(0, 10),
                                act::ExportExtension(export_format));
    return out;
  };
  spec.before_download = [db = ctx.db, who = call.who()](const Job& job) -> Result<void> {
    return act::RecordLogAudit(*db, who, "activity.download",
                 fmt::format("report {} ({} rows, {}) of {}", job.id, job.result.value("rows", uint64_t{0}),
                             job.details.value("format", ""), job.details.value("query", Json()).dump()));
  };
  auto job = ctx.jobs->Submit(call.who().user_id, std::move(spec));
  if (!job.ok()) return ErrorResponse(job.error());
  Response r = JsonResponse(202, ReportJson(*job));
  r.headers.emplace_back("Location", "/api/v1/activity/reports/" + job->id);
  return r;
}

// The caller's own report, or 404 (also for someone else's, so ids cannot be probed).
Result<Job> OwnReport(const ActivityContext& ctx, const Call& call) {
  if (ctx.log_dir.empty()) return Error::NotFound("no activity log is configured");
  if (!ctx.jobs) return Error::NotFound("report not found");
  auto job = ctx.jobs->Get(call.params.at("report"), call.who().user_id);
  if (!job || job->kind != "activity.report") return Error::NotFound("report not found");
  return *job;
}

Response DownloadReport(const ActivityContext& ctx, const Call& call) {
  auto job = OwnReport(ctx, call);
  if (!job.ok()) return ErrorResponse(job.error());
  const std::string day = act::FormatTime(job->created_us).substr(0, 10);
  return JobDownload(*ctx.jobs, *job,
                     fmt::format("activity-{}-{}.{}", day, job->id.substr(0, 8), job->details.value("format", "")));
}

Response Summary(const ActivityContext& ctx, const Call& call) {
  std::optional<std::string> from, to, agency;
  auto get = FromQueryString(call.request);
  for (auto [name, target] : std::initializer_list<std::pair<const char*, std::optional<std::string>*>>{
           {"from", &from}, {"to", &to}, {"agency", &agency}}) {
    auto v = get(name);
    if (!v.ok()) return ErrorResponse(v.error());
    *target = *v;
  }
  // Only from, to and agency: ParseQuery validates them as for a search.
  auto asked = ParseQuery([&](const std::string& name) -> Result<std::optional<std::string>> {
    if (name == "from") return from;
    if (name == "to") return to;
    if (name == "agency") return agency;
    return std::optional<std::string>();
  });
  if (!asked.ok()) return ErrorResponse(asked.error());
  act::Query q = asked->query;
  if (!q.from_us) {
    // The last four weeks by default.
    const int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
    q.from_us = (q.to_us ? *q.to_us : now) - 28LL * 86400 * 1000000;
  }
  auto names = AgencyNames(*ctx.db);
  if (!names.ok()) return ErrorResponse(names.error());
  auto scoped = act::ApplyScope(call.who(), asked->agency, *names, q);
  if (!scoped.ok()) return ErrorResponse(scoped.error());
  if (ctx.log_dir.empty()) return NoLog();
  auto reader = act::LogReader::Open(ctx.log_dir);
  if (!reader.ok()) return ErrorResponse(reader.error());
  q.action = act::Action::kBlock;
  const act::SearchStats estimate = reader->Estimate(q);
  if (estimate.events_scanned > ctx.max_search_events) {
    return JsonResponse(409, {{"error", fmt::format("this summary would read about {} events; choose a shorter "
                                                    "period", estimate.events_scanned)},
                              {"field", "from"}});
  }
  auto audited = act::RecordLogAudit(*ctx.db, call.who(), "activity.summary", act::DescribeQuery(q));
  if (!audited.ok()) return ErrorResponse(audited.error());
  auto summary = act::SummariseBlocked(*reader, q, 5);
  if (!summary.ok()) return ErrorResponse(summary.error());
  return JsonResponse(200, {{"from", act::FormatTime(*q.from_us)},
                            {"to", q.to_us ? Json(act::FormatTime(*q.to_us)) : Json(nullptr)},
                            {"blocked", summary->blocked},
                            {"weeks", GroupsJson(summary->by_week, *names)},
                            {"sites", GroupsJson(summary->by_site, *names)},
                            {"site_weeks", GroupsJson(summary->by_site_week, *names)},
                            {"stats", StatsJson(summary->stats)}});
}

// ---- Retention and legal holds while this server writes the log ----

// The store this server writes, or Conflict saying why the request cannot run here.
Result<act::Store*> Writer(const AppOptions& opts) {
  act::Store* store = opts.activity_writer ? opts.activity_writer() : nullptr;
  if (!store) {
    return Error::Conflict("this server does not write the activity log (start it with --activity-log and "
                           "--ingest-socket); run esafe log retention or esafe log hold on the log host instead");
  }
  return store;
}

// Legal holds and retention are the partnership's: they decide what evidence is kept.
Result<void> MayManageLog(const Principal& who) {
  if (who.role == Role::kPartnershipAdmin || who.role == Role::kPartnershipLead) return Ok();
  return Error::Forbidden("only the partnership's administrators and e-safety lead manage retention and legal holds");
}

Json HoldJson(const act::LegalHold& h) {
  auto opt_time = [](const std::optional<int64_t>& t) { return t ? Json(act::FormatTime(*t)) : Json(nullptr); };
  return {{"id", h.id},
          {"from", opt_time(h.from_us)},
          {"to", opt_time(h.to_us)},
          {"cidr", h.cidr ? Json(*h.cidr) : Json(nullptr)},
          {"user", h.user ? Json(*h.user) : Json(nullptr)},
          {"reason", h.reason}};
}

Response ListHolds(ActivityContext& ctx, const AppOptions& opts, const Call& call) {
  if (auto may = MayManageLog(call.who()); !may.ok()) return ErrorResponse(may.error());
  auto store = Writer(opts);
  if (!store.ok()) return ErrorResponse(store.error());
  Json out = Json::array();
  for (const auto& h : (*store)->Holds()) out.push_back(HoldJson(h));
  if (auto audited = act::RecordLogAudit(*ctx.db, call.who(), "activity.holds.list", "listed legal holds"); !audited.ok()) {
    return ErrorResponse(audited.error());
  }
  return JsonResponse(200, out);
}

Response PlaceHold(ActivityContext& ctx, const AppOptions& opts, const Call& call) {
  if (auto may = MayManageLog(call.who()); !may.ok()) return ErrorResponse(may.error());
  auto body = ParseJsonBody(call.request, opts.max_json_body);
  if (!body.ok()) return ErrorResponse(body.error());
  if (!body->is_object()) return ErrorResponse(Error::Invalid("a legal hold must be a JSON object"));
  act::LegalHold hold;
  for (const auto& [key, value] : body->items()) {
    if (!value.is_string()) return ErrorResponse(Error::Invalid(key + " must be text", key));
    const std::string v = value.get<std::string>();
    if (v.size() > 500 || !text::IsValidUtf8(v) || text::HasControlCharacters(v)) {
      return ErrorResponse(Error::Invalid(key + " must be short plain text", key));
    }
    if (key == "id") {
      hold.id = v;
    } else if (key == "reason") {
      hold.reason = v;
    } else if (key == "from" || key == "to") {
      auto t = act::ParseTime(v);
      if (!t.ok()) return ErrorResponse(Error::Invalid(key + " must be a date or an RFC 3339 time", key));
      (key == "from" ? hold.from_us : hold.to_us) = *t;
    } else if (key == "cidr") {
      hold.cidr = v;
    } else if (key == "user") {
      hold.user = v;
    } else {
      return ErrorResponse(Error::Invalid("unknown field " + key.substr(0, 40), key.substr(0, 40)));
    }
  }
  if (hold.id.empty()) return ErrorResponse(Error::Invalid("give the hold an id (e.g. the incident's reference)", "id"));
  if (hold.reason.empty()) return ErrorResponse(Error::Invalid("say why the events are held", "reason"));
  auto store = Writer(opts);
  if (!store.ok()) return ErrorResponse(store.error());
  if (auto placed = (*store)->PlaceHold(hold, call.who().username); !placed.ok()) return ErrorResponse(placed.error());
  if (auto audited = act::RecordLogAudit(*ctx.db, call.who(), "activity.hold.place", "legal hold " + hold.id + ": " + hold.reason);
      !audited.ok()) {
    return ErrorResponse(audited.error());
  }
  return JsonResponse(201, HoldJson(hold));
}

Response ReleaseHold(ActivityContext& ctx, const AppOptions& opts, const Call& call) {
  if (auto may = MayManageLog(call.who()); !may.ok()) return ErrorResponse(may.error());
  const std::string id = call.params.at("hold");
  auto store = Writer(opts);
  if (!store.ok()) return ErrorResponse(store.error());
  if (auto released = (*store)->ReleaseHold(id, call.who().username); !released.ok()) {
    return ErrorResponse(released.error());
  }
  if (auto audited = act::RecordLogAudit(*ctx.db, call.who(), "activity.hold.release", "legal hold " + id + " released");
      !audited.ok()) {
    return ErrorResponse(audited.error());
  }
  return JsonResponse(200, {{"released", id}});
}

Response RunRetention(ActivityContext& ctx, const AppOptions& opts, const Call& call) {
  if (call.who().role != Role::kPartnershipAdmin) {
    return ErrorResponse(Error::Forbidden("only the partnership's administrators run activity-log retention"));
  }
  auto store = Writer(opts);
  if (!store.ok()) return ErrorResponse(store.error());
  const int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  auto report = (*store)->ApplyRetention(opts.activity_retention, now);
  if (!report.ok()) return ErrorResponse(report.error());
  Json out = {{"default_days", opts.activity_retention.default_days},
              {"events_deleted", report->events_deleted},
              {"events_kept_by_hold", report->events_kept_by_hold},
              {"segments_deleted", report->segments_deleted},
              {"segments_rewritten", report->segments_rewritten}};
  if (auto audited = act::RecordLogAudit(*ctx.db, call.who(), "activity.retention",
                           fmt::format("retention run: {} events deleted, {} kept by holds", report->events_deleted,
                                       report->events_kept_by_hold));
      !audited.ok()) {
    return ErrorResponse(audited.error());
  }
  return JsonResponse(200, out);
}

}  // namespace

void AddActivityRoutes(RouteTable& t) {
  auto ctx = std::make_shared<ActivityContext>();
  ctx->db = &t.db;
  ctx->log_dir = t.options.activity_log_dir;
  ctx->max_search_events = t.options.activity_search_max_events;
  ctx->jobs = t.jobs;
  ctx->jobs_problem = t.jobs_problem;
  const AppOptions* opts = &t.options;

  t.schemas["ActivitySearch"] = {
      {"type", "object"},
      {"description", "rows: matching events {time, client, user, site, agency, agency_name, profile, url, host, "
                      "category, list, list_version, action, point, reason, entry, node, safe_search} (at most limit; truncated says more matched), or with "
                      "count_by: counts [{value, count}] and total; query: the query as run (an agency officer's "
                      "is limited to their agency); stats: segments and events read"}};
  t.schemas["ActivityReportInput"] = {
      {"type", "object"},
      {"properties",
       {{"host", {{"type", "string"}}},
        {"host_match", {{"type", "string"}, {"enum", {"exact", "prefix", "substring"}}}},
        {"url", {{"type", "string"}}},
        {"url_match", {{"type", "string"}, {"enum", {"exact", "prefix", "substring"}}}},
        {"from", {{"type", "string"}, {"description", "a date or an RFC 3339 time, inclusive"}}},
        {"to", {{"type", "string"}, {"description", "a date or an RFC 3339 time, exclusive"}}},
        {"cidr", {{"type", "string"}, {"description", "client addresses: CIDRs or addresses, comma-separated"}}},
        {"user", {{"type", "string"}}},
        {"site", {{"type", "string"}}},
        {"agency", {{"type", "string"}, {"description", "agency id or name"}}},
        {"category", {{"type", "string"}}},
        {"action", {{"type", "string"}, {"enum", {"allow", "block", "warn", "override"}}}},
        {"format", {{"type", "string"}, {"enum", {"csv", "xlsx", "jsonl"}}}}}}};
  t.schemas["ActivityReport"] = {
      {"type", "object"},
      {"description", "a report job: id, state (queued, running, done, failed), progress 0..1, rows, error, "
                      "format, query, created, download (the file's address when done)"}};
  t.schemas["ActivitySummary"] = {
      {"type", "object"},
      {"description", "blocked requests: weeks [{week, blocked, categories [{name, count}], hosts}], sites "
                      "[{site, …}] and site_weeks [{site, week, …}], each with its top five categories and hosts"}};

  std::vector<std::string> search_params = QueryFieldNames();
  search_params.push_back("count_by");
  search_params.push_back("limit");
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/activity/search",
                      .handler = [ctx](const Call& call) { return Search(*ctx, call); },
                      .summary = "Search the activity log: matching events (limit ≤ 500) or counts by a field. "
                                 "Officers see their own agency only; audited. 409 when the search would read "
                                 "too much: run a report",
                      .tag = "activity", .response_schema = "ActivitySearch", .query_params = search_params});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/activity/reports",
                      .handler = [ctx, opts](const Call& call) { return SubmitReport(*ctx, *opts, call); },
                      .summary = "Start a report: an export of the matching events as CSV, XLSX or JSON lines, "
                                 "run in the background; audited",
                      .tag = "activity", .request_schema = "ActivityReportInput",
                      .response_schema = "ActivityReport", .success_status = 202});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/activity/reports/{report}",
                      .handler = [ctx](const Call& call) {
                        auto job = OwnReport(*ctx, call);
                        if (!job.ok()) return ErrorResponse(job.error());
                        return JsonResponse(200, ReportJson(*job));
                      },
                      .summary = "A report's state and progress (your own reports only)", .tag = "activity",
                      .response_schema = "ActivityReport"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/activity/reports/{report}/download",
                      .handler = [ctx](const Call& call) { return DownloadReport(*ctx, call); },
                      .summary = "Download a finished report (your own reports only); audited", .tag = "activity",
                      .response_schema = "ActivityReportFile", .response_content = "application/octet-stream"});
  t.schemas["ActivityHold"] = {
      {"type", "object"},
      {"properties",
       {{"id", {{"type", "string"}, {"description", "chosen by the caller, e.g. the incident or disclosure reference"}}},
        {"from", {{"type", "string"}, {"description", "a date or an RFC 3339 time, inclusive"}}},
        {"to", {{"type", "string"}, {"description", "a date or an RFC 3339 time, exclusive"}}},
        {"cidr", {{"type", "string"}}},
        {"user", {{"type", "string"}}},
        {"reason", {{"type", "string"}}}}}};
  t.schemas["ActivityRetentionRun"] = {
      {"type", "object"},
      {"description", "default_days, events_deleted, events_kept_by_hold, segments_deleted, segments_rewritten"}};
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/activity/holds",
                      .handler = [ctx, opts](const Call& call) { return ListHolds(*ctx, *opts, call); },
                      .summary = "Legal holds on the activity log this server writes (partnership); audited",
                      .tag = "activity", .response_schema = "ActivityHold"});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/activity/holds",
                      .handler = [ctx, opts](const Call& call) { return PlaceHold(*ctx, *opts, call); },
                      .summary = "Place a legal hold while the server ingests: matching events are kept past "
                                 "retention; a chain entry and audited",
                      .tag = "activity", .request_schema = "ActivityHold", .response_schema = "ActivityHold",
                      .success_status = 201});
  t.routes.push_back({.method = "DELETE", .pattern = "/api/v1/activity/holds/{hold}",
                      .handler = [ctx, opts](const Call& call) { return ReleaseHold(*ctx, *opts, call); },
                      .summary = "Release a legal hold; a chain entry and audited", .tag = "activity",
                      .response_schema = "ActivityHold"});
  t.routes.push_back({.method = "POST", .pattern = "/api/v1/activity/retention",
                      .handler = [ctx, opts](const Call& call) { return RunRetention(*ctx, *opts, call); },
                      .summary = "Apply the activity log's retention now while the server ingests (it also runs "
                                 "daily); partnership administrators; audited",
                      .tag = "activity", .response_schema = "ActivityRetentionRun"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/activity/summary",
                      .handler = [ctx](const Call& call) { return Summary(*ctx, call); },
                      .summary = "Blocked requests by ISO week and site with the top categories and hosts "
                                 "(default: the last four weeks); audited",
                      .tag = "activity", .response_schema = "ActivitySummary",
                      .query_params = {"from", "to", "agency"}});
}

}  // namespace esafe::web
