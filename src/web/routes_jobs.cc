// Routes: background jobs (/api/v1/jobs) and the job form every long route shares —
// `Prefer: respond-async` answered 202 with the job and its Location.
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/clock.h"
#include "core/text.h"
#include "web/route_table.h"

namespace esafe::web {
namespace {

std::string JobTime(int64_t us) { return us ? clock::Iso8601(us / 1000000) : std::string(); }

Result<Job> OwnJob(JobRunner* jobs, const Call& call) {
  if (!jobs) return Error::NotFound("job not found");
  auto job = jobs->Get(call.params.at("job"), call.who().user_id);
  if (!job) return Error::NotFound("job not found");
  return *job;
}

// "people.csv" from `attachment; filename="people.csv"`, or nullopt.
std::optional<std::string> AttachmentName(const Response& r) {
  for (const auto& [name, value] : r.headers) {
    if (name != "Content-Disposition") continue;
    const size_t start = value.find("filename=\"");
    if (start == std::string::npos) continue;
    const size_t end = value.find('"', start + 10);
    if (end != std::string::npos && end > start + 10) return value.substr(start + 10, end - start - 10);
  }
  return std::nullopt;
}

Result<void> WriteJobFile(const std::string& path, const std::string& bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Error::Internal("cannot write the job's file " + path);
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n <= 0) {
      ::close(fd);
      return Error::Internal("cannot write the job's file " + path);
    }
    written += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) return Error::Internal("cannot write the job's file " + path);
  return Ok();
}

}  // namespace

bool WantsJob(const Request& request) {
  // RFC 7240: preferences are comma-separated, tokens compared without case.
  const std::string prefer = text::Lower(request.Header("prefer"));
  size_t start = 0;
  while (start <= prefer.size()) {
    size_t end = prefer.find(',', start);
    if (end == std::string::npos) end = prefer.size();
    std::string token = prefer.substr(start, end - start);
    token = token.substr(0, token.find(';'));
    if (text::Trim(token) == "respond-async") return true;
    start = end + 1;
  }
  return false;
}

Json JobJson(const Job& job) {
  const bool downloadable = job.state == JobState::kDone && !job.path.empty();
  const JobProgress& p = job.progress;
  return {{"id", job.id},
          {"kind", job.kind},
          {"description", job.description},
          {"state", JobStateName(job.state)},
          {"progress", {{"done", p.done}, {"total", p.total}, {"phrase", p.phrase}}},
          {"result", job.result},
          {"error", job.error.empty() ? Json(nullptr) : Json(job.error)},
          {"field", job.field.empty() ? Json(nullptr) : Json(job.field)},
          {"created", JobTime(job.created_us)},
          {"finished", job.finished_us ? Json(JobTime(job.finished_us)) : Json(nullptr)},
          {"download", downloadable ? Json("/api/v1/jobs/" + job.id + "/download") : Json(nullptr)},
          {"file_name", downloadable ? Json(job.file_name) : Json(nullptr)}};
}

Response JobAccepted(const Job& job) {
  Response r = JsonResponse(202, JobJson(job));
  r.headers.emplace_back("Location", "/api/v1/jobs/" + job.id);
  r.headers.emplace_back("Preference-Applied", "respond-async");
  return r;
}

Result<JobOutcome> JobOutcomeOf(const Response& r, JobContext& context) {
  JobOutcome out;
  Json body = r.content_type.starts_with("application/json") ? Json::parse(r.body, nullptr, false) : Json(nullptr);
  if (body.is_discarded()) body = nullptr;
  if (r.status >= 400) {
    out.ok = false;
    out.error = body.is_object() && body.contains("error") && body["error"].is_string()
                    ? body["error"].get<std::string>()
                    : fmt::format("the job failed (HTTP {})", r.status);
    if (body.is_object() && body.contains("field") && body["field"].is_string()) out.field = body["field"];
    if (body.is_object()) {
      body.erase("error");
      body.erase("field");
      if (!body.empty()) out.result = std::move(body);  // an import's line-numbered errors
    }
    return out;
  }
  if (r.content_type.starts_with("application/json")) {
    out.result = std::move(body);
    return out;
  }
  auto written = WriteJobFile(context.FilePath(), r.body);
  if (!written.ok()) return written.error();
  out.file = true;
  out.media_type = r.content_type;
  out.file_name = AttachmentName(r).value_or("download");
  out.result = {{"bytes", r.body.size()}};
  return out;
}

