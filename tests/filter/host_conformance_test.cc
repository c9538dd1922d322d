// The host canonicaliser against cases written from the WHATWG URL standard's host parser
// and UTS #46 (tests/filter/host_conformance.txt), through the whole URL parser so that
// percent-decoding and authority splitting come first as they do for a request.
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "filter/canonical_host.h"
#include "filter/canonical_url.h"

namespace esafe::filter {
namespace {

void AppendHostCaseUtf8(char32_t c, std::string& out) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

// "\u00AD", "\U0001F4A9" and "\xFF" as the data file writes them.
std::string UnescapeHostCase(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const size_t digits = i + 1 < text.size() ? (text[i + 1] == 'u' ? 4 : text[i + 1] == 'U' ? 8 : text[i + 1] == 'x' ? 2 : 0) : 0;
    if (text[i] != '\\' || digits == 0 || i + 2 + digits > text.size()) {
      out.push_back(text[i]);
      continue;
    }
    const auto value = static_cast<char32_t>(std::stoul(text.substr(i + 2, digits), nullptr, 16));
    if (digits == 2) out.push_back(static_cast<char>(value));
    else AppendHostCaseUtf8(value, out);
    i += 1 + digits;
  }
  return out;
}

struct HostCase {
  int line = 0;
  std::string input;
  std::string expected;
};

std::vector<HostCase> LoadHostCases() {
  const char* source = std::getenv("ESAFE_SOURCE_DIR");
  std::ifstream in(std::string(source ? source : ".") + "/tests/filter/host_conformance.txt");
  std::vector<HostCase> cases;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line[0] == '#') continue;
    const size_t tab = line.find('\t');
    if (tab == std::string::npos) {
      ADD_FAILURE() << "line " << number << " has no tab: " << line;
      continue;
    }
    cases.push_back({number, UnescapeHostCase(line.substr(0, tab)), line.substr(tab + 1)});
  }
  return cases;
}

TEST(HostConformanceTest, EveryCaseInTheDataFile) {
  const std::vector<HostCase> cases = LoadHostCases();
  ASSERT_GT(cases.size(), 80u) << "tests/filter/host_conformance.txt not found or cut short (ESAFE_SOURCE_DIR)";
  for (const HostCase& c : cases) {
    auto url = CanonicalUrl::Parse("http://" + c.input + "/");
    std::string got;
    if (url) {
      got = std::string(url->host());
    } else if (IsInvalidHost(url.error())) {
      got = "invalid";
    } else {
      got = "error: " + url.error().message;
    }
    EXPECT_EQ(got, c.expected) << "host_conformance.txt line " << c.line;
  }
}

// Every forbidden host code point of the standard, raw where the URL parser lets it reach
// the host and percent-encoded always (esafe decodes before parsing the authority).
TEST(HostConformanceTest, EveryForbiddenHostCodePoint) {
  std::vector<char> forbidden = {'\0', '\t', '\n', '\r', ' ', '#', '/', ':', '<', '>', '?', '@', '[', '\\', ']', '^', '|', '%', '\x7F'};
  for (char c = 1; c < 0x20; ++c) forbidden.push_back(c);
  for (char c : forbidden) {
    static const char* hex = "0123456789ABCDEF";
    const auto byte = static_cast<unsigned char>(c);
    const std::string encoded = std::string("%") + hex[byte >> 4] + hex[byte & 0xF];
    // Decoded, these end the authority (Safe Browsing decodes before splitting): the
    // data file's last section.
    const bool splits = c == '/' || c == ':' || c == '?' || c == '@' || c == '\\';
    if (!splits) {
      auto url = CanonicalUrl::Parse("http://a" + encoded + "b.example/");
      ASSERT_FALSE(url.ok()) << encoded << " gave " << url->spec();
      EXPECT_TRUE(IsInvalidHost(url.error())) << encoded << ": " << url.error().message;
    }
    auto host = CanonicalHost(std::string("a") + c + "b.example");
    ASSERT_FALSE(host.ok()) << encoded << " gave " << *host;
    EXPECT_TRUE(IsInvalidHost(host.error())) << encoded;
  }
}

}  // namespace
}  // namespace esafe::filter
