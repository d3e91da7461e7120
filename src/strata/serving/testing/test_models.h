// In-process models for serving and api/ tests: a predictor whose output shows which feature
// went where (out_k = (k + 1) * sum_j (j + 1) * x_j), wrapped in a models::Model with a chosen
// signature. Tests only: real packages come from models::WritePackage with a real flavor.
#ifndef STRATA_SERVING_TESTING_TEST_MODELS_H_
#define STRATA_SERVING_TESTING_TEST_MODELS_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "strata/models/model_package.h"

namespace strata::serving::testing {

class WeightedSumPredictor : public models::Predictor {
 public:
  WeightedSumPredictor(int features, int outputs) : features_(features), outputs_(outputs) {}
  std::string_view flavor() const override { return "test_sum"; }
  models::Task task() const override {
    return outputs_ == 1 ? models::Task::kRegression : models::Task::kMulticlass;
  }
  int num_features() const override { return features_; }
  int num_outputs() const override { return outputs_; }
  void Predict(const float* x, int64_t rows, double* out) const override {
    for (int64_t r = 0; r < rows; ++r) {
      double sum = 0;
      for (int j = 0; j < features_; ++j) sum += (j + 1) * static_cast<double>(x[r * features_ + j]);
      for (int k = 0; k < outputs_; ++k) out[r * outputs_ + k] = (k + 1) * sum;
    }
  }
  std::string ToJson() const override { return "{}"; }

 private:
  int features_;
  int outputs_;
};

// Inputs named and typed as given, every input a feature in that order.
inline std::shared_ptr<const models::Model> SumModel(std::string name,
                                                     std::vector<models::ColumnSpec> inputs,
                                                     int outputs = 1) {
  models::Manifest m;
  m.name = std::move(name);
  m.flavor = "test_sum";
  m.task = outputs == 1 ? models::Task::kRegression : models::Task::kMulticlass;
  m.signature.inputs = inputs;
  for (const models::ColumnSpec& c : inputs) m.feature_names.push_back(c.name);
  if (outputs == 1) {
    m.signature.outputs = {{"prediction", models::ValueType::kFloat64, false}};
  } else {
    for (int k = 0; k < outputs; ++k) m.class_labels.push_back("c" + std::to_string(k));
  }
  auto predictor =
      std::make_unique<WeightedSumPredictor>(static_cast<int>(inputs.size()), outputs);
  return std::make_shared<const models::Model>(std::move(m), std::move(predictor), std::nullopt);
}

}  // namespace strata::serving::testing

#endif  // STRATA_SERVING_TESTING_TEST_MODELS_H_
