// Survey definitions: YAML the partnership owns, validated whole before use, so a
// mistake is refused with its file, line and reason and never half-loaded; and the
// checks every answer passes before it is stored.
//
// The YAML reading follows src/monitoring/yaml_reader (every problem collected as
// "FILE:LINE: reason"); that reader is internal to monitoring, and surveys must not
// depend on the monitoring capability, so the few checks needed are kept here.
#include <yaml-cpp/yaml.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "core/text.h"
#include "surveys/surveys.h"

namespace esafe::surveys {
namespace {

constexpr size_t kMaxFileBytes = 256 * 1024;
constexpr size_t kMaxQuestions = 60;
constexpr size_t kMaxOptions = 30;
constexpr size_t kMaxProblems = 50;

bool IsSlug(std::string_view s, bool hyphen) {
  if (s.empty() || s.size() > 60) return false;
  return std::all_of(s.begin(), s.end(), [hyphen](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || (hyphen && c == '-');
  });
}

int LineOf(const YAML::Node& node) {
  auto mark = node.Mark();
  return mark.is_null() ? 0 : mark.line + 1;
}

// Collects problems as "FILE:LINE: reason".
class Reader {
 public:
  explicit Reader(std::string_view file) : file_(file) {}

  void Fail(const YAML::Node& at, std::string reason) { FailAt(LineOf(at), std::move(reason)); }
  void FailAt(int line, std::string reason) {
    if (problems_.size() < kMaxProblems) problems_.push_back(fmt::format("{}:{}: {}", file_, line, reason));
  }

  void CheckKeys(const YAML::Node& map, std::initializer_list<std::string_view> allowed, std::string_view where) {
    for (const auto& kv : map) {
      const auto key = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      Fail(kv.first, fmt::format("{}: unknown key '{}' (expected one of: {})", where, key.substr(0, 40), list));
    }
  }

  std::optional<std::string> Text(const YAML::Node& map, std::string_view key, bool required, size_t max_length,
                                  bool multiline = false) {
    const auto v = map[std::string(key)];
    if (!v.IsDefined() || v.IsNull()) {
      if (required) Fail(map, fmt::format("'{}' is required", key));
      return std::nullopt;
    }
    if (!v.IsScalar()) {
      Fail(v, fmt::format("'{}' must be text, not a list or map", key));
      return std::nullopt;
    }
    const std::string& s = v.Scalar();
    if (!text::IsValidUtf8(s)) {
      Fail(v, fmt::format("'{}' is not valid UTF-8", key));
      return std::nullopt;
    }
    for (unsigned char c : s) {
      if ((c < 0x20 && !(multiline && c == '\n')) || c == 0x7f) {
        Fail(v, fmt::format("'{}' contains control characters", key));
        return std::nullopt;
      }
    }
    if (s.size() > max_length) {
      Fail(v, fmt::format("'{}' is longer than {} characters", key, max_length));
      return std::nullopt;
    }
    if (required && s.empty()) {
      Fail(v, fmt::format("'{}' must not be empty", key));
      return std::nullopt;
    }
    return s;
  }

  std::optional<int64_t> Integer(const YAML::Node& map, std::string_view key, bool required, int64_t min,
                                 int64_t max) {
    const auto v = map[std::string(key)];
    if (!v.IsDefined() || v.IsNull()) {
      if (required) Fail(map, fmt::format("'{}' is required", key));
      return std::nullopt;
    }
    int64_t n = 0;
    const std::string s = v.IsScalar() ? v.Scalar() : std::string();
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size()) {
      Fail(v, fmt::format("'{}' must be a whole number", key));
      return std::nullopt;
    }
    if (n < min || n > max) {
      Fail(v, fmt::format("'{}' must be from {} to {}", key, min, max));
      return std::nullopt;
    }
    return n;
  }

