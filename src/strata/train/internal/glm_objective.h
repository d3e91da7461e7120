// The GLM objective's one fused data pass: for each block of rows it computes Z = X W^T + b,
// the per-row losses, the residuals R = dl/dz and accumulates X^T R, while the block is still
// in cache. Row blocks are grouped into a fixed number of chunks (set by the row count alone)
// that run on up to `threads` threads and are summed in chunk order, so the result does not
// depend on the thread count or scheduling.
//
// Parameter layout: W (num_outputs x cols, row-major), then num_outputs intercepts when
// fit_intercept.
//
// Thread-safety: one Evaluate at a time per object (it reuses per-chunk buffers).
#ifndef STRATA_TRAIN_INTERNAL_GLM_OBJECTIVE_H_
#define STRATA_TRAIN_INTERNAL_GLM_OBJECTIVE_H_

#include <cstdint>
#include <vector>

#include "strata/train/glm.h"

namespace strata::train::internal {

class GlmObjective {
 public:
  // `data` must be valid (checked by FitGlm) and outlive the object. `l2` multiplies
  // 0.5 * ||W||^2 in the objective (0 for none / l1).
  GlmObjective(const GlmData& data, GlmFamily family, int num_outputs, bool fit_intercept,
               double l2, int threads);

  int num_params() const { return num_outputs_ * (cols_ + (fit_intercept_ ? 1 : 0)); }

  // Returns sum_i s_i l_i + 0.5 * l2 * ||W||^2 and writes its gradient to `grad`.
  double Evaluate(const std::vector<double>& params, std::vector<double>& grad);

 private:
  struct Chunk {
    int64_t begin = 0;
    int64_t end = 0;
    std::vector<double> grad;     // num_params values
    std::vector<double> scores;   // kBlockRows x num_outputs, row-major
    double loss = 0;
  };
  void EvaluateChunk(const double* params, Chunk& chunk) const;

  GlmData data_;
  GlmFamily family_ = GlmFamily::kBinomial;
  int num_outputs_ = 1;
  int cols_ = 0;
  bool fit_intercept_ = true;
  double l2_ = 0;
  int threads_ = 1;
  std::vector<Chunk> chunks_;
};

}  // namespace strata::train::internal

#endif  // STRATA_TRAIN_INTERNAL_GLM_OBJECTIVE_H_
