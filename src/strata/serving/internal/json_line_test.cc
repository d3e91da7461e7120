#include "strata/serving/internal/json_line.h"

#include <cmath>
#include <limits>
#include <string>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace strata::serving::internal {
namespace {

std::string Str(std::string_view s) {
  std::string out;
  AppendJsonString(s, out);
  return out;
}

TEST(JsonLine, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(Str("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(Str(std::string("\n\t\x01\0", 4)), R"("\u000a\u0009\u0001\u0000")");
  EXPECT_EQ(nlohmann::json::parse(Str("tab\there")).get<std::string>(), "tab\there");
}

TEST(JsonLine, KeepsValidUtf8AndReplacesInvalidBytes) {
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

TEST(JsonLine, Numbers) {
  std::string out;
  AppendJsonDouble(0.1, out);
  out += ',';
  AppendJsonDouble(-2.5e300, out);
  out += ',';
  AppendJsonDouble(std::nan(""), out);
  out += ',';
  AppendJsonDouble(std::numeric_limits<double>::infinity(), out);
  out += ',';
  AppendJsonInt(std::numeric_limits<int64_t>::min(), out);
  EXPECT_EQ(out, "0.1,-2.5e+300,null,null,-9223372036854775808");
}

}  // namespace
}  // namespace strata::serving::internal
