#include "web/job_runner.h"

#include <sodium.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

namespace esafe::web {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kJobFilePrefix = "job-";

int64_t JobClockUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string RandomJobId() {
  unsigned char bytes[16];
  randombytes_buf(bytes, sizeof bytes);
  char hex[sizeof bytes * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  return hex;
}

bool Finished(JobState state) {
  return state == JobState::kDone || state == JobState::kFailed || state == JobState::kCancelled;
}

void RemoveJobFiles(const std::string& dir) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().filename().string().starts_with(kJobFilePrefix)) fs::remove(entry.path(), ec);
  }
}

}  // namespace

std::string_view JobStateName(JobState state) {
  switch (state) {
    case JobState::kQueued: return "queued";
    case JobState::kRunning: return "running";
    case JobState::kDone: return "done";
    case JobState::kFailed: return "failed";
    case JobState::kCancelled: return "cancelled";
  }
  return "failed";
}

struct JobRunner::Impl {
  std::string dir;
  bool own_dir = false;  // made under $TMPDIR for this runner: removed with it
  Options options;
  mutable std::mutex mutex;
  mutable std::condition_variable changed;  // a job was queued, progressed or finished; or stop
  std::map<std::string, Job> jobs;
  std::map<std::string, JobWork> work;  // of queued jobs
  std::map<std::string, bool> cancel;   // of running jobs: whether asked to stop
  std::deque<std::string> queue;
  bool stopping = false;
  std::vector<std::thread> workers;

  // A running job's view of itself; its calls take the runner's lock.
  class Context : public JobContext {
   public:
    Context(Impl& impl, std::string id, std::string path)
        : impl_(impl), id_(std::move(id)), path_(std::move(path)) {}
    void Progress(uint64_t done, uint64_t total, std::string phrase) override {
      std::lock_guard lock(impl_.mutex);
      auto it = impl_.jobs.find(id_);
      if (it == impl_.jobs.end()) return;
      it->second.progress = {done, total, phrase.empty() ? it->second.progress.phrase : std::move(phrase)};
      impl_.changed.notify_all();
    }
    bool Cancelled() const override {
      std::lock_guard lock(impl_.mutex);
      auto it = impl_.cancel.find(id_);
      return impl_.stopping || (it != impl_.cancel.end() && it->second);
    }
    const std::string& FilePath() const override { return path_; }

   private:
    Impl& impl_;
    std::string id_, path_;
  };

  void Forget(int64_t now_us) {  // with mutex held
    for (auto it = jobs.begin(); it != jobs.end();) {
      if (Finished(it->second.state) && it->second.expires_us <= now_us) {
        std::error_code ec;
        if (!it->second.path.empty()) fs::remove(it->second.path, ec);
        it = jobs.erase(it);
      } else {
        ++it;
      }
    }
  }

  void Finish(Job& job, int64_t now_us) {  // with mutex held
    job.finished_us = now_us;
    job.expires_us = now_us + options.keep_seconds * int64_t{1000000};
  }

  void Run() {
    std::unique_lock lock(mutex);
    for (;;) {
      changed.wait(lock, [&] { return stopping || !queue.empty(); });
      if (stopping) return;
      const std::string id = queue.front();
      queue.pop_front();
      Job& job = jobs.at(id);
      JobWork fn = std::move(work.at(id));
      work.erase(id);
      cancel[id] = false;
      job.state = JobState::kRunning;
      job.started_us = JobClockUs();
      Context context(*this, id, dir + "/" + std::string(kJobFilePrefix) + id);
      changed.notify_all();
      lock.unlock();

      Result<JobOutcome> outcome = Error::Internal("the job did not run");
      try {
        outcome = fn(context);
      } catch (const std::exception& e) {
        outcome = Error::Internal(std::string("unhandled exception: ") + e.what());
      }
      std::error_code ec;
      if (outcome.ok() && outcome->file) fs::permissions(context.FilePath(), fs::perms::owner_read | fs::perms::owner_write, ec);

      lock.lock();
      Job& done = jobs.at(id);
      // Work that has made its change (an import, committed as one transaction) ends as
      // it reports, cancelled or not: only a result nobody wants any more is dropped.
      const bool made_change = outcome.ok() && !outcome->file;
      const bool cancelled = (stopping || cancel[id]) && !made_change;
      cancel.erase(id);
      Finish(done, JobClockUs());
      if (cancelled) {
        done.state = JobState::kCancelled;
        fs::remove(context.FilePath(), ec);
      } else if (!outcome.ok()) {
        done.state = JobState::kFailed;
        if (outcome.error().kind == ErrorKind::kInternal) {
          // Internal details (paths, tables) go to the log, not to the owner.
          spdlog::error("job {} ({}) failed: {}", id, done.kind, outcome.error().message);
          done.error = "the job failed on the server; it has been logged";
        } else {
          done.error = outcome.error().message;
          done.field = outcome.error().field;
        }
        fs::remove(context.FilePath(), ec);
      } else {
        done.state = outcome->ok ? JobState::kDone : JobState::kFailed;
        done.result = std::move(outcome->result);
        done.error = std::move(outcome->error);
        done.field = std::move(outcome->field);
        if (outcome->ok && outcome->file) {
          done.path = context.FilePath();
          done.media_type = std::move(outcome->media_type);
          done.file_name = std::move(outcome->file_name);
        } else {
          fs::remove(context.FilePath(), ec);
        }
        if (done.progress.total == 0) done.progress.total = 1;
        if (outcome->ok) done.progress.done = done.progress.total;
      }
      changed.notify_all();
    }
  }
};

