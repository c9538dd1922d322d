// Surveys, their settings and access codes, and anonymous responses: who may do
// what, and what is stored. Results and indicators are in results.cc.
#include <sodium.h>

#include <fmt/format.h>

#include "core/clock.h"
#include "surveys/internal.h"
#include "surveys/surveys.h"

namespace esafe::surveys {
namespace {

using store::Connection;

// 10 characters from 31 that are hard to mix up when copied from a board (no 0/o,
// 1/l/i): about 49 bits, so codes cannot be guessed within the rate limit.
std::string NewAccessCode() {
  static constexpr char kAlphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";
  std::string code;
  for (int i = 0; i < 10; ++i) code += kAlphabet[randombytes_uniform(sizeof kAlphabet - 1)];
  return code;
}

bool ValidCode(std::string_view code) {
  if (code.size() < 6 || code.size() > 32) return false;
  for (char c : code) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

Json SurveySummary(const store::Row& r) {
  return {{"id", r.Int("id")},           {"key", r.Text("survey_key")}, {"title", r.Text("title")},
          {"age_band", r.Text("age_band")}, {"status", r.Text("status")},   {"opens_on", r.Text("opens_on")},
          {"closes_on", r.Text("closes_on")}, {"year", internal::SurveyYear(r.Text("opens_on"))},
          {"created_at", r.Text("created_at")}};
}

bool OpenOn(const store::Row& survey, std::string_view today) {
  return survey.Text("status") == "open" && survey.Text("opens_on") <= today && today <= survey.Text("closes_on");
}

Result<Json> Insert(store::Database& db, const Principal& who, const SurveyDefinition& def, std::string_view yaml) {
  return db.Transaction<Json>([&](Connection& c) -> Result<Json> {
    const std::string now = clock::NowIso8601();
    auto rows = c.Query(
        "INSERT INTO surveys (survey_key, title, age_band, definition, status, opens_on, closes_on, created_by, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, 'draft', ?, ?, ?, ?, ?) RETURNING id",
        {def.key, def.title, def.age_band, std::string(yaml), def.opens_on, def.closes_on, who.username, now, now});
    if (!rows.ok()) return rows.error();
    const int64_t id = (*rows)[0].Int("id");
    ESAFE_TRY(access::RecordAudit(c, &who, "create", "survey", id,
                                  fmt::format("survey '{}' ({}) created as a draft", def.title, def.age_band)));
    return Json{{"id", id}};
  });
}

}  // namespace

namespace internal {

int64_t SurveyYear(const std::string& opens_on) {
  return opens_on.size() >= 4 ? std::stoll(opens_on.substr(0, 4)) : 0;
}

Result<SurveyDefinition> LoadDefinition(Connection& c, int64_t survey_id, store::Row* row_out) {
  auto row = c.QueryOne("SELECT * FROM surveys WHERE id = ?", {survey_id}, "survey");
  if (!row.ok()) return row.error();
  auto def = ParseSurvey(row->Text("definition"), fmt::format("survey {}", survey_id));
  if (!def.ok()) return Error::Internal(def.error().message);
  if (row_out) *row_out = *row;
  return def;
}

bool MayReadResults(const Principal& who) {
  return who.role != access::Role::kBoardMember && who.role != access::Role::kAgencyStaff;
}

}  // namespace internal

Result<Json> Surveys::Create(const Principal& who, std::string_view yaml, std::string_view file_name) {
  if (!who.IsPartnershipManager()) return Error::Forbidden("only the partnership's administrators and e-safety lead create surveys");
  auto def = ParseSurvey(yaml, file_name.empty() ? "survey.yaml" : file_name);
  if (!def.ok()) return Error::Invalid(def.error().message, "definition");
  auto created = Insert(db_, who, *def, yaml);
  if (!created.ok()) return created.error();
  return Get(who, (*created)["id"].get<int64_t>());
}

Result<Json> Surveys::CreateShipped(const Principal& who, std::string_view key) {
  for (const auto& shipped : ShippedSurveys()) {
    auto def = ParseSurvey(shipped.yaml, shipped.file);
    if (def.ok() && def->key == key) return Create(who, shipped.yaml, shipped.file);
  }
  return Error::Invalid(fmt::format("there is no shipped survey '{}'", std::string(key).substr(0, 60)), "shipped");
}

Result<Json> Surveys::List(const Principal& who) {
  return db_.Read<Json>([&](Connection& c) -> Result<Json> {
    auto rows = c.Query("SELECT * FROM surveys ORDER BY opens_on DESC, id DESC");
    if (!rows.ok()) return rows.error();
    auto counts = c.Query(
        "SELECT r.survey_id, s.agency_id, COUNT(*) AS n FROM survey_responses r "
        "JOIN survey_settings s ON s.id = r.setting_id GROUP BY r.survey_id, s.agency_id");
    if (!counts.ok()) return counts.error();
    Json out = Json::array();
    for (const auto& r : *rows) {
      Json j = SurveySummary(r);
      int64_t responses = 0;
      for (const auto& n : *counts) {
        if (n.Int("survey_id") != r.Int("id")) continue;
        if (who.SeesAllAgencies() || who.CanReadAgency(n.Int("agency_id"))) responses += n.Int("n");
      }
      j["responses"] = responses;
      out.push_back(std::move(j));
    }
    return out;
  });
}

Result<Json> Surveys::Get(const Principal& who, int64_t id) {
  return db_.Read<Json>([&](Connection& c) -> Result<Json> {
    store::Row row({}, {});
    auto def = internal::LoadDefinition(c, id, &row);
    if (!def.ok()) return def.error();
    Json j = SurveySummary(row);
    j["open_now"] = OpenOn(row, clock::NowIso8601().substr(0, 10));
    j["report_threshold"] = def->report_threshold;
    j["intro"] = def->intro;
    j["questions"] = QuestionsJson(*def);
    j["indicators"] = IndicatorsJson(*def);
    j["definition"] = row.Text("definition");
    Json settings = Json::array();
    if (who.role != access::Role::kBoardMember) {
      auto rows = c.Query(
          "SELECT s.*, a.name AS agency_name, (SELECT COUNT(*) FROM survey_responses r WHERE r.setting_id = s.id) "
          "AS responses FROM survey_settings s JOIN agencies a ON a.id = s.agency_id WHERE s.survey_id = ? "
          "ORDER BY a.name, s.label, s.id",
          {id});
      if (!rows.ok()) return rows.error();
      for (const auto& s : *rows) {
        if (!who.CanReadAgency(s.Int("agency_id"))) continue;
        settings.push_back({{"id", s.Int("id")},
                            {"agency_id", s.Int("agency_id")},
                            {"agency", s.Text("agency_name")},
                            {"site_id", s.IsNull("site_id") ? Json(nullptr) : Json(s.Int("site_id"))},
                            {"label", s.Text("label")},
                            {"code", s.Text("access_code")},
                            {"link", "/s/" + s.Text("access_code")},
                            {"responses", s.Int("responses")}});
      }
    }
    j["settings"] = settings;
    return j;
  });
}

Result<Json> Surveys::Update(const Principal& who, int64_t id, const Json& body) {
  if (!who.IsPartnershipManager()) return Error::Forbidden("only the partnership's administrators and e-safety lead open and close surveys");
  if (!body.is_object()) return Error::Invalid("the body must be an object");
  for (const auto& [key, value] : body.items()) {
    if (key != "status" && key != "opens_on" && key != "closes_on") {
      return Error::Invalid(fmt::format("'{}' cannot be changed here (status, opens_on, closes_on)", key.substr(0, 40)),
                            key.substr(0, 40));
    }
    if (!value.is_string()) return Error::Invalid(fmt::format("'{}' must be text", key), key);
  }
  auto changed = db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto row = c.QueryOne("SELECT * FROM surveys WHERE id = ?", {id}, "survey");
    if (!row.ok()) return row.error();
    std::string status = body.value("status", row->Text("status"));
    std::string opens = body.value("opens_on", row->Text("opens_on"));
    std::string closes = body.value("closes_on", row->Text("closes_on"));
    if (status != "draft" && status != "open" && status != "closed") {
      return Error::Invalid("'status' must be draft, open or closed", "status");
    }
    if (!ValidDate(opens)) return Error::Invalid("'opens_on' must be a date written YYYY-MM-DD", "opens_on");
    if (!ValidDate(closes)) return Error::Invalid("'closes_on' must be a date written YYYY-MM-DD", "closes_on");
    if (closes < opens) return Error::Invalid("the survey cannot close before it opens", "closes_on");
    if (status == "draft" && row->Text("status") != "draft") {
      return Error::Invalid("a survey that has been opened cannot go back to draft; close it instead", "status");
    }
    ESAFE_TRY(c.Execute("UPDATE surveys SET status = ?, opens_on = ?, closes_on = ?, updated_at = ? WHERE id = ?",
                        {status, opens, closes, clock::NowIso8601(), id}));
    ESAFE_TRY(access::RecordAudit(c, &who, "update", "survey", id,
                                  fmt::format("survey {}: status {}, open {} to {}", id, status, opens, closes)));
    return Json::object();
  });
  if (!changed.ok()) return changed.error();
  return Get(who, id);
}

