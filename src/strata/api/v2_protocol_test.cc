#include "strata/api/v2_protocol.h"

#include <cmath>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "strata/serving/testing/test_models.h"

namespace strata::api {
namespace {

using ::testing::HasSubstr;
using models::ValueType;

models::Signature FourColumns() {
  models::Signature s;
  s.inputs = {{"x", ValueType::kFloat64, false},
              {"n", ValueType::kInt64, true},
              {"flag", ValueType::kBool, false},
              {"city", ValueType::kString, false}};
  return s;
}

models::Signature Numeric() {
  models::Signature s;
  s.inputs = {{"a", ValueType::kFloat64, false},
              {"b", ValueType::kInt64, false},
              {"c", ValueType::kFloat32, true}};
  return s;
}

std::string DecodeError(std::string_view body, const models::Signature& s, int64_t max = 1000) {
  auto r = DecodeV2InferRequest(body, s, max);
  EXPECT_FALSE(r.ok()) << body;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(r.status().message());
}

TEST(V2ProtocolTest, DecodesOneTensorPerColumn) {
  auto r = DecodeV2InferRequest(R"({"id":"r1","inputs":[
      {"name":"city","shape":[2],"datatype":"BYTES","data":["Oslo","Lima"]},
      {"name":"x","shape":[2,1],"datatype":"FP32","data":[[1.5],[2]]},
      {"name":"n","shape":[2],"datatype":"INT32","data":[7,null],"parameters":{}},
      {"name":"flag","shape":[2],"datatype":"BOOL","data":[true,false]}],
      "outputs":[{"name":"prediction"}]})",
                                FourColumns(), 100);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->id, "r1");
  EXPECT_EQ(r->requested_outputs, std::vector<std::string>{"prediction"});
  const table::Table& t = r->inputs;
  ASSERT_EQ(t.num_rows(), 2);
  ASSERT_EQ(t.num_columns(), 4);
  const table::Column& x = **t.ColumnByName("x");
  EXPECT_DOUBLE_EQ(x.Float64s()[0], 1.5);
  EXPECT_DOUBLE_EQ(x.Float64s()[1], 2.0);
  const table::Column& n = **t.ColumnByName("n");
  EXPECT_EQ(n.Int64s()[0], 7);
  EXPECT_TRUE(n.IsNull(1));
  EXPECT_EQ((*t.ColumnByName("flag"))->Bools()[1], 0);
  EXPECT_EQ((*t.ColumnByName("city"))->StringAt(1), "Lima");
}

TEST(V2ProtocolTest, DecodesOneFeatureMatrix) {
  auto r = DecodeV2InferRequest(
      R"({"inputs":[{"name":"features","shape":[2,3],"datatype":"FP64","data":[[1,2,3],[4,5,null]]}]})",
      Numeric(), 100);
  ASSERT_TRUE(r.ok()) << r.status();
  const table::Table& t = r->inputs;
  ASSERT_EQ(t.num_rows(), 2);
  EXPECT_DOUBLE_EQ((*t.ColumnByName("a"))->Float64s()[1], 4.0);
  EXPECT_EQ((*t.ColumnByName("b"))->Int64s()[1], 5);
  EXPECT_TRUE((*t.ColumnByName("c"))->IsNull(1));
  // Flat data works the same.
  auto flat = DecodeV2InferRequest(
      R"({"inputs":[{"name":"f","shape":[1,3],"datatype":"FP32","data":[1,2,3]}]})", Numeric(), 100);
  ASSERT_TRUE(flat.ok()) << flat.status();
  EXPECT_DOUBLE_EQ((*flat->inputs.ColumnByName("c"))->Float64s()[0], 3.0);
}

