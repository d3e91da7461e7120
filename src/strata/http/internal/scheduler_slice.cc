#include "strata/http/internal/scheduler_slice.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

#if defined(__linux__)
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#endif

namespace strata::http::internal {

#if defined(__linux__)
namespace {

// The kernel's struct sched_attr (include/uapi/linux/sched/types.h); glibc 2.36 has no
// wrapper for sched_setattr/sched_getattr.
struct SchedAttr {
  uint32_t size = sizeof(SchedAttr);
  uint32_t sched_policy = 0;
  uint64_t sched_flags = 0;
  int32_t sched_nice = 0;
  uint32_t sched_priority = 0;
  uint64_t sched_runtime = 0;  // for SCHED_OTHER: the requested slice in ns
  uint64_t sched_deadline = 0;
  uint64_t sched_period = 0;
  uint32_t sched_util_min = 0;
  uint32_t sched_util_max = 0;
};

absl::Status Refused(const char* what) {
  return absl::FailedPreconditionError(
      absl::StrCat(what, " failed: ", std::strerror(errno)));
}

absl::StatusOr<SchedAttr> GetAttr() {
  SchedAttr attr;
  if (syscall(SYS_sched_getattr, 0, &attr, sizeof(attr), 0) != 0) {
    return Refused("sched_getattr");
  }
  return attr;
}

}  // namespace

absl::Status SetSchedulerSliceOfThisThread(int64_t slice_us) {
  if (slice_us < 100 || slice_us > 100000) {
    return absl::InvalidArgumentError(absl::StrCat(
        "scheduler slice ", slice_us, " us is outside the kernel's range [100, 100000] us"));
  }
  absl::StatusOr<SchedAttr> current = GetAttr();
  if (!current.ok()) return current.status();
  if (current->sched_policy != SCHED_OTHER) return absl::OkStatus();
  SchedAttr attr;
  attr.sched_policy = SCHED_OTHER;
  // sched_setattr sets the nice value too: pass the current one so `nice strata serve` holds.
  attr.sched_nice = current->sched_nice;
  attr.sched_runtime = static_cast<uint64_t>(slice_us) * 1000;
  if (syscall(SYS_sched_setattr, 0, &attr, 0) != 0) return Refused("sched_setattr");
  return absl::OkStatus();
}

bool KernelHonoursSchedulerSlices() {
  utsname u{};
  if (uname(&u) != 0) return false;
  int major = 0;
  int minor = 0;
  if (std::sscanf(u.release, "%d.%d", &major, &minor) != 2) return false;
  return major > 6 || (major == 6 && minor >= 12);
}

absl::StatusOr<int64_t> SchedulerSliceOfThisThread() {
  absl::StatusOr<SchedAttr> attr = GetAttr();
  if (!attr.ok()) return attr.status();
  return static_cast<int64_t>(attr->sched_runtime / 1000);
}

#else

absl::Status SetSchedulerSliceOfThisThread(int64_t) {
  return absl::UnimplementedError("per-thread scheduler slices need Linux");
}

bool KernelHonoursSchedulerSlices() { return false; }

absl::StatusOr<int64_t> SchedulerSliceOfThisThread() {
  return absl::UnimplementedError("per-thread scheduler slices need Linux");
}

#endif

}  // namespace strata::http::internal
