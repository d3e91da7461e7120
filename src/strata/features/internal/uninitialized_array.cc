#include "strata/features/internal/uninitialized_array.h"

#include <cstdio>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace strata::features::internal {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;

}  // namespace

void* AllocateUninitialized(size_t bytes) {
  if (bytes == 0) bytes = 1;
  void* p = nullptr;
  if (bytes >= 2 * kHugePage) {
    // aligned_alloc wants a multiple of the alignment.
    const size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    p = std::aligned_alloc(kHugePage, rounded);
#if defined(__linux__)
    // Advice only: without THP the memory is ordinary pages.
    if (p != nullptr) madvise(p, rounded, MADV_HUGEPAGE);
#endif
  } else {
    p = std::malloc(bytes);
  }
  if (p == nullptr) {
    std::fprintf(stderr, "point-in-time join: out of memory allocating %zu bytes\n", bytes);
    std::abort();
  }
  return p;
}

}  // namespace strata::features::internal
