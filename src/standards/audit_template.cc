// Audit templates as data: the YAML parser and validator, and answer checking.
#include <yaml-cpp/yaml.h>

#include <set>

#include <fmt/format.h>

#include "core/text.h"
#include "standards/standards.h"

namespace esafe::standards {
namespace {

struct ParseError {
  std::string message;
};

[[noreturn]] void Fail(std::string_view file, const YAML::Node& node, const std::string& reason) {
  int line = node.IsDefined() ? node.Mark().line + 1 : 0;
  throw ParseError{fmt::format("{}:{}: {}", file, line, reason)};
}

std::string RequiredText(std::string_view file, const YAML::Node& parent, const char* key, size_t max = 500) {
  YAML::Node v = parent[key];
  if (!v || !v.IsScalar() || v.Scalar().empty()) Fail(file, parent, fmt::format("'{}' is required", key));
  if (v.Scalar().size() > max || !text::IsValidUtf8(v.Scalar())) Fail(file, v, fmt::format("'{}' is too long", key));
  return v.Scalar();
}

std::string OptionalText(std::string_view file, const YAML::Node& parent, const char* key) {
  YAML::Node v = parent[key];
  if (!v) return {};
  if (!v.IsScalar()) Fail(file, v, fmt::format("'{}' must be text", key));
  if (v.Scalar().size() > 1000) Fail(file, v, fmt::format("'{}' is too long", key));
  return v.Scalar();
}

std::vector<std::string> TextList(std::string_view file, const YAML::Node& parent, const char* key) {
  std::vector<std::string> out;
  YAML::Node v = parent[key];
  if (!v) return out;
  if (!v.IsSequence()) Fail(file, v, fmt::format("'{}' must be a list", key));
  for (const auto& e : v) {
    if (!e.IsScalar() || e.Scalar().empty()) Fail(file, e, fmt::format("'{}' entries must be text", key));
    out.push_back(e.Scalar());
  }
  return out;
}

bool IsIdentifier(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  }
  return true;
}

QuestionType ParseType(std::string_view file, const YAML::Node& node) {
  static const std::pair<const char*, QuestionType> kTypes[] = {
      {"yes_no", QuestionType::kYesNo}, {"number", QuestionType::kNumber}, {"choice", QuestionType::kChoice},
      {"date", QuestionType::kDate},    {"text", QuestionType::kText},     {"level", QuestionType::kLevel}};
  std::string t = RequiredText(file, node, "type");
  for (const auto& [name, type] : kTypes) {
    if (t == name) return type;
  }
  Fail(file, node["type"], fmt::format("unknown question type '{}' (yes_no, number, choice, date, text, level)", t));
}

Template Parse(std::string_view yaml, std::string_view file) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::ParserException& e) {
    throw ParseError{fmt::format("{}:{}: {}", file, e.mark.line + 1, e.msg)};
  }
  if (!root.IsMap()) throw ParseError{fmt::format("{}:1: a template is a map with id, version, title and sections", file)};
  Template t;
  t.id = RequiredText(file, root, "id", 64);
  if (!IsIdentifier(t.id)) Fail(file, root["id"], "id must be lower-case letters, digits, '-' or '_'");
  YAML::Node version = root["version"];
  try {
    if (!version) Fail(file, root, "'version' is required");
    t.version = version.as<int64_t>();
  } catch (const YAML::Exception&) {
    Fail(file, version, "version must be a whole number");
  }
  if (t.version < 1) Fail(file, version, "version must be 1 or more");
  t.title = RequiredText(file, root, "title", 200);
  YAML::Node sections = root["sections"];
  if (!sections || !sections.IsSequence() || sections.size() == 0) Fail(file, root, "'sections' must be a non-empty list");
  std::set<std::string> question_ids, section_ids, measures;
  for (const auto& sn : sections) {
    if (!sn.IsMap()) Fail(file, sn, "a section is a map with id, title and questions");
    Section s;
    s.id = RequiredText(file, sn, "id", 64);
    if (!IsIdentifier(s.id)) Fail(file, sn["id"], "section id must be lower-case letters, digits, '-' or '_'");
    if (!section_ids.insert(s.id).second) Fail(file, sn["id"], fmt::format("section '{}' appears twice", s.id));
    s.title = RequiredText(file, sn, "title", 200);
    YAML::Node qs = sn["questions"];
    if (!qs || !qs.IsSequence() || qs.size() == 0) Fail(file, sn, "'questions' must be a non-empty list");
    for (const auto& qn : qs) {
      if (!qn.IsMap()) Fail(file, qn, "a question is a map with id, text and type");
      Question q;
      q.id = RequiredText(file, qn, "id", 64);
      if (!IsIdentifier(q.id)) Fail(file, qn["id"], "question id must be lower-case letters, digits, '-' or '_'");
      if (!question_ids.insert(q.id).second) Fail(file, qn["id"], fmt::format("question '{}' appears twice", q.id));
      q.text = RequiredText(file, qn, "text", 1000);
      q.type = ParseType(file, qn);
      q.choices = TextList(file, qn, "choices");
      q.levels = TextList(file, qn, "levels");
      q.improvement_actions = TextList(file, qn, "improvement_actions");
      q.measure = OptionalText(file, qn, "measure");
      q.gap_when = OptionalText(file, qn, "gap_when");
      q.suggested_action = OptionalText(file, qn, "suggested_action");
      for (const char* bound : {"min", "max"}) {
        if (!qn[bound]) continue;
        try {
          (bound[1] == 'i' ? q.min : q.max) = qn[bound].as<double>();
        } catch (const YAML::Exception&) {
          Fail(file, qn[bound], fmt::format("{} must be a number", bound));
        }
      }
      if (q.type == QuestionType::kChoice && q.choices.size() < 2) Fail(file, qn, "a choice question needs at least two choices");
      if (q.type == QuestionType::kLevel && q.levels.size() != 5) Fail(file, qn, "a level question needs exactly five level statements");
      if (q.type == QuestionType::kNumber && q.min > q.max) Fail(file, qn, "min is greater than max");
      if (!q.measure.empty()) {
        const auto& names = MeasureNames();
        if (std::find(names.begin(), names.end(), q.measure) == names.end()) {
          Fail(file, qn["measure"], fmt::format("unknown measure '{}' (one of: {})", q.measure, fmt::join(names, ", ")));
        }
        if (q.type != QuestionType::kYesNo) Fail(file, qn["measure"], "a measure must come from a yes_no question");
        if (!measures.insert(q.measure).second) Fail(file, qn["measure"], fmt::format("measure '{}' is fed twice", q.measure));
      }
      if (!q.gap_when.empty()) {
        bool fits = q.type == QuestionType::kYesNo ? (q.gap_when == "yes" || q.gap_when == "no")
                    : q.type == QuestionType::kChoice
                        ? std::find(q.choices.begin(), q.choices.end(), q.gap_when) != q.choices.end()
                        : false;
        if (!fits) Fail(file, qn["gap_when"], "gap_when must be one of the question's answers");
        if (q.suggested_action.empty()) Fail(file, qn, "a question with gap_when needs a suggested_action");
      }
      s.questions.push_back(std::move(q));
    }
    t.sections.push_back(std::move(s));
  }
  return t;
}

