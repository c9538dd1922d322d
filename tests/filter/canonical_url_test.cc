#include "filter/canonical_url.h"

#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "filter/canonical_host.h"
#include "filter/filter_engine.h"
#include "test_lists.h"

namespace esafe::filter {
namespace {

std::string Canonical(std::string_view input) {
  auto url = CanonicalUrl::Parse(input);
  if (!url) return "ERROR: " + url.error().message;
  return url->spec();
}

// The examples published with the Safe Browsing canonicalisation rules
// (developers.google.com/safe-browsing/v4/urls-hashing#canonicalization).
TEST(CanonicalUrlTest, SafeBrowsingPublishedExamples) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"http://host/%25%32%35", "http://host/%25"},
      {"http://host/%25%32%35%25%32%35", "http://host/%25%25"},
      {"http://host/%2525252525252525", "http://host/%25"},
      {"http://host/asdf%25%32%35asd", "http://host/asdf%25asd"},
      {"http://host/%%%25%32%35asd%%", "http://host/%25%25%25asd%25%25"},
      {"http://www.google.com/", "http://www.google.com/"},
      {"http://%31%36%38%2e%31%38%38%2e%39%39%2e%32%36/%2E%73%65%63%75%72%65/%77%77%77%2E%65%62%61%79%2E%63%6F%6D/",
       "http://168.188.99.26/.secure/www.ebay.com/"},
      {"http://195.127.0.11/uploads/%20%20%20%20/.verify/.eBaysecure=updateuserdataxplimnbqmn-xplmvalidateinfoswqpcmlx=hgplmcx/",
       "http://195.127.0.11/uploads/%20%20%20%20/.verify/.eBaysecure=updateuserdataxplimnbqmn-xplmvalidateinfoswqpcmlx=hgplmcx/"},
      {"http://3279880203/blah", "http://195.127.0.11/blah"},
      {"http://www.google.com/blah/..", "http://www.google.com/"},
      {"www.google.com/", "http://www.google.com/"},
      {"www.google.com", "http://www.google.com/"},
      {"http://www.evil.com/blah#frag", "http://www.evil.com/blah"},
      {"http://www.GOOgle.com/", "http://www.google.com/"},
      {"http://www.google.com.../", "http://www.google.com/"},
      {"http://www.google.com/foo\tbar\rbaz\n2", "http://www.google.com/foobarbaz2"},
      {"http://www.google.com/q?", "http://www.google.com/q?"},
      {"http://www.google.com/q?r?", "http://www.google.com/q?r?"},
      {"http://www.google.com/q?r?s", "http://www.google.com/q?r?s"},
      {"http://evil.com/foo#bar#baz", "http://evil.com/foo"},
      {"http://evil.com/foo;", "http://evil.com/foo;"},
      {"http://evil.com/foo?bar;", "http://evil.com/foo?bar;"},
      {"http://notrailingslash.com", "http://notrailingslash.com/"},
      {"http://www.gotaport.com:1234/", "http://www.gotaport.com/"},
      {"  http://www.google.com/  ", "http://www.google.com/"},
      {"https://www.securesite.com/", "https://www.securesite.com/"},
      {"http://host.com/ab%23cd", "http://host.com/ab%23cd"},
      {"http://host.com//twoslashes?more//slashes", "http://host.com/twoslashes?more//slashes"},
  };
  for (const auto& [input, expected] : cases) {
    EXPECT_EQ(Canonical(input), expected) << "input: " << input;
  }
}

TEST(CanonicalUrlTest, PartsAndPort) {
  auto url = CanonicalUrl::Parse("HTTPS://User:Pw@WWW.Example.COM.:8443/a/./b/../c?x=1#top");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->scheme(), "https");
  EXPECT_EQ(url->host(), "www.example.com");
  EXPECT_EQ(url->path(), "/a/c");
  EXPECT_EQ(url->query(), "?x=1");
  EXPECT_EQ(url->path_and_query(), "/a/c?x=1");
  EXPECT_EQ(url->host_and_path(), "www.example.com/a/c?x=1");
  EXPECT_EQ(url->port(), 8443);
  EXPECT_EQ(url->spec(), "https://www.example.com/a/c?x=1");
}

TEST(CanonicalUrlTest, ConnectStyleHostPortIsHttps) {
  auto url = CanonicalUrl::Parse("blocked.example:443");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->scheme(), "https");
  EXPECT_EQ(url->port(), 443);
  EXPECT_EQ(url->spec(), "https://blocked.example/");
  EXPECT_EQ(Canonical("example.com:8080/x"), "http://example.com/x");
}

