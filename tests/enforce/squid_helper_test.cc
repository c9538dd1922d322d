// Tests of src/enforce/squid_line.cc and squid_helper.cc.
#include "enforce/squid_helper.h"

#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "enforce/test_policy.h"

namespace esafe::enforce {
namespace {

TEST(SquidLineTest, ParsesRewriteLinesWithAndWithoutChannels) {
  std::string channel;
  auto with = ParseSquidLine("17 http://a.example/x 10.1.2.3/- alice GET myip=127.0.0.1 myport=3128",
                             SquidMode::kRewrite, SquidChannels::kAuto, channel);
  ASSERT_TRUE(with.ok()) << with.error().message;
  EXPECT_EQ(with->channel, "17");
  EXPECT_EQ(with->url, "http://a.example/x");
  EXPECT_EQ(with->client, "10.1.2.3");
  EXPECT_EQ(with->user, "alice");
  EXPECT_EQ(with->method, "GET");
  auto without = ParseSquidLine("http://a.example/x 10.1.2.3/- - GET", SquidMode::kRewrite, SquidChannels::kAuto, channel);
  ASSERT_TRUE(without.ok());
  EXPECT_EQ(without->channel, "");
  EXPECT_EQ(without->user, "");
  auto connect = ParseSquidLine("3 blocked.example:443 10.0.0.1 - CONNECT", SquidMode::kRewrite, SquidChannels::kYes, channel);
  ASSERT_TRUE(connect.ok());
  EXPECT_EQ(connect->url, "blocked.example:443");
  EXPECT_EQ(connect->method, "CONNECT");
  auto bare = ParseSquidLine("http://a.example/\r", SquidMode::kRewrite, SquidChannels::kNo, channel);
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->url, "http://a.example/");
  EXPECT_EQ(bare->client, "");
}

TEST(SquidLineTest, AclValuesAreUnescaped) {
  std::string channel;
  auto acl = ParseSquidLine("5 http://a.example/a%2520b 10.1.2.3 jo%20smith GET", SquidMode::kAcl,
                            SquidChannels::kAuto, channel);
  ASSERT_TRUE(acl.ok());
  EXPECT_EQ(acl->url, "http://a.example/a%20b");
  EXPECT_EQ(acl->user, "jo smith");
}

TEST(SquidLineTest, MalformedLinesKeepTheirChannel) {
  std::string channel;
  EXPECT_FALSE(ParseSquidLine("", SquidMode::kRewrite, SquidChannels::kAuto, channel).ok());
  auto only_channel = ParseSquidLine("42", SquidMode::kRewrite, SquidChannels::kYes, channel);
  EXPECT_FALSE(only_channel.ok());
  EXPECT_EQ(channel, "42");
  EXPECT_FALSE(ParseSquidLine("x http://a/", SquidMode::kRewrite, SquidChannels::kYes, channel).ok());
  EXPECT_FALSE(ParseSquidLine(std::string(kMaxSquidLine + 1, 'a'), SquidMode::kRewrite, SquidChannels::kNo, channel).ok());
  EXPECT_FALSE(ParseSquidLine(std::string("1 http://a/\0x", 13), SquidMode::kRewrite, SquidChannels::kAuto, channel).ok());
}

TEST(SquidLineTest, Replies) {
  EXPECT_EQ(SquidAllowReply("4", SquidMode::kRewrite), "4 ERR");
  EXPECT_EQ(SquidAllowReply("", SquidMode::kAcl), "OK");
  EXPECT_EQ(SquidBlockReply("4", SquidMode::kRewrite, "http://b/?u=1", "x"), "4 OK status=302 url=http://b/?u=1");
  EXPECT_EQ(SquidBlockReply("4", SquidMode::kRewrite, "http://b/?u=http%3A%2F%2Fa", "x"),
            "4 OK status=302 url=http://b/?u=http%253A%252F%252Fa");
  EXPECT_EQ(SquidBlockReply("4", SquidMode::kAcl, "http://b/", "blocked: \"a\""), "4 ERR message=\"blocked: \\\"a\\\"\"");
  EXPECT_EQ(SquidRewriteReply("", "http://x/?safe=active"), "OK rewrite-url=http://x/?safe=active");
  EXPECT_EQ(SquidBrokenReply("9", "bad\nline"), "9 BH message=\"badline\"");
}

class SquidHelperTest : public ::testing::Test {
 protected:
  testing::MemorySink sink_;
  Enforcer enforcer_{testing::TestEnforcement(), sink_, EnforcerOptions{"squid-helper", "http://esafe.test/blocked", "http://esafe.test/review"}};
};

TEST_F(SquidHelperTest, DecidesPerClientProfile) {
  SquidHelperOptions options;
  const std::string pupil = HandleSquidLine("1 http://adult.example/page 10.1.2.3/- - GET", enforcer_, options);
  EXPECT_TRUE(pupil.starts_with("1 OK status=302 url=http://esafe.test/blocked?url=http%253A%252F%252Fadult.example%252Fpage&category=adult"))
      << pupil;
  EXPECT_EQ(HandleSquidLine("2 http://adult.example/page 10.9.0.1/- - GET", enforcer_, options), "2 ERR");
  // CONNECT to a listed host: refused for the pupil.
  EXPECT_TRUE(HandleSquidLine("3 adult.example:443 10.1.2.3 - CONNECT", enforcer_, options).starts_with("3 OK status=302"));
  // Mandatory list for staff too; the redirect does not repeat the URL.
  const std::string mandatory = HandleSquidLine("4 http://illegal.example/ 10.9.0.1 - GET", enforcer_, options);
  EXPECT_TRUE(mandatory.starts_with("4 OK status=302")) << mandatory;
  EXPECT_EQ(mandatory.find("illegal.example"), std::string::npos) << mandatory;
  // Safe search for pupils' Google searches.
  EXPECT_EQ(HandleSquidLine("5 http://www.google.com/search?q=x&safe=off 10.1.2.3 - GET", enforcer_, options),
            "5 OK rewrite-url=http://www.google.com/search?q=x&safe=active");
  EXPECT_EQ(HandleSquidLine("6 http://www.google.com/search?q=x 10.9.0.1 - GET", enforcer_, options), "6 ERR");
  // Malformed: BH with the channel, and a URL that cannot be read.
  SquidHelperOptions with_channels;
  with_channels.channels = SquidChannels::kYes;
  EXPECT_TRUE(HandleSquidLine("7", enforcer_, with_channels).starts_with("7 BH message=")) << "no URL";
  EXPECT_TRUE(HandleSquidLine("   ", enforcer_, options).starts_with("BH message=")) << "empty line";
  EXPECT_TRUE(HandleSquidLine("8 http://a.example:99999/ 10.1.2.3 - GET", enforcer_, options).starts_with("8 BH message="));

  const auto events = sink_.events();
  ASSERT_EQ(events.size(), 6u);  // BH lines are not decisions
  EXPECT_EQ(events[0].point, "squid-helper");
  EXPECT_EQ(activity::FormatIp(events[0].client), "10.1.2.3");
  EXPECT_EQ(events[0].profile, "primary");
  EXPECT_EQ(events[0].site, "School");
  EXPECT_EQ(events[0].agency, "7");  // the directory id, as activity search scopes by it
  EXPECT_EQ(events[0].action, activity::Action::kBlock);
  EXPECT_EQ(events[0].category, "adult");
  EXPECT_EQ(events[0].list, "adult");
  EXPECT_FALSE(events[0].entry.empty());
  EXPECT_EQ(events[0].reason, "category");
  EXPECT_FALSE(events[0].host.empty());
  EXPECT_TRUE(events[0].node.empty());
  EXPECT_FALSE(events[0].safe_search);
  EXPECT_EQ(events[1].profile, "staff");
  EXPECT_EQ(events[1].action, activity::Action::kAllow);
  EXPECT_EQ(events[3].reason, "mandatory list");
  EXPECT_TRUE(events[4].safe_search);
}

// A host the WHATWG host parser rejects is blocked, for staff too (fail closed), and
// recorded like any block.
TEST_F(SquidHelperTest, InvalidHostIsBlockedAndRecorded) {
  SquidHelperOptions options;
  for (const std::string url : {"http://a%00b.example/", "http://xn--pokxncvks.example/", "http://[zz]/",
                                "http://a%20b.example/", "http://999.1.1.1/"}) {
    const std::string reply = HandleSquidLine("9 " + url + " 10.9.0.1 - GET", enforcer_, options);
    EXPECT_TRUE(reply.starts_with("9 OK status=302")) << url << ": " << reply;
  }
  const auto events = sink_.events();
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0].action, activity::Action::kBlock);
  EXPECT_EQ(events[0].reason, "invalid host");
  EXPECT_EQ(events[0].profile, "staff");
  EXPECT_EQ(events[1].url, "http://xn--pokxncvks.example/");
  EXPECT_TRUE(events[1].host.empty());
}

