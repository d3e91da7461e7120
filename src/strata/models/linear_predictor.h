// The "linear" flavor of models::Predictor: K x F weights and K intercepts, z = W x + b, and the
// task's link on top: identity (regression, K = 1), sigmoid (binary, K = 1, the output is
// P(class 1)) or softmax (multiclass, K = num_classes >= 2). The GLM trainer (train/glm.h)
// builds one from its fit with train::MakeLinearPredictor.
//
// JSON form (ToJson / FromJson):
//   {"task": "binary", "num_features": 3, "weights": [[0.5, -1.25, 2.0]], "intercepts": [0.1]}
// `weights` has one row of num_features numbers per output.
//
// Features are float32 (the Predictor contract) widened to double before the dot product. A
// linear model has no rule for a missing value: a NaN feature makes that row's outputs NaN,
// so a linear model's signature should not allow NaN inputs.
//
// Thread-safety: immutable after construction; Predict may run concurrently.
#ifndef STRATA_MODELS_LINEAR_PREDICTOR_H_
#define STRATA_MODELS_LINEAR_PREDICTOR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "strata/models/predictor.h"

namespace strata::models {

class LinearPredictor : public Predictor {
 public:
  // `weights` holds num_outputs x num_features values, row-major; num_outputs is 1 for
  // regression and binary and intercepts.size() >= 2 for multiclass. Errors: INVALID_ARGUMENT
  // naming the inconsistent field (sizes, a non-finite value, num_features < 1).
  static absl::StatusOr<std::unique_ptr<LinearPredictor>> Create(Task task, int num_features,
                                                                 std::vector<double> weights,
                                                                 std::vector<double> intercepts);

  // Reads ToJson's form. Errors: INVALID_ARGUMENT naming the field for malformed JSON, a
  // missing or mistyped field, an unknown task, or sizes that do not agree.
  static absl::StatusOr<std::unique_ptr<LinearPredictor>> FromJson(std::string_view json);

  std::string_view flavor() const override { return "linear"; }
  Task task() const override { return task_; }
  int num_features() const override { return num_features_; }
  int num_outputs() const override { return num_outputs_; }
  void Predict(const float* features, int64_t rows, double* out) const override;
  std::string ToJson() const override;

  const std::vector<double>& weights() const { return weights_; }
  const std::vector<double>& intercepts() const { return intercepts_; }

 private:
  LinearPredictor(Task task, int num_features, std::vector<double> weights,
                  std::vector<double> intercepts);

  Task task_ = Task::kRegression;
  int num_features_ = 0;
  int num_outputs_ = 1;
  std::vector<double> weights_;
  std::vector<double> intercepts_;
};

}  // namespace strata::models

#endif  // STRATA_MODELS_LINEAR_PREDICTOR_H_
