// monitoring: how severe an alert or a term is.
// Part of the monitoring capability's interface; monitoring/monitoring.h is the overview.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace esafe::monitoring {

using Json = nlohmann::json;

// Ordered: a rule or term's severity decides whether an alert is e-mailed at once.
enum class Severity : uint8_t { kLow = 0, kMedium = 1, kHigh = 2, kCritical = 3 };
std::string_view SeverityName(Severity severity);  // "low", "medium", "high", "critical"
std::optional<Severity> ParseSeverity(std::string_view name);

}  // namespace esafe::monitoring
