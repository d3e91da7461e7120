// What the V2 JSON codec (api/v2_protocol.cc) and Triton's binary extension
// (api/internal/v2_binary.cc) share when they match request tensors to a signature: the
// lookup of an input by name and the wording of their errors, so both name the input and the
// problem the same way.
#ifndef STRATA_API_INTERNAL_V2_TENSOR_ERRORS_H_
#define STRATA_API_INTERNAL_V2_TENSOR_ERRORS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "strata/models/model_package.h"

namespace strata::api::internal {

// "[2, 30]".
std::string ShapeText(const std::vector<int64_t>& shape);

// INVALID_ARGUMENT "input 'NAME': WHAT".
absl::Status InputError(std::string_view input, std::string_view what);

// The position of input `name` in `specs`, or -1.
int SpecIndex(const std::vector<models::ColumnSpec>& specs, std::string_view name);

// INVALID_ARGUMENT for an input the signature does not have, listing the ones it has.
absl::Status UnknownInputError(std::string_view input,
                               const std::vector<models::ColumnSpec>& specs);

}  // namespace strata::api::internal

#endif  // STRATA_API_INTERNAL_V2_TENSOR_ERRORS_H_
