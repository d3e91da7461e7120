// Parsers for the two encodings of an XGBoost model file, both into an nlohmann::json tree so
// one reader walks either. Both are bounded for untrusted input: nesting depth is limited, a
// container's declared count is checked against the bytes that remain before anything is
// reserved, and every error names the byte offset.
#ifndef STRATA_MODELS_INTERNAL_MODEL_JSON_H_
#define STRATA_MODELS_INTERNAL_MODEL_JSON_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace strata::models::internal {

// Deepest container nesting accepted (XGBoost models nest 6 levels).
inline constexpr int kMaxModelNesting = 64;

// JSON text. Floating-point numbers are read as float32 from their text (XGBoost writes its
// float32 values in shortest form; going through double first could round differently) and
// stored widened to double. Errors: INVALID_ARGUMENT "JSON byte offset N: ...".
absl::StatusOr<nlohmann::json> ParseModelJson(std::string_view text);

// UBJSON (Draft 12, as XGBoost's UBJWriter writes it: big-endian numbers, typed and counted
// containers, 'd' float32). Errors: INVALID_ARGUMENT "UBJSON byte offset N: ...".
absl::StatusOr<nlohmann::json> ParseUbjson(std::string_view bytes);

}  // namespace strata::models::internal

#endif  // STRATA_MODELS_INTERNAL_MODEL_JSON_H_
