// The activity log's query as the web routes read it — from the query string or a JSON
// body (web/activity_query.h).
#include "web/activity_query.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/text.h"

namespace esafe::web::activity_query {

namespace act = esafe::activity;

namespace {

constexpr size_t kMaxParamBytes = 2048;

}  // namespace

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
    if (it->second.size() > kMaxParamBytes)
      return Error::Invalid(fmt::format("{} is longer than {} characters", name, kMaxParamBytes), name);
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
    if (s.size() > kMaxParamBytes)
      return Error::Invalid(fmt::format("{} is longer than {} characters", name, kMaxParamBytes), name);
    s = std::string(text::Trim(s));
    if (s.empty()) return std::optional<std::string>();
    return std::optional<std::string>(s);
  };
}

namespace {

bool HasControlOrSpace(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; });
}

Result<act::Match> ParseMatch(const std::optional<std::string>& value, const std::string& field,
                              act::Match fallback) {
  if (!value) return fallback;
  if (*value == "exact") return act::Match::kExact;
  if (*value == "prefix") return act::Match::kPrefix;
  if (*value == "substring") return act::Match::kSubstring;
  return Error::Invalid(fmt::format("{} must be exact, prefix or substring", field), field);
}

}  // namespace

Result<Asked> ParseQuery(const Lookup& get) {
  Asked out;
  act::Query& q = out.query;
  auto read = [&](const char* name, std::optional<std::string>& into) -> Result<void> {
    auto v = get(name);
    if (!v.ok()) return v.error();
    into = *v;
    return Ok();
  };
  std::optional<std::string> host, host_match, url, url_match, from, to, cidr, user, site, category, action;
  for (auto [name, target] : std::initializer_list<std::pair<const char*, std::optional<std::string>*>>{
           {"host", &host}, {"host_match", &host_match}, {"url", &url}, {"url_match", &url_match},
           {"from", &from}, {"to", &to}, {"cidr", &cidr}, {"user", &user}, {"site", &site},
           {"agency", &out.agency}, {"category", &category}, {"action", &action}}) {
    ESAFE_TRY(read(name, *target));
  }
  auto hm = ParseMatch(host_match, "host_match", act::Match::kExact);
  if (!hm.ok()) return hm.error();
  auto um = ParseMatch(url_match, "url_match", act::Match::kPrefix);
  if (!um.ok()) return um.error();
  if (host) {
    const bool valid = std::all_of(host->begin(), host->end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' || c == ':' ||
             c == '[' || c == ']';
    });
    if (!valid) {
      return Error::Invalid("host must be a host name or part of one (letters, digits, dots and hyphens; no "
                            "wildcards: use host_match=prefix or substring)", "host");
    }
    q.host = act::TextFilter{text::Lower(*host), *hm};
  }
  if (url) {
    if (HasControlOrSpace(*url)) return Error::Invalid("url must not contain spaces or control characters", "url");
    q.url = act::TextFilter{*url, *um};
  }
  const char* kTimeHelp = "a date (2026-11-23) or an RFC 3339 time (2026-11-23T09:00:00Z)";
  if (from) {
    auto t = act::ParseTime(*from);
    if (!t.ok()) return Error::Invalid(fmt::format("from must be {}", kTimeHelp), "from");
    q.from_us = *t;
  }
  if (to) {
    auto t = act::ParseTime(*to);
    if (!t.ok()) return Error::Invalid(fmt::format("to must be {}", kTimeHelp), "to");
    q.to_us = *t;
  }
  if (q.from_us && q.to_us && *q.from_us >= *q.to_us) return Error::Invalid("from must be before to", "to");
  if (cidr) {
    // Several ranges may be given, separated by commas.
    std::stringstream parts(*cidr);
    std::string part;
    while (std::getline(parts, part, ',')) {
      const std::string item(text::Trim(part));
      if (item.empty()) continue;
      auto range = act::ParseCidr(item);
      if (!range.ok()) {
        return Error::Invalid(fmt::format("cidr '{}' is not an address or a network such as 10.20.1.0/24 or "
                                          "2001:db8::/48 (with no host bits set)", item.substr(0, 64)),
                              "cidr");
      }
      q.clients.push_back(*range);
    }
  }
  if (user) q.users = {*user};
  if (site) q.sites = {*site};
  if (category) q.categories = {text::Lower(*category)};
  if (action) {
    auto a = act::ParseAction(*action);
    if (!a) return Error::Invalid("action must be allow, block, warn or override", "action");
    q.action = *a;
  }
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
