// Appending JSON values to a string, for the request log's lines. Hand-written rather than
// built through a DOM: the log writer renders every logged request, and a line holds one value
// per input cell.
#ifndef STRATA_SERVING_INTERNAL_JSON_LINE_H_
#define STRATA_SERVING_INTERNAL_JSON_LINE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "strata/base/json_text.h"

namespace strata::serving::internal {

// Strings: the project's one writer (always valid JSON, whatever the bytes).
using strata::AppendJsonString;

// Shortest round-trip form; NaN and infinities (not JSON) become null.
void AppendJsonDouble(double value, std::string& out);

void AppendJsonInt(int64_t value, std::string& out);

}  // namespace strata::serving::internal

#endif  // STRATA_SERVING_INTERNAL_JSON_LINE_H_
