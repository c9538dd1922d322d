// Infrastructure risk assessment per site, in the HSE's five steps with the key
// questions of seeds 004 Section 3 ('Risk assessment').
#include <set>

#include <fmt/format.h>

#include "core/clock.h"
#include "core/text.h"
#include "standards/standards.h"

namespace esafe::standards {
namespace {

using store::Connection;

constexpr size_t kMaxText = 4000;
constexpr size_t kMaxItems = 50;

const char* const kSteps[] = {
    "Step 1: Identify the hazards",
    "Step 2: Decide who might be harmed and how",
    "Step 3: Evaluate the risks and decide on precautions",
    "Step 4: Record your findings and implement them",
    "Step 5: Review your assessment and update if necessary",
};

bool FitText(const Json& v, size_t max = kMaxText) {
  return v.is_string() && v.get<std::string>().size() <= max && text::IsValidUtf8(v.get<std::string>());
}

// Checks and normalises the input; the Error names the field ("risks[2].level").
Result<Json> CheckAssessment(const Json& in) {
  if (!in.is_object()) return Error::Invalid("send the assessment as a JSON object");
  static const std::set<std::string> known = {"key_questions", "hazards", "who_might_be_harmed", "risks", "actions",
                                              "review_notes", "review_date"};
  for (const auto& [k, v] : in.items()) {
    if (!known.count(k)) return Error::Invalid(fmt::format("unknown field '{}'", k.substr(0, 64)), k.substr(0, 64));
  }
  Json out = {{"key_questions", Json::object()}, {"hazards", Json::array()}, {"who_might_be_harmed", ""},
              {"risks", Json::array()},          {"actions", Json::array()}, {"review_notes", ""}};
  if (in.contains("key_questions")) {
    const Json& kq = in["key_questions"];
    if (!kq.is_object()) return Error::Invalid("key_questions maps each key question to its answer", "key_questions");
    for (const auto& [k, v] : kq.items()) {
      bool found = false;
      for (const auto& q : RiskKeyQuestions()) found |= k == q.id;
      std::string field = "key_questions." + k.substr(0, 64);
      if (!found) return Error::Invalid(fmt::format("no key question '{}'", k.substr(0, 64)), field);
      if (!FitText(v)) return Error::Invalid("an answer is text of at most 4000 characters", field);
      out["key_questions"][k] = std::string(text::Trim(v.get<std::string>()));
    }
  }
  if (in.contains("hazards")) {
    const Json& hz = in["hazards"];
    if (!hz.is_array() || hz.size() > kMaxItems) return Error::Invalid("hazards is a list of at most 50 hazards", "hazards");
    for (size_t i = 0; i < hz.size(); ++i) {
      if (!FitText(hz[i], 500) || std::string(text::Trim(hz[i].get<std::string>())).empty()) {
        return Error::Invalid("each hazard is text of 1 to 500 characters", fmt::format("hazards[{}]", i));
      }
      out["hazards"].push_back(std::string(text::Trim(hz[i].get<std::string>())));
    }
  }
  for (const char* field : {"who_might_be_harmed", "review_notes"}) {
    if (!in.contains(field)) continue;
    if (!FitText(in[field])) return Error::Invalid("text of at most 4000 characters", field);
    out[field] = std::string(text::Trim(in[field].get<std::string>()));
  }
  if (in.contains("risks")) {
    const Json& rs = in["risks"];
    if (!rs.is_array() || rs.size() > kMaxItems) return Error::Invalid("risks is a list of at most 50 risks", "risks");
    for (size_t i = 0; i < rs.size(); ++i) {
      std::string at = fmt::format("risks[{}]", i);
      const Json& r = rs[i];
      if (!r.is_object()) return Error::Invalid("each risk is {hazard, level, precautions_in_place, further_precautions}", at);
      if (!r.contains("hazard") || !FitText(r["hazard"], 500) || std::string(text::Trim(r["hazard"].get<std::string>())).empty()) {
        return Error::Invalid("name the hazard this risk comes from", at + ".hazard");
      }
      std::string level = r.contains("level") && r["level"].is_string() ? r["level"].get<std::string>() : "";
      if (level != "low" && level != "medium" && level != "high") {
        return Error::Invalid("the level of risk is low, medium or high", at + ".level");
      }
      Json risk = {{"hazard", std::string(text::Trim(r["hazard"].get<std::string>()))}, {"level", level}};
      for (const char* f : {"precautions_in_place", "further_precautions"}) {
        if (!r.contains(f)) { risk[f] = ""; continue; }
        if (!FitText(r[f])) return Error::Invalid("text of at most 4000 characters", at + "." + f);
        risk[f] = std::string(text::Trim(r[f].get<std::string>()));
      }
      for (const auto& [k, v] : r.items()) {
        if (!risk.contains(k)) return Error::Invalid(fmt::format("unknown field '{}'", k.substr(0, 64)), at + "." + k.substr(0, 64));
      }
      out["risks"].push_back(risk);
    }
  }
  if (in.contains("actions")) {
    const Json& as = in["actions"];
    if (!as.is_array() || as.size() > kMaxItems) return Error::Invalid("actions is a list of at most 50 actions", "actions");
    for (size_t i = 0; i < as.size(); ++i) {
      std::string at = fmt::format("actions[{}]", i);
      const Json& a = as[i];
      if (!a.is_object()) return Error::Invalid("each action is {action, owner, due_date, done}", at);
      if (!a.contains("action") || !FitText(a["action"], 1000) || std::string(text::Trim(a["action"].get<std::string>())).empty()) {
        return Error::Invalid("say what is to be done", at + ".action");
      }
      Json action = {{"action", std::string(text::Trim(a["action"].get<std::string>()))}, {"owner", ""}, {"due_date", nullptr},
                     {"done", false}};
      if (a.contains("owner")) {
        if (!FitText(a["owner"], 200)) return Error::Invalid("the owner is text of at most 200 characters", at + ".owner");
        action["owner"] = std::string(text::Trim(a["owner"].get<std::string>()));
      }
      if (a.contains("due_date") && !a["due_date"].is_null()) {
        if (!a["due_date"].is_string() || !text::IsIsoDate(a["due_date"].get<std::string>())) {
          return Error::Invalid("give the due date as YYYY-MM-DD", at + ".due_date");
        }
        action["due_date"] = a["due_date"];
      }
      if (a.contains("done")) {
        if (!a["done"].is_boolean()) return Error::Invalid("done is true or false", at + ".done");
        action["done"] = a["done"];
      }
      for (const auto& [k, v] : a.items()) {
        if (!action.contains(k)) return Error::Invalid(fmt::format("unknown field '{}'", k.substr(0, 64)), at + "." + k.substr(0, 64));
      }
      out["actions"].push_back(action);
    }
  }
  if (!in.contains("review_date") || !in["review_date"].is_string() || !text::IsIsoDate(in["review_date"].get<std::string>())) {
    return Error::Invalid("set the date by which the assessment is reviewed (YYYY-MM-DD)", "review_date");
  }
  out["review_date"] = in["review_date"];
  if (out["hazards"].empty()) return Error::Invalid("step 1: list at least one hazard", "hazards");
  return out;
}

struct SiteInfo {
  int64_t id, agency_id;
  std::string name, agency_name;
};

Result<SiteInfo> LoadSite(Connection& c, const access::Principal& who, int64_t site_id) {
  auto row = c.QueryOne("SELECT s.id, s.name, s.agency_id, a.name AS agency_name FROM sites s "
                        "JOIN agencies a ON a.id = s.agency_id WHERE s.id = ?",
                        {site_id}, "site");
  if (!row.ok() || !who.CanReadAgency(row->Int("agency_id"))) return Error::NotFound("site not found");
  return SiteInfo{row->Int("id"), row->Int("agency_id"), row->Text("name"), row->Text("agency_name")};
}

std::string TodayOr(const std::string& today) { return today.empty() ? clock::NowIso8601().substr(0, 10) : today; }

}  // namespace

const std::vector<KeyQuestion>& RiskKeyQuestions() {
  static const std::vector<KeyQuestion> questions = {
      {"technologies", "What technologies are used? Where? Who uses them?"},
      {"control",
       "What control does the agency have over these technologies? Does it own the technology and the connection, or "
       "may children be communicating online using their own equipment?"},
      {"filtering",
       "What filtering and blocking technologies are in place? How effective are they? Are they appropriate for all "
       "service users?"},
      {"aup",
       "Are acceptable-use policies in place? Do they cover all service users and all technology uses? Are they "
       "appropriate to the age of the users? Are users (or their parent or carer) required to sign? How effective are "
       "they, and how is their impact monitored?"},
      {"aup_review",
       "Are there processes for reviewing the policy as technologies change? How are breaches identified and "
       "recorded? What is done when a breach occurs?"},
      {"technical_staff",
       "Are technical staff aware of the issues, and of their proactive and reactive responsibilities for monitoring "
       "the network in relation to e-safety?"},
  };
  return questions;
}

Result<Json> RiskAssessments::Get(const access::Principal& who, int64_t site_id, const std::string& today) {
  return db_.Read<Json>([&](Connection& c) -> Result<Json> {
    auto site = LoadSite(c, who, site_id);
    if (!site.ok()) return site.error();
    Json out = {{"site_id", site->id}, {"site_name", site->name}, {"agency_id", site->agency_id},
                {"agency_name", site->agency_name}, {"key_questions", Json::array()}, {"steps", Json(std::vector<std::string>(std::begin(kSteps), std::end(kSteps)))},
                {"current", nullptr}, {"versions", 0}, {"review_overdue", false},
                {"can_edit", who.CanWriteAgency(site->agency_id)}};
    for (const auto& q : RiskKeyQuestions()) out["key_questions"].push_back({{"id", q.id}, {"text", q.text}});
    auto rows = c.Query("SELECT * FROM site_risk_assessments WHERE site_id = ? ORDER BY version DESC", {site_id});
    if (!rows.ok()) return rows.error();
    out["versions"] = rows->size();
    if (!rows->empty()) {
      const auto& r = (*rows)[0];
      Json a = Json::parse(r.Text("assessment"), nullptr, false);
      if (a.is_discarded()) return Error::Internal("a stored risk assessment is not JSON");
      a["version"] = r.Int("version");
      a["assessed_by"] = r.Text("assessed_by");
      a["assessed_at"] = r.Text("assessed_at");
      out["review_overdue"] = r.Text("review_date") < TodayOr(today);
      out["current"] = std::move(a);
    }
    return out;
  });
}

Result<Json> RiskAssessments::Save(const access::Principal& who, int64_t site_id, const Json& input,
                                   const std::string& today) {
  auto valid = CheckAssessment(input);
  if (!valid.ok()) return valid.error();
  auto saved = db_.Transaction<int64_t>([&](Connection& c) -> Result<int64_t> {
    auto site = LoadSite(c, who, site_id);
    if (!site.ok()) return site.error();
    if (!who.CanWriteAgency(site->agency_id)) {
      return Error::Forbidden("only the agency's e-safety officer or the partnership may record its risk assessments");
    }
    auto last = c.Query("SELECT MAX(version) AS v FROM site_risk_assessments WHERE site_id = ?", {site_id});
    if (!last.ok()) return last.error();
    int64_t version = (*last)[0].IsNull("v") ? 1 : (*last)[0].Int("v") + 1;
    ESAFE_TRY(c.Execute(
        "INSERT INTO site_risk_assessments (site_id, version, assessment, review_date, assessed_by, assessed_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        {site_id, version, valid->dump(), (*valid)["review_date"].get<std::string>(), who.username,
         clock::NowIso8601()}));
    ESAFE_TRY(access::RecordAudit(c, &who, "update", "site_risk_assessment", site_id,
                                  fmt::format("risk assessment version {} recorded", version)));
    return version;
  });
  if (!saved.ok()) return saved.error();
  return Get(who, site_id, today);
}

