// LogMaintenance: the timed seal and the daily retention run of a log being written.
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <thread>

#include "activity/activity.h"

namespace esafe::activity {

struct LogMaintenance::Impl {
  Store& store;
  MaintenanceOptions options;
  mutable std::mutex mu;
  std::condition_variable wake;
  bool stopping = false;
  MaintenanceStats stats;
  std::thread thread;

  Impl(Store& s, MaintenanceOptions o) : store(s), options(std::move(o)) {}

  static int64_t NowUs() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch()).count();
  }

  void Run() {
    using Clock = std::chrono::steady_clock;
    const auto interval = std::max(options.seal_interval, std::chrono::seconds(1));
    auto next_seal = Clock::now() + interval;
    // The first retention run waits a minute, so a server restarting in a loop does not
    // rewrite segments on every start; then once a day.
    auto next_retention = Clock::now() + std::chrono::minutes(1);
    std::unique_lock lock(mu);
    while (!stopping) {
      auto next = options.daily_retention ? std::min(next_seal, next_retention) : next_seal;
      wake.wait_until(lock, next, [&] { return stopping; });
      if (stopping) break;
      const auto now = Clock::now();
      if (now >= next_seal) {
        next_seal = now + interval;
        if (store.ActiveEvents() > 0) {
          lock.unlock();
          auto sealed = store.Seal();
          lock.lock();
          if (sealed.ok()) {
            ++stats.seals;
            stats.last_seal_us = NowUs();
          } else {
            ++stats.seal_failures;
            spdlog::error("activity log: the timed seal failed: {}", sealed.error().message);
          }
        } else {
          stats.last_seal_us = NowUs();  // nothing unsealed: the chain covers every event
        }
      }
      if (options.daily_retention && now >= next_retention) {
        next_retention = now + std::chrono::hours(24);
        lock.unlock();
        auto report = store.ApplyRetention(*options.daily_retention, NowUs());
        lock.lock();
        if (report.ok()) {
          ++stats.retention_runs;
          stats.last_retention_us = NowUs();
          if (report->events_deleted > 0 || report->segments_rewritten > 0) {
            spdlog::info("activity log retention: {} events deleted, {} kept by legal holds, {} segments deleted, "
                         "{} rewritten", report->events_deleted, report->events_kept_by_hold,
                         report->segments_deleted, report->segments_rewritten);
          }
        } else {
          ++stats.retention_failures;
          spdlog::error("activity log: the daily retention run failed: {}", report.error().message);
        }
      }
    }
  }
};

LogMaintenance::LogMaintenance(Store& store, MaintenanceOptions options)
    : impl_(std::make_unique<Impl>(store, std::move(options))) {
  impl_->thread = std::thread([impl = impl_.get()] { impl->Run(); });
}

LogMaintenance::~LogMaintenance() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  impl_->thread.join();
}

MaintenanceStats LogMaintenance::stats() const {
  std::lock_guard lock(impl_->mu);
  return impl_->stats;
}

}  // namespace esafe::activity
