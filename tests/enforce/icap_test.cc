// Tests of src/enforce/icap_message.cc and the connection logic of icap_server.cc.
#include <gtest/gtest.h>

#include "enforce/icap_message.h"
#include "enforce/icap_server.h"
#include "enforce/test_policy.h"

namespace esafe::enforce {
namespace {

std::string Reqmod(std::string_view http_head, std::string_view extra_headers = "", std::string_view body = {}) {
  std::string icap = "REQMOD icap://127.0.0.1:1344/reqmod ICAP/1.0\r\nHost: 127.0.0.1:1344\r\nAllow: 204\r\n";
  icap += extra_headers;
  if (body.data() == nullptr) {
    icap += "Encapsulated: req-hdr=0, null-body=" + std::to_string(http_head.size()) + "\r\n\r\n";
    icap += http_head;
  } else {
    icap += "Preview: 0\r\nEncapsulated: req-hdr=0, req-body=" + std::to_string(http_head.size()) + "\r\n\r\n";
    icap += http_head;
    icap += body;
  }
  return icap;
}

std::string Get(std::string_view url) { return "GET " + std::string(url) + " HTTP/1.1\r\nHost: x\r\n\r\n"; }

TEST(IcapMessageTest, ParsesHeads) {
  auto options = ParseIcapHead("OPTIONS icap://127.0.0.1:1344/reqmod ICAP/1.0\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(options.ok()) << options.error().message;
  EXPECT_EQ(options->method, "OPTIONS");
  const std::string head = Reqmod(Get("http://a.example/"), "Preview: 0\r\n");
  auto reqmod = ParseIcapHead(head.substr(0, head.find("\r\n\r\n") + 4));
  ASSERT_TRUE(reqmod.ok()) << reqmod.error().message;
  EXPECT_EQ(reqmod->preview, 0u);
  EXPECT_TRUE(reqmod->allow_204);
  EXPECT_FALSE(reqmod->has_body());
  EXPECT_EQ(reqmod->http_head_length(), Get("http://a.example/").size());
}

TEST(IcapMessageTest, RefusesMalformedHeads) {
  for (const char* bad : {
           "REQMOD icap://a/reqmod ICAP/2.0\r\n\r\n",
           "REQMOD http://a/reqmod ICAP/1.0\r\n\r\n",
           "REQMOD icap://a/reqmod ICAP/1.0\r\n\r\n",  // no Encapsulated
           "REQMOD icap://a/reqmod ICAP/1.0\r\nEncapsulated: req-hdr=5, null-body=9\r\n\r\n",
           "REQMOD icap://a/reqmod ICAP/1.0\r\nEncapsulated: req-hdr=0, null-body=x\r\n\r\n",
           "REQMOD icap://a/reqmod ICAP/1.0\r\nEncapsulated: req-hdr=0, res-body=9\r\n\r\n",
           "REQMOD icap://a/reqmod ICAP/1.0\r\nEncapsulated: req-hdr=0, null-body=0\r\n\r\n",
           "REQMOD icap://a/reqmod ICAP/1.0\r\nEncapsulated: req-hdr=0, null-body=99999999\r\n\r\n",
           "REQMOD icap://a/reqmod ICAP/1.0\r\n folded: x\r\n\r\n",
           "REQMOD icap://a/reqmod ICAP/1.0\r\nno colon\r\n\r\n",
           "REQMOD  icap://a/reqmod ICAP/1.0\r\n\r\n",
           "OPTIONS icap://a/reqmod ICAP/1.0\r\nPreview: -1\r\n\r\n",
       }) {
    EXPECT_FALSE(ParseIcapHead(bad).ok()) << bad;
  }
  std::string huge = "OPTIONS icap://a/reqmod ICAP/1.0\r\nX: " + std::string(kMaxIcapHead, 'a') + "\r\n\r\n";
  auto too_large = ParseIcapHead(huge);
  ASSERT_FALSE(too_large.ok());
  EXPECT_EQ(too_large.error().kind, ErrorKind::kTooLarge);
}

TEST(IcapMessageTest, HttpHeadsAndUrls) {
  auto absolute = ParseHttpRequestHead("GET http://a.example/x?y HTTP/1.1\r\nHost: a.example\r\n\r\n");
  ASSERT_TRUE(absolute.ok());
  EXPECT_EQ(absolute->Url(), "http://a.example/x?y");
  auto origin = ParseHttpRequestHead("GET /x HTTP/1.1\r\nhost: b.example:8080\r\n\r\n");
  ASSERT_TRUE(origin.ok());
  EXPECT_EQ(origin->Url(), "http://b.example:8080/x");
  auto connect = ParseHttpRequestHead("CONNECT c.example:443 HTTP/1.1\r\nHost: c.example:443\r\n\r\n");
  ASSERT_TRUE(connect.ok());
  EXPECT_EQ(connect->Url(), "c.example:443");
  EXPECT_EQ(ParseHttpRequestHead("GET /x HTTP/1.1\r\n\r\n")->Url(), "");
  EXPECT_FALSE(ParseHttpRequestHead("GET /x\r\n\r\n").ok());
  EXPECT_FALSE(ParseHttpRequestHead("GET /x HTTP/1.1\r\nHost: a").ok());
  bool ieof = false;
  EXPECT_EQ(*ParseChunkSize("1a", ieof), 26u);
  EXPECT_EQ(*ParseChunkSize("0; ieof", ieof), 0u);
  EXPECT_TRUE(ieof);
  EXPECT_FALSE(ParseChunkSize("zz", ieof).ok());
  EXPECT_FALSE(ParseChunkSize("fffffffffff", ieof).ok());
}

class IcapServiceTest : public ::testing::Test {
 protected:
  std::vector<std::string> Serve(const std::string& bytes) {
    StringSource source(bytes);
    std::vector<std::string> responses;
    ServeIcapConnection(source, [&](std::string_view r) { responses.emplace_back(r); return true; }, enforcer_, {});
    return responses;
  }
  testing::MemorySink sink_;
  Enforcer enforcer_{testing::TestEnforcement(), sink_, EnforcerOptions{"icap", "", "https://esafe.test/review"}};
};

TEST_F(IcapServiceTest, OptionsThenDecisionsOnOneConnection) {
  const std::string pupil = "X-Client-IP: 10.1.2.3\r\n";
  const std::string staff = "X-Client-IP: 10.9.0.1\r\n";
  auto responses = Serve("OPTIONS icap://127.0.0.1:1344/reqmod ICAP/1.0\r\nHost: a\r\n\r\n" +
                         Reqmod(Get("http://adult.example/pics"), pupil) + Reqmod(Get("http://adult.example/pics"), staff) +
                         Reqmod("CONNECT adult.example:443 HTTP/1.1\r\nHost: adult.example:443\r\n\r\n", pupil) +
                         Reqmod(Get("http://illegal.example/"), staff));
  ASSERT_EQ(responses.size(), 5u);
  EXPECT_TRUE(responses[0].starts_with("ICAP/1.0 200 OK\r\n"));
  EXPECT_NE(responses[0].find("Allow: 204"), std::string::npos);
  EXPECT_NE(responses[0].find("Preview: 0"), std::string::npos);
  EXPECT_NE(responses[0].find("ISTag: \"esafe-"), std::string::npos);
  EXPECT_NE(responses[0].find("Methods: REQMOD"), std::string::npos);
  // Pupil: block page with category and review link.
  EXPECT_TRUE(responses[1].starts_with("ICAP/1.0 200 OK\r\n"));
  EXPECT_NE(responses[1].find("Encapsulated: res-hdr=0, res-body="), std::string::npos);
  EXPECT_NE(responses[1].find("HTTP/1.1 403 Forbidden"), std::string::npos);
  EXPECT_NE(responses[1].find("This page has been blocked"), std::string::npos);
  EXPECT_NE(responses[1].find("&quot;adult&quot;"), std::string::npos);
  EXPECT_NE(responses[1].find("https://esafe.test/review?url=http%3A%2F%2Fadult.example%2Fpics&amp;category=adult"),
            std::string::npos)
      << responses[1];
  EXPECT_TRUE(responses[1].ends_with("\r\n0\r\n\r\n"));
  // Staff: unchanged.
  EXPECT_TRUE(responses[2].starts_with("ICAP/1.0 204 No Content\r\n"));
  // CONNECT to a listed host: refused.
  EXPECT_NE(responses[3].find("HTTP/1.1 403 Forbidden"), std::string::npos);
  // Mandatory list for staff: blocked, no review link.
  EXPECT_NE(responses[4].find("HTTP/1.1 403 Forbidden"), std::string::npos);
  EXPECT_EQ(responses[4].find("request-review"), std::string::npos);
  EXPECT_EQ(sink_.events().size(), 4u);
  EXPECT_EQ(sink_.events()[3].reason, "mandatory list");
}

// Squid peeks at the TLS hello and passes its server name on the CONNECT it makes for a
// spliced tunnel: a blocked name behind an allowed CONNECT host is refused, and each
// CONNECT is recorded once, on the name that decided.
TEST_F(IcapServiceTest, ConnectIsDecidedOnTheTlsServerNameToo) {
  const std::string pupil = "X-Client-IP: 10.1.2.3\r\n";
  const std::string connect_ok = "CONNECT ok.example:443 HTTP/1.1\r\nHost: ok.example:443\r\n\r\n";
  const std::string connect_adult = "CONNECT adult.example:443 HTTP/1.1\r\nHost: adult.example:443\r\n\r\n";
  auto responses = Serve(Reqmod(connect_ok, pupil + "X-TLS-SNI: adult.example\r\n") +
                         Reqmod(connect_adult, pupil + "X-TLS-SNI: ok.example\r\n") +
                         Reqmod(connect_ok, pupil + "X-TLS-SNI: www.ok.example\r\n") +
                         Reqmod(connect_ok, pupil + "X-TLS-SNI: -\r\n") +
                         Reqmod(connect_ok, pupil + "X-TLS-SNI: not a/host\r\n"));
  ASSERT_EQ(responses.size(), 5u);
  EXPECT_NE(responses[0].find("HTTP/1.1 403 Forbidden"), std::string::npos) << responses[0];
  EXPECT_NE(responses[1].find("HTTP/1.1 403 Forbidden"), std::string::npos) << responses[1];
  for (size_t i = 2; i < 5; ++i) EXPECT_TRUE(responses[i].starts_with("ICAP/1.0 204")) << i << responses[i];
  const auto events = sink_.events();
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0].url, "https://adult.example/");
  EXPECT_EQ(events[0].category, "adult");
  EXPECT_EQ(events[1].url, "https://adult.example/");
  EXPECT_EQ(events[2].url, "https://www.ok.example/");  // allowed both ways: the name the tunnel serves
  EXPECT_EQ(events[3].url, "https://ok.example/");
  EXPECT_EQ(events[4].url, "https://ok.example/");
}

// A host the WHATWG host parser rejects gets the block page (fail closed), not a 400 that
// Squid may be set to bypass.
TEST_F(IcapServiceTest, InvalidHostGetsTheBlockPage) {
  auto responses = Serve(Reqmod(Get("http://xn--pokxncvks.example/"), "X-Client-IP: 10.9.0.1\r\n"));
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_NE(responses[0].find("HTTP/1.1 403 Forbidden"), std::string::npos) << responses[0];
  EXPECT_NE(responses[0].find("invalid host"), std::string::npos) << responses[0];
  const auto events = sink_.events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].reason, "invalid host");
}

