// libFuzzer target: the two Open Inference Protocol V2 decoders must never crash and must
// agree. Whenever the fast path (DecodeV2FeatureRequest) answers, the general path
// (DecodeV2InferRequest + Model::FeatureMatrix) must accept the same body and produce the
// same features, id and requested outputs; the fast path may only decline, never differ.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "strata/api/v2_protocol.h"
#include "strata/serving/testing/test_models.h"

namespace {

const strata::models::Model& FuzzModel() {
  using strata::models::ValueType;
  static const std::shared_ptr<const strata::models::Model> model =
      strata::serving::testing::SumModel("m", {{"a", ValueType::kFloat64, false},
                                               {"b", ValueType::kFloat32, true},
                                               {"c", ValueType::kFloat64, false}});
  return *model;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  const strata::models::Model& model = FuzzModel();
  constexpr int64_t kMaxRows = 64;
  std::optional<strata::api::V2FeatureRequest> fast =
      strata::api::DecodeV2FeatureRequest(body, model, kMaxRows);
  absl::StatusOr<strata::api::V2InferRequest> general =
      strata::api::DecodeV2InferRequest(body, model.manifest().signature, kMaxRows);
  if (!fast.has_value()) return 0;
  if (!general.ok()) std::abort();
  absl::StatusOr<std::vector<float>> matrix = model.FeatureMatrix(general->inputs);
  if (!matrix.ok() || matrix->size() != fast->features.size()) std::abort();
  for (size_t i = 0; i < matrix->size(); ++i) {
    float want = (*matrix)[i];
    float got = fast->features[i];
    if (std::isnan(want) ? !std::isnan(got) : want != got) std::abort();
  }
  if (fast->id != general->id || fast->requested_outputs != general->requested_outputs) {
    std::abort();
  }
  return 0;
}
