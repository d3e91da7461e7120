// Durations in feature definitions: "30d", "12h", "15m", "90s", or "0" (unbounded ttl).
#ifndef STRATA_FEATURES_DURATION_H_
#define STRATA_FEATURES_DURATION_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace strata::features {

// Microseconds. Errors: INVALID_ARGUMENT naming the text (missing or unknown unit, negative,
// not a whole number, overflow).
absl::StatusOr<int64_t> ParseDurationMicros(std::string_view text);

// The shortest exact form: 2592000000000 -> "30d"; 0 -> "0".
std::string FormatDurationMicros(int64_t micros);

}  // namespace strata::features

#endif  // STRATA_FEATURES_DURATION_H_
