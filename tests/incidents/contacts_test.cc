// The help and contacts map: the shipped file, a broken file refused with file, line and
// reason, the contacts a flowchart walk shows beside its outcome, who serves each
// escalation target (the first contact shown fits the outcome: never the ICT support
// entry for possibly illegal material), and the unfinished set-up list with its route.
#include "incidents/contacts.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>

#include "directory/directory.h"
#include "incidents/flowchart/flowchart.h"
#include "incidents/flowchart/shipped.h"
#include "incidents/vocabulary.h"
#include "support/app_client.h"
#include "support/test_database.h"
#include "web/app.h"

namespace esafe::incidents::contacts {
namespace {

TEST(Contacts, TheShippedMapLoadsWithItsKindsAndTheNationalRoutes) {
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
      if (c.scope == "local" && c.name != "The child's parents or carers") {
        EXPECT_EQ(c.phone, "set by your partnership") << c.name;  // no invented numbers
      }
      if (c.name == "The child's parents or carers") {
        EXPECT_EQ(c.phone, "from the child's record");
      }
    }
    EXPECT_TRUE(local && national) << k.id;
  }
  EXPECT_EQ(ids, (std::set<std::string>{"illegal_content", "child_at_risk", "staff_allegation", "bullying", "fraud",
                                        "partners"}));
  std::set<std::string> routes;
  for (const auto& c : map->ReportingRoutes()) routes.insert(c.name);
  EXPECT_TRUE(routes.count("CEOP (Child Exploitation and Online Protection Centre)"));
  EXPECT_TRUE(routes.count("Internet Watch Foundation (IWF)"));
  EXPECT_TRUE(routes.count("ChildLine"));
  EXPECT_EQ(Active().kinds.size(), 6u);
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

ContactMap Shipped() {
  auto map = Parse(ShippedYaml(), "contacts.yaml");
  EXPECT_TRUE(map.ok()) << map.error().message;
  return map.ok() ? *map : ContactMap{};
}

// The contact names of a ForOutcome answer, first kind first, and its kind ids.
std::vector<std::string> Names(const Json& kinds) {
  std::vector<std::string> out;
  for (const auto& k : kinds) {
    for (const auto& c : k["contacts"]) out.push_back(c["name"]);
  }
  return out;
}
std::vector<std::string> Ids(const Json& kinds) {
  std::vector<std::string> out;
  for (const auto& k : kinds) out.push_back(k["id"]);
  return out;
}

TEST(Contacts, EveryEscalationTargetIsServedByAContactOfTheShippedMap) {
  const ContactMap map = Shipped();
  for (const auto& t : EscalationTargets()) {
    const Contact* c = map.ForTarget(t.key);
    ASSERT_NE(c, nullptr) << "no contact serves " << t.key;
    EXPECT_NE(std::find(c->serves.begin(), c->serves.end(), t.key), c->serves.end());
  }
  EXPECT_EQ(map.ForTarget("iwf")->name, "Internet Watch Foundation (IWF)");
  EXPECT_EQ(map.ForTarget("police")->name, "Police");
  EXPECT_EQ(map.ForTarget("lado")->name, "LADO (local authority designated officer)");
  EXPECT_EQ(map.ForTarget("parents_carers")->name, "The child's parents or carers");
  EXPECT_EQ(map.ForTarget("young_person")->name, "The child's parents or carers");
  EXPECT_EQ(map.ForTarget("no_such_target"), nullptr);
  // The ICT support entry of the fraud kind is nobody's route.
  EXPECT_NE(map.ForTarget("filtering_provider")->name, "Your agency's ICT support or filtering provider");
  // "serves" is in the JSON the UI reads.
  EXPECT_EQ(ToJson(*map.ForTarget("iwf"))["serves"], Json::array({"iwf"}));
}

TEST(Contacts, AnUnknownOrRepeatedServesKeyIsRefusedWithItsLine) {
  auto yaml = [](const std::string& serves) {
    return "version: 1\n"
           "kinds:\n"
           "  - id: bullying\n"
           "    title: Bullying\n"
           "    contacts:\n"
           "      - name: Somebody\n"
           "        role: helps\n"
           "        scope: local\n"
           "        hours: always\n"
           "        serves: " + serves + "\n";
  };
  auto unknown = Parse(yaml("[police, headmaster]"), "mine.yaml");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("mine.yaml:10: kind 'bullying' 'Somebody': 'serves' lists 'headmaster', "
                                         "which is not an escalation target"),
            std::string::npos)
      << unknown.error().message;
  auto twice = Parse(yaml("[police, police]"), "mine.yaml");
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.error().message.find("mine.yaml:10: kind 'bullying' 'Somebody': 'serves' lists 'police' twice"),
            std::string::npos)
      << twice.error().message;
  auto scalar = Parse(yaml("police"), "mine.yaml");
  ASSERT_FALSE(scalar.ok());
  EXPECT_NE(scalar.error().message.find("mine.yaml:10:"), std::string::npos) << scalar.error().message;
  EXPECT_NE(scalar.error().message.find("'serves' must be a list"), std::string::npos) << scalar.error().message;
  auto fine = Parse(yaml("[police, ceop]"), "mine.yaml");
  ASSERT_TRUE(fine.ok()) << fine.error().message;
  EXPECT_EQ(fine->kinds[0].contacts[0].serves, (std::vector<std::string>{"police", "ceop"}));
}