TEST(CanonicalUrlTest, Ipv4NumberForms) {
  EXPECT_EQ(Canonical("http://3221225994/"), "http://192.0.2.10/");
  EXPECT_EQ(Canonical("http://0xC000020A/"), "http://192.0.2.10/");
  EXPECT_EQ(Canonical("http://030000001012/"), "http://192.0.2.10/");
  EXPECT_EQ(Canonical("http://0300.0.02.012/"), "http://192.0.2.10/");
  EXPECT_EQ(Canonical("http://0xc0.0x0.0x2.0xa/"), "http://192.0.2.10/");
  EXPECT_EQ(Canonical("http://192.0.522/"), "http://192.0.2.10/");
  EXPECT_EQ(Canonical("http://192.522/"), "http://192.0.2.10/");
  EXPECT_EQ(Canonical("http://192.0.2.10./"), "http://192.0.2.10/");
  EXPECT_EQ(Canonical("http://0x/"), "http://0.0.0.0/");
  EXPECT_EQ(Canonical("http://１９２.０.２.１０/"), "http://192.0.2.10/");  // full-width digits
  EXPECT_EQ(Canonical("http://256.0.0.1/"), "ERROR: IPv4 address part above 255");
  EXPECT_EQ(Canonical("http://1.2.3.4.5/"), "ERROR: IPv4 address has more than four parts");
  EXPECT_EQ(Canonical("http://4294967296/"), "ERROR: IPv4 address out of range");
  EXPECT_EQ(Canonical("http://09.1.1.1/"), "ERROR: invalid IPv4 address");
  EXPECT_EQ(Canonical("http://1.2.3.09a/"), "http://1.2.3.09a/");  // last label not a number: a name
}

TEST(CanonicalUrlTest, Ipv6Literals) {
  EXPECT_EQ(Canonical("http://[2001:0DB8:0000:0000:0000:0000:0000:0001]/"), "http://[2001:db8::1]/");
  EXPECT_EQ(Canonical("http://[2001:db8:0:0:1:0:0:1]/"), "http://[2001:db8::1:0:0:1]/");
  EXPECT_EQ(Canonical("http://[::]/"), "http://[::]/");
  EXPECT_EQ(Canonical("http://[::1]/"), "http://[::1]/");
  EXPECT_EQ(Canonical("http://[::ffff:0:1]/"), "http://0.0.0.1/");
  EXPECT_EQ(Canonical("http://[1:0:0:2::3:0]/"), "http://[1::2:0:0:3:0]/");
  EXPECT_EQ(Canonical("http://[1:2:3:4:5:6:7:8]/"), "http://[1:2:3:4:5:6:7:8]/");
  EXPECT_EQ(Canonical("http://[1:2:3:4:5:6:7:8:9]/"), "ERROR: invalid IPv6 address");
  EXPECT_EQ(Canonical("http://[1::2::3]/"), "ERROR: invalid IPv6 address");
  EXPECT_EQ(Canonical("http://[12345::]/"), "ERROR: invalid IPv6 address");
  EXPECT_EQ(Canonical("http://[::1.2.3]/"), "ERROR: invalid IPv6 address");
  EXPECT_EQ(Canonical("http://[::1/"), "ERROR: invalid IPv6 address");
}

// A mapped or compatible IPv6 literal reaches the IPv4 host: it is written as that host.
TEST(CanonicalUrlTest, Ipv4MappedAndCompatibleIpv6AreTheIpv4Address) {
  EXPECT_EQ(Canonical("http://[::ffff:192.0.2.10]:80/"), "http://192.0.2.10/");
  EXPECT_EQ(Canonical("http://[::ffff:c000:20a]/x"), "http://192.0.2.10/x");
  EXPECT_EQ(Canonical("http://[0:0:0:0:0:ffff:192.0.2.10]/"), "http://192.0.2.10/");
  EXPECT_EQ(Canonical("http://[0000:0000:0000:0000:0000:FFFF:C000:020A]/"), "http://192.0.2.10/");
  EXPECT_EQ(Canonical("http://[::192.0.2.10]/"), "http://192.0.2.10/");
  EXPECT_EQ(Canonical("http://[::c000:20a]/"), "http://192.0.2.10/");
  EXPECT_EQ(Canonical("[::ffff:192.0.2.10]:443"), "https://192.0.2.10/");
  // Not mapped: another prefix, the loopback, NAT64.
  EXPECT_EQ(Canonical("http://[1::ffff:192.0.2.10]/"), "http://[1::ffff:c000:20a]/");
  EXPECT_EQ(Canonical("http://[::fffe:c000:20a]/"), "http://[::fffe:c000:20a]/");
  EXPECT_EQ(Canonical("http://[64:ff9b::c000:20a]/"), "http://[64:ff9b::c000:20a]/");
}

