#include "strata/models/xgboost_import.h"

#include <cmath>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace strata::models {
namespace {

using nlohmann::json;

// An XGBoost 1.7 JSON model in the shape save_model writes: two trees of a binary model.
json BinaryModel() {
  json tree0 = {{"base_weights", {0, 0, 0}},
                {"categories", json::array()},
                {"default_left", {1, 0, 0}},
                {"id", 0},
                {"left_children", {1, -1, -1}},
                {"right_children", {2, -1, -1}},
                {"split_conditions", {0.5, -0.5, 0.75}},
                {"split_indices", {1, 0, 0}},
                {"split_type", {0, 0, 0}},
                {"tree_param", {{"num_deleted", "0"}, {"num_feature", "3"},
                                {"num_nodes", "3"}, {"size_leaf_vector", "0"}}}};
  json tree1 = tree0;
  tree1["split_indices"] = {2, 0, 0};
  tree1["split_conditions"] = {-1.0, 0.25, -0.125};
  return {{"learner",
           {{"attributes", json::object()},
            {"feature_names", {"a", "b", "c"}},
            {"feature_types", {"float", "float", "float"}},
            {"gradient_booster",
             {{"model",
               {{"gbtree_model_param", {{"num_parallel_tree", "1"}, {"num_trees", "2"}}},
                {"tree_info", {0, 0}},
                {"trees", {tree0, tree1}}}},
              {"name", "gbtree"}}},
            {"learner_model_param", {{"base_score", "2E-1"}, {"num_class", "0"},
                                     {"num_feature", "3"}, {"num_target", "1"}}},
            {"objective", {{"name", "binary:logistic"}}}}},
          {"version", {1, 7, 4}}};
}

double Predict1(const XgboostModel& m, std::vector<float> row) {
  double out = 0;
  m.predictor->Predict(row.data(), 1, &out);
  return out;
}

TEST(XgboostImportTest, ReadsJsonModel) {
  auto model = ImportXgboostModel(BinaryModel().dump());
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ(model->objective, "binary:logistic");
  EXPECT_EQ(model->version, "1.7.4");
  EXPECT_EQ(model->feature_names, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(model->predictor->task(), Task::kBinary);
  // base_score 0.2 is a probability: margin logit(0.2); b=0 (< 0.5) left -0.5; c=NaN default
  // left 0.25.
  const float margin = -std::log(1.0f / 0.2f - 1.0f) + -0.5f + 0.25f;
  EXPECT_NEAR(Predict1(*model, {0, 0, NAN}), 1 / (1 + std::exp(-margin)), 1e-7);
}

TEST(XgboostImportTest, ReadsUbjsonModel) {
  const std::vector<uint8_t> ubj = json::to_ubjson(BinaryModel(), true, true);
  auto model = ImportXgboostModel(std::string(ubj.begin(), ubj.end()));
  ASSERT_TRUE(model.ok()) << model.status();
  auto from_json = ImportXgboostModel(BinaryModel().dump());
  for (const std::vector<float>& row : std::vector<std::vector<float>>{
           {0, 0.6f, 0}, {1, 0.4f, -2}, {NAN, NAN, NAN}}) {
    EXPECT_EQ(Predict1(*model, row), Predict1(*from_json, row));
  }
}

TEST(XgboostImportTest, MulticlassAndRegression) {
  json multi = BinaryModel();
  multi["learner"]["objective"]["name"] = "multi:softprob";
  multi["learner"]["learner_model_param"]["num_class"] = "2";
  multi["learner"]["gradient_booster"]["model"]["tree_info"] = {0, 1};
  auto m = ImportXgboostModel(multi.dump(), XgboostFormat::kJson);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->predictor->num_outputs(), 2);
  EXPECT_EQ(m->predictor->spec().base_margin, 0.2f);  // multiclass: no ProbToMargin

  json reg = BinaryModel();
  reg["learner"]["objective"]["name"] = "reg:squarederror";
  auto r = ImportXgboostModel(reg.dump());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FLOAT_EQ(static_cast<float>(Predict1(*r, {0, 0.6f, 0})), 0.2f + 0.75f + -0.125f);
}

TEST(XgboostImportTest, UnsupportedFeaturesAreUnimplemented) {
  auto expect = [](json model, const std::string& fragment) {
    auto m = ImportXgboostModel(model.dump());
    ASSERT_FALSE(m.ok()) << fragment;
    EXPECT_EQ(m.status().code(), absl::StatusCode::kUnimplemented) << m.status();
    EXPECT_NE(m.status().message().find(fragment), std::string::npos) << m.status();
  };
  json dart = BinaryModel();
  dart["learner"]["gradient_booster"]["name"] = "dart";
  expect(dart, "dart");
  json linear = BinaryModel();
  linear["learner"]["gradient_booster"]["name"] = "gblinear";
  expect(linear, "gblinear");
  json categorical = BinaryModel();
  categorical["learner"]["gradient_booster"]["model"]["trees"][1]["split_type"] = {1, 0, 0};
  expect(categorical, "$.learner.gradient_booster.model.trees[1].split_type[0]: categorical");
  json rank = BinaryModel();
  rank["learner"]["objective"]["name"] = "rank:pairwise";
  expect(rank, "objective 'rank:pairwise'");
  json v2 = BinaryModel();
  v2["version"] = {2, 0, 0};
  expect(v2, "XGBoost 2.0.0");
}

TEST(XgboostImportTest, ErrorsNameThePath) {
  auto expect = [](json model, const std::string& fragment) {
    auto m = ImportXgboostModel(model.dump());
    ASSERT_FALSE(m.ok()) << fragment;
    EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument) << m.status();
    EXPECT_NE(m.status().message().find(fragment), std::string::npos) << m.status();
  };
  json missing = BinaryModel();
  missing["learner"]["gradient_booster"]["model"]["trees"][0].erase("left_children");
  expect(missing, "$.learner.gradient_booster.model.trees[0].left_children: missing");
  json feature = BinaryModel();
  feature["learner"]["gradient_booster"]["model"]["trees"][0]["split_indices"] = {7, 0, 0};
  expect(feature, "trees[0].split_indices[0]: feature 7 is not in [0, 3)");
  json count = BinaryModel();
  count["learner"]["gradient_booster"]["model"]["gbtree_model_param"]["num_trees"] = "3";
  expect(count, "num_trees says 3");
  json base = BinaryModel();
  base["learner"]["learner_model_param"]["base_score"] = "1.5";
  expect(base, "base_score: must be in (0, 1)");
  json nodes = BinaryModel();
  nodes["learner"]["gradient_booster"]["model"]["trees"][1]["right_children"] = {2, -1};
  expect(nodes, "trees[1].right_children: has 2 entries");
  json cycle = BinaryModel();
  cycle["learner"]["gradient_booster"]["model"]["trees"][1]["left_children"] = {1, 1, -1};
  cycle["learner"]["gradient_booster"]["model"]["trees"][1]["right_children"] = {2, 2, -1};
  expect(cycle, "reached twice");
  auto bad_json = ImportXgboostModel("{\"learner\": [1, 2,");
  ASSERT_FALSE(bad_json.ok());
  EXPECT_NE(bad_json.status().message().find("JSON byte offset"), std::string::npos)
      << bad_json.status();
}

// Every truncation and every single-byte change of a valid file gives a model or an error,
// never a crash (ASan) or a hang.
TEST(XgboostImportTest, TruncatedAndCorruptFilesAreRefused) {
  const std::string text = BinaryModel().dump();
  const std::vector<uint8_t> ubj_bytes = json::to_ubjson(BinaryModel(), true, true);
  const std::string ubj(ubj_bytes.begin(), ubj_bytes.end());
  for (const std::string* file : {&text, &ubj}) {
    for (size_t n = 0; n < file->size(); ++n) {
      EXPECT_FALSE(ImportXgboostModel(file->substr(0, n)).ok()) << "prefix " << n;
    }
    for (size_t i = 0; i < file->size(); ++i) {
      for (const unsigned char flip : {0x01, 0x80, 0xff}) {
        std::string corrupt = *file;
        corrupt[i] = static_cast<char>(corrupt[i] ^ flip);
        (void)ImportXgboostModel(corrupt);
      }
    }
  }
}

}  // namespace
}  // namespace strata::models
