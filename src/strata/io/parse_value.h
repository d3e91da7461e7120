// Text <-> typed value, one grammar for every reader and for the cleaning rules in data/:
// what the CSV reader accepts as an int64, float64 or bool is what `strata data clean`
// coerces, and FormatCell writes a value so that the CSV reader reads it back unchanged.
//
// Thread-safety: the functions are thread-safe.
#ifndef STRATA_IO_PARSE_VALUE_H_
#define STRATA_IO_PARSE_VALUE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "strata/table/column.h"

namespace strata::io {

// Decimal integer with an optional sign, nothing else (no spaces, no "1.0", no overflow).
bool ParseInt64(std::string_view text, int64_t* value);
// Decimal or exponent notation, "nan", "inf"; an optional leading '+'.
bool ParseFloat64(std::string_view text, double* value);
// "true" / "false" in any case.
bool ParseBool(std::string_view text, bool* value);

// Byte offset of the first invalid UTF-8 sequence in `text` (truncated, overlong, surrogate,
// past U+10FFFF), or std::string_view::npos when it is all valid.
size_t InvalidUtf8At(std::string_view text);

// Row `row` of `column` as text: int64 in decimal, float64 in the shortest form that reads
// back to the same double, bool as true/false, timestamps as FormatTimestampMicros, strings
// and categories as they are. A null cell is the empty string.
std::string FormatCell(const table::Column& column, int64_t row);
// Appends the same text to `out` (no allocation per cell for numbers).
void AppendCell(const table::Column& column, int64_t row, std::string& out);

}  // namespace strata::io

#endif  // STRATA_IO_PARSE_VALUE_H_