Result<Json> Surveys::AddSetting(const Principal& who, int64_t survey_id, const Json& body) {
  if (!body.is_object()) return Error::Invalid("the body must be an object");
  for (const auto& [key, value] : body.items()) {
    if (key != "agency_id" && key != "site_id" && key != "label") {
      return Error::Invalid(fmt::format("unknown field '{}' (agency_id, site_id, label)", key.substr(0, 40)), key.substr(0, 40));
    }
  }
  if (!body.contains("agency_id") || !body["agency_id"].is_number_integer()) {
    return Error::Invalid("choose the agency (school or youth setting)", "agency_id");
  }
  const int64_t agency_id = body["agency_id"].get<int64_t>();
  std::optional<int64_t> site_id;
  if (body.contains("site_id") && !body["site_id"].is_null()) {
    if (!body["site_id"].is_number_integer()) return Error::Invalid("'site_id' must be a site's number", "site_id");
    site_id = body["site_id"].get<int64_t>();
  }
  std::string label;
  if (body.contains("label") && !body["label"].is_null()) {
    if (!body["label"].is_string() || body["label"].get<std::string>().size() > 120) {
      return Error::Invalid("'label' must be text of at most 120 characters", "label");
    }
    label = body["label"].get<std::string>();
  }
  if (!who.CanWriteAgency(agency_id)) return Error::Forbidden("you may add settings only for your own agency");
  auto id = db_.Transaction<int64_t>([&](Connection& c) -> Result<int64_t> {
    auto survey = c.QueryOne("SELECT id, status FROM surveys WHERE id = ?", {survey_id}, "survey");
    if (!survey.ok()) return survey.error();
    if (survey->Text("status") == "closed") return Error::Conflict("the survey is closed; open it again to add settings");
    auto agency = c.QueryOne("SELECT id, name FROM agencies WHERE id = ?", {agency_id}, "agency");
    if (!agency.ok()) return Error::Invalid("there is no such agency", "agency_id");
    std::string name = agency->Text("name");
    store::Value site_value;
    if (site_id) {
      auto site = c.QueryOne("SELECT id, name, agency_id FROM sites WHERE id = ?", {*site_id}, "site");
      if (!site.ok() || site->Int("agency_id") != agency_id) {
        return Error::Invalid("that site does not belong to the agency", "site_id");
      }
      name = site->Text("name");
      site_value = *site_id;
    }
    auto existing = site_id ? c.Query("SELECT id FROM survey_settings WHERE survey_id = ? AND agency_id = ? AND site_id = ?",
                                      {survey_id, agency_id, *site_id})
                            : c.Query("SELECT id FROM survey_settings WHERE survey_id = ? AND agency_id = ? AND "
                                      "site_id IS NULL",
                                      {survey_id, agency_id});
    if (!existing.ok()) return existing.error();
    if (!existing->empty()) return Error::Conflict("this setting already has a code for this survey", "agency_id");
    auto rows = c.Query(
        "INSERT INTO survey_settings (survey_id, agency_id, site_id, label, access_code, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        {survey_id, agency_id, site_value, label.empty() ? name : label, NewAccessCode(), clock::NowIso8601()});
    if (!rows.ok()) return rows.error();
    const int64_t setting = (*rows)[0].Int("id");
    ESAFE_TRY(access::RecordAudit(c, &who, "create", "survey_setting", setting,
                                  fmt::format("access code made for {} in survey {}", name, survey_id)));
    return setting;
  });
  if (!id.ok()) return id.error();
  auto survey = Get(who, survey_id);
  if (!survey.ok()) return survey.error();
  for (const auto& s : (*survey)["settings"]) {
    if (s["id"] == *id) return s;
  }
  return Error::Internal("the new setting could not be read back");
}

Result<Json> Surveys::PublicSurvey(std::string_view code, std::string_view today) {
  if (!ValidCode(code)) return Error::NotFound("There is no survey with that code. Check the code and try again.");
  return db_.Read<Json>([&](Connection& c) -> Result<Json> {
    auto setting = c.Query("SELECT id, survey_id, label FROM survey_settings WHERE access_code = ?", {std::string(code)});
    if (!setting.ok()) return setting.error();
    if (setting->empty()) return Error::NotFound("There is no survey with that code. Check the code and try again.");
    store::Row row({}, {});
    auto def = internal::LoadDefinition(c, (*setting)[0].Int("survey_id"), &row);
    if (!def.ok()) return def.error();
    if (!OpenOn(row, today)) return Error::Conflict("This survey is not open just now. Ask your teacher or youth worker.");
    return Json{{"survey_id", row.Int("id")},      {"title", def->title},
                {"age_band", def->age_band},       {"intro", def->intro},
                {"setting", (*setting)[0].Text("label")}, {"closes_on", row.Text("closes_on")},
                {"questions", QuestionsJson(*def)}};
  });
}

Result<Json> Surveys::Submit(std::string_view code, const Json& answers, std::string_view today) {
  if (!ValidCode(code)) return Error::NotFound("There is no survey with that code. Check the code and try again.");
  // No audit event: its time and sequence would add what the response deliberately lacks.
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto setting = c.Query("SELECT id, survey_id FROM survey_settings WHERE access_code = ?", {std::string(code)});
    if (!setting.ok()) return setting.error();
    if (setting->empty()) return Error::NotFound("There is no survey with that code. Check the code and try again.");
    store::Row row({}, {});
    auto def = internal::LoadDefinition(c, (*setting)[0].Int("survey_id"), &row);
    if (!def.ok()) return def.error();
    if (!OpenOn(row, today)) return Error::Conflict("This survey is closed now, so your answers cannot be sent. Thank you for trying.");
    auto valid = ValidateAnswers(*def, answers);
    if (!valid.ok()) return valid.error();
    ESAFE_TRY(c.Execute(
        "INSERT INTO survey_responses (survey_id, setting_id, age_band, year, submitted_day, answers) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        {row.Int("id"), (*setting)[0].Int("id"), def->age_band, internal::SurveyYear(row.Text("opens_on")),
         std::string(today), valid->dump()}));
    return Json{{"survey_id", row.Int("id")}, {"thanks", def->thanks}};
  });
}

Result<void> Surveys::RecordResponse(int64_t setting_id, const Json& answers, std::string_view day) {
  return db_.Transaction<void>([&](Connection& c) -> Result<void> {
    auto setting = c.QueryOne("SELECT id, survey_id FROM survey_settings WHERE id = ?", {setting_id}, "setting");
    if (!setting.ok()) return setting.error();
    store::Row row({}, {});
    auto def = internal::LoadDefinition(c, setting->Int("survey_id"), &row);
    if (!def.ok()) return def.error();
    auto valid = ValidateAnswers(*def, answers);
    if (!valid.ok()) return valid.error();
    ESAFE_TRY(c.Execute(
        "INSERT INTO survey_responses (survey_id, setting_id, age_band, year, submitted_day, answers) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        {row.Int("id"), setting_id, def->age_band, internal::SurveyYear(row.Text("opens_on")), std::string(day),
         valid->dump()}));
    return {};
  });
}

}  // namespace esafe::surveys
