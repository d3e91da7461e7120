#include "strata/io/internal/csv_values.h"

#include <charconv>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>

#include "gtest/gtest.h"

namespace strata::io::internal {
namespace {

double Reference(const std::string& s) {
  double v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

TEST(CsvValuesTest, FastDecimalParseEqualsFromChars) {
  std::mt19937_64 rng(3);
  for (int i = 0; i < 200000; ++i) {
    char buf[64];
    const int whole = static_cast<int>(rng() % 8);
    const int frac = static_cast<int>(rng() % 12);
    std::string s = (rng() & 1) ? "-" : "";
    for (int k = 0; k <= whole; ++k) s.push_back(static_cast<char>('0' + rng() % 10));
    if (frac > 0) {
      s.push_back('.');
      for (int k = 0; k < frac; ++k) s.push_back(static_cast<char>('0' + rng() % 10));
    }
    double got = 0;
    ASSERT_TRUE(ParseFloat64(s, &got)) << s;
    const double want = Reference(s);
    ASSERT_EQ(std::memcmp(&got, &want, sizeof(double)), 0) << s;
    (void)buf;
  }
  double v = 0;
  for (const char* ok : {"1e3", "-0.0", "0.1", "123456789012345678901234", "1.", ".5", "+2.5",
                         "9007199254740993", "nan", "inf", "1.7976931348623157e308"}) {
    ASSERT_TRUE(ParseFloat64(ok, &v)) << ok;
    if (std::string(ok) != "nan") {
      std::string s = ok[0] == '+' ? std::string(ok + 1) : std::string(ok);
      const double want = Reference(s);
      EXPECT_EQ(std::memcmp(&v, &want, sizeof(double)), 0) << ok;
    }
  }
  ASSERT_TRUE(ParseFloat64("-0.0", &v));
  EXPECT_TRUE(std::signbit(v));
  for (const char* bad : {"", ".", "-", "1.2.3", "1,5", "12a", "--1", " 1"}) {
    EXPECT_FALSE(ParseFloat64(bad, &v)) << bad;
  }
}

TEST(CsvValuesTest, Integers) {
  int64_t v = 0;
  ASSERT_TRUE(ParseInt64("9223372036854775807", &v));
  EXPECT_EQ(v, INT64_MAX);
  ASSERT_TRUE(ParseInt64("-9223372036854775808", &v));
  EXPECT_EQ(v, INT64_MIN);
  ASSERT_TRUE(ParseInt64("+42", &v));
  EXPECT_EQ(v, 42);
  ASSERT_TRUE(ParseInt64("-000000000000000001", &v));
  EXPECT_EQ(v, -1);
  for (const char* bad : {"", "-", "+", "9223372036854775808", "1.0", "1e3", "0x10", "١"}) {
    EXPECT_FALSE(ParseInt64(bad, &v)) << bad;
  }
}

TEST(CsvValuesTest, BoolsAndUtf8) {
  bool b = false;
  EXPECT_TRUE(ParseBool("TRUE", &b) && b);
  EXPECT_TRUE(ParseBool("false", &b) && !b);
  EXPECT_FALSE(ParseBool("yes", &b));
  EXPECT_EQ(InvalidUtf8At("plain ascii, long enough for the word loop"), std::string::npos);
  EXPECT_EQ(InvalidUtf8At("caf\xc3\xa9 ok"), std::string::npos);
  EXPECT_EQ(InvalidUtf8At("abcdefgh\xff"), 8u);
  EXPECT_EQ(InvalidUtf8At("\xc0\xaf"), 0u);          // overlong
  EXPECT_EQ(InvalidUtf8At("ab\xed\xa0\x80"), 2u);    // surrogate
  EXPECT_EQ(InvalidUtf8At("\xf4\x90\x80\x80"), 0u);  // past U+10FFFF
}

}  // namespace
}  // namespace strata::io::internal
