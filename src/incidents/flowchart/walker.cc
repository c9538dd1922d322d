// WalkAnswers() and EnumeratePaths(): following a validated flowchart.
#include <fmt/format.h>

#include <set>

#include "incidents/contacts.h"
#include "incidents/flowchart/flowchart.h"
#include "incidents/vocabulary.h"

namespace esafe::incidents::flowchart {

Result<Walk> WalkAnswers(const Flowchart& chart, const std::map<std::string, std::string>& answers) {
  Walk walk;
  const Node* node = chart.Find(chart.start);
  // A validated chart has no cycles, so a path visits each node at most once.
  for (size_t guard = 0; node && guard <= chart.nodes.size(); ++guard) {
    if (node->is_outcome()) {
      walk.outcome_node = node->id;
      walk.outcome = &*node->outcome;
      return walk;
    }
    auto given = answers.find(node->id);
    if (given == answers.end()) {
      walk.next_question = node->id;
      return walk;
    }
    const Answer* chosen = nullptr;
    for (const auto& a : node->answers) {
      if (a.value == given->second) chosen = &a;
    }
    if (!chosen) {
      std::vector<std::string> values;
      for (const auto& a : node->answers) values.push_back(a.value);
      return Error::Invalid(fmt::format("the answer to '{}' must be one of: {}", node->id, fmt::join(values, ", ")),
                            "answers");
    }
    walk.path.push_back({node->id, node->question, chosen->value, chosen->text});
    node = chart.Find(chosen->next);
  }
  return Error::Invalid("the flowchart does not lead to an outcome; check it with esafe flowchart check");
}

bool MayReachIllegalMaterial(const Flowchart& chart, std::string_view from) {
  std::vector<const Node*> stack{chart.Find(from.empty() ? std::string_view(chart.start) : from)};
  std::set<std::string> seen;
  while (!stack.empty()) {
    const Node* x = stack.back();
    stack.pop_back();
    if (!x || !seen.insert(x->id).second) continue;
    if (x->is_outcome()) {
      if (x->outcome->illegal_material) return true;
      continue;
    }
    for (const auto& a : x->answers) stack.push_back(chart.Find(a.next));
  }
  return false;
}

std::vector<Path> EnumeratePaths(const Flowchart& chart, size_t limit) {
  std::vector<Path> paths;
  const Node* start = chart.Find(chart.start);
  if (!start) return paths;
  struct Frame {
    const Node* node;
    size_t next_answer;
  };
  std::vector<Frame> stack{{start, 0}};
  // Invariant: current.steps holds the answer chosen in every frame below the top.
  Path current;
  auto leave_frame = [&] {
    stack.pop_back();
    if (!stack.empty()) {
      current.answers.erase(current.steps.back().node);
      current.steps.pop_back();
    }
  };
  while (!stack.empty() && paths.size() < limit) {
    Frame& top = stack.back();
    if (top.node->is_outcome()) {
      Path done = current;
      done.outcome_node = top.node->id;
      paths.push_back(std::move(done));
      leave_frame();
      continue;
    }
    if (top.next_answer >= top.node->answers.size()) {
      leave_frame();
      continue;
    }
    const Node* node = top.node;
    const Answer& a = node->answers[top.next_answer++];
    const Node* next = chart.Find(a.next);
    if (!next || stack.size() > chart.nodes.size()) continue;  // not a validated chart: skip the branch
    current.answers[node->id] = a.value;
    current.steps.push_back({node->id, node->question, a.value, a.text});
    stack.push_back({next, 0});
  }
  return paths;
}

Json ToJson(const Outcome& o) {
  Json actions = Json::array();
  for (const auto& a : o.actions) actions.push_back({{"do", a.text}, {"within", a.within}});
  Json tell = Json::array();
  int order = 1;
  for (const auto& t : o.tell) {
    // Every party told has its contact entry (the partnership's map), so the page
    // says how to reach them, not only who they are.
    const contacts::Contact* contact = contacts::Active().ForTarget(t.who);
    tell.push_back({{"order", order++},
                    {"who", t.who},
                    {"label", Label(EscalationTargets(), t.who)},
                    {"within", t.within},
                    {"why", t.why.empty() ? Json(nullptr) : Json(t.why)},
                    {"contact", contact ? contacts::ToJson(*contact) : Json(nullptr)}});
  }
  return {{"risk", o.risk},
          {"risk_label", Label(RiskLevels(), o.risk)},
          {"summary", o.summary},
          {"actions", actions},
          {"tell", tell},
          {"must_not", o.must_not},
          {"illegal_material", o.illegal_material},
          {"concerns", o.concerns}};
}

Json ToJson(const Flowchart& chart) {
  Json nodes = Json::array();
  for (const auto& n : chart.nodes) {
    Json j = {{"id", n.id}};
    if (n.is_outcome()) {
      j["outcome"] = ToJson(*n.outcome);
    } else {
      j["question"] = n.question;
      if (!n.help.empty()) j["help"] = n.help;
      Json answers = Json::array();
      for (const auto& a : n.answers) answers.push_back({{"value", a.value}, {"text", a.text}, {"next", a.next}});
      j["answers"] = answers;
    }
    nodes.push_back(std::move(j));
  }
  return {{"id", chart.id},
          {"title", chart.title},
          {"description", chart.description},
          {"version", chart.version},
          {"category", chart.category.empty() ? Json(nullptr) : Json(chart.category)},
          {"start", chart.start},
          {"nodes", nodes}};
}

Json ToJson(const Flowchart& chart, const Walk& walk) {
  Json path = Json::array();
  for (const auto& s : walk.path) {
    path.push_back({{"node", s.node}, {"question", s.question}, {"answer", s.answer}, {"answer_text", s.answer_text}});
  }
  Json out = {{"flowchart_id", chart.id}, {"flowchart_version", chart.version}, {"path", path}};
  // Until an outcome is reached the material is treated as illegal if any
  // outcome still ahead may involve it: nothing is uploaded on a guess.
  bool illegal = walk.complete() ? walk.outcome->illegal_material
                                 : MayReachIllegalMaterial(chart, walk.next_question);
  out["illegal_material"] = illegal;
  out["illegal_material_instruction"] = illegal ? Json(kIllegalMaterialInstruction) : Json(nullptr);
  if (walk.complete()) {
    out["outcome_node"] = walk.outcome_node;
    out["outcome"] = ToJson(*walk.outcome);
    // Who to contact, beside the outcome: ordered by the outcome, not the chart's
    // category, so the first contact fits (for possibly illegal material the IWF and
    // police, never "your ICT support", who would be handed the material).
    std::vector<std::string> told;
    for (const auto& n : walk.outcome->tell) told.push_back(n.who);
    out["contacts"] = contacts::ForOutcome(contacts::Active(), told, walk.outcome->illegal_material, chart.category);
    out["next"] = nullptr;
  } else {
    const Node* n = chart.Find(walk.next_question);
    Json answers = Json::array();
    if (n) {
      for (const auto& a : n->answers) answers.push_back({{"value", a.value}, {"text", a.text}});
    }
    out["outcome"] = nullptr;
    out["next"] = {{"node", walk.next_question},
                   {"question", n ? n->question : ""},
                   {"help", n ? n->help : ""},
                   {"answers", answers}};
  }
  return out;
}

}  // namespace esafe::incidents::flowchart
