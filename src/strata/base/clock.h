// Wall-clock helpers. Strata stores times as milliseconds since the Unix epoch, as MLflow does.
#ifndef STRATA_BASE_CLOCK_H_
#define STRATA_BASE_CLOCK_H_

#include <cstdint>

namespace strata {

// Milliseconds since the Unix epoch (UTC).
int64_t NowMillis();
// Microseconds from a monotonic clock; for measuring durations only.
int64_t MonotonicMicros();

}  // namespace strata

#endif  // STRATA_BASE_CLOCK_H_
