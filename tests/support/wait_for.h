// Waiting for something another thread or process does, in tests: polls `done` every
// 50 ms until it holds or `limit` passes, and answers whether it held. A limit, not a
// sleep, so a test is as quick as the code it watches and fails rather than hangs.
#pragma once

#include <chrono>
#include <thread>

namespace esafe::testing_support {

template <typename Done>
bool WaitFor(Done done, std::chrono::milliseconds limit = std::chrono::seconds(8)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

}  // namespace esafe::testing_support
