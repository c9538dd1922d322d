// AupRegister: acceptable-use policies per agency and user group, their
// versions (draft -> current -> retired) and acceptances, coverage against the
// people register, and review reminders.
#include <fmt/format.h>

#include <map>
#include <set>

#include "core/clock.h"
#include "plan/internal.h"
#include "plan/plan.h"

namespace esafe::plan {
namespace {

using access::Principal;
using store::Connection;
using store::Value;

Result<void> NotBoard(const Principal& who) {
  if (who.role == access::Role::kBoardMember) {
    return Error::Forbidden("board members see acceptable-use coverage figures only");
  }
  return {};
}

struct PolicyRow {
  int64_t id = 0;
  int64_t agency_id = 0;
  std::string agency_name, user_group, title;
};

// The policy if the caller may read its agency; NotFound otherwise, so other
// agencies' policies do not exist for an agency account.
Result<PolicyRow> LoadPolicy(Connection& c, const Principal& who, int64_t id) {
  auto row = c.Query("SELECT p.id, p.agency_id, p.user_group, p.title, a.name AS agency_name FROM aup_policies p "
                     "JOIN agencies a ON a.id = p.agency_id WHERE p.id = ?", {id});
  if (!row.ok()) return row.error();
  if (row->empty() || !who.CanReadAgency((*row)[0].Int("agency_id"))) return Error::NotFound("policy not found");
  const auto& r = (*row)[0];
  return PolicyRow{r.Int("id"), r.Int("agency_id"), r.Text("agency_name"), r.Text("user_group"), r.Text("title")};
}

Json VersionJson(const store::Row& r) { return internal::FromRow(AupVersionSchema(), r); }

struct VersionRow {
  Json version;
  PolicyRow policy;
};

Result<VersionRow> LoadVersion(Connection& c, const Principal& who, int64_t version_id) {
  auto row = c.Query("SELECT * FROM aup_versions WHERE id = ?", {version_id});
  if (!row.ok()) return row.error();
  if (row->empty()) return Error::NotFound("policy version not found");
  auto policy = LoadPolicy(c, who, (*row)[0].Int("policy_id"));
  if (!policy.ok()) return Error::NotFound("policy version not found");
  Json v = VersionJson((*row)[0]);
  // Staff only ever see the version in force.
  if (!who.CanWriteAgency(policy->agency_id) && v["state"] != "current" && who.role == access::Role::kAgencyStaff) {
    return Error::NotFound("policy version not found");
  }
  return VersionRow{v, *policy};
}

Result<void> CanManage(const Principal& who, const PolicyRow& p) {
  if (!who.CanWriteAgency(p.agency_id)) {
    return Error::Forbidden("an agency's acceptable-use policies are managed by its e-safety officer or the partnership");
  }
  return {};
}

Result<std::optional<Json>> CurrentVersion(Connection& c, int64_t policy_id) {
  auto rows = c.Query("SELECT * FROM aup_versions WHERE policy_id = ? AND state = 'current'", {policy_id});
  if (!rows.ok()) return rows.error();
  if (rows->empty()) return std::optional<Json>();
  return std::optional<Json>(VersionJson((*rows)[0]));
}

// Why a version that is not current cannot be accepted, naming the one that can.
Result<void> MustBeCurrent(Connection& c, const VersionRow& v) {
  std::string state = v.version["state"];
  if (state == "current") return {};
  auto current = CurrentVersion(c, v.policy.id);
  if (!current.ok()) return current.error();
  std::string instead = *current ? fmt::format("; the current version is {}", (**current)["number"].get<int64_t>())
                                 : std::string("; the policy has no current version");
  if (state == "retired") {
    return Error::Conflict(fmt::format("version {} of '{}' was retired on {} and can no longer be accepted{}",
                                       v.version["number"].get<int64_t>(), v.policy.title,
                                       v.version["retired_at"].get<std::string>().substr(0, 10), instead),
                           "version_id");
  }
  return Error::Conflict(fmt::format("version {} of '{}' is a draft that has not been published{}",
                                     v.version["number"].get<int64_t>(), v.policy.title, instead),
                         "version_id");
}

Json AcceptanceJson(const store::Row& r) {
  Json out = internal::FromRow(AupAcceptanceSchema(), r);
  out["person_name"] = r.OptionalText("person_name") ? Json(r.Text("person_name")) : Json(nullptr);
  out["username"] = r.OptionalText("username") ? Json(r.Text("username")) : Json(nullptr);
  return out;
}

constexpr const char* kAcceptanceSelect =
    "SELECT t.*, p.full_name AS person_name, u.username AS username FROM aup_acceptances t "
    "LEFT JOIN people p ON p.id = t.person_id LEFT JOIN users u ON u.id = t.user_id";

Result<Json> LoadAcceptance(Connection& c, int64_t id) {
  auto row = c.QueryOne(std::string(kAcceptanceSelect) + " WHERE t.id = ?", {id}, "acceptance");
  if (!row.ok()) return row.error();
  return AcceptanceJson(*row);
}

}  // namespace

Result<Json> AupRegister::ListPolicies(const Principal& who, std::optional<int64_t> agency_id) {
  ESAFE_TRY(NotBoard(who));
  return db_.Read<Json>([&](Connection& c) -> Result<Json> {
    std::string sql = "SELECT p.id FROM aup_policies p JOIN agencies a ON a.id = p.agency_id WHERE 1=1";
    std::vector<Value> params;
    if (!who.SeesAllAgencies()) {
      if (!who.agency_id) return Json::array();
      sql += " AND p.agency_id = ?";
      params.emplace_back(*who.agency_id);
    }
    if (agency_id) {
      sql += " AND p.agency_id = ?";
      params.emplace_back(*agency_id);
    }
    auto rows = c.Query(sql + " ORDER BY lower(a.name), p.user_group, p.id", params);
    if (!rows.ok()) return rows.error();
    std::string today = internal::Today("");
    Json out = Json::array();
    for (const auto& r : *rows) {
      auto p = LoadPolicy(c, who, r.Int("id"));
      if (!p.ok()) return p.error();
      auto current = CurrentVersion(c, p->id);
      if (!current.ok()) return current.error();
      auto count = c.Query("SELECT COUNT(*) AS n FROM aup_versions WHERE policy_id = ?", {p->id});
      if (!count.ok()) return count.error();
      bool accepted_by_me = false;
      if (*current) {
        // Accepted online by this account, or on paper by the register person of the same name.
        auto mine = c.Query("SELECT id FROM aup_acceptances WHERE version_id = ? AND (user_id = ? OR person_id IN "
                            "(SELECT id FROM people WHERE agency_id = ? AND lower(full_name) = lower(?)))",
                            {(**current)["id"].get<int64_t>(), who.user_id, who.agency_id.value_or(0),
                             who.display_name});
        if (!mine.ok()) return mine.error();
        accepted_by_me = !mine->empty();
      }
      out.push_back({{"id", p->id}, {"agency_id", p->agency_id}, {"agency_name", p->agency_name},
                     {"user_group", p->user_group}, {"title", p->title},
                     {"current_version", *current ? **current : Json(nullptr)},
                     {"versions", (*count)[0].Int("n")},
                     {"review_overdue", *current && (**current)["review_on"].get<std::string>() < today},
                     {"accepted_by_me", accepted_by_me},
                     {"can_manage", who.CanWriteAgency(p->agency_id)}});
    }
    return out;
  });
}

Result<Json> AupRegister::CreatePolicy(const Principal& who, const Json& input) {
  auto valid = AupPolicySchema().Validate(input, false);
  if (!valid.ok()) return valid.error();
  if (!valid->contains("agency_id") || (*valid)["agency_id"].is_null()) {
    if (!who.agency_id) return Error::Invalid("agency_id is required", "agency_id");
    (*valid)["agency_id"] = *who.agency_id;
  }
  int64_t agency = (*valid)["agency_id"];
  auto id = db_.Transaction<int64_t>([&](Connection& c) -> Result<int64_t> {
    auto a = c.Query("SELECT id FROM agencies WHERE id = ?", {agency});
    if (!a.ok()) return a.error();
    if (a->empty() || !who.CanReadAgency(agency)) return Error::Invalid("no agency has that id", "agency_id");
    if (!who.CanWriteAgency(agency)) {
      return Error::Forbidden("an agency's acceptable-use policies are managed by its e-safety officer or the partnership");
    }
    auto inserted = internal::Insert(c, "aup_policies", AupPolicySchema(), *valid, {{"created_by", who.username}});
    if (!inserted.ok()) {
      if (inserted.error().kind == ErrorKind::kConflict) {
        return Error::Conflict("this agency already has a policy for that user group; add a new version to it",
                               "user_group");
      }
      return inserted.error();
    }
    ESAFE_TRY(access::RecordAudit(c, &who, "create", "aup_policy", *inserted,
                                  fmt::format("AUP for {} created", (*valid)["user_group"].get<std::string>())));
    return inserted;
  });
  if (!id.ok()) return id.error();
  return GetPolicy(who, *id);
}

Result<Json> AupRegister::GetPolicy(const Principal& who, int64_t id) {
  ESAFE_TRY(NotBoard(who));
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto p = LoadPolicy(c, who, id);
    if (!p.ok()) return p.error();
    bool manage = who.CanWriteAgency(p->agency_id) || who.role == access::Role::kAuditor;
    Json out = {{"id", p->id}, {"agency_id", p->agency_id}, {"agency_name", p->agency_name},
                {"user_group", p->user_group}, {"title", p->title}, {"can_manage", who.CanWriteAgency(p->agency_id)},
                {"versions", Json::array()}};
    auto versions = c.Query(std::string("SELECT * FROM aup_versions WHERE policy_id = ?") +
                                (manage ? "" : " AND state = 'current'") + " ORDER BY number DESC",
                            {id});
    if (!versions.ok()) return versions.error();
    int64_t acceptances = 0;
    for (const auto& v : *versions) {
      Json version = VersionJson(v);
      if (manage) {
        auto rows = c.Query(std::string(kAcceptanceSelect) + " WHERE t.version_id = ? ORDER BY t.accepted_on, t.id",
                            {v.Int("id")});
        if (!rows.ok()) return rows.error();
        version["acceptances"] = Json::array();
        for (const auto& r : *rows) version["acceptances"].push_back(AcceptanceJson(r));
        acceptances += static_cast<int64_t>(rows->size());
      }
      out["versions"].push_back(version);
    }
    if (manage && acceptances > 0) {
      ESAFE_TRY(access::RecordAudit(c, &who, "read", "aup_policy", id,
                                    fmt::format("viewed the policy and {} acceptance(s)", acceptances)));
    }
    return out;
  });
}

