// Decoding a page's non-null values into dense physical form (DenseValues) and converting
// them to the column's Strata type. Split from the page walker (parquet_column_reader.cc) to
// keep each concern small.
#ifndef STRATA_IO_INTERNAL_PARQUET_VALUES_H_
#define STRATA_IO_INTERNAL_PARQUET_VALUES_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "strata/io/internal/parquet_column_reader.h"
#include "strata/table/column.h"

namespace strata::io::parquet {

// One page's values before conversion. Which vector is used depends on the physical type:
// INT32/INT64 -> ints (sign-extended), FLOAT/DOUBLE -> doubles, BOOLEAN -> bools,
// INT96/BYTE_ARRAY/FIXED_LEN_BYTE_ARRAY -> views (into the page, or into `storage`).
struct DenseValues {
  std::vector<int64_t> ints;
  std::vector<double> doubles;
  std::vector<uint8_t> bools;
  std::vector<std::string_view> views;
  std::string storage;
  std::vector<int64_t> scratch;

  void Clear() {
    ints.clear();
    doubles.clear();
    bools.clear();
    views.clear();
  }
};

// Whether the dense form already is the output (no conversion pass needed), so decoders may
// append straight into the output's vector.
bool IsIdentityConversion(const LeafPlan& plan);

// Decodes `count` values of `encoding` (not a dictionary encoding) from `data`, appending to
// `dense`. UNIMPLEMENTED for an encoding this reader does not know or that does not apply.
// `budget` (may be null) bounds the bytes that encodings able to expand (DELTA_BYTE_ARRAY)
// may build.
absl::Status DecodeDense(const LeafPlan& plan, Encoding encoding, std::string_view data,
                         int64_t count, DenseValues* dense, DecodeBudget* budget = nullptr);

// Appends the dense values converted to `out`'s type (for strings, offsets and bytes).
absl::Status AppendConverted(const LeafPlan& plan, const DenseValues& dense,
                             table::ColumnBuffers* out);

// Appends dict[indexes[i]] for each index (all already checked < the dictionary's size).
// String bytes are taken from `byte_budget`; RESOURCE_EXHAUSTED when it runs out.
absl::Status AppendGathered(const table::ColumnBuffers& dict, const uint32_t* indexes,
                            int64_t count, std::atomic<int64_t>* byte_budget,
                            table::ColumnBuffers* out);

// The number of values in `buffers` (offsets - 1 for strings).
int64_t ValueCount(const table::ColumnBuffers& buffers);

// Spreads the last `dense` values of `out` over `rows` rows where levels[r] == max_level marks
// a present value; absent rows get 0 / false / "". Requires exactly `dense` present levels.
void SpreadNulls(const uint8_t* levels, int64_t rows, int64_t dense, uint8_t max_level,
                 table::ColumnBuffers* out);

}  // namespace strata::io::parquet

#endif  // STRATA_IO_INTERNAL_PARQUET_VALUES_H_
