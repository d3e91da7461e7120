// The Open Inference Protocol V2 (KServe / Triton) REST JSON shapes: infer requests decoded
// into a table checked against a model signature, infer responses, server and model metadata.
// Errors are the protocol's {"error": "..."} body.
//
// Requests name one tensor per signature column (shape [N] or [N, 1]; FP16/FP32/FP64 for
// float columns, INT8..INT64/UINT8..UINT64 for int64, BOOL for bool, BYTES for string;
// JSON null = a missing value) or send a single 2-D FP32/FP64 tensor [N, columns] holding
// every signature column in order. `data` may be flat or nested row-major.
#ifndef STRATA_API_V2_PROTOCOL_H_
#define STRATA_API_V2_PROTOCOL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "strata/base/json_text.h"
#include "strata/http/router.h"
#include "strata/models/model_package.h"
#include "strata/table/table.h"

namespace strata::api {

struct V2InferRequest {
  std::string id;
  table::Table inputs;
  // Names from the request's "outputs" (empty = all outputs).
  std::vector<std::string> requested_outputs;
};

// Errors: INVALID_ARGUMENT naming the input and what is wrong (malformed JSON with the byte
// position when simdjson reports one, missing/extra/duplicate inputs, shape vs data count,
// datatype vs signature type, an element of the wrong JSON type, rows differing between
// inputs, more than `max_rows` rows).
absl::StatusOr<V2InferRequest> DecodeV2InferRequest(std::string_view body,
                                                    const models::Signature& signature,
                                                    int64_t max_rows);

// A request decoded straight into the model's feature matrix (rows x features, row-major).
struct V2FeatureRequest {
  std::string id;
  std::vector<float> features;
  int64_t rows = 0;
  std::vector<std::string> requested_outputs;
};

// The fast path of DecodeV2InferRequest for the common request: one [N, features] FP32/FP64
// tensor for a model whose features are its float inputs (models::Model::
// features_are_float_inputs). Returns nullopt for any other request and for anything
// DecodeV2InferRequest or the model's validation would refuse; decode those with
// DecodeV2InferRequest, which names the error. When it returns a request, its features are
// exactly what DecodeV2InferRequest + Model::FeatureMatrix would produce.
std::optional<V2FeatureRequest> DecodeV2FeatureRequest(std::string_view body,
                                                       const models::Model& model,
                                                       int64_t max_rows);

// The names of a model's outputs: the signature's outputs when they match the predictor's
// output count, otherwise one combined output "predictions" (rows x num_outputs).
std::vector<std::string> OutputNames(const models::Manifest& manifest, int num_outputs);

// Errors: INVALID_ARGUMENT for a requested output the model does not have.
absl::StatusOr<std::string> EncodeV2InferResponse(std::string_view model_name, int64_t version,
                                                  std::string_view id,
                                                  const models::Manifest& manifest,
                                                  const models::Model::Predictions& predictions,
                                                  const std::vector<std::string>& requested);

std::string V2ServerMetadata();
std::string V2ModelMetadata(std::string_view name, const std::vector<int64_t>& versions,
                            const models::Manifest& manifest, int num_outputs);

// V2 datatype name of a signature type: FP64, FP32, INT64, BOOL, BYTES.
std::string_view V2Datatype(models::ValueType type);

// {"error": message} with `http_status`.
void WriteV2Error(int http_status, std::string_view message, http::Response& response);
// HTTP status for a serving error: INVALID_ARGUMENT 400, NOT_FOUND 404, RESOURCE_EXHAUSTED
// 429, UNAVAILABLE 503, anything else 500.
int InferenceHttpStatus(const absl::Status& status);

// Appends `value` as JSON: shortest round-trip form, null for NaN and infinities (JSON has
// neither).
void AppendJsonNumber(double value, std::string& out);
// Strings: the project's one writer (base/json_text.h; always valid JSON, whatever the bytes).
using strata::AppendJsonString;

}  // namespace strata::api

#endif  // STRATA_API_V2_PROTOCOL_H_
