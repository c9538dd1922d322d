// Audit rounds and returns, and the measures of success computed from them.
#include <map>
#include <set>

#include <fmt/format.h>
#include <sodium.h>

#include "core/clock.h"
#include "core/text.h"
#include "plan/plan.h"
#include "standards/standards.h"

namespace esafe::standards {
namespace {

using access::Principal;
using store::Connection;
using store::Value;

Error NotPartnership() { return Error::Forbidden("only the partnership e-safety lead or an administrator may do this"); }

Result<Template> LoadTemplate(Connection& c, int64_t template_id) {
  auto row = c.QueryOne("SELECT yaml, key FROM audit_templates WHERE id = ?", {template_id}, "audit template");
  if (!row.ok()) return row.error();
  return ParseTemplate(row->Text("yaml"), row->Text("key"));
}

struct RoundInfo {
  int64_t id;
  int64_t template_id;
  std::string title;
  int64_t year;
  std::string deadline;
};

Result<RoundInfo> LoadRound(Connection& c, int64_t round_id) {
  auto row = c.QueryOne("SELECT * FROM audit_rounds WHERE id = ?", {round_id}, "audit round");
  if (!row.ok()) return row.error();
  return RoundInfo{row->Int("id"), row->Int("template_id"), row->Text("title"), row->Int("year"),
                   row->Text("deadline")};
}

Json ReturnJson(const store::Row& r) {
  Json answers = Json::parse(r.Text("answers"), nullptr, false);
  Json notes = Json::parse(r.Text("evidence_notes"), nullptr, false);
  return {{"round_id", r.Int("round_id")},
          {"agency_id", r.Int("agency_id")},
          {"agency_name", r.Text("agency_name")},
          {"status", r.Text("status")},
          {"answers", answers.is_discarded() ? Json::object() : answers},
          {"evidence_notes", notes.is_discarded() ? Json::object() : notes},
          {"returned_comment", r.IsNull("returned_comment") ? Json(nullptr) : Json(r.Text("returned_comment"))},
          {"submitted_at", r.IsNull("submitted_at") ? Json(nullptr) : Json(r.Text("submitted_at"))},
          {"updated_at", r.Text("updated_at")}};
}

Result<store::Row> LoadReturn(Connection& c, const Principal& who, int64_t round_id, int64_t agency_id) {
  if (!who.CanReadAgency(agency_id)) return Error::NotFound("audit return not found");
  return c.QueryOne(
      "SELECT r.*, a.name AS agency_name FROM audit_returns r JOIN agencies a ON a.id = r.agency_id "
      "WHERE r.round_id = ? AND r.agency_id = ?",
      {round_id, agency_id}, "audit return");
}

// How an accepted gap action names where it came from: round and question,
// so that the same gap is accepted once per round.
std::string GapSourceRef(const RoundInfo& round, const std::string& question_id) {
  return fmt::format("audit round {} ({}): {}", round.id, round.year, question_id);
}

std::string Sha256Hex(std::string_view s) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(s.data()), s.size());
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

}  // namespace

Result<Json> Standards::PublishTemplate(const Principal& who, std::string_view yaml) {
  if (!who.IsPartnershipManager()) return NotPartnership();
  auto t = ParseTemplate(yaml, "template");
  if (!t.ok()) return t.error();
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto exists = c.Query("SELECT id FROM audit_templates WHERE key = ? AND version = ?", {t->id, t->version});
    if (!exists.ok()) return exists.error();
    if (!exists->empty()) {
      return Error::Conflict(fmt::format("version {} of '{}' exists; publish a new version instead", t->version, t->id),
                             "version");
    }
    auto rows = c.Query(
        "INSERT INTO audit_templates (key, version, title, yaml, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?) "
        "RETURNING id",
        {t->id, t->version, t->title, std::string(yaml), Sha256Hex(yaml), clock::NowIso8601()});
    if (!rows.ok()) return rows.error();
    int64_t id = (*rows)[0].Int("id");
    ESAFE_TRY(access::RecordAudit(c, &who, "create", "audit_template", id,
                                  fmt::format("{} version {}", t->id, t->version)));
    Json out = t->ToJson();
    out["template_id"] = id;
    return out;
  });
}

