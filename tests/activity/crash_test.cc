// Crash safety with a real SIGKILL: a child process appends batches and reports each
// acknowledgement on a pipe; the parent kills it at a random moment (mid-write,
// mid-fsync, mid-seal), reopens the log, and checks that every acknowledged batch is
// there in full, that no batch is there in part, and that the log verifies.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <random>

#include <gtest/gtest.h>

#include "activity_test_util.h"

namespace esafe::activity {
namespace {

using testing::EventGen;
using testing::TempDir;

constexpr int kBatch = 37;

[[noreturn]] void WriterChild(const std::string& dir, int round, int fd) {
  auto store = Store::Open(dir, {.segment_events = 300});
  if (!store.ok()) _exit(3);
  EventGen gen(static_cast<uint64_t>(round) * 7919);
  for (uint32_t i = 0;; ++i) {
    auto batch = gen.Batch(kBatch);
    for (auto& e : batch) e.user = "r" + std::to_string(round) + "b" + std::to_string(i);
    if (!(*store)->Append(batch).ok()) _exit(4);
    if (::write(fd, &i, sizeof i) != sizeof i) _exit(5);
  }
}

TEST(Crash, KillNineDuringIngestLosesOnlyTheUnacknowledgedBatch) {
  TempDir dir;
  std::mt19937 rng(12345);
  std::map<std::string, int> acknowledged;  // user tag → round
  for (int round = 0; round < 6; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      WriterChild(dir.path(), round, fds[1]);
    }
    ::close(fds[1]);
    // Wait for some acknowledgements, then kill at a random moment.
    const uint32_t wait_for = 5 + rng() % 20;
    uint32_t got = 0, id;
    while (got < wait_for && ::read(fds[0], &id, sizeof id) == sizeof id) {
      acknowledged["r" + std::to_string(round) + "b" + std::to_string(id)] = round;
      ++got;
    }
    ASSERT_EQ(got, wait_for) << "the writer died by itself";
    ::usleep(rng() % 20000);
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    while (::read(fds[0], &id, sizeof id) == sizeof id)
      acknowledged["r" + std::to_string(round) + "b" + std::to_string(id)] = round;
    ::close(fds[0]);

    // Reopen as the next writer would; then check from a reader.
    {
      auto store = Store::Open(dir.path(), {.segment_events = 300});
      ASSERT_TRUE(store.ok()) << store.error().message;
    }
    std::map<std::string, int> per_batch;
    for (const auto& e : testing::All(dir.path())) ++per_batch[e.user];
    for (const auto& [tag, r] : acknowledged) EXPECT_EQ(per_batch[tag], kBatch) << "acknowledged batch " << tag << " lost";
    for (const auto& [tag, n] : per_batch) EXPECT_EQ(n, kBatch) << "batch " << tag << " stored in part";
    auto report = Verify(dir.path());
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(report->ok) << report->problems.front();
  }
  EXPECT_GT(acknowledged.size(), 30u);
}

}  // namespace
}  // namespace esafe::activity
