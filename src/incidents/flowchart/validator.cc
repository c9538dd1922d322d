// Validate(): the rules a flowchart must meet before anyone is walked through
// it. A member of staff following it must always arrive at an outcome that
// tells them what to do, so: every answer leads to a node that exists, every
// node can be reached, no path loops, and every outcome uses the risk levels
// and escalation targets the partnership knows.
#include <fmt/format.h>

#include <cctype>
#include <functional>
#include <set>

#include "incidents/flowchart/flowchart.h"
#include "incidents/vocabulary.h"

namespace esafe::incidents::flowchart {
namespace {

// Lower-case words of `text`, letters and digits only ("look at" is two words).
std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> out;
  std::string word;
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '\'') {
      word += static_cast<char>(std::tolower(c));
    } else if (!word.empty()) {
      out.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) out.push_back(std::move(word));
  return out;
}

// For each node of an acyclic chart: may some outcome below carry
// illegal_material, and do all of them? Memoised, so a 300-node file costs
// one pass. Depth is bounded by the node cap.
struct IllegalBelow {
  bool some = false;
  bool all = true;
};
IllegalBelow Classify(const std::map<std::string, const Node*>& by_id, const std::string& id,
                      std::map<std::string, IllegalBelow>& memo) {
  if (auto it = memo.find(id); it != memo.end()) return it->second;
  IllegalBelow out;
  auto node = by_id.find(id);
  if (node == by_id.end()) {
    out.all = false;
  } else if (node->second->is_outcome()) {
    out.some = out.all = node->second->outcome->illegal_material;
  } else {
    for (const auto& a : node->second->answers) {
      IllegalBelow below = Classify(by_id, a.next, memo);
      out.some |= below.some;
      out.all &= below.all;
    }
  }
  memo[id] = out;
  return out;
}

bool IsKey(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
  }
  return true;
}

}  // namespace

bool ForbidsHandlingMaterial(std::string_view must_not) {
  static const std::set<std::string> verbs = {"open", "view", "copy", "print", "forward", "download", "save"};
  static const std::set<std::string> objects = {
      "material", "image",  "images",      "picture",     "pictures",  "photo",  "photos", "photograph",
      "photographs", "video", "videos", "attachment", "attachments", "recording", "recordings", "file", "files"};
  auto words = Words(must_not);
  bool verb = false, object = false;
  for (size_t i = 0; i < words.size(); ++i) {
    verb |= verbs.count(words[i]) > 0 || (words[i] == "look" && i + 1 < words.size() && words[i + 1] == "at");
    object |= objects.count(words[i]) > 0;
  }
  return verb && object;
}

bool IsProhibition(std::string_view action) {
  auto words = Words(action);
  for (size_t i = 0; i < words.size(); ++i) {
    if (words[i] == "never" || words[i] == "don't" || words[i] == "mustn't") return true;
    if ((words[i] == "do" || words[i] == "must") && i + 1 < words.size() && words[i + 1] == "not") return true;
  }
  return false;
}