Result<Json> AupRegister::CreateVersion(const Principal& who, int64_t policy_id, const Json& input) {
  auto valid = AupVersionSchema().Validate(input, false);
  if (!valid.ok()) return valid.error();
  auto has = [&](const char* k) { return valid->contains(k) && !(*valid)[k].is_null(); };
  if (!has("body") && !has("document_ref")) {
    return Error::Invalid("give the policy's text or a reference to the document", "body");
  }
  if ((*valid)["review_on"].get<std::string>() <= (*valid)["effective_on"].get<std::string>()) {
    return Error::Invalid("the review date must be after the date the version takes effect", "review_on");
  }
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto p = LoadPolicy(c, who, policy_id);
    if (!p.ok()) return p.error();
    ESAFE_TRY(CanManage(who, *p));
    auto last = c.Query("SELECT COALESCE(MAX(number), 0) AS n FROM aup_versions WHERE policy_id = ?", {policy_id});
    if (!last.ok()) return last.error();
    int64_t number = (*last)[0].Int("n") + 1;
    auto id = internal::Insert(c, "aup_versions", AupVersionSchema(), *valid,
                               {{"policy_id", policy_id}, {"number", number}, {"state", std::string("draft")},
                                {"created_by", who.username}});
    if (!id.ok()) return id.error();
    ESAFE_TRY(access::RecordAudit(c, &who, "create", "aup_version", *id,
                                  fmt::format("draft version {} of AUP {}", number, policy_id)));
    auto row = c.QueryOne("SELECT * FROM aup_versions WHERE id = ?", {*id}, "version");
    if (!row.ok()) return row.error();
    return VersionJson(*row);
  });
}

