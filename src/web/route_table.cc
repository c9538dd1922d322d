#include "web/route_table.h"

#include <fmt/format.h>

#include "core/text.h"

namespace esafe::web {

Result<int64_t> PathInt(const Call& call, const std::string& name) {
  auto it = call.params.find(name);
  auto id = it == call.params.end() ? std::nullopt : text::ParseInt(it->second);
  if (!id || *id < 1) return Error::Invalid(fmt::format("{} must be a positive whole number", name), name);
  return *id;
}

Result<int64_t> PathId(const Call& call) { return PathInt(call, "id"); }

Result<std::optional<int64_t>> QueryInt(const Request& req, const std::string& name) {
  auto it = req.query.find(name);
  if (it == req.query.end() || it->second.empty()) return std::optional<int64_t>();
  auto v = text::ParseInt(it->second);
  if (!v || *v < 0) return Error::Invalid(fmt::format("{} must be a whole number", name), name);
  return std::optional<int64_t>(*v);
}

Result<void> QueryInts(const Request& req,
                       std::initializer_list<std::pair<const char*, std::optional<int64_t>*>> fields) {
  for (const auto& [name, target] : fields) {
    auto v = QueryInt(req, name);
    if (!v.ok()) return v.error();
    *target = *v;
  }
  return Ok();
}

std::optional<std::string> QueryText(const Request& req, const std::string& name) {
  auto it = req.query.find(name);
  if (it == req.query.end() || it->second.empty()) return std::nullopt;
  return it->second.substr(0, 200);
}

Result<std::string> TextField(const Json& body, const std::string& name) {
  if (!body.contains(name) || !body[name].is_string()) return Error::Invalid(name + " is required", name);
  return body[name].get<std::string>();
}

}  // namespace esafe::web