Result<bool> Standards::EnsureDefaultTemplate() {
  auto t = ParseTemplate(DefaultTemplateYaml(), "annual-return.yaml");
  if (!t.ok()) return t.error();
  return db_.Transaction<bool>([&](Connection& c) -> Result<bool> {
    // A new shipped version is published beside the old; rounds keep the version they were opened with.
    auto exists = c.Query("SELECT id FROM audit_templates WHERE key = ? AND version = ?", {t->id, t->version});
    if (!exists.ok()) return exists.error();
    if (!exists->empty()) return false;
    ESAFE_TRY(c.Execute(
        "INSERT INTO audit_templates (key, version, title, yaml, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        {t->id, t->version, t->title, std::string(DefaultTemplateYaml()), Sha256Hex(DefaultTemplateYaml()),
         clock::NowIso8601()}));
    return true;
  });
}

Result<Json> Standards::ListTemplates(const Principal& who) {
  (void)who;  // templates hold no personal data; every role may read them
  return db_.Read<Json>([&](Connection& c) -> Result<Json> {
    auto rows = c.Query("SELECT id, key, version, title, created_at FROM audit_templates ORDER BY key, version");
    if (!rows.ok()) return rows.error();
    Json out = Json::array();
    for (const auto& r : *rows) {
      auto t = LoadTemplate(c, r.Int("id"));
      if (!t.ok()) return t.error();
      Json j = t->ToJson();
      j["template_id"] = r.Int("id");
      j["created_at"] = r.Text("created_at");
      out.push_back(std::move(j));
    }
    return out;
  });
}

Result<Json> Standards::OpenRound(const Principal& who, const Json& input) {
  if (!who.IsPartnershipManager()) return NotPartnership();
  static const RecordSchema schema(
      "audit_round", {{.name = "title", .type = FieldType::kString, .required = true, .max_length = 200},
                      {.name = "year", .type = FieldType::kInteger, .required = true, .min = 2000, .max = 2100},
                      {.name = "template_id", .type = FieldType::kReference, .required = true},
                      {.name = "deadline", .type = FieldType::kDate, .required = true}});
  auto valid = schema.Validate(input, false);
  if (!valid.ok()) return valid.error();
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto t = LoadTemplate(c, (*valid)["template_id"].get<int64_t>());
    if (!t.ok()) return Error::Invalid("no audit template has that id", "template_id");
    std::string now = clock::NowIso8601();
    auto rows = c.Query(
        "INSERT INTO audit_rounds (title, year, template_id, deadline, opened_by, opened_at) VALUES (?, ?, ?, ?, ?, ?) "
        "RETURNING id",
        {(*valid)["title"].get<std::string>(), (*valid)["year"].get<int64_t>(), (*valid)["template_id"].get<int64_t>(),
         (*valid)["deadline"].get<std::string>(), who.username, now});
    if (!rows.ok()) return rows.error();
    int64_t id = (*rows)[0].Int("id");
    auto expected = c.Execute(
        "INSERT INTO audit_returns (round_id, agency_id, status, answers, evidence_notes, updated_at) "
        "SELECT ?, id, 'not_started', '{}', '{}', ? FROM agencies",
        {id, now});
    if (!expected.ok()) return expected.error();
    ESAFE_TRY(access::RecordAudit(c, &who, "create", "audit_round", id,
                                  fmt::format("opened with {} returns expected", *expected)));
    return Json{{"id", id}, {"title", (*valid)["title"]}, {"year", (*valid)["year"]},
                {"template_id", (*valid)["template_id"]}, {"deadline", (*valid)["deadline"]},
                {"expected_returns", *expected}};
  });
}

