// SubjectAccessExport: everything held about one person in one JSON document,
// for a partnership admin or lead to review before it is released.
//
// Records are copied column by column so that a column added later is not
// silently left out; only secrets (password hashes) and evidence file content
// (which may be the material itself, and is described by its hash) are not.
#include <fmt/format.h>

#include <set>

#include "plan/plan.h"

namespace esafe::plan {
namespace {

using access::Principal;
using store::Connection;
using store::Value;

const std::set<std::string>& Withheld() {
  // Secrets that sign in are never handed out, not even to their owner.
  static const std::set<std::string> columns = {"password_hash", "totp_secret", "totp_pending_secret", "file_content"};
  return columns;
}

Json RowJson(const store::Row& r) {
  Json out = Json::object();
  for (size_t i = 0; i < r.columns().size(); ++i) {
    const std::string& name = r.columns()[i];
    if (Withheld().count(name)) continue;
    const Value& v = r.values()[i];
    if (std::holds_alternative<int64_t>(v)) out[name] = std::get<int64_t>(v);
    else if (std::holds_alternative<double>(v)) out[name] = std::get<double>(v);
    else if (std::holds_alternative<std::string>(v)) out[name] = std::get<std::string>(v);
    else out[name] = nullptr;
  }
  return out;
}

Result<Json> All(Connection& c, const std::string& sql, const std::vector<Value>& params) {
  auto rows = c.Query(sql, params);
  if (!rows.ok()) return rows.error();
  Json out = Json::array();
  for (const auto& r : *rows) out.push_back(RowJson(r));
  return out;
}

// Appends rows not already present (by id) to `into`.
void Merge(Json& into, const Json& rows) {
  for (const auto& r : rows) {
    bool seen = false;
    for (const auto& e : into) seen = seen || (e.contains("id") && r.contains("id") && e["id"] == r["id"]);
    if (!seen) into.push_back(r);
  }
}

// "%text%" for a LIKE that matches the text literally.
std::string Contains(const std::string& text) {
  std::string out = "%";
  for (char ch : text) {
    if (ch == '%' || ch == '_' || ch == '\\') out += '\\';
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  return out + "%";
}

Result<std::optional<int64_t>> OptionalId(const Json& subject, const char* key) {
  if (!subject.contains(key) || subject[key].is_null()) return std::optional<int64_t>();
  if (!subject[key].is_number_integer() || subject[key].get<int64_t>() <= 0) {
    return Error::Invalid(fmt::format("{} must be a record's id", key), key);
  }
  return std::optional<int64_t>(subject[key].get<int64_t>());
}

}  // namespace

Result<Json> SubjectAccessExport(store::Database& db, const Principal& who, const Json& subject,
                                 const std::string& now) {
  if (!who.IsPartnershipManager()) {
    return Error::Forbidden("subject-access exports are made by a partnership admin or the partnership lead");
  }
  if (!subject.is_object()) return Error::Invalid("expected a JSON object");
  auto person_id = OptionalId(subject, "person_id");
  if (!person_id.ok()) return person_id.error();
  auto user_id = OptionalId(subject, "user_id");
  if (!user_id.ok()) return user_id.error();
  std::string reference;
  if (subject.contains("reference") && !subject["reference"].is_null()) {
    if (!subject["reference"].is_string() || subject["reference"].get<std::string>().empty() ||
        subject["reference"].get<std::string>().size() > 100) {
      return Error::Invalid("reference must be a pseudonymous reference of up to 100 characters", "reference");
    }
    reference = subject["reference"];
  }
  if (!*person_id && !*user_id && reference.empty()) {
    return Error::Invalid("name the person: person_id, user_id or reference", "person_id");
  }
  bool admin = who.role == access::Role::kPartnershipAdmin;

  return db.Transaction<Json>([&](Connection& c) -> Result<Json> {
    Json out = {{"generated_at", now},
                {"generated_by", who.username},
                {"subject", {{"person_id", *person_id ? Json(**person_id) : Json()},
                             {"user_id", *user_id ? Json(**user_id) : Json()},
                             {"reference", reference.empty() ? Json() : Json(reference)}}},
                {"notice", "For review before release: remove what is exempt (third parties' data, anything whose "
                           "disclosure would prejudice the prevention or detection of crime) before sending."},
                {"person", nullptr},
                {"account", nullptr},
                {"training_audience", nullptr},
                {"training_attendance", Json::array()},
                {"aup_acceptances", Json::array()},
                {"incidents", Json::array()},
                {"disclosure_requests", Json::array()},
                {"audit_events", Json::array()}};
    std::vector<std::string> names;  // text that names the person, searched in disclosure requests

    if (*person_id) {
      auto person = c.Query("SELECT p.*, a.name AS agency_name FROM people p JOIN agencies a ON a.id = p.agency_id "
                            "WHERE p.id = ?", {**person_id});
      if (!person.ok()) return person.error();
      if (person->empty()) return Error::NotFound("no person has that id");
      out["person"] = RowJson((*person)[0]);
      names.push_back((*person)[0].Text("full_name"));
      auto audience = c.Query("SELECT audience FROM training_audience WHERE person_id = ?", {**person_id});
      if (!audience.ok()) return audience.error();
      if (!audience->empty()) out["training_audience"] = (*audience)[0].Text("audience");
      auto attendance = All(c,
                            "SELECT t.*, s.held_on, s.venue, s.trainer, k.title AS course FROM training_attendance t "
                            "JOIN training_sessions s ON s.id = t.session_id JOIN training_courses k ON k.id = s.course_id "
                            "WHERE t.person_id = ? ORDER BY s.held_on, t.id", {**person_id});
      if (!attendance.ok()) return attendance.error();
      out["training_attendance"] = *attendance;
      auto accepted = All(c,
                          "SELECT t.*, v.number AS version_number, p.title AS policy, p.user_group FROM aup_acceptances t "
                          "JOIN aup_versions v ON v.id = t.version_id JOIN aup_policies p ON p.id = v.policy_id "
                          "WHERE t.person_id = ? ORDER BY t.id", {**person_id});
      if (!accepted.ok()) return accepted.error();
      Merge(out["aup_acceptances"], *accepted);
      auto reported = All(c, "SELECT * FROM incidents WHERE lower(reported_by) = lower(?) ORDER BY id",
                          {(*person)[0].Text("full_name")});
      if (!reported.ok()) return reported.error();
      Merge(out["incidents"], *reported);
      auto audit = All(c, "SELECT * FROM audit_events WHERE entity = 'person' AND entity_id = ? ORDER BY id", {**person_id});
      if (!audit.ok()) return audit.error();
      Merge(out["audit_events"], *audit);
    }
    if (*user_id) {
      auto account = c.Query("SELECT u.*, a.name AS agency_name FROM users u LEFT JOIN agencies a ON a.id = u.agency_id "
                             "WHERE u.id = ?", {**user_id});
      if (!account.ok()) return account.error();
      if (account->empty()) return Error::NotFound("no account has that id");
      out["account"] = RowJson((*account)[0]);
      names.push_back((*account)[0].Text("display_name"));
      auto accepted = All(c,
                          "SELECT t.*, v.number AS version_number, p.title AS policy, p.user_group FROM aup_acceptances t "
                          "JOIN aup_versions v ON v.id = t.version_id JOIN aup_policies p ON p.id = v.policy_id "
                          "WHERE t.user_id = ? ORDER BY t.id", {**user_id});
      if (!accepted.ok()) return accepted.error();
      Merge(out["aup_acceptances"], *accepted);
      auto reported = All(c, "SELECT * FROM incidents WHERE reported_by_user_id = ? ORDER BY id", {**user_id});
      if (!reported.ok()) return reported.error();
      Merge(out["incidents"], *reported);
      // What was recorded about the account, and what the account did.
      auto audit = All(c, "SELECT * FROM audit_events WHERE (entity = 'user' AND entity_id = ?) OR user_id = ? ORDER BY id",
                       {**user_id, **user_id});
      if (!audit.ok()) return audit.error();
      Merge(out["audit_events"], *audit);
    }
    if (!reference.empty()) {
      auto involved = All(c, "SELECT * FROM incidents WHERE id IN (SELECT incident_id FROM incident_people "
                             "WHERE lower(reference) = lower(?)) ORDER BY id", {reference});
      if (!involved.ok()) return involved.error();
      Merge(out["incidents"], *involved);
      auto accepted = All(c,
                          "SELECT t.*, v.number AS version_number, p.title AS policy, p.user_group FROM aup_acceptances t "
                          "JOIN aup_versions v ON v.id = t.version_id JOIN aup_policies p ON p.id = v.policy_id "
                          "WHERE lower(t.subject_reference) = lower(?) ORDER BY t.id", {reference});
      if (!accepted.ok()) return accepted.error();
      Merge(out["aup_acceptances"], *accepted);
      names.push_back(reference);
    }
    // Each incident with the people, actions, referrals, evidence (described, never its
    // content) and chronology recorded with it.
    for (auto& incident : out["incidents"]) {
      int64_t id = incident["id"];
      for (const char* table : {"incident_people", "incident_actions", "incident_referrals", "incident_evidence",
                                "incident_events"}) {
        auto rows = All(c, fmt::format("SELECT * FROM {} WHERE incident_id = ? ORDER BY id", table), {id});
        if (!rows.ok()) return rows.error();
        incident[std::string(table).substr(9)] = *rows;
      }
      // The same visibility as every other route (incidents.h): names of the people in an
      // incident are shown only inside the owning agency, and an export is made by the
      // partnership, which is never that agency. Pseudonymous references stay.
      bool withheld = false;
      for (auto& person : incident["people"]) {
        if (person.contains("name") && !person["name"].is_null()) withheld = true;
        person.erase("name");
      }
      if (withheld) {
        incident["names_withheld"] = fmt::format("names are held by the recording agency ({}) and shown only "
                                                 "inside it; ask its e-safety officer if the release needs them",
                                                 incident.value("agency_id", int64_t{0}));
      }
      ESAFE_TRY(access::RecordAudit(c, &who, "read", "incident", id, "included in a subject-access export"));
    }
    // Disclosure requests exist only for their handlers and partnership admins.
    if (admin) {
      for (const auto& name : names) {
        if (name.size() < 3) continue;  // too short to name anyone
        auto rows = All(c, "SELECT * FROM disclosure_requests WHERE lower(requested_data) LIKE ? ESCAPE '\\' ORDER BY id",
                        {Contains(name)});
        if (!rows.ok()) return rows.error();
        Merge(out["disclosure_requests"], *rows);
      }
      for (const auto& d : out["disclosure_requests"]) {
        ESAFE_TRY(access::RecordAudit(c, &who, "read", "disclosure_request", d["id"].get<int64_t>(),
                                      "included in a subject-access export"));
      }
    } else {
      out["disclosure_requests"] = nullptr;
      out["disclosure_requests_note"] = "searched only in a partnership admin's export";
    }
    std::string about = *person_id ? fmt::format("person {}", **person_id) : "";
    if (*user_id) about += fmt::format("{}account {}", about.empty() ? "" : ", ", **user_id);
    if (!reference.empty()) about += fmt::format("{}reference {}", about.empty() ? "" : ", ", reference);
    ESAFE_TRY(access::RecordAudit(c, &who, "subject_access", *person_id ? "person" : *user_id ? "user" : "incident_person",
                                  *person_id ? *person_id : *user_id ? *user_id : std::optional<int64_t>(),
                                  fmt::format("subject-access export of {}: {} incident(s), {} training record(s), "
                                              "{} AUP acceptance(s), {} audit event(s)",
                                              about, out["incidents"].size(), out["training_attendance"].size(),
                                              out["aup_acceptances"].size(), out["audit_events"].size())));
    return out;
  });
}

}  // namespace esafe::plan
