// Load(): YAML text -> Flowchart. Every structural problem (wrong type, missing
// or unknown key, over-long text) is collected with the line yaml-cpp reports,
// so that one run of `esafe flowchart check` lists everything to fix.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <set>

#include "core/text.h"
#include "incidents/flowchart/flowchart.h"

namespace esafe::incidents::flowchart {

std::string Problem::ToString() const { return fmt::format("{}:{}: {}", file, line, reason); }

std::optional<int64_t> ParseDueWithin(std::string_view s) {
  if (s == "immediately") return 0;
  if (s.size() < 2) return std::nullopt;
  char unit = s.back();
  int64_t scale = unit == 'm' ? 60 : unit == 'h' ? 3600 : unit == 'd' ? 86400 : 0;
  if (scale == 0) return std::nullopt;
  std::string_view digits = s.substr(0, s.size() - 1);
  if (digits.empty() || digits.size() > 4) return std::nullopt;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  auto n = text::ParseInt(digits);
  if (!n || *n <= 0) return std::nullopt;
  return *n * scale;
}

const Node* Flowchart::Find(std::string_view node_id) const {
  for (const auto& n : nodes) {
    if (n.id == node_id) return &n;
  }
  return nullptr;
}

namespace {

class Reader {
 public:
  explicit Reader(std::string_view file) : file_(file) {}

  void Fail(const YAML::Mark& mark, std::string reason) {
    problems_.push_back({file_, mark.is_null() ? 0 : mark.line + 1, std::move(reason)});
  }
  void Fail(int line, std::string reason) { problems_.push_back({file_, line, std::move(reason)}); }

  // Reports keys of `map` not in `allowed` (a typo must not silently drop a rule).
  void CheckKeys(const YAML::Node& map, std::initializer_list<std::string_view> allowed, std::string_view where) {
    for (const auto& kv : map) {
      if (!kv.first.IsScalar()) {
        Fail(kv.first.Mark(), fmt::format("{}: keys must be plain words", where));
        continue;
      }
      const std::string& key = kv.first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        Fail(kv.first.Mark(), fmt::format("{}: unknown key '{}' (expected one of: {})", where, Short(key),
                                          fmt::join(allowed, ", ")));
      }
    }
  }

  // A text value: a scalar, valid UTF-8, no control characters, within the length cap.
  std::string Text(const YAML::Node& map, std::string_view key, std::string_view where, bool required,
                   bool multiline = false) {
    YAML::Node v = map[std::string(key)];
    if (!v || v.IsNull()) {
      if (required) Fail(map.Mark(), fmt::format("{}: '{}' is required", where, key));
      return {};
    }
    if (!v.IsScalar()) {
      Fail(v.Mark(), fmt::format("{}: '{}' must be text, not a list or map", where, key));
      return {};
    }
    std::string s(text::Trim(v.Scalar()));
    if (!text::IsValidUtf8(s)) {
      Fail(v.Mark(), fmt::format("{}: '{}' is not valid UTF-8", where, key));
      return {};
    }
    if (!multiline) {
      // Folded YAML text may carry a line break; one-line fields take it as a space.
      for (char& c : s) {
        if (c == '\n' || c == '\r') c = ' ';
      }
    }
    if (text::HasControlCharacters(s)) {
      Fail(v.Mark(), fmt::format("{}: '{}' contains control characters", where, key));
      return {};
    }
    if (text::CodePointCount(s) > kMaxTextLength) {
      Fail(v.Mark(), fmt::format("{}: '{}' is longer than {} characters", where, key, kMaxTextLength));
      return {};
    }
    if (required && s.empty()) Fail(v.Mark(), fmt::format("{}: '{}' must not be empty", where, key));
    return s;
  }

  // A sequence value (absent: empty). Returns nullopt-like empty node when wrong.
  YAML::Node List(const YAML::Node& map, std::string_view key, std::string_view where, bool required,
                  size_t max_items) {
    YAML::Node v = map[std::string(key)];
    if (!v || v.IsNull()) {
      if (required) Fail(map.Mark(), fmt::format("{}: '{}' is required", where, key));
      return YAML::Node(YAML::NodeType::Sequence);
    }
    if (!v.IsSequence()) {
      Fail(v.Mark(), fmt::format("{}: '{}' must be a list (lines starting with '- ')", where, key));
      return YAML::Node(YAML::NodeType::Sequence);
    }
    if (v.size() > max_items) {
      Fail(v.Mark(), fmt::format("{}: '{}' has more than {} items", where, key, max_items));
      return YAML::Node(YAML::NodeType::Sequence);
    }
    return v;
  }