Result<Json> Standards::ListRounds(const Principal& who) {
  (void)who;
  return db_.Read<Json>([&](Connection& c) -> Result<Json> {
    auto rows = c.Query(
        "SELECT r.*, t.key AS template_key, t.version AS template_version FROM audit_rounds r "
        "JOIN audit_templates t ON t.id = r.template_id ORDER BY r.year DESC, r.id DESC");
    if (!rows.ok()) return rows.error();
    Json out = Json::array();
    for (const auto& r : *rows) {
      out.push_back({{"id", r.Int("id")}, {"title", r.Text("title")}, {"year", r.Int("year")},
                     {"template_id", r.Int("template_id")}, {"template_key", r.Text("template_key")},
                     {"template_version", r.Int("template_version")}, {"deadline", r.Text("deadline")},
                     {"opened_at", r.Text("opened_at")}});
    }
    return out;
  });
}

Result<Json> Standards::GetReturn(const Principal& who, int64_t round_id, int64_t agency_id) {
  if (who.role == access::Role::kBoardMember) return Error::Forbidden("board members see the measures only");
  return db_.Read<Json>([&](Connection& c) -> Result<Json> {
    auto r = LoadReturn(c, who, round_id, agency_id);
    if (!r.ok()) return r.error();
    auto round = LoadRound(c, round_id);
    if (!round.ok()) return round.error();
    auto t = LoadTemplate(c, round->template_id);
    if (!t.ok()) return t.error();
    Json out = ReturnJson(*r);
    out["template"] = t->ToJson();
    out["deadline"] = round->deadline;
    return out;
  });
}

Result<Json> Standards::SaveDraft(const Principal& who, int64_t round_id, int64_t agency_id, const Json& input) {
  if (!input.is_object()) return Error::Invalid("send {answers, evidence_notes}");
  for (const auto& [k, v] : input.items()) {
    if (k != "answers" && k != "evidence_notes") return Error::Invalid(fmt::format("unknown field '{}'", k.substr(0, 64)), k.substr(0, 64));
  }
  if (!who.CanWriteAgency(agency_id)) {
    return who.CanReadAgency(agency_id) ? Error::Forbidden("only the agency's e-safety officer may fill in its return")
                                        : Error::NotFound("audit return not found");
  }
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto r = LoadReturn(c, who, round_id, agency_id);
    if (!r.ok()) return r.error();
    if (r->Text("status") == "submitted") {
      return Error::Conflict("this return has been submitted; the partnership must return it before it can change");
    }
    auto round = LoadRound(c, round_id);
    if (!round.ok()) return round.error();
    auto t = LoadTemplate(c, round->template_id);
    if (!t.ok()) return t.error();
    Json answers = Json::parse(r->Text("answers"), nullptr, false);
    Json notes = Json::parse(r->Text("evidence_notes"), nullptr, false);
    if (answers.is_discarded()) answers = Json::object();
    if (notes.is_discarded()) notes = Json::object();
    if (input.contains("answers")) {
      auto checked = CheckAnswers(*t, input["answers"]);
      if (!checked.ok()) return checked.error();
      for (const auto& [k, v] : checked->items()) answers[k] = v;
    }
    if (input.contains("evidence_notes")) {
      const Json& n = input["evidence_notes"];
      if (!n.is_object()) return Error::Invalid("evidence_notes must map question ids to notes", "evidence_notes");
      for (const auto& [k, v] : n.items()) {
        if (t->Find(k) == nullptr) return Error::Invalid(fmt::format("no question '{}' in this audit", k.substr(0, 64)), k.substr(0, 64));
        if (!v.is_string() || v.get<std::string>().size() > 2000 || !text::IsValidUtf8(v.get<std::string>())) {
          return Error::Invalid("an evidence note is text of at most 2000 characters", k);
        }
        notes[k] = v;
      }
    }
    std::string status = r->Text("status") == "returned" ? "returned" : "draft";
    ESAFE_TRY(c.Execute(
        "UPDATE audit_returns SET answers = ?, evidence_notes = ?, status = ?, updated_at = ? "
        "WHERE round_id = ? AND agency_id = ?",
        {answers.dump(), notes.dump(), status, clock::NowIso8601(), round_id, agency_id}));
    ESAFE_TRY(access::RecordAudit(c, &who, "update", "audit_return", round_id,
                                  fmt::format("draft saved for agency {}", agency_id)));
    auto after = LoadReturn(c, who, round_id, agency_id);
    if (!after.ok()) return after.error();
    return ReturnJson(*after);
  });
}

