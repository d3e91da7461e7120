#include "strata/train/internal/glm_objective.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <Eigen/Core>

#include "strata/base/parallel.h"

namespace strata::train::internal {
namespace {

// Rows per block: the multinomial path's Eigen products re-read a block for X^T R, and 256 x 50
// float64 features (100 KB) stay in L2 between the two products.
constexpr int64_t kBlockRows = 256;
// Rows per chunk before the chunk count is capped; the cap bounds the reduction cost.
constexpr int64_t kMinChunkRows = 8192;
constexpr int64_t kMaxChunks = 64;

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstRowMap = Eigen::Map<const RowMatrix>;
using RowMap = Eigen::Map<RowMatrix>;

// log(1 + exp(z)) without overflow; also returns the sigmoid of z from the same exp.
inline double LogOnePlusExp(double z, double* sigmoid) {
  const double e = std::exp(-std::fabs(z));
  *sigmoid = z >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
  // log1p(e) as log(u) plus the rounding error of u = 1 + e, divided by u: as accurate as
  // log1p (within an ulp or so) and cheaper, log being the faster routine in glibc.
  const double u = 1.0 + e;
  return std::max(z, 0.0) + std::log(u) + (e - (u - 1.0)) / u;
}


// Four doubles in GCC/Clang's portable vector extension: SSE2 pairs by default, one AVX2
// register in the x86-64-v3 clone below.
// The helpers are always inlined, so the ABI note GCC gives for 32-byte vector values
// (-Wpsabi) concerns no call between separately compiled code.
#pragma GCC diagnostic ignored "-Wpsabi"  // for the whole file: GCC reports it at the end
typedef double Vec4 __attribute__((vector_size(32)));
[[gnu::always_inline]] inline Vec4 Load4(const double* p) {
  Vec4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
[[gnu::always_inline]] inline void Store4(double* p, Vec4 v) { std::memcpy(p, &v, sizeof v); }
[[gnu::always_inline]] inline double Sum4(Vec4 v) { return (v[0] + v[1]) + (v[2] + v[3]); }
typedef int64_t Int4 __attribute__((vector_size(32)));
[[gnu::always_inline]] inline Vec4 Splat4(double v) { return Vec4{v, v, v, v}; }
[[gnu::always_inline]] inline Int4 Bits4(Vec4 v) {
  Int4 i;
  std::memcpy(&i, &v, sizeof i);
  return i;
}
[[gnu::always_inline]] inline Vec4 FromBits4(Int4 i) {
  Vec4 v;
  std::memcpy(&v, &i, sizeof v);
  return v;
}

// exp(x) for x in [-708, 0], four at a time (what exp(-|z|) needs; smaller x are clamped, and
// exp(-708) ~ 3e-308 changes no loss or residual). x = n ln2 + r with |r| <= ln2 / 2 (ln2 split
// in two so n * kLn2High is exact), exp(r) by its Taylor series to degree 13 (truncation
// < 1e-17 relative), times 2^n built in the exponent bits.
[[gnu::always_inline]] inline Vec4 ExpNonPositive4(Vec4 x) {
  constexpr double kLog2e = 1.4426950408889634;
  constexpr double kLn2High = 6.93147180369123816490e-01;
  constexpr double kLn2Low = 1.90821492927058770002e-10;
  constexpr double kRound = 6755399441055744.0;  // 1.5 * 2^52: adding it rounds to an integer
  x = x < Splat4(-708.0) ? Splat4(-708.0) : x;
  const Vec4 shifted = x * kLog2e + kRound;
  const Vec4 n = shifted - kRound;
  const Vec4 r = (x - n * kLn2High) - n * kLn2Low;
  Vec4 p = Splat4(1.0 / 6227020800.0);  // 1/13!
  constexpr double kInverseFactorials[] = {1.0 / 479001600.0, 1.0 / 39916800.0,
                                           1.0 / 3628800.0,   1.0 / 362880.0,
                                           1.0 / 40320.0,     1.0 / 5040.0,
                                           1.0 / 720.0,       1.0 / 120.0,
                                           1.0 / 24.0,        1.0 / 6.0,
                                           0.5,               1.0,
                                           1.0};
  for (double c : kInverseFactorials) p = p * r + c;
  const Int4 integer_n = Bits4(shifted) - Bits4(Splat4(kRound));
  return p * FromBits4((integer_n + 1023) << 52);
}

// log1p(e) for e in [0, 1], four at a time: fdlibm's log on u = 1 + e (u = 2^k (1 + f) with
// f in [sqrt(2)/2 - 1, sqrt(2) - 1], f exact by Sterbenz), plus the rounding error of u,
// (e - (u - 1)) / u. Within about an ulp of log1p.
[[gnu::always_inline]] inline Vec4 Log1pUnit4(Vec4 e) {
  constexpr double kLn2High = 6.93147180369123816490e-01;
  constexpr double kLn2Low = 1.90821492927058770002e-10;
  const Vec4 u = 1.0 + e;
  const Int4 upper = u > Splat4(1.4142135623730951);
  const Vec4 k = upper ? Splat4(1.0) : Splat4(0.0);
  const Vec4 f = upper ? u * 0.5 - 1.0 : u - 1.0;
  const Vec4 s = f / (2.0 + f);
  const Vec4 z = s * s;
  const Vec4 w = z * z;
  const Vec4 t1 = w * (3.999999999940941908e-01 +
                       w * (2.222219843214978396e-01 + w * 1.531383769920937332e-01));
  const Vec4 t2 = z * (6.666666666666735130e-01 +
                       w * (2.857142874366239149e-01 +
                            w * (1.818357216161805012e-01 + w * 1.479819860511658591e-01)));
  const Vec4 R = t2 + t1;
  const Vec4 hfsq = 0.5 * f * f;
  const Vec4 log_u = k * kLn2High - ((hfsq - (s * (hfsq + R) + k * kLn2Low)) - f);
  return log_u + (e - (u - 1.0)) / u;
}


// The loss of one row and its weighted residual dl/dz.
inline double RowLoss(double z, double y, const double* weight, bool logistic, double* residual) {
  double l;
  if (logistic) {
    double p;
    l = LogOnePlusExp(z, &p) - y * z;
    *residual = p - y;
  } else {
    *residual = z - y;
    l = 0.5 * *residual * *residual;
  }
  if (weight) {
    l *= *weight;
    *residual *= *weight;
  }
  return l;
}

// The fused pass for one output (binomial, gaussian) over a block of row-major rows: four rows
// at a time, the dot products x_i . w, the losses and residuals, and grad += sum r_i x_i, all
// while the four rows sit in L1. The data is read from memory once per evaluation. Built for
// x86-64-v3 (AVX2 + FMA) beside the baseline, picked at load time by the CPU.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("arch=x86-64-v3", "default")))
#endif
void FusedSingleOutputPass(const double* x, int64_t rows, int64_t f, const double* w, double b,
                           const double* labels, const double* weights, bool logistic,
                           double* grad, double* loss_out, double* intercept_grad_out) {
  double loss = 0, intercept_grad = 0;
  int64_t i = 0;
  for (; i + 4 <= rows; i += 4) {
    const double* x0 = x + i * f;
    const double* x1 = x0 + f;
    const double* x2 = x1 + f;
    const double* x3 = x2 + f;
    Vec4 a0 = {0, 0, 0, 0}, a1 = a0, a2 = a0, a3 = a0;
    int64_t j = 0;
    for (; j + 4 <= f; j += 4) {
      const Vec4 wv = Load4(w + j);
      a0 += Load4(x0 + j) * wv;
      a1 += Load4(x1 + j) * wv;
      a2 += Load4(x2 + j) * wv;
      a3 += Load4(x3 + j) * wv;
    }
    double z[4] = {Sum4(a0) + b, Sum4(a1) + b, Sum4(a2) + b, Sum4(a3) + b};
    for (; j < f; ++j) {
      z[0] += x0[j] * w[j];
      z[1] += x1[j] * w[j];
      z[2] += x2[j] * w[j];
      z[3] += x3[j] * w[j];
    }
    double r[4];
    if (logistic) {
      // The four rows' sigmoids and log-losses in vector form (the transcendentals were a
      // third of the pass when done one row at a time with libm).
      const Vec4 zv = {z[0], z[1], z[2], z[3]};
      const Vec4 y = Load4(labels + i);
      const Int4 positive = zv >= Splat4(0.0);
      const Vec4 e = ExpNonPositive4(positive ? -zv : zv);
      const Vec4 p = (positive ? Splat4(1.0) : e) / (1.0 + e);
      Vec4 l = (positive ? zv : Splat4(0.0)) + Log1pUnit4(e) - y * zv;
      Vec4 residual = p - y;
      if (weights) {
        const Vec4 w = Load4(weights + i);
        l *= w;
        residual *= w;
      }
      loss += Sum4(l);
      intercept_grad += Sum4(residual);
      Store4(r, residual);
    } else {
      for (int k = 0; k < 4; ++k) {
        loss += RowLoss(z[k], labels[i + k], weights ? weights + i + k : nullptr, logistic, &r[k]);
        intercept_grad += r[k];
      }
    }
    j = 0;
    for (; j + 4 <= f; j += 4) {
      Vec4 g = Load4(grad + j);
      g += r[0] * Load4(x0 + j) + r[1] * Load4(x1 + j) + r[2] * Load4(x2 + j) +
           r[3] * Load4(x3 + j);
      Store4(grad + j, g);
    }
    for (; j < f; ++j) grad[j] += r[0] * x0[j] + r[1] * x1[j] + r[2] * x2[j] + r[3] * x3[j];
  }
  for (; i < rows; ++i) {
    const double* xi = x + i * f;
    double z = b;
    for (int64_t j = 0; j < f; ++j) z += xi[j] * w[j];
    double r;
    loss += RowLoss(z, labels[i], weights ? weights + i : nullptr, logistic, &r);
    intercept_grad += r;
    for (int64_t j = 0; j < f; ++j) grad[j] += r * xi[j];
  }
  *loss_out = loss;
  *intercept_grad_out = intercept_grad;
}

}  // namespace

GlmObjective::GlmObjective(const GlmData& data, GlmFamily family, int num_outputs,
                           bool fit_intercept, double l2, int threads)
    : data_(data),
      family_(family),
      num_outputs_(num_outputs),
      cols_(data.cols),
      fit_intercept_(fit_intercept),
      l2_(l2),
      threads_(ResolveThreads(threads)) {
  const int64_t chunk_count =
      std::clamp<int64_t>((data.rows + kMinChunkRows - 1) / kMinChunkRows, 1, kMaxChunks);
  chunks_.resize(static_cast<size_t>(chunk_count));
  for (int64_t c = 0; c < chunk_count; ++c) {
    Chunk& chunk = chunks_[static_cast<size_t>(c)];
    chunk.begin = data.rows * c / chunk_count;
    chunk.end = data.rows * (c + 1) / chunk_count;
    chunk.grad.assign(static_cast<size_t>(num_params()), 0);
    chunk.scores.assign(static_cast<size_t>(kBlockRows * num_outputs), 0);
  }
}

void GlmObjective::EvaluateChunk(const double* params, Chunk& chunk) const {
  const int k_out = num_outputs_;
  const int64_t f = cols_;
  std::fill(chunk.grad.begin(), chunk.grad.end(), 0.0);
  chunk.loss = 0;
  double loss = 0;
  const double* intercepts = fit_intercept_ ? params + k_out * f : nullptr;
  double* grad_intercepts = fit_intercept_ ? chunk.grad.data() + k_out * f : nullptr;
  const double* weights = data_.sample_weights;
  for (int64_t r0 = chunk.begin; r0 < chunk.end; r0 += kBlockRows) {
    const int64_t rows = std::min(kBlockRows, chunk.end - r0);
    const double* labels = data_.labels + r0;
    if (k_out == 1) {
      const double b = intercepts ? intercepts[0] : 0.0;
      double block_loss = 0, intercept_grad = 0;
      FusedSingleOutputPass(data_.features + r0 * f, rows, f, params, b, labels,
                            weights ? weights + r0 : nullptr,
                            family_ == GlmFamily::kBinomial, chunk.grad.data(), &block_loss,
                            &intercept_grad);
      loss += block_loss;
      if (grad_intercepts) grad_intercepts[0] += intercept_grad;
    } else {
      ConstRowMap x(data_.features + r0 * f, rows, f);
      RowMap z(chunk.scores.data(), rows, k_out);
      z.noalias() = x * ConstRowMap(params, k_out, f).transpose();
      for (int64_t i = 0; i < rows; ++i) {
        double* zi = z.row(i).data();
        double top = -HUGE_VAL;
        for (int k = 0; k < k_out; ++k) {
          if (intercepts) zi[k] += intercepts[k];
          top = std::max(top, zi[k]);
        }
        double sum = 0;
        for (int k = 0; k < k_out; ++k) sum += std::exp(zi[k] - top);
        const int label = static_cast<int>(labels[i]);
        double l = top + std::log(sum) - zi[label];
        const double w = weights ? weights[r0 + i] : 1.0;
        const double inv_sum = w / sum;
        for (int k = 0; k < k_out; ++k) zi[k] = std::exp(zi[k] - top) * inv_sum;
        zi[label] -= w;
        loss += weights ? l * w : l;
        if (grad_intercepts) {
          for (int k = 0; k < k_out; ++k) grad_intercepts[k] += zi[k];
        }
      }
      RowMap(chunk.grad.data(), k_out, f).noalias() += z.transpose() * x;
    }
  }
  chunk.loss = loss;
}

double GlmObjective::Evaluate(const std::vector<double>& params, std::vector<double>& grad) {
  ParallelFor(static_cast<int64_t>(chunks_.size()), threads_,
              [&](int64_t c) { EvaluateChunk(params.data(), chunks_[static_cast<size_t>(c)]); });
  grad.assign(static_cast<size_t>(num_params()), 0.0);
  double loss = 0;
  for (const Chunk& chunk : chunks_) {
    loss += chunk.loss;
    for (size_t j = 0; j < grad.size(); ++j) grad[j] += chunk.grad[j];
  }
  if (l2_ > 0) {
    const size_t coefficient_count = static_cast<size_t>(num_outputs_) * cols_;
    double squared = 0;
    for (size_t j = 0; j < coefficient_count; ++j) {
      squared += params[j] * params[j];
      grad[j] += l2_ * params[j];
    }
    loss += 0.5 * l2_ * squared;
  }
  return loss;
}

}  // namespace strata::train::internal