Result<Json> AupRegister::Publish(const Principal& who, int64_t version_id) {
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto v = LoadVersion(c, who, version_id);
    if (!v.ok()) return v.error();
    ESAFE_TRY(CanManage(who, v->policy));
    std::string state = v->version["state"];
    int64_t number = v->version["number"];
    if (state == "current") return Error::Conflict(fmt::format("version {} is already the current version", number), "state");
    if (state == "retired") {
      return Error::Conflict(fmt::format("version {} was retired and cannot be published again; add a new version", number),
                             "state");
    }
    std::string now = clock::NowIso8601();
    auto previous = CurrentVersion(c, v->policy.id);
    if (!previous.ok()) return previous.error();
    if (*previous) {
      ESAFE_TRY(c.Execute("UPDATE aup_versions SET state = 'retired', retired_by = ?, retired_at = ?, updated_at = ? "
                          "WHERE id = ?",
                          {who.username, now, now, (**previous)["id"].get<int64_t>()}));
      ESAFE_TRY(access::RecordAudit(c, &who, "retire", "aup_version", (**previous)["id"].get<int64_t>(),
                                    fmt::format("version {} retired: version {} published",
                                                (**previous)["number"].get<int64_t>(), number)));
    }
    ESAFE_TRY(c.Execute("UPDATE aup_versions SET state = 'current', published_by = ?, published_at = ?, updated_at = ? "
                        "WHERE id = ?",
                        {who.username, now, now, version_id}));
    ESAFE_TRY(access::RecordAudit(c, &who, "publish", "aup_version", version_id,
                                  fmt::format("version {} of AUP {} published", number, v->policy.id)));
    auto row = c.QueryOne("SELECT * FROM aup_versions WHERE id = ?", {version_id}, "version");
    if (!row.ok()) return row.error();
    return VersionJson(*row);
  });
}

