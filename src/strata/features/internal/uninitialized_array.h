// Large scratch and result arrays of the point-in-time join, allocated without initializing
// them and, when large, on transparent huge pages.
//
// Why: the join writes every element before reading it, so value-initializing (zeroing) first
// would touch each page twice; and its arrays are tens of MB that are written once, scattered.
// With 4 KiB pages every first touch is a page fault (expensive in a VM whose freed memory the
// host reclaims) and every scattered write a TLB miss; MADV_HUGEPAGE (honoured when THP is
// "madvise" or "always") makes that one fault and one TLB entry per 2 MiB.
#ifndef STRATA_FEATURES_INTERNAL_UNINITIALIZED_ARRAY_H_
#define STRATA_FEATURES_INTERNAL_UNINITIALIZED_ARRAY_H_

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <type_traits>

namespace strata::features::internal {

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

template <typename T>
using UninitializedArray = std::unique_ptr<T[], FreeDeleter>;

// Memory for `count` elements of a trivially copyable T, uninitialized. Never null (aborts on
// exhaustion, as operator new would throw; Strata does not use exceptions across its API).
void* AllocateUninitialized(size_t bytes);

template <typename T>
UninitializedArray<T> MakeUninitializedArray(size_t count) {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);
  return UninitializedArray<T>(static_cast<T*>(AllocateUninitialized(count * sizeof(T))));
}

}  // namespace strata::features::internal

#endif  // STRATA_FEATURES_INTERNAL_UNINITIALIZED_ARRAY_H_
