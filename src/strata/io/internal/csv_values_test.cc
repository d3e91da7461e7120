#include "strata/io/internal/csv_values.h"

#include <charconv>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "strata/io/csv_reader.h"

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

namespace strata::io::internal {
namespace {

// The inline fast paths give exactly what the full parsers give, for every shape (the
// fast shapes and the ones they hand on).
TEST(CsvValuesTest, FastPathsAgreeWithTheFullParsers) {
  std::mt19937_64 rng(11);
  const std::string alphabet = "0123456789-+.eE xTtRuUfFaAlLsS:";
  std::vector<std::string> inputs = {"",  "-",  "+", "+-5", "1", "-0", "007", "123456789012345678",
                                     "1234567890123456789", "-9223372036854775808",
                                     "9223372036854775808", ".5", "5.", ".", "1e3", "1.5e-3",
                                     "9007199254740993", "9007199254740993.5", "0.1",
                                     "TRUE", "False", "fAlSe", "truE", "tru", "falsey", "true ",
                                     "2024-03-01", "2024-03-01 12:30:00", "2024-03-01T23:59:60",
                                     "2024-02-29 00:00:00", "2023-02-29 00:00:00",
                                     "2024-03-01 24:00:00", "2024-03-01 12:30:00Z",
                                     "2024-13-01 00:00:00", "2024-03-01 1a:00:00"};
  for (int i = 0; i < 100000; ++i) {
    std::string s;
    const size_t n = rng() % 12;
    for (size_t k = 0; k < n; ++k) s.push_back(alphabet[rng() % alphabet.size()]);
    inputs.push_back(s);
  }
  TimestampColumnParser timestamps;
  for (const std::string& s : inputs) {
    int64_t a = -1, b = -1;
    ASSERT_EQ(FastParseInt64(s, &a), ParseInt64(s, &b)) << s;
    if (ParseInt64(s, &b)) {
      EXPECT_EQ(a, b) << s;
    }
    double x = -1, y = -1;
    ASSERT_EQ(FastParseFloat64(s, &x), ParseFloat64(s, &y)) << s;
    if (ParseFloat64(s, &y)) {
      EXPECT_EQ(std::memcmp(&x, &y, sizeof x), 0) << s;
    }
    bool p = false, q = false;
    ASSERT_EQ(FastParseBool(s, &p), ParseBool(s, &q)) << s;
    EXPECT_EQ(p, q) << s;
    ASSERT_EQ(timestamps.Parse(s, &a), ParseTimestampMicros(s, &b)) << s;
    if (ParseTimestampMicros(s, &b)) {
      EXPECT_EQ(a, b) << s;
    }
  }
}

// The date cache must not leak one value's date into the next.
TEST(CsvValuesTest, TimestampParserCachesOnlyEqualDates) {
  TimestampColumnParser parser;
  int64_t a = 0, b = 0;
  for (const char* s : {"2024-03-01 00:00:01", "2024-03-01 00:00:02", "2024-03-02 00:00:02",
                        "2024-02-30 00:00:00", "2024-03-02 23:59:59", "1969-12-31 23:59:59"}) {
    ASSERT_EQ(parser.Parse(s, &a), ParseTimestampMicros(s, &b)) << s;
    if (ParseTimestampMicros(s, &b)) {
      EXPECT_EQ(a, b) << s;
    }
  }
}

}  // namespace
}  // namespace strata::io::internal
