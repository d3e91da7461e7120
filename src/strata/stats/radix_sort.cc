#include "strata/stats/radix_sort.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

namespace strata::stats {
namespace {

constexpr uint64_t kSignBit = uint64_t{1} << 63;
// Below this many keys the histograms cost more than a comparison sort.
constexpr size_t kComparisonSortBelow = 64;

// Sorts `keys` (unsigned, ascending); `other` is a buffer of the same length. The result ends
// in `keys`.
void SortKeys(uint64_t* keys, uint64_t* other, size_t n) {
  // Digits where every key agrees (AND equals OR) are skipped outright; an already sorted
  // block (ids, timestamps in file order) costs one pass.
  uint64_t all_and = ~uint64_t{0}, all_or = 0;
  bool sorted = true;
  for (size_t i = 0; i < n; ++i) {
    all_and &= keys[i];
    all_or |= keys[i];
    sorted = sorted && (i == 0 || keys[i - 1] <= keys[i]);
  }
  if (sorted) return;
  const uint64_t varying = all_and ^ all_or;
  std::array<int, 8> digits{};
  int num_digits = 0;
  for (int d = 0; d < 8; ++d) {
    if (((varying >> (8 * d)) & 0xff) != 0) digits[static_cast<size_t>(num_digits++)] = d;
  }
  std::array<std::array<uint32_t, 256>, 8> counts{};
  for (size_t i = 0; i < n; ++i) {
    const uint64_t k = keys[i];
    for (int j = 0; j < num_digits; ++j) {
      ++counts[static_cast<size_t>(j)][(k >> (8 * digits[static_cast<size_t>(j)])) & 0xff];
    }
  }
  uint64_t* from = keys;
  uint64_t* to = other;
  for (int j = 0; j < num_digits; ++j) {
    const int d = digits[static_cast<size_t>(j)];
    std::array<uint32_t, 256>& count = counts[static_cast<size_t>(j)];
    uint32_t running = 0;
    for (uint32_t& c : count) {
      const uint32_t here = c;
      c = running;
      running += here;
    }
    for (size_t i = 0; i < n; ++i) {
      const uint64_t k = from[i];
      to[count[(k >> (8 * d)) & 0xff]++] = k;
    }
    std::swap(from, to);
  }
  if (from != keys) std::memcpy(keys, from, n * sizeof(uint64_t));
}

uint64_t DoubleKey(double v) {
  const uint64_t bits = std::bit_cast<uint64_t>(v);
  return (bits & kSignBit) != 0 ? ~bits : bits | kSignBit;
}

double KeyDouble(uint64_t key) {
  return std::bit_cast<double>((key & kSignBit) != 0 ? key & ~kSignBit : ~key);
}

}  // namespace

void RadixSort(absl::Span<int64_t> values, std::vector<uint64_t>& scratch) {
  const size_t n = values.size();
  if (n < kComparisonSortBelow) {
    std::sort(values.begin(), values.end());
    return;
  }
  scratch.resize(2 * n);
  uint64_t* keys = scratch.data();
  for (size_t i = 0; i < n; ++i) keys[i] = static_cast<uint64_t>(values[i]) ^ kSignBit;
  SortKeys(keys, keys + n, n);
  for (size_t i = 0; i < n; ++i) values[i] = static_cast<int64_t>(keys[i] ^ kSignBit);
}

void RadixSort(absl::Span<double> values, std::vector<uint64_t>& scratch) {
  const size_t n = values.size();
  if (n < kComparisonSortBelow) {
    // Same order as the keys below: -0.0 before +0.0.
    std::sort(values.begin(), values.end(), [](double a, double b) { return DoubleKey(a) < DoubleKey(b); });
    return;
  }
  scratch.resize(2 * n);
  uint64_t* keys = scratch.data();
  for (size_t i = 0; i < n; ++i) keys[i] = DoubleKey(values[i]);
  SortKeys(keys, keys + n, n);
  for (size_t i = 0; i < n; ++i) values[i] = KeyDouble(keys[i]);
}

}  // namespace strata::stats
