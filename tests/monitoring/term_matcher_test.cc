// Matching: tolerant of case, spacing, repeated letters, digits for letters and one
// typing error in long terms; never inside another word.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "monitoring/monitoring.h"

namespace esafe::monitoring {
namespace {

class TermMatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TermLibrary lib;
    lib.id = "test";
    lib.version = 1;
    lib.title = "Test";
    lib.incident_category = "self_harm_suicide";
    lib.file = "test.yaml";
    lib.terms = {{"kill myself", Severity::kCritical, false, {}, 1},
                 {"suicid", Severity::kHigh, true, {}, 2},
                 {"thinspiration", Severity::kHigh, false, {"thinspo"}, 3},
                 {"don't tell", Severity::kMedium, false, {}, 4},
                 {"self-harm", Severity::kHigh, true, {}, 5}};
    auto m = TermMatcher::Build({lib});
    ASSERT_TRUE(m.ok()) << m.error().message;
    matcher = *m;
  }

  std::vector<std::string> Found(std::string_view text) {
    auto hits = scratch.Scan(*matcher, text);
    EXPECT_TRUE(hits.ok());
    std::vector<std::string> out;
    for (const auto& h : *hits) out.push_back(matcher->libraries()[h.library].terms[h.term].text);
    return out;
  }

  std::shared_ptr<const TermMatcher> matcher;
  MatchScratch scratch;
};

TEST_F(TermMatcherTest, ToleratesCaseSpacingRepeatsAndDigits) {
  for (const char* text : {"kill myself", "KILL MYSELF", "i want to killmyself", "kil myself", "killll  myyyself",
                           "k1ll mys3lf", "k i l l m y s e l f", "k.i.l.l myself", "kill-myself", "kill.myself now"}) {
    EXPECT_THAT(Found(text), ::testing::ElementsAre("kill myself")) << text;
  }
  EXPECT_THAT(Found("5uicidal thoughts"), ::testing::ElementsAre("suicid"));
  EXPECT_THAT(Found("self harming"), ::testing::ElementsAre("self-harm"));
  EXPECT_THAT(Found("selfharm"), ::testing::ElementsAre("self-harm"));
  EXPECT_THAT(Found("dont tell mum"), ::testing::ElementsAre("don't tell"));
}

TEST_F(TermMatcherTest, VariantsAndOneTypingErrorInLongTerms) {
  EXPECT_THAT(Found("thinspo pics"), ::testing::ElementsAre("thinspiration"));
  EXPECT_THAT(Found("thinspirashion"), ::testing::IsEmpty());  // two edits
  EXPECT_THAT(Found("thinspirtion"), ::testing::ElementsAre("thinspiration"));  // one letter dropped
  EXPECT_THAT(Found("thinspiraiton"), ::testing::ElementsAre("thinspiration"));  // two letters swapped
  EXPECT_THAT(Found("self harm myslef"), ::testing::ElementsAre("self-harm"));
  EXPECT_THAT(Found("hinspiration"), ::testing::IsEmpty());  // the first letter is kept
}

TEST_F(TermMatcherTest, NeverInsideAnotherWordAndNothingInCleanText) {
  EXPECT_THAT(Found("skill myselfie"), ::testing::IsEmpty());
  EXPECT_THAT(Found("presuicide"), ::testing::IsEmpty());
  EXPECT_THAT(Found("killer whale facts"), ::testing::IsEmpty());
  EXPECT_THAT(Found("suitcase sizes"), ::testing::IsEmpty());
  EXPECT_THAT(Found(""), ::testing::IsEmpty());
}

TEST(TermPatternTest, GeneratedPatternShape) {
  EXPECT_EQ(TermPattern("kill me", false),
            "(?:^|[^a-z0-9])k+[i1!|]+[l1|]+[ ._'-]*m+[e3]+(?:[^a-z0-9]|$)");
  EXPECT_EQ(TermPattern("ab", true), "(?:^|[^a-z0-9])[a4@]+[b8]+");
}

}  // namespace
}  // namespace esafe::monitoring