TEST(CanonicalUrlTest, InternationalisedNames) {
  EXPECT_EQ(Canonical("http://bücher.example/"), "http://xn--bcher-kva.example/");
  EXPECT_EQ(Canonical("http://BÜCHER.example/"), "http://xn--bcher-kva.example/");
  EXPECT_EQ(Canonical("http://b%C3%BCcher.example/"), "http://xn--bcher-kva.example/");
  EXPECT_EQ(Canonical("http://пример.испытание/"), "http://xn--e1afmkfd.xn--80akhbyknj4f/");
  EXPECT_EQ(Canonical("http://ПРИМЕР.испытание/"), "http://xn--e1afmkfd.xn--80akhbyknj4f/");
  EXPECT_EQ(Canonical("http://münchen。example/"), "http://xn--mnchen-3ya.example/");
  EXPECT_EQ(Canonical("http://ＥＸＡＭＰＬＥ.com/"), "http://example.com/");
  EXPECT_EQ(Canonical("http://XN--BCHER-KVA.example/"), "http://xn--bcher-kva.example/");
}

// Published Safe Browsing examples whose host the WHATWG host parser rejects (a '#', a
// control, a space): esafe follows the standard there, so they are invalid hosts, which
// the filter blocks, not the escaped hosts the examples list.
TEST(CanonicalUrlTest, SafeBrowsingHostsTheStandardRejectsAreInvalid) {
  for (const std::string& input :
       {std::string("http://host%23.com/%257Ea%2521b"), std::string("http://\x01\x80.com/"),
        std::string("http:// leadingspace.com/"), std::string("http://%20leadingspace.com/"),
        std::string("%20leadingspace.com/")}) {
    auto url = CanonicalUrl::Parse(input);
    ASSERT_FALSE(url.ok()) << input << " gave " << url->spec();
    EXPECT_TRUE(IsInvalidHost(url.error())) << input;
  }
}

TEST(CanonicalUrlTest, MalformedInputIsAnErrorNotACrash) {
  EXPECT_EQ(Canonical(""), "ERROR: invalid host: empty");
  EXPECT_EQ(Canonical("http://"), "ERROR: invalid host: empty");
  EXPECT_EQ(Canonical("http://user@/x"), "ERROR: invalid host: empty");
  EXPECT_EQ(Canonical("http://.../"), "ERROR: invalid host: empty");
  EXPECT_EQ(Canonical("http://example.com:80x/"), "ERROR: URL has a port that is not a number");
  EXPECT_EQ(Canonical("http://example.com:65536/"), "ERROR: URL has a port above 65535");
  EXPECT_EQ(Canonical("http://a:b:1/"), "ERROR: invalid host: forbidden character");
  const std::string huge = "http://example.com/" + std::string(CanonicalUrl::kMaxInputBytes, 'a');
  auto too_large = CanonicalUrl::Parse(huge);
  ASSERT_FALSE(too_large.ok());
  EXPECT_EQ(too_large.error().kind, ErrorKind::kTooLarge);
}

// Found by fuzz/canonical_url_fuzz.cc: Punycode would have moved '%' next to "aa", so the
// canonical string decoded differently the second time. A '%' is a forbidden host code
// point, so the host is invalid before IDNA sees it.
TEST(CanonicalUrlTest, HostThatIsNotANameIsInvalidNotPunycoded) {
  const std::string input("%\xCE\x9A" "aaaa", 7);
  auto url = CanonicalUrl::Parse(input);
  ASSERT_FALSE(url.ok());
  EXPECT_TRUE(IsInvalidHost(url.error()));
}

TEST(CanonicalUrlTest, DeeplyEncodedInputDecodesFully) {
  std::string input = "http://example.com/";
  std::string encoded = "%";
  for (int i = 0; i < 2000; ++i) encoded += "25";
  input += encoded + "41";  // "%2525…41" decodes step by step to "%41" and then "A"
  EXPECT_EQ(Canonical(input), "http://example.com/A");
}