Result<Json> Standards::Submit(const Principal& who, int64_t round_id, int64_t agency_id) {
  if (!who.CanWriteAgency(agency_id)) {
    return who.CanReadAgency(agency_id) ? Error::Forbidden("only the agency's e-safety officer may submit its return")
                                        : Error::NotFound("audit return not found");
  }
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto r = LoadReturn(c, who, round_id, agency_id);
    if (!r.ok()) return r.error();
    if (r->Text("status") == "submitted") return Error::Conflict("this return is already submitted");
    auto round = LoadRound(c, round_id);
    if (!round.ok()) return round.error();
    auto t = LoadTemplate(c, round->template_id);
    if (!t.ok()) return t.error();
    Json answers = Json::parse(r->Text("answers"), nullptr, false);
    for (const auto& s : t->sections) {
      for (const auto& q : s.questions) {
        bool needed = q.type == QuestionType::kYesNo || q.type == QuestionType::kLevel;
        if (needed && (!answers.is_object() || !answers.contains(q.id) || answers[q.id].is_null())) {
          return Error::Invalid(fmt::format("answer '{}' before submitting", q.text), q.id);
        }
      }
    }
    std::string now = clock::NowIso8601();
    ESAFE_TRY(c.Execute(
        "UPDATE audit_returns SET status = 'submitted', submitted_at = ?, updated_at = ? WHERE round_id = ? AND "
        "agency_id = ?",
        {now, now, round_id, agency_id}));
    ESAFE_TRY(access::RecordAudit(c, &who, "submit", "audit_return", round_id,
                                  fmt::format("return submitted for agency {}", agency_id)));
    auto after = LoadReturn(c, who, round_id, agency_id);
    if (!after.ok()) return after.error();
    return ReturnJson(*after);
  });
}

Result<Json> Standards::ReturnForCorrection(const Principal& who, int64_t round_id, int64_t agency_id,
                                            const std::string& comment_in) {
  if (!who.IsPartnershipManager()) return NotPartnership();
  std::string comment(text::Trim(comment_in));
  if (comment.empty() || comment.size() > 2000 || !text::IsValidUtf8(comment)) {
    return Error::Invalid("say what needs correcting (up to 2000 characters)", "comment");
  }
  return db_.Transaction<Json>([&](Connection& c) -> Result<Json> {
    auto r = LoadReturn(c, who, round_id, agency_id);
    if (!r.ok()) return r.error();
    if (r->Text("status") != "submitted") return Error::Conflict("only a submitted return can be returned for correction");
    ESAFE_TRY(c.Execute(
        "UPDATE audit_returns SET status = 'returned', returned_comment = ?, submitted_at = NULL, updated_at = ? "
        "WHERE round_id = ? AND agency_id = ?",
        {comment, clock::NowIso8601(), round_id, agency_id}));
    ESAFE_TRY(access::RecordAudit(c, &who, "return", "audit_return", round_id,
                                  fmt::format("return for agency {} sent back for correction", agency_id)));
    auto after = LoadReturn(c, who, round_id, agency_id);
    if (!after.ok()) return after.error();
    return ReturnJson(*after);
  });
}