JobRunner::JobRunner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

JobRunner::~JobRunner() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->changed.notify_all();
  for (auto& worker : impl_->workers) {
    if (worker.joinable()) worker.join();
  }
  std::error_code ec;
  if (impl_->own_dir) {
    fs::remove_all(impl_->dir, ec);
  } else {
    RemoveJobFiles(impl_->dir);
  }
}

Result<std::unique_ptr<JobRunner>> JobRunner::Create(const std::string& dir, Options options) {
  if (sodium_init() < 0) return Error::Internal("libsodium could not start");
  auto impl = std::make_unique<Impl>();
  std::error_code ec;
  if (dir.empty()) {
    std::string made = (fs::temp_directory_path(ec) / "esafe-jobs-XXXXXX").string();
    if (ec || mkdtemp(made.data()) == nullptr) return Error::Internal("cannot make a private directory for jobs");
    impl->dir = made;
    impl->own_dir = true;
  } else {
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir)) return Error::Internal("cannot create the jobs directory " + dir);
    impl->dir = dir;
  }
  // Results are about children: nobody but this account may list or read them.
  fs::permissions(impl->dir, fs::perms::owner_all, ec);
  if (ec) return Error::Internal("cannot make the jobs directory " + impl->dir + " private");
  // Jobs live in memory, so files an earlier process left can never be downloaded.
  RemoveJobFiles(impl->dir);
  impl->options = options;
  Impl* raw = impl.get();
  std::unique_ptr<JobRunner> runner(new JobRunner(std::move(impl)));
  for (size_t i = 0; i < std::max<size_t>(1, options.workers); ++i) {
    raw->workers.emplace_back([raw] { raw->Run(); });
  }
  return runner;
}

Result<Job> JobRunner::Submit(int64_t owner, JobSpec spec) {
  std::lock_guard lock(impl_->mutex);
  const int64_t now = JobClockUs();
  impl_->Forget(now);
  size_t pending = 0;
  for (const auto& [id, job] : impl_->jobs) {
    if (job.owner == owner && !Finished(job.state)) ++pending;
  }
  if (pending >= impl_->options.max_pending_per_owner) {
    return Error::Throttled("you already have " + std::to_string(pending) +
                                " jobs waiting or running; wait for one to finish",
                            30);
  }
  Job job;
  job.id = RandomJobId();
  job.owner = owner;
  job.kind = std::move(spec.kind);
  job.description = std::move(spec.description);
  job.details = std::move(spec.details);
  job.progress.phrase = "waiting to start";
  job.created_us = now;
  job.before_download = std::move(spec.before_download);
  impl_->jobs[job.id] = job;
  impl_->work[job.id] = std::move(spec.work);
  impl_->queue.push_back(job.id);
  impl_->changed.notify_all();
  return job;
}

std::optional<Job> JobRunner::Get(const std::string& id, int64_t owner) const {
  std::lock_guard lock(impl_->mutex);
  impl_->Forget(JobClockUs());
  auto it = impl_->jobs.find(id);
  if (it == impl_->jobs.end() || it->second.owner != owner) return std::nullopt;
  return it->second;
}

std::vector<Job> JobRunner::List(int64_t owner) const {
  std::lock_guard lock(impl_->mutex);
  impl_->Forget(JobClockUs());
  std::vector<Job> out;
  for (const auto& [id, job] : impl_->jobs) {
    if (job.owner == owner) out.push_back(job);
  }
  std::sort(out.begin(), out.end(), [](const Job& a, const Job& b) { return a.created_us > b.created_us; });
  return out;
}

std::optional<Job> JobRunner::Wait(const std::string& id, int64_t owner, int64_t timeout_ms) const {
  std::unique_lock lock(impl_->mutex);
  impl_->changed.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] {
    auto it = impl_->jobs.find(id);
    return it == impl_->jobs.end() || Finished(it->second.state);
  });
  auto it = impl_->jobs.find(id);
  if (it == impl_->jobs.end() || it->second.owner != owner) return std::nullopt;
  return it->second;
}

void JobRunner::Downloaded(const std::string& id, int64_t owner) {
  std::lock_guard lock(impl_->mutex);
  auto it = impl_->jobs.find(id);
  if (it == impl_->jobs.end() || it->second.owner != owner || !Finished(it->second.state)) return;
  it->second.expires_us =
      std::min(it->second.expires_us, JobClockUs() + impl_->options.download_grace_seconds * int64_t{1000000});
}

bool JobRunner::Remove(const std::string& id, int64_t owner) {
  std::lock_guard lock(impl_->mutex);
  auto it = impl_->jobs.find(id);
  if (it == impl_->jobs.end() || it->second.owner != owner) return false;
  Job& job = it->second;
  if (job.state == JobState::kQueued) {
    impl_->queue.erase(std::remove(impl_->queue.begin(), impl_->queue.end(), id), impl_->queue.end());
    impl_->work.erase(id);
    job.state = JobState::kCancelled;
    impl_->Finish(job, JobClockUs());
  } else if (job.state == JobState::kRunning) {
    impl_->cancel[id] = true;  // the worker ends it cancelled when the work returns
  } else {
    std::error_code ec;
    if (!job.path.empty()) fs::remove(job.path, ec);
    impl_->jobs.erase(it);
  }
  impl_->changed.notify_all();
  return true;
}

}  // namespace esafe::web