Result<Json> RiskAssessments::List(const access::Principal& who, const std::string& today) {
  return db_.Read<Json>([&](Connection& c) -> Result<Json> {
    std::string sql =
        "SELECT s.id, s.name, s.agency_id, a.name AS agency_name, r.version, r.review_date, r.assessed_at "
        "FROM sites s JOIN agencies a ON a.id = s.agency_id "
        "LEFT JOIN site_risk_assessments r ON r.site_id = s.id AND r.version = "
        "(SELECT MAX(version) FROM site_risk_assessments x WHERE x.site_id = s.id)";
    std::vector<store::Value> params;
    if (!who.SeesAllAgencies()) {
      if (!who.agency_id) return Json::array();
      sql += " WHERE s.agency_id = ?";
      params.emplace_back(*who.agency_id);
    }
    sql += " ORDER BY lower(a.name), lower(s.name)";
    auto rows = c.Query(sql, params);
    if (!rows.ok()) return rows.error();
    std::string now = TodayOr(today);
    Json out = Json::array();
    for (const auto& r : *rows) {
      bool never = r.IsNull("version");
      out.push_back({{"site_id", r.Int("id")}, {"site_name", r.Text("name")}, {"agency_id", r.Int("agency_id")},
                     {"agency_name", r.Text("agency_name")}, {"never_assessed", never},
                     {"version", never ? Json(nullptr) : Json(r.Int("version"))},
                     {"review_date", never ? Json(nullptr) : Json(r.Text("review_date"))},
                     {"review_overdue", !never && r.Text("review_date") < now}});
    }
    return out;
  });
}

}  // namespace esafe::standards
