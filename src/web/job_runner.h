// JobRunner: long work (imports, exports, board PDFs, activity reports) run on a
// few background threads of its own, with progress, so that it never holds one of
// the HTTP server's request threads.
//
// Start here: a route hands Submit a JobSpec whose `work` runs later on a worker;
// the owner polls Get (or List) and fetches a file result from FilePath. A job
// belongs to the account that submitted it: every look-up takes the owner, and
// someone else's job is answered exactly as a missing one, so ids cannot be probed.
// Jobs live in memory only; their files live in one private directory (0700, each
// file 0600) that is emptied when the runner starts and when it ends.
//
// Thread-safety: every member function may be called from any thread at once.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/record_schema.h"
#include "core/result.h"

namespace esafe::web {

enum class JobState : uint8_t { kQueued, kRunning, kDone, kFailed, kCancelled };
std::string_view JobStateName(JobState state);  // "queued", "running", "done", "failed", "cancelled"

struct JobProgress {
  uint64_t done = 0;   // units of work done…
  uint64_t total = 0;  // …of this many (0 while unknown)
  std::string phrase;  // what is happening, for a person: "importing 20,000 rows"
};

// What a job's work is handed while it runs on a worker.
class JobContext {
 public:
  virtual ~JobContext() = default;
  virtual void Progress(uint64_t done, uint64_t total, std::string phrase) = 0;
  // True once the owner cancelled the job or the runner is stopping: work that can
  // stop early should, and its result is thrown away.
  virtual bool Cancelled() const = 0;
  // Where to write a file result (in the runner's private directory).
  virtual const std::string& FilePath() const = 0;
};

// What the work produced. A job whose work ran but refused (an import with wrong
// lines) ends failed with `error` and keeps `result` (the line-numbered errors).
struct JobOutcome {
  bool ok = true;
  std::string error, field;  // when !ok: why, and the input field at fault ("" if none)
  Json result = nullptr;     // shown to the owner: counts, line errors…
  bool file = false;         // FilePath() holds a file to download
  std::string media_type = "application/octet-stream";
  std::string file_name = "download";
};

struct Job;
// Runs on the worker. An Error ends the job failed; a kInternal one is logged and
// the owner is told only that it failed on the server.
using JobWork = std::function<Result<JobOutcome>(JobContext&)>;
// Called before each download of the job's file (e.g. to audit it); an Error refuses it.
using JobDownloadHook = std::function<Result<void>(const Job&)>;

struct JobSpec {
  std::string kind;         // what sort of job: "people.import", "board-report.pdf", "activity.report"
  std::string description;  // for a person: what was asked
  Json details = nullptr;   // what was asked, as data (an activity report's query and format)
  JobWork work;
  JobDownloadHook before_download;
};

// One job as its owner sees it.
struct Job {
  std::string id;     // 32 random hex digits: unguessable, so a link cannot be enumerated
  int64_t owner = 0;  // the account that submitted it
  std::string kind, description;
  Json details = nullptr;
  JobState state = JobState::kQueued;
  JobProgress progress;
  Json result = nullptr;
  std::string error, field;  // why it failed
  std::string path;          // the file result, when done with one
  std::string media_type, file_name;
  int64_t created_us = 0, started_us = 0, finished_us = 0;
  int64_t expires_us = 0;    // when finished: when it and its file are forgotten
  JobDownloadHook before_download;
};

class JobRunner {
 public:
  struct Options {
    size_t workers = 2;                     // jobs running at once
    int64_t keep_seconds = 3600;            // a finished job is kept this long…
    int64_t download_grace_seconds = 300;   // …or this long after its file is downloaded, if sooner
    size_t max_pending_per_owner = 3;       // queued or running jobs one account may have
  };
  // Runs jobs with files in `dir` (created 0700 when missing; "" for a fresh private
  // directory under $TMPDIR, removed when the runner ends). Files an earlier process
  // left there are removed. Fails when the directory cannot be made private.
  static Result<std::unique_ptr<JobRunner>> Create(const std::string& dir, Options options);
  static Result<std::unique_ptr<JobRunner>> Create(const std::string& dir) { return Create(dir, Options{}); }
  // Tells running work to stop (JobContext::Cancelled), waits for it, abandons
  // queued jobs and removes every result file.
  ~JobRunner();
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  // Queues the work for `owner`; returns the job as queued. kThrottled when the
  // owner already has max_pending_per_owner jobs queued or running.
  Result<Job> Submit(int64_t owner, JobSpec spec);
  // The job, or nullopt when there is none with this id owned by `owner`.
  std::optional<Job> Get(const std::string& id, int64_t owner) const;
  // The owner's jobs, newest first.
  std::vector<Job> List(int64_t owner) const;
  // Get, after waiting up to `timeout_ms` for the job to finish (tests, scripts).
  std::optional<Job> Wait(const std::string& id, int64_t owner, int64_t timeout_ms) const;
  // Notes that the file was downloaded: the job is forgotten a grace period later.
  void Downloaded(const std::string& id, int64_t owner);
  // Cancels a queued or running job, or forgets a finished one with its file. A
  // running job ends cancelled when its work returns, unless the work made its change
  // anyway (returned a result that is not a file, such as an import's count): then it
  // ends as the work says. False when the owner has no such job.
  bool Remove(const std::string& id, int64_t owner);

  struct Impl;
 private:
  explicit JobRunner(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace esafe::web
