#include "enforce/decision_sink.h"

#include <nlohmann/json.hpp>

#include "core/clock.h"

namespace esafe::enforce {

std::string DecisionEventJson(const DecisionEvent& event) {
  nlohmann::ordered_json out;
  out["time"] = clock::Iso8601(event.time_ms / 1000);
  out["time_ms"] = event.time_ms;
  out["point"] = event.point;
  out["client"] = event.client;
  out["user"] = event.user.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(event.user);
  out["site"] = event.site.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(event.site);
  out["site_id"] = event.site_id ? nlohmann::ordered_json(*event.site_id) : nlohmann::ordered_json(nullptr);
  out["agency_id"] = event.agency_id ? nlohmann::ordered_json(*event.agency_id) : nlohmann::ordered_json(nullptr);
  out["profile"] = event.profile;
  out["url"] = event.url;
  out["category"] = event.category.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(event.category);
  out["entry"] = event.entry.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(event.entry);
  out["list_version"] = event.list_version;
  out["reason"] = event.reason;
  out["action"] = event.action;
  out["safe_search"] = event.safe_search;
  return out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

Result<std::unique_ptr<JsonLinesSink>> JsonLinesSink::Open(const std::filesystem::path& path) {
  std::FILE* file = std::fopen(path.c_str(), "a");
  if (!file) return Error::Invalid("cannot open decision log " + path.string() + " for appending", "decision-log");
  return std::unique_ptr<JsonLinesSink>(new JsonLinesSink(file));
}

JsonLinesSink::~JsonLinesSink() {
  if (file_) std::fclose(file_);
}

void JsonLinesSink::Record(const DecisionEvent& event) {
  std::string line;
  try {
    line = DecisionEventJson(event);
  } catch (...) {
    ++failures_;
    return;
  }
  line += '\n';
  std::lock_guard lock(mutex_);
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0) ++failures_;
}

void ShipperSink::Record(const DecisionEvent& event) {
  try {
    shipper_->Send(DecisionEventJson(event));
  } catch (...) {
    // Record must not throw; building the line fails only when memory is exhausted.
  }
}

}  // namespace esafe::enforce
