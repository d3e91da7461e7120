#include "strata/api/rest_protocols.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace strata::api {
namespace {

using ::testing::HasSubstr;

models::Signature TwoInputs() {
  models::Signature s;
  s.inputs = {{"age", models::ValueType::kInt64, false},
              {"city", models::ValueType::kString, true}};
  s.outputs = {{"prediction", models::ValueType::kFloat64, false}};
  return s;
}

std::string Cell(const table::Table& t, int column, int64_t row) {
  const table::Column& c = t.column(column);
  if (c.IsNull(row)) return "null";
  if (c.type() == table::DataType::kInt64) return std::to_string(c.Int64s()[row]);
  return std::string(c.StringAt(row));
}

TEST(TfModelPathTest, ParsesVersionsLabelsAndActions) {
  auto p = ParseTfModelPath("churn:predict");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->name, "churn");
  EXPECT_EQ(p->action, "predict");
  p = ParseTfModelPath("churn/versions/3/metadata");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->version, 3);
  EXPECT_EQ(p->action, "metadata");
  p = ParseTfModelPath("churn/labels/stable:predict");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->label, "stable");
  EXPECT_EQ(ParseTfModelPath("churn")->action, "");
  EXPECT_FALSE(ParseTfModelPath("churn:classify").has_value());
  EXPECT_FALSE(ParseTfModelPath("churn/versions/0").has_value());
  EXPECT_FALSE(ParseTfModelPath("churn/versions/x:predict").has_value());
  EXPECT_FALSE(ParseTfModelPath(":predict").has_value());
  EXPECT_FALSE(ParseTfModelPath("churn/other/1").has_value());
}

TEST(TfPredictTest, RowAndColumnarFormats) {
  auto rows = DecodeTfPredictRequest(
      R"({"instances": [{"age": 3, "city": "x"}, {"age": 4.0}]})", TwoInputs(), 100);
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_FALSE(rows->columnar);
  EXPECT_EQ(Cell(rows->inputs, 0, 1), "4");
  EXPECT_EQ(Cell(rows->inputs, 1, 1), "null");
  auto lists = DecodeTfPredictRequest(R"({"instances": [[5, "y"]]})", TwoInputs(), 100);
  ASSERT_TRUE(lists.ok()) << lists.status();
  EXPECT_EQ(Cell(lists->inputs, 1, 0), "y");
  auto cols =
      DecodeTfPredictRequest(R"({"inputs": {"age": [1, 2], "city": ["a", null]}})", TwoInputs(), 100);
  ASSERT_TRUE(cols.ok()) << cols.status();
  EXPECT_TRUE(cols->columnar);
  EXPECT_EQ(cols->inputs.num_rows(), 2);
}

TEST(TfPredictTest, ErrorsNameTheInputAndRow) {
  auto message = [](std::string_view body) {
    return std::string(DecodeTfPredictRequest(body, TwoInputs(), 2).status().message());
  };
  EXPECT_THAT(message(R"({"instances": [{"age": 3.5}]})"),
              HasSubstr("input 'age' row 0: expected an integer"));
  EXPECT_THAT(message(R"({"instances": [{"age": 1, "zip": 2}]})"), HasSubstr("'zip'"));
  EXPECT_THAT(message(R"({"instances": [[1]]})"), HasSubstr("row 0: expected an array of 2"));
  EXPECT_THAT(message(R"({"instances": [1, 2]})"), HasSubstr("2 inputs"));
  EXPECT_THAT(message(R"({"instances": [{}, {}, {}]})"), HasSubstr("limit is 2"));
  EXPECT_THAT(message(R"({"inputs": {"age": [1, 2], "city": ["a"]}})"), HasSubstr("'city' has 1"));
  EXPECT_THAT(message(R"({"inputs": {"age": [1]}})"), HasSubstr("missing input 'city'"));
  EXPECT_THAT(message(R"({"instances": [], "inputs": {}})"), HasSubstr("exactly one"));
  EXPECT_THAT(message(R"([1])"), HasSubstr("JSON object"));
  EXPECT_THAT(message(R"({"instances": )"), HasSubstr("not valid JSON"));
}