TEST_F(IcapServiceTest, SafeSearchRewritesUrlAndHeaders) {
  const std::string pupil = "X-Client-IP: 10.1.2.3\r\n";
  auto responses = Serve(Reqmod("GET /search?q=cats&safe=off HTTP/1.1\r\nHost: www.google.com\r\n\r\n", pupil) +
                         Reqmod(Get("http://www.youtube.com/watch?v=1"), pupil) +
                         Reqmod(Get("http://www.bing.com/search?q=x"), "X-Client-IP: 10.9.0.1\r\n"));
  ASSERT_EQ(responses.size(), 3u);
  EXPECT_NE(responses[0].find("Encapsulated: req-hdr=0, null-body="), std::string::npos);
  EXPECT_NE(responses[0].find("GET /search?q=cats&safe=active HTTP/1.1\r\n"), std::string::npos) << responses[0];
  EXPECT_NE(responses[1].find("YouTube-Restrict: Strict\r\n"), std::string::npos) << responses[1];
  EXPECT_TRUE(responses[2].starts_with("ICAP/1.0 204"));  // staff: no safe search
}

TEST_F(IcapServiceTest, PreviewBodiesAndEcho) {
  const std::string post = "POST http://example.org/form HTTP/1.1\r\nHost: example.org\r\n\r\n";
  auto responses = Serve(Reqmod(post, "", "0\r\n\r\n") + Reqmod(post, "X-Client-IP: 10.1.2.3\r\n", "0; ieof\r\n\r\n"));
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_TRUE(responses[0].starts_with("ICAP/1.0 204"));
  EXPECT_TRUE(responses[1].starts_with("ICAP/1.0 204"));
  // No Allow: 204 and no preview: the request comes back whole, body included.
  std::string no204 = "REQMOD icap://h/reqmod ICAP/1.0\r\nEncapsulated: req-hdr=0, req-body=" +
                      std::to_string(post.size()) + "\r\n\r\n" + post + "5\r\nhello\r\n0\r\n\r\n";
  auto echoed = Serve(no204);
  ASSERT_EQ(echoed.size(), 1u);
  EXPECT_NE(echoed[0].find("Encapsulated: req-hdr=0, req-body="), std::string::npos);
  EXPECT_TRUE(echoed[0].ends_with(post + "5\r\nhello\r\n0\r\n\r\n")) << echoed[0];
}

