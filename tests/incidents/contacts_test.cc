// The help and contacts map: the shipped file, a broken file refused with file, line and
// reason, and the contacts a flowchart walk shows beside its outcome.
#include "incidents/contacts.h"

#include <gtest/gtest.h>

#include <set>

#include "incidents/flowchart/flowchart.h"
#include "incidents/flowchart/shipped.h"

namespace esafe::incidents::contacts {
namespace {

TEST(Contacts, TheShippedMapLoadsWithFiveKindsAndTheNationalRoutes) {
  auto map = Parse(ShippedYaml(), "contacts.yaml");
  ASSERT_TRUE(map.ok()) << map.error().message;
  std::set<std::string> ids;
  for (const auto& k : map->kinds) {
    ids.insert(k.id);
    bool local = false;
    bool national = false;
    for (const auto& c : k.contacts) {
      local = local || c.scope == "local";
      national = national || c.scope == "national";
      if (c.scope == "local") {
        EXPECT_EQ(c.phone, "set by your partnership") << c.name;  // no invented numbers
      }
    }
    EXPECT_TRUE(local && national) << k.id;
  }
  EXPECT_EQ(ids, (std::set<std::string>{"illegal_content", "child_at_risk", "staff_allegation", "bullying", "fraud"}));
  std::set<std::string> routes;
  for (const auto& c : map->ReportingRoutes()) routes.insert(c.name);
  EXPECT_TRUE(routes.count("CEOP (Child Exploitation and Online Protection Centre)"));
  EXPECT_TRUE(routes.count("Internet Watch Foundation (IWF)"));
  EXPECT_TRUE(routes.count("ChildLine"));
  EXPECT_EQ(Active().kinds.size(), 5u);
}

TEST(Contacts, ABrokenFileIsRefusedWithFileLineAndReason) {
  const char* yaml =
      "version: 1\n"
      "kinds:\n"
      "  - id: bullying\n"
      "    title: Bullying\n"
      "    contacts:\n"
      "      - name: Somebody\n"
      "        role: helps\n"
      "        scope: regional\n"
      "        hours: always\n"
      "        colour: blue\n";
  auto map = Parse(yaml, "mine.yaml");
  ASSERT_FALSE(map.ok());
  EXPECT_NE(map.error().message.find("mine.yaml:8: kind 'bullying' 'Somebody': 'scope' must be local or national"),
            std::string::npos)
      << map.error().message;
  EXPECT_NE(map.error().message.find("mine.yaml:10:"), std::string::npos) << map.error().message;
  EXPECT_NE(map.error().message.find("unknown key 'colour'"), std::string::npos);

  auto syntax = Parse("kinds: [\n", "bad.yaml");
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.error().message.rfind("bad.yaml:", 0), 0u) << syntax.error().message;
  EXPECT_FALSE(Parse("version: 1\nkinds: []\n", "x.yaml").ok());
  EXPECT_FALSE(UseFile("/nonexistent/contacts.yaml").ok());
}

TEST(Contacts, AWalkShowsTheContactsBesideTheOutcome) {
  for (const auto& f : flowchart::ShippedFiles()) {
    auto loaded = flowchart::Load(f.text, f.name);
    ASSERT_TRUE(loaded.ok());
    if (loaded.flowchart.id != "suspected-illegal-content") continue;
    auto walk = flowchart::WalkAnswers(loaded.flowchart, {{"kind", "child_abuse_images"}, {"where", "known_person"}});
    ASSERT_TRUE(walk.ok()) << walk.error().message;
    const Json out = flowchart::ToJson(loaded.flowchart, *walk);
    ASSERT_TRUE(out.contains("contacts"));
    std::set<std::string> kinds;
    for (const auto& k : out["contacts"]) kinds.insert(k["id"]);
    EXPECT_TRUE(kinds.count("illegal_content"));
    EXPECT_FALSE(out["contacts"][0]["contacts"].empty());
  }
}

}  // namespace
}  // namespace esafe::incidents::contacts
