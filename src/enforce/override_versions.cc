#include "enforce/override_versions.h"

#include <algorithm>

#include <fmt/format.h>

#include "core/clock.h"
#include "filter/list_line.h"

namespace esafe::enforce {
namespace {

using store::Value;

// The entries of one version, into `out`.
Result<void> ReadEntries(store::Connection& c, int64_t version, filter::Overrides& out) {
  auto rows = c.Query("SELECT action, entry FROM filter_override_entries WHERE version = ? ORDER BY action, entry",
                      {version});
  if (!rows) return rows.error();
  for (const auto& row : *rows) {
    (row.Text("action") == "block" ? out.block : out.allow).push_back(row.Text("entry"));
  }
  return Ok();
}

Result<void> CheckEntry(const std::string& entry) {
  if (entry.empty() || entry.size() > 2048) return Error::Invalid("an override entry is a domain or URL", "entry");
  std::vector<filter::ListEntry> parsed;
  const auto format = entry.find('/') == std::string::npos ? filter::ListFormat::kDomains : filter::ListFormat::kUrls;
  auto ok = filter::ParseListLine(entry, format, parsed);
  if (!ok || parsed.empty()) return Error::Invalid("'" + entry + "' is not a domain or URL", "entry");
  return Ok();
}

}  // namespace

Result<int64_t> CurrentOverrideVersion(store::Database& db) {
  return db.Read<int64_t>([](store::Connection& c) -> Result<int64_t> {
    auto row = c.QueryOne("SELECT COALESCE(MAX(version), 0) AS v FROM filter_override_versions", {}, "version");
    if (!row) return row.error();
    return row->Int("v");
  });
}

Result<OverrideSet> LoadOverrideSet(store::Database& db) {
  return db.Read<OverrideSet>([](store::Connection& c) -> Result<OverrideSet> {
    OverrideSet set;
    // The newest version per agency; the overall newest is the largest of them.
    auto rows = c.Query("SELECT agency_id, MAX(version) AS v FROM filter_override_versions GROUP BY agency_id");
    if (!rows) return rows.error();
    for (const auto& row : *rows) {
      const int64_t version = row.Int("v");
      set.version = std::max(set.version, version);
      ESAFE_TRY(ReadEntries(c, version, set.agencies[row.Int("agency_id")]));
    }
    return set;
  });
}

void MergeOverrides(const OverrideSet& overrides, filter::ProfileSet& set) {
  for (const auto& [agency, entries] : overrides.agencies) {
    filter::Overrides& target = set.agency_overrides[agency];
    // An entry the database blocks beats the file's allow of the same entry, and the
    // other way round: the newer decision is the officer's.
    auto drop = [](std::vector<std::string>& list, const std::vector<std::string>& remove) {
      list.erase(std::remove_if(list.begin(), list.end(),
                                [&](const std::string& e) {
                                  return std::find(remove.begin(), remove.end(), e) != remove.end();
                                }),
                 list.end());
    };
    drop(target.allow, entries.block);
    drop(target.block, entries.allow);
    target.allow.insert(target.allow.end(), entries.allow.begin(), entries.allow.end());
    target.block.insert(target.block.end(), entries.block.begin(), entries.block.end());
  }
  set.override_version = overrides.version;
}

Result<int64_t> AddOverrideVersion(store::Connection& c, const access::Principal& actor, const OverrideChange& change) {
  if (change.action != filter::Action::kAllow && change.action != filter::Action::kBlock) {
    return Error::Invalid("an override allows or blocks", "action");
  }
  ESAFE_TRY(CheckEntry(change.entry));
  if (change.reason.empty()) return Error::Invalid("give the reason for the change", "reason");
  if (!actor.CanWriteAgency(change.agency_id)) {
    return Error::Forbidden("only the agency's e-safety officer or a partnership manager can change its filtering");
  }
  ESAFE_TRY(c.QueryOne("SELECT id FROM agencies WHERE id = ?", {change.agency_id}, "agency"));

  filter::Overrides entries;
  auto previous = c.QueryOne("SELECT COALESCE(MAX(version), 0) AS v FROM filter_override_versions WHERE agency_id = ?",
                             {change.agency_id}, "version");
  if (!previous) return previous.error();
  if (previous->Int("v") > 0) ESAFE_TRY(ReadEntries(c, previous->Int("v"), entries));
  auto remove = [&](std::vector<std::string>& list) { std::erase(list, change.entry); };
  remove(entries.allow);
  remove(entries.block);
  const bool allow = change.action == filter::Action::kAllow;
  (allow ? entries.allow : entries.block).push_back(change.entry);

  const std::string what = fmt::format("{} {}", allow ? "allow" : "block", change.entry);
  const auto request = change.request_id ? Value(*change.request_id) : Value();
  ESAFE_TRY(c.Execute(
      "INSERT INTO filter_override_versions (agency_id, request_id, change, reason, created_by, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?)",
      {change.agency_id, request, what, change.reason, actor.user_id, clock::NowIso8601()}));
  auto created = c.QueryOne("SELECT MAX(version) AS v FROM filter_override_versions WHERE agency_id = ?",
                            {change.agency_id}, "version");
  if (!created) return created.error();
  const int64_t version = created->Int("v");
  for (const auto& [action, list] : {std::pair{"allow", &entries.allow}, {"block", &entries.block}}) {
    for (const auto& entry : *list) {
      ESAFE_TRY(c.Execute("INSERT INTO filter_override_entries (version, action, entry) VALUES (?, ?, ?)",
                          {version, std::string(action), entry}));
    }
  }
  ESAFE_TRY(access::RecordAudit(c, &actor, "create", "filter_override_version", version,
                                fmt::format("agency {}: {} ({})", change.agency_id, what, change.reason)));
  return version;
}

Result<std::optional<OverrideOrigin>> FindOverrideOrigin(store::Database& db, int64_t agency_id,
                                                         const std::string& entry) {
  return db.Read<std::optional<OverrideOrigin>>([&](store::Connection& c) -> Result<std::optional<OverrideOrigin>> {
    auto newest = c.QueryOne("SELECT COALESCE(MAX(version), 0) AS v FROM filter_override_versions WHERE agency_id = ?",
                             {agency_id}, "version");
    if (!newest) return newest.error();
    auto in_force = c.Query("SELECT action FROM filter_override_entries WHERE version = ? AND entry = ?",
                            {newest->Int("v"), entry});
    if (!in_force) return in_force.error();
    if (in_force->empty()) return std::optional<OverrideOrigin>();
    const std::string action = (*in_force)[0].Text("action");
    // The version that made the change is the newest whose change names the entry.
    auto rows = c.Query(
        "SELECT v.version AS version, v.reason AS reason, v.created_at AS created_at, v.request_id AS request_id, "
        "u.username AS username FROM filter_override_versions v LEFT JOIN users u ON u.id = v.created_by "
        "WHERE v.agency_id = ? AND v.change = ? ORDER BY v.version DESC LIMIT 1",
        {agency_id, action + " " + entry});
    if (!rows) return rows.error();
    OverrideOrigin origin;
    origin.agency_id = agency_id;
    origin.action = action;
    origin.entry = entry;
    if (!rows->empty()) {
      const auto& row = (*rows)[0];
      origin.version = row.Int("version");
      origin.reason = row.Text("reason");
      origin.created_at = row.Text("created_at");
      origin.created_by = row.Text("username");
      if (!row.IsNull("request_id")) origin.request_id = row.Int("request_id");
    }
    return std::optional<OverrideOrigin>(std::move(origin));
  });
}

Result<store::Page> ListOverrideVersionsPage(store::Database& db, const access::Principal& actor,
                                             std::optional<int64_t> agency_id, const store::PageQuery& page) {
  if (!actor.IsPartnershipManager()) {
    if (actor.role != access::Role::kAgencyOfficer || !actor.agency_id) {
      return Error::Forbidden("only e-safety officers and partnership managers see filtering overrides");
    }
    if (agency_id && *agency_id != *actor.agency_id) return Error::Forbidden("you can see only your agency's overrides");
    agency_id = actor.agency_id;
  }
  const store::Keyset order{.columns = {{"v.version", store::KeyType::kInt}}, .descending = true};
  std::string sql = "SELECT " + order.SelectList() +
                    ", v.version AS version, v.agency_id AS agency_id, a.name AS agency, v.request_id AS request_id, "
                    "v.change AS change, v.reason AS reason, v.created_at AS created_at, u.username AS created_by "
                    "FROM filter_override_versions v JOIN agencies a ON a.id = v.agency_id "
                    "LEFT JOIN users u ON u.id = v.created_by WHERE (? = 0 OR v.agency_id = ?)";
  const int64_t only = agency_id.value_or(0);
  std::vector<store::Value> params{only, only};
  ESAFE_TRY(store::AppendKeyset(sql, params, order, page));
  return db.Read<store::Page>([&](store::Connection& c) -> Result<store::Page> {
    auto rows = c.Query(sql, params);
    if (!rows) return rows.error();
    return store::TakePage(*rows, order, page, [](const store::Row& row) -> Json {
      return {{"version", row.Int("version")},
              {"agency_id", row.Int("agency_id")},
              {"agency", row.Text("agency")},
              {"request_id", row.IsNull("request_id") ? Json(nullptr) : Json(row.Int("request_id"))},
              {"change", row.Text("change")},
              {"reason", row.Text("reason")},
              {"created_at", row.Text("created_at")},
              {"created_by", row.Text("created_by")}};
    });
  });
}

Result<Json> ListOverrideVersions(store::Database& db, const access::Principal& actor,
                                  std::optional<int64_t> agency_id) {
  return store::AllItems(500, [&](const store::PageQuery& page) { return ListOverrideVersionsPage(db, actor, agency_id, page); });
}

}  // namespace esafe::enforce
