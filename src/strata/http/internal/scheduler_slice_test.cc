#include "strata/http/internal/scheduler_slice.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <thread>

#include "gtest/gtest.h"

namespace strata::http::internal {
namespace {

// Runs fn on a fresh thread, so the test process's own threads keep their slices.
template <typename Fn>
void OnNewThread(Fn fn) {
  std::thread t(fn);
  t.join();
}

TEST(SchedulerSliceTest, SetsTheCallingThreadsSlice) {
  OnNewThread([] {
    ASSERT_TRUE(SetSchedulerSliceOfThisThread(300).ok());
    absl::StatusOr<int64_t> slice = SchedulerSliceOfThisThread();
    ASSERT_TRUE(slice.ok()) << slice.status();
    if (KernelHonoursSchedulerSlices()) {
      EXPECT_EQ(*slice, 300);
    }
  });
  // Another thread is not affected.
  OnNewThread([] {
    absl::StatusOr<int64_t> slice = SchedulerSliceOfThisThread();
    ASSERT_TRUE(slice.ok()) << slice.status();
    if (KernelHonoursSchedulerSlices()) {
      EXPECT_NE(*slice, 300);
    }
  });
}

TEST(SchedulerSliceTest, KeepsTheNiceValue) {
  OnNewThread([] {
    const auto tid = static_cast<id_t>(syscall(SYS_gettid));
    // Raising one's own nice value needs no privilege.
    ASSERT_EQ(setpriority(PRIO_PROCESS, tid, 7), 0);
    ASSERT_TRUE(SetSchedulerSliceOfThisThread(1000).ok());
    errno = 0;
    EXPECT_EQ(getpriority(PRIO_PROCESS, tid), 7);
    if (KernelHonoursSchedulerSlices()) {
      EXPECT_EQ(*SchedulerSliceOfThisThread(), 1000);
    }
  });
}

TEST(SchedulerSliceTest, RefusesSlicesOutsideTheKernelsRange) {
  OnNewThread([] {
    for (int64_t bad : {int64_t{0}, int64_t{99}, int64_t{100001}, int64_t{-5}}) {
      absl::Status s = SetSchedulerSliceOfThisThread(bad);
      EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
      EXPECT_NE(s.message().find("[100, 100000]"), std::string_view::npos) << s;
    }
    EXPECT_TRUE(SetSchedulerSliceOfThisThread(100).ok());
    EXPECT_TRUE(SetSchedulerSliceOfThisThread(100000).ok());
  });
}

TEST(SchedulerSliceTest, LeavesBatchThreadsAlone) {
  OnNewThread([] {
    sched_param param{};
    ASSERT_EQ(sched_setscheduler(0, SCHED_BATCH, &param), 0);
    const int64_t before = *SchedulerSliceOfThisThread();
    ASSERT_TRUE(SetSchedulerSliceOfThisThread(200).ok());
    EXPECT_EQ(sched_getscheduler(0), SCHED_BATCH);
    EXPECT_EQ(*SchedulerSliceOfThisThread(), before);
  });
}

}  // namespace
}  // namespace strata::http::internal
