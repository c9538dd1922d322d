// LiveMonitor: the rules over the live activity log. The Store hands each
// acknowledged batch to Offer() on the appending thread; Offer only copies it onto a
// bounded queue, so ingest never waits for monitoring. One thread evaluates the
// batches; another sends e-mail, so a slow relay never holds evaluation up.
//
// The stream's clock: a Monitor closes windows as event times pass them. When events
// stop, nothing would pass them, so on each tick the clock is moved on by the wall
// time elapsed since the newest event arrived. For live traffic that is the wall
// clock; for a backfill of old events (the --demo fortnight) it moves on only as
// fast as real time, so the rules see the old events at their own times.
#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <thread>

#include "monitoring/monitoring.h"

namespace esafe::monitoring {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr auto kLate = std::chrono::seconds(5);

int64_t MicrosSince(SteadyClock::time_point then, SteadyClock::time_point now) {
  return std::chrono::duration_cast<std::chrono::microseconds>(now - then).count();
}

}  // namespace

struct LiveMonitor::Impl {
  Impl(store::Database& d, const TermsInForce& t, RuleSettings s, std::optional<SmtpSettings> m, MailTransport tr,
       LiveMonitorOptions o)
      : db(d), terms(t), settings(std::move(s)), mail(std::move(m)), transport(std::move(tr)), options(o) {
    if (mail && !transport) {
      transport = [client = std::make_shared<SmtpClient>(*mail)](const MailMessage& message) {
        return client->Send(message);
      };
    }
  }

  store::Database& db;
  const TermsInForce& terms;
  RuleSettings settings;
  std::optional<SmtpSettings> mail;
  MailTransport transport;
  LiveMonitorOptions options;

  struct Queued {
    std::vector<activity::ActivityEvent> events;
    SteadyClock::time_point at;
  };
  mutable std::mutex mutex;  // queue, stop, monitor_stats, mail_due
  std::condition_variable work_ready, mail_ready;
  std::deque<Queued> queue;
  bool stop = false;
  bool mail_due = false;
  std::optional<RuleSettings> new_rules;
  MonitorStats monitor_stats;

  std::atomic<uint64_t> batches{0}, dropped_batches{0}, dropped_events{0}, late_batches{0}, alerts{0}, repeats{0},
      record_failures{0}, mails{0}, mail_failures{0}, undeliverable_immediate{0}, undeliverable_digest{0};

  std::thread evaluator, mailer;

  void Evaluate() {
    AlertLog log(db);
    bool urgent = false;
    Monitor monitor(terms, settings, [&](AlertDraft&& draft) {
      auto id = log.RecordOnce(draft);
      if (!id.ok()) {
        ++record_failures;
        spdlog::error("monitoring: an alert could not be recorded ({}): {}", RuleName(draft.rule), id.error().message);
        return;
      }
      if (!*id) {
        ++repeats;
        return;
      }
      ++alerts;
      if (mail && draft.severity >= mail->immediate_from) urgent = true;
    });
    std::optional<int64_t> stream_now;  // the newest event time seen
    SteadyClock::time_point seen_at{};
    uint64_t dropped_logged = 0;
    SteadyClock::time_point logged_at{};
    while (true) {
      std::deque<Queued> work;
      std::optional<RuleSettings> rules;
      bool stopping;
      {
        std::unique_lock lock(mutex);
        work_ready.wait_for(lock, options.tick, [&] { return stop || !queue.empty(); });
        work.swap(queue);
        rules.swap(new_rules);
        stopping = stop;
      }
      if (rules) monitor.Reconfigure(std::move(*rules));
      for (auto& batch : work) {
        const auto now = SteadyClock::now();
        if (now - batch.at > kLate) ++late_batches;
        monitor.Feed(batch.events);
        for (const auto& e : batch.events) {
          if (!stream_now || e.time_us > *stream_now) {
            stream_now = e.time_us;
            seen_at = now;
          }
        }
        ++batches;
      }
      if (stopping) {
        monitor.Flush();  // the windows still open are complete as they stand
      } else if (stream_now) {
        monitor.Flush(*stream_now + MicrosSince(seen_at, SteadyClock::now()));
      }
      const auto stats = monitor.stats();
      {
        std::lock_guard lock(mutex);
        monitor_stats = stats;
        if (urgent) mail_due = true;
      }
      if (urgent) mail_ready.notify_one();
      urgent = false;
      const uint64_t dropped = dropped_batches.load();
      if (dropped != dropped_logged && SteadyClock::now() - logged_at > std::chrono::seconds(10)) {
        spdlog::warn("monitoring is behind: {} batches ({} events) were not evaluated because its queue was full",
                     dropped, dropped_events.load());
        dropped_logged = dropped;
        logged_at = SteadyClock::now();
      }
      if (stopping) return;
    }
  }

