#include "strata/features/internal/uninitialized_array.h"

#include <cstdint>

#include "gtest/gtest.h"

namespace strata::features::internal {
namespace {

TEST(UninitializedArrayTest, SmallAndEmptyArraysAreUsable) {
  UninitializedArray<int32_t> empty = MakeUninitializedArray<int32_t>(0);
  EXPECT_NE(empty.get(), nullptr);
  UninitializedArray<int64_t> small = MakeUninitializedArray<int64_t>(10);
  for (int i = 0; i < 10; ++i) small[static_cast<size_t>(i)] = i * 3;
  int64_t sum = 0;
  for (int i = 0; i < 10; ++i) sum += small[static_cast<size_t>(i)];
  EXPECT_EQ(sum, 135);
}

// Large arrays start on a 2 MiB boundary so that huge pages can back all of them; an odd size
// must still be writable to its last element.
TEST(UninitializedArrayTest, LargeArraysAreHugePageAligned) {
  const size_t count = (size_t{5} << 20) / sizeof(int64_t) + 3;
  UninitializedArray<int64_t> large = MakeUninitializedArray<int64_t>(count);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(large.get()) % (uintptr_t{2} << 20), 0u);
  for (size_t i = 0; i < count; ++i) large[i] = static_cast<int64_t>(i);
  EXPECT_EQ(large[count - 1], static_cast<int64_t>(count - 1));
}

}  // namespace
}  // namespace strata::features::internal
