#include "strata/api/internal/feature_server_json.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace strata::api::internal {
namespace {

using features::EntityKeyValue;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(FeatureServerJsonTest, DecodesFeastsRequest) {
  absl::StatusOr<features::OnlineFeaturesRequest> r = DecodeGetOnlineFeaturesRequest(
      R"({"features": ["v:a", "v:b"], "entities": {"user_id": [1, -2], "m": ["x", ""]},
          "full_feature_names": true})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(r->features, ElementsAre("v:a", "v:b"));
  EXPECT_TRUE(r->full_feature_names);
  ASSERT_EQ(r->entities.size(), 2u);
  EXPECT_EQ(r->entities[0].join_key, "user_id");
  EXPECT_THAT(r->entities[0].values, ElementsAre(EntityKeyValue{int64_t{1}}, EntityKeyValue{int64_t{-2}}));
  EXPECT_THAT(r->entities[1].values,
              ElementsAre(EntityKeyValue{std::string("x")}, EntityKeyValue{std::string("")}));

  absl::StatusOr<features::OnlineFeaturesRequest> service =
      DecodeGetOnlineFeaturesRequest(R"({"feature_service": "s", "entities": {"k": [1]}})");
  ASSERT_TRUE(service.ok()) << service.status();
  EXPECT_EQ(service->feature_service, "s");
  EXPECT_FALSE(service->full_feature_names);
}

TEST(FeatureServerJsonTest, RejectsBadRequestsByMember) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "malformed JSON"},
      {"{", "malformed JSON"},
      {"[1]", "must be a JSON object"},
      {R"({"features": "v:a", "entities": {}})", "'features' must be an array of strings"},
      {R"({"features": ["v:a", 3], "entities": {}})", "'features'[1] must be a string"},
      {R"({"features": ["v:a"]})", "has no 'entities'"},
      {R"({"features": ["v:a"], "entities": []})", "'entities' must be an object"},
      {R"({"features": ["v:a"], "entities": {"k": 1}})", "entities['k'] must be an array"},
      {R"({"features": ["v:a"], "entities": {"k": [1.5]}})", "entities['k'][0] is a non-integer"},
      {R"({"features": ["v:a"], "entities": {"k": [1, 18446744073709551615]}})",
       "entities['k'][1] is an integer beyond int64"},
      {R"({"features": ["v:a"], "entities": {"k": [null]}})", "entities['k'][0] is null"},
      {R"({"features": ["v:a"], "entities": {"k": [true]}})", "not an integer or string"},
      {R"({"features": ["v:a"], "entities": {}, "full_feature_names": 1})",
       "'full_feature_names' must be true or false"},
      {R"({"features": ["v:a"], "entities": {}, "extra": 1})", "unknown member 'extra'"},
      {R"({"feature_service": "", "entities": {}})", "'feature_service' is empty"},
  };
  for (const auto& [body, message] : cases) {
    absl::StatusOr<features::OnlineFeaturesRequest> r = DecodeGetOnlineFeaturesRequest(body);
    EXPECT_TRUE(absl::IsInvalidArgument(r.status())) << body << ": " << r.status();
    EXPECT_THAT(r.status().message(), HasSubstr(message)) << body;
  }
}

TEST(FeatureServerJsonTest, EncodesFeastsResponse) {
  features::OnlineFeaturesResponse response;
  response.rows = 2;
  response.join_key_columns = 1;
  response.columns = {
      {"user_id", {int64_t{1}, int64_t{2}}, {features::FeatureStatus::kPresent, features::FeatureStatus::kPresent}, {0, 0}},
      {"f", {1.5, std::monostate{}}, {features::FeatureStatus::kPresent, features::FeatureStatus::kNotFound},
       {1767225600000000, 0}},
      {"s\"q", {std::string("a\"b\n"), std::monostate{}},
       {features::FeatureStatus::kPresent, features::FeatureStatus::kOutsideMaxAge},
       {1767225600123456, -1}},
      {"t", {features::OnlineTimestamp{0}, true}, {features::FeatureStatus::kPresent, features::FeatureStatus::kNullValue},
       {0, 0}},
  };
  const std::string body = EncodeOnlineFeaturesResponse(response);
  nlohmann::json json = nlohmann::json::parse(body);
  EXPECT_EQ(json["metadata"]["feature_names"], nlohmann::json({"user_id", "f", "s\"q", "t"}));
  ASSERT_EQ(json["results"].size(), 4u);
  EXPECT_EQ(json["results"][0]["values"], nlohmann::json({1, 2}));
  EXPECT_EQ(json["results"][0]["event_timestamps"],
            nlohmann::json({"1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z"}));
  EXPECT_EQ(json["results"][1]["values"], nlohmann::json::parse("[1.5, null]"));
  EXPECT_EQ(json["results"][1]["statuses"], nlohmann::json({"PRESENT", "NOT_FOUND"}));
  EXPECT_EQ(json["results"][1]["event_timestamps"][0], "2026-01-01T00:00:00Z");
  EXPECT_EQ(json["results"][2]["values"][0], "a\"b\n");
  EXPECT_EQ(json["results"][2]["statuses"][1], "OUTSIDE_MAX_AGE");
  EXPECT_EQ(json["results"][2]["event_timestamps"][0], "2026-01-01T00:00:00.123456Z");
  EXPECT_EQ(json["results"][2]["event_timestamps"][1], "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(json["results"][3]["values"], nlohmann::json::parse(R"(["1970-01-01T00:00:00Z", true])"));
  EXPECT_EQ(json["results"][3]["statuses"][1], "NULL_VALUE");
}

TEST(FeatureServerJsonTest, Rfc3339Dates) {
  auto format = [](int64_t micros) {
    std::string out;
    AppendRfc3339(micros, &out);
    return out;
  };
  EXPECT_EQ(format(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format(951782400000000), "2000-02-29T00:00:00Z");  // leap day
  EXPECT_EQ(format(4102444799000000), "2099-12-31T23:59:59Z");
  EXPECT_EQ(format(-86400000000), "1969-12-31T00:00:00Z");
}

TEST(FeatureServerJsonTest, DecodesPush) {
  absl::StatusOr<features::PushRequest> r = DecodePushRequest(
      R"({"push_source_name": "p", "df": {"user_id": [1], "f": [1.5], "s": ["x"], "b": [true],
          "n": [null]}, "to": "online_and_offline"})");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->push_source_name, "p");
  EXPECT_EQ(r->to, features::PushTarget::kOnlineAndOffline);
  ASSERT_EQ(r->columns.size(), 5u);
  EXPECT_EQ(r->columns[0].values[0], features::PushValue{int64_t{1}});
  EXPECT_EQ(r->columns[1].values[0], features::PushValue{1.5});
  EXPECT_EQ(r->columns[2].values[0], features::PushValue{std::string("x")});
  EXPECT_EQ(r->columns[3].values[0], features::PushValue{true});
  EXPECT_EQ(r->columns[4].values[0], features::PushValue{std::monostate{}});

  const std::vector<std::pair<std::string, std::string>> bad = {
      {R"({"df": {}})", "no 'push_source_name'"},
      {R"({"push_source_name": "p"})", "no 'df'"},
      {R"({"push_source_name": "p", "df": {"a": 1}})", "df['a'] must be an array"},
      {R"({"push_source_name": "p", "df": {"a": [[1]]}})", "df['a'][0] must be a number"},
      {R"({"push_source_name": "p", "df": {}, "to": "disk"})", "expected online, offline"},
      {R"({"push_source_name": "p", "df": {}, "x": 1})", "unknown member 'x'"},
  };
  for (const auto& [body, message] : bad) {
    absl::StatusOr<features::PushRequest> p = DecodePushRequest(body);
    EXPECT_TRUE(absl::IsInvalidArgument(p.status())) << body << ": " << p.status();
    EXPECT_THAT(p.status().message(), HasSubstr(message)) << body;
  }
}