const char* TypeName(QuestionType t) {
  switch (t) {
    case QuestionType::kYesNo: return "yes_no";
    case QuestionType::kNumber: return "number";
    case QuestionType::kChoice: return "choice";
    case QuestionType::kDate: return "date";
    case QuestionType::kText: return "text";
    case QuestionType::kLevel: return "level";
  }
  return "text";
}

}  // namespace

const std::vector<std::string>& MeasureNames() {
  static const std::vector<std::string> names = {"aup", "esafety_lead", "accredited_isp", "filtering_monitoring_plan",
                                                 "training_plan"};
  return names;
}

const Question* Template::Find(std::string_view question_id) const {
  for (const auto& s : sections) {
    for (const auto& q : s.questions) {
      if (q.id == question_id) return &q;
    }
  }
  return nullptr;
}

Json Template::ToJson() const {
  Json out = {{"id", id}, {"version", version}, {"title", title}, {"sections", Json::array()}};
  for (const auto& s : sections) {
    Json js = {{"id", s.id}, {"title", s.title}, {"questions", Json::array()}};
    for (const auto& q : s.questions) {
      Json jq = {{"id", q.id}, {"text", q.text}, {"type", TypeName(q.type)}};
      if (q.type == QuestionType::kNumber) jq["min"] = q.min, jq["max"] = q.max;
      if (!q.choices.empty()) jq["choices"] = q.choices;
      if (!q.levels.empty()) jq["levels"] = q.levels;
      if (!q.measure.empty()) jq["measure"] = q.measure;
      js["questions"].push_back(std::move(jq));
    }
    out["sections"].push_back(std::move(js));
  }
  return out;
}