TEST_F(IcapServiceTest, MalformedGets400AndConnectionEnds) {
  auto responses = Serve("HELLO\r\n\r\n" + Reqmod(Get("http://adult.example/")));
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_TRUE(responses[0].starts_with("ICAP/1.0 400 Bad Request\r\n"));
  auto bad_http = Serve(Reqmod("GARBAGE\r\n\r\n"));
  ASSERT_EQ(bad_http.size(), 1u);
  EXPECT_TRUE(bad_http[0].starts_with("ICAP/1.0 400"));
  auto bad_chunk = Serve(Reqmod("POST http://a/ HTTP/1.1\r\n\r\n", "", "zz\r\n\r\n"));
  ASSERT_EQ(bad_chunk.size(), 1u);
  EXPECT_TRUE(bad_chunk[0].starts_with("ICAP/1.0 400"));
  auto wrong_service = Serve("OPTIONS icap://127.0.0.1/other ICAP/1.0\r\n\r\n");
  ASSERT_EQ(wrong_service.size(), 1u);
  EXPECT_TRUE(wrong_service[0].starts_with("ICAP/1.0 404"));
  auto oversized = Serve("OPTIONS icap://127.0.0.1/reqmod ICAP/1.0\r\nX: " + std::string(kMaxIcapHead + 10, 'a'));
  ASSERT_EQ(oversized.size(), 1u);
  EXPECT_TRUE(oversized[0].starts_with("ICAP/1.0 400"));
}

}  // namespace
}  // namespace esafe::enforce