Result<Json> Standards::RoundStatus(const Principal& who, int64_t round_id) {
  if (who.role == access::Role::kBoardMember) return Error::Forbidden("board members see the measures only");
  return db_.Read<Json>([&](Connection& c) -> Result<Json> {
    auto round = LoadRound(c, round_id);
    if (!round.ok()) return round.error();
    std::string sql =
        "SELECT r.*, a.name AS agency_name FROM audit_returns r JOIN agencies a ON a.id = r.agency_id "
        "WHERE r.round_id = ?";
    std::vector<Value> params{round_id};
    if (!who.SeesAllAgencies()) {
      if (!who.agency_id) return Json::array();
      sql += " AND r.agency_id = ?";
      params.emplace_back(*who.agency_id);
    }
    sql += " ORDER BY lower(a.name)";
    auto rows = c.Query(sql, params);
    if (!rows.ok()) return rows.error();
    std::string today = clock::NowIso8601().substr(0, 10);
    Json out = {{"round_id", round_id}, {"title", round->title}, {"deadline", round->deadline}, {"returns", Json::array()}};
    int64_t submitted = 0;
    for (const auto& r : *rows) {
      bool done = r.Text("status") == "submitted";
      submitted += done;
      out["returns"].push_back({{"agency_id", r.Int("agency_id")}, {"agency_name", r.Text("agency_name")},
                                {"status", r.Text("status")}, {"overdue", !done && today > round->deadline},
                                {"submitted_at", r.IsNull("submitted_at") ? Json(nullptr) : Json(r.Text("submitted_at"))}});
    }
    out["expected"] = rows->size();
    out["received"] = submitted;
    return out;
  });
}

Result<Json> Standards::SuggestedActions(const Principal& who, int64_t round_id, int64_t agency_id) {
  auto ret = GetReturn(who, round_id, agency_id);
  if (!ret.ok()) return ret.error();
  auto gaps = db_.Read<Json>([&](Connection& c) -> Result<Json> {
    auto round = LoadRound(c, round_id);
    if (!round.ok()) return round.error();
    auto t = LoadTemplate(c, round->template_id);
    if (!t.ok()) return t.error();
    Json out = Json::array();
    const Json& answers = (*ret)["answers"];
    for (const auto& s : t->sections) {
      for (const auto& q : s.questions) {
        if (q.gap_when.empty() || !answers.contains(q.id) || !answers[q.id].is_string()) continue;
        if (answers[q.id].get<std::string>() == q.gap_when) {
          out.push_back({{"question_id", q.id}, {"section", s.title}, {"question", q.text},
                         {"answer", answers[q.id]}, {"suggested_action", q.suggested_action},
                         {"source_ref", GapSourceRef(*round, q.id)}, {"plan_action_id", nullptr}});
        }
      }
    }
    return out;
  });
  if (!gaps.ok()) return gaps.error();
  plan::ActionPlan plan(db_);
  for (auto& g : *gaps) {
    auto accepted = plan.FindAuditGapAction(agency_id, g["source_ref"].get<std::string>());
    if (!accepted.ok()) return accepted.error();
    if (*accepted) g["plan_action_id"] = **accepted;
  }
  return gaps;
}

Result<Json> Standards::AcceptSuggestedAction(const Principal& who, int64_t round_id, int64_t agency_id,
                                              const std::string& question_id) {
  auto gaps = SuggestedActions(who, round_id, agency_id);
  if (!gaps.ok()) return gaps.error();
  for (const auto& g : *gaps) {
    if (g["question_id"] != question_id) continue;
    auto round = db_.Read<RoundInfo>([&](Connection& c) { return LoadRound(c, round_id); });
    if (!round.ok()) return round.error();
    return plan::ActionPlan(db_).CreateAuditGapAction(who, agency_id, round->year, g["suggested_action"].get<std::string>(),
                                                      g["source_ref"].get<std::string>());
  }
  return Error::Invalid("the answers to this question reveal no gap, so there is no action to accept", "question_id");
}