Result<Template> ParseTemplate(std::string_view yaml, std::string_view file_name) {
  if (yaml.size() > 1024 * 1024) return Error::TooLarge(fmt::format("{}: a template is at most 1 MiB", file_name));
  try {
    return Parse(yaml, file_name);
  } catch (const ParseError& e) {
    return Error::Invalid(e.message);
  } catch (const YAML::Exception& e) {
    return Error::Invalid(fmt::format("{}:{}: {}", file_name, e.mark.line + 1, e.msg));
  }
}

Result<Json> CheckAnswers(const Template& t, const Json& answers) {
  if (!answers.is_object()) return Error::Invalid("answers must be an object of question id to answer", "answers");
  Json out = Json::object();
  for (const auto& [id, value] : answers.items()) {
    const Question* q = t.Find(id);
    if (q == nullptr) return Error::Invalid(fmt::format("no question '{}' in this audit", id.substr(0, 64)), id.substr(0, 64));
    if (value.is_null()) { out[id] = nullptr; continue; }
    const std::string question_id = id;  // clang 14 cannot capture a structured binding
    auto bad = [&](const std::string& why) {
      return Error::Invalid(fmt::format("{}: {}", q->text, why), question_id);
    };
    switch (q->type) {
      case QuestionType::kYesNo:
        if (!value.is_string() || (value != "yes" && value != "no")) return bad("answer yes or no");
        break;
      case QuestionType::kNumber:
        if (!value.is_number() || value.get<double>() < q->min || value.get<double>() > q->max) {
          return bad(fmt::format("give a number from {} to {}", q->min, q->max));
        }
        break;
      case QuestionType::kChoice:
        if (!value.is_string() || std::find(q->choices.begin(), q->choices.end(), value.get<std::string>()) == q->choices.end()) {
          return bad(fmt::format("choose one of: {}", fmt::join(q->choices, ", ")));
        }
        break;
      case QuestionType::kDate:
        if (!value.is_string() || !text::IsIsoDate(value.get<std::string>())) return bad("give a date as YYYY-MM-DD");
        break;
      case QuestionType::kText:
        if (!value.is_string() || value.get<std::string>().size() > 4000 || !text::IsValidUtf8(value.get<std::string>())) {
          return bad("give text of at most 4000 characters");
        }
        break;
      case QuestionType::kLevel:
        if (!value.is_number_integer() || value.get<int64_t>() < 1 || value.get<int64_t>() > 5) {
          return bad("give a level from 1 to 5");
        }
        break;
    }
    out[id] = value;
  }
  return out;
}

Json SuppressSmall(int64_t count) {
  if (count >= 1 && count <= 4) return "fewer than 5";
  return count;
}

}  // namespace esafe::standards
