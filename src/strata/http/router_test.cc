#include "strata/http/router.h"

#include "gtest/gtest.h"

namespace strata::http {
namespace {

Handler Noop() {
  return [](const Request&, Response&) {};
}

TEST(RouterTest, ExactMatchAndMethods) {
  Router router;
  router.Add("GET", "/a", Noop());
  router.Add("POST", "/a", Noop());
  Router::Match m = router.Find("GET", "/a");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->method, "GET");
  EXPECT_EQ(router.Find("POST", "/a").route->method, "POST");
  Router::Match wrong = router.Find("DELETE", "/a");
  EXPECT_EQ(wrong.route, nullptr);
  EXPECT_TRUE(wrong.path_known);
  Router::Match none = router.Find("GET", "/b");
  EXPECT_EQ(none.route, nullptr);
  EXPECT_FALSE(none.path_known);
}

TEST(RouterTest, PrefixRoutes) {
  Router router;
  router.Add("GET", "/files/*", Noop());
  router.Add("GET", "/files/special/*", Noop());
  router.Add("GET", "/files/exact", Noop());
  Router::Match m = router.Find("GET", "/files/a/b.txt");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/files/*");
  EXPECT_EQ(m.wildcard, "a/b.txt");

  m = router.Find("GET", "/files/special/x");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/files/special/*");
  EXPECT_EQ(m.wildcard, "x");

  m = router.Find("GET", "/files/exact");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/files/exact");
  EXPECT_EQ(m.wildcard, "");

  m = router.Find("GET", "/files");  // the bare prefix matches with an empty wildcard
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/files/*");
  EXPECT_EQ(m.wildcard, "");

  EXPECT_EQ(router.Find("GET", "/filesx").route, nullptr);
  Router::Match put = router.Find("PUT", "/files/a");
  EXPECT_EQ(put.route, nullptr);
  EXPECT_TRUE(put.path_known);
}

TEST(RouterTest, RoutesListedInOrder) {
  Router router;
  router.Add("GET", "/a", Noop());
  router.Add("POST", "/b", Noop(), 10);
  ASSERT_EQ(router.routes().size(), 2u);
  EXPECT_EQ(router.routes()[1].name, "/b");
  EXPECT_EQ(router.routes()[1].max_body_bytes, 10u);
}

TEST(RequestTest, QueryAndHeaderAccessors) {
  Request req;
  req.query = {{"k", "1"}, {"x", "y"}, {"k", "2"}};
  req.headers = {{"content-type", "text/plain"}};
  ASSERT_NE(req.QueryParam("k"), nullptr);
  EXPECT_EQ(*req.QueryParam("k"), "1");
  EXPECT_EQ(req.QueryParam("missing"), nullptr);
  EXPECT_EQ(req.QueryParams("k"), (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(req.Header("Content-Type"), "text/plain");
  EXPECT_EQ(req.Header("accept"), "");
}

}  // namespace
}  // namespace strata::http