TEST(Contacts, ForOutcomeWithIllegalMaterialPutsIllegalContentFirstAndNeverFraud) {
  const ContactMap map = Shipped();
  // suspicious-email.yaml 'illegal': tell the e-safety officer, the senior manager, the IWF.
  const Json kinds = ForOutcome(map, {"esafety_officer", "senior_manager", "iwf"}, true, "email_misuse");
  const auto ids = Ids(kinds);
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids[0], "illegal_content");
  EXPECT_EQ(std::count(ids.begin(), ids.end(), "fraud"), 0);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size());  // each kind once
  const auto names = Names(kinds);
  ASSERT_FALSE(names.empty());
  EXPECT_NE(names[0], "Your agency's ICT support or filtering provider");
  EXPECT_EQ(std::count(names.begin(), names.end(), "Your agency's ICT support or filtering provider"), 0);
  // Everyone the outcome says to tell has a contact shown.
  for (const char* target : {"esafety_officer", "senior_manager", "iwf"}) {
    bool shown = false;
    for (const auto& k : kinds) {
      for (const auto& c : k["contacts"]) {
        for (const auto& s : c["serves"]) shown = shown || s == target;
      }
    }
    EXPECT_TRUE(shown) << target;
  }
  // Even an outcome that names the filtering provider gets the partners' entry, not fraud's.
  const auto with_filter = Ids(ForOutcome(map, {"filtering_provider", "iwf"}, true, "fraud_phishing"));
  EXPECT_EQ(with_filter[0], "illegal_content");
  EXPECT_EQ(std::count(with_filter.begin(), with_filter.end(), "fraud"), 0);
}

TEST(Contacts, ForOutcomeForFraudStillShowsTheFraudContacts) {
  const ContactMap map = Shipped();
  const auto ids = Ids(ForOutcome(map, {"esafety_officer", "service_provider"}, false, "fraud_phishing"));
  EXPECT_NE(std::find(ids.begin(), ids.end(), "fraud"), ids.end());
  EXPECT_EQ(std::count(ids.begin(), ids.end(), "illegal_content"), 0);
  // The told targets come before the category's kinds.
  EXPECT_EQ(ids.front(), "partners");
  EXPECT_EQ(Ids(ForOutcome(map, {}, false, "fraud_phishing")), (std::vector<std::string>{"fraud"}));
  // KindsForTarget's kind is preferred when it serves the target: the police route for a
  // child at risk is shown under 'A child at risk', not under 'Illegal content'.
  EXPECT_EQ(Ids(ForOutcome(map, {"police"}, false, "")), (std::vector<std::string>{"child_at_risk"}));
}

TEST(Contacts, UnfinishedSetUpListsTheLocalPlaceholders) {
  const ContactMap map = Shipped();
  const auto unfinished = UnfinishedSetUp(map);
  ASSERT_FALSE(unfinished.empty());
  std::set<std::string> names;
  for (const auto& u : unfinished) {
    names.insert(u.name);
    EXPECT_GT(u.line, 0);
    EXPECT_FALSE(u.field.empty());
    EXPECT_NE(map.Find(u.kind_id), nullptr);
  }
  EXPECT_TRUE(names.count("Your designated safeguarding lead"));
  EXPECT_TRUE(names.count("LADO (local authority designated officer)"));
  EXPECT_TRUE(names.count("The partnership e-safety lead"));
  EXPECT_FALSE(names.count("The child's parents or carers"));
  for (const auto& k : map.kinds) {
    for (const auto& c : k.contacts) {
      if (c.scope == "national") {
        EXPECT_FALSE(names.count(c.name)) << c.name;
      }
    }
  }
  const auto lado = std::find_if(unfinished.begin(), unfinished.end(),
                                 [](const Unfinished& u) { return u.name.starts_with("LADO"); });
  ASSERT_NE(lado, unfinished.end());
  EXPECT_EQ(lado->field, "phone, hours");  // its out-of-hours route is written in full
  EXPECT_EQ(lado->kind_id, "staff_allegation");
  const auto care = std::find_if(unfinished.begin(), unfinished.end(),
                                 [](const Unfinished& u) { return u.name.starts_with("Children's social care"); });
  ASSERT_NE(care, unfinished.end());
  EXPECT_EQ(care->field, "phone, hours, out_of_hours");
  EXPECT_EQ(care->kind_title, "A child at risk");
  const Json j = ToJson(unfinished);
  EXPECT_EQ(j["count"], unfinished.size());
  EXPECT_EQ(j["unfinished"][0]["kind"], unfinished[0].kind_id);
  EXPECT_EQ(j["unfinished"][0]["fields"], unfinished[0].field);
}

}  // namespace
}  // namespace esafe::incidents::contacts

namespace esafe::web {
namespace {

// GET /api/v1/contacts/unfinished through App::Handle, signed in as the demo accounts.
class ContactRoutes : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(directory::LoadDemo(tdb.db(), kPassword).ok());
    app = std::make_unique<App>(tdb.db());
    client = std::make_unique<testing::AppClient>(*app);
  }

  static constexpr const char* kPassword = "contact-routes-password-1";
  testing::TestDatabase tdb;
  std::unique_ptr<App> app;
  std::unique_ptr<testing::AppClient> client;
};

TEST_F(ContactRoutes, UnfinishedSetUpIsForThePartnershipOnly) {
  EXPECT_EQ(client->Send("GET", "/api/v1/contacts/unfinished", "", {}).status, 401);
  for (const char* user : {"admin", "lead"}) {
    const Json body = client->Expect(200, client->SignIn(user, kPassword), "GET", "/api/v1/contacts/unfinished");
    EXPECT_GT(body["count"].get<int>(), 0);
    EXPECT_EQ(body["count"], body["unfinished"].size());
    EXPECT_TRUE(body["unfinished"][0].contains("kind_title"));
    EXPECT_TRUE(body["unfinished"][0].contains("line"));
  }
  const Json refused = client->Expect(403, client->SignIn("library.eslo", kPassword), "GET", "/api/v1/contacts/unfinished");
  EXPECT_TRUE(refused.contains("error"));
}

}  // namespace
}  // namespace esafe::web