Result<Json> Standards::Measures(const Principal& who, int64_t round_id) {
  if (!who.SeesAllAgencies()) return Error::Forbidden("the measures cover every agency; they are for partnership roles and the board");
  bool suppress = who.role == access::Role::kBoardMember;
  return db_.Read<Json>([&](Connection& c) -> Result<Json> {
    auto round = LoadRound(c, round_id);
    if (!round.ok()) return round.error();
    auto t = LoadTemplate(c, round->template_id);
    if (!t.ok()) return t.error();
    auto rows = c.Query(
        "SELECT r.agency_id, r.status, r.answers, a.name AS agency_name, a.sector FROM audit_returns r "
        "JOIN agencies a ON a.id = r.agency_id WHERE r.round_id = ? ORDER BY lower(a.name)",
        {round_id});
    if (!rows.ok()) return rows.error();
    auto count = [&](int64_t n) { return suppress ? SuppressSmall(n) : Json(n); };

    struct Tally {
      int64_t yes = 0, of = 0;
      std::map<std::string, std::pair<int64_t, int64_t>> by_sector;
    };
    std::map<std::string, Tally> measures;
    std::map<std::string, std::pair<int64_t, int64_t>> level_sums;  // question -> (sum, n)
    Json per_agency_levels = Json::object();
    int64_t expected = 0, received = 0;
    Json not_submitted = Json::array();
    for (const auto& r : *rows) {
      ++expected;
      if (r.Text("status") != "submitted") {
        not_submitted.push_back(r.Text("agency_name"));
        continue;
      }
      ++received;
      Json answers = Json::parse(r.Text("answers"), nullptr, false);
      if (!answers.is_object()) continue;
      std::string sector = r.Text("sector");
      for (const auto& s : t->sections) {
        for (const auto& q : s.questions) {
          if (!q.measure.empty()) {
            auto& m = measures[q.measure];
            ++m.of;
            ++m.by_sector[sector].second;
            if (answers.value(q.id, Json()) == "yes") {
              ++m.yes;
              ++m.by_sector[sector].first;
            }
          }
          if (q.type == QuestionType::kLevel && answers.contains(q.id) && answers[q.id].is_number_integer()) {
            auto& [sum, n] = level_sums[q.id];
            sum += answers[q.id].get<int64_t>();
            ++n;
            if (!suppress) per_agency_levels[r.Text("agency_name")][q.id] = answers[q.id];
          }
        }
      }
    }
    Json out = {{"round", {{"id", round->id}, {"title", round->title}, {"year", round->year}, {"deadline", round->deadline}}},
                {"expected", count(expected)},
                {"received", count(received)},
                {"not_submitted", suppress ? Json(count(static_cast<int64_t>(not_submitted.size()))) : not_submitted},
                {"measures", Json::object()},
                {"levels", Json::object()}};
    for (const auto& name : MeasureNames()) {
      const Tally& m = measures[name];
      Json j = {{"yes", count(m.yes)}, {"of", count(m.of)},
                {"share", m.of ? Json(static_cast<double>(m.yes) / static_cast<double>(m.of)) : Json(nullptr)},
                {"by_sector", Json::object()}};
      for (const auto& [sector, yn] : m.by_sector) j["by_sector"][sector] = {{"yes", count(yn.first)}, {"of", count(yn.second)}};
      out["measures"][name] = std::move(j);
    }
    for (const auto& s : t->sections) {
      for (const auto& q : s.questions) {
        if (q.type != QuestionType::kLevel) continue;
        auto it = level_sums.find(q.id);
        double avg = it == level_sums.end() || it->second.second == 0
                         ? 0.0
                         : static_cast<double>(it->second.first) / static_cast<double>(it->second.second);
        out["levels"][q.id] = {{"question", q.text}, {"average", avg}};
        out["aspects"].push_back(q.id);  // "levels" is keyed by id; this keeps the template's order
      }
    }
    if (!suppress) out["agency_levels"] = per_agency_levels;
    return out;
  });
}

}  // namespace esafe::standards