  std::optional<bool> Boolean(const YAML::Node& map, std::string_view key) {
    const auto v = map[std::string(key)];
    if (!v.IsDefined() || v.IsNull()) return std::nullopt;
    if (v.IsScalar() && (v.Scalar() == "true" || v.Scalar() == "false")) return v.Scalar() == "true";
    Fail(v, fmt::format("'{}' must be true or false", key));
    return std::nullopt;
  }

  std::optional<std::string> Date(const YAML::Node& map, std::string_view key) {
    auto s = Text(map, key, true, 10);
    if (s && !ValidDate(*s)) {
      Fail(map[std::string(key)], fmt::format("'{}' must be a date written YYYY-MM-DD", key));
      return std::nullopt;
    }
    return s;
  }

  bool ok() const { return problems_.empty(); }
  Error ToError() const {
    std::string message;
    for (const auto& p : problems_) message += (message.empty() ? "" : "\n") + p;
    return Error::Invalid(message);
  }

 private:
  std::string file_;
  std::vector<std::string> problems_;
};

std::optional<QuestionType> ParseType(std::string_view name) {
  for (auto t : {QuestionType::kSingleChoice, QuestionType::kMultipleChoice, QuestionType::kYesNo,
                 QuestionType::kScale, QuestionType::kFreeText}) {
    if (QuestionTypeName(t) == name) return t;
  }
  return std::nullopt;
}

bool IsChoice(QuestionType t) {
  return t == QuestionType::kSingleChoice || t == QuestionType::kMultipleChoice || t == QuestionType::kYesNo;
}

void ReadOptions(Reader& in, const YAML::Node& node, Question& q) {
  const auto options = node["options"];
  if (q.type == QuestionType::kYesNo) {
    if (options.IsDefined()) in.Fail(options, "a yes_no question has the options yes and no; leave 'options' out");
    q.options = {{"yes", "Yes", false}, {"no", "No", false}};
    return;
  }
  if (q.type != QuestionType::kSingleChoice && q.type != QuestionType::kMultipleChoice) {
    if (options.IsDefined()) in.Fail(options, fmt::format("a {} question has no 'options'", QuestionTypeName(q.type)));
    return;
  }
  if (!options.IsDefined() || !options.IsSequence() || options.size() < 2 || options.size() > kMaxOptions) {
    in.Fail(options.IsDefined() ? options : node,
            fmt::format("question '{}': 'options' must be a list of 2 to {} options", q.id, kMaxOptions));
    return;
  }
  std::set<std::string> seen;
  for (const auto& o : options) {
    if (!o.IsMap()) {
      in.Fail(o, "each option must be a map with 'value' and 'label'");
      continue;
    }
    in.CheckKeys(o, {"value", "label", "exclusive"}, "option");
    Option opt;
    auto value = in.Text(o, "value", true, 60);
    auto label = in.Text(o, "label", true, 200);
    if (auto ex = in.Boolean(o, "exclusive")) opt.exclusive = *ex;
    if (opt.exclusive && q.type != QuestionType::kMultipleChoice) {
      in.Fail(o, "'exclusive' only makes sense in a multiple_choice question");
    }
    if (!value || !label) continue;
    if (!IsSlug(*value, false)) {
      in.Fail(o["value"], fmt::format("option value '{}' must be lower-case letters, digits and _", value->substr(0, 40)));
      continue;
    }
    if (!seen.insert(*value).second) {
      in.Fail(o["value"], fmt::format("option value '{}' appears twice in question '{}'", *value, q.id));
      continue;
    }
    opt.value = *value;
    opt.label = *label;
    q.options.push_back(std::move(opt));
  }
}

void ReadQuestions(Reader& in, const YAML::Node& root, SurveyDefinition& s) {
  const auto questions = root["questions"];
  if (!questions.IsDefined() || !questions.IsSequence() || questions.size() == 0) {
    in.Fail(questions.IsDefined() ? questions : root, "'questions' must be a list with at least one question");
    return;
  }
  if (questions.size() > kMaxQuestions) {
    in.Fail(questions, fmt::format("a survey has at most {} questions", kMaxQuestions));
    return;
  }
  std::set<std::string> ids;
  for (const auto& node : questions) {
    if (!node.IsMap()) {
      in.Fail(node, "each question must be a map with 'id', 'type' and 'text'");
      continue;
    }
    in.CheckKeys(node, {"id", "type", "text", "help", "required", "options", "min", "max", "min_label", "max_label",
                        "max_length"},
                 "question");
    Question q;
    q.line = LineOf(node);
    auto id = in.Text(node, "id", true, 60);
    if (id && !IsSlug(*id, false)) {
      in.Fail(node["id"], fmt::format("question id '{}' must be lower-case letters, digits and _", id->substr(0, 40)));
    } else if (id && !ids.insert(*id).second) {
      in.Fail(node["id"], fmt::format("question id '{}' appears twice", *id));
    } else if (id) {
      q.id = *id;
    }
    auto type = in.Text(node, "type", true, 30);
    if (type) {
      if (auto t = ParseType(*type)) {
        q.type = *t;
      } else {
        in.Fail(node["type"], fmt::format("'type' '{}' is not one of single_choice, multiple_choice, yes_no, scale, "
                                          "free_text", type->substr(0, 30)));
        continue;
      }
    } else {
      continue;
    }
    if (auto text = in.Text(node, "text", true, 300)) q.text = *text;
    if (auto help = in.Text(node, "help", false, 300)) q.help = *help;
    if (auto required = in.Boolean(node, "required")) q.required = *required;
    ReadOptions(in, node, q);
    if (q.type == QuestionType::kScale) {
      auto min = in.Integer(node, "min", true, 0, 10);
      auto max = in.Integer(node, "max", true, 1, 10);
      if (min && max) {
        if (*max <= *min) in.Fail(node["max"], "'max' must be more than 'min'");
        q.min = *min;
        q.max = *max;
      }
      if (auto l = in.Text(node, "min_label", true, 60)) q.min_label = *l;
      if (auto l = in.Text(node, "max_label", true, 60)) q.max_label = *l;
    } else {
      for (const char* k : {"min", "max", "min_label", "max_label"}) {
        if (node[k].IsDefined()) in.Fail(node[k], fmt::format("'{}' belongs only to a scale question", k));
      }
    }
    if (q.type == QuestionType::kFreeText) {
      if (auto n = in.Integer(node, "max_length", false, 10, 2000)) q.max_length = static_cast<size_t>(*n);
    } else if (node["max_length"].IsDefined()) {
      in.Fail(node["max_length"], "'max_length' belongs only to a free_text question");
    }
    if (!q.id.empty()) s.questions.push_back(std::move(q));
  }
}

std::vector<std::string> ReadValueList(Reader& in, const YAML::Node& v, std::string_view key) {
  std::vector<std::string> out;
  if (!v.IsSequence() || v.size() == 0) {
    in.Fail(v, fmt::format("'{}' must be a list of option values, like [a, b]", key));
    return out;
  }
  for (const auto& item : v) {
    if (!item.IsScalar()) {
      in.Fail(item, fmt::format("'{}': each item must be an option value", key));
      continue;
    }
    out.push_back(item.Scalar());
  }
  return out;
}

void ReadIndicators(Reader& in, const YAML::Node& root, SurveyDefinition& s) {
  const auto indicators = root["indicators"];
  if (!indicators.IsDefined() || indicators.IsNull()) return;
  if (!indicators.IsSequence()) {
    in.Fail(indicators, "'indicators' must be a list");
    return;
  }
  std::set<std::string> ids;
  for (const auto& node : indicators) {
    if (!node.IsMap()) {
      in.Fail(node, "each indicator must be a map with 'id', 'title', 'question' and a condition");
      continue;
    }
    in.CheckKeys(node, {"id", "title", "question", "includes", "in", "at_least"}, "indicator");
    Indicator ind;
    ind.line = LineOf(node);
    auto id = in.Text(node, "id", true, 60);
    auto title = in.Text(node, "title", true, 200);
    auto question = in.Text(node, "question", true, 60);
    if (!id || !title || !question) continue;
    if (!IsSlug(*id, false)) {
      in.Fail(node["id"], fmt::format("indicator id '{}' must be lower-case letters, digits and _", id->substr(0, 40)));
      continue;
    }
    if (!ids.insert(*id).second) {
      in.Fail(node["id"], fmt::format("indicator id '{}' appears twice", *id));
      continue;
    }
    ind.id = *id;
    ind.title = *title;
    ind.question = *question;
    const Question* q = s.Find(*question);
    if (!q) {
      in.Fail(node["question"], fmt::format("indicator '{}': there is no question '{}'", *id, question->substr(0, 40)));
      continue;
    }
    const int conditions = node["includes"].IsDefined() + node["in"].IsDefined() + node["at_least"].IsDefined();
    if (conditions != 1) {
      in.Fail(node, fmt::format("indicator '{}' needs exactly one condition: 'includes' (multiple_choice), 'in' "
                                "(single_choice, yes_no) or 'at_least' (scale)", *id));
      continue;
    }
    const char* wanted = q->type == QuestionType::kMultipleChoice ? "includes"
                         : q->type == QuestionType::kScale       ? "at_least"
                         : q->type == QuestionType::kFreeText    ? nullptr
                                                                 : "in";
    if (!wanted) {
      in.Fail(node["question"], fmt::format("indicator '{}': a free_text question cannot be counted", *id));
      continue;
    }
    if (!node[wanted].IsDefined()) {
      in.Fail(node, fmt::format("indicator '{}': question '{}' is {}, so the condition must be '{}'", *id, q->id,
                                QuestionTypeName(q->type), wanted));
      continue;
    }
    if (q->type == QuestionType::kScale) {
      ind.at_least = in.Integer(node, "at_least", true, q->min, q->max);
    } else {
      ind.values = ReadValueList(in, node[wanted], wanted);
      for (const auto& v : ind.values) {
        bool known = std::any_of(q->options.begin(), q->options.end(), [&](const Option& o) { return o.value == v; });
        if (!known) {
          in.Fail(node[wanted], fmt::format("indicator '{}': '{}' is not an option of question '{}'", *id,
                                            v.substr(0, 40), q->id));
        }
      }
    }
    s.indicators.push_back(std::move(ind));
  }
}

bool IsBlank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; });
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

