// Flowcharts as data: every shipped flowchart loads, validates and can be
// walked down every path; broken files are refused with file:line: reason.
#include "incidents/flowchart/flowchart.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "incidents/flowchart/shipped.h"
#include "incidents/vocabulary.h"

namespace esafe::incidents::flowchart {
namespace {

using ::testing::HasSubstr;

std::string Problems(const Loaded& l) {
  std::string out;
  for (const auto& p : l.problems) out += p.ToString() + "\n";
  return out;
}

TEST(ShippedFlowcharts, AllEightAreShippedAndValid) {
  std::set<std::string> ids;
  for (const auto& f : ShippedFiles()) {
    auto loaded = Load(f.text, f.name);
    EXPECT_TRUE(loaded.ok()) << Problems(loaded);
    ids.insert(loaded.flowchart.id);
  }
  EXPECT_EQ(ids, (std::set<std::string>{"suspected-illegal-content", "inappropriate-content-child", "staff-misuse",
                                        "suspicious-email", "child-discloses-abuse", "cyberbullying", "mobile-phone",
                                        "online-safety-concern"}));
}

// A one-outcome chart whose outcome is given as YAML lines (indented for 'outcome:').
std::string OneOutcome(const std::string& outcome_lines, const std::string& question = "") {
  return "id: t\ntitle: T\nversion: 1\nnodes:\n"
         "  - id: q\n    question: What happened?\n    answers:\n"
         "      - {value: a, text: A, next: o}\n" + question +
         "  - id: o\n    outcome:\n" + outcome_lines;
}

// Issue 16 finding 1: an outcome that forbids opening or copying the material
// must say it may involve illegal material, so that no file is ever accepted.
TEST(SafeguardingRules, AMustNotAboutHandlingMaterialNeedsTheIllegalMaterialFlag) {
  const std::string body =
      "      risk: significant_risk\n      tell:\n        - {who: police, within: immediately}\n"
      "      must_not:\n        - Do not open, copy or forward the pictures.\n";
  auto refused = Load(OneOutcome(body), "t.yaml");
  EXPECT_THAT(Problems(refused), HasSubstr("add 'illegal_material: true'"));
  EXPECT_THAT(Problems(refused), HasSubstr("t.yaml:"));
  auto flagged = Load(OneOutcome("      illegal_material: true\n" + body), "t.yaml");
  EXPECT_TRUE(flagged.ok()) << Problems(flagged);
  EXPECT_TRUE(flagged.flowchart.nodes[1].outcome->illegal_material);
  EXPECT_FALSE(Load(OneOutcome("      illegal_material: perhaps\n" + body), "t.yaml").ok());
  // Prohibitions about other things need no flag.
  EXPECT_TRUE(Load(OneOutcome("      risk: little_or_no_danger\n      tell:\n        - {who: parents_carers, within: 7d}\n"
                              "      must_not:\n        - Do not reply to the text.\n"), "t.yaml").ok());
}

// Issue 16 finding 5: a prohibition inside an action is refused; it belongs in must_not.
TEST(SafeguardingRules, AProhibitionInsideAnActionIsRefused) {
  auto refused = Load(OneOutcome("      risk: little_or_no_danger\n      actions:\n"
                                 "        - {do: 'Write the address down; do not copy and paste it.', within: 1h}\n"), "t.yaml");
  EXPECT_THAT(Problems(refused), HasSubstr("is a prohibition; list it under 'must_not'"));
  EXPECT_TRUE(IsProhibition("Never open it"));
  EXPECT_TRUE(IsProhibition("Don't reply"));
  EXPECT_FALSE(IsProhibition("Write the web address down by hand."));
}

// Issue 16 findings 2 and 3: the concerns an outcome is about bring who must be told.
TEST(SafeguardingRules, ConcernsBringTheirPartiesToTell) {
  auto grooming = Load(OneOutcome("      risk: significant_risk\n      concerns: [grooming]\n"
                                  "      tell:\n        - {who: ceop, within: 24h}\n"), "t.yaml");
  EXPECT_THAT(Problems(grooming), HasSubstr("must tell childrens_social_care"));
  auto staff = Load(OneOutcome("      risk: significant_risk\n      concerns: [adult_working_with_children]\n"
                               "      tell:\n        - {who: police, within: 24h}\n"), "t.yaml");
  EXPECT_THAT(Problems(staff), HasSubstr("must tell the lado"));
  auto images = Load(OneOutcome("      risk: significant_risk\n      concerns: [sexual_images_of_child]\n"
                                "      tell:\n        - {who: childrens_social_care, within: immediately}\n"), "t.yaml");
  EXPECT_THAT(Problems(images), HasSubstr("must carry 'illegal_material: true'"));
  auto unknown = Load(OneOutcome("      risk: little_or_no_danger\n      concerns: [weather]\n"
                                 "      tell:\n        - {who: parents_carers, within: 7d}\n"), "t.yaml");
  EXPECT_THAT(Problems(unknown), HasSubstr("unknown concern 'weather'"));
}

// Issue 16 finding 4: a question that parts possibly illegal material from other
// material must offer "not sure", leading where the material is treated as illegal.
TEST(SafeguardingRules, AQuestionAboutTheKindOfMaterialNeedsNotSure) {
  auto chart = [](const std::string& extra_answer) {
    return "id: t\ntitle: T\nversion: 1\nnodes:\n"
           "  - id: q\n    question: What is it?\n    answers:\n"
           "      - {value: illegal, text: Illegal, next: bad}\n"
           "      - {value: rude, text: Rude, next: fine}\n" +
           extra_answer +
           "  - id: bad\n    outcome:\n      risk: significant_risk\n      illegal_material: true\n"
           "      tell:\n        - {who: iwf, within: 24h}\n"
           "  - id: fine\n    outcome:\n      risk: little_or_no_danger\n      tell:\n"
           "        - {who: parents_carers, within: 7d}\n";
  };
  EXPECT_THAT(Problems(Load(chart(""), "t.yaml")), HasSubstr("add an answer 'not_sure'"));
  EXPECT_THAT(Problems(Load(chart("      - {value: not_sure, text: Not sure, next: fine}\n"), "t.yaml")),
              HasSubstr("add an answer 'not_sure'"));
  auto with = Load(chart("      - {value: not_sure, text: Not sure, next: bad}\n"), "t.yaml");
  EXPECT_TRUE(with.ok()) << Problems(with);
}

// Versions published before these rules still load as stored, so incidents
// recorded with them can be walked; publishing them again is refused.
TEST(SafeguardingRules, StoredVersionsKeepLoadingUnderTheStructuralRules) {
  const std::string old = OneOutcome("      risk: significant_risk\n      tell:\n        - {who: police, within: 1h}\n"
                                     "      must_not:\n        - Do not open the attachment.\n");
  EXPECT_FALSE(Load(old, "t.yaml").ok());
  auto stored = Load(old, "t.yaml", Rules::kStored);
  ASSERT_TRUE(stored.ok()) << Problems(stored);
  EXPECT_TRUE(stored.flowchart.nodes[1].outcome->illegal_material) << "inferred from its must_not";
}

TEST(ShippedFlowcharts, EveryPathOfEveryFlowchartIsWalked) {
  for (const auto& f : ShippedFiles()) {
    auto loaded = Load(f.text, f.name);
    ASSERT_TRUE(loaded.ok()) << Problems(loaded);
    const Flowchart& chart = loaded.flowchart;
    auto paths = EnumeratePaths(chart);
    ASSERT_FALSE(paths.empty()) << f.name;
    std::set<std::string> outcomes_reached;
    for (const auto& path : paths) {
      auto walk = WalkAnswers(chart, path.answers);
      ASSERT_TRUE(walk.ok()) << f.name << ": " << walk.error().message;
      ASSERT_TRUE(walk->complete()) << f.name;
      EXPECT_EQ(walk->outcome_node, path.outcome_node);
      EXPECT_EQ(walk->path.size(), path.steps.size());
      const Outcome& o = *walk->outcome;
      EXPECT_TRUE(Contains(RiskLevels(), o.risk));
      EXPECT_FALSE(o.actions.empty() && o.tell.empty()) << f.name << " " << path.outcome_node;
      if (o.risk == "significant_risk") {
        bool escalated = false;
        for (const auto& t : o.tell) escalated |= Contains(ReferralTargets(), t.who);
        EXPECT_TRUE(escalated) << f.name << " " << path.outcome_node << " is a significant risk with no escalation";
      }
      outcomes_reached.insert(path.outcome_node);
    }
    // Every outcome node is reached by some path (nothing unreachable).
    for (const auto& n : chart.nodes) {
      if (n.is_outcome()) {
        EXPECT_TRUE(outcomes_reached.count(n.id)) << f.name << ": " << n.id;
      }
    }
  }
}

TEST(ShippedFlowcharts, SuspectedIllegalContentAlwaysSaysDoNotOpenOrForward) {
  for (const auto& f : ShippedFiles()) {
    auto loaded = Load(f.text, f.name);
    if (loaded.flowchart.id != "suspected-illegal-content") continue;
    for (const auto& path : EnumeratePaths(loaded.flowchart)) {
      const auto* node = loaded.flowchart.Find(path.outcome_node);
      std::string all;
      for (const auto& m : node->outcome->must_not) all += m + " ";
      EXPECT_THAT(all, HasSubstr("forward")) << path.outcome_node;
      EXPECT_EQ(node->outcome->risk, "significant_risk");
    }
  }
}

constexpr const char* kGood = R"(id: tiny
title: Tiny
version: 1
nodes:
  - id: q
    question: Is it bad?
    answers:
      - value: "yes"
        text: "Yes"
        next: bad
      - value: "no"
        text: "No"
        next: fine
  - id: bad
    outcome:
      risk: significant_risk
      tell:
        - who: police
          within: immediately
  - id: fine
    outcome:
      risk: little_or_no_danger
      actions:
        - do: Nothing more.
          within: 7d
)";

TEST(FlowchartLoader, AcceptsAMinimalFlowchart) {
  auto loaded = Load(kGood, "tiny.yaml");
  ASSERT_TRUE(loaded.ok()) << Problems(loaded);
  EXPECT_EQ(loaded.flowchart.start, "q");
  EXPECT_EQ(EnumeratePaths(loaded.flowchart).size(), 2u);
}

// Replaces the first occurrence of `from` in kGood.
std::string Broken(const std::string& from, const std::string& to) {
  std::string s = kGood;
  auto pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  s.replace(pos, from.size(), to);
  return s;
}

struct BadCase {
  const char* name;
  std::string yaml;
  int line;
  const char* reason;
};

TEST(FlowchartValidator, BadFilesGiveFileLineAndReason) {
  std::vector<BadCase> cases = {
      {"dangling", Broken("next: fine", "next: nowhere"), 11, "dangling"},
      {"unknown target", Broken("who: police", "who: the_press"), 18, "unknown escalation target 'the_press'"},
      {"unknown risk", Broken("risk: little_or_no_danger", "risk: meh"), 20, "unknown risk level 'meh'"},
      {"bad due time", Broken("within: 7d", "within: soonish"), 24, "due time 'soonish'"},
      {"unknown key", Broken("    question: Is it bad?", "    question: Is it bad?\n    colour: red"), 7,
       "unknown key 'colour'"},
      {"not yaml", Broken("title: Tiny", "title: [unclosed"), 3, "not valid YAML"},
      {"significant not escalated", Broken("who: police", "who: parents_carers"), 14, "must be escalated"},
      {"unreachable", std::string(kGood) + "  - id: orphan\n    outcome:\n      risk: little_or_no_danger\n"
                                            "      actions:\n        - do: x\n          within: 1h\n",
       26, "unreachable"},
      {"cycle", Broken("    answers:\n      - value: \"yes\"",
                       "    answers:\n      - value: back\n        text: Back\n        next: r\n      - value: \"yes\"") +
                    "  - id: r\n    question: Again?\n    answers:\n      - value: a\n        text: A\n        next: q\n",
       32, "cycle"},
      {"question with no answers", Broken("    answers:\n      - value: \"yes\"\n        text: \"Yes\"\n        next: bad\n"
                                          "      - value: \"no\"\n        text: \"No\"\n        next: fine\n",
                                          "    answers: []\n"),
       7, "at least one answer"},
      {"both question and outcome", Broken("  - id: fine\n    outcome:", "  - id: fine\n    question: Eh?\n    outcome:"),
       20, "not both"},
      {"missing version", Broken("version: 1\n", ""), 1, "'version' is required"},
  };
  for (const auto& c : cases) {
    auto loaded = Load(c.yaml, "bad.yaml");
    ASSERT_FALSE(loaded.ok()) << c.name;
    bool found = false;
    for (const auto& p : loaded.problems) {
      EXPECT_EQ(p.file, "bad.yaml");
      if (p.reason.find(c.reason) != std::string::npos) {
        found = true;
        EXPECT_EQ(p.line, c.line) << c.name << ": " << p.ToString();
        EXPECT_THAT(p.ToString(), HasSubstr("bad.yaml:" + std::to_string(c.line) + ": "));
      }
    }
    EXPECT_TRUE(found) << c.name << " expected '" << c.reason << "' in:\n" << Problems(loaded);
  }
}

TEST(FlowchartValidator, HostileInputNeverCrashes) {
  for (std::string s : {std::string(""), std::string("[[[[[[[[[["), std::string(100000, '['), std::string("\xff\xfe"),
                        std::string("nodes: {a: 1}"), std::string("id: x\nnodes:\n  - 1\n  - [2]\n"),
                        std::string("&a [*a, *a]"), std::string(300000, 'a')}) {
    auto loaded = Load(s, "hostile.yaml");
    EXPECT_FALSE(loaded.ok());
  }
}

TEST(FlowchartWalker, StopsAtTheNextQuestionAndRejectsUnknownAnswers) {
  auto loaded = Load(kGood, "tiny.yaml");
  ASSERT_TRUE(loaded.ok());
  auto partial = WalkAnswers(loaded.flowchart, {});
  ASSERT_TRUE(partial.ok());
  EXPECT_FALSE(partial->complete());
  EXPECT_EQ(partial->next_question, "q");
  auto bad = WalkAnswers(loaded.flowchart, {{"q", "maybe"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().message, HasSubstr("yes, no"));
  auto done = WalkAnswers(loaded.flowchart, {{"q", "yes"}, {"unrelated", "x"}});
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->outcome_node, "bad");
  EXPECT_EQ(done->outcome->tell.at(0).who, "police");
  EXPECT_EQ(done->outcome->tell.at(0).within_seconds, 0);
  auto fine = WalkAnswers(loaded.flowchart, {{"q", "no"}});
  ASSERT_TRUE(fine.ok());
  EXPECT_EQ(fine->outcome->actions.at(0).within_seconds, 7 * 86400);
}

TEST(FlowchartDueTimes, Parse) {
  EXPECT_EQ(ParseDueWithin("immediately"), 0);
  EXPECT_EQ(ParseDueWithin("12h"), 12 * 3600);
  EXPECT_EQ(ParseDueWithin("30m"), 30 * 60);
  EXPECT_EQ(ParseDueWithin("7d"), 7 * 86400);
  EXPECT_FALSE(ParseDueWithin("0h"));
  EXPECT_FALSE(ParseDueWithin("h"));
  EXPECT_FALSE(ParseDueWithin("12 h"));
  EXPECT_FALSE(ParseDueWithin("99999h"));
}

}  // namespace
}  // namespace esafe::incidents::flowchart
