// Response flowcharts as data (seeds 004 Section 3 figure 5, Annex B, Annex D
// Part 2 and Part 4, Annex E).
//
// A flowchart is a YAML file that safeguarding staff own: question nodes,
// written in plain words for the member of staff in front of a worried child,
// whose answers lead to other nodes, and outcome nodes that say how serious the
// incident is (the three Annex D risk levels), what must be done and by when,
// who must be told and in what order, and what must not be done. The format is
// described in docs/incidents.md.
//
// Three steps, each in its own file:
//   loader.cc     Load(): YAML text -> Flowchart, with every structural problem
//                 reported as file:line: reason (the line from yaml-cpp's Mark);
//   validator.cc  Validate(): the graph rules — every path ends in an outcome,
//                 no dangling or unreachable nodes, no cycles, known risk levels
//                 and escalation targets, due times that parse;
//   walker.cc     Walk(): answers -> path and outcome (or the next question);
//                 EnumeratePaths(): every path, for tests and for review.
//
// All functions are pure and thread-safe; a Flowchart is a plain value.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace esafe::incidents::flowchart {

using Json = nlohmann::json;

// One thing wrong with a flowchart file, as `esafe flowchart check` prints it.
struct Problem {
  std::string file;
  int line = 0;  // 1-based; 0 when the problem is not tied to a line
  std::string reason;

  // "FILE:LINE: reason".
  std::string ToString() const;
};

// "immediately" -> 0, "30m", "12h", "3d" -> seconds; nullopt for anything else.
std::optional<int64_t> ParseDueWithin(std::string_view text);

// Something that must be done, and how soon after the incident is reported.
struct RequiredAction {
  std::string text;
  std::string within;          // as written: "immediately", "12h"
  int64_t within_seconds = 0;  // ParseDueWithin(within)
  int line = 0;
};

// Someone who must be told, in the order the outcome lists them.
struct Notification {
  std::string who;             // an escalation target key, see incidents::EscalationTargets()
  std::string within;
  int64_t within_seconds = 0;
  std::string why;             // optional: the rationale column of the Annex D Part 2 grid
  int line = 0;
};

struct Outcome {
  std::string risk;            // a risk level key, see incidents::RiskLevels()
  std::string summary;         // what this outcome means, in plain words
  std::vector<RequiredAction> actions;
  std::vector<Notification> tell;
  std::vector<std::string> must_not;  // Annex B Chart 3: what must not be done
  // The outcome may involve material that is illegal to open, copy or pass on
  // (Annex B Chart 3): no evidence file is ever accepted for such an incident.
  bool illegal_material = false;
  // What the outcome is about, from incidents::OutcomeConcerns(): each concern
  // brings rules on who must be told (Validate()).
  std::vector<std::string> concerns;
};

struct Answer {
  std::string value;  // short key stored with the incident ("yes", "no", "email")
  std::string text;   // what the person reads
  std::string next;   // id of the node this answer leads to
  int line = 0;
};

struct Node {
  std::string id;
  int line = 0;
  std::string question;  // set for question nodes
  std::string help;      // optional guidance shown under the question
  std::vector<Answer> answers;
  std::optional<Outcome> outcome;  // set for outcome nodes

  bool is_outcome() const { return outcome.has_value(); }
};

struct Flowchart {
  std::string id;       // stable key: lower-case letters, digits and '-'
  std::string title;
  std::string description;
  int64_t version = 0;  // positive; a published version is never changed
  std::string category; // the incident category this flowchart is usually for (may be empty)
  std::string start;    // id of the first node (the first node listed when not given)
  std::vector<Node> nodes;

  // The node with `id`, or nullptr.
  const Node* Find(std::string_view id) const;
};

// True when `must_not` text forbids opening, viewing, copying, printing or
// forwarding material (pictures, videos, files, attachments): such an outcome
// must carry illegal_material.
bool ForbidsHandlingMaterial(std::string_view must_not);

// True when an action's text is a prohibition ("Do not …", "… never …"):
// prohibitions belong in must_not, where the page shows them as "Do not".
bool IsProhibition(std::string_view action);

// True when some outcome reachable from node `from` (the start when empty)
// carries illegal_material. Expects a validated chart.
bool MayReachIllegalMaterial(const Flowchart& chart, std::string_view from = {});

// The result of loading a file: the flowchart as far as it could be read and
// every problem found. Only a flowchart with no problems may be used.
struct Loaded {
  Flowchart flowchart;
  std::vector<Problem> problems;

  bool ok() const { return problems.empty(); }
};

// Size caps, so that a hostile file cannot exhaust memory or time.
inline constexpr size_t kMaxSourceBytes = 256 * 1024;
inline constexpr size_t kMaxNodes = 300;
inline constexpr size_t kMaxAnswers = 20;
inline constexpr size_t kMaxListItems = 40;
inline constexpr size_t kMaxTextLength = 2000;

// Which rules a file is held to. kPublish: every rule, for a file about to be
// published or shipped. kStored: the structure only (graph, vocabulary, due
// times), for a version already published under earlier rules, so that the
// incidents recorded with it can still be walked.
enum class Rules { kPublish, kStored };

// Parses `yaml` (named `file` in problems) and, when it parsed, validates it.
// Never throws; every problem carries the file, a line and a reason.
Loaded Load(std::string_view yaml, std::string_view file, Rules rules = Rules::kPublish);

// The graph and vocabulary rules (see above) for a parsed flowchart; with
// kPublish also the safeguarding rules: illegal_material where a must_not
// forbids handling the material, prohibitions only in must_not, the tell rules
// of each concern, and a not_sure answer where a question parts possibly
// illegal material from other material.
std::vector<Problem> Validate(const Flowchart& chart, std::string_view file, Rules rules = Rules::kPublish);

// One answered question on a path.
struct Step {
  std::string node;
  std::string question;
  std::string answer;       // Answer::value
  std::string answer_text;  // Answer::text
};

// Where a set of answers leads: the questions answered so far and either the
// outcome reached or the next question to ask.
struct Walk {
  std::vector<Step> path;
  std::string next_question;  // node id; empty once an outcome is reached
  std::string outcome_node;   // node id; empty while questions remain
  const Outcome* outcome = nullptr;  // points into the Flowchart walked; valid while it lives

  bool complete() const { return outcome != nullptr; }
};

// Follows `answers` (question node id -> Answer::value) from the start node.
// Answers to questions off the path are ignored. Invalid (naming the node)
// when an answer is not one the question offers. Expects a validated chart.
Result<Walk> WalkAnswers(const Flowchart& chart, const std::map<std::string, std::string>& answers);

// A complete path: the answers taken and the outcome node reached.
struct Path {
  std::map<std::string, std::string> answers;
  std::vector<Step> steps;
  std::string outcome_node;
};

// Every path from the start to an outcome, at most `limit` of them (a
// validated chart has no cycles, so the walk ends). Expects a validated chart.
std::vector<Path> EnumeratePaths(const Flowchart& chart, size_t limit = 10000);

// JSON forms for the API: the whole chart, one outcome, and a walk.
Json ToJson(const Flowchart& chart);
Json ToJson(const Outcome& outcome);
Json ToJson(const Flowchart& chart, const Walk& walk);

}  // namespace esafe::incidents::flowchart
