// Numeric transformers: standard scaling, min-max scaling, log. Each maps one number to one
// float64 through its ApplyValue core; null (and NaN) in, null out.
#ifndef STRATA_DATA_INTERNAL_SCALERS_H_
#define STRATA_DATA_INTERNAL_SCALERS_H_

#include <memory>

#include "strata/data/internal/column_transform.h"

namespace strata::data::internal {

// Options are read from `step`; problems are recorded on it.
std::unique_ptr<ColumnTransform> MakeStandardScaler(SpecReader& step);
std::unique_ptr<ColumnTransform> MakeMinMaxScaler(SpecReader& step);
std::unique_ptr<ColumnTransform> MakeLogTransform(SpecReader& step);

// Compensated (Neumaier) sum: the statistics do not drift with millions of rows.
class CompensatedSum {
 public:
  void Add(double x) {
    const double t = sum_ + x;
    compensation_ += std::abs(sum_) >= std::abs(x) ? (sum_ - t) + x : (x - t) + sum_;
    sum_ = t;
  }
  double value() const { return sum_ + compensation_; }

 private:
  double sum_ = 0.0;
  double compensation_ = 0.0;
};

}  // namespace strata::data::internal

#endif  // STRATA_DATA_INTERNAL_SCALERS_H_
