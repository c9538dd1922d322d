// JobRunner on its own: work runs off the caller's thread with progress, only the
// owner sees a job, the per-owner throttle, cancelling queued and running work, file
// results private (0700 directory, 0600 files) and forgotten after download + grace,
// and a runner that stops while work runs cancels it and removes every file.
#include "web/job_runner.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

namespace esafe::web {
namespace {

namespace fs = std::filesystem;

class JobRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("esafe-job-runner-test-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
  }
  void TearDown() override { fs::remove_all(dir); }

  static unsigned Mode(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st.st_mode & 0777;
  }

  // Work that waits until `release` is set, reporting progress as it goes.
  static JobSpec Blocking(std::shared_ptr<std::atomic<bool>> release, std::string kind = "test.block") {
    JobSpec spec;
    spec.kind = std::move(kind);
    spec.work = [release](JobContext& context) -> Result<JobOutcome> {
      context.Progress(1, 10, "waiting");
      while (!release->load() && !context.Cancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(2));
      if (context.Cancelled()) return Error::Invalid("stopped as asked");
      return JobOutcome{};
    };
    return spec;
  }

  fs::path dir;
};

TEST_F(JobRunnerTest, RunsWorkOffTheCallerWithProgressAndAFilePrivateToTheOwner) {
  auto runner = JobRunner::Create(dir.string());
  ASSERT_TRUE(runner.ok()) << runner.error().message;
  EXPECT_EQ(Mode(dir), 0700u);
  auto release = std::make_shared<std::atomic<bool>>(false);
  const auto caller = std::this_thread::get_id();
  JobSpec spec;
  spec.kind = "test.file";
  spec.work = [release, caller](JobContext& context) -> Result<JobOutcome> {
    EXPECT_NE(std::this_thread::get_id(), caller);
    context.Progress(3, 7, "writing");
    while (!release->load()) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    std::ofstream(context.FilePath()) << "hello";
    JobOutcome out;
    out.file = true;
    out.media_type = "text/plain";
    out.file_name = "hello.txt";
    out.result = {{"bytes", 5}};
    return out;
  };
  auto job = (*runner)->Submit(7, std::move(spec));
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->id.size(), 32u);
  // Progress is visible while the work runs.
  std::optional<Job> seen;
  for (int i = 0; i < 500; ++i) {
    seen = (*runner)->Get(job->id, 7);
    if (seen && seen->progress.done == 3) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->state, JobState::kRunning);
  EXPECT_EQ(seen->progress.total, 7u);
  EXPECT_EQ(seen->progress.phrase, "writing");
  // Nobody else sees it, by id or in a list.
  EXPECT_FALSE((*runner)->Get(job->id, 8));
  EXPECT_TRUE((*runner)->List(8).empty());
  EXPECT_FALSE((*runner)->Remove(job->id, 8));
  release->store(true);
  auto done = (*runner)->Wait(job->id, 7, 5000);
  ASSERT_TRUE(done);
  EXPECT_EQ(done->state, JobState::kDone);
  EXPECT_EQ(done->progress.done, done->progress.total);
  EXPECT_EQ(done->result["bytes"], 5);
  ASSERT_FALSE(done->path.empty());
  EXPECT_EQ(Mode(done->path), 0600u);
  EXPECT_EQ(done->file_name, "hello.txt");
  ASSERT_EQ((*runner)->List(7).size(), 1u);
  // Discarding a finished job removes its file.
  EXPECT_TRUE((*runner)->Remove(job->id, 7));
  EXPECT_FALSE(fs::exists(done->path));
  EXPECT_FALSE((*runner)->Get(job->id, 7));
}

TEST_F(JobRunnerTest, ThrottlesEachOwnerAndCancelsQueuedAndRunningWork) {
  auto runner = JobRunner::Create(dir.string(), {.workers = 1, .max_pending_per_owner = 2});
  ASSERT_TRUE(runner.ok());
  auto release = std::make_shared<std::atomic<bool>>(false);
  auto first = (*runner)->Submit(1, Blocking(release));
  auto second = (*runner)->Submit(1, Blocking(release));
  ASSERT_TRUE(first.ok() && second.ok());
  auto third = (*runner)->Submit(1, Blocking(release));
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().kind, ErrorKind::kThrottled);
  // Another owner is not held back by the first one's jobs.
  auto other = (*runner)->Submit(2, Blocking(release));
  ASSERT_TRUE(other.ok());
  // The second waits behind the first on the one worker: cancelling it ends it at once.
  EXPECT_TRUE((*runner)->Remove(second->id, 1));
  EXPECT_EQ((*runner)->Get(second->id, 1)->state, JobState::kCancelled);
  // The first is running: it ends cancelled when its work notices.
  for (int i = 0; i < 500 && (*runner)->Get(first->id, 1)->state != JobState::kRunning; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_TRUE((*runner)->Remove(first->id, 1));
  auto ended = (*runner)->Wait(first->id, 1, 5000);
  ASSERT_TRUE(ended);
  EXPECT_EQ(ended->state, JobState::kCancelled);
  // With nothing pending the owner may submit again.
  EXPECT_TRUE((*runner)->Submit(1, Blocking(release)).ok());
  release->store(true);
}

