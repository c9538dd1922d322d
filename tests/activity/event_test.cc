#include <random>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

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

// The one JSON form: FormatEventJson writes every field and ParseEventJson reads back
// exactly the event, over varied events — empty strings, IPv6 and IPv4 clients, every
// action, safe_search both ways, non-ASCII text, fields at their caps.
TEST(EventJson, EveryFormattedEventParsesBackEqual) {
  std::mt19937_64 rng(2026);
  auto pick = [&rng](uint64_t n) { return rng() % n; };
  const std::vector<std::string> texts = {"", "a", "u-81", "Havering Schools", "3", "caf\u00e9",
                                          "\u00c9cole \u2014 \u65e5\u672c", "x\"quoted\" \\ slash",
                                          std::string(kMaxFieldBytes, 'z')};
  auto text = [&] { return texts[pick(texts.size())]; };
  const std::vector<std::string> clients = {"10.1.2.3", "0.0.0.0", "255.255.255.255", "2001:db8::1", "::1", "::",
                                            "fe80::1:2:3:4", "2001:db8:0:1:2:3:4:5", "::ffff:0:102:304"};
  const std::vector<std::string> reasons = {"category", "time rule", "mandatory list", "override", "no match", ""};
  for (int i = 0; i < 2000; ++i) {
    ActivityEvent e;
    e.time_us = static_cast<int64_t>(rng() % (253402300800LL * 1000000LL));
    e.client = *ParseIp(clients[pick(clients.size())]);
    e.user = text();
    e.site = text();
    e.agency = pick(2) ? std::to_string(pick(50)) : text();
    e.profile = text();
    e.host = pick(2) ? "www.example.com" : "";
    e.url = pick(3) ? "http://www.example.com/" + std::to_string(i) : "https://[2001:db8::1]/" + std::string(pick(8000), 'p');
    e.category = text();
    e.list = text();
    e.list_version = text();
    e.action = static_cast<Action>(pick(4));
    e.point = pick(2) ? "squid-helper" : text();
    e.reason = reasons[pick(reasons.size())];
    e.entry = pick(2) ? std::string(pick(2) ? kMaxUrlBytes : 10, 'e') : text();
    e.node = text();
    e.safe_search = pick(2) == 1;
    const std::string line = FormatEventJson(e);
    ASSERT_LE(line.size(), kMaxLineBytes) << i;
    auto json = nlohmann::json::parse(line);
    EXPECT_EQ(json.size(), 17u) << line;  // every field, always
    EXPECT_TRUE(json["safe_search"].is_boolean());
    auto back = ParseEventJson(line);
    ASSERT_TRUE(back.ok()) << line << ": " << back.error().message;
    EXPECT_EQ(*back, e) << line;
  }
  // The longest line: every field at its cap, every byte one that JSON escapes.
  ActivityEvent big;
  big.client = *ParseIp("2001:db8:1:2:3:4:5:6");
  big.url = "http://a/" + std::string(kMaxUrlBytes - 9, '"');
  big.entry = std::string(kMaxUrlBytes, '\\');
  for (std::string* f : {&big.user, &big.site, &big.agency, &big.profile, &big.host, &big.category, &big.list,
                         &big.list_version, &big.point, &big.reason, &big.node})
    *f = std::string(kMaxFieldBytes, '"');
  const std::string line = FormatEventJson(big);
  EXPECT_LE(line.size(), kMaxLineBytes);
  auto back = ParseEventJson(line);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, big);
}

// The line existing shippers send (every value a string, none of the decision keys)
// is read as before, the decision fields empty.
TEST(EventJson, TheOlderIngestFormStillParses) {
  auto e = ParseEventJson(
      R"({"time":"2026-11-23T09:15:02Z","client":"10.1.2.3","user":"u-81","site":"S12","agency":"havering-schools",)"
      R"("profile":"primary","url":"http://ex.com/a","host":"ex.com","category":"gambling","list":"bl",)"
      R"("list_version":"2026-11-01","action":"block"})");
  ASSERT_TRUE(e.ok()) << e.error().message;
  EXPECT_EQ(e->agency, "havering-schools");
  EXPECT_TRUE(e->point.empty() && e->reason.empty() && e->entry.empty() && e->node.empty());
  EXPECT_FALSE(e->safe_search);
}

TEST(EventJson, TheDecisionKeysAreCheckedStrictly) {
  const std::string head = R"({"time":"2026-11-01T00:00:00.000001Z","client":"10.0.0.1","url":"http://a/","action":"allow",)";
  struct Case {
    std::string tail;
    const char* field;
  } cases[] = {
      {R"("safe_search":"true"})", "safe_search"},
      {R"("safe_search":1})", "safe_search"},
      {R"("safe_search":null})", "safe_search"},
      {R"("point":7})", "point"},
      {R"("reason":null})", "reason"},
      {R"("entry":["a"]})", "entry"},
      {R"("node":{"n":1}})", "node"},
      {R"("node":"a\tb"})", "node"},
      {R"("reason":"x\u007f"})", "reason"},
      {R"("point":")" + std::string(kMaxFieldBytes + 1, 'p') + R"("})", "point"},
      {R"("entry":")" + std::string(kMaxUrlBytes + 1, 'e') + R"("})", "entry"},
      {R"("time_ms":1700000000000})", "time_ms"},
      {R"("agency_id":3})", "agency_id"},
      {R"("site_id":"3"})", "site_id"},
  };
  for (const auto& c : cases) {
    auto e = ParseEventJson(head + c.tail);
    ASSERT_FALSE(e.ok()) << c.tail;
    EXPECT_EQ(e.error().field, c.field) << c.tail << ": " << e.error().message;
  }
  auto ok = ParseEventJson(head + R"("safe_search":true,"point":"icap","reason":"no match","entry":"","node":"n1"})");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_TRUE(ok->safe_search);
  EXPECT_EQ(ok->time_us % 1000000, 1);  // microseconds kept
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