  Flowchart Read(const YAML::Node& root) {
    Flowchart chart;
    if (!root.IsMap()) {
      Fail(root.Mark(), "a flowchart file must be a map with id, title, version and nodes");
      return chart;
    }
    CheckKeys(root, {"id", "title", "description", "version", "category", "start", "nodes"}, "flowchart");
    chart.id = Text(root, "id", "flowchart", true);
    chart.title = Text(root, "title", "flowchart", true);
    chart.description = Text(root, "description", "flowchart", false, true);
    chart.category = Text(root, "category", "flowchart", false);
    chart.start = Text(root, "start", "flowchart", false);
    YAML::Node version = root["version"];
    if (!version || version.IsNull()) {
      Fail(root.Mark(), "flowchart: 'version' is required");
    } else {
      auto n = version.IsScalar() ? text::ParseInt(text::Trim(version.Scalar())) : std::nullopt;
      if (!n || *n < 1 || *n > 1000000) {
        Fail(version.Mark(), "flowchart: 'version' must be a whole number from 1");
      } else {
        chart.version = *n;
      }
    }
    YAML::Node nodes = List(root, "nodes", "flowchart", true, kMaxNodes);
    for (const auto& n : nodes) chart.nodes.push_back(ReadNode(n));
    if (chart.start.empty() && !chart.nodes.empty()) chart.start = chart.nodes.front().id;
    return chart;
  }

  std::vector<Problem> TakeProblems() { return std::move(problems_); }

 private:
  static std::string Short(std::string_view s) { return std::string(s.substr(0, 60)); }

