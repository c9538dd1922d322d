#include "filter/list_line.h"

#include <gtest/gtest.h>

namespace esafe::filter {
namespace {

std::vector<ListEntry> Parse(std::string_view line, ListFormat format) {
  std::vector<ListEntry> out;
  auto parsed = ParseListLine(line, format, out);
  EXPECT_TRUE(parsed.ok()) << line << ": " << (parsed.ok() ? "" : parsed.error().message);
  return out;
}

std::string Reason(std::string_view line, ListFormat format) {
  std::vector<ListEntry> out;
  auto parsed = ParseListLine(line, format, out);
  EXPECT_TRUE(out.empty());
  return parsed.ok() ? "ok" : parsed.error().message;
}

TEST(ListLineTest, DomainsAreCanonicalised) {
  auto entries = Parse("  WWW.Example.COM.  # a comment", ListFormat::kDomains);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].kind, EntryKind::kDomain);
  EXPECT_EQ(entries[0].host, "www.example.com");
  EXPECT_EQ(Parse("*.example.com", ListFormat::kDomains)[0].host, "example.com");
  EXPECT_EQ(Parse(".example.com", ListFormat::kDomains)[0].host, "example.com");
  EXPECT_EQ(Parse("bücher.example", ListFormat::kDomains)[0].host, "xn--bcher-kva.example");
  EXPECT_EQ(Parse("3221225994", ListFormat::kDomains)[0].host, "192.0.2.10");
  EXPECT_TRUE(Parse("# only a comment", ListFormat::kDomains).empty());
  EXPECT_TRUE(Parse("   ", ListFormat::kDomains).empty());
}

TEST(ListLineTest, BadDomainLinesSayWhy) {
  EXPECT_EQ(Reason("example.com/path", ListFormat::kDomains), "not a domain name (holds '/', '?', '@' or '*')");
  EXPECT_EQ(Reason("two words", ListFormat::kDomains), "more than one word on a domain line");
  EXPECT_EQ(Reason("example.com:80", ListFormat::kDomains), "not a domain name (holds ':')");
  EXPECT_EQ(Reason("...", ListFormat::kDomains), "invalid host: empty");
  EXPECT_EQ(Reason("999.1.1.1", ListFormat::kDomains), "IPv4 address part above 255");
}

TEST(ListLineTest, UrlsKeepHostAndPath) {
  auto entries = Parse("Example.com/Awards/", ListFormat::kUrls);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].kind, EntryKind::kUrl);
  EXPECT_EQ(entries[0].host, "example.com");
  EXPECT_EQ(entries[0].path, "/Awards");
  auto with_scheme = Parse("https://example.com/a/../b?x=1", ListFormat::kUrls);
  EXPECT_EQ(with_scheme[0].path, "/b?x=1");
  EXPECT_EQ(Parse("example.com", ListFormat::kUrls)[0].path, "/");
  EXPECT_EQ(Reason("http://example.com:99999/", ListFormat::kUrls), "URL has a port above 65535");
}

TEST(ListLineTest, HostsFileLines) {
  auto entries = Parse("0.0.0.0 ads.example tracker.example # two", ListFormat::kHosts);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].host, "ads.example");
  EXPECT_EQ(entries[1].host, "tracker.example");
  EXPECT_TRUE(Parse("127.0.0.1 localhost", ListFormat::kHosts).empty());
  EXPECT_EQ(Parse("::1\tbad.example", ListFormat::kHosts)[0].host, "bad.example");
  EXPECT_EQ(Reason("ads.example", ListFormat::kHosts), "hosts line does not start with an IP address");
  EXPECT_EQ(Reason("0.0.0.0", ListFormat::kHosts), "hosts line names no host");
}

TEST(ListLineTest, HashLines) {
  const std::string hex = "036cbe16b0015b0a30d733ca981c8ebb80535abe46b862bbb67d0affb9331be7";
  auto entries = Parse(hex, ListFormat::kUrlHashes);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(DigestToHex(entries[0].digest), hex);
  EXPECT_EQ(DigestToHex(Sha256("example.com/a")), hex);
  EXPECT_EQ(Reason(hex.substr(1), ListFormat::kUrlHashes), "not a SHA-256 digest (64 hex digits)");
  EXPECT_EQ(Reason(hex.substr(1) + "g", ListFormat::kUrlHashes), "not a SHA-256 digest (64 hex digits)");
}

}  // namespace
}  // namespace esafe::filter
