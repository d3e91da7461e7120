#include "strata/http/internal/url.h"

#include "gtest/gtest.h"

namespace strata::http::internal {
namespace {

using Query = std::vector<std::pair<std::string, std::string>>;

TEST(PercentDecodeTest, DecodesAndRejects) {
  std::string out;
  EXPECT_TRUE(PercentDecode("a%20b%2Fc+d", false, out));
  EXPECT_EQ(out, "a b/c+d");
  EXPECT_TRUE(PercentDecode("a+b%2b", true, out));
  EXPECT_EQ(out, "a b+");
  EXPECT_FALSE(PercentDecode("%", false, out));
  EXPECT_FALSE(PercentDecode("abc%4", false, out));
  EXPECT_FALSE(PercentDecode("%zz", false, out));
  EXPECT_FALSE(PercentDecode("a%00b", false, out));
}

TEST(ParseTargetTest, SplitsPathAndQuery) {
  std::string path;
  Query query = {{"stale", "x"}, {"stale2", "y"}, {"stale3", "z"}};
  ASSERT_TRUE(ParseTarget("/runs/my%20run?k=1&k=2&name=a+b%26c&flag&&e=", path, query));
  EXPECT_EQ(path, "/runs/my run");
  EXPECT_EQ(query, (Query{{"k", "1"}, {"k", "2"}, {"name", "a b&c"}, {"flag", ""}, {"e", ""}}));

  ASSERT_TRUE(ParseTarget("/plain", path, query));
  EXPECT_EQ(path, "/plain");
  EXPECT_TRUE(query.empty());

  // A bad escape in the query is kept verbatim; in the path it is an error.
  ASSERT_TRUE(ParseTarget("/p?x=100%", path, query));
  EXPECT_EQ(query, (Query{{"x", "100%"}}));
  EXPECT_FALSE(ParseTarget("/p%zz?x=1", path, query));
}

TEST(UrlEncodeTest, RoundTrips) {
  std::string enc;
  AppendUrlEncoded("a b/c?d=e&f~_.-", enc);
  EXPECT_EQ(enc, "a%20b%2Fc%3Fd%3De%26f~_.-");
  std::string dec;
  ASSERT_TRUE(PercentDecode(enc, true, dec));
  EXPECT_EQ(dec, "a b/c?d=e&f~_.-");
}

}  // namespace
}  // namespace strata::http::internal