Result<Json> AupRegister::Retire(const Principal& who, int64_t version_id) {
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto v = LoadVersion(c, who, version_id);
    if (!v.ok()) return v.error();
    ESAFE_TRY(CanManage(who, v->policy));
    std::string state = v->version["state"];
    int64_t number = v->version["number"];
    if (state == "draft") {
      return Error::Conflict(fmt::format("version {} is a draft that was never in force; only the current version is retired",
                                         number), "state");
    }
    if (state == "retired") return Error::Conflict(fmt::format("version {} is already retired", number), "state");
    std::string now = clock::NowIso8601();
    ESAFE_TRY(c.Execute("UPDATE aup_versions SET state = 'retired', retired_by = ?, retired_at = ?, updated_at = ? WHERE id = ?",
                        {who.username, now, now, version_id}));
    ESAFE_TRY(access::RecordAudit(c, &who, "retire", "aup_version", version_id,
                                  fmt::format("version {} of AUP {} retired", number, v->policy.id)));
    auto row = c.QueryOne("SELECT * FROM aup_versions WHERE id = ?", {version_id}, "version");
    if (!row.ok()) return row.error();
    return VersionJson(*row);
  });
}

Result<Json> AupRegister::RecordPaperAcceptance(const Principal& who, int64_t version_id, const Json& input) {
  auto valid = AupAcceptanceSchema().Validate(input, false);
  if (!valid.ok()) return valid.error();
  bool by_person = valid->contains("person_id") && !(*valid)["person_id"].is_null();
  bool by_reference = valid->contains("subject_reference") && !(*valid)["subject_reference"].is_null();
  if (by_person == by_reference) {
    return Error::Invalid("give either person_id (a person of the register) or subject_reference, not both", "person_id");
  }
  std::string accepted_on = (*valid)["accepted_on"];
  if (accepted_on > internal::Today("")) return Error::Invalid("the acceptance date cannot be in the future", "accepted_on");
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto v = LoadVersion(c, who, version_id);
    if (!v.ok()) return v.error();
    ESAFE_TRY(CanManage(who, v->policy));
    ESAFE_TRY(MustBeCurrent(c, *v));
    if (accepted_on < v->version["effective_on"].get<std::string>()) {
      return Error::Invalid(fmt::format("the acceptance date is before this version took effect ({})",
                                        v->version["effective_on"].get<std::string>()),
                            "accepted_on");
    }
    Value person, reference;
    std::string subject;
    if (by_person) {
      int64_t pid = (*valid)["person_id"];
      if (v->policy.user_group != "staff") {
        return Error::Invalid("the people register holds staff; for this group give a subject_reference", "person_id");
      }
      auto p = c.Query("SELECT agency_id FROM people WHERE id = ?", {pid});
      if (!p.ok()) return p.error();
      if (p->empty() || (*p)[0].Int("agency_id") != v->policy.agency_id) {
        return Error::Invalid("no person of this agency has that id", "person_id");
      }
      auto dup = c.Query("SELECT id FROM aup_acceptances WHERE version_id = ? AND person_id = ?", {version_id, pid});
      if (!dup.ok()) return dup.error();
      if (!dup->empty()) return Error::Conflict("this person has already accepted this version", "person_id");
      person = pid;
      subject = fmt::format("person {}", pid);
    } else {
      std::string ref = (*valid)["subject_reference"];
      auto dup = c.Query("SELECT id FROM aup_acceptances WHERE version_id = ? AND subject_reference = ?",
                         {version_id, ref});
      if (!dup.ok()) return dup.error();
      if (!dup->empty()) return Error::Conflict("an acceptance with this reference is already recorded", "subject_reference");
      reference = ref;
      subject = "reference " + ref;
    }
    auto rows = c.Query(
        "INSERT INTO aup_acceptances (version_id, person_id, subject_reference, accepted_on, method, recorded_by, "
        "recorded_at) VALUES (?, ?, ?, ?, 'paper', ?, ?) RETURNING id",
        {version_id, person, reference, accepted_on, who.username, clock::NowIso8601()});
    if (!rows.ok()) return rows.error();
    int64_t id = (*rows)[0].Int("id");
    ESAFE_TRY(access::RecordAudit(c, &who, "create", "aup_acceptance", id,
                                  fmt::format("paper acceptance of AUP version {} by {}", version_id, subject)));
    return LoadAcceptance(c, id);
  });
}