Response JobDownload(JobRunner& jobs, const Job& job, const std::string& file_name) {
  if (job.state != JobState::kDone) {
    return ErrorResponse(409, fmt::format("the job is {}; download its file when it is done", JobStateName(job.state)));
  }
  if (job.path.empty()) return ErrorResponse(409, "this job has no file; its result is in the job");
  if (job.before_download) {
    if (auto allowed = job.before_download(job); !allowed.ok()) return ErrorResponse(allowed.error());
  }
  std::ifstream in(job.path, std::ios::binary);
  if (!in) return ErrorResponse(404, "the file is gone; run the job again");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  jobs.Downloaded(job.id, job.owner);
  return DownloadResponse(bytes.str(), job.media_type, file_name);
}

void ReportImportStarting(const Call& call, std::string_view csv) {
  if (!call.job) return;
  // Lines after the header; a quoted field with a line break makes this an estimate.
  uint64_t rows = static_cast<uint64_t>(std::count(csv.begin(), csv.end(), '\n'));
  if (!csv.empty() && csv.back() != '\n') ++rows;
  if (rows > 0) --rows;
  call.job->Progress(0, rows, fmt::format("checking and importing {} rows; all are imported or none", rows));
}

void AddJobRoutes(RouteTable& t) {
  JobRunner* jobs = t.jobs;  // owned by the App, which outlives its routes
  t.schemas["Job"] = {
      {"type", "object"},
      {"description",
       "a background job: id, kind (people.import, board-report.pdf, activity.report…), description, state "
       "(queued, running, done, failed, cancelled), progress {done, total, phrase}, result (what it produced: "
       "an import's imported count, or its line-numbered errors when it failed), error and field (why it "
       "failed), created, finished, download (the file's address when done with one), file_name"}};
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/jobs",
                      .handler = [jobs](const Call& call) {
                        Json out = Json::array();
                        if (jobs) {
                          for (const auto& job : jobs->List(call.who().user_id)) out.push_back(JobJson(job));
                        }
                        return JsonResponse(200, out);
                      },
                      .summary = "Your background jobs, newest first (finished ones are kept for an hour)",
                      .tag = "jobs", .response_schema = "[Job]"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/jobs/{job}",
                      .handler = [jobs](const Call& call) {
                        auto job = OwnJob(jobs, call);
                        if (!job.ok()) return ErrorResponse(job.error());
                        return JsonResponse(200, JobJson(*job));
                      },
                      .summary = "A job's state, progress and result (your own jobs only)", .tag = "jobs",
                      .response_schema = "Job"});
  t.routes.push_back({.method = "GET", .pattern = "/api/v1/jobs/{job}/download",
                      .handler = [jobs](const Call& call) {
                        auto job = OwnJob(jobs, call);
                        if (!job.ok()) return ErrorResponse(job.error());
                        return JobDownload(*jobs, *job, job->file_name);
                      },
                      .summary = "Download a finished job's file (your own jobs only); it is kept for five "
                                 "minutes after",
                      .tag = "jobs", .response_schema = "JobFile", .response_content = "application/octet-stream"});
  t.routes.push_back({.method = "DELETE", .pattern = "/api/v1/jobs/{job}",
                      .handler = [jobs](const Call& call) {
                        if (!jobs || !jobs->Remove(call.params.at("job"), call.who().user_id)) {
                          return ErrorResponse(404, "job not found");
                        }
                        Response r;
                        r.status = 204;
                        return r;
                      },
                      .summary = "Cancel a queued or running job, or discard a finished one and its file",
                      .tag = "jobs"});
}

}  // namespace esafe::web