TEST_F(JobRunnerTest, FailuresKeepTheirResultAndHideInternalDetails) {
  auto runner = JobRunner::Create(dir.string());
  ASSERT_TRUE(runner.ok());
  JobSpec refused;
  refused.work = [](JobContext&) -> Result<JobOutcome> {
    JobOutcome out;
    out.ok = false;
    out.error = "1 line(s) have errors; nothing was imported";
    out.result = {{"imported", 0}, {"errors", {"line 3: name is required"}}};
    return out;
  };
  JobSpec broken;
  broken.work = [](JobContext&) -> Result<JobOutcome> { return Error::Internal("table people on /secret/path"); };
  JobSpec thrown;
  thrown.work = [](JobContext&) -> Result<JobOutcome> { throw std::runtime_error("boom"); };
  auto a = (*runner)->Submit(1, std::move(refused));
  auto b = (*runner)->Submit(1, std::move(broken));
  auto c = (*runner)->Submit(1, std::move(thrown));
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  auto ra = (*runner)->Wait(a->id, 1, 5000), rb = (*runner)->Wait(b->id, 1, 5000), rc = (*runner)->Wait(c->id, 1, 5000);
  ASSERT_TRUE(ra && rb && rc);
  EXPECT_EQ(ra->state, JobState::kFailed);
  EXPECT_EQ(ra->result["errors"][0], "line 3: name is required");
  EXPECT_EQ(rb->state, JobState::kFailed);
  EXPECT_EQ(rb->error.find("secret"), std::string::npos) << rb->error;
  EXPECT_EQ(rc->state, JobState::kFailed);
}

TEST_F(JobRunnerTest, ADownloadedJobIsForgottenAfterTheGraceAndStoppingRemovesEverything) {
  auto runner = JobRunner::Create(dir.string(), {.download_grace_seconds = 0});
  ASSERT_TRUE(runner.ok());
  auto file_job = [](JobContext& context) -> Result<JobOutcome> {
    std::ofstream(context.FilePath()) << "x";
    JobOutcome out;
    out.file = true;
    return out;
  };
  auto job = (*runner)->Submit(1, {.kind = "test", .work = file_job});
  ASSERT_TRUE(job.ok());
  auto done = (*runner)->Wait(job->id, 1, 5000);
  ASSERT_TRUE(done && done->state == JobState::kDone);
  (*runner)->Downloaded(job->id, 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_FALSE((*runner)->Get(job->id, 1));
  EXPECT_FALSE(fs::exists(done->path));

  // A runner stopped while work runs tells it to stop and leaves no file behind.
  auto kept = (*runner)->Submit(1, {.kind = "test", .work = file_job});
  ASSERT_TRUE(kept.ok());
  ASSERT_TRUE((*runner)->Wait(kept->id, 1, 5000));
  auto release = std::make_shared<std::atomic<bool>>(false);
  ASSERT_TRUE((*runner)->Submit(1, Blocking(release)).ok());
  runner->reset();
  size_t left = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir)) ++left;
  EXPECT_EQ(left, 0u);

  // Files an earlier process left are removed when a runner starts.
  std::ofstream(dir / "job-0123") << "stale";
  auto again = JobRunner::Create(dir.string());
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(fs::exists(dir / "job-0123"));
}

TEST_F(JobRunnerTest, WithoutADirectoryItUsesAPrivateOneAndRemovesItAtTheEnd) {
  std::string made;
  {
    auto runner = JobRunner::Create("");
    ASSERT_TRUE(runner.ok());
    auto job = (*runner)->Submit(1, {.kind = "test", .work = [&made](JobContext& context) -> Result<JobOutcome> {
                                       made = fs::path(context.FilePath()).parent_path().string();
                                       return JobOutcome{};
                                     }});
    ASSERT_TRUE(job.ok());
    ASSERT_TRUE((*runner)->Wait(job->id, 1, 5000));
    ASSERT_FALSE(made.empty());
    EXPECT_EQ(Mode(made), 0700u);
  }
  EXPECT_FALSE(fs::exists(made));
}

}  // namespace
}  // namespace esafe::web