TEST(V2ProtocolTest, RefusesBadRequestsNamingTheProblem) {
  const models::Signature s = Numeric();
  EXPECT_THAT(DecodeError("{\"inputs\": [", s), HasSubstr("malformed JSON"));
  EXPECT_THAT(DecodeError("[1,2]", s), HasSubstr("must be a JSON object"));
  EXPECT_THAT(DecodeError("{}", s), HasSubstr("no inputs"));
  EXPECT_THAT(DecodeError(R"({"inputs":[{"shape":[1],"datatype":"FP64","data":[1]}]})", s),
              HasSubstr("inputs[0] has no name"));
  const std::string a = R"({"name":"a","shape":[1],"datatype":"FP64","data":[1]})";
  const std::string b = R"({"name":"b","shape":[1],"datatype":"INT64","data":[1]})";
  const std::string c = R"({"name":"c","shape":[1],"datatype":"FP32","data":[1]})";
  auto body = [](std::string inputs) { return "{\"inputs\":[" + inputs + "]}"; };
  EXPECT_THAT(DecodeError(body(a + "," + b), s), HasSubstr("missing input 'c'"));
  EXPECT_THAT(DecodeError(body(a + "," + b + "," + c + "," +
                               R"({"name":"zz","shape":[1],"datatype":"FP64","data":[1]})"),
                          s),
              HasSubstr("input 'zz': not in the model's signature"));
  EXPECT_THAT(DecodeError(body(a + "," + a + "," + b + "," + c), s),
              HasSubstr("input 'a': given twice"));
  EXPECT_THAT(DecodeError(body(R"({"name":"a","shape":[1],"datatype":"BYTES","data":["x"]},)" +
                               b + "," + c),
                          s),
              HasSubstr("input 'a': datatype BYTES does not match the signature type float64"));
  EXPECT_THAT(DecodeError(body(R"({"name":"a","shape":[2],"datatype":"FP64","data":[1]},)" + b +
                               "," + c),
                          s),
              HasSubstr("input 'a': shape [2] needs 2 values, data has 1"));
  EXPECT_THAT(DecodeError(body(R"({"name":"a","shape":[1,2],"datatype":"FP64","data":[1,2]},)" +
                               b + "," + c),
                          s),
              HasSubstr("input 'a': shape [1, 2] is not a column"));
  EXPECT_THAT(DecodeError(body(a + "," +
                               R"({"name":"b","shape":[1],"datatype":"INT64","data":[1.5]},)" + c),
                          s),
              HasSubstr("input 'b': element 0 is a number, expected an integer"));
  EXPECT_THAT(DecodeError(body(a + "," +
                               R"({"name":"b","shape":[1],"datatype":"INT64","data":["7"]},)" + c),
                          s),
              HasSubstr("input 'b': element 0 is a string"));
  EXPECT_THAT(DecodeError(body(a + "," +
                               R"({"name":"b","shape":[2],"datatype":"INT64","data":[1,2]},)" + c),
                          s),
              HasSubstr("input 'b': has 2 rows, input 'a' has 1"));
  EXPECT_THAT(DecodeError(body(R"({"name":"a","shape":[3],"datatype":"FP64","data":[1,2,3]})"), s,
                          /*max=*/2),
              HasSubstr("input 'a': batch of 3 rows exceeds the limit of 2"));
  EXPECT_THAT(DecodeError(body(R"({"name":"a","shape":"x","datatype":"FP64","data":[1]})"), s),
              HasSubstr("inputs[0].shape must be an array"));
  EXPECT_THAT(DecodeError(body(R"({"name":"a","shape":[-1],"datatype":"FP64","data":[1]})"), s),
              HasSubstr("non-negative"));
  EXPECT_THAT(DecodeError(body(R"({"name":"a","datatype":"FP64","data":[1]})"), s),
              HasSubstr("input 'a': missing shape"));
  // The feature-matrix form.
  EXPECT_THAT(DecodeError(body(R"({"name":"f","shape":[1,2],"datatype":"FP64","data":[1,2]})"), s),
              HasSubstr("input 'f': shape [1, 2] has 2 columns, the signature has 3"));
  EXPECT_THAT(DecodeError(body(R"({"name":"f","shape":[1,3],"datatype":"BYTES","data":[1,2,3]})"),
                          s),
              HasSubstr("input 'f': datatype BYTES cannot carry the feature matrix"));
  EXPECT_THAT(
      DecodeError(body(R"({"name":"f","shape":[1,3],"datatype":"FP64","data":[1,2.5,3]})"), s),
      HasSubstr("column 'b', int64) is 2.5, not an integer"));
  EXPECT_THAT(
      DecodeError(body(R"({"name":"f","shape":[1,3],"datatype":"FP64","data":[1,"2",3]})"), s),
      HasSubstr("column 'b') is a string"));
}

