// Missing-value imputation (scikit-learn's SimpleImputer): mean, median, most_frequent or
// constant for number columns (-> float64), most_frequent or constant for string columns
// (-> string). Null, and NaN in float columns, count as missing.
#ifndef STRATA_DATA_INTERNAL_IMPUTER_H_
#define STRATA_DATA_INTERNAL_IMPUTER_H_

#include <memory>

#include "strata/data/internal/column_transform.h"

namespace strata::data::internal {

std::unique_ptr<ColumnTransform> MakeImputer(SpecReader& step);

}  // namespace strata::data::internal

#endif  // STRATA_DATA_INTERNAL_IMPUTER_H_
