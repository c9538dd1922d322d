#include "enforce/squid_helper.h"

#include <atomic>
#include <mutex>
#include <string>
#include <thread>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

namespace esafe::enforce {

std::string HandleSquidLine(std::string_view line, const Enforcer& enforcer, const SquidHelperOptions& options) {
  std::string channel;
  auto request = ParseSquidLine(line, options.mode, options.channels, channel);
  if (!request) return SquidBrokenReply(channel, request.error().message);
  const bool connect = request->method == "CONNECT";
  auto verdict = enforcer.Check({request->url, request->client, request->user, request->method});
  if (!verdict) return SquidBrokenReply(channel, "cannot read URL: " + verdict.error().message);
  if (verdict->blocked()) {
    const std::string message = verdict->mandatory        ? std::string("blocked: mandatory list")
                                : verdict->category.empty() ? "blocked: " + verdict->reason
                                                            : "blocked: " + verdict->category + " (" + verdict->reason + ")";
    // A CONNECT cannot be redirected usefully; Squid turns the 302 into a refused tunnel.
    return SquidBlockReply(channel, options.mode, enforcer.BlockRedirect(*verdict, request->url), message);
  }
  if (!connect && options.mode == SquidMode::kRewrite && verdict->safe_search &&
      verdict->safe_search->url != request->url) {
    return SquidRewriteReply(channel, verdict->safe_search->url);
  }
  return SquidAllowReply(channel, options.mode);
}

size_t RunSquidHelper(std::istream& in, std::ostream& out, const Enforcer& enforcer,
                      const SquidHelperOptions& options) {
  std::mutex out_mutex;
  auto answer = [&](const std::string& reply) {
    std::lock_guard lock(out_mutex);
    out << reply << '\n';
    out.flush();
  };
  size_t lines = 0;
  std::string line;
  if (options.channels == SquidChannels::kNo || options.threads <= 1) {
    while (std::getline(in, line)) {
      answer(HandleSquidLine(line, enforcer, options));
      ++lines;
    }
    return lines;
  }
  // Channel IDs possible: lines that carry one are decided on the pool; a line without
  // one (kAuto) must be answered in order, so the pool is drained first.
  boost::asio::thread_pool pool(options.threads);
  std::atomic<size_t> pending{0};
  while (std::getline(in, line)) {
    ++lines;
    std::string channel;
    (void)ParseSquidLine(line, options.mode, options.channels, channel);
    if (channel.empty()) {
      while (pending.load() > 0) std::this_thread::yield();
      answer(HandleSquidLine(line, enforcer, options));
      continue;
    }
    ++pending;
    boost::asio::post(pool, [&, request_line = std::move(line)] {
      answer(HandleSquidLine(request_line, enforcer, options));
      --pending;
    });
    line.clear();
  }
  pool.join();
  return lines;
}

}  // namespace esafe::enforce
