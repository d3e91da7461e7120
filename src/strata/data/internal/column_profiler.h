// The per-column work of ProfileTable: accumulate a row range of one column into sketches
// (one accumulator per thread's range), merge the ranges, and derive the summary.
#ifndef STRATA_DATA_INTERNAL_COLUMN_PROFILER_H_
#define STRATA_DATA_INTERNAL_COLUMN_PROFILER_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "strata/data/internal/text_format.h"
#include "strata/data/profile.h"
#include "strata/table/column.h"

namespace strata::data::internal {

struct ColumnAccumulator {
  int64_t count = 0;
  int64_t null_count = 0;
  int64_t nan_count = 0;
  int64_t inf_count = 0;
  int64_t looks_numeric = 0;
  int64_t looks_timestamp = 0;
  int64_t looks_bool = 0;
  ColumnSketches sketches;
  // Category columns: rows per dictionary code (folded into the sketches by FinishCategory).
  std::vector<int64_t> code_counts;
};

ColumnSketches MakeSketches(const ProfileOptions& options, uint64_t seed);

// Rows [begin, end) of `column` into `acc`.
void AccumulateRows(const table::Column& column, int64_t begin, int64_t end, ColumnAccumulator& acc);

// Adds `other` into `into` (same column, another row range).
absl::Status MergeAccumulators(ColumnAccumulator& into, const ColumnAccumulator& other);

// Category columns: feeds the exact per-code counts into the sketches, once, after merging.
void FinishCategory(const table::Column& column, ColumnAccumulator& acc);

// Fills `profile`'s summary fields (distinct, moments, quantiles, top values, histogram,
// lengths) from its counts and sketches.
void Summarize(ColumnProfile& profile, const ProfileOptions& options);

// Pairwise Pearson accumulators over rows [begin, end) of the numeric columns (int64,
// float64); a pair uses the rows where both values are present and finite.
void AccumulateCorrelations(const std::vector<const table::Column*>& columns, int64_t begin, int64_t end,
                            stats::CorrelationMatrix& matrix);


}  // namespace strata::data::internal

#endif  // STRATA_DATA_INTERNAL_COLUMN_PROFILER_H_
