#include "core/hangup.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "support/wait_for.h"

namespace esafe::hangup {
namespace {

using testing_support::WaitFor;

// SIGHUP runs every registration, on whichever thread the signal lands, instead of ending
// the process (its default action), and keeps doing so.
TEST(HangupTest, EverySighupRunsEveryRegistration) {
  // Static: the registrations outlive the test.
  static std::atomic<int> first{0}, second{0};
  // A thread started before the registration, with SIGHUP unblocked, may take the signal.
  std::atomic<bool> stop{false};
  std::thread bystander([&] {
    while (!stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  });
  OnHangup([] { ++first; });
  OnHangup([] { ++second; });
  ASSERT_EQ(::kill(::getpid(), SIGHUP), 0);
  EXPECT_TRUE(WaitFor([] { return first.load() >= 1 && second.load() >= 1; }));
  ASSERT_EQ(::kill(::getpid(), SIGHUP), 0);
  EXPECT_TRUE(WaitFor([] { return first.load() >= 2 && second.load() >= 2; }));
  stop = true;
  bystander.join();
}

}  // namespace
}  // namespace esafe::hangup
