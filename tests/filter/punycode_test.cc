#include "filter/punycode.h"

#include <gtest/gtest.h>

namespace esafe::filter {
namespace {

std::string Encode(std::string_view utf8) {
  auto code_points = DecodeUtf8(utf8);
  EXPECT_TRUE(code_points.has_value());
  auto encoded = PunycodeEncode(*code_points);
  EXPECT_TRUE(encoded.has_value());
  return encoded.value_or("");
}

TEST(PunycodeTest, KnownLabels) {
  EXPECT_EQ(Encode("bücher"), "bcher-kva");
  EXPECT_EQ(Encode("münchen"), "mnchen-3ya");
  EXPECT_EQ(Encode("пример"), "e1afmkfd");
  EXPECT_EQ(Encode("испытание"), "80akhbyknj4f");
  EXPECT_EQ(Encode("ü"), "tda");
}

// Samples from RFC 3492 section 7.1.
TEST(PunycodeTest, Rfc3492Samples) {
  // (B) Chinese (simplified)
  EXPECT_EQ(PunycodeEncode({0x4ED6, 0x4EEC, 0x4E3A, 0x4EC0, 0x4E48, 0x4E0D, 0x8BF4, 0x4E2D, 0x6587}),
            "ihqwcrb4cv8a8dqg056pqjye");
  // (L) 3<nen>B<gumi><kinpachi><sensei>
  EXPECT_EQ(PunycodeEncode({0x0033, 0x5E74, 0x0042, 0x7D44, 0x91D1, 0x516B, 0x5148, 0x751F}),
            "3B-ww4c5e180e575a65lsy2b");
  // (S) -> $1.00 <-  (all basic code points)
  EXPECT_EQ(PunycodeEncode({0x002D, 0x003E, 0x0020, 0x0024, 0x0031, 0x002E, 0x0030, 0x0030, 0x0020, 0x003C, 0x002D}),
            "-> $1.00 <--");
}

TEST(PunycodeTest, RejectsMalformedUtf8) {
  EXPECT_FALSE(DecodeUtf8("\x80").has_value());
  EXPECT_FALSE(DecodeUtf8("\xC0\xAF").has_value());      // overlong '/'
  EXPECT_FALSE(DecodeUtf8("\xED\xA0\x80").has_value());  // surrogate
  EXPECT_FALSE(DecodeUtf8("\xF0\x9F").has_value());      // truncated
  EXPECT_TRUE(DecodeUtf8("plain").has_value());
}

}  // namespace
}  // namespace esafe::filter
