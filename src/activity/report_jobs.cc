// ReportJobs: exports run on a background thread of their own, with progress, so
// that a long report never holds an HTTP worker.
#include <sodium.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "activity/activity.h"

namespace esafe::activity {
namespace {

namespace fs = std::filesystem;

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string RandomId() {
  unsigned char bytes[16];
  randombytes_buf(bytes, sizeof bytes);
  char hex[sizeof bytes * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  return hex;
}

bool IsReportFile(const std::string& name) { return name.starts_with("report-"); }

}  // namespace

std::string_view JobStateName(JobState state) {
  switch (state) {
    case JobState::kQueued: return "queued";
    case JobState::kRunning: return "running";
    case JobState::kDone: return "done";
    case JobState::kFailed: return "failed";
  }
  return "failed";
}

struct ReportJobs::Impl {
  std::string log_dir, out_dir;
  Options options;
  mutable std::mutex mutex;
  mutable std::condition_variable changed;  // a job was queued, progressed or finished; or stop
  std::map<std::string, ReportJob> jobs;
  std::map<std::string, Query> queries;      // of queued jobs
  std::deque<std::string> queue;
  bool stopping = false;
  std::thread worker;

  void Forget(int64_t now_us) {  // with mutex held
    for (auto it = jobs.begin(); it != jobs.end();) {
      const bool finished = it->second.state == JobState::kDone || it->second.state == JobState::kFailed;
      if (finished && now_us - it->second.created_us > options.keep_seconds * 1000000LL) {
        std::error_code ec;
        if (!it->second.path.empty()) fs::remove(it->second.path, ec);
        it = jobs.erase(it);
      } else {
        ++it;
      }
    }
  }

  void Run() {
    std::unique_lock lock(mutex);
    for (;;) {
      changed.wait(lock, [&] { return stopping || !queue.empty(); });
      if (stopping) return;
      const std::string id = queue.front();
      queue.pop_front();
      ReportJob& job = jobs.at(id);
      const Query query = std::move(queries.at(id));
      queries.erase(id);
      job.state = JobState::kRunning;
      const std::string path =
          out_dir + "/report-" + id + "." + std::string(ExportExtension(job.format));
      const ExportFormat format = job.format;
      changed.notify_all();
      lock.unlock();

      auto progress = [this, &id](uint64_t done, uint64_t total) {
        std::lock_guard guard(mutex);
        jobs.at(id).progress = total ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
        changed.notify_all();
      };
      Result<uint64_t> rows = Error::Internal("not run");
      auto reader = LogReader::Open(log_dir);
      if (reader) {
        rows = Export(*reader, query, format, path, progress);
      } else {
        rows = reader.error();
      }

      lock.lock();
      ReportJob& finished = jobs.at(id);
      if (rows) {
        finished.state = JobState::kDone;
        finished.progress = 1.0;
        finished.rows = *rows;
        finished.path = path;
      } else {
        finished.state = JobState::kFailed;
        // Internal details (paths) stay out of what the owner is shown.
        finished.error = rows.error().kind == ErrorKind::kInternal
                             ? "the activity log could not be read; the administrator can run esafe log verify"
                             : rows.error().message;
        std::error_code ec;
        fs::remove(path, ec);
      }
      changed.notify_all();
    }
  }
};

ReportJobs::ReportJobs(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ReportJobs::~ReportJobs() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->changed.notify_all();
  if (impl_->worker.joinable()) impl_->worker.join();
}

Result<std::unique_ptr<ReportJobs>> ReportJobs::Create(const std::string& log_dir, const std::string& out_dir,
                                                       Options options) {
  if (sodium_init() < 0) return Error::Internal("libsodium could not start");
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec || !fs::is_directory(out_dir)) return Error::Internal("cannot create the report directory " + out_dir);
  // Jobs live in memory, so files an earlier process left can never be downloaded.
  for (const auto& entry : fs::directory_iterator(out_dir, ec)) {
    if (entry.is_regular_file() && IsReportFile(entry.path().filename().string())) fs::remove(entry.path(), ec);
  }
  auto impl = std::make_unique<Impl>();
  impl->log_dir = log_dir;
  impl->out_dir = out_dir;
  impl->options = options;
  Impl* raw = impl.get();
  std::unique_ptr<ReportJobs> jobs(new ReportJobs(std::move(impl)));
  raw->worker = std::thread([raw] { raw->Run(); });
  return jobs;
}

Result<ReportJob> ReportJobs::Submit(int64_t owner, const Query& query, ExportFormat format) {
  std::lock_guard lock(impl_->mutex);
  const int64_t now = NowUs();
  impl_->Forget(now);
  size_t pending = 0;
  for (const auto& [id, job] : impl_->jobs) {
    if (job.owner == owner && (job.state == JobState::kQueued || job.state == JobState::kRunning)) ++pending;
  }
  if (pending >= impl_->options.max_pending_per_owner) {
    return Error::Throttled("you already have " + std::to_string(pending) +
                            " reports waiting or running; wait for one to finish");
  }
  ReportJob job;
  job.id = RandomId();
  job.owner = owner;
  job.description = DescribeQuery(query);
  job.format = format;
  job.created_us = now;
  impl_->jobs[job.id] = job;
  impl_->queries[job.id] = query;
  impl_->queue.push_back(job.id);
  impl_->changed.notify_all();
  return job;
}

std::optional<ReportJob> ReportJobs::Get(const std::string& id, int64_t owner) const {
  std::lock_guard lock(impl_->mutex);
  auto it = impl_->jobs.find(id);
  if (it == impl_->jobs.end() || it->second.owner != owner) return std::nullopt;
  return it->second;
}

std::optional<ReportJob> ReportJobs::Wait(const std::string& id, int64_t owner, int64_t timeout_ms) const {
  std::unique_lock lock(impl_->mutex);
  impl_->changed.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] {
    auto it = impl_->jobs.find(id);
    return it == impl_->jobs.end() || it->second.state == JobState::kDone || it->second.state == JobState::kFailed;
  });
  auto it = impl_->jobs.find(id);
  if (it == impl_->jobs.end() || it->second.owner != owner) return std::nullopt;
  return it->second;
}

}  // namespace esafe::activity