Result<Json> AupRegister::AcceptOnline(const Principal& who, int64_t version_id) {
  if (!who.agency_id || (who.role != access::Role::kAgencyStaff && who.role != access::Role::kAgencyOfficer)) {
    return Error::Forbidden("online acceptance is for the staff of an agency, of their own agency's policy");
  }
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto v = LoadVersion(c, who, version_id);
    if (!v.ok()) return v.error();
    if (v->policy.agency_id != *who.agency_id) return Error::NotFound("policy version not found");
    if (v->policy.user_group != "staff") {
      return Error::Conflict("accounts accept their agency's staff policy; other groups' acceptances are recorded on paper",
                             "version_id");
    }
    ESAFE_TRY(MustBeCurrent(c, *v));
    auto mine = c.Query("SELECT id FROM aup_acceptances WHERE version_id = ? AND user_id = ?", {version_id, who.user_id});
    if (!mine.ok()) return mine.error();
    if (!mine->empty()) return Error::Conflict("you have already accepted this version");
    // No account-person link exists in the directory: match the display name within the agency.
    auto person = c.Query("SELECT id FROM people WHERE agency_id = ? AND lower(full_name) = lower(?)",
                          {*who.agency_id, who.display_name});
    if (!person.ok()) return person.error();
    Value person_id;
    if (person->size() == 1) {
      auto dup = c.Query("SELECT id FROM aup_acceptances WHERE version_id = ? AND person_id = ?",
                         {version_id, (*person)[0].Int("id")});
      if (!dup.ok()) return dup.error();
      if (!dup->empty()) return Error::Conflict("your acceptance of this version is already recorded (on paper)");
      person_id = (*person)[0].Int("id");
    }
    std::string now = clock::NowIso8601();
    auto rows = c.Query(
        "INSERT INTO aup_acceptances (version_id, person_id, user_id, accepted_on, method, recorded_by, recorded_at) "
        "VALUES (?, ?, ?, ?, 'online', ?, ?) RETURNING id",
        {version_id, person_id, who.user_id, now.substr(0, 10), who.username, now});
    if (!rows.ok()) return rows.error();
    int64_t id = (*rows)[0].Int("id");
    ESAFE_TRY(access::RecordAudit(c, &who, "accept", "aup_version", version_id,
                                  fmt::format("accepted version {} online", v->version["number"].get<int64_t>())));
    return LoadAcceptance(c, id);
  });
}