TEST(TfPredictTest, EncodesPredictionsAndMetadata) {
  models::Model::Predictions p{2, 1, {0.25, 0.5}};
  EXPECT_EQ(EncodeTfPredictResponse(p, false), R"({"predictions":[0.25,0.5]})");
  models::Model::Predictions multi{1, 2, {0.25, 0.75}};
  EXPECT_EQ(EncodeTfPredictResponse(multi, true), R"({"outputs":[[0.25,0.75]]})");
  auto status = nlohmann::json::parse(TfModelStatus({1, 2}));
  EXPECT_EQ(status["model_version_status"][0]["version"], "2");
  models::Manifest m;
  m.signature = TwoInputs();
  auto meta = nlohmann::json::parse(TfModelMetadata("churn", 2, m));
  EXPECT_EQ(meta["model_spec"]["version"], "2");
  EXPECT_EQ(meta["metadata"]["signature_def"]["signature_def"]["serving_default"]["inputs"]
                ["age"]["dtype"],
            "INT64");
}

TEST(MlflowInvocationTest, EveryFormat) {
  for (std::string_view body : {
           R"({"dataframe_split": {"columns": ["city", "age"], "data": [["x", 3]]}})",
           R"({"dataframe_records": [{"age": 3, "city": "x"}]})",
           R"({"instances": [[3, "x"]]})",
           R"({"inputs": {"age": [3], "city": ["x"]}, "params": {}})",
       }) {
    auto t = DecodeMlflowInvocation(body, "application/json", TwoInputs(), 10);
    ASSERT_TRUE(t.ok()) << body << ": " << t.status();
    EXPECT_EQ(Cell(*t, 0, 0), "3") << body;
    EXPECT_EQ(Cell(*t, 1, 0), "x") << body;
  }
  auto csv = DecodeMlflowInvocation("age,city\n3,x\n4,\n", "text/csv; charset=utf-8",
                                    TwoInputs(), 10);
  ASSERT_TRUE(csv.ok()) << csv.status();
  EXPECT_EQ(csv->num_rows(), 2);
  EXPECT_EQ(EncodeMlflowPredictions({1, 1, {2.5}}), R"({"predictions":[2.5]})");
}

TEST(MlflowInvocationTest, ErrorsNameTheField) {
  auto message = [](std::string_view body, std::string_view type = "application/json") {
    return std::string(DecodeMlflowInvocation(body, type, TwoInputs(), 10).status().message());
  };
  EXPECT_THAT(message(R"({"instances": [], "inputs": {}})"), HasSubstr("both"));
  EXPECT_THAT(message(R"({"frame": 1})"), HasSubstr("unknown field 'frame'"));
  EXPECT_THAT(message(R"({})"), HasSubstr("needs one of"));
  EXPECT_THAT(message(R"({"dataframe_split": [1]})"), HasSubstr("'dataframe_split' must be"));
  EXPECT_THAT(message(R"({"dataframe_split": {"columns": ["age"], "data": [[1]]}})"),
              HasSubstr("missing input 'city'"));
  EXPECT_THAT(message(R"({"dataframe_split": {"columns": ["age", "age"], "data": []}})"),
              HasSubstr("twice"));
  EXPECT_THAT(message(R"({"dataframe_records": [{"age": "old"}]})"),
              HasSubstr("input 'age' row 0: expected an integer"));
  EXPECT_FALSE(message("age,city\n1,2,3\n", "text/csv").empty());
  EXPECT_THAT(message("age,city\n1,a\n1,a\n1,a\n1,a\n1,a\n1,a\n1,a\n1,a\n1,a\n1,a\n1,a\n",
                      "text/csv"),
              HasSubstr("limit is 10"));
}

}  // namespace
}  // namespace strata::api
