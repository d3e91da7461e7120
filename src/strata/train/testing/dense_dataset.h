// Test helper: owned dense training data and the borrowed GlmData view of it.
#ifndef STRATA_TRAIN_TESTING_DENSE_DATASET_H_
#define STRATA_TRAIN_TESTING_DENSE_DATASET_H_

#include <cstdint>
#include <vector>

#include "strata/train/glm.h"

namespace strata::train::testing {

struct DenseDataset {
  std::vector<double> x;  // rows x cols, row-major
  std::vector<double> y;
  std::vector<double> w;  // empty: no sample weights
  int64_t rows = 0;
  int cols = 0;

  GlmData data() const {
    GlmData d;
    d.features = x.data();
    d.rows = rows;
    d.cols = cols;
    d.labels = y.data();
    d.sample_weights = w.empty() ? nullptr : w.data();
    return d;
  }
};

}  // namespace strata::train::testing

#endif  // STRATA_TRAIN_TESTING_DENSE_DATASET_H_
