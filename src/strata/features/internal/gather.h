// Builds a result column from chosen rows of a source column, in bulk (typed buffers handed
// to Column::FromBuffers) rather than one append per value: the output side of a
// point-in-time join.
#ifndef STRATA_FEATURES_INTERNAL_GATHER_H_
#define STRATA_FEATURES_INTERNAL_GATHER_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "strata/table/column.h"

namespace strata::features::internal {

// Row i of the result is source row rows[i], or null when rows[i] is -1 or that source row is
// null. Every entry is -1 or in [0, source.size()). Fixed-width types are filled on up to
// `threads` threads; a kCategory result keeps the source's dictionary.
absl::StatusOr<table::Column> GatherRows(const table::Column& source,
                                         absl::Span<const int64_t> rows, int threads);

}  // namespace strata::features::internal

#endif  // STRATA_FEATURES_INTERNAL_GATHER_H_
