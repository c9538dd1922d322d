// The activity log's query as the web routes read it — from the query string or a JSON
// body (web/activity_query.h).
#include "web/activity_query.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/text.h"

namespace esafe::web::activity_query {

namespace act = esafe::activity;

// The query fields a search, count and report accept, in the query string or a JSON body.
const std::vector<std::string>& QueryFieldNames() {
  static const std::vector<std::string> names = {"host", "host_match", "url", "url_match", "from", "to", "cidr",
                                                 "user", "site", "agency", "category", "action"};
  return names;
}

Lookup FromQueryString(const Request& req) {
  return [&req](const std::string& name) -> Result<std::optional<std::string>> {
    auto it = req.query.find(name);
    if (it == req.query.end() || text::Trim(it->second).empty()) return std::optional<std::string>();
    if (it->second.size() > act::kMaxQueryFieldBytes)
      return Error::Invalid(fmt::format("{} is longer than {} characters", name, act::kMaxQueryFieldBytes), name);
    return std::optional<std::string>(std::string(text::Trim(it->second)));
  };
}

Lookup FromJson(const Json& body) {
  return [&body](const std::string& name) -> Result<std::optional<std::string>> {
    if (!body.contains(name) || body[name].is_null()) return std::optional<std::string>();
    const Json& v = body[name];
    std::string s;
    if (v.is_string()) s = v.get<std::string>();
    else if (v.is_number_integer()) s = std::to_string(v.get<int64_t>());
    else return Error::Invalid(fmt::format("{} must be text", name), name);
    if (s.size() > act::kMaxQueryFieldBytes)
      return Error::Invalid(fmt::format("{} is longer than {} characters", name, act::kMaxQueryFieldBytes), name);
    s = std::string(text::Trim(s));
    if (s.empty()) return std::optional<std::string>();
    return std::optional<std::string>(s);
  };
}

Result<Asked> ParseQuery(const Lookup& get) {
  Asked out;
  act::QueryInput in;
  for (auto [name, target] : std::initializer_list<std::pair<const char*, std::optional<std::string>*>>{
           {"host", &in.host}, {"host_match", &in.host_match}, {"url", &in.url}, {"url_match", &in.url_match},
           {"from", &in.from}, {"to", &in.to}, {"action", &in.action}, {"agency", &out.agency}}) {
    auto v = get(name);
    if (!v.ok()) return v.error();
    *target = *v;
  }
  // The API takes one value of each list field (the CLI repeats its options). The agency
  // is left to the caller's scope (activity::ApplyScope).
  for (auto [name, target] : std::initializer_list<std::pair<const char*, std::vector<std::string>*>>{
           {"cidr", &in.cidrs}, {"user", &in.users}, {"site", &in.sites}, {"category", &in.categories}}) {
    auto v = get(name);
    if (!v.ok()) return v.error();
    if (*v) target->push_back(**v);
  }
  auto q = act::ParseQuery(in);
  if (!q.ok()) return q.error();
  out.query = std::move(*q);
  return out;
}

// Directory agencies by id, for names in rows and for resolving an agency filter.
Result<std::map<int64_t, std::string>> AgencyNames(store::Database& db) {
  return db.Read<std::map<int64_t, std::string>>([](store::Connection& c) -> Result<std::map<int64_t, std::string>> {
    auto rows = c.Query("SELECT id, name FROM agencies");
    if (!rows.ok()) return rows.error();
    std::map<int64_t, std::string> out;
    for (const auto& r : *rows) out[r.Int("id")] = r.Text("name");
    return out;
  });
}

}  // namespace esafe::web::activity_query