std::vector<Problem> Validate(const Flowchart& chart, std::string_view file_view, Rules rules) {
  const bool publish = rules == Rules::kPublish;
  std::string file(file_view);
  std::vector<Problem> problems;
  auto fail = [&](int line, std::string reason) { problems.push_back({file, line, std::move(reason)}); };

  if (!IsKey(chart.id)) fail(1, "flowchart: 'id' must be lower-case letters, digits, '-' or '_' (up to 64)");
  if (!chart.category.empty() && !Contains(Categories(), chart.category)) {
    fail(1, fmt::format("flowchart: unknown category '{}' (expected one of: {})", chart.category.substr(0, 60),
                        fmt::join(Keys(Categories()), ", ")));
  }
  if (chart.nodes.empty()) {
    fail(1, "flowchart: 'nodes' must list at least one question and one outcome");
    return problems;
  }

  std::map<std::string, const Node*> by_id;
  for (const auto& n : chart.nodes) {
    if (!IsKey(n.id)) {
      fail(n.line, fmt::format("node '{}': an id is lower-case letters, digits, '-' or '_'", n.id.substr(0, 60)));
      continue;
    }
    if (!by_id.emplace(n.id, &n).second) fail(n.line, fmt::format("node '{}': the id is used twice", n.id));
  }
  const Node* start = chart.Find(chart.start);
  if (!start) {
    fail(1, fmt::format("flowchart: the start node '{}' does not exist", chart.start.substr(0, 60)));
    return problems;
  }

  bool has_outcome = false;
  for (const auto& n : chart.nodes) {
    std::string where = fmt::format("node '{}'", n.id.substr(0, 60));
    if (n.is_outcome()) {
      has_outcome = true;
      const Outcome& o = *n.outcome;
      if (!Contains(RiskLevels(), o.risk)) {
        fail(n.line, fmt::format("{}: unknown risk level '{}' (expected one of: {})", where, o.risk.substr(0, 60),
                                 fmt::join(Keys(RiskLevels()), ", ")));
      }
      for (const auto& a : o.actions) {
        if (publish && IsProhibition(a.text)) {
          fail(a.line, fmt::format("{}: the action '{}' is a prohibition; list it under 'must_not', where the page "
                                   "shows it in the 'Do not' box", where, a.text.substr(0, 60)));
        }
        if (!ParseDueWithin(a.within)) {
          fail(a.line, fmt::format("{}: action due time '{}' must be 'immediately' or a number with m, h or d "
                                   "(e.g. 12h)", where, a.within.substr(0, 30)));
        }
      }
      std::set<std::string> told;
      bool escalated = false;
      for (const auto& t : o.tell) {
        if (!Contains(EscalationTargets(), t.who)) {
          fail(t.line, fmt::format("{}: unknown escalation target '{}' (expected one of: {})", where,
                                   t.who.substr(0, 60), fmt::join(Keys(EscalationTargets()), ", ")));
        }
        if (!told.insert(t.who).second) fail(t.line, fmt::format("{}: '{}' is told twice", where, t.who));
        if (!ParseDueWithin(t.within)) {
          fail(t.line, fmt::format("{}: due time '{}' for telling {} must be 'immediately' or a number with m, h "
                                   "or d", where, t.within.substr(0, 30), t.who.substr(0, 60)));
        }
        if (Contains(ReferralTargets(), t.who)) escalated = true;
      }
      for (const auto& m : o.must_not) {
        if (publish && ForbidsHandlingMaterial(m) && !o.illegal_material) {
          fail(n.line, fmt::format("{}: '{}' forbids handling the material, so the outcome may involve illegal "
                                   "material: add 'illegal_material: true' (Annex B Chart 3)", where, m.substr(0, 60)));
        }
      }
      std::set<std::string> concerns;
      for (const auto& concern : o.concerns) {
        if (!Contains(OutcomeConcerns(), concern)) {
          fail(n.line, fmt::format("{}: unknown concern '{}' (expected one of: {})", where, concern.substr(0, 60),
                                   fmt::join(Keys(OutcomeConcerns()), ", ")));
        } else if (!concerns.insert(concern).second) {
          fail(n.line, fmt::format("{}: the concern '{}' is listed twice", where, concern));
        }
      }
      for (const char* about : {"grooming", "sexual_images_of_child", "abuse_disclosure"}) {
        if (publish && concerns.count(about) && !told.count("childrens_social_care")) {
          fail(n.line, fmt::format("{}: an outcome about {} must tell childrens_social_care (Annex E: the designated "
                                   "person refers immediately to children's social care)", where,
                                   Label(OutcomeConcerns(), about)));
        }
      }
      if (publish && concerns.count("sexual_images_of_child") && !o.illegal_material) {
        fail(n.line, fmt::format("{}: an outcome about sexual images of a child must carry 'illegal_material: true'",
                                 where));
      }
      if (publish && concerns.count("adult_working_with_children") && !told.count("lado")) {
        fail(n.line, fmt::format("{}: an outcome about an adult who works with children must tell the lado within "
                                 "one working day (Section 3 'Responding to allegations made online')", where));
      }
      if (o.actions.empty() && o.tell.empty()) {
        fail(n.line, fmt::format("{}: an outcome must say what to do ('actions') or who to tell ('tell')", where));
      }
      if (o.risk == "significant_risk" && !escalated) {
        std::vector<std::string> outside;
        for (const auto& t : ReferralTargets()) {
          if (Contains(EscalationTargets(), t.key)) outside.push_back(t.key);
        }
        fail(n.line, fmt::format("{}: a significant risk must be escalated: 'tell' must name at least one of {}",
                                 where, fmt::join(outside, ", ")));
      }
      continue;
    }
    std::set<std::string> values;
    for (const auto& a : n.answers) {
      if (!values.insert(a.value).second) {
        fail(a.line, fmt::format("{}: the answer value '{}' is used twice", where, a.value.substr(0, 60)));
      }
      if (!by_id.count(a.next)) {
        fail(a.line, fmt::format("{}: answer '{}' leads to '{}', which is not a node (dangling)", where,
                                 a.value.substr(0, 60), a.next.substr(0, 60)));
      } else if (a.next == n.id) {
        fail(a.line, fmt::format("{}: answer '{}' leads back to the same question (a cycle)", where,
                                 a.value.substr(0, 60)));
      }
    }
  }
  if (!has_outcome) fail(1, "flowchart: there is no outcome node, so no path can end");

  // Reachability and cycles in one depth-first walk (iterative: a hostile file
  // must not exhaust the stack). colour: 0 unseen, 1 on the current path, 2 done.
  std::map<std::string, int> colour;
  std::set<std::string> cycle_reported;
  struct Frame {
    const Node* node;
    size_t next_answer;
  };
  std::vector<Frame> stack{{start, 0}};
  colour[start->id] = 1;
  while (!stack.empty()) {
    Frame& top = stack.back();
    if (top.node->is_outcome() || top.next_answer >= top.node->answers.size()) {
      colour[top.node->id] = 2;
      stack.pop_back();
      continue;
    }
    const Answer& a = top.node->answers[top.next_answer++];
    auto it = by_id.find(a.next);
    if (it == by_id.end() || a.next == top.node->id) continue;  // reported above
    int& c = colour[a.next];
    if (c == 1) {
      if (cycle_reported.insert(top.node->id + ">" + a.next).second) {
        fail(a.line, fmt::format("node '{}': answer '{}' leads back to '{}', which comes earlier on the same path "
                                 "(a cycle)", top.node->id, a.value.substr(0, 60), a.next));
      }
      continue;
    }
    if (c == 2) continue;
    c = 1;
    stack.push_back({it->second, 0});
  }
  for (const auto& n : chart.nodes) {
    if (!n.id.empty() && colour[n.id] == 0) {
      fail(n.line, fmt::format("node '{}': no answer leads here from the start node '{}' (unreachable)",
                               n.id.substr(0, 60), chart.start));
    }
  }
  if (!problems.empty() || !publish) return problems;  // the rule below needs an acyclic, complete graph

  // A question whose answers part outcomes that may involve illegal material
  // from outcomes that cannot must offer "not_sure", leading only where the
  // material is treated as illegal: a person who cannot tell must never be
  // sent down a branch that lets them open or upload it.
  std::map<std::string, IllegalBelow> memo;
  for (const auto& n : chart.nodes) {
    if (n.is_outcome()) continue;
    bool some_illegal_only = false, some_clean_only = false, not_sure_illegal_only = false;
    for (const auto& a : n.answers) {
      IllegalBelow below = Classify(by_id, a.next, memo);
      if (below.all) some_illegal_only = true;
      if (!below.some) some_clean_only = true;
      if (a.value == "not_sure" && below.all) not_sure_illegal_only = true;
    }
    if (some_illegal_only && some_clean_only && !not_sure_illegal_only) {
      fail(n.line, fmt::format("node '{}': some answers lead only to outcomes with illegal material and others only "
                               "to outcomes without it; add an answer 'not_sure' that leads where the material is "
                               "treated as illegal", n.id));
    }
  }
  return problems;
}

}  // namespace esafe::incidents::flowchart
