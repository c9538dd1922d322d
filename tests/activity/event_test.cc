#include <gtest/gtest.h>

#include "activity/activity.h"

namespace esafe::activity {
namespace {

TEST(EventJson, RoundTrips) {
  const std::string line =
      R"({"time":"2026-11-23T09:15:02.125Z","client":"10.1.2.3","user":"u-81","site":"S12","agency":"havering-schools",)"
      R"("profile":"primary","url":"http://Ex.com/a?b=1","host":"ex.com","category":"gambling","list":"bl",)"
      R"("list_version":"2026-11-01","action":"block"})";
  auto e = ParseEventJson(line);
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(FormatTime(e->time_us), "2026-11-23T09:15:02.125000Z");
  EXPECT_EQ(FormatIp(e->client), "10.1.2.3");
  EXPECT_EQ(e->action, Action::kBlock);
  auto again = ParseEventJson(FormatEventJson(*e));
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(*again, *e);
}

TEST(EventJson, HostComesFromUrlWhenAbsent) {
  auto e = ParseEventJson(R"({"time":"2026-11-23T09:15:02Z","client":"2001:db8::1","url":"https://user@WWW.Example.COM:8443/x","action":"allow"})");
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(e->host, "www.example.com");
  EXPECT_EQ(FormatIp(e->client), "2001:db8::1");
}

TEST(EventJson, RejectsWithAReason) {
  struct Case {
    const char* line;
    const char* field;
  } cases[] = {
      {R"({"client":"10.0.0.1","url":"http://a/","action":"allow"})", "time"},
      {R"({"time":"2026-13-01T00:00:00Z","client":"10.0.0.1","url":"http://a/","action":"allow"})", "time"},
      {R"({"time":"2026-11-01T00:00:00","client":"10.0.0.1","url":"http://a/","action":"allow"})", "time"},
      {R"({"time":"2026-11-01T00:00:00Z","client":"10.0.0.256","url":"http://a/","action":"allow"})", "client"},
      {R"({"time":"2026-11-01T00:00:00Z","client":"10.0.0.1","url":"http://a/","action":"maybe"})", "action"},
      {R"({"time":"2026-11-01T00:00:00Z","client":"10.0.0.1","url":"http://a/","action":"allow","x":"1"})", "x"},
      {R"({"time":"2026-11-01T00:00:00Z","client":"10.0.0.1","url":5,"action":"allow"})", "url"},
      {R"({"time":"2026-11-01T00:00:00Z","client":"10.0.0.1","url":"http://a/\u0001","action":"allow"})", "url"},
      {R"({"time":"2026-11-01T00:00:00Z","client":"10.0.0.1","action":"allow"})", "url"},
  };
  for (const auto& c : cases) {
    auto e = ParseEventJson(c.line);
    ASSERT_FALSE(e.ok()) << c.line;
    EXPECT_EQ(e.error().field, c.field) << c.line << ": " << e.error().message;
    EXPECT_FALSE(e.error().message.empty());
  }
  EXPECT_FALSE(ParseEventJson("not json").ok());
  EXPECT_FALSE(ParseEventJson("[1,2]").ok());
  EXPECT_FALSE(ParseEventJson("{\"time\":\"\xff\"}").ok());
  EXPECT_FALSE(ParseEventJson(std::string(kMaxLineBytes + 1, ' ')).ok());
}

TEST(Time, ParsesOffsetsAndDates) {
  EXPECT_EQ(*ParseTime("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*ParseTime("1970-01-01T01:00:00+01:00"), 0);
  EXPECT_EQ(*ParseTime("1970-01-02"), 86400LL * 1000000);
  EXPECT_EQ(*ParseTime("2026-11-23T09:15:02.5Z"), *ParseTime("2026-11-23T09:15:02Z") + 500000);
  EXPECT_EQ(FormatTime(*ParseTime("2024-02-29T23:59:59.999999Z")), "2024-02-29T23:59:59.999999Z");
  for (const char* bad : {"", "2026-02-30", "2026-11-23T24:00:00Z", "2026-11-23T09:15Z", "yesterday",
                          "2026-11-23T09:15:02.Z", "2026-11-23T09:15:02Zjunk"}) {
    EXPECT_FALSE(ParseTime(bad).ok()) << bad;
  }
}

TEST(Cidr, RangesForBothFamilies) {
  auto r = ParseCidr("10.1.0.0/16");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->Contains(*ParseIp("10.1.255.255")));
  EXPECT_TRUE(r->Contains(*ParseIp("10.1.0.0")));
  EXPECT_FALSE(r->Contains(*ParseIp("10.2.0.0")));
  EXPECT_TRUE(r->Contains(*ParseIp("::ffff:10.1.2.3")));  // the mapped form is the same address
  auto v6 = ParseCidr("2001:db8::/32");
  ASSERT_TRUE(v6.ok());
  EXPECT_TRUE(v6->Contains(*ParseIp("2001:db8:ffff::1")));
  EXPECT_FALSE(v6->Contains(*ParseIp("2001:db9::")));
  EXPECT_FALSE(v6->Contains(*ParseIp("10.1.2.3")));
  auto all4 = ParseCidr("0.0.0.0/0");
  ASSERT_TRUE(all4.ok());
  EXPECT_TRUE(all4->Contains(*ParseIp("255.255.255.255")));
  EXPECT_FALSE(all4->Contains(*ParseIp("2001:db8::1")));
  auto one = ParseCidr("192.0.2.7");
  ASSERT_TRUE(one.ok());
  EXPECT_TRUE(one->Contains(*ParseIp("192.0.2.7")));
  EXPECT_FALSE(one->Contains(*ParseIp("192.0.2.8")));
  for (const char* bad : {"10.0.0.1/8", "10.0.0.0/33", "10.0.0.0/-1", "2001:db8::/129", "nonsense", "10.0.0/8",
                          "10.0.0.0/", "10.0.0.0/+8"}) {
    auto b = ParseCidr(bad);
    ASSERT_FALSE(b.ok()) << bad;
    EXPECT_EQ(b.error().field, "cidr");
  }
}

}  // namespace
}  // namespace esafe::activity
