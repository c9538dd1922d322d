#include "core/hangup.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

namespace esafe::hangup {
namespace {

struct Registry {
  std::mutex mutex;
  std::vector<std::function<void()>> callbacks;
  bool installed = false;
};

Registry& TheRegistry() {
  static auto* registry = new Registry;  // never destroyed: the waiting thread outlives main
  return *registry;
}

int wake_fd = -1;  // the pipe's write end, set once before the handler is installed

void OnSignal(int) {
  const int saved = errno;
  const char byte = 'h';
  // A full pipe already holds a wake-up: the byte may be dropped.
  [[maybe_unused]] const ssize_t n = ::write(wake_fd, &byte, 1);
  errno = saved;
}

void RunOnWake(int read_fd) {
  Registry& r = TheRegistry();
  char bytes[64];
  for (;;) {
    const ssize_t n = ::read(read_fd, bytes, sizeof bytes);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    std::vector<std::function<void()>> callbacks;
    {
      std::lock_guard lock(r.mutex);
      callbacks = r.callbacks;
    }
    for (auto& callback : callbacks) callback();
  }
}

}  // namespace

void OnHangup(std::function<void()> reload) {
  Registry& r = TheRegistry();
  std::lock_guard lock(r.mutex);
  r.callbacks.push_back(std::move(reload));
  if (r.installed) return;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    spdlog::error("cannot reload on SIGHUP (no pipe: {}); SIGHUP will end the process", std::strerror(errno));
    return;
  }
  ::fcntl(fds[1], F_SETFL, O_NONBLOCK);
  wake_fd = fds[1];
  std::thread(RunOnWake, fds[0]).detach();
  struct sigaction action {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  ::sigaction(SIGHUP, &action, nullptr);
  r.installed = true;
}

}  // namespace esafe::hangup
