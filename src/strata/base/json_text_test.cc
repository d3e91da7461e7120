#include "strata/base/json_text.h"

#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace strata {
namespace {

std::string Str(std::string_view s) {
  std::string out;
  AppendJsonString(s, out);
  return out;
}

TEST(JsonTextTest, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(Str("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(Str(std::string("\n\t\x01\0", 4)), R"("\u000a\u0009\u0001\u0000")");
  EXPECT_EQ(nlohmann::json::parse(Str("tab\there")).get<std::string>(), "tab\there");
}

TEST(JsonTextTest, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(Str("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  // A lone continuation byte, a truncated sequence, an overlong "/", a surrogate, > U+10FFFF.
  for (std::string bad : {"\x80", "\xe2\x82", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                          "\xff"}) {
    const std::string json = Str("x" + bad + "y");
    auto parsed = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
    ASSERT_TRUE(parsed.is_string()) << json;
    const std::string s = parsed.get<std::string>();
    EXPECT_EQ(s.front(), 'x');
    EXPECT_EQ(s.back(), 'y');
    EXPECT_NE(s.find("\xef\xbf\xbd"), std::string::npos) << json;
  }
}

TEST(JsonTextTest, EscapedIsTheStringWithoutQuotes) {
  std::string out = "{\"k\":\"";
  AppendJsonEscaped("a\"\x01\xff", out);
  out += "\"}";
  EXPECT_EQ(out, "{\"k\":\"a\\\"\\u0001\xef\xbf\xbd\"}");
  EXPECT_EQ(nlohmann::json::parse(out)["k"].get<std::string>(), "a\"\x01\xef\xbf\xbd");
}

}  // namespace
}  // namespace strata
