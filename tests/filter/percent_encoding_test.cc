#include "filter/percent_encoding.h"

#include <random>

#include <gtest/gtest.h>

namespace esafe::filter {
namespace {

// The textbook definition: decode every "%XX" left to right, repeat until nothing changes.
std::string DecodeByPasses(std::string s) {
  auto hex = [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  };
  while (true) {
    std::string next;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '%' && i + 2 < s.size() + 0 && hex(s[i + 1]) && hex(s[i + 2])) {
        next.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
        i += 2;
      } else {
        next.push_back(s[i]);
      }
    }
    if (next == s) return s;
    s = next;
  }
}

std::string Decode(std::string_view s) {
  std::string out;
  AppendFullyPercentDecoded(s, out);
  return out;
}

TEST(PercentEncodingTest, DecodesUntilStable) {
  EXPECT_EQ(Decode("%25%32%35"), "%");
  EXPECT_EQ(Decode("%2525252525252525"), "%");
  EXPECT_EQ(Decode("%%32%35"), "%");
  EXPECT_EQ(Decode("%%%25%32%35asd%%"), "%%%asd%%");
  EXPECT_EQ(Decode("100%"), "100%");
  EXPECT_EQ(Decode("%zz%4"), "%zz%4");
}

TEST(PercentEncodingTest, OnePassDecoderAgreesWithRepeatedPasses) {
  const std::string alphabet = "%%%2534aAfF0g";
  std::mt19937 random(7);
  for (int i = 0; i < 20000; ++i) {
    std::string input;
    const int length = static_cast<int>(random() % 16);
    for (int k = 0; k < length; ++k) input.push_back(alphabet[random() % alphabet.size()]);
    ASSERT_EQ(Decode(input), DecodeByPasses(input)) << "input: " << input;
  }
}

TEST(PercentEncodingTest, EscapesTheSafeBrowsingSet) {
  std::string out;
  AppendSafeBrowsingEscaped(std::string("a b#c%d\x7f\x01\xff~", 11), out);
  EXPECT_EQ(out, "a%20b%23c%25d%7F%01%FF~");
}

}  // namespace
}  // namespace esafe::filter
