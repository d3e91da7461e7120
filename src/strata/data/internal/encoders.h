// Category encoders: one-hot, ordinal and target (m-estimate) encoding. Categories are
// matched by their text key (see CategoryKeyOf) and learned in scikit-learn's sorted order.
#ifndef STRATA_DATA_INTERNAL_ENCODERS_H_
#define STRATA_DATA_INTERNAL_ENCODERS_H_

#include <memory>

#include "strata/data/internal/column_transform.h"

namespace strata::data::internal {

std::unique_ptr<ColumnTransform> MakeOneHotEncoder(SpecReader& step);
std::unique_ptr<ColumnTransform> MakeOrdinalEncoder(SpecReader& step);
std::unique_ptr<ColumnTransform> MakeTargetEncoder(SpecReader& step);

}  // namespace strata::data::internal

#endif  // STRATA_DATA_INTERNAL_ENCODERS_H_
