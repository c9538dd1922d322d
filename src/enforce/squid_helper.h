// `esafe squid-helper`: serves Squid's helper protocol on a pair of streams (standard
// input and output under Squid) until the input ends.
//
// With channel IDs (Squid's concurrency=N > 0) requests are decided on a pool of threads
// and answered as each finishes, so many requests are in flight at once; without them
// they are answered strictly in order, as Squid then requires. Every answer is written as
// one line and flushed. A malformed line gets BH and the helper reads on.
#pragma once

#include <cstddef>
#include <istream>
#include <ostream>

#include "enforce/enforcer.h"
#include "enforce/squid_line.h"

namespace esafe::enforce {

struct SquidHelperOptions {
  SquidMode mode = SquidMode::kRewrite;
  SquidChannels channels = SquidChannels::kAuto;
  size_t threads = 2;  // deciding threads when channel IDs are in use
};

// Handles one request line and returns the answer line (no newline). Never fails: every
// problem becomes a BH answer.
std::string HandleSquidLine(std::string_view line, const Enforcer& enforcer, const SquidHelperOptions& options);

// Serves until `in` ends; returns the number of lines answered.
size_t RunSquidHelper(std::istream& in, std::ostream& out, const Enforcer& enforcer,
                      const SquidHelperOptions& options);

}  // namespace esafe::enforce
