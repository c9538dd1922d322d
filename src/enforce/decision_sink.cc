#include "enforce/decision_sink.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

namespace esafe::enforce {
namespace {

int OpenForAppend(const std::filesystem::path& path) {
  return ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

}  // namespace

JsonLinesSink::JsonLinesSink(std::filesystem::path path, int fd, std::chrono::milliseconds reopen_check)
    : path_(std::move(path)), reopen_check_(reopen_check), fd_(fd),
      next_check_(std::chrono::steady_clock::now() + reopen_check) {
  struct stat st {};
  if (::fstat(fd_, &st) == 0) {
    dev_ = st.st_dev;
    ino_ = st.st_ino;
  }
}

Result<std::unique_ptr<JsonLinesSink>> JsonLinesSink::Open(const std::filesystem::path& path,
                                                           std::chrono::milliseconds reopen_check) {
  const int fd = OpenForAppend(path);
  if (fd < 0)
    return Error::Invalid("cannot open decision log " + path.string() + " for appending: " + std::strerror(errno),
                          "decision-log");
  return std::unique_ptr<JsonLinesSink>(new JsonLinesSink(path, fd, reopen_check));
}

JsonLinesSink::~JsonLinesSink() {
  if (fd_ >= 0) ::close(fd_);
}

void JsonLinesSink::Failed(const std::string& why) {
  ++failures_;
  if (failing_) return;
  failing_ = true;
  spdlog::error("decision log {}: {}; decisions are not being recorded (each one is counted) until it can be written",
                path_.string(), why);
}

void JsonLinesSink::ReopenIfRotated() {
  const auto now = std::chrono::steady_clock::now();
  if (fd_ >= 0 && now < next_check_) return;
  next_check_ = now + reopen_check_;
  struct stat st {};
  if (fd_ >= 0 && ::stat(path_.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_) return;
  // Renamed or removed (or never opened after a failure): open the path afresh.
  const int fd = OpenForAppend(path_);
  if (fd < 0) {
    // Keep writing to the file still open (it holds the evidence until the path is back).
    if (fd_ < 0) Failed(std::string("cannot open it: ") + std::strerror(errno));
    else if (!failing_) spdlog::error("decision log {} was rotated away and cannot be opened again ({}); still "
                                      "writing to the old file", path_.string(), std::strerror(errno));
    return;
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  if (::fstat(fd_, &st) == 0) {
    dev_ = st.st_dev;
    ino_ = st.st_ino;
  }
  ++reopens_;
  spdlog::info("decision log {} was rotated; writing to a new file", path_.string());
}

void JsonLinesSink::Reopen() {
  std::lock_guard lock(mutex_);
  next_check_ = {};
  ReopenIfRotated();
}

void JsonLinesSink::Record(const activity::ActivityEvent& event) {
  std::string line;
  try {
    line = activity::FormatEventJson(event);
    line += '\n';
  } catch (...) {
    std::lock_guard lock(mutex_);
    Failed("an event could not be formatted");
    return;
  }
  std::lock_guard lock(mutex_);
  ReopenIfRotated();
  if (fd_ < 0) {
    Failed("it is not open");
    return;
  }
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Failed(std::string("cannot write: ") + (n < 0 ? std::strerror(errno) : "nothing written"));
      return;
    }
    done += static_cast<size_t>(n);
  }
  if (failing_) {
    failing_ = false;
    spdlog::warn("decision log {}: writing again ({} decisions could not be recorded since start)", path_.string(),
                 failures_.load());
  }
}

void ShipperSink::Record(const activity::ActivityEvent& event) {
  try {
    shipper_->Send(activity::FormatEventJson(event));
  } catch (...) {
    // Record must not throw; building the line fails only when memory is exhausted.
  }
}

}  // namespace esafe::enforce
