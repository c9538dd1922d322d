// Published flowchart versions: the database keeps every version ever
// published; the newest is in force. A file that fails validation is refused,
// so the version in force never changes to a broken one. Incidents record the
// version they were walked with.
#include <fmt/format.h>
#include <sodium.h>

#include <set>

#include "core/clock.h"
#include "incidents/flowchart/shipped.h"
#include "incidents/incidents.h"
#include "incidents/incident_records.h"

namespace esafe::incidents {
namespace internal {

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char b : digest) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

Result<void> EnsureShippedFlowcharts(Connection& c) {
  // A shipped version is published when it is newer than every version of its
  // id in the database: a release that corrects a flowchart puts the correction
  // in force, while a partnership's own higher version stays in force.
  auto rows = c.Query("SELECT flowchart_key, MAX(version) AS v FROM flowchart_versions GROUP BY flowchart_key");
  if (!rows.ok()) return rows.error();
  std::map<std::string, int64_t> newest;
  for (const auto& r : *rows) newest[r.Text("flowchart_key")] = r.Int("v");
  for (const auto& file : flowchart::ShippedFiles()) {
    auto loaded = flowchart::Load(file.text, file.name);
    if (!loaded.ok()) {
      return Error::Internal(fmt::format("shipped flowchart {}", loaded.problems.front().ToString()));
    }
    if (auto it = newest.find(loaded.flowchart.id); it != newest.end() && it->second >= loaded.flowchart.version) {
      continue;
    }
    ESAFE_TRY(c.Execute(
        "INSERT INTO flowchart_versions (flowchart_key, version, title, source, source_name, sha256, published_at, "
        "published_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        {loaded.flowchart.id, loaded.flowchart.version, loaded.flowchart.title, std::string(file.text),
         std::string(file.name), Sha256Hex(file.text), clock::NowIso8601(), std::string("esafe (shipped)")}));
  }
  return Ok();
}

Result<flowchart::Flowchart> LoadFlowchart(Connection& c, const std::string& key, std::optional<int64_t> version) {
  ESAFE_TRY(EnsureShippedFlowcharts(c));
  Result<store::Rows> rows = version
      ? c.Query("SELECT source, source_name FROM flowchart_versions WHERE flowchart_key = ? AND version = ?",
                {key, *version})
      : c.Query("SELECT source, source_name FROM flowchart_versions WHERE flowchart_key = ? "
                "ORDER BY version DESC LIMIT 1", {key});
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return Error::NotFound(fmt::format("no flowchart '{}'", key.substr(0, 64)));
  // A version published under earlier rules still walks: incidents recorded with
  // it are walked against it. Only the structure is checked again.
  auto loaded = flowchart::Load((*rows)[0].Text("source"), (*rows)[0].Text("source_name"), flowchart::Rules::kStored);
  if (!loaded.ok()) return Error::Internal("a published flowchart no longer loads: " + loaded.problems[0].ToString());
  return std::move(loaded.flowchart);
}

}  // namespace internal

Result<Json> IncidentLog::ListFlowcharts(const access::Principal&) {
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    ESAFE_TRY(internal::EnsureShippedFlowcharts(c));
    auto rows = c.Query(
        "SELECT v.flowchart_key, v.version, v.title, v.published_at, v.published_by FROM flowchart_versions v "
        "WHERE v.version = (SELECT MAX(version) FROM flowchart_versions w WHERE w.flowchart_key = v.flowchart_key) "
        "ORDER BY v.title");
    if (!rows.ok()) return rows.error();
    Json out = Json::array();
    for (const auto& r : *rows) {
      out.push_back({{"id", r.Text("flowchart_key")},
                     {"version", r.Int("version")},
                     {"title", r.Text("title")},
                     {"published_at", r.Text("published_at")},
                     {"published_by", r.Text("published_by")}});
    }
    return out;
  });
}

Result<Json> IncidentLog::GetFlowchart(const access::Principal&, const std::string& id,
                                       std::optional<int64_t> version) {
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto chart = internal::LoadFlowchart(c, id, version);
    if (!chart.ok()) return chart.error();
    return flowchart::ToJson(*chart);
  });
}

Result<Json> IncidentLog::PublishFlowchart(const access::Principal& who, std::string_view yaml,
                                           std::string_view file_name) {
  if (!who.IsPartnershipManager()) return Error::Forbidden("only the partnership publishes flowcharts");
  std::string name = file_name.empty() ? "flowchart.yaml" : std::string(file_name.substr(0, 200));
  auto loaded = flowchart::Load(yaml, name);
  if (!loaded.ok()) {
    std::string message = "the flowchart was not published; the version in force is unchanged:";
    for (const auto& p : loaded.problems) message += "\n" + p.ToString();
    return Error::Invalid(message, "source");
  }
  const auto& chart = loaded.flowchart;
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    ESAFE_TRY(internal::EnsureShippedFlowcharts(c));
    auto current = c.Query("SELECT COALESCE(MAX(version), 0) AS v FROM flowchart_versions WHERE flowchart_key = ?",
                           {chart.id});
    if (!current.ok()) return current.error();
    int64_t in_force = (*current)[0].Int("v");
    if (chart.version <= in_force) {
      return Error::Conflict(fmt::format("{}:1: version {} is not newer than version {} in force; raise 'version'",
                                         name, chart.version, in_force), "version");
    }
    ESAFE_TRY(c.Execute(
        "INSERT INTO flowchart_versions (flowchart_key, version, title, source, source_name, sha256, published_at, "
        "published_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        {chart.id, chart.version, chart.title, std::string(yaml), name, internal::Sha256Hex(yaml),
         clock::NowIso8601(), who.username}));
    ESAFE_TRY(access::RecordAudit(c, &who, "publish", "flowchart", chart.version,
                                  fmt::format("published flowchart {} version {}", chart.id, chart.version)));
    return Json{{"id", chart.id}, {"version", chart.version}, {"previous_version", in_force}};
  });
}

Result<Json> IncidentLog::WalkFlowchart(const access::Principal&, const std::string& id,
                                        const std::map<std::string, std::string>& answers) {
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto chart = internal::LoadFlowchart(c, id, std::nullopt);
    if (!chart.ok()) return chart.error();
    auto walk = flowchart::WalkAnswers(*chart, answers);
    if (!walk.ok()) return walk.error();
    return flowchart::ToJson(*chart, *walk);
  });
}

}  // namespace esafe::incidents
