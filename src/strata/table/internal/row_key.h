// Hash keys for rows: group-by and join encode a row's key columns into one byte string.
#ifndef STRATA_TABLE_INTERNAL_ROW_KEY_H_
#define STRATA_TABLE_INTERNAL_ROW_KEY_H_

#include <cstdint>
#include <string>

#include "strata/table/column.h"

namespace strata::table::internal {

// Appends row `row` of `column` to `key`. Parts are tagged (a null byte, then a fixed-width
// value or a length-prefixed string) so that distinct key tuples never encode alike; -0.0
// encodes as 0.0 and every NaN alike.
void AppendRowKey(const Column& column, int64_t row, std::string& key);

}  // namespace strata::table::internal

#endif  // STRATA_TABLE_INTERNAL_ROW_KEY_H_