TEST_F(SquidHelperTest, AclMode) {
  SquidHelperOptions options;
  options.mode = SquidMode::kAcl;
  EXPECT_EQ(HandleSquidLine("1 http%3A%2F%2Fadult.example%2F 10.9.0.1 - GET", enforcer_, options), "1 OK");
  EXPECT_EQ(HandleSquidLine("2 http%3A%2F%2Fadult.example%2F 10.1.2.3 - GET", enforcer_, options),
            "2 ERR message=\"blocked: adult (category)\"");
}

TEST_F(SquidHelperTest, ManyRequestsInFlightEachAnsweredOnce) {
  std::ostringstream input;
  constexpr int kLines = 2000;
  for (int i = 0; i < kLines; ++i) {
    input << i << (i % 2 ? " http://adult.example/" : " http://example.org/") << " 10.1.2.3 - GET\n";
    if (i == 1000) input << "  \n";  // no channel, no URL: BH, answered in order
  }
  std::istringstream in(input.str());
  std::ostringstream out;
  SquidHelperOptions options;
  options.threads = 4;
  EXPECT_EQ(RunSquidHelper(in, out, enforcer_, options), static_cast<size_t>(kLines + 1));
  std::istringstream replies(out.str());
  std::string line;
  std::set<int> seen;
  int broken = 0;
  while (std::getline(replies, line)) {
    if (line.starts_with("BH")) {
      ++broken;
      continue;
    }
    const int channel = std::stoi(line.substr(0, line.find(' ')));
    EXPECT_TRUE(seen.insert(channel).second) << "answered twice: " << channel;
    const bool blocked = line.find(" OK status=302") != std::string::npos;
    EXPECT_EQ(blocked, channel % 2 == 1) << line;
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kLines));
  EXPECT_EQ(broken, 1);
}

}  // namespace
}  // namespace esafe::enforce
