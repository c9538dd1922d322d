// The one parser of the activity query (src/activity/query_input.cc), which the web API
// and `esafe log search` both call: what it makes of good input, and the field it names
// for bad input.
#include "activity/query_input.h"

#include <gtest/gtest.h>

namespace esafe::activity {
namespace {

TEST(QueryInput, MakesTheQueryAsked) {
  QueryInput in;
  in.from = "2026-09-01";
  in.to = "2026-09-05T12:00:00Z";
  in.cidrs = {"10.20.1.0/24, 2001:db8::/48", "192.0.2.7"};
  in.host = "WWW.Example.COM";
  in.host_match = "prefix";
  in.url = "https://www.example.com/a";
  in.categories = {"Gambling"};
  in.users = {"u1", "u2"};
  in.action = "block";
  auto q = ParseQuery(in);
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_EQ(q->from_us, ParseTime("2026-09-01").value());
  EXPECT_EQ(q->to_us, ParseTime("2026-09-05T12:00:00Z").value());
  EXPECT_EQ(q->clients.size(), 3u);
  ASSERT_TRUE(q->host);
  EXPECT_EQ(q->host->value, "www.example.com");
  EXPECT_EQ(q->host->match, Match::kPrefix);
  ASSERT_TRUE(q->url);
  EXPECT_EQ(q->url->match, Match::kPrefix);  // the default for a URL
  EXPECT_EQ(q->categories, std::vector<std::string>{"gambling"});
  EXPECT_EQ(q->users, (std::vector<std::string>{"u1", "u2"}));
  EXPECT_EQ(q->action, Action::kBlock);
}

TEST(QueryInput, BadInputNamesTheField) {
  auto field_of = [](QueryInput in) {
    auto q = ParseQuery(in);
    return q.ok() ? std::string("(accepted)") : q.error().field;
  };
  QueryInput in;
  in.from = "yesterday";
  EXPECT_EQ(field_of(in), "from");
  in = {};
  in.from = "2026-09-05";
  in.to = "2026-09-01";
  EXPECT_EQ(field_of(in), "to");
  in = {};
  in.cidrs = {"10.20.1.0/24,nonsense"};
  EXPECT_EQ(field_of(in), "cidr");
  in = {};
  in.host = "*.example.com";
  EXPECT_EQ(field_of(in), "host");
  in = {};
  in.host = "a";
  in.host_match = "glob";
  EXPECT_EQ(field_of(in), "host_match");
  in = {};
  in.url = "https://example.com/a b";
  EXPECT_EQ(field_of(in), "url");
  in = {};
  in.action = "deny";
  EXPECT_EQ(field_of(in), "action");
  in = {};
  in.users = {std::string(kMaxQueryFieldBytes + 1, 'u')};
  EXPECT_EQ(field_of(in), "user");
  EXPECT_EQ(ParseCountBy("colour").error().field, "count_by");
  EXPECT_EQ(ParseCountBy("node").value(), Field::kNode);
}

}  // namespace
}  // namespace esafe::activity