TEST(V2ProtocolTest, EncodesPerOutputAndCombinedTensors) {
  models::Manifest m;
  m.signature.outputs = {{"prediction", ValueType::kFloat64, false}};
  models::Model::Predictions p;
  p.rows = 2;
  p.num_outputs = 1;
  p.values = {0.25, std::nan("")};
  auto body = EncodeV2InferResponse("m", 3, "abc", m, p, {});
  ASSERT_TRUE(body.ok());
  auto j = nlohmann::json::parse(*body);
  EXPECT_EQ(j["model_name"], "m");
  EXPECT_EQ(j["model_version"], "3");
  EXPECT_EQ(j["id"], "abc");
  EXPECT_EQ(j["outputs"][0]["name"], "prediction");
  EXPECT_EQ(j["outputs"][0]["shape"], nlohmann::json({2}));
  EXPECT_EQ(j["outputs"][0]["data"][0], 0.25);
  EXPECT_TRUE(j["outputs"][0]["data"][1].is_null());

  models::Manifest multi;  // no named outputs: one combined tensor
  models::Model::Predictions q;
  q.rows = 2;
  q.num_outputs = 3;
  q.values = {0.1, 0.2, 0.7, 0.3, 0.3, 0.4};
  auto combined = EncodeV2InferResponse("m", 1, "", multi, q, {});
  ASSERT_TRUE(combined.ok());
  auto k = nlohmann::json::parse(*combined);
  EXPECT_FALSE(k.contains("id"));
  EXPECT_EQ(k["outputs"][0]["name"], "predictions");
  EXPECT_EQ(k["outputs"][0]["shape"], nlohmann::json({2, 3}));
  EXPECT_EQ(k["outputs"][0]["data"][5], 0.4);
  auto unknown = EncodeV2InferResponse("m", 1, "", multi, q, {"nope"});
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(unknown.status().message(), HasSubstr("output 'nope'"));
}

TEST(V2ProtocolTest, NumbersRoundTrip) {
  for (double v : {0.1, 1e-300, 123456789.123, -0.0, 1.0 / 3}) {
    std::string out;
    AppendJsonNumber(v, out);
    EXPECT_EQ(std::stod(out), v) << out;
  }
  std::string s;
  AppendJsonString("a\"b\\c\n", s);
  EXPECT_EQ(s, "\"a\\\"b\\\\c\\u000a\"");
}

// The fast path must agree with the general one: the same features when it answers, and no
// answer (the general path then names the error) whenever the general path or the model's
// validation would refuse.
std::shared_ptr<const models::Model> FloatModel() {
  return serving::testing::SumModel("m", {{"a", ValueType::kFloat64, false},
                                          {"b", ValueType::kFloat32, true},
                                          {"c", ValueType::kFloat64, false}});
}

std::vector<float> GeneralFeatures(std::string_view body, const models::Model& model) {
  auto decoded = DecodeV2InferRequest(body, model.manifest().signature, 1000);
  EXPECT_TRUE(decoded.ok()) << decoded.status();
  if (!decoded.ok()) return {};
  auto matrix = model.FeatureMatrix(decoded->inputs);
  EXPECT_TRUE(matrix.ok()) << matrix.status();
  return matrix.ok() ? *matrix : std::vector<float>{};
}

TEST(V2ProtocolTest, FeatureRequestEqualsTheGeneralPath) {
  auto model = FloatModel();
  ASSERT_TRUE(model->features_are_float_inputs());
  for (std::string body : {
           std::string(R"({"id":"q","inputs":[{"name":"features","shape":[2,3],"datatype":"FP32",
               "data":[[1.5,null,3],[-4,0.1,1e30]]}],"outputs":[{"name":"prediction"}]})"),
           std::string(R"({"inputs":[{"name":"x","shape":[1,3],"datatype":"INT64",
               "data":[7,8,9]}]})"),
           std::string(R"({"inputs":[{"datatype":"FP64","data":[0.30000000000000004,2,
               3.4028236e38],"name":"x","shape":[1,3],"parameters":{}}]})"),
       }) {
    std::optional<V2FeatureRequest> fast = DecodeV2FeatureRequest(body, *model, 1000);
    ASSERT_TRUE(fast.has_value()) << body;
    std::vector<float> general = GeneralFeatures(body, *model);
    ASSERT_EQ(fast->features.size(), general.size()) << body;
    for (size_t i = 0; i < general.size(); ++i) {
      if (std::isnan(general[i])) {
        EXPECT_TRUE(std::isnan(fast->features[i])) << body << " at " << i;
      } else {
        EXPECT_EQ(fast->features[i], general[i]) << body << " at " << i;
      }
    }
    EXPECT_EQ(fast->rows * 3, static_cast<int64_t>(general.size()));
    auto decoded = DecodeV2InferRequest(body, model->manifest().signature, 1000);
    EXPECT_EQ(fast->id, decoded->id);
    EXPECT_EQ(fast->requested_outputs, decoded->requested_outputs);
  }
}

