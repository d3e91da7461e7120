// libFuzzer target: any bytes, read as an XGBoost JSON and as an UBJSON model, give a
// TreePredictor or an error; an accepted model must round-trip through our own JSON form to
// the same predictions and predict a probe row (zeros, NaN) without crashing.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "strata/models/tree_predictor.h"
#include "strata/models/xgboost_import.h"

namespace {

void Exercise(const strata::models::TreePredictor& predictor) {
  const int features = predictor.num_features();
  if (features > (1 << 16)) return;  // the probe rows would dominate the run
  std::vector<float> rows(static_cast<size_t>(features) * 2, 0.0f);
  for (int i = 0; i < features; ++i) rows[features + i] = std::numeric_limits<float>::quiet_NaN();
  std::vector<double> a(static_cast<size_t>(predictor.num_outputs()) * 2);
  predictor.Predict(rows.data(), 2, a.data());
  auto again = strata::models::TreePredictor::FromJson(predictor.ToJson());
  if (!again.ok()) __builtin_trap();  // what Create accepted, FromJson must accept
  std::vector<double> b(a.size());
  (*again)->Predict(rows.data(), 2, b.data());
  if (std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) != 0) {
    // NaN outputs (an overflowing softmax) compare unequal byte-wise only if their bits differ.
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  for (const auto format : {strata::models::XgboostFormat::kJson,
                            strata::models::XgboostFormat::kUbjson}) {
    auto model = strata::models::ImportXgboostModel(input, format);
    if (model.ok()) Exercise(*model->predictor);
  }
  return 0;
}
