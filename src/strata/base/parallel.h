// Data-parallel loops over an index range: the one way Strata's data layer spreads work over
// cores (CSV chunks, Parquet column chunks, profile partitions).
//
// ParallelFor runs fn(i) for every i in [0, n) on up to `threads` threads (0 = one per
// hardware thread), handing out indexes one at a time so uneven items balance. The calling
// thread works too; it returns when every call has finished. fn must be thread-safe.
#ifndef STRATA_BASE_PARALLEL_H_
#define STRATA_BASE_PARALLEL_H_

#include <cstdint>
#include <functional>

namespace strata {

// The number of threads `threads` means: itself when positive, else the hardware's (>= 1).
int ResolveThreads(int threads);

void ParallelFor(int64_t n, int threads, const std::function<void(int64_t)>& fn);

}  // namespace strata

#endif  // STRATA_BASE_PARALLEL_H_