  Node ReadNode(const YAML::Node& n) {
    Node node;
    node.line = n.Mark().line + 1;
    if (!n.IsMap()) {
      Fail(n.Mark(), "node: each node must be a map with an id and a question or an outcome");
      return node;
    }
    node.id = Text(n, "id", "node", true);
    std::string where = fmt::format("node '{}'", Short(node.id));
    CheckKeys(n, {"id", "question", "help", "answers", "outcome"}, where);
    bool has_question = n["question"] && !n["question"].IsNull();
    bool has_outcome = n["outcome"] && !n["outcome"].IsNull();
    if (has_question == has_outcome) {
      Fail(n.Mark(), fmt::format("{}: a node has either a question (with answers) or an outcome, not {}", where,
                                 has_question ? "both" : "neither"));
      return node;
    }
    if (has_question) {
      node.question = Text(n, "question", where, true, true);
      node.help = Text(n, "help", where, false, true);
      YAML::Node answers = List(n, "answers", where, true, kMaxAnswers);
      for (const auto& a : answers) {
        if (!a.IsMap()) {
          Fail(a.Mark(), fmt::format("{}: each answer must be a map with value, text and next", where));
          continue;
        }
        CheckKeys(a, {"value", "text", "next"}, where + " answer");
        Answer answer;
        answer.line = a.Mark().line + 1;
        answer.value = Text(a, "value", where + " answer", true);
        answer.text = Text(a, "text", where + " answer", true);
        answer.next = Text(a, "next", where + " answer", true);
        node.answers.push_back(std::move(answer));
      }
      if (n["answers"] && n["answers"].IsSequence() && n["answers"].size() == 0) {
        Fail(n["answers"].Mark(), fmt::format("{}: a question needs at least one answer", where));
      }
      return node;
    }
    if (n["answers"]) Fail(n["answers"].Mark(), fmt::format("{}: an outcome has no answers", where));
    YAML::Node o = n["outcome"];
    if (!o.IsMap()) {
      Fail(o.Mark(), fmt::format("{}: 'outcome' must be a map with risk, actions, tell and must_not", where));
      return node;
    }
    CheckKeys(o, {"risk", "summary", "illegal_material", "concerns", "actions", "tell", "must_not"},
              where + " outcome");
    Outcome outcome;
    outcome.risk = Text(o, "risk", where + " outcome", true);
    outcome.summary = Text(o, "summary", where + " outcome", false, true);
    if (YAML::Node flag = o["illegal_material"]; flag && !flag.IsNull()) {
      if (!flag.IsScalar() || (flag.Scalar() != "true" && flag.Scalar() != "false")) {
        Fail(flag.Mark(), fmt::format("{}: 'illegal_material' must be true or false", where));
      } else {
        outcome.illegal_material = flag.Scalar() == "true";
      }
    }
    for (const auto& c : List(o, "concerns", where + " outcome", false, kMaxListItems)) {
      if (!c.IsScalar()) {
        Fail(c.Mark(), fmt::format("{}: each entry of 'concerns' must be a key", where));
        continue;
      }
      outcome.concerns.push_back(c.Scalar());
    }
    for (const auto& a : List(o, "actions", where + " outcome", false, kMaxListItems)) {
      if (!a.IsMap()) {
        Fail(a.Mark(), fmt::format("{}: each action must be a map with 'do' and 'within'", where));
        continue;
      }
      CheckKeys(a, {"do", "within"}, where + " action");
      RequiredAction action;
      action.line = a.Mark().line + 1;
      action.text = Text(a, "do", where + " action", true, true);
      action.within = Text(a, "within", where + " action", true);
      action.within_seconds = ParseDueWithin(action.within).value_or(0);
      outcome.actions.push_back(std::move(action));
    }
    for (const auto& t : List(o, "tell", where + " outcome", false, kMaxListItems)) {
      if (!t.IsMap()) {
        Fail(t.Mark(), fmt::format("{}: each entry of 'tell' must be a map with 'who' and 'within'", where));
        continue;
      }
      CheckKeys(t, {"who", "within", "why"}, where + " tell");
      Notification note;
      note.line = t.Mark().line + 1;
      note.who = Text(t, "who", where + " tell", true);
      note.within = Text(t, "within", where + " tell", true);
      note.within_seconds = ParseDueWithin(note.within).value_or(0);
      note.why = Text(t, "why", where + " tell", false, true);
      outcome.tell.push_back(std::move(note));
    }
    for (const auto& m : List(o, "must_not", where + " outcome", false, kMaxListItems)) {
      if (!m.IsScalar()) {
        Fail(m.Mark(), fmt::format("{}: each entry of 'must_not' must be text", where));
        continue;
      }
      std::string s(text::Trim(m.Scalar()));
      if (s.empty() || !text::IsValidUtf8(s) || text::CodePointCount(s) > kMaxTextLength) {
        Fail(m.Mark(), fmt::format("{}: a 'must_not' entry must be non-empty text under {} characters", where,
                                   kMaxTextLength));
        continue;
      }
      outcome.must_not.push_back(std::move(s));
    }
    node.outcome = std::move(outcome);
    return node;
  }

  std::string file_;
  std::vector<Problem> problems_;
};

}  // namespace

Loaded Load(std::string_view yaml, std::string_view file, Rules rules) {
  Loaded out;
  if (yaml.size() > kMaxSourceBytes) {
    out.problems.push_back({std::string(file), 0, fmt::format("the file is larger than {} KiB", kMaxSourceBytes / 1024)});
    return out;
  }
  if (!text::IsValidUtf8(yaml)) {
    out.problems.push_back({std::string(file), 0, "the file is not valid UTF-8 text"});
    return out;
  }
  Reader reader(file);
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    out.flowchart = reader.Read(root);
  } catch (const YAML::Exception& e) {
    reader.Fail(e.mark, e.msg.empty() ? "the file is not valid YAML" : "not valid YAML: " + e.msg);
  } catch (const std::exception& e) {
    reader.Fail(0, std::string("the file could not be read: ") + e.what());
  }
  out.problems = reader.TakeProblems();
  if (out.problems.empty()) out.problems = Validate(out.flowchart, file, rules);
  if (rules == Rules::kStored) {
    // A version published before outcomes carried the flag: an outcome that forbids
    // handling the material is taken to involve illegal material, as the publishing
    // rules now require it to say.
    for (auto& n : out.flowchart.nodes) {
      if (!n.outcome) continue;
      for (const auto& m : n.outcome->must_not) n.outcome->illegal_material |= ForbidsHandlingMaterial(m);
    }
  }
  return out;
}

}  // namespace esafe::incidents::flowchart
