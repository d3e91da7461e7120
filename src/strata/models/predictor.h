// A Predictor maps a dense feature matrix to model outputs. It is the one interface every
// model flavor implements (linear models, compiled tree ensembles), so a package loader, the
// trainers and the inference server never care which flavor they hold.
//
// Features are float32, row-major, `rows x num_features()`, with NaN meaning "missing": this
// is XGBoost's input convention, and the tree predictor must reproduce XGBoost's predictions
// to 1e-6, which needs XGBoost's float comparisons. Outputs are double, `rows x num_outputs()`.
//
// Thread-safety: a constructed predictor is immutable; Predict may run concurrently from any
// number of threads.
#ifndef STRATA_MODELS_PREDICTOR_H_
#define STRATA_MODELS_PREDICTOR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace strata::models {

// What the outputs of a model mean.
enum class Task {
  kRegression,  // 1 output: the prediction
  kBinary,      // 1 output: P(class 1)
  kMulticlass,  // num_classes outputs: P(class k), summing to 1
};
std::string_view TaskName(Task task);  // "regression" | "binary" | "multiclass"
absl::StatusOr<Task> ParseTask(std::string_view name);

class Predictor {
 public:
  virtual ~Predictor() = default;

  // The flavor name stored in a package manifest: "linear" or "trees".
  virtual std::string_view flavor() const = 0;
  virtual Task task() const = 0;
  virtual int num_features() const = 0;
  virtual int num_outputs() const = 0;

  // `features` holds rows x num_features() floats; writes rows x num_outputs() doubles to
  // `out`. Never fails: inputs were validated against the signature before this call. Runs on
  // the calling thread only (callers split big batches; see PredictParallel).
  virtual void Predict(const float* features, int64_t rows, double* out) const = 0;

  // The predictor's parameters as JSON text, read back by PredictorFromJson.
  virtual std::string ToJson() const = 0;
};

// Splits `rows` into blocks over up to `threads` threads (0 = one per core) and calls
// predictor.Predict on each. Small batches stay on the calling thread.
void PredictParallel(const Predictor& predictor, const float* features, int64_t rows,
                     double* out, int threads = 0);

// Reads a predictor written by Predictor::ToJson for `flavor`. Errors: INVALID_ARGUMENT naming
// the field for malformed or inconsistent parameters; UNIMPLEMENTED for an unknown flavor.
absl::StatusOr<std::unique_ptr<Predictor>> PredictorFromJson(std::string_view flavor,
                                                             std::string_view json);

}  // namespace strata::models

#endif  // STRATA_MODELS_PREDICTOR_H_