// Random byte strings: Parse never crashes, and what it produces is a fixed point
// (canonicalising a canonical URL changes nothing).
TEST(CanonicalUrlTest, RandomInputNeverCrashesAndCanonicalIsStable) {
  const std::string alphabet = std::string("aZ09.:/\\@%#?&[]-_ \t\r\n~xX") + "\x80\xC3\xBC\x01\xFF" + "2535fF";
  std::mt19937 random(12345);
  size_t parsed = 0;
  for (int i = 0; i < 50000; ++i) {
    std::string input = (i % 3 == 0) ? "http://" : "";
    const int length = static_cast<int>(random() % 40);
    for (int k = 0; k < length; ++k) input.push_back(alphabet[random() % alphabet.size()]);
    auto url = CanonicalUrl::Parse(input);
    if (!url) continue;
    ++parsed;
    auto again = CanonicalUrl::Parse(url->spec());
    ASSERT_TRUE(again.ok()) << "input: " << input << " spec: " << url->spec();
    ASSERT_EQ(again->spec(), url->spec()) << "input: " << input;
    ASSERT_EQ(url->path().front(), '/');
  }
  EXPECT_GT(parsed, 10000u);
}

// The corpus: rewritten variants of listed hosts and URLs, every one of which the engine
// must block against the small list (blocked.example, 192.0.2.10, [2001:db8::1],
// bücher.example, пример.испытание, listed.example/bad/path, 203.0.113.5/evil).
const std::vector<std::string>& VariantCorpus() {
  static const std::vector<std::string> corpus = {
      // case
      "http://blocked.example/", "HTTP://BLOCKED.EXAMPLE/", "http://Blocked.Example/", "hTTp://bLoCkEd.eXaMpLe/page",
      "HTTPS://BLOCKED.example/Some/Path",
      // subdomains
      "http://www.blocked.example/", "http://a.b.c.blocked.example/x", "http://WWW.Blocked.Example./",
      // percent-encoding once
      "http://%62locked.example/", "http://blocked%2Eexample/", "http://%62%6c%6f%63%6b%65%64.example/",
      "http://%62%6C%6F%63%6B%65%64%2E%65%78%61%6D%70%6C%65/",
      // percent-encoding twice and more
      "http://%2562locked.example/", "http://blocked%252Eexample/", "http://%252562locked.example/",
      "http://%25%36%32locked.example/",
      // trailing, leading and repeated dots
      "http://blocked.example./", "http://blocked.example.../", "http://.blocked.example/", "http://blocked..example/",
      // ports
      "http://blocked.example:80/", "https://blocked.example:443/", "http://blocked.example:8080/",
      "blocked.example:443", "http://blocked.example:/", "http://blocked.example:0080/",
      // userinfo
      "http://ok.example@blocked.example/", "http://user:pass@blocked.example/", "http://ok.example%40blocked.example/",
      "http://a@b@blocked.example/", "http://ok.example:80@blocked.example/", "http://%6F%6B@blocked.example/",
      // fragments
      "http://blocked.example/#frag", "http://blocked.example#x", "http://blocked.example/page#a#b",
      // tabs, CR, LF, surrounding space
      "http://blo\tcked.example/", "http://blocked.ex\nample/", "\thttp://blocked.example/\r\n",
      "  http://blocked.example/  ", "http://blocked.example\r/",
      // scheme-less and slash variants
      "blocked.example", "blocked.example/path", "//blocked.example/", "Blocked.Example.", "http:blocked.example",
      "http:/blocked.example/", "http:\\\\blocked.example\\x", "http:///blocked.example/", "ftp://blocked.example/",
      "ws://blocked.example/",
      // full-width and ideographic dots (UTS-46 maps them)
      "http://ｂｌｏｃｋｅｄ.example/", "http://blocked。example/", "http://blocked．example/",
      // queries
      "http://blocked.example/?q=1", "http://blocked.example?q",
      // the URL entry listed.example/bad/path
      "http://listed.example/bad/path", "http://listed.example/bad/path/", "http://listed.example/bad/path/more",
      "http://listed.example/bad/path?x=1", "http://listed.example/BAD/Path", "http://listed.example/bad//path",
      "http://listed.example/bad/./path", "http://listed.example/good/../bad/path",
      "http://listed.example/bad/x/../path", "http://listed.example%2Fbad%2Fpath",
      "http://listed.example/bad/%70ath", "http://listed.example/bad/%2570ath", "http://listed.example/%62ad/path",
      "http://LISTED.example:80/bad/path", "http://www.listed.example/bad/path", "listed.example/bad/path#frag",
      "http://x@listed.example/bad/path", "http://listed.example./bad/path", "http://listed.example/bad/pa\tth",
      "http://listed.example\\bad\\path", "http://listed.example/bad/path/./", "http://listed.example/bad/%2e/path",
      "http://listed.example/bad/%2e%2e/bad/path", "///listed.example////bad////path",
      "http://listed.example/bad/path%3Fq", "http://listed.example/bad/path/..%2F..%2Fbad/path",
      // IPv4 forms of 192.0.2.10 (a domain-list entry)
      "http://192.0.2.10/", "http://3221225994/", "http://0xC000020A/", "http://0xc000020a/x",
      "http://030000001012/", "http://0300.0.02.012/", "http://0xc0.0x0.0x2.0xa/", "http://0xc0.0.2.012/",
      "http://192.0.522/", "http://192.522/", "http://192.0.2.10:80/", "http://192.0.2.10./",
      "http://%31%39%32.0.2.10/", "http://3221225994./", "http://user@3221225994/", "192.0.2.10:443",
      "http://１９２.０.２.１０/",
      // IPv4-mapped and IPv4-compatible IPv6 forms of 192.0.2.10
      "http://[::ffff:192.0.2.10]/", "http://[::ffff:c000:20a]/", "http://[0:0:0:0:0:ffff:192.0.2.10]/",
      "http://[::192.0.2.10]/", "http://[::FFFF:C000:020A]:8080/x", "[::ffff:192.0.2.10]:443",
      // the URL entry 203.0.113.5/evil in another form
      "http://3405803781/evil", "http://0xCB.0x00.0x71.0x05/evil/x", "http://203.0.28933/evil?x",
      // IPv6 forms of [2001:db8::1]
      "http://[2001:db8::1]/", "http://[2001:DB8::1]/", "http://[2001:0db8:0000:0000:0000:0000:0000:0001]/",
      "http://[2001:db8:0:0:0:0:0:1]/", "http://[2001:db8::0:1]/", "http://[2001:db8::1]:80/",
      "http://[2001:0db8::0001]/x", "http://u@[2001:db8::1]/", "[2001:db8::1]:443",
      // IDN: bücher.example and пример.испытание
      "http://bücher.example/", "http://BÜCHER.example/", "http://xn--bcher-kva.example/",
      "http://XN--BCHER-KVA.EXAMPLE/", "http://b%C3%BCcher.example/", "http://b%25C3%25BCcher.example/",
      "http://www.bücher.example/", "http://bücher.example./", "http://bücher。example/",
      "http://пример.испытание/", "http://ПРИМЕР.ИСПЫТАНИЕ/", "http://xn--e1afmkfd.xn--80akhbyknj4f/",
      "http://www.пример.испытание/path",
  };
  return corpus;
}

