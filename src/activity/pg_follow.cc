#include "activity/pg_follow.h"

#include <condition_variable>
#include <mutex>
#include <thread>

namespace esafe::activity {

struct PgMirrorFollower::Impl {
  std::unique_ptr<PgMirror> mirror;
  std::string log_dir;
  std::chrono::milliseconds interval;
  PassObserver on_pass;

  mutable std::mutex mutex;  // stop, stats
  std::condition_variable wake;
  bool stop = false;
  PgFollowStats stats;
  std::thread thread;

  void Run() {
    while (true) {
      auto report = mirror->MirrorOnce(log_dir);
      {
        std::lock_guard lock(mutex);
        ++stats.passes;
        if (report.ok()) {
          stats.events_copied += report->events_copied;
          stats.segments_mirrored = report->segments_mirrored;
          stats.last_error.clear();
        } else {
          ++stats.failed_passes;
          stats.last_error = report.error().message;
        }
      }
      if (on_pass) on_pass(report);
      std::unique_lock lock(mutex);
      if (wake.wait_for(lock, interval, [&] { return stop; })) return;
    }
  }
};

PgMirrorFollower::PgMirrorFollower(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<PgMirrorFollower>> PgMirrorFollower::Start(const std::string& url,
                                                                  const PgMirrorOptions& options,
                                                                  const std::string& log_dir,
                                                                  std::chrono::milliseconds interval,
                                                                  PassObserver on_pass) {
  if (interval < std::chrono::milliseconds(100) || interval > std::chrono::hours(1)) {
    return Error::Invalid("the mirror's interval must be 0.1 to 3600 seconds", "interval");
  }
  auto mirror = PgMirror::Connect(url, options);
  if (!mirror.ok()) return mirror.error();
  auto impl = std::make_unique<Impl>();
  impl->mirror = std::move(*mirror);
  impl->log_dir = log_dir;
  impl->interval = interval;
  impl->on_pass = std::move(on_pass);
  impl->thread = std::thread([raw = impl.get()] { raw->Run(); });
  return std::unique_ptr<PgMirrorFollower>(new PgMirrorFollower(std::move(impl)));
}

PgMirrorFollower::~PgMirrorFollower() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stop = true;
  }
  impl_->wake.notify_all();
  impl_->thread.join();
}

PgFollowStats PgMirrorFollower::stats() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->stats;
}

}  // namespace esafe::activity
