// Text-to-value parsing shared by the CSV reader's chunk parser (and its type inference).
// ParseTimestampMicros / FormatTimestampMicros are public in io/csv_reader.h.
#ifndef STRATA_IO_INTERNAL_CSV_VALUES_H_
#define STRATA_IO_INTERNAL_CSV_VALUES_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace strata::io::internal {

// Byte offset of the first invalid UTF-8 sequence in `s` (overlong forms, surrogates and
// code points past U+10FFFF are invalid), or npos.
size_t InvalidUtf8At(std::string_view s);

// Whole-field parses: an optional leading '+', nothing left over.
bool ParseInt64(std::string_view s, int64_t* v);
bool ParseFloat64(std::string_view s, double* v);
// true/false in any case.
bool ParseBool(std::string_view s, bool* v);

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar.
int64_t DaysFromCivil(int64_t y, int m, int d);

}  // namespace strata::io::internal

#endif  // STRATA_IO_INTERNAL_CSV_VALUES_H_