TEST(V2ProtocolTest, FeatureRequestLeavesEveryRefusalToTheGeneralPath) {
  auto model = FloatModel();
  const models::Signature& sig = model->manifest().signature;
  // Refused by DecodeV2InferRequest.
  for (std::string body : {
           std::string("{\"inputs\":[{\"name\":\"x\",\"shape\":[1,3],\"datatype\":\"FP32\","
                       "\"data\":[1,2,"),
           std::string(R"({"id":5,"inputs":[{"name":"x","shape":[1,3],"datatype":"FP32","data":[1,2,3]}]})"),
           std::string(R"({"inputs":[{"name":"x","shape":[1,3],"datatype":"BOOL","data":[1,0,1]}]})"),
           std::string(R"({"inputs":[{"name":"x","shape":[1,2],"datatype":"FP32","data":[1,2]}]})"),
           std::string(R"({"inputs":[{"name":"x","shape":[1,3],"datatype":"FP32","data":[1,2]}]})"),
           std::string(R"({"inputs":[{"name":"x","shape":[1,3],"datatype":"FP32","data":[1,"2",3]}]})"),
           std::string(R"({"inputs":[{"name":"x","shape":[1,3],"datatype":"FP32","data":[1,true,3]}]})"),
           std::string(R"({"inputs":[{"name":"x","shape":[2000,3],"datatype":"FP32","data":[]}]})"),
           std::string(R"({"inputs":[{"name":"x","shape":[1,3],"datatype":"FP32","data":[1,2,3]}],
               "outputs":[{"nom":"p"}]})"),
       }) {
    EXPECT_FALSE(DecodeV2FeatureRequest(body, *model, 1000).has_value()) << body;
    EXPECT_FALSE(DecodeV2InferRequest(body, sig, 1000).ok()) << body;
  }
  // Decoded by the general path but refused by the model's validation: a null where the
  // column is not nullable.
  std::string null_in_a =
      R"({"inputs":[{"name":"x","shape":[1,3],"datatype":"FP32","data":[null,2,3]}]})";
  EXPECT_FALSE(DecodeV2FeatureRequest(null_in_a, *model, 1000).has_value());
  auto decoded = DecodeV2InferRequest(null_in_a, sig, 1000);
  ASSERT_TRUE(decoded.ok());
  EXPECT_THAT(model->FeatureMatrix(decoded->inputs).status().message(),
              HasSubstr("input column 'a' row 0: missing value"));
  // Other request shapes go the general way, which accepts them.
  for (std::string body : {
           std::string(R"({"inputs":[{"name":"a","shape":[1],"datatype":"FP64","data":[1]},
               {"name":"b","shape":[1],"datatype":"FP64","data":[2]},
               {"name":"c","shape":[1],"datatype":"FP64","data":[3]}]})"),
           std::string(R"({"inputs":[{"name":"x","shape":[0,3],"datatype":"FP32","data":[]}]})"),
       }) {
    EXPECT_FALSE(DecodeV2FeatureRequest(body, *model, 1000).has_value()) << body;
    EXPECT_TRUE(DecodeV2InferRequest(body, sig, 1000).ok()) << body;
  }
}

TEST(V2ProtocolTest, FeatureRequestOnlyForModelsWhoseFeaturesAreFloatInputs) {
  std::string body = R"({"inputs":[{"name":"x","shape":[1,2],"datatype":"FP32","data":[1,2]}]})";
  auto with_int = serving::testing::SumModel(
      "m", {{"a", ValueType::kFloat64, false}, {"n", ValueType::kInt64, false}});
  EXPECT_FALSE(with_int->features_are_float_inputs());
  EXPECT_FALSE(DecodeV2FeatureRequest(body, *with_int, 1000).has_value());
  auto floats = serving::testing::SumModel(
      "m", {{"a", ValueType::kFloat64, false}, {"b", ValueType::kFloat32, false}});
  EXPECT_TRUE(DecodeV2FeatureRequest(body, *floats, 1000).has_value());
}

}  // namespace
}  // namespace strata::api