size_t Utf8Length(std::string_view s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace

std::string_view QuestionTypeName(QuestionType type) {
  switch (type) {
    case QuestionType::kSingleChoice: return "single_choice";
    case QuestionType::kMultipleChoice: return "multiple_choice";
    case QuestionType::kYesNo: return "yes_no";
    case QuestionType::kScale: return "scale";
    case QuestionType::kFreeText: return "free_text";
  }
  return "single_choice";
}

bool ValidDate(std::string_view d) {
  if (d.size() != 10 || d[4] != '-' || d[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (d[i] < '0' || d[i] > '9') return false;
  }
  const int y = std::stoi(std::string(d.substr(0, 4))), m = std::stoi(std::string(d.substr(5, 2))),
            day = std::stoi(std::string(d.substr(8, 2)));
  if (y < 2000 || m < 1 || m > 12 || day < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return day <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

const Question* SurveyDefinition::Find(std::string_view question_id) const {
  for (const auto& q : questions) {
    if (q.id == question_id) return &q;
  }
  return nullptr;
}

Result<SurveyDefinition> ParseSurvey(std::string_view yaml, std::string_view file_name) {
  Reader in(file_name);
  if (yaml.size() > kMaxFileBytes) {
    return Error::Invalid(fmt::format("{}:0: the file is larger than {} bytes", file_name, kMaxFileBytes));
  }
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    in.FailAt(e.mark.is_null() ? 0 : e.mark.line + 1, e.msg);
    return in.ToError();
  }
  if (!root.IsMap()) {
    in.Fail(root, "a survey must be a map of keys and values (key:, title:, questions: …)");
    return in.ToError();
  }
  in.CheckKeys(root, {"key", "version", "title", "age_band", "opens_on", "closes_on", "report_threshold", "intro",
                      "thanks", "questions", "indicators"},
               "survey");
  SurveyDefinition s;
  if (auto key = in.Text(root, "key", true, 60)) {
    if (IsSlug(*key, true)) s.key = *key;
    else in.Fail(root["key"], "'key' must be lower-case letters, digits, '-' and '_'");
  }
  if (auto v = in.Integer(root, "version", true, 1, 1000000)) s.version = *v;
  if (auto t = in.Text(root, "title", true, 120)) s.title = *t;
  if (auto band = in.Text(root, "age_band", true, 20)) {
    // "8-11": two ages from 4 to 25, the first the smaller.
    int lo = 0, hi = 0;
    auto dash = band->find('-');
    bool ok = dash != std::string::npos;
    if (ok) {
      auto [e1, c1] = std::from_chars(band->data(), band->data() + dash, lo);
      auto [e2, c2] = std::from_chars(band->data() + dash + 1, band->data() + band->size(), hi);
      ok = c1 == std::errc() && c2 == std::errc() && e1 == band->data() + dash && e2 == band->data() + band->size() &&
           lo >= 4 && hi <= 25 && lo < hi;
    }
    if (ok) s.age_band = *band;
    else in.Fail(root["age_band"], "'age_band' must be two ages from 4 to 25 like \"8-11\", the younger first");
  }
  auto opens = in.Date(root, "opens_on");
  auto closes = in.Date(root, "closes_on");
  if (opens && closes) {
    if (*closes < *opens) in.Fail(root["closes_on"], "'closes_on' must not be before 'opens_on'");
    s.opens_on = *opens;
    s.closes_on = *closes;
  }
  if (auto n = in.Integer(root, "report_threshold", false, 5, 1000)) s.report_threshold = *n;
  if (auto t = in.Text(root, "intro", false, 1000, true)) s.intro = *t;
  if (auto t = in.Text(root, "thanks", false, 1000, true)) s.thanks = *t;
  ReadQuestions(in, root, s);
  ReadIndicators(in, root, s);
  if (!in.ok()) return in.ToError();
  return s;
}

Json QuestionsJson(const SurveyDefinition& s) {
  Json out = Json::array();
  for (const auto& q : s.questions) {
    Json j = {{"id", q.id}, {"type", QuestionTypeName(q.type)}, {"text", q.text}, {"help", q.help},
              {"required", q.required}};
    if (IsChoice(q.type)) {
      Json options = Json::array();
      for (const auto& o : q.options) options.push_back({{"value", o.value}, {"label", o.label}, {"exclusive", o.exclusive}});
      j["options"] = options;
    }
    if (q.type == QuestionType::kScale) {
      j["min"] = q.min;
      j["max"] = q.max;
      j["min_label"] = q.min_label;
      j["max_label"] = q.max_label;
    }
    if (q.type == QuestionType::kFreeText) j["max_length"] = q.max_length;
    out.push_back(std::move(j));
  }
  return out;
}

Json IndicatorsJson(const SurveyDefinition& s) {
  Json out = Json::array();
  for (const auto& i : s.indicators) {
    Json j = {{"id", i.id}, {"title", i.title}, {"question", i.question}};
    if (i.at_least) j["at_least"] = *i.at_least;
    else j["values"] = i.values;
    out.push_back(std::move(j));
  }
  return out;
}

Result<Json> ValidateAnswers(const SurveyDefinition& s, const Json& answers) {
  if (!answers.is_object()) return Error::Invalid("'answers' must be an object of question id to answer", "answers");
  for (const auto& [id, value] : answers.items()) {
    if (!s.Find(id)) return Error::Invalid(fmt::format("there is no question '{}' in this survey", id.substr(0, 40)), id.substr(0, 60));
  }
  Json out = Json::object();
  size_t number = 0;
  for (const auto& q : s.questions) {
    ++number;
    const auto it = answers.find(q.id);
    const bool given = it != answers.end() && !it->is_null() &&
                       !(it->is_string() && IsBlank(it->get<std::string>())) && !(it->is_array() && it->empty());
    if (!given) {
      if (q.required) return Error::Invalid(fmt::format("Please answer question {}: {}", number, q.text), q.id);
      continue;
    }
    const Json& v = *it;
    auto out_of_range = [&](std::string what) {
      return Error::Invalid(fmt::format("Question {} ({}): {}", number, q.text, what), q.id);
    };
    auto option = [&](const std::string& value) -> const Option* {
      for (const auto& o : q.options) {
        if (o.value == value) return &o;
      }
      return nullptr;
    };
    switch (q.type) {
      case QuestionType::kSingleChoice:
      case QuestionType::kYesNo: {
        if (!v.is_string()) return out_of_range("choose one answer");
        if (!option(v.get<std::string>())) {
          return out_of_range(fmt::format("'{}' is not one of the answers", v.get<std::string>().substr(0, 40)));
        }
        out[q.id] = v;
        break;
      }
      case QuestionType::kMultipleChoice: {
        if (!v.is_array() || v.size() > q.options.size()) return out_of_range("choose from the answers given");
        std::set<std::string> chosen;
        bool exclusive = false;
        for (const auto& item : v) {
          if (!item.is_string()) return out_of_range("choose from the answers given");
          const Option* o = option(item.get<std::string>());
          if (!o) return out_of_range(fmt::format("'{}' is not one of the answers", item.get<std::string>().substr(0, 40)));
          if (!chosen.insert(o->value).second) return out_of_range(fmt::format("'{}' is chosen twice", o->label));
          exclusive = exclusive || o->exclusive;
        }
        if (exclusive && chosen.size() > 1) {
          return out_of_range("'" + std::find_if(q.options.begin(), q.options.end(), [&](const Option& o) {
                                      return o.exclusive && chosen.count(o.value);
                                    })->label +
                              "' cannot be chosen with other answers");
        }
        // Stored in the question's order, so the order of taps tells nothing.
        Json list = Json::array();
        for (const auto& o : q.options) {
          if (chosen.count(o.value)) list.push_back(o.value);
        }
        out[q.id] = list;
        break;
      }
      case QuestionType::kScale: {
        if (!v.is_number_integer()) return out_of_range(fmt::format("choose a number from {} to {}", q.min, q.max));
        const int64_t n = v.get<int64_t>();
        if (n < q.min || n > q.max) return out_of_range(fmt::format("choose a number from {} to {}", q.min, q.max));
        out[q.id] = n;
        break;
      }
      case QuestionType::kFreeText: {
        if (!v.is_string()) return out_of_range("write your answer as text");
        const std::string& text = v.get_ref<const std::string&>();
        if (!text::IsValidUtf8(text)) return out_of_range("the text could not be read");
        for (unsigned char c : text) {
          if ((c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7f) return out_of_range("the text has odd characters in it");
        }
        std::string trimmed = Trim(text);
        if (Utf8Length(trimmed) > q.max_length) {
          return out_of_range(fmt::format("please write no more than {} letters", q.max_length));
        }
        out[q.id] = trimmed;
        break;
      }
    }
  }
  return out;
}

std::optional<bool> IndicatorHolds(const SurveyDefinition& s, const Indicator& indicator, const Json& answers) {
  const Question* q = s.Find(indicator.question);
  if (!q || !answers.is_object()) return std::nullopt;
  const auto it = answers.find(indicator.question);
  if (it == answers.end() || it->is_null()) return std::nullopt;
  auto wanted = [&](const Json& v) {
    return v.is_string() &&
           std::find(indicator.values.begin(), indicator.values.end(), v.get<std::string>()) != indicator.values.end();
  };
  if (indicator.at_least) return it->is_number_integer() && it->get<int64_t>() >= *indicator.at_least;
  if (it->is_array()) return std::any_of(it->begin(), it->end(), wanted);
  return wanted(*it);
}

}  // namespace esafe::surveys