TEST(CanonicalUrlTest, EveryVariantInTheCorpusIsBlocked) {
  FilterEngine engine(testing::BlockAll(testing::SmallLists()));
  const auto& corpus = VariantCorpus();
  ASSERT_GE(corpus.size(), 100u);
  size_t blocked = 0;
  for (const auto& variant : corpus) {
    auto decision = engine.Decide(variant);
    if (!decision) {
      ADD_FAILURE() << "not canonicalised: " << variant << ": " << decision.error().message;
      continue;
    }
    if (decision->action == Action::kBlock) {
      ++blocked;
    } else {
      ADD_FAILURE() << "not blocked: " << variant << " -> " << decision->canonical.spec();
    }
  }
  EXPECT_EQ(blocked, corpus.size()) << "blocked " << blocked << " of " << corpus.size();
}

// The same engine must not block near misses, or the corpus above would prove nothing.
TEST(CanonicalUrlTest, NearMissesAreAllowed) {
  FilterEngine engine(testing::BlockAll(testing::SmallLists()));
  for (const std::string url : {"http://notblocked.example/", "http://blocked.example.evil.test/",
                                "http://xblocked.example/", "http://listed.example/bad/pathology",
                                "http://listed.example/bad/", "http://listed.example/bad/path2",
                                "http://192.0.2.11/", "http://blocked.example@ok.example/",
                                "http://ok.example/blocked.example", "http://[2001:db8::2]/",
                                "http://203.0.113.5/evilness", "http://bucher.example/",
                                "http://[::ffff:192.0.2.11]/", "http://[::ffff:c000:20b]/",
                                "http://[1::ffff:192.0.2.10]/", "http://[64:ff9b::192.0.2.10]/"}) {
    auto decision = engine.Decide(url);
    ASSERT_TRUE(decision.ok()) << url;
    EXPECT_EQ(decision->action, Action::kAllow) << url << " matched " << decision->entry;
  }
}

}  // namespace
}  // namespace esafe::filter