  void Mail() {
    Notifier notifier(db, *mail, transport);
    auto last_digest = SteadyClock::now();
    auto count = [&](const Result<NotifyReport>& sent, const char* what) {
      if (sent.ok()) {
        auto& gauge = std::string_view(what) == "immediate" ? undeliverable_immediate : undeliverable_digest;
        if (sent->undeliverable > 0 && gauge.load() != sent->undeliverable) {
          spdlog::warn("monitoring: {} {} alert(s) have nobody to e-mail: name recipients for the agency or the "
                       "partnership (Alerts page)", sent->undeliverable, what);
        }
        gauge = sent->undeliverable;
      }
      if (!sent.ok()) {
        ++mail_failures;
        spdlog::error("monitoring: {} e-mail not sent: {}", what, sent.error().message);
        return;
      }
      mails += sent->messages;
      mail_failures += sent->failures;
      if (sent->failures > 0) spdlog::warn("monitoring: {} {} e-mail(s) refused; retried later", sent->failures, what);
    };
    while (true) {
      bool stopping;
      {
        std::unique_lock lock(mutex);
        mail_ready.wait_for(lock, options.tick * 10, [&] { return stop || mail_due; });
        stopping = stop;
        mail_due = false;
      }
      // Also on a wake-up with no news: an alert the relay refused before is retried.
      count(notifier.SendImmediate(), "immediate");
      if (stopping || SteadyClock::now() - last_digest >= options.digest_every) {
        count(notifier.SendDigest(), "digest");
        last_digest = SteadyClock::now();
      }
      if (stopping) return;
    }
  }
};

LiveMonitor::LiveMonitor(store::Database& db, const TermsInForce& terms, RuleSettings settings,
                         std::optional<SmtpSettings> mail, MailTransport transport, LiveMonitorOptions options)
    : impl_(std::make_unique<Impl>(db, terms, std::move(settings), std::move(mail), std::move(transport), options)) {
  impl_->evaluator = std::thread([this] { impl_->Evaluate(); });
  if (impl_->mail) impl_->mailer = std::thread([this] { impl_->Mail(); });
}

LiveMonitor::~LiveMonitor() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stop = true;
  }
  impl_->work_ready.notify_all();
  // The evaluator first, so that the alerts it completes on the way out are mailed.
  impl_->evaluator.join();
  impl_->mail_ready.notify_all();
  if (impl_->mailer.joinable()) impl_->mailer.join();
}

bool LiveMonitor::Offer(std::span<const activity::ActivityEvent> batch) {
  if (batch.empty()) return true;
  Impl::Queued queued{std::vector<activity::ActivityEvent>(batch.begin(), batch.end()), SteadyClock::now()};
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->stop || impl_->queue.size() >= impl_->options.max_queued_batches) {
      ++impl_->dropped_batches;
      impl_->dropped_events += batch.size();
      return false;
    }
    impl_->queue.push_back(std::move(queued));
  }
  impl_->work_ready.notify_one();
  return true;
}

void LiveMonitor::SetRules(RuleSettings settings) {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->new_rules = std::move(settings);
  }
  impl_->work_ready.notify_one();
}

LiveMonitorStats LiveMonitor::stats() const {
  LiveMonitorStats s;
  s.batches = impl_->batches;
  s.dropped_batches = impl_->dropped_batches;
  s.dropped_events = impl_->dropped_events;
  s.late_batches = impl_->late_batches;
  s.alerts = impl_->alerts;
  s.repeats = impl_->repeats;
  s.record_failures = impl_->record_failures;
  s.mails = impl_->mails;
  s.mail_failures = impl_->mail_failures;
  s.mail_undeliverable = impl_->undeliverable_immediate + impl_->undeliverable_digest;
  std::lock_guard lock(impl_->mutex);
  s.queued = impl_->queue.size();
  s.monitor = impl_->monitor_stats;
  return s;
}

}  // namespace esafe::monitoring
