#include "core/record_schema.h"

#include <gtest/gtest.h>

namespace esafe {
namespace {

RecordSchema TestSchema() {
  return RecordSchema("thing", {
                                   {.name = "id", .type = FieldType::kInteger, .read_only = true},
                                   {.name = "name", .type = FieldType::kString, .required = true, .max_length = 10},
                                   {.name = "kind", .type = FieldType::kChoice, .required = true, .choices = {"a", "b"}},
                                   {.name = "count", .type = FieldType::kInteger, .min = 0, .max = 100},
                                   {.name = "ok", .type = FieldType::kBoolean},
                                   {.name = "when", .type = FieldType::kDate},
                                   {.name = "ages", .type = FieldType::kChoiceSet, .choices = {"x", "y"}},
                                   {.name = "nets", .type = FieldType::kCidrList},
                               });
}

TEST(RecordSchema, AcceptsAndNormalisesValidInput) {
  auto r = TestSchema().Validate(Json::parse(R"({"name":"  Oak ","kind":"a","count":3,"ok":true,
      "when":"2024-02-29","ages":["x","x","y"],"nets":["10.0.0.0/8","2001:db8::/32"]})"),
                                 false);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)["name"], "Oak");
  EXPECT_EQ((*r)["ages"].size(), 2u);
}

TEST(RecordSchema, NamesTheFieldThatIsWrong) {
  auto s = TestSchema();
  auto check = [&](const char* json, const char* field) {
    auto r = s.Validate(Json::parse(json), false);
    ASSERT_FALSE(r.ok()) << json;
    EXPECT_EQ(r.error().field, field) << json << ": " << r.error().message;
  };
  check(R"({"kind":"a"})", "name");
  check(R"({"name":"x","kind":"c"})", "kind");
  check(R"({"name":"01234567890","kind":"a"})", "name");
  check(R"({"name":5,"kind":"a"})", "name");
  check(R"({"name":"x","kind":"a","count":101})", "count");
  check(R"({"name":"x","kind":"a","count":"3"})", "count");
  check(R"({"name":"x","kind":"a","when":"2023-02-29"})", "when");
  check(R"({"name":"x","kind":"a","nets":["10.0.0.0/33"]})", "nets");
  check(R"({"name":"x","kind":"a","surprise":1})", "surprise");
  check(R"({"name":"x","kind":"a","id":4})", "id");
  check(R"({"name":"a\u0001b","kind":"a"})", "name");
}

TEST(RecordSchema, PartialUpdateChecksOnlyGivenFields) {
  EXPECT_TRUE(TestSchema().Validate(Json::parse(R"({"count":5})"), true).ok());
  EXPECT_FALSE(TestSchema().Validate(Json::parse(R"({"name":""})"), true).ok());
}

TEST(RecordSchema, CellsRoundTrip) {
  auto s = TestSchema();
  auto v = s.FromCell(*s.Find("ages"), "x; y");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(RecordSchema::ToCell(*s.Find("ages"), *v), "x;y");
  EXPECT_EQ(*s.FromCell(*s.Find("ok"), "Yes"), Json(true));
  EXPECT_FALSE(s.FromCell(*s.Find("ok"), "maybe").ok());
}

}  // namespace
}  // namespace esafe

namespace esafe {
namespace {

// Issue 19 finding 7: "Ann\u202Egnp.exe"-style names that display as something else.
TEST(RecordSchema, RefusesBidirectionalControlsInNames) {
  auto s = TestSchema();
  for (const char* bidi : {"\u202E", "\u202A", "\u202D", "\u2066", "\u2069"}) {
    auto r = s.Validate(Json{{"name", std::string("Ann") + bidi + "x"}, {"kind", "a"}}, false);
    ASSERT_FALSE(r.ok()) << bidi;
    EXPECT_EQ(r.error().field, "name");
  }
  // Right-to-left text itself is welcome.
  EXPECT_TRUE(s.Validate(Json{{"name", "\u05D3\u05E0\u05D4"}, {"kind", "a"}}, false).ok());
  EXPECT_TRUE(s.Validate(Json{{"name", "Zoë — ok"}, {"kind", "a"}}, false).ok());
}

}  // namespace
}  // namespace esafe
