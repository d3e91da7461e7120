// Bucketizing: a number becomes the index of its bin (int64). Bins come from given boundaries
// or are learned like scikit-learn's KBinsDiscretizer(encode='ordinal') with strategy
// 'uniform' (equal widths between min and max) or 'quantile' (numpy.percentile edges, bins
// narrower than 1e-8 removed). A value's bin is the number of inner edges <= it, so values
// below the first edge fall in bin 0 and above the last in the last bin.
#ifndef STRATA_DATA_INTERNAL_BUCKETIZER_H_
#define STRATA_DATA_INTERNAL_BUCKETIZER_H_

#include <memory>
#include <vector>

#include "strata/data/internal/column_transform.h"

namespace strata::data::internal {

std::unique_ptr<ColumnTransform> MakeBucketizer(SpecReader& step);

// The learned edges (n_bins + 1 of them, before removal of narrow bins) for sorted values.
std::vector<double> UniformEdges(double min, double max, int64_t n_bins);
std::vector<double> QuantileEdges(const std::vector<double>& sorted, int64_t n_bins);

}  // namespace strata::data::internal

#endif  // STRATA_DATA_INTERNAL_BUCKETIZER_H_
