// MLflow's input rules for tracking entities, page tokens and generated run names. Pure
// functions, thread-safe.
#ifndef STRATA_TRACKING_INTERNAL_VALIDATION_H_
#define STRATA_TRACKING_INTERNAL_VALIDATION_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace strata::tracking::internal {

inline constexpr size_t kMaxKeyLength = 250;
inline constexpr size_t kMaxParamValueLength = 6000;
inline constexpr size_t kMaxRunTagValueLength = 8000;
inline constexpr size_t kMaxExperimentTagValueLength = 5000;
inline constexpr size_t kMaxExperimentNameLength = 500;

// `entity` is "metric", "param" or "tag". Checks MLflow's name rules: non-empty, characters
// from [/\w.\- :], at most 250 characters, and no path games (leading '/', '//', '.', '..'
// components, trailing '/'). Errors: INVALID_ARGUMENT.
absl::Status ValidateKey(std::string_view entity, std::string_view key);

// Errors: INVALID_ARGUMENT "<what> '<clipped>' had length N, which exceeded length limit of L".
absl::Status ValidateLength(std::string_view what, std::string_view value, size_t limit);

// Errors: INVALID_ARGUMENT for an empty or overlong experiment name.
absl::Status ValidateExperimentName(std::string_view name);

// Errors: INVALID_ARGUMENT unless 1 <= max_results <= limit.
absl::Status ValidateMaxResults(int64_t max_results, int64_t limit);

// Experiment ids are decimal integers on the wire. Errors: NOT_FOUND "No Experiment with id=X
// exists" for anything else (an id that cannot exist).
absl::StatusOr<int64_t> ParseExperimentId(std::string_view experiment_id);

// A random "adjective-noun-NNN" run name.
std::string GenerateRunName();

// Page tokens are base64 of {"offset": N}. An empty token decodes to 0.
// Errors: INVALID_ARGUMENT "Invalid page token ...".
std::string EncodePageToken(int64_t offset);
absl::StatusOr<int64_t> DecodePageToken(std::string_view token);

}  // namespace strata::tracking::internal

#endif  // STRATA_TRACKING_INTERNAL_VALIDATION_H_
