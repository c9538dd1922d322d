// Validate(): the rules a flowchart must meet before anyone is walked through
// it. A member of staff following it must always arrive at an outcome that
// tells them what to do, so: every answer leads to a node that exists, every
// node can be reached, no path loops, and every outcome uses the risk levels
// and escalation targets the partnership knows.
#include <fmt/format.h>

#include <functional>
#include <set>

#include "incidents/flowchart/flowchart.h"
#include "incidents/vocabulary.h"

namespace esafe::incidents::flowchart {
namespace {

bool IsKey(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
  }
  return true;
}

}  // namespace

std::vector<Problem> Validate(const Flowchart& chart, std::string_view file_view) {
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
  return problems;
}

}  // namespace esafe::incidents::flowchart
