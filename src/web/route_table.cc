#include "web/route_table.h"

#include <fmt/format.h>

#include "core/text.h"

namespace esafe::web {

Result<int64_t> PathId(const Call& call) {
  auto id = text::ParseInt(call.params.at("id"));
  if (!id || *id < 1) return Error::Invalid("the id must be a positive whole number", "id");
  return *id;
}

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

}  // namespace esafe::web
