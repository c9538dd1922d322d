// Term libraries: the shipped ones load; broken ones are refused with file, line and
// reason; and a failed reload leaves the running matcher in force.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "incidents/vocabulary.h"
#include "monitoring/monitoring.h"

namespace esafe::monitoring {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string TermsDir() { return std::string(std::getenv("ESAFE_SOURCE_DIR")) + "/data/monitoring/terms"; }

TEST(TermLibraryTest, ShippedLibrariesLoadAndCoverEveryRisk) {
  auto libs = LoadTermLibraries(TermsDir());
  ASSERT_TRUE(libs.ok()) << libs.error().message;
  std::vector<std::string> ids;
  for (const auto& l : *libs) {
    ids.push_back(l.id);
    EXPECT_TRUE(incidents::Contains(incidents::Categories(), l.incident_category)) << l.id;
    EXPECT_FALSE(l.source.empty()) << l.id;
    EXPECT_GE(l.terms.size(), 10u) << l.id;
  }
  EXPECT_THAT(ids, ::testing::UnorderedElementsAre("self-harm-and-suicide", "grooming-and-sexual-exploitation",
                                                   "bullying", "radicalisation-and-extremism", "weapons-and-violence",
                                                   "drugs"));
  auto matcher = TermMatcher::Build(std::move(*libs));
  ASSERT_TRUE(matcher.ok()) << matcher.error().message;
}

TEST(TermLibraryTest, BrokenLibraryIsRefusedWithFileLineAndReason) {
  const char* yaml =
      "id: Bad Id\n"
      "version: 0\n"
      "title: Broken\n"
      "incident_category: not_a_category\n"
      "source: a test\n"
      "colour: red\n"
      "terms:\n"
      "  - {term: fine term, risk: high}\n"
      "  - {term: 'regex.*(inject)', risk: high}\n"
      "  - {term: fine term, risk: low}\n"
      "  - {term: Shouting, risk: low}\n"
      "  - {term: another, risk: extreme}\n"
      "  - {term: x, risk: low}\n";
  auto lib = ParseTermLibrary(yaml, "broken.yaml");
  ASSERT_FALSE(lib.ok());
  const auto& m = lib.error().message;
  EXPECT_THAT(m, HasSubstr("broken.yaml:1: 'id' must be a slug"));
  EXPECT_THAT(m, HasSubstr("broken.yaml:2: 'version' must be from 1"));
  EXPECT_THAT(m, HasSubstr("broken.yaml:4: 'incident_category' 'not_a_category' is not an incident category"));
  EXPECT_THAT(m, HasSubstr("broken.yaml:6: library: unknown key 'colour'"));
  EXPECT_THAT(m, HasSubstr("broken.yaml:9: term 'regex.*(inject)' may hold only letters"));
  EXPECT_THAT(m, HasSubstr("broken.yaml:10: term 'fine term' is listed twice"));
  EXPECT_THAT(m, HasSubstr("broken.yaml:11: term 'Shouting' must be written in lower case"));
  EXPECT_THAT(m, HasSubstr("broken.yaml:12: 'risk' must be low, medium, high or critical"));
  EXPECT_THAT(m, HasSubstr("broken.yaml:13: term 'x' must be 2 to 80 characters"));
  EXPECT_EQ(lib.error().kind, ErrorKind::kInvalid);
}

TEST(TermLibraryTest, NotYamlOrNotAMapIsRefused) {
  auto a = ParseTermLibrary("id: [unclosed\n", "a.yaml");
  ASSERT_FALSE(a.ok());
  EXPECT_THAT(a.error().message, HasSubstr("a.yaml:"));
  auto b = ParseTermLibrary("- just\n- a list\n", "b.yaml");
  ASSERT_FALSE(b.ok());
  EXPECT_THAT(b.error().message, HasSubstr("b.yaml:1: a term library must be a map"));
  auto c = ParseTermLibrary("id: ok\nversion: 1\ntitle: t\nincident_category: grooming\nsource: s\nterms: []\n", "c.yaml");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error().message, HasSubstr("c.yaml:6: 'terms' must hold at least one term"));
}

TEST(TermLibraryTest, FailedReloadKeepsTheRunningMatcher) {
  const fs::path dir = fs::temp_directory_path() / ("esafe-terms-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto write = [&](const std::string& name, const std::string& text) { std::ofstream(dir / name) << text; };
  write("a.yaml", "id: a\nversion: 1\ntitle: A\nincident_category: grooming\nsource: test\n"
                  "terms:\n  - {term: secret boyfriend, risk: high}\n");
  TermsInForce terms;
  EXPECT_EQ(terms.current(), nullptr);
  ASSERT_TRUE(terms.Reload(dir.string()).ok());
  auto running = terms.current();
  ASSERT_NE(running, nullptr);

  // A second library with the same id, and a third that is broken: both refused.
  write("b.yaml", "id: a\nversion: 1\ntitle: B\nincident_category: grooming\nsource: test\n"
                  "terms:\n  - {term: other, risk: low}\n");
  write("c.yaml", "id: c\nversion: 1\ntitle: C\nincident_category: grooming\nsource: test\nterms:\n  - {term: ok, risk: loud}\n");
  auto reload = terms.Reload(dir.string());
  ASSERT_FALSE(reload.ok());
  EXPECT_THAT(reload.error().message, HasSubstr("b.yaml:1: library id 'a' is already used by"));
  EXPECT_THAT(reload.error().message, HasSubstr("c.yaml:7: 'risk' must be low"));
  EXPECT_EQ(terms.current(), running);

  MatchScratch scratch;
  auto hits = scratch.Scan(*terms.current(), "my secret boyfriend");
  ASSERT_TRUE(hits.ok());
  EXPECT_EQ(hits->size(), 1u);

  auto empty = terms.Reload((dir / "missing").string());
  EXPECT_FALSE(empty.ok());
  EXPECT_EQ(terms.current(), running);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace esafe::monitoring
