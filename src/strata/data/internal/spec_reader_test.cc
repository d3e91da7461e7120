#include "strata/data/internal/spec_reader.h"

#include <limits>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace strata::data::internal {
namespace {

using ::testing::HasSubstr;

TEST(SpecReaderTest, TypedFieldsDefaultsAndUnknownFields) {
  Json j = Json::parse(R"({"s": "a", "b": true, "n": 1.5, "i": 3, "xs": ["p"], "ns": [1, 2]})");
  SpecReader r(j, "step 1 (x)");
  EXPECT_EQ(r.String("s", std::nullopt, {"a", "b"}), "a");
  EXPECT_TRUE(r.Bool("b", false));
  EXPECT_EQ(r.Number("n", std::nullopt), 1.5);
  EXPECT_EQ(r.Int("i", std::nullopt, 0), 3);
  EXPECT_EQ(r.Strings("xs"), std::vector<std::string>{"p"});
  EXPECT_EQ(r.Numbers("ns"), (std::vector<double>{1, 2}));
  EXPECT_EQ(r.String("absent", "dflt"), "dflt");
  EXPECT_TRUE(r.Finish().ok());

  Json extra = Json::parse(R"({"s": "a", "typo": 1})");
  SpecReader e(extra, "step 2 (y)");
  e.String("s", std::nullopt);
  EXPECT_EQ(e.Finish().message(), "step 2 (y): unknown field 'typo'");
}

TEST(SpecReaderTest, ErrorsNameWhereAndField) {
  Json j = Json::parse(R"({"s": 1, "n": "x", "i": 1.5, "xs": [1], "neg": -1})");
  j["big"] = std::numeric_limits<double>::infinity();
  auto first_error = [&](auto read) {
    SpecReader r(j, "w");
    read(r);
    return std::string(r.status().message());
  };
  EXPECT_EQ(first_error([](SpecReader& r) { r.String("s", std::nullopt); }),
            "w: field 's': expected a string, got a number");
  EXPECT_EQ(first_error([](SpecReader& r) { r.Number("n", std::nullopt); }),
            "w: field 'n': expected a finite number, got a string");
  EXPECT_EQ(first_error([](SpecReader& r) { r.Int("i", std::nullopt, 0); }),
            "w: field 'i': expected an integer, got a number");
  EXPECT_EQ(first_error([](SpecReader& r) { r.Strings("xs"); }),
            "w: field 'xs': entry 0: expected a string, got a number");
  EXPECT_EQ(first_error([](SpecReader& r) { r.Number("big", std::nullopt); }),
            "w: field 'big': expected a finite number, got a number");
  EXPECT_EQ(first_error([](SpecReader& r) { r.Int("neg", std::nullopt, 0); }),
            "w: field 'neg': must be at least 0, got -1");
  EXPECT_EQ(first_error([](SpecReader& r) { r.Bool("missing", std::nullopt); }),
            "w: field 'missing': missing");
  EXPECT_EQ(first_error([](SpecReader& r) { r.String("s", "x", {"a"}); }),
            "w: field 's': expected a string, got a number");
  SpecReader not_object(Json::array(), "top");
  EXPECT_EQ(not_object.Finish().message(), "top: expected an object, got an array");
}

TEST(SpecReaderTest, JsonAndYamlText) {
  EXPECT_THAT(ParseJsonText("{", "spec").status().message(), HasSubstr("spec: invalid JSON at byte"));
  EXPECT_THAT(ParseJsonText("[1e999]", "spec").status().message(), HasSubstr("spec: invalid JSON"));
  absl::StatusOr<Json> y = ParseYamlText(
      "steps:\n  - kind: one_hot\n    columns: [city, '7']\n    n: 3\n    f: 2.5\n    b: true\n"
      "    q: \"true\"\n    z: ~\n",
      "spec");
  ASSERT_TRUE(y.ok()) << y.status();
  const Json& step = (*y)["steps"][0];
  EXPECT_EQ(step["kind"], "one_hot");
  EXPECT_EQ(step["columns"][1], "7");  // quoted: a string
  EXPECT_EQ(step["n"], 3);
  EXPECT_EQ(step["f"], 2.5);
  EXPECT_EQ(step["b"], true);
  EXPECT_EQ(step["q"], "true");
  EXPECT_TRUE(step["z"].is_null());
  EXPECT_THAT(ParseYamlText("a: [1, 2\n", "spec").status().message(),
              HasSubstr("spec: invalid YAML at line"));
}

}  // namespace
}  // namespace strata::data::internal
