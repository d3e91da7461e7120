#include "strata/api/request_params.h"

#include <cmath>

#include "gtest/gtest.h"
#include "strata/api/errors.h"

namespace strata::api {
namespace {

http::Request Post(std::string body) {
  http::Request r;
  r.method = "POST";
  r.body = std::move(body);
  return r;
}

TEST(RequestParamsTest, Proto3JsonSpellings) {
  auto p = RequestParams::FromRequest(Post(
      R"({"ts": "1700000000000", "step": 3, "v1": "NaN", "v2": "-Infinity", "v3": 0.5,
          "b": "true", "ids": ["1", "2"], "one": "x", "f": 4.0})"));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(*p->RequiredInt64("ts"), 1700000000000);
  EXPECT_EQ(**p->OptionalInt64("step"), 3);
  EXPECT_EQ(**p->OptionalInt64("f"), 4);
  EXPECT_TRUE(std::isnan(*p->RequiredDouble("v1")));
  EXPECT_EQ(*p->RequiredDouble("v2"), -INFINITY);
  EXPECT_EQ(*p->RequiredDouble("v3"), 0.5);
  EXPECT_TRUE(**p->OptionalBool("b"));
  EXPECT_EQ(*p->StringList("ids"), (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(*p->StringList("one"), (std::vector<std::string>{"x"}));
  EXPECT_TRUE(p->StringList("absent")->empty());
  EXPECT_FALSE(p->OptionalString("absent")->has_value());
}

TEST(RequestParamsTest, QueryStringRepeatedKeysFormLists) {
  http::Request r;
  r.method = "GET";
  r.query = {{"experiment_ids", "1"}, {"experiment_ids", "2"}, {"max_results", "10"}};
  auto p = RequestParams::FromRequest(r);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p->StringList("experiment_ids"), (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(**p->OptionalInt64("max_results"), 10);
}

TEST(RequestParamsTest, ErrorsNameTheProblem) {
  auto bad = RequestParams::FromRequest(Post("{\"a\": 1,"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(ErrorCodeName(bad.status()), "MALFORMED_REQUEST");
  EXPECT_NE(bad.status().message().find("byte"), absl::string_view::npos);

  auto not_object = RequestParams::FromRequest(Post("[1]"));
  EXPECT_FALSE(not_object.ok());

  auto invalid_utf8 = RequestParams::FromRequest(Post("{\"name\": \"\xff\"}"));
  EXPECT_FALSE(invalid_utf8.ok());

  auto p = RequestParams::FromRequest(Post(R"({"n": "abc", "d": [1], "s": 5.5})"));
  ASSERT_TRUE(p.ok());
  absl::Status s = p->OptionalInt64("n").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("'n'"), absl::string_view::npos);
  EXPECT_FALSE(p->RequiredDouble("d").ok());
  EXPECT_FALSE(p->OptionalString("s").ok());
  absl::Status missing = p->RequiredString("name").status();
  EXPECT_NE(missing.message().find("Missing value for required parameter 'name'"),
            absl::string_view::npos);
}

// Found by fuzz/request_params_fuzz: nlohmann reports a number beyond double range with an
// out_of_range exception, not a parse_error; it must still be a 400, not an escape.
TEST(RequestParamsTest, NumberOutOfDoubleRangeIsMalformed) {
  auto bad = RequestParams::FromRequest(Post(R"({"metrics": [{"value": -1.5e309}]})"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(ErrorCodeName(bad.status()), "MALFORMED_REQUEST");
  EXPECT_NE(bad.status().message().find("number overflow"), absl::string_view::npos)
      << bad.status();
}

// log-batch items share the parsed document: they must stay valid after the parent's copy
// is gone and after the vector that holds them reallocates.
TEST(RequestParamsTest, ObjectListItemsOutliveTheirParent) {
  std::vector<RequestParams> items;
  {
    auto p = RequestParams::FromRequest(
        Post(R"({"metrics": [{"key": "a", "value": 1}, {"key": "b", "value": 2}]})"));
    ASSERT_TRUE(p.ok());
    auto list = p->ObjectList("metrics");
    ASSERT_TRUE(list.ok());
    items = *list;
  }
  items.reserve(100);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(*items[0].RequiredString("key"), "a");
  EXPECT_EQ(*items[1].RequiredDouble("value"), 2.0);
}

TEST(RequestParamsTest, EmptyBodyIsEmptyObject) {
  auto p = RequestParams::FromRequest(Post(""));
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->Has("x"));
}

TEST(RequestParamsTest, DoubleToJsonUsesProtobufStrings) {
  EXPECT_EQ(DoubleToJson(NAN), "NaN");
  EXPECT_EQ(DoubleToJson(INFINITY), "Infinity");
  EXPECT_EQ(DoubleToJson(-INFINITY), "-Infinity");
  EXPECT_EQ(DoubleToJson(1.5), 1.5);
}

TEST(ErrorsTest, MlflowCodesAndStatuses) {
  http::Response res;
  WriteError(absl::NotFoundError("Run with id=x not found"), res);
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(nlohmann::json::parse(res.body)["error_code"], "RESOURCE_DOES_NOT_EXIST");
  WriteError(absl::AlreadyExistsError("dup"), res);
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(nlohmann::json::parse(res.body)["error_code"], "RESOURCE_ALREADY_EXISTS");
  WriteError(absl::InvalidArgumentError("bad"), res);
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(nlohmann::json::parse(res.body)["error_code"], "INVALID_PARAMETER_VALUE");
  WriteError(WithErrorCode(absl::NotFoundError("no route"), "ENDPOINT_NOT_FOUND"), res);
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(nlohmann::json::parse(res.body)["error_code"], "ENDPOINT_NOT_FOUND");
  WriteError(absl::InternalError("boom \xff"), res);
  EXPECT_EQ(res.status, 500);
  EXPECT_EQ(nlohmann::json::parse(res.body)["error_code"], "INTERNAL_ERROR");
  WriteHttpError(413, "too big", res);
  EXPECT_EQ(res.status, 413);
  EXPECT_EQ(nlohmann::json::parse(res.body)["error_code"], "RESOURCE_EXHAUSTED");
}

}  // namespace
}  // namespace strata::api