TEST(FeatureServerJsonTest, DecodesMaterialize) {
  absl::StatusOr<MaterializeRequest> full = DecodeMaterializeRequest(
      R"({"start_ts": "2026-01-01T00:00:00Z", "end_ts": "2026-01-02T00:00:00Z",
          "feature_views": ["a"]})",
      false);
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_EQ(*full->start_micros, 1767225600000000);
  EXPECT_EQ(full->end_micros, 1767225600000000 + 86400000000);
  EXPECT_THAT(full->feature_views, ElementsAre("a"));
  absl::StatusOr<MaterializeRequest> inc =
      DecodeMaterializeRequest(R"({"end_ts": "2026-01-02T00:00:00Z"})", true);
  ASSERT_TRUE(inc.ok()) << inc.status();
  EXPECT_FALSE(inc->start_micros.has_value());

  EXPECT_THAT(DecodeMaterializeRequest(R"({"end_ts": "2026-01-02T00:00:00Z"})", false)
                  .status()
                  .message(),
              HasSubstr("no 'start_ts'"));
  EXPECT_THAT(DecodeMaterializeRequest(
                  R"({"start_ts": "2026-01-02T00:00:00Z", "end_ts": "2026-01-02T00:00:00Z"})",
                  true)
                  .status()
                  .message(),
              HasSubstr("unknown member 'start_ts'"));
  EXPECT_THAT(
      DecodeMaterializeRequest(R"({"start_ts": "2026-01-03", "end_ts": "2026-01-02"})", false)
          .status()
          .message(),
      HasSubstr("after 'end_ts'"));
  EXPECT_THAT(DecodeMaterializeRequest(R"({"end_ts": "yesterday"})", true).status().message(),
              HasSubstr("not an RFC 3339 timestamp"));
}

// Every prefix of valid bodies, and each with one byte replaced by characters that break JSON
// structure, decodes to a value or an error (never a crash: ASan/UBSan builds check).
TEST(FeatureServerJsonTest, TruncatedAndDamagedBodiesNeverCrash) {
  const std::vector<std::string> bodies = {
      R"({"features": ["v:a", "v:*"], "entities": {"k": [1, -9223372036854775808], "s": ["a\u00e9"]}, "full_feature_names": true})",
      R"({"push_source_name": "p", "df": {"k": [1, null], "f": [1.5e300, -0.0], "t": ["2026-01-01T00:00:00Z", "x"]}, "to": "online"})",
      R"({"start_ts": "2026-01-01T00:00:00Z", "end_ts": "2026-01-02T00:00:00.5Z", "feature_views": ["a"]})",
  };
  int decoded = 0;
  for (const std::string& body : bodies) {
    for (size_t cut = 0; cut <= body.size(); ++cut) {
      for (char replacement : {'\0', '"', '{', ']', '9', '\\'}) {
        std::string damaged = body.substr(0, cut);
        if (cut < body.size()) damaged += replacement + body.substr(cut + 1);
        decoded += DecodeGetOnlineFeaturesRequest(damaged).ok();
        decoded += DecodePushRequest(damaged).ok();
        decoded += DecodeMaterializeRequest(damaged, false).ok();
        decoded += DecodeMaterializeRequest(damaged, true).ok();
      }
    }
  }
  EXPECT_GT(decoded, 0);  // some damage (a digit for a digit) still decodes
}

}  // namespace
}  // namespace strata::api::internal