Result<Json> AupRegister::Coverage(const Principal& who, const std::string& today_in) {
  if (who.role == access::Role::kAgencyStaff) {
    return Error::Forbidden("coverage is for e-safety officers, the partnership and the board");
  }
  bool names = who.CanReadPeople();
  std::string today = internal::Today(today_in);
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    std::string sql = "SELECT p.id, p.agency_id, p.user_group, p.title, a.name AS agency_name FROM aup_policies p "
                      "JOIN agencies a ON a.id = p.agency_id WHERE 1=1";
    std::vector<Value> params;
    if (!who.SeesAllAgencies()) {
      if (!who.agency_id) return Json{{"policies", Json::array()}, {"by_group", Json::object()}};
      sql += " AND p.agency_id = ?";
      params.emplace_back(*who.agency_id);
    }
    auto policies = c.Query(sql + " ORDER BY lower(a.name), p.user_group, p.id", params);
    if (!policies.ok()) return policies.error();
    Json out = {{"today", today}, {"policies", Json::array()}, {"by_group", Json::object()}};
    std::vector<int64_t> named;
    for (const auto& p : *policies) {
      auto current = CurrentVersion(c, p.Int("id"));
      if (!current.ok()) return current.error();
      std::string group = p.Text("user_group");
      Json item = {{"policy_id", p.Int("id")}, {"agency_id", p.Int("agency_id")},
                   {"agency_name", p.Text("agency_name")}, {"user_group", group}, {"title", p.Text("title")},
                   {"current_version", *current ? Json{{"id", (**current)["id"]}, {"number", (**current)["number"]},
                                                       {"review_on", (**current)["review_on"]}}
                                                : Json(nullptr)},
                   {"register", group == "staff"}};
      int64_t accepted = 0;
      Json not_accepted = nullptr;
      if (group == "staff") {
        // The agency's people register is the list of staff who should accept.
        auto people = c.Query("SELECT id, full_name FROM people WHERE agency_id = ? ORDER BY lower(full_name), id",
                              {p.Int("agency_id")});
        if (!people.ok()) return people.error();
        std::set<int64_t> done;
        if (*current) {
          auto rows = c.Query("SELECT person_id FROM aup_acceptances WHERE version_id = ? AND person_id IS NOT NULL",
                              {(**current)["id"].get<int64_t>()});
          if (!rows.ok()) return rows.error();
          for (const auto& r : *rows) done.insert(r.Int("person_id"));
        }
        Json missing = Json::array();
        int64_t missing_count = 0;
        for (const auto& person : *people) {
          if (done.count(person.Int("id"))) {
            ++accepted;
            continue;
          }
          ++missing_count;
          if (names) {
            missing.push_back({{"person_id", person.Int("id")}, {"full_name", person.Text("full_name")}});
            named.push_back(person.Int("id"));
          }
        }
        not_accepted = missing_count;
        if (names) item["people_not_accepted"] = missing;
      } else if (*current) {
        auto n = c.Query("SELECT COUNT(*) AS n FROM aup_acceptances WHERE version_id = ?",
                         {(**current)["id"].get<int64_t>()});
        if (!n.ok()) return n.error();
        accepted = (*n)[0].Int("n");
      }
      item["accepted"] = accepted;
      item["not_accepted"] = not_accepted;
      Json& g = out["by_group"][group];
      if (g.is_null()) g = {{"accepted", 0}, {"not_accepted", nullptr}};
      g["accepted"] = g["accepted"].get<int64_t>() + accepted;
      if (!not_accepted.is_null()) {
        g["not_accepted"] = (g["not_accepted"].is_null() ? 0 : g["not_accepted"].get<int64_t>()) + not_accepted.get<int64_t>();
      }
      out["policies"].push_back(item);
    }
    if (!named.empty()) {
      ESAFE_TRY(access::RecordAudit(c, &who, "list", "person", std::nullopt,
                                    fmt::format("AUP coverage: people not accepted {}", fmt::join(named, ","))));
    }
    return out;
  });
}

Result<Json> AupRegister::Reminders(const Principal& who, const std::string& today_in) {
  ESAFE_TRY(NotBoard(who));
  std::string today = internal::Today(today_in);
  return db_.Read<Json>([&](Connection& c) -> Result<Json> {
    std::string sql =
        "SELECT p.id AS policy_id, p.agency_id, p.user_group, p.title, a.name AS agency_name, v.id AS version_id, "
        "v.number, v.review_on FROM aup_policies p JOIN agencies a ON a.id = p.agency_id "
        "JOIN aup_versions v ON v.policy_id = p.id AND v.state = 'current' WHERE v.review_on < ?";
    std::vector<Value> params{today};
    if (!who.SeesAllAgencies()) {
      if (!who.agency_id) return Json::array();
      sql += " AND p.agency_id = ?";
      params.emplace_back(*who.agency_id);
    }
    auto rows = c.Query(sql + " ORDER BY v.review_on, p.id", params);
    if (!rows.ok()) return rows.error();
    Json out = Json::array();
    for (const auto& r : *rows) {
      out.push_back({{"policy_id", r.Int("policy_id")}, {"agency_id", r.Int("agency_id")},
                     {"agency_name", r.Text("agency_name")}, {"user_group", r.Text("user_group")},
                     {"title", r.Text("title")}, {"version_id", r.Int("version_id")}, {"number", r.Int("number")},
                     {"review_on", r.Text("review_on")},
                     {"message", fmt::format("{}: '{}' (version {}) was due for review on {}", r.Text("agency_name"),
                                             r.Text("title"), r.Int("number"), r.Text("review_on"))}});
    }
    return out;
  });
}

}  // namespace esafe::plan
