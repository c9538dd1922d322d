// Wall-clock time as the rest of esafe stores it: UTC, ISO 8601, to the second.
#pragma once

#include <cstdint>
#include <string>

namespace esafe::clock {

// Seconds since the Unix epoch, now.
int64_t NowSeconds();

// "2026-11-23T02:48:57Z" for `unix_seconds`.
std::string Iso8601(int64_t unix_seconds);

// Iso8601(NowSeconds()).
std::string NowIso8601();

}  // namespace esafe::clock
