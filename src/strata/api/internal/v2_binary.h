// Triton's binary tensor data extension of the Open Inference Protocol V2 REST infer call.
//
// A request body is a JSON header of `Inference-Header-Content-Length` bytes followed by the
// raw tensors of the inputs whose "parameters" carry "binary_data_size", concatenated in input
// order: little-endian, row-major, no padding; BOOL one byte (0 or 1); BYTES elements each a
// 4-byte little-endian length then the bytes. Inputs without binary_data_size keep JSON "data".
// Outputs asked for with {"parameters":{"binary_data":true}} (or every output with the
// request-level {"parameters":{"binary_data_output":true}}) come back the same way: a JSON
// header whose outputs carry binary_data_size, then their bytes, with the header's length in
// the response's Inference-Header-Content-Length.
//
// Thread-safety: every function is safe to call concurrently (thread-local parsers).
#ifndef STRATA_API_INTERNAL_V2_BINARY_H_
#define STRATA_API_INTERNAL_V2_BINARY_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "strata/api/v2_protocol.h"
#include "strata/models/model_package.h"

namespace strata::api::internal {

// The HTTP header that splits a binary request or response body.
inline constexpr std::string_view kInferenceHeaderContentLength = "inference-header-content-length";

// Which outputs a request wants back as binary tensors.
struct V2BinaryOutputs {
  bool all = false;                // request-level "binary_data_output": true
  std::vector<std::string> names;  // outputs with "binary_data": true
  bool Any() const { return all || !names.empty(); }
  bool Wants(std::string_view output) const;
};

struct V2BinaryInferRequest {
  V2InferRequest request;
  V2BinaryOutputs binary_outputs;
};

// Decodes a body split by `header_length` (the Inference-Header-Content-Length value) against
// `signature`, with the same tensor rules as DecodeV2InferRequest: one tensor per signature
// column ([N] or [N, 1]) or one 2-D numeric tensor [N, columns].
// Errors: INVALID_ARGUMENT for a header length that is not a decimal number or exceeds the body,
// malformed header JSON, a binary_data_size that is not a non-negative integer, does not equal
// the shape's element count x the datatype's size, or runs past the body's end, malformed BYTES
// elements, bytes left over after the last binary tensor, a BOOL byte other than 0 or 1, and
// every error DecodeV2InferRequest reports (input names, shapes, datatypes, row limit). Byte
// offsets in messages count from the start of the body.
absl::StatusOr<V2BinaryInferRequest> DecodeV2BinaryInferRequest(
    std::string_view body, std::string_view header_length, const models::Signature& signature,
    int64_t max_rows);

// Whether a plain JSON infer body may ask for binary outputs (a substring check, so the JSON
// hot path pays one scan and no second parse when it does not).
bool MayRequestBinaryOutputs(std::string_view json_body);

// The binary-output parameters of a JSON infer request.
// Errors: INVALID_ARGUMENT for malformed JSON or a binary_data / binary_data_output that is not
// a boolean.
absl::StatusOr<V2BinaryOutputs> ReadV2BinaryOutputs(std::string_view json_body);

struct V2BinaryInferResponse {
  std::string body;          // JSON header, then the binary outputs' bytes
  size_t header_length = 0;  // for Inference-Header-Content-Length
};

// Like EncodeV2InferResponse, with the outputs `binary` names sent as FP64 binary tensors.
// Errors: INVALID_ARGUMENT for a requested output the model does not have.
absl::StatusOr<V2BinaryInferResponse> EncodeV2BinaryInferResponse(
    std::string_view model_name, int64_t version, std::string_view id,
    const models::Manifest& manifest, const models::Model::Predictions& predictions,
    const std::vector<std::string>& requested, const V2BinaryOutputs& binary);

}  // namespace strata::api::internal

#endif  // STRATA_API_INTERNAL_V2_BINARY_H_
