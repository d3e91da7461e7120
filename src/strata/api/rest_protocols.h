// The row/column-oriented inference protocols beside V2 (v2_protocol.h):
//
// TF Serving REST (https://www.tensorflow.org/tfx/serving/api_rest):
//   GET  /v1/models/{m}[/versions/{v}]            model status
//   GET  /v1/models/{m}[/versions/{v}]/metadata   signature
//   POST /v1/models/{m}[/versions/{v}]:predict    {"instances": [...]} (row format: objects by
//        input name, arrays in signature order, or scalars for a one-input model) -> {"predictions"}
//        or {"inputs": {name: [...]} | [[...]]} (columnar format) -> {"outputs"}
//   Labels (/labels/{l}) are parsed; Strata has no version labels yet, so they are NOT_FOUND.
//   Errors: {"error": "..."}.
// MLflow scoring server (`mlflow models serve`):
//   POST /invocations  JSON with exactly one of dataframe_split {"columns", "data"},
//        dataframe_records [{...}], instances, inputs; or Content-Type text/csv with a header.
//        -> {"predictions": [...]}. Errors: {"error_code": "BAD_REQUEST"|..., "message"}.
//   GET  /ping, /health  200 when a model is served.
#ifndef STRATA_API_REST_PROTOCOLS_H_
#define STRATA_API_REST_PROTOCOLS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "strata/http/router.h"
#include "strata/models/model_package.h"
#include "strata/table/table.h"

namespace strata::api {

// "{m}[/versions/{v}|/labels/{l}][/metadata|:predict]".
struct TfModelPath {
  std::string name;
  std::optional<int64_t> version;
  std::string label;
  std::string action;  // "", "metadata" or "predict"
};
std::optional<TfModelPath> ParseTfModelPath(std::string_view wildcard);

struct TfPredictRequest {
  table::Table inputs;
  bool columnar = false;  // "inputs" (answered with "outputs") rather than "instances"
};
// Errors: INVALID_ARGUMENT naming the input and row.
absl::StatusOr<TfPredictRequest> DecodeTfPredictRequest(std::string_view body,
                                                        const models::Signature& signature,
                                                        int64_t max_rows);
std::string EncodeTfPredictResponse(const models::Model::Predictions& predictions, bool columnar);
std::string TfModelStatus(const std::vector<int64_t>& versions);
std::string TfModelMetadata(std::string_view name, int64_t version,
                            const models::Manifest& manifest);
void WriteTfError(int http_status, std::string_view message, http::Response& response);

// Errors: INVALID_ARGUMENT naming the field, column and row.
absl::StatusOr<table::Table> DecodeMlflowInvocation(std::string_view body,
                                                    std::string_view content_type,
                                                    const models::Signature& signature,
                                                    int64_t max_rows);
std::string EncodeMlflowPredictions(const models::Model::Predictions& predictions);

}  // namespace strata::api

#endif  // STRATA_API_REST_PROTOCOLS_H_
