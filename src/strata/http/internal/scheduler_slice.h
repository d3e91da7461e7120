// Asks the Linux scheduler for a short time slice on the calling thread, so a latency-bound
// I/O thread that wakes while the cores are busy runs soon instead of waiting out another
// task's slice.
//
// Why: on a loaded machine (the load generator, other services or a build sharing the cores)
// the kernel's default slice (0.7 ms x (1 + log2 cores); 1.4 ms on 2 cores) is what a woken
// server thread waits behind, and that wait, not the request's ~15 us of work, is the p99/p99.9
// of a one-row predict. Since Linux 6.12 the EEVDF scheduler takes a per-thread slice
// (sched_setattr's sched_runtime for SCHED_OTHER, clamped to 0.1-100 ms): a shorter slice gives
// an earlier virtual deadline, so the woken thread is picked (and may preempt) sooner. The
// thread's share of CPU time is unchanged; only when it gets it is.
#ifndef STRATA_HTTP_INTERNAL_SCHEDULER_SLICE_H_
#define STRATA_HTTP_INTERNAL_SCHEDULER_SLICE_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace strata::http::internal {

// Sets the calling thread's scheduler slice to `slice_us` microseconds, keeping its policy and
// nice value. Only a thread under the normal policy (SCHED_OTHER) is changed: a thread the
// operator made SCHED_BATCH, SCHED_IDLE or real-time is left as it is (OK, nothing done).
// Errors: INVALID_ARGUMENT when slice_us is outside [100, 100000]; UNIMPLEMENTED off Linux;
// FAILED_PRECONDITION (with errno's text) when the kernel refuses the call. A kernel older than
// 6.12 accepts the call and ignores the slice.
absl::Status SetSchedulerSliceOfThisThread(int64_t slice_us);

// Whether the running kernel takes per-thread SCHED_OTHER slices (Linux >= 6.12).
bool KernelHonoursSchedulerSlices();

// The calling thread's scheduler slice in microseconds as the kernel reports it (its default
// slice when none was set), or an error as above.
absl::StatusOr<int64_t> SchedulerSliceOfThisThread();

}  // namespace strata::http::internal

#endif  // STRATA_HTTP_INTERNAL_SCHEDULER_SLICE_H_
